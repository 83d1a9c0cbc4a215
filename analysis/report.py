# SPDX-License-Identifier: MIT
"""``python3 -m analysis.report DB -o DIR``: the HTML report of an experiment.

Writes ``DIR/index.html`` with its figures alongside in ``DIR/fig/`` (PNG
shown, SVG linked, GIF animations), ``DIR/comparison.csv`` (the comparison
table's numbers) and ``DIR/metrics.csv`` (every metric of every run, tidy).
The page needs no network and no script: plain HTML and CSS, images loaded
lazily so that long reports open fast.

Sections: provenance (scenario, policies, seeds, versions, git revision),
the mmtests-style comparison table, A/B figures across seeds, each policy's
state over time (its lowest-seed run), the physical memory maps and their
animation, sweep figures when parameters were swept, and per-run details.

Exit status: 0 when the report was written, 1 when the database cannot be
read or holds no complete run, 2 for bad usage.
"""
from __future__ import annotations

import argparse
import html
import math
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .fragdb import Experiment, FragDBError
from .plots import compare as pcompare
from .plots import memmap as pmemmap
from .plots import series as pseries
from .plots.common import runs_by_policy
from .plots.style import PlotFile, policy_color
from .table import ALPHA, comparison_table, configurations

__all__ = ["build_report", "main", "experiment_kind", "format_table_html"]

#: Per-run detail sections are written for at most this many runs (a table lists all).
MAX_DETAILED_RUNS = 24
#: Sweep metrics: (metric, label, scale).
SWEEP_METRICS = [("thp_success_rate", "THP success (%)", 100.0), ("pageblocks_mixed", "mixed pageblocks", 1.0),
                 ("hugetlb_1g_allocatable", "1 GiB allocatable", 1.0), ("extfrag", "fallback events", 1.0)]

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1500px;
 padding:0 1.5em 3em;color:#1d1d1d;line-height:1.4}
h1{font-size:1.6em;margin-top:1em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee;z-index:1}
nav a{margin-right:1em;text-decoration:none;color:#1f5fa8}
table{border-collapse:collapse;font-size:.88em;margin:.6em 0}
th,td{border:1px solid #d6d6d6;padding:.25em .55em;vertical-align:top}
th{background:#f3f5f7;text-align:left}
td.num{text-align:right;font-family:"DejaVu Sans Mono",monospace;white-space:nowrap}
tr:nth-child(even) td{background:#fafafa}
.better{color:#1a7f37;font-weight:bold} .worse{color:#c0392b;font-weight:bold} .sig{font-weight:bold}
.muted{color:#777} .kv th{width:14em}
figure{margin:1.2em 0;display:inline-block;vertical-align:top;max-width:100%}
figure img{max-width:100%;height:auto;border:1px solid #e3e3e3}
figcaption{font-size:.85em;color:#444;max-width:1000px}
details{margin:.5em 0} summary{cursor:pointer;font-weight:600}
code{background:#f3f3f3;padding:0 .2em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;vertical-align:middle;margin-right:.3em}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _num(v: float, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if float(v).is_integer() and abs(v) < 1e12:
        return f"{int(v):d}"
    return f"{v:.{digits}g}"


def experiment_kind(exp: Experiment) -> str:
    """"single run", "comparison", "sweep" or "replay"."""
    runs = exp.complete_runs()
    keys = list(exp.params["key"].unique()) if not exp.params.empty else []
    if any("replay" in str(k).lower() for k in keys) or any("replay" in str(p).lower()
                                                           for p in runs["scenario_path"]) or any(
            "replay" in str(v).lower() for v in exp.params.loc[exp.params["key"].str.endswith(".type"), "value"]):
        return "replay"
    if exp.swept_keys(runs):
        return "sweep"
    if len(runs) <= 1:
        return "single run"
    return "comparison"


def _provenance(exp: Experiment, db: Path, kind: str) -> str:
    r = exp.runs
    c = exp.complete_runs()

    def uniq(col, rows=r):
        return ", ".join(_e(v) for v in dict.fromkeys(str(x) for x in rows[col])) or "–"

    seeds = {p: sorted(int(s) for s in g["seed"]) for p, g in c.groupby("policy", sort=False)}
    items = [
        ("experiment", f"{_e(kind)}: {len(c)} complete run(s) of {len(r)}"),
        ("database", f"<code>{_e(db.resolve())}</code>"),
        ("scenario", uniq("scenario")), ("scenario file", uniq("scenario_path")),
        ("scenario hash", uniq("scenario_hash", c) if len(c) else "–"),
        ("policies", ", ".join(f'<span class="swatch" style="background:{policy_color(p)}"></span>{_e(p)}'
                               for p in exp.policies()) or "–"),
        ("seeds", "; ".join(f"{_e(p)}: {', '.join(map(str, s))}" for p, s in seeds.items()) or "–"),
        ("swept parameters", ", ".join(_e(k) for k in exp.swept_keys()) or "none"),
        ("simulated time", uniq("sim_requested_s") + " s requested; sample period " + uniq("sample_period_s") + " s"),
        ("fragsim version", uniq("fragsim_version")), ("git revision", uniq("git_rev")),
        ("SimGrid version", uniq("simgrid_version")), ("hosts", uniq("host")),
        ("runs started", f"{_e(r['started_at'].min())} … {_e(r['started_at'].max())}" if len(r) else "–"),
        ("results versions", f"stats {exp.stats_version}, schema {exp.schema_version}"),
        ("report written", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
    ]
    other = r[r["status"] != "complete"]
    if len(other):
        items.append(("runs left out", "; ".join(f"{int(i)} ({_e(s)}{': ' + _e(m) if m else ''})"
                                                 for i, s, m in zip(other.index, other["status"], other["message"]))))
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in items)
    return f'<table class="kv">{rows}</table>'


def format_table_html(t: pd.DataFrame) -> str:
    """The comparison table as HTML: metric rows, one column block per configuration."""
    if t.empty:
        return '<p class="muted">No metrics.</p>'
    cfgs = list(dict.fromkeys(t["config"]))
    head = "<tr><th>metric</th><th>unit</th>" + "".join(
        f'<th><span class="swatch" style="background:{policy_color(t.loc[t["config"] == c, "policy"].iloc[0])}">'
        f"</span>{_e(c)}{' (baseline)' if k == 0 else ''}</th>" for k, c in enumerate(cfgs)) + "</tr>"
    body = []
    for m, g in t.groupby("metric", sort=False):
        g = g.set_index("config")
        first = g.iloc[0]
        tip = f' title="{_e(m)}; ' + {1: "higher is better", -1: "lower is better", 0: "neither"}[int(
            first["better"])] + '"'
        cells = [f"<td{tip}>{_e(first['label'])}</td><td>{_e(first['unit'])}</td>"]
        for c in cfgs:
            row = g.loc[c]
            s = _num(row["mean"])
            if not math.isnan(row["ci95"]):
                s += f" ± {_num(row['ci95'], 3)}"
            if row["is_baseline"]:
                cells.append(f'<td class="num">{s}</td>')
                continue
            d = row["delta_pct"]
            ds = "" if math.isnan(d) else f" ({d:+.2f}%)"
            cls = ""
            mark = ""
            if row["significant"]:
                mark = "*"
                diff = row["mean"] - g.iloc[0]["mean"]
                cls = {1: "better" if diff > 0 else "worse", -1: "better" if diff < 0 else "worse"}.get(
                    int(row["better"]), "sig")
            ptxt = "" if math.isnan(row["p"]) else f"p = {row['p']:.3g} ({row['test']})"
            cells.append(f'<td class="num {cls}" title="{_e(ptxt)}">{s}{ds}{mark}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _fig_html(pf: PlotFile, outdir: Path) -> str:
    rel = pf.png.relative_to(outdir).as_posix()
    links = f'<a href="{_e(rel)}">PNG</a>'
    if pf.svg is not None:
        links += f' · <a href="{_e(pf.svg.relative_to(outdir).as_posix())}">SVG</a>'
    return (f'<figure id="fig-{_e(pf.name)}"><img src="{_e(rel)}" width="{pf.size_px[0]}" height="{pf.size_px[1]}" '
            f'loading="lazy" alt="{_e(pf.title)}"><figcaption><b>{_e(pf.title)}.</b> {_e(pf.caption)} '
            f"<span class=\"muted\">({links})</span></figcaption></figure>")


def _runs_table(exp: Experiment) -> str:
    m = exp.metrics_wide(["thp_success_rate", "hugetlb_1g_allocatable", "pageblocks_mixed", "extfrag", "alloc_fail",
                          "events_per_sec"])
    cols = ["policy", "seed", "status", "sim_reached_s", "wall_s"]
    head = ("<tr><th>id</th><th>uid</th><th>policy</th><th>seed</th><th>status</th><th>sim s</th><th>wall s</th>"
            "<th>THP success</th><th>1 GiB allocatable</th><th>mixed pageblocks</th><th>extfrag</th>"
            "<th>alloc_fail</th><th>events/s</th><th>HDF5</th></tr>")
    rows = []
    for rid, r in exp.runs.iterrows():
        mv = [m.at[rid, c] if c in m.columns else math.nan for c in
              ["thp_success_rate", "hugetlb_1g_allocatable", "pageblocks_mixed", "extfrag", "alloc_fail",
               "events_per_sec"]]
        link = f'<a href="#run-{rid}">{rid}</a>' if rid in exp.complete_runs().index else str(rid)
        msg = f' <span class="muted">{_e(r["message"])}</span>' if r["message"] else ""
        rows.append(f"<tr><td>{link}</td><td><code>{_e(r['uid'][:12])}</code></td><td>{_e(r['policy'])}</td>"
                    f"<td class=num>{_e(r['seed'])}</td><td>{_e(r['status'])}{msg}</td>"
                    + "".join(f"<td class=num>{_num(r[c] if r[c] is not None else math.nan)}</td>"
                              for c in cols[3:])
                    + "".join(f"<td class=num>{_num(v)}</td>" for v in mv)
                    + f"<td><code>{_e(r['h5_file'] or '–')}</code></td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _log(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def build_report(db: str | os.PathLike, outdir: str | os.PathLike, baseline: str | None = None,
                 map_epochs: int = 3, svg: bool = True, gif: bool = True, quiet: bool = True) -> Path:
    """Write the report; returns the path of index.html. Raises FragDBError / ValueError."""
    t0 = time.monotonic()
    db, outdir = Path(db), Path(outdir)
    exp = Experiment(db)
    runs = exp.complete_runs()
    if runs.empty:
        raise FragDBError(f"{db}: no complete run ({len(exp.runs)} run(s) in the database)")
    cfgs = configurations(exp, baseline)
    order = list(dict.fromkeys(c.policy for c in cfgs))
    groups = runs_by_policy(exp, order)
    kind = experiment_kind(exp)
    fig = outdir / "fig"
    fig.mkdir(parents=True, exist_ok=True)
    for old in fig.glob("*"):
        if old.suffix in (".png", ".svg", ".gif"):
            old.unlink()
    _log(quiet, f"report: {len(runs)} complete run(s), {kind}, policies {', '.join(order)}")

    table = comparison_table(exp, baseline)
    full = comparison_table(exp, baseline, all_metrics=True)
    full.to_csv(outdir / "comparison.csv", index=False)
    exp.metrics.merge(exp.runs[["uid", "policy", "seed"]], left_on="run_id", right_index=True).to_csv(
        outdir / "metrics.csv", index=False)

    sections: list[tuple[str, str, str]] = []     # (anchor, title, html)
    ab: list[PlotFile] = []
    if groups:
        ab = [pseries.plot_ab(exp, groups, fig, ), pcompare.plot_metric_bars(exp, groups, fig),
              pseries.plot_success(exp, groups, fig), pcompare.plot_extfrag(exp, groups, fig),
              pcompare.plot_latency_cdf(exp, groups, fig), pseries.plot_work(exp, groups, fig)]
    _log(quiet, f"report: A/B figures ({time.monotonic() - t0:.1f} s)")

    state: dict[str, list[PlotFile]] = {}
    maps: dict[str, list[PlotFile]] = {}
    for pol, ids in groups.items():
        rid = ids[0]
        state[pol] = [pseries.plot_free_blocks(exp, rid, fig), pseries.plot_pageblocks(exp, rid, fig),
                      pseries.plot_spb(exp, rid, fig), pseries.plot_alloc_2m(exp, rid, fig)]
        T = exp.run(rid).nr_epochs()
        maps[pol] = [pmemmap.plot_map(exp, rid, e, fig, svg=svg)[0] for e in pmemmap.pick_epochs(T, map_epochs)]
        if gif:
            g = pmemmap.plot_map_gif(exp, rid, fig)
            if g:
                maps[pol].append(g)
    _log(quiet, f"report: per-policy figures ({time.monotonic() - t0:.1f} s)")

    sweep: list[PlotFile] = []
    keys = exp.swept_keys()
    if keys:
        for m, lab, scale in SWEEP_METRICS:
            if m in set(exp.metrics["name"]):
                sweep.append(pcompare.plot_sweep_1d(exp, keys[0], m, fig, scale, lab))
                if len(keys) >= 2:
                    sweep.append(pcompare.plot_sweep_2d(exp, keys[0], keys[1], m, fig, scale, lab))

    # -- HTML ---------------------------------------------------------------
    base = cfgs[0].label
    sections.append(("provenance", "Provenance", _provenance(exp, db, kind)))
    expl = (f"<p>Mean ± 95% confidence interval (Student t, n−1 degrees of freedom) across seeds; in brackets "
            f"the change against the baseline <b>{_e(base)}</b>. <b>*</b> marks a significant difference "
            f"(two-sided paired t-test over the seeds both ran, Welch's test when they share fewer than two; "
            f"p &lt; {ALPHA}), in <span class=better>green</span> when better, <span class=worse>red</span> when "
            f"worse. Hover a cell for its p-value. Numbers: <a href=\"comparison.csv\">comparison.csv</a>, every "
            f"metric of every run: <a href=\"metrics.csv\">metrics.csv</a>.</p>")
    rest = full[~full["metric"].isin(set(table["metric"]))]
    sections.append(("comparison", "Comparison", expl + format_table_html(table) +
                     f"<details><summary>All other metrics ({rest['metric'].nunique()})</summary>"
                     f"{format_table_html(rest)}</details>"))
    if ab:
        sections.append(("ab", "A/B across seeds", "".join(_fig_html(p, outdir) for p in ab)))
    if state:
        sections.append(("state", "State over time",
                         "<p>Each policy's run with the lowest seed.</p>" + "".join(
                             f"<h3>{_e(p)} (run {groups[p][0]}, seed {_e(exp.runs.at[groups[p][0], 'seed'])})</h3>"
                             + "".join(_fig_html(f, outdir) for f in fs) for p, fs in state.items())))
    if maps:
        sections.append(("memmap", "Physical memory map",
                         "<p>One row per 1 GiB region (superpageblock), one cell per 2 MiB pageblock, coloured by "
                         "what the pageblock holds (legend in each figure; docs/reports.md explains the "
                         "categories). The animation shows the whole run.</p>" + "".join(
                             f"<h3>{_e(p)}</h3>" + "".join(_fig_html(f, outdir) for f in fs)
                             for p, fs in maps.items())))
    if sweep:
        sections.append(("sweep", "Sweep", f"<p>Swept parameters: {', '.join(_e(k) for k in keys)}.</p>" +
                         "".join(_fig_html(p, outdir) for p in sweep)))
    det = [_runs_table(exp)]
    params = exp.params_wide()
    for rid in list(runs.index)[:MAX_DETAILED_RUNS]:
        r = exp.runs.loc[rid]
        p = params.loc[rid].dropna() if rid in params.index else pd.Series(dtype=object)
        ptab = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in p.items())
        mt = exp.metrics[(exp.metrics["run_id"] == rid) & ~exp.metrics["name"].str.contains("_hist_ns.")]
        mtab = "".join(f"<tr><td>{_e(n)}</td><td class=num>{_num(v, 6)}</td><td>{_e(u)}</td></tr>"
                       for n, v, u in zip(mt["name"], mt["value"], mt["unit"]))
        det.append(f'<details id="run-{rid}"><summary>run {rid}: {_e(r["policy"])}, seed {_e(r["seed"])}, '
                   f'uid <code>{_e(r["uid"])}</code></summary><p>started {_e(r["started_at"])}, host '
                   f'{_e(r["host"])}, pid {_e(r["pid"])}, git {_e(r["git_rev"])}, wall {_num(r["wall_s"])} s</p>'
                   f'<table class="kv"><tr><th colspan=2>parameters</th></tr>{ptab}</table>'
                   f'<table><tr><th>metric</th><th>value</th><th>unit</th></tr>{mtab}</table></details>')
    if len(runs) > MAX_DETAILED_RUNS:
        det.append(f'<p class="muted">Details of the first {MAX_DETAILED_RUNS} runs only; every metric is in '
                   f'<a href="metrics.csv">metrics.csv</a>.</p>')
    sections.append(("runs", "Runs", "".join(det)))

    title = f"fragsim report: {', '.join(dict.fromkeys(runs['scenario']))} ({kind})"
    nav = "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t, _ in sections)
    body = "".join(f'<section id="{a}"><h2>{_e(t)}</h2>{h}</section>' for a, t, h in sections)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body><h1>{_e(title)}</h1>"
            f"<nav>{nav}</nav>{body}<p class=muted>Written by <code>fragsim report</code> "
            f"(analysis/report.py) in {time.monotonic() - t0:.1f} s.</p></body></html>\n")
    index = outdir / "index.html"
    index.write_text(page, encoding="utf-8")
    _log(quiet, f"report: done in {time.monotonic() - t0:.1f} s")
    return index


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fragsim report", description="Write the HTML report of a fragsim experiment.")
    ap.add_argument("db", help="the experiment's SQLite database (e.g. out/fragsim.db)")
    ap.add_argument("-o", "--out", required=True, help="output directory (index.html, fig/, CSV files)")
    ap.add_argument("--baseline", help="policy (or configuration label) the others are compared with; "
                                       "default: the first policy run")
    ap.add_argument("--map-epochs", type=int, default=3, help="memory maps per policy (default 3)")
    ap.add_argument("--no-svg", action="store_true", help="write PNG figures only")
    ap.add_argument("--no-gif", action="store_true", help="no memory-map animation")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    a = ap.parse_args(argv)
    try:
        index = build_report(a.db, a.out, a.baseline, a.map_epochs, not a.no_svg, not a.no_gif, a.quiet)
    except (FragDBError, ValueError) as e:
        print(f"fragsim report: {e}", file=sys.stderr)
        return 1
    print(index.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
