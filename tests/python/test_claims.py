# SPDX-License-Identifier: MIT
"""`fragsim claims` on a reduced claim set (issue 8, items 3-4):
tests/fixtures/claims/good holds a claim that holds by construction, one
that cannot, and one naming an unregistered policy; bad/ a claim file with
a bad comparator. The runs are real `fragsim compare` runs (quick.yaml, 2 s,
2 seeds).

Environment (set by tests/meson.build): FRAGSIM, FRAG_SOURCE_ROOT.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("yaml")
pytest.importorskip("pandas")

FRAGSIM = os.environ.get("FRAGSIM")
ROOT = os.environ.get("FRAG_SOURCE_ROOT")
if not FRAGSIM or not ROOT:
    pytest.skip("FRAGSIM / FRAG_SOURCE_ROOT not set (run through meson test)", allow_module_level=True)
FIX = Path(ROOT) / "tests" / "fixtures" / "claims"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    out = tmp_path_factory.mktemp("claims")
    p = subprocess.run([FRAGSIM, "claims", "--dir", str(FIX / "good"), "--out", str(out), "--jobs", "2"],
                       capture_output=True, text=True, timeout=600)
    return p, out, {c["name"]: c for c in json.loads((out / "claims.json").read_text())}


def test_verdicts(good):
    p, out, c = good
    assert c["holds"]["verdict"] == "reproduced"
    assert all(e["holds"] for e in c["holds"]["expect"])
    assert c["fails"]["verdict"] == "not reproduced"
    assert c["fails"]["expect"][0]["holds"] is False
    assert c["unregistered"]["verdict"] == "not run"
    assert "no-such-policy" in c["unregistered"]["reason"]
    assert p.returncode == 1          # a claim could not run


def test_table_and_outputs(good):
    p, out, c = good
    lines = p.stdout.splitlines()
    row = next(x for x in lines if x.startswith("holds "))
    assert "reproduced" in row
    assert "1 reproduced, 1 not reproduced, 1 not run" in p.stdout
    # Measured values with their CI: sim_seconds is exactly 2 in both seeds.
    assert "linux: 2 ± 0 (n=2)" in p.stdout
    assert (out / "claims.md").read_text().count("| test:") == 3
    assert "<table>" in (out / "index.html").read_text()
    # holds and fails share the scenario and settings: one database, linux's 2 runs
    # shared, linux-defrag's 2 added: 4 runs, not 6.
    import sqlite3
    dbs = list((out / "runs").glob("*/fragsim.db"))
    assert len(dbs) == 1
    n = sqlite3.connect(dbs[0]).execute("select count(*) from runs where status = 'complete'").fetchone()[0]
    assert n == 4


def test_bad_claim_file_names_file_and_key(tmp_path):
    p = subprocess.run([FRAGSIM, "claims", "--dir", str(FIX / "bad"), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "badop.yaml" in p.stderr and "claim.expect[0].op" in p.stderr
    assert not (tmp_path / "claims.json").exists()


def test_shipped_claims_parse():
    p = subprocess.run([FRAGSIM, "claims", "--list"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert len(p.stdout.splitlines()) >= 8
