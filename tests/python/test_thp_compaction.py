# SPDX-License-Identifier: MIT
"""Issue 4's scenario test: a fragmenting workload lowers THP success over
time, and compaction restores part of it.

scenarios/thp-fragmentation.yaml is run twice on the same seed: with
``thp.defrag=never`` (a THP fault takes only a free 2 MiB block: no direct
compaction, and proactive compaction is off in the file) and with the file's
``madvise`` (madvised faults use GFP_TRANSHUGE and compact:
__alloc_pages_direct_compact()). The per-interval THP success rate
(thp_fault_alloc / (thp_fault_alloc + thp_fault_fallback), analysis.fragdb's
``thp_success_interval``) is compared between the first 10 s and the last
20 s.

Environment (set by tests/meson.build): FRAGSIM, FRAG_SCENARIOS.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("h5py")
pytest.importorskip("pandas")

FRAGSIM = os.environ.get("FRAGSIM")
SCENARIOS = os.environ.get("FRAG_SCENARIOS")
if not FRAGSIM or not SCENARIOS:
    pytest.skip("FRAGSIM / FRAG_SCENARIOS not set (run through meson test)", allow_module_level=True)
sys.path.insert(0, str(Path(SCENARIOS).parent))
from analysis.fragdb import Experiment  # noqa: E402

SCENARIO = Path(SCENARIOS) / "thp-fragmentation.yaml"


def window_rate(series, t0, t1):
    """THP success over (t0, t1]: counter deltas between the epochs at t0 and t1."""
    a = series.loc[t0]
    b = series.loc[t1]
    ok = b["thp_fault_alloc"] - a["thp_fault_alloc"]
    fb = b["thp_fault_fallback"] - a["thp_fault_fallback"]
    assert ok + fb > 100, "too few THP faults in the window to judge"
    return ok / (ok + fb)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for defrag in ("never", "madvise"):
        d = tmp_path_factory.mktemp(defrag)
        subprocess.run([FRAGSIM, "run", str(SCENARIO), "--set", f"thp.defrag={defrag}", "--no-progress",
                        "--quiet", "--out", str(d)], check=True, timeout=600)
        exp = Experiment(d / "fragsim.db")
        rid = exp.runs.index[0]
        out[defrag] = (exp.series(rid), exp.metrics_wide().loc[rid])
    return out


def test_fragmentation_lowers_thp_success(runs):
    s, m = runs["never"]
    early, late = window_rate(s, 0.0, 10.0), window_rate(s, 20.0, 40.0)
    print(f"defrag=never: THP success {early:.3f} in 0-10 s, {late:.3f} in 20-40 s")
    assert early >= 0.4
    assert late <= early / 2
    assert m["compact_stall"] == 0          # no direct compaction under defrag=never
    assert m["compact_success"] == 0


def test_compaction_restores_part_of_it(runs):
    never_late = window_rate(runs["never"][0], 20.0, 40.0)
    s, m = runs["madvise"]
    late = window_rate(s, 20.0, 40.0)
    print(f"defrag=madvise: THP success {late:.3f} in 20-40 s (never: {never_late:.3f})")
    assert m["compact_stall"] > 0
    assert m["compact_success"] > 0
    late_success = s.loc[40.0]["compact_success"] - s.loc[20.0]["compact_success"]
    assert late_success > 0                 # compaction still succeeds late in the run
    assert late >= 0.2
    assert late >= 2 * never_late
