# SPDX-License-Identifier: MIT
"""Read fragsim results back the way analysis/ will: sqlite3 (stdlib) and h5py.

tests/tools/sink_writer (path in $FRAG_SINK_WRITER) writes a database and
HDF5 files for a complete, an interrupted and a killed run through the real
sinks; these tests check the schema, the rows, and the HDF5 datasets,
attributes, shapes and dtypes against docs/results-format.md.
"""
import json
import os
import sqlite3
import subprocess

import pytest

h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")

COMPLETE = "1" * 32
INTERRUPTED = "2" * 32
KILLED = "3" * 32

SCHEMA = {
    "stats_version": ["stats_version", "schema_version"],
    "runs": ["id", "uid", "scenario", "scenario_path", "scenario_hash", "policy", "seed", "config",
             "git_rev", "fragsim_version", "simgrid_version", "host", "pid", "status", "message",
             "started_at", "finished_at", "wall_s", "sim_requested_s", "sim_reached_s",
             "sample_period_s", "h5_file"],
    "params": ["run_id", "key", "value"],
    "metrics": ["run_id", "name", "value", "unit"],
    "events": ["run_id", "seq", "t_ns", "type", "cpu", "nid", "pfn", "ord", "value", "outcome",
               "detail"],
}

SPB_FIELDS = ["category", "fullness", "free_pages", "pcp_pages", "unmovable_pages",
              "movable_pages", "reclaimable_pages", "pb_unmovable", "pb_movable",
              "pb_reclaimable", "pb_highatomic", "pb_free", "reserved_pages"]
MIGRATETYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]


def _s(v):
    """h5py gives str for variable-length string attributes; bytes in older versions."""
    return v.decode() if isinstance(v, bytes) else v


def _strs(a):
    return [_s(x) for x in a]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    writer = os.environ.get("FRAG_SINK_WRITER")
    if not writer:
        pytest.skip("FRAG_SINK_WRITER not set (run through meson test)")
    d = tmp_path_factory.mktemp("results")
    p = subprocess.run([writer, str(d)], check=True, capture_output=True, text=True)
    manifest = json.loads(p.stdout)
    return d, manifest


@pytest.fixture(scope="module")
def db(out):
    d, m = out
    con = sqlite3.connect(d / m["db"])
    con.row_factory = sqlite3.Row
    yield con
    con.close()


def test_schema_tables_and_columns(db):
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(SCHEMA)
    for t, cols in SCHEMA.items():
        got = [r["name"] for r in db.execute(f"PRAGMA table_info({t})")]
        assert got == cols, t
    # Every column is commented in the stored CREATE TABLE text (from results/schema.sql).
    for t, cols in SCHEMA.items():
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0]
        for line in sql.splitlines()[1:]:
            line = line.strip()
            if line and not line.startswith(("PRIMARY KEY", ")")):
                assert "--" in line, (t, line)


def test_pragmas(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_stats_version(db, out):
    _, m = out
    rows = db.execute("SELECT stats_version, schema_version FROM stats_version").fetchall()
    assert [tuple(r) for r in rows] == [(m["stats_version"], m["schema_version"])]


def test_runs_rows(db, out):
    d, m = out
    runs = {r["uid"]: r for r in db.execute("SELECT * FROM runs")}
    assert set(runs) == set(m["runs"])
    for uid, (status, epochs) in m["runs"].items():
        r = runs[uid]
        assert r["status"] == status
        assert r["scenario"] == "readback"
        assert r["scenario_path"] == "scenarios/readback.yaml"
        assert r["scenario_hash"] == "feedfacecafebeef"
        assert r["policy"] == "linux"
        assert r["seed"] == 7
        assert json.loads(r["config"])["run"]["name"] == "readback"
        assert r["fragsim_version"] == "0.1.0" and r["simgrid_version"] == "3.32"
        assert r["git_rev"] == "test"
        assert r["started_at"].endswith("Z") and "T" in r["started_at"]
        assert r["sim_requested_s"] == pytest.approx(20e-3)
        assert r["sample_period_s"] == pytest.approx(1e-3)
        assert r["h5_file"] == f"runs/{uid}.h5"
        assert (d / r["h5_file"]).is_file()
        if status == "running":
            assert r["finished_at"] is None and r["wall_s"] is None and r["sim_reached_s"] is None
        else:
            assert r["finished_at"] >= r["started_at"]
            assert r["wall_s"] == pytest.approx(0.5)
            assert r["sim_reached_s"] == pytest.approx(epochs * 1e-3)
    assert runs[INTERRUPTED]["message"] == "SIGINT"
    assert runs[COMPLETE]["message"] == ""


def test_params_metrics_events(db):
    rid = db.execute("SELECT id FROM runs WHERE uid = ?", (COMPLETE,)).fetchone()[0]
    params = dict(db.execute("SELECT key, value FROM params WHERE run_id = ?", (rid,)).fetchall())
    assert params == {"machine.ram": "4GiB", "policy.name": "linux", "seed": "7"}
    metrics = {r["name"]: (r["value"], r["unit"]) for r in
               db.execute("SELECT * FROM metrics WHERE run_id = ?", (rid,))}
    assert metrics == {"thp_fault_alloc": (12.0, "count"), "thp_success_ratio": (0.75, "ratio"),
                       "free_pages": (123456.0, "pages")}
    ev = [tuple(r) for r in db.execute(
        "SELECT seq, t_ns, type, cpu, nid, pfn, ord, value, outcome, detail FROM events "
        "WHERE run_id = ? ORDER BY seq", (rid,))]
    assert ev == [(0, 100, "hugetlb_1g", 3, 0, 262144, 18, 5000, "ok", '{"migrated":12}'),
                  (1, 200, "alloc_fail", None, None, None, None, 0, "fail", None),
                  (2, 300, "oom", 1, 0, None, 9, -7, "", None)]
    killed = db.execute("SELECT id FROM runs WHERE uid = ?", (KILLED,)).fetchone()[0]
    assert db.execute("SELECT count(*) FROM events WHERE run_id = ?", (killed,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM metrics WHERE run_id = ?", (killed,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM params WHERE run_id = ?", (killed,)).fetchone()[0] == 3


def _h5(out, uid):
    d, m = out
    return h5py.File(d / m["h5_dir"] / f"{uid}.h5", "r")


def test_h5_root_attributes(out):
    _, m = out
    for uid, (status, epochs) in m["runs"].items():
        with _h5(out, uid) as f:
            a = f.attrs
            assert _s(a["uid"]) == uid
            assert _s(a["status"]) == status
            assert _s(a["scenario"]) == "readback"
            assert _s(a["scenario_hash"]) == "feedfacecafebeef"
            assert _s(a["policy"]) == "linux"
            assert int(a["seed"]) == 7 and a["seed"].dtype == np.uint64
            assert json.loads(_s(a["config_json"]))["seed"] == 7
            assert _s(a["fragsim_version"]) == "0.1.0"
            assert _s(a["simgrid_version"]) == "3.32"
            assert _s(a["git_rev"]) == "test"
            assert int(a["stats_version"]) == m["stats_version"]
            assert int(a["format_version"]) == m["format_version"]
            assert int(a["sample_period_ns"]) == m["sample_period_ns"]
            assert int(a["duration_ns"]) == 20 * m["sample_period_ns"]
            if status == "running":
                assert "finished_at" not in a
            else:
                assert int(a["nr_epochs"]) == epochs
                assert int(a["sim_ns"]) == epochs * m["sample_period_ns"]
                assert float(a["wall_seconds"]) == pytest.approx(0.5)
                assert _s(a["finished_at"]) >= _s(a["started_at"])


def test_h5_epoch_datasets(out):
    _, m = out
    Z, P, S = m["nr_zones"], m["nr_pageblocks"], m["nr_spbs"]
    O, MT, F = m["nr_orders"], m["nr_migratetypes"], m["nr_spb_fields"]
    C = len(m["counters"])
    for uid, (status, epochs) in m["runs"].items():
        T = 0 if status == "running" else epochs     # a killed run loses its buffered rows
        with _h5(out, uid) as f:
            g = f["epoch"]
            expect = {"t_ns": ((T,), np.uint64), "counters": ((T, C), np.uint64),
                      "free_blocks": ((T, Z, O, MT), np.uint32),
                      "pageblock_type": ((T, P), np.uint8), "spb": ((T, S, F), np.uint32)}
            assert set(g) == set(expect)
            for name, (shape, dtype) in expect.items():
                ds = g[name]
                assert ds.shape == shape, name
                assert ds.dtype == dtype, name
                assert ds.maxshape[0] is None, name              # grows along time
                assert ds.chunks is not None and ds.compression == "gzip", name
                assert np.prod(ds.chunks) * ds.dtype.itemsize <= 256 * 1024, name
                assert ds.shuffle == (ds.dtype.itemsize > 1), name
            if T == 0:
                continue
            e = np.arange(T, dtype=np.uint64)
            assert np.array_equal(g["t_ns"][:], (e + 1) * m["sample_period_ns"])
            assert np.array_equal(g["counters"][:], e[:, None] * 1000 + np.arange(C, dtype=np.uint64))
            z, o, mt = np.meshgrid(np.arange(Z), np.arange(O), np.arange(MT), indexing="ij")
            fb = e[:, None, None, None] + (100 * z + 10 * o + mt)[None]
            assert np.array_equal(g["free_blocks"][:], fb.astype(np.uint32))
            p = np.arange(P)
            pb = ((p[None, :] + e[:, None].astype(np.int64)) % 6) | np.where(p % 7 == 0, 8, 0)[None, :]
            assert np.array_equal(g["pageblock_type"][:], pb.astype(np.uint8))
            s, fld = np.meshgrid(np.arange(S), np.arange(F), indexing="ij")
            spb = 100 * e[:, None, None] + (20 * s + fld)[None]
            assert np.array_equal(g["spb"][:], spb.astype(np.uint32))


def test_h5_column_attributes(out):
    _, m = out
    with _h5(out, COMPLETE) as f:
        c = f["epoch/counters"]
        assert _strs(c.attrs["names"]) == [n for n, _ in m["counters"]]
        assert _strs(c.attrs["units"]) == [u for _, u in m["counters"]]
        assert _strs(c.attrs["axes"]) == ["epoch", "counter"]
        assert _s(f["epoch/t_ns"].attrs["units"]) == "ns"
        fb = f["epoch/free_blocks"]
        assert _strs(fb.attrs["axes"]) == ["epoch", "zone", "order", "migratetype"]
        assert _strs(fb.attrs["migratetype_names"]) == MIGRATETYPES
        assert _strs(fb.attrs["zone_names"]) == ["node0/DMA", "node0/DMA32", "node0/Normal"]
        pb = f["epoch/pageblock_type"]
        assert _strs(pb.attrs["axes"]) == ["epoch", "pageblock"]
        assert int(pb.attrs["migratetype_mask"]) == 7
        assert _strs(pb.attrs["migratetype_names"]) == MIGRATETYPES
        assert _strs(pb.attrs["flag_names"]) == ["free", "mixed", "hugetlb", "reserved"]
        assert list(pb.attrs["flag_values"]) == [0x08, 0x10, 0x20, 0x40]
        sp = f["epoch/spb"]
        assert _strs(sp.attrs["axes"]) == ["epoch", "spb", "field"]
        assert _strs(sp.attrs["field_names"]) == SPB_FIELDS
        assert len(sp.attrs["field_units"]) == len(SPB_FIELDS)
        assert _strs(sp.attrs["category_names"]) == ["empty", "clean", "tainted"]


def test_h5_tables(out):
    _, m = out
    with _h5(out, COMPLETE) as f:
        z = f["zones"]
        assert z.shape == (m["nr_zones"],)
        assert list(z.dtype.names) == ["nid", "name", "start_pfn", "spanned_pages", "managed_pages",
                                       "first_pageblock", "nr_pageblocks", "first_spb", "nr_spbs"]
        assert [_s(x) for x in z["name"]] == ["DMA", "DMA32", "Normal"]
        assert int(z["nr_pageblocks"].sum()) == m["nr_pageblocks"]
        assert int(z["nr_spbs"].sum()) == m["nr_spbs"]
        mt = f["metrics"][:]
        assert {_s(r["name"]): (float(r["value"]), _s(r["unit"])) for r in mt} == {
            "thp_fault_alloc": (12.0, "count"), "thp_success_ratio": (0.75, "ratio"),
            "free_pages": (123456.0, "pages")}
        ev = f["events"]
        assert list(ev.dtype.names) == ["t_ns", "type", "cpu", "nid", "pfn", "order", "value",
                                        "outcome", "detail"]
        assert ev.dtype["pfn"] == np.uint64 and ev.dtype["cpu"] == np.int32
        rows = ev[:]
        assert [_s(x) for x in rows["type"]] == ["hugetlb_1g", "alloc_fail", "oom"]
        assert list(rows["cpu"]) == [3, -1, 1]
        assert int(rows["pfn"][1]) == 2**64 - 1
        assert json.loads(_s(rows["detail"][0])) == {"migrated": 12}
    with _h5(out, KILLED) as f:
        assert "metrics" not in f and "events" not in f
