# SPDX-License-Identifier: MIT
"""The mmtests-style comparison table: per metric, each configuration's mean ±
95% CI across seeds, the change against the baseline in percent, and whether
it is significant.

A *configuration* is a policy plus the values of the swept parameters (none
outside a sweep), so one table serves a single run, an A/B comparison and a
sweep. Significance: a two-sided paired t-test on the seeds both
configurations ran (at least two), else Welch's t-test; p < 0.05 is marked.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .fragdb import Experiment
from .stats import compare, summarize

__all__ = ["TABLE_METRICS", "configurations", "comparison_table", "format_table_text", "NONDETERMINISTIC", "Config", "ALPHA"]

ALPHA = 0.05

#: The main table: (metric, label, better: +1 higher is better, -1 lower is better, 0 neither).
TABLE_METRICS: list[tuple[str, str, int]] = [
    ("thp_success_rate", "THP fault success rate", +1),
    ("thp_fault_alloc", "THP faults served huge", +1),
    ("thp_fault_fallback", "THP faults fallen back", -1),
    ("wl.hugetlb_1g_success", "1 GiB hugetlb requests served", +1),
    ("wl.hugetlb_1g_attempts", "1 GiB hugetlb requests", 0),
    ("hugetlb_1g_allocatable", "1 GiB allocatable at end", +1),
    ("spb_movable_only", "SPBs movable-only at end", +1),
    ("spb_empty", "SPBs empty at end", +1),
    ("spb_clean", "SPBs clean at end", +1),
    ("spb_tainted", "SPBs tainted at end", -1),
    ("spb_tainted_pageblocks", "unmovable-ish pageblocks in tainted SPBs", -1),
    ("pageblocks_free", "free pageblocks at end", +1),
    ("pageblocks_mixed", "mixed pageblocks at end", -1),
    ("pageblocks_unmovable", "Unmovable pageblocks at end", -1),
    ("pageblocks_reclaimable", "Reclaimable pageblocks at end", -1),
    ("fragmentation_score", "fragmentation score (%)", -1),
    ("extfrag", "fallbacks (extfrag)", -1),
    ("extfrag_fragmenting", "fragmenting fallbacks", -1),
    ("extfrag_steal", "fallbacks that stole pages", -1),
    ("extfrag_claim", "fallbacks that claimed a block", 0),
    ("free_mib", "free memory at end (MiB)", 0),
    ("alloc_fail", "failed allocations", -1),
    ("oom_kill", "OOM kills", -1),
    ("htlb_buddy_alloc_fail", "hugetlb pool growth failures", -1),
    ("kvmalloc_fallback", "kvmalloc vmalloc fallbacks", -1),
    ("stall_count", "allocation stalls", -1),
    ("stall_p50_ns", "stall latency p50 (ns)", -1),
    ("stall_p99_ns", "stall latency p99 (ns)", -1),
    ("stall_max_ns", "stall latency max (ns)", -1),
    ("alloc_latency_p99_ns", "allocation latency p99 (ns)", -1),
    ("compact_stall", "direct compactions", -1),
    ("compact_success", "direct compactions that succeeded", +1),
    ("compact_fail", "direct compactions that failed", -1),
    ("pgmigrate_success", "pages migrated", 0),
    ("pgscan_kswapd", "pages scanned by kswapd", -1),
    ("pgscan_direct", "pages scanned by direct reclaim", -1),
    ("kswapd_wake", "kswapd wake-ups", -1),
    ("compact_daemon_wake", "kcompactd wake-ups", -1),
    ("compact_drain", "CPU PCP lists drained by compaction", -1),
    ("compact_drain_pages", "pages drained from PCPs by compaction", -1),
    ("spb_adopted", "partial pageblocks adopted in tainted SPBs", 0),
    ("spb_borrowed", "MOVABLE buddies borrowed in tainted SPBs", 0),
    ("spb_evac_phase1_pages", "defrag phase 1 pages moved", 0),
    ("spb_evac_phase2_pageblocks", "defrag phase 2 pageblocks evacuated", 0),
    ("spb_thp_compact_skipped", "tainted pageblocks skipped by THP compaction", 0),
    ("spb_compact_drain_deferred", "compaction sources deferred by the drain throttle", 0),
]

#: Metrics that measure the host process, not the simulation (left out of the tables).
NONDETERMINISTIC = {"wall_seconds", "events_per_sec", "sim_seconds_per_wall_second", "peak_rss_mib"}
#: Prefixes of metrics that are histogram buckets (drawn as CDFs instead).
HIST_PREFIXES = ("alloc_latency_hist_ns.", "stall_hist_ns.")


@dataclass(frozen=True)
class Config:
    """A policy plus the values of the swept parameters."""
    label: str
    policy: str
    values: tuple[tuple[str, str], ...]
    run_ids: tuple[int, ...]


def configurations(exp: Experiment, baseline: str | None = None) -> list[Config]:
    """The configurations of the complete runs, the baseline's first.

    ``baseline`` names a policy (its first configuration leads) or a label.
    """
    runs = exp.complete_runs()
    keys = exp.swept_keys(runs)
    params = exp.params_wide().loc[runs.index]
    groups: dict[tuple, list[int]] = {}
    for rid, r in runs.iterrows():
        vals = tuple((k, str(params.at[rid, k])) for k in keys)
        groups.setdefault((r["policy"], vals), []).append(int(rid))
    out = [Config(pol if not vals else pol + ", " + ", ".join(f"{k}={v}" for k, v in vals), pol, vals,
                  tuple(ids)) for (pol, vals), ids in groups.items()]
    if baseline:
        first = [c for c in out if c.label == baseline] or [c for c in out if c.policy == baseline]
        if not first:
            raise ValueError(f"baseline '{baseline}' is not a policy or configuration of this experiment "
                             f"({', '.join(dict.fromkeys(c.policy for c in out))})")
        out.remove(first[0])
        out.insert(0, first[0])
    return out


def _by_seed(exp: Experiment, ids: tuple[int, ...], values: pd.Series) -> dict[int, float]:
    out: dict[int, float] = {}
    for rid in ids:
        v = values.get(rid, np.nan)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            out[int(exp.runs.at[rid, "seed"])] = float(v)
    return out


def comparison_table(exp: Experiment, baseline: str | None = None, metrics: list[str] | None = None,
                     all_metrics: bool = False) -> pd.DataFrame:
    """Long table, one row per (metric, configuration).

    Columns: metric, label, unit, better, config, policy, n, mean, sd, ci95,
    delta_pct (against the baseline's mean; NaN when that is 0 or missing),
    test ("paired", "welch" or "none"), p, significant (p < 0.05), is_baseline.
    ``metrics`` defaults to :data:`TABLE_METRICS` present in the database; with
    ``all_metrics`` every other metric (histograms and host-process metrics
    excepted) follows.
    """
    cfgs = configurations(exp, baseline)
    units = exp.metric_units()
    present = set(exp.metrics["name"])
    spec = {m: (lab, b) for m, lab, b in TABLE_METRICS}
    if metrics is None:
        metrics = [m for m, _, _ in TABLE_METRICS if m in present]
        if all_metrics:
            metrics += sorted(m for m in present if m not in spec and m not in NONDETERMINISTIC
                              and not m.startswith(HIST_PREFIXES))
    wide = exp.metrics_wide(metrics)
    rows = []
    for m in metrics:
        col = wide[m] if m in wide.columns else pd.Series(dtype=float)
        label, better = spec.get(m, (m, 0))
        base = None
        for k, c in enumerate(cfgs):
            vals = _by_seed(exp, c.run_ids, col)
            s = summarize(list(vals.values()))
            if k == 0:
                base = (vals, s)
                delta, test = 0.0 if s.n else math.nan, None
            else:
                bm = base[1].mean
                delta = (s.mean - bm) / abs(bm) * 100.0 if bm and not math.isnan(bm) and s.n else math.nan
                test = compare(base[0], vals)
            rows.append({"metric": m, "label": label, "unit": units.get(m, ""), "better": better,
                         "config": c.label, "policy": c.policy, "n": s.n, "mean": s.mean, "sd": s.sd,
                         "ci95": s.ci95, "delta_pct": delta, "test": test.kind if test else "",
                         "p": test.p if test else math.nan,
                         "significant": bool(test and test.significant(ALPHA)), "is_baseline": k == 0})
    return pd.DataFrame(rows, columns=["metric", "label", "unit", "better", "config", "policy", "n", "mean", "sd",
                                       "ci95", "delta_pct", "test", "p", "significant", "is_baseline"])


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    a = abs(v)
    if a != 0 and (a >= 1e7 or a < 1e-3):
        return f"{v:.3e}"
    if a >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.4g}"


def format_table_text(t: pd.DataFrame) -> str:
    """The comparison table as mmtests' compare-mmtests.pl prints it: one line
    per metric, per configuration ``mean ± ci95`` and, after the baseline,
    ``(Δ%)`` with ``*`` where the difference is significant (p < 0.05)."""
    if t.empty:
        return "(no metrics)\n"
    cfgs = list(dict.fromkeys(t["config"]))
    cells: dict[tuple[str, str], str] = {}
    labels: dict[str, str] = {}
    for r in t.itertuples(index=False):
        labels[r.metric] = r.metric
        cell = f"{_fmt(r.mean)} ± {_fmt(r.ci95)}" if r.n else "-"
        if not r.is_baseline and r.n:
            d = "-" if math.isnan(r.delta_pct) else f"{r.delta_pct:+.1f}%"
            cell += f" ({d}{'*' if r.significant else ''})"
        cells[(r.metric, r.config)] = cell
    metrics = list(dict.fromkeys(t["metric"]))
    # Long configuration labels (sweeps) become [1], [2], ... with a legend above the table.
    short = any(len(c) > 24 for c in cfgs)
    heads = [f"[{i + 1}]" for i in range(len(cfgs))] if short else cfgs
    legend = [f"[{i + 1}] {c}" for i, c in enumerate(cfgs)] + [""] if short else []
    w0 = max(len("metric"), *(len(m) for m in metrics))
    ws = [max(len(h), *(len(cells.get((m, c), "")) for m in metrics)) for c, h in zip(cfgs, heads)]
    lines = legend + ["  ".join([f"{'metric':<{w0}}"] + [f"{h:>{w}}" for h, w in zip(heads, ws)])]
    lines.append("  ".join(["-" * w0] + ["-" * w for w in ws]))
    for m in metrics:
        lines.append("  ".join([f"{m:<{w0}}"] + [f"{cells.get((m, c), ''):>{w}}" for c, w in zip(cfgs, ws)]))
    n = t.groupby("config", sort=False)["n"].max()
    lines.append("")
    lines.append("mean ± 95% CI over seeds (" + ", ".join(f"{h}: n={int(n[c])}" for c, h in zip(cfgs, heads)) + "); "
                 f"(Δ% vs {heads[0]}), * = p < {ALPHA} (paired t-test on common seeds, else Welch)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python3 -m analysis.table DB [--baseline P] [--all] [--csv FILE]``: print the table."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog="analysis.table", description=main.__doc__)
    ap.add_argument("db")
    ap.add_argument("--baseline")
    ap.add_argument("--all", action="store_true", help="every metric, not only the main table's")
    ap.add_argument("--csv", help="also write the long table as CSV")
    a = ap.parse_args(argv)
    try:
        exp = Experiment(a.db)
    except Exception as e:  # noqa: BLE001 - a clear one-line error for the CLI
        print(f"analysis.table: {a.db}: {e}", file=sys.stderr)
        return 1
    if exp.complete_runs().empty:
        print(f"analysis.table: {a.db}: no complete run", file=sys.stderr)
        return 1
    t = comparison_table(exp, a.baseline, all_metrics=a.all)
    sys.stdout.write(format_table_text(t))
    if a.csv:
        t.to_csv(a.csv, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
