# SPDX-License-Identifier: MIT
"""Tests of analysis/ (issue 7): the loader, the statistics, the plots, the
comparison table, the memory map's pixels and the HTML report, on small runs
of scenarios/quick.yaml generated here.

Environment (set by tests/meson.build): FRAGSIM, the fragsim executable;
FRAG_SOURCE_ROOT, the source tree (analysis/ and scenarios/ are there).
Headless Chromium (Debian `chromium`) checks the report; without it that test
is skipped and says so.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("h5py")
pytest.importorskip("matplotlib")
PIL_Image = pytest.importorskip("PIL.Image")

FRAGSIM = os.environ.get("FRAGSIM")
ROOT = os.environ.get("FRAG_SOURCE_ROOT")
if not FRAGSIM or not ROOT:
    pytest.skip("FRAGSIM / FRAG_SOURCE_ROOT not set (run through meson test)", allow_module_level=True)
sys.path.insert(0, ROOT)

from analysis import stats  # noqa: E402
from analysis.fragdb import Experiment, FragDBError  # noqa: E402
from analysis.plots import compare as pcompare  # noqa: E402
from analysis.plots import memmap  # noqa: E402
from analysis.plots.common import runs_by_policy  # noqa: E402
from analysis.plots.style import MAP_CATEGORIES, rgb  # noqa: E402
from analysis.table import comparison_table, format_table_text  # noqa: E402

QUICK = Path(ROOT) / "scenarios" / "quick.yaml"
DURATION = "10s"
SEEDS = [1, 2, 3]
POLICIES = ["linux", "linux-defrag"]
# Two-sided 97.5% Student t quantiles from a printed table (df: value).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 30: 2.042}


def fragsim(*args, check=True, **kw):
    env = dict(os.environ, PYENV_VERSION="system")
    return subprocess.run([FRAGSIM, *map(str, args)], capture_output=True, text=True, check=check, env=env,
                          timeout=300, **kw)


@pytest.fixture(scope="module")
def ab(tmp_path_factory):
    """An A/B experiment: quick.yaml under two policies, three seeds."""
    out = tmp_path_factory.mktemp("ab")
    for p in POLICIES:
        for s in SEEDS:
            fragsim("run", QUICK, "--policy", p, "--seed", s, "--set", f"duration={DURATION}", "--no-progress",
                    "--quiet", "--out", out)
    return out / "fragsim.db"


@pytest.fixture(scope="module")
def exp(ab):
    return Experiment(ab)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A sweep: one parameter at two values, one policy, two seeds."""
    out = tmp_path_factory.mktemp("sweep")
    for v in (0, 15000):
        for s in (1, 2):
            fragsim("run", QUICK, "--seed", s, "--set", "duration=4s", "--set", f"sysctl.watermark_boost_factor={v}",
                    "--no-progress", "--quiet", "--out", out)
    return out / "fragsim.db"


@pytest.fixture(scope="module")
def report(ab, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    p = fragsim("report", ab, "-o", out, "-q")
    index = Path(p.stdout.strip())
    assert index == (out / "index.html").resolve()
    return out


# ---------------------------------------------------------------------------
# Statistics against hand-computed values
# ---------------------------------------------------------------------------

def test_t_quantiles_match_table():
    for df, v in T975.items():
        assert stats.t_ppf(0.975, df) == pytest.approx(v, abs=6e-4), df
    assert stats.t_cdf(0.0, 7) == 0.5
    assert stats.t_cdf(2.776445, 4) == pytest.approx(0.975, abs=1e-6)
    assert stats.t_cdf(-2.776445, 4) == pytest.approx(0.025, abs=1e-6)
    # df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
    for t in (-3.0, -0.5, 0.25, 1.0, 10.0):
        assert stats.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)


def test_summary_and_tests_by_hand():
    s = stats.summarize([1, 2, 3, 4])
    sd = math.sqrt(5 / 3)                      # sum of squares 5, n-1 = 3
    assert (s.n, s.mean, s.sd) == (4, 2.5, pytest.approx(sd))
    assert s.ci95 == pytest.approx(3.182446 * sd / 2, rel=1e-6)
    one = stats.summarize([7.0])
    assert one.n == 1 and one.mean == 7.0 and math.isnan(one.ci95)
    # Paired: d = (1, 2, 2, 3): mean 2, sd sqrt(2/3), t = 2 / (sd / 2) = 4.89898, df 3, p = 0.016277.
    r = stats.paired_t_test([1, 2, 3, 4], [2, 4, 5, 7])
    assert r.t == pytest.approx(4.898979, rel=1e-6) and r.df == 3
    assert r.p == pytest.approx(0.0162766, rel=1e-4) and r.significant()
    # Welch: t = 2 / sqrt(5/12 + 13/12) = 1.63299, df = 5.0103, p = 0.16328.
    w = stats.welch_t_test([1, 2, 3, 4], [2, 4, 5, 7])
    assert w.t == pytest.approx(1.6329932, rel=1e-6) and w.df == pytest.approx(5.0103, rel=1e-4)
    assert w.p == pytest.approx(0.163279, rel=1e-4) and not w.significant()
    # Same shift on every seed: significant with no noise; no shift: not.
    assert stats.paired_t_test([1, 2, 3], [2, 3, 4]).p == 0.0
    assert stats.paired_t_test([1, 2, 3], [1, 2, 3]).p == 1.0
    assert stats.compare({1: 1.0, 2: 2.0}, {1: 1.5, 2: 2.5}).kind == "paired"
    assert stats.compare({1: 1.0, 2: 2.0}, {3: 1.5, 4: 2.5}).kind == "welch"


# ---------------------------------------------------------------------------
# The loader against the database and the HDF5 files
# ---------------------------------------------------------------------------

def test_loader_frames_match_database(ab, exp):
    con = sqlite3.connect(ab)
    runs = pd.read_sql_query("SELECT * FROM runs ORDER BY id", con)
    assert list(exp.runs.index) == list(runs["id"])
    for col in ["uid", "policy", "status", "scenario", "git_rev", "h5_file", "sim_reached_s"]:
        assert list(exp.runs[col]) == list(runs[col]), col
    assert [int(s) for s in exp.runs["seed"]] == list(runs["seed"])
    assert sorted(exp.runs["policy"].unique()) == sorted(POLICIES)
    assert all(Path(p).is_file() for p in exp.runs["h5_path"])
    params = pd.read_sql_query("SELECT run_id, key, value FROM params ORDER BY run_id, key", con)
    assert exp.params.reset_index(drop=True).equals(params)
    metrics = con.execute("SELECT run_id, name, value, unit FROM metrics ORDER BY run_id, name").fetchall()
    got = list(exp.metrics.itertuples(index=False, name=None))
    assert len(got) == len(metrics)
    for (a, b, c, d), (w, x, y, z) in zip(got, metrics):
        assert (a, b, d) == (w, x, z) and (c == y or (math.isnan(c) and y is None))
    ev = con.execute("SELECT run_id, seq, t_ns, type, outcome FROM events ORDER BY run_id, seq").fetchall()
    assert list(exp.events[["run_id", "seq", "t_ns", "type", "outcome"]].itertuples(index=False, name=None)) == ev
    wide = exp.metrics_wide()
    for rid, name, value, _ in metrics[:50]:
        assert wide.at[rid, name] == value or (value is None and math.isnan(wide.at[rid, name]))
    con.close()


def test_loader_checks_stats_version(ab, tmp_path):
    bad = tmp_path / "bad.db"
    shutil.copy(ab, bad)
    con = sqlite3.connect(bad)
    con.execute("UPDATE stats_version SET stats_version = 99")
    con.commit()
    con.close()
    with pytest.raises(FragDBError, match="stats version 99"):
        Experiment(bad)
    with pytest.raises(FragDBError, match="no such database"):
        Experiment(tmp_path / "missing.db")


def test_series_match_h5_and_final_metrics(exp):
    import h5py
    m = exp.metrics_wide()
    for rid in exp.complete_runs().index:
        s = exp.series(rid)
        with h5py.File(exp.runs.at[rid, "h5_path"], "r") as f:
            names = [x.decode() if isinstance(x, bytes) else x for x in f["epoch/counters"].attrs["names"]]
            c = f["epoch/counters"][:]
            assert np.array_equal(s[names].to_numpy(), c.astype(float))
            assert np.allclose(s.index.to_numpy(), f["epoch/t_ns"][:] / 1e9)
            fb = f["epoch/free_blocks"][:].astype(np.int64)
            pb = f["epoch/pageblock_type"][:]
        assert np.array_equal(s["free_2m_now"], fb[:, :, 9, :].sum(axis=(1, 2)) + 2 * fb[:, :, 10, :].sum(axis=(1, 2)))
        assert np.array_equal(s["pb_mixed"], ((pb & 0x10) != 0).sum(axis=1))
        # The last epoch is the state the end-of-run metrics describe.
        last = s.iloc[-1]
        for series, metric in [("pb_free", "pageblocks_free"), ("pb_mixed", "pageblocks_mixed"),
                               ("pb_unmovable", "pageblocks_unmovable"), ("pb_movable", "pageblocks_movable"),
                               ("spb_tainted", "spb_tainted"), ("spb_clean", "spb_clean"),
                               ("gib_free_now", "hugetlb_1g_allocatable"), ("gib_movable_only", "spb_movable_only"),
                               ("free_pages", "free_pages")]:
            assert last[series] == m.at[rid, metric], (rid, series)
        tidy = exp.timeseries(["free_2m_now"], [rid])
        assert list(tidy["value"]) == list(s["free_2m_now"]) and set(tidy["run_id"]) == {rid}


def test_histograms_and_extfrag_pairs(exp):
    m = exp.metrics_wide()
    for rid in exp.complete_runs().index:
        h = exp.histogram("stall_hist_ns", rid)
        assert h.sum() == m.at[rid, "stall_count"]
        vmax = m.at[rid, "stall_max_ns"]
        if h.sum() == 0:   # no stall: the engine reports 0, the plots "n/a"
            assert m.at[rid, "stall_p50_ns"] == 0 and m.at[rid, "stall_p99_ns"] == 0
            assert math.isnan(pcompare.hist_quantile(h, 0.5, vmax))
        else:
            assert pcompare.hist_quantile(h, 0.5, vmax) == m.at[rid, "stall_p50_ns"]
            assert pcompare.hist_quantile(h, 0.99, vmax) == m.at[rid, "stall_p99_ns"]
        ha = exp.histogram("alloc_latency_hist_ns", rid)
        assert pcompare.hist_quantile(ha, 0.99, m.at[rid, "alloc_latency_max_ns"]) == m.at[rid, "alloc_latency_p99_ns"]
        pairs = sum(m.at[rid, p] for p, _, _ in pcompare.EXTFRAG_PAIRS)
        assert pairs == m.at[rid, "extfrag"]


# ---------------------------------------------------------------------------
# The comparison table against the metrics rows
# ---------------------------------------------------------------------------

def test_comparison_table_numbers(ab, exp):
    t = comparison_table(exp, baseline="linux")
    assert list(dict.fromkeys(t["config"])) == POLICIES
    con = sqlite3.connect(ab)
    for metric in ["extfrag", "thp_success_rate", "pageblocks_mixed", "alloc_fail", "stall_count"]:
        rows = con.execute("SELECT r.policy, r.seed, m.value FROM metrics m JOIN runs r ON r.id = m.run_id "
                           "WHERE m.name = ? AND r.status = 'complete'", (metric,)).fetchall()
        by = {p: {s: v for q, s, v in rows if q == p} for p in POLICIES}
        for p in POLICIES:
            x = np.array([by[p][s] for s in SEEDS])
            n = len(x)
            mean = x.sum() / n
            sd = math.sqrt(((x - mean) ** 2).sum() / (n - 1))
            row = t[(t["metric"] == metric) & (t["config"] == p)].iloc[0]
            assert row["n"] == n and row["mean"] == pytest.approx(mean, rel=1e-12)
            assert row["ci95"] == pytest.approx(T975[n - 1] * sd / math.sqrt(n), rel=2e-4, abs=1e-12)
        base = np.mean([by["linux"][s] for s in SEEDS])
        row = t[(t["metric"] == metric) & (t["config"] == "linux-defrag")].iloc[0]
        other = np.mean([by["linux-defrag"][s] for s in SEEDS])
        if base:
            assert row["delta_pct"] == pytest.approx((other - base) / abs(base) * 100)
        d = np.array([by["linux-defrag"][s] - by["linux"][s] for s in SEEDS])
        assert row["test"] == "paired"
        if d.std(ddof=1) > 0:
            tt = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
            assert row["p"] == pytest.approx(2 * (1 - stats.t_cdf(abs(tt), len(d) - 1)))
            assert row["significant"] == (row["p"] < 0.05)
    con.close()
    with pytest.raises(ValueError, match="baseline"):
        comparison_table(exp, baseline="no-such-policy")


def test_report_table_shows_table_numbers(report, exp):
    csv = pd.read_csv(report / "comparison.csv")
    t = comparison_table(exp)
    merged = t.merge(csv, on=["metric", "config"], suffixes=("", "_csv"))
    assert len(merged) == len(t)
    assert np.allclose(merged["mean"], merged["mean_csv"], equal_nan=True)
    html = (report / "index.html").read_text()
    row = t[(t["metric"] == "extfrag") & (t["config"] == "linux")].iloc[0]
    mean = f"{int(row['mean'])}" if float(row["mean"]).is_integer() else f"{row['mean']:.4g}"
    assert f">{mean} ± {row['ci95']:.3g}<" in html


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------

def _figures(report):
    html = (report / "index.html").read_text()
    return re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', html)


def test_every_plot_file_written_with_its_size(report, exp):
    figs = _figures(report)
    names = {Path(s).stem for s, _, _ in figs}
    groups = runs_by_policy(exp)
    reps = [ids[0] for ids in groups.values()]
    expect = {"ab_timeseries", "ab_metrics", "success", "extfrag", "latency_cdf", "work"}
    for r in reps:
        expect |= {f"free_blocks_r{r}", f"pageblocks_r{r}", f"spb_r{r}", f"alloc_2m_r{r}", f"memmap_r{r}"}
        expect |= {f"memmap_r{r}_e{e}" for e in memmap.pick_epochs(exp.run(r).nr_epochs(), 3)}
    assert expect <= names, expect - names
    for src, w, h in figs:
        p = report / src
        assert p.is_file() and p.stat().st_size > 1000, src
        with PIL_Image.open(p) as im:
            assert im.size == (int(w), int(h)), src
            if p.suffix == ".gif":
                assert im.n_frames > 1
            else:
                assert np.asarray(im.convert("L")).std() > 1.0, f"{src} is blank"
        if p.suffix == ".png":
            svg = p.with_suffix(".svg")
            assert svg.is_file() and svg.stat().st_size > 1000
            assert ET.parse(svg).getroot().tag.endswith("svg")
    assert not re.search(r'(src|href)="(https?:)?//', (report / "index.html").read_text())


def test_memmap_pixels_match_pageblock_types(exp, tmp_path):
    rid = int(exp.complete_runs().index[0])
    rd = exp.run(rid)
    epoch = rd.nr_epochs() - 1
    pf, lay = memmap.plot_map(exp, rid, epoch, tmp_path, svg=False)
    im = np.asarray(PIL_Image.open(pf.png).convert("RGB"))
    assert im.shape[:2] == (lay.height, lay.width) == (pf.size_px[1], pf.size_px[0])
    codes = rd.pageblock_map(epoch)
    geo = rd.map_geometry()
    colour = {key: rgb(c) for key, _, c in MAP_CATEGORIES}
    mts = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]

    def expected(code):            # the rules of docs/reports.md, written out again
        if code & 0x08:
            return "free"
        if code & 0x20:
            return "hugetlb_2m"    # no 1 GiB requests in quick.yaml
        mt = mts[code & 7]
        if mt in ("Isolate", "HighAtomic", "CMA"):
            return mt
        if code & 0x40:
            return "reserved"
        return mt + ("_mixed" if code & 0x10 else "")

    rng = np.random.default_rng(7)
    picks = set(rng.choice(len(codes), 60, replace=False).tolist())
    for key in {expected(int(c)) for c in codes}:      # at least one cell of every category present
        picks.add(next(i for i, c in enumerate(codes) if expected(int(c)) == key))
    seen = set()
    for i in sorted(picks):
        x, y = lay.cell_center(int(geo.row[i]), int(geo.column[i]))
        key = expected(int(codes[i]))
        assert tuple(im[y, x]) == colour[key], (i, hex(codes[i]), key, tuple(im[y, x]))
        seen.add(key)
    assert {"free", "Movable"} <= seen
    # Cells of no zone (none on quick.yaml's 2 GiB machine) would be white.
    assert lay.nrows == len(geo.rows)


def test_memmap_stays_readable_for_hundreds_of_spbs():
    lay = memmap.layout_for(238)
    assert lay.row_px >= 2 and lay.height <= 1000 and lay.col_px == 2
    assert memmap.layout_for(1024).row_px >= 1
    assert memmap._tick_step(238) * 24 >= 238


def test_plots_say_no_data(exp, tmp_path):
    from analysis.plots import series
    groups = runs_by_policy(exp)
    # quick.yaml makes no 1 GiB request and no compaction: the figures still come out.
    pf = series.plot_work(exp, groups, tmp_path)
    assert pf.png.stat().st_size > 0
    pf = series.plot_success(exp, groups, tmp_path)
    assert pf.png.stat().st_size > 0
    svg = (tmp_path / "success.svg").read_text()
    assert "no 1 GiB hugetlb requests" in svg
    # No groups at all.
    for fn in (series.plot_ab, pcompare.plot_extfrag, pcompare.plot_latency_cdf, pcompare.plot_metric_bars):
        assert fn(exp, {}, tmp_path).png.stat().st_size > 0


# ---------------------------------------------------------------------------
# Reports: single run, sweep, errors
# ---------------------------------------------------------------------------

def test_report_single_run_and_sweep(sweep, tmp_path):
    e = Experiment(sweep)
    assert e.swept_keys() == ["sysctl.watermark_boost_factor"]
    t = comparison_table(e)
    assert set(t["config"]) == {"linux, sysctl.watermark_boost_factor=0", "linux, sysctl.watermark_boost_factor=15000"}
    out = tmp_path / "sweep"
    fragsim("report", sweep, "-o", out, "-q", "--no-gif")
    html = (out / "index.html").read_text()
    assert "(sweep)" in html and "sweep_" in html
    assert any(p.name.startswith("sweep_") for p in (out / "fig").glob("*.png"))
    # One run alone.
    one = tmp_path / "one"
    fragsim("run", QUICK, "--set", "duration=3s", "--no-progress", "--quiet", "--out", one)
    fragsim("report", one / "fragsim.db", "-o", one / "report", "-q", "--no-svg")
    html = (one / "report" / "index.html").read_text()
    assert "(single run)" in html


def test_report_errors(tmp_path, ab):
    p = fragsim("report", tmp_path / "missing.db", "-o", tmp_path / "r", check=False)
    assert p.returncode == 2 and "no such database" in p.stderr
    p = fragsim("report", ab, check=False)
    assert p.returncode == 2 and "-o DIR" in p.stderr
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE x (a)").connection.close()
    p = fragsim("report", empty, "-o", tmp_path / "r", check=False)
    assert p.returncode == 1 and "not a fragsim results database" in p.stderr
    p = fragsim("report", ab, "-o", tmp_path / "r", "--baseline", "nope", check=False)
    assert p.returncode == 1 and "baseline 'nope'" in p.stderr


# ---------------------------------------------------------------------------
# The report in a real browser
# ---------------------------------------------------------------------------

CHECK_JS = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target || {};
  window.__errors.push(t.src ? 'resource failed: ' + t.src : String(e.message));
}, true);
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  Promise.all(imgs.map(function (i) {
    return new Promise(function (done) {
      var im = new Image();
      im.onload = function () { done([i.getAttribute('src'), im.naturalWidth, im.naturalHeight]); };
      im.onerror = function () { done([i.getAttribute('src'), 0, 0]); };
      im.src = i.src;
    });
  })).then(function (r) {
    var pre = document.createElement('pre'); pre.id = 'fragsim-check';
    pre.textContent = 'FRAGSIM' + '-CHECK ' + JSON.stringify({images: r, errors: window.__errors}) + ' E' + 'ND';
    document.body.appendChild(pre);
  });
});
</script>"""


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def test_report_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if not browser:
        pytest.skip("headless Chromium not installed (Debian package 'chromium'; scripts/ensure-deps.sh installs "
                    "it where it can): the report was not opened in a browser")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--allow-file-access-from-files",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    env = dict(os.environ, HOME=str(tmp_path))
    # 1. The report as written: no console errors, no failed loads.
    p = subprocess.run(flags + ["--enable-logging=stderr", "--v=0", "--dump-dom", (report / "index.html").as_uri()],
                       capture_output=True, text=True, timeout=180, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "fragsim report" in p.stdout
    console = [ln for ln in p.stderr.splitlines() if "CONSOLE" in ln or "net::ERR" in ln
               or "Not allowed to load" in ln]
    assert not console, console
    # 2. A copy with an error hook: every image decodes at its stated size.
    html = (report / "index.html").read_text()
    (report / "check.html").write_text(html.replace("<head>", "<head>" + CHECK_JS, 1))
    try:
        p = subprocess.run(flags + ["--dump-dom", (report / "check.html").as_uri()], capture_output=True, text=True,
                           timeout=180, env=env)
    finally:
        (report / "check.html").unlink()
    m = re.search(r"FRAGSIM-CHECK (.*) END", p.stdout)
    assert m, p.stdout[-2000:] + p.stderr[-2000:]
    res = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert res["errors"] == []
    figs = {s: (int(w), int(h)) for s, w, h in _figures(report)}
    assert len(res["images"]) == len(figs) > 10
    for src, w, h in res["images"]:
        assert (w, h) == figs[src], src


def test_format_table_text_marks_delta_and_significance():
    """The text table (fragsim compare/sweep): mean ± CI per configuration,
    Δ% against the first, * only where significant; long labels get a legend."""
    import pandas as pd
    rows = []
    for m, base, other, sig in (("extfrag", 100.0, 50.0, True), ("oom_kill", 4.0, 5.0, False)):
        rows.append(dict(metric=m, label=m, unit="", better=-1, config="linux", policy="linux", n=3, mean=base,
                         sd=1.0, ci95=2.5, delta_pct=0.0, test="", p=math.nan, significant=False, is_baseline=True))
        rows.append(dict(metric=m, label=m, unit="", better=-1, config="spb", policy="spb", n=3, mean=other,
                         sd=1.0, ci95=2.5, delta_pct=(other - base) / base * 100, test="paired",
                         p=0.01 if sig else 0.4, significant=sig, is_baseline=False))
    txt = format_table_text(pd.DataFrame(rows))
    lines = txt.splitlines()
    assert re.match(r"^metric\s+linux\s+spb$", lines[0])
    ext = next(x for x in lines if x.startswith("extfrag"))
    assert "100 ± 2.5" in ext and "50 ± 2.5 (-50.0%*)" in ext
    oom = next(x for x in lines if x.startswith("oom_kill"))
    assert "(+25.0%)" in oom and "*" not in oom
    long = pd.DataFrame(rows).assign(config=lambda d: d.config + ", sysctl.extfrag_threshold=500")
    txt2 = format_table_text(long)
    assert txt2.splitlines()[0] == "[1] linux, sysctl.extfrag_threshold=500"
    assert re.search(r"^metric\s+\[1\]\s+\[2\]$", txt2, re.M)
