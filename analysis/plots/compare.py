# SPDX-License-Identifier: MIT
"""Figures from the summary metrics: fallbacks by migratetype pair, latency CDFs,
end-of-run metrics per policy, and sweeps (a metric against one or two parameters)."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..fragdb import Experiment
from ..stats import summarize
from .style import MT_COLORS, PlotFile, new_figure, no_data, policy_color, save

__all__ = ["EXTFRAG_PAIRS", "plot_extfrag", "merged_histogram", "hist_quantile", "plot_latency_cdf",
           "plot_metric_bars", "BAR_METRICS", "param_value", "plot_sweep_1d", "plot_sweep_2d"]

#: (metric, allocation migratetype, fallback migratetype): the kernel's fallbacks[] pairs.
EXTFRAG_PAIRS = [
    ("extfrag_unmovable_from_movable", "Unmovable", "Movable"),
    ("extfrag_unmovable_from_reclaimable", "Unmovable", "Reclaimable"),
    ("extfrag_movable_from_unmovable", "Movable", "Unmovable"),
    ("extfrag_movable_from_reclaimable", "Movable", "Reclaimable"),
    ("extfrag_reclaimable_from_unmovable", "Reclaimable", "Unmovable"),
    ("extfrag_reclaimable_from_movable", "Reclaimable", "Movable"),
]
EXTFRAG_KINDS = [("extfrag_claim", "claimed the block"), ("extfrag_steal", "stole pages (pollution)"),
                 ("extfrag_fragmenting", "fragmenting (< pageblock)")]


def _grouped_bars(ax, exp: Experiment, groups: dict[str, list[int]], metrics: list[str], labels: list[str]) -> bool:
    """Bars: one group per metric, one bar per policy (mean, 95% CI whiskers, seeds as dots)."""
    wide = exp.metrics_wide(metrics)
    have = [m for m in metrics if m in wide.columns]
    if not have or not groups:
        return False
    x = np.arange(len(metrics))
    w = 0.8 / max(1, len(groups))
    any_value = False
    for k, (pol, ids) in enumerate(groups.items()):
        means, errs = [], []
        for j, m in enumerate(metrics):
            v = wide.loc[ids, m].to_numpy(dtype=float) if m in wide.columns else np.array([])
            s = summarize(v)
            means.append(s.mean)
            errs.append(0.0 if math.isnan(s.ci95) else s.ci95)
            if v.size and np.nanmax(np.abs(np.nan_to_num(v))) > 0:
                any_value = True
            xs = x[j] + (k - (len(groups) - 1) / 2) * w
            ax.plot(np.full(v.size, xs), v, ".", color="black", ms=3, zorder=3)
        xs = x + (k - (len(groups) - 1) / 2) * w
        means = np.nan_to_num(np.array(means))
        errs = np.array(errs)
        # Counts cannot go below zero: the lower whisker stops there.
        ax.bar(xs, means, w * 0.95, yerr=[np.minimum(errs, np.maximum(means, 0)), errs], color=policy_color(pol),
               capsize=3,
               label=f"{pol} (n={len(ids)})", error_kw={"lw": 1})
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return any_value


def plot_extfrag(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """Fallback (mm_page_alloc_extfrag) events by migratetype pair and by kind, per policy."""
    fig, (a1, a2) = new_figure("bar", 1, 2, gridspec_kw={"width_ratios": [2, 1]})
    labels = [f"{a}\n← {f}" for _, a, f in EXTFRAG_PAIRS]
    if _grouped_bars(a1, exp, groups, [m for m, _, _ in EXTFRAG_PAIRS], labels):
        a1.set_ylabel("fallback events per run")
        a1.set_xlabel("allocation migratetype ← migratetype of the free block it took")
        a1.legend(fontsize=8)
        for tick, (_, a, _) in zip(a1.get_xticklabels(), EXTFRAG_PAIRS):
            tick.set_color(MT_COLORS[a])
    else:
        a1.cla()
        no_data(a1, "no fallback events by migratetype pair\n(counters extfrag_<alloc>_from_<fallback> "
                "absent or zero)")
    a1.set_title("Fallbacks by migratetype pair", fontsize=10)
    if _grouped_bars(a2, exp, groups, [m for m, _ in EXTFRAG_KINDS], [lab for _, lab in EXTFRAG_KINDS]):
        a2.set_ylabel("events per run")
        for t in a2.get_xticklabels():
            t.set_rotation(15)
    else:
        a2.cla()
        no_data(a2, "no fallback events")
    a2.set_title("Fallbacks by kind", fontsize=10)
    return save(fig, outdir, "extfrag", "Fallback (extfrag) events by migratetype pair",
                "mm_page_alloc_extfrag events over the whole run: an allocation of one migratetype took a free "
                "block from another type's free list. Bars: mean over seeds; whiskers: 95% CI; dots: seeds.", "ab")


def merged_histogram(exp: Experiment, prefix: str, ids: list[int]) -> pd.Series:
    """The sum of the runs' ``<prefix>.<edge>`` histogram metrics (index: lower edge, ns)."""
    parts = [exp.histogram(prefix, r) for r in ids]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.Series(dtype=float)
    return pd.concat(parts, axis=1).fillna(0).sum(axis=1).sort_index()


def hist_quantile(h: pd.Series, q: float, vmax: float | None = None) -> float:
    """The engine's hist_quantile(): the lower edge of the bucket holding the ceil(q*n)-th value."""
    n = float(h.sum())
    if n <= 0:
        return math.nan
    want = max(1.0, math.ceil(q * n))
    c = np.cumsum(h.to_numpy())
    i = int(np.searchsorted(c, want - 1e-9))
    v = float(h.index[min(i, len(h) - 1)])
    return min(v, vmax) if vmax is not None else v


def _fmt_ns(v: float) -> str:
    if math.isnan(v):
        return "n/a"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if v >= div:
            return f"{v / div:.3g} {unit}"
    return f"{v:.0f} ns"


def plot_latency_cdf(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """CDFs of allocation stall latency and of all allocation latency, p50/p99/max marked."""
    fig, axes = new_figure("tall", 2, 1)
    wide = exp.metrics_wide()
    for ax, prefix, maxm, title in ((axes[0], "stall_hist_ns", "stall_max_ns",
                                     "Allocation stalls (requests that entered the slow path)"),
                                    (axes[1], "alloc_latency_hist_ns", "alloc_latency_max_ns",
                                     "All allocations")):
        drawn = False
        for k, (pol, ids) in enumerate(groups.items()):
            h = merged_histogram(exp, prefix, ids)
            if h.empty or h.sum() == 0:
                continue
            vmax = float(np.nanmax(wide.loc[ids, maxm])) if maxm in wide.columns else float(h.index.max())
            x = np.maximum(h.index.to_numpy(dtype=float), 1.0)
            y = np.cumsum(h.to_numpy()) / h.sum()
            x = np.append(x, max(vmax, x[-1]))
            y = np.append(y, 1.0)
            c = policy_color(pol)
            ax.step(x, y, where="post", color=c, lw=1.8, label=f"{pol} (n={len(ids)}, {int(h.sum())} requests)")
            for q, mk in ((0.5, "o"), (0.99, "s")):
                v = hist_quantile(h, q, vmax)
                ax.plot([max(v, 1.0)], [q], mk, color=c, ms=6, mec="black", mew=0.6)
                ax.annotate(f"p{int(q * 100)} {_fmt_ns(v)}", (max(v, 1.0), q), textcoords="offset points",
                            xytext=(8, (-14 if q > 0.9 else 6) - 11 * k), fontsize=7, color=c)
            ax.plot([max(vmax, 1.0)], [1.0], "^", color=c, ms=7, mec="black", mew=0.6)
            ax.annotate(f"max {_fmt_ns(vmax)}", (max(vmax, 1.0), 1.0), textcoords="offset points",
                        xytext=(-10, -14 - 11 * k), fontsize=7, color=c, ha="right")
            drawn = True
        ax.set_title(title + ": CDF of simulated latency", fontsize=10)
        if not drawn:
            no_data(ax, f"no latency histogram ({prefix}.* metrics) in these runs")
            continue
        ax.set_xscale("log")
        ax.set_xlabel("latency (ns, log scale)")
        ax.set_ylabel("fraction of requests ≤ x")
        ax.set_ylim(0, 1.08)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
    return save(fig, outdir, "latency_cdf", "Allocation latency CDFs",
                "Cumulative distribution of the simulated latency of allocations, from the engine's histograms "
                "(all seeds of a policy merged). Circles p50, squares p99, triangles the maximum.", "ab")


#: Metrics drawn as bars per policy: (metric, label, scale).
BAR_METRICS = [
    ("thp_success_rate", "THP success (%)", 100.0),
    ("hugetlb_1g_allocatable", "1 GiB allocatable at end", 1.0),
    ("spb_tainted", "tainted SPBs at end", 1.0),
    ("pageblocks_mixed", "mixed pageblocks at end", 1.0),
    ("pageblocks_free", "free pageblocks at end", 1.0),
    ("extfrag", "fallback events", 1.0),
    ("alloc_fail", "failed allocations", 1.0),
    ("stall_p99_ns", "stall p99 (ns)", 1.0),
]


def plot_metric_bars(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """End-of-run metrics per policy: mean, 95% CI whiskers, one dot per seed."""
    fig, axes = new_figure("grid", 2, 4)
    wide = exp.metrics_wide([m for m, _, _ in BAR_METRICS])
    for ax, (m, label, scale) in zip(axes.ravel(), BAR_METRICS):
        ax.set_title(label, fontsize=9)
        if m not in wide.columns or not groups:
            no_data(ax, f"no metric {m}")
            continue
        for k, (pol, ids) in enumerate(groups.items()):
            v = wide.loc[ids, m].to_numpy(dtype=float) * scale
            s = summarize(v)
            mean = 0.0 if math.isnan(s.mean) else s.mean
            err = 0.0 if math.isnan(s.ci95) else s.ci95
            ax.bar(k, mean, 0.7, yerr=[[min(err, max(mean, 0.0))], [err]], color=policy_color(pol), capsize=4)
            ax.plot(np.full(v.size, k), v, ".", color="black", ms=4)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(list(groups), fontsize=8, rotation=15)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("End-of-run metrics per policy: mean, 95% CI, one dot per seed", fontsize=11)
    return save(fig, outdir, "ab_metrics", "End-of-run metrics per policy",
                "Bars: mean over seeds; whiskers: 95% confidence interval (Student t); dots: individual seeds.",
                "ab")


_SIZE = re.compile(r"^\s*([0-9.]+)\s*([kmgt]?)(i?b)?\s*$", re.I)
_TIME = re.compile(r"^\s*([0-9.]+)\s*(ns|us|µs|ms|s|min|h)\s*$", re.I)


def param_value(text: str) -> float | str:
    """A parameter's text as a number when it is one (sizes and durations too), else the text."""
    try:
        return float(text)
    except (TypeError, ValueError):
        pass
    m = _TIME.match(str(text))
    if m:
        mul = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}
        return float(m.group(1)) * mul[m.group(2).lower()]
    m = _SIZE.match(str(text))
    if m and (m.group(2) or m.group(3)):
        return float(m.group(1)) * 1024 ** "bkmgt".index((m.group(2) or "b").lower())
    return str(text)


def _sweep_frame(exp: Experiment, keys: list[str], metric: str) -> pd.DataFrame:
    r = exp.complete_runs()
    p = exp.params_wide().loc[r.index, keys]
    m = exp.metrics_wide([metric])
    df = p.copy()
    df["policy"] = r["policy"]
    df["seed"] = r["seed"]
    df["value"] = m[metric].reindex(r.index) if metric in m.columns else np.nan
    return df


def _ordered(values) -> list:
    vals = list(dict.fromkeys(values))
    parsed = [param_value(v) for v in vals]
    if all(isinstance(x, float) for x in parsed):
        return [v for _, v in sorted(zip(parsed, vals))]
    return sorted(vals, key=str)


def plot_sweep_1d(exp: Experiment, key: str, metric: str, outdir: Path, scale: float = 1.0,
                  label: str | None = None) -> PlotFile:
    """A metric against one swept parameter: a line per policy, 95% CI whiskers across seeds."""
    fig, ax = new_figure("wide")
    df = _sweep_frame(exp, [key], metric)
    label = label or metric
    if df["value"].isna().all():
        no_data(ax, f"no metric {metric} in these runs")
    else:
        order = _ordered(df[key])
        numeric = all(isinstance(param_value(v), float) for v in order)
        xs = {v: (param_value(v) if numeric else i) for i, v in enumerate(order)}
        for pol, g in df.groupby("policy", sort=False):
            pts = []
            for v in order:
                s = summarize(g.loc[g[key] == v, "value"].to_numpy(dtype=float) * scale)
                if s.n:
                    pts.append((xs[v], s.mean, 0 if math.isnan(s.ci95) else s.ci95))
            if pts:
                x, y, e = map(np.array, zip(*pts))
                ax.errorbar(x, y, yerr=e, color=policy_color(pol), marker="o", ms=4, capsize=3, lw=1.5,
                            label=f"{pol}")
        if not numeric:
            ax.set_xticks(range(len(order)))
            ax.set_xticklabels(order, rotation=15, fontsize=8)
        ax.set_xlabel(key)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    ax.set_title(f"{label} against {key} (mean, 95% CI across seeds)")
    name = "sweep_" + re.sub(r"[^A-Za-z0-9]+", "_", f"{metric}_vs_{key}")
    return save(fig, outdir, name, f"Sweep: {label} against {key}",
                "One line per policy; each point is the mean over the seeds run at that value, whiskers the 95% "
                "confidence interval.", "sweep")


def plot_sweep_2d(exp: Experiment, key_x: str, key_y: str, metric: str, outdir: Path, scale: float = 1.0,
                  label: str | None = None) -> PlotFile:
    """A metric against two swept parameters: a heat map of the mean over seeds, one panel per policy."""
    df = _sweep_frame(exp, [key_x, key_y], metric)
    pols = list(dict.fromkeys(df["policy"]))[:4] or ["(none)"]
    fig, axes = new_figure("square" if len(pols) == 1 else "grid", 1, len(pols), squeeze=False)
    label = label or metric
    xo, yo = _ordered(df[key_x]), _ordered(df[key_y])
    grids = {}
    for pol in pols:
        g = df[df["policy"] == pol]
        z = np.full((len(yo), len(xo)), np.nan)
        for i, vy in enumerate(yo):
            for j, vx in enumerate(xo):
                v = g.loc[(g[key_x] == vx) & (g[key_y] == vy), "value"].to_numpy(dtype=float)
                if v.size and not np.isnan(v).all():
                    z[i, j] = np.nanmean(v) * scale
        grids[pol] = z
    finite = [z[~np.isnan(z)] for z in grids.values()]
    finite = np.concatenate(finite) if finite else np.array([])
    for ax, pol in zip(axes[0], pols):
        z = grids[pol]
        if finite.size == 0:
            no_data(ax, f"no metric {metric} in these runs")
            continue
        im = ax.imshow(z, origin="lower", cmap="viridis", vmin=finite.min(), vmax=finite.max(), aspect="auto",
                       interpolation="nearest")
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if not np.isnan(z[i, j]):
                    ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", fontsize=8,
                            color="white" if z[i, j] < (finite.min() + finite.max()) / 2 else "black")
        ax.set_xticks(range(len(xo)))
        ax.set_xticklabels(xo, fontsize=8, rotation=15)
        ax.set_yticks(range(len(yo)))
        ax.set_yticklabels(yo, fontsize=8)
        ax.set_xlabel(key_x)
        ax.set_ylabel(key_y)
        ax.set_title(pol, fontsize=10, color=policy_color(pol))
        fig.colorbar(im, ax=ax, label=label, shrink=0.8)
    fig.suptitle(f"{label}: mean over seeds", fontsize=11)
    name = "sweep2d_" + re.sub(r"[^A-Za-z0-9]+", "_", f"{metric}_vs_{key_x}_{key_y}")
    return save(fig, outdir, name, f"Sweep: {label} against {key_x} and {key_y}",
                "Heat map of the mean over seeds at each pair of parameter values, one panel per policy.", "sweep")
