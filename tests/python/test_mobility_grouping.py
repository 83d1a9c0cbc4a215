# SPDX-License-Identifier: MIT
"""Grouping by mobility, end to end (scenarios/gorman-2007.yaml, the scenario
of the Gorman 2007 claim): after the same fragmenting load, the hugetlb pool
grows much further under ``linux`` (grouping by mobility, fallback and claim
rules of mm/page_alloc.c) than under ``nomobility`` (every pageblock one type,
so the unmovable slab pages land anywhere).

Both runs use seed 1, so the load is the same (a workload's demand depends
only on the scenario, the seed and the actor); only the placement differs.

Environment (set by tests/meson.build): FRAGSIM, FRAG_SCENARIOS.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pandas")

FRAGSIM = os.environ.get("FRAGSIM")
SCENARIOS = os.environ.get("FRAG_SCENARIOS")
if not FRAGSIM or not SCENARIOS:
    pytest.skip("FRAGSIM / FRAG_SCENARIOS not set (run through meson test)", allow_module_level=True)
sys.path.insert(0, str(Path(SCENARIOS).parent))
from analysis.fragdb import Experiment  # noqa: E402

SCENARIO = Path(SCENARIOS) / "gorman-2007.yaml"
POOL_TRIES = 28          # 31 s to 44.5 s every 500 ms


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for policy in ("linux", "nomobility"):
        d = tmp_path_factory.mktemp(policy)
        subprocess.run([FRAGSIM, "run", str(SCENARIO), "--policy", policy, "--seed", "1", "--no-progress",
                        "--quiet", "--out", str(d)], check=True, timeout=600)
        exp = Experiment(d / "fragsim.db")
        out[policy] = exp.metrics_wide().loc[exp.runs.index[0]]
    return out


def test_same_load(runs):
    # The pool was asked the same number of times, and each try ended in a failure
    # (the machine could not give all 512 pages) under both policies.
    for m in runs.values():
        assert m["wl.hugetlb_requests"] == POOL_TRIES
        assert m["htlb_buddy_alloc_fail"] == POOL_TRIES


def test_grouping_keeps_unmovable_pages_together(runs):
    lin = runs["linux"]
    # Under linux the unmovable slab pages sit in few pageblocks (of 512); a
    # movable block may hold a few stolen pages (pageblocks_mixed), it stays movable.
    assert lin["pageblocks_unmovable"] <= 64
    assert lin["pageblocks_movable"] >= 400


def test_grouping_raises_huge_page_availability(runs):
    lin = runs["linux"]["htlb_buddy_alloc_success"]
    nomob = runs["nomobility"]["htlb_buddy_alloc_success"]
    print(f"2 MiB pool pages: linux {lin:.0f}, nomobility {nomob:.0f} (of 512)")
    assert nomob <= 26                      # at most 5 % of memory without grouping
    assert lin >= 40
    assert lin >= 2.5 * max(nomob, 1)
