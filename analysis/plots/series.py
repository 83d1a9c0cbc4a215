# SPDX-License-Identifier: MIT
"""Time-series figures: one run's state over time, and A/B panels per policy.

Single-run figures (the run a caller picks, usually each policy's lowest seed):
free memory by buddy order (stacked), pageblocks by migratetype and mixed
pageblocks, SPB categories and 1 GiB allocatable, 2 MiB allocatable.

Figures across seeds (one line per policy: the mean over its seeds, with the
95% Student-t confidence band epoch by epoch): THP and 1 GiB success,
compaction and reclaim work, and the A/B grid of the key series.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fragdb import MIGRATETYPES, NR_ORDERS, Experiment
from .common import band, is_empty, run_series
from .style import MT_COLORS, SPB_CATEGORY_COLORS, PlotFile, new_figure, no_data, order_color, policy_color, save

__all__ = ["plot_free_blocks", "plot_pageblocks", "plot_spb", "plot_alloc_2m", "plot_success", "plot_work",
           "plot_ab", "AB_SERIES", "draw_band"]

TIME_LABEL = "simulated time (s)"


def _title(exp: Experiment, rid: int) -> str:
    r = exp.runs.loc[rid]
    return f"{r['policy']}, seed {r['seed']}"


def plot_free_blocks(exp: Experiment, rid: int, outdir: Path) -> PlotFile:
    """Free memory on the buddy lists, stacked by order (/proc/buddyinfo over time)."""
    fig, ax = new_figure("wide")
    s = exp.series(rid)
    cols = [f"free_mib_order{o}" for o in range(NR_ORDERS) if f"free_mib_order{o}" in s.columns]
    if s.empty or not cols or is_empty(s[cols].to_numpy()):
        no_data(ax, "no free-block data (/epoch/free_blocks) in this run")
    else:
        t = s.index.to_numpy()
        ax.stackplot(t, [s[c].to_numpy() for c in cols], labels=[f"order {c[len('free_mib_order'):]}" for c in cols],
                     colors=[order_color(i) for i in range(len(cols))], linewidth=0)
        ax.set_xlabel(TIME_LABEL)
        ax.set_ylabel("free memory (MiB)")
        ax.set_xlim(t[0], t[-1])
        h, lab = ax.get_legend_handles_labels()
        ax.legend(h[::-1], lab[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
                  title="buddy order", title_fontsize=8)
        ax.grid(alpha=0.3)
    ax.set_title(f"Free memory by buddy order (stacked), {_title(exp, rid)}")
    return save(fig, outdir, f"free_blocks_r{rid}", f"Free memory by buddy order, {_title(exp, rid)}",
                "Free pages on the buddy lists of every zone, stacked by order (bottom order 0, top order 10): "
                "/proc/buddyinfo over time. High orders shrinking while the total stays is fragmentation.",
                "state")


def plot_pageblocks(exp: Experiment, rid: int, outdir: Path) -> PlotFile:
    """Pageblocks by migratetype label (stacked) and mixed pageblocks (lines)."""
    fig, (a1, a2) = new_figure("tall", 2, 1, sharex=True)
    s = exp.series(rid)
    if s.empty or "pb_movable" not in s.columns:
        no_data(a1, "no pageblock map (/epoch/pageblock_type) in this run")
        no_data(a2, "no pageblock map")
    else:
        t = s.index.to_numpy()
        mts = [m for m in MIGRATETYPES if not is_empty(s[f"pb_{m.lower()}"])]
        a1.stackplot(t, [s[f"pb_{m.lower()}"].to_numpy() for m in mts], labels=mts,
                     colors=[MT_COLORS[m] for m in mts], linewidth=0)
        a1.plot(t, s["pb_free"].to_numpy(), color="black", lw=1.2, ls="--", label="free pageblocks")
        a1.set_ylabel("pageblocks (2 MiB)")
        a1.set_title(f"Pageblocks by migratetype (get_pageblock_migratetype), {_title(exp, rid)}")
        a1.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        a1.grid(alpha=0.3)
        a1.set_xlim(t[0], t[-1])
        if is_empty(s["pb_mixed"]):
            no_data(a2, "no mixed pageblocks in this run")
        else:
            for m in MIGRATETYPES:
                v = s[f"pb_mixed_{m.lower()}"].to_numpy()
                if not is_empty(v):
                    a2.plot(t, v, color=MT_COLORS[m], lw=1.5, label=f"{m} block, foreign pages")
            a2.plot(t, s["pb_mixed"].to_numpy(), color="black", lw=1, ls=":", label="all mixed")
            a2.set_ylabel("mixed pageblocks")
            a2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
            a2.grid(alpha=0.3)
        a2.set_title("Mixed pageblocks: holding pages of another migratetype, by the block's label")
        a2.set_xlabel(TIME_LABEL)
    return save(fig, outdir, f"pageblocks_r{rid}", f"Pageblocks by migratetype, {_title(exp, rid)}",
                "Top: pageblocks by migratetype label (stacked; dashed: entirely free pageblocks). Bottom: mixed "
                "pageblocks (a block labelled X holding pages allocated as another type): the pollution that "
                "blocks 2 MiB and 1 GiB allocations.", "state")


def plot_spb(exp: Experiment, rid: int, outdir: Path) -> PlotFile:
    """SPB categories over time (stacked) and 1 GiB allocatable over time."""
    fig, (a1, a2) = new_figure("tall", 2, 1, sharex=True)
    s = exp.series(rid)
    if s.empty or "spb_empty" not in s.columns:
        no_data(a1, "no SPB table (/epoch/spb) in this run")
        no_data(a2, "no SPB table")
    else:
        t = s.index.to_numpy()
        cats = ["empty", "clean", "tainted"]
        a1.stackplot(t, [s[f"spb_{c}"].to_numpy() for c in cats], labels=cats,
                     colors=[SPB_CATEGORY_COLORS[c] for c in cats], linewidth=0)
        a1.set_ylabel("superpageblocks (1 GiB)")
        a1.set_title(f"Superpageblocks by category, {_title(exp, rid)}")
        a1.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        a1.set_xlim(t[0], t[-1])
        a1.grid(alpha=0.3)
        a2.step(t, s["gib_free_now"].to_numpy(), where="post", color="#2ecc71", lw=2, label="free now")
        a2.step(t, s["gib_movable_only"].to_numpy(), where="post", color="#3b82c4", lw=1.5, ls="--",
                label="movable-only (after migration)")
        m = exp.metrics_wide(["hugetlb_1g_allocatable"])
        if "hugetlb_1g_allocatable" in m.columns and not np.isnan(m.at[rid, "hugetlb_1g_allocatable"]):
            a2.plot([t[-1]], [m.at[rid, "hugetlb_1g_allocatable"]], "o", color="black", ms=5,
                    label="metric hugetlb_1g_allocatable")
        a2.set_ylabel("1 GiB pages allocatable")
        a2.set_xlabel(TIME_LABEL)
        a2.set_ylim(bottom=-0.05 * max(1.0, float(np.nanmax(s["gib_movable_only"]))), top=None)
        a2.yaxis.get_major_locator().set_params(integer=True)
        a2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
        a2.grid(alpha=0.3)
        a2.set_title("1 GiB pages allocatable: whole free SPBs, and SPBs with only movable pages")
    return save(fig, outdir, f"spb_r{rid}", f"Superpageblocks and 1 GiB allocatable, {_title(exp, rid)}",
                "Top: SPBs (1 GiB regions) that are empty, clean (movable allocations only) or tainted "
                "(unmovable/reclaimable pages inside). Bottom: 1 GiB pages the allocator could hand out now "
                "(every page free) and after migrating movable pages (no unmovable, reclaimable or reserved "
                "page in the SPB).", "state")


def plot_alloc_2m(exp: Experiment, rid: int, outdir: Path) -> PlotFile:
    """2 MiB blocks allocatable now and the upper bound with compaction."""
    fig, ax = new_figure("wide")
    s = exp.series(rid)
    if s.empty or "free_2m_now" not in s.columns:
        no_data(ax, "no free-block data in this run")
    else:
        t = s.index.to_numpy()
        ax.plot(t, s["free_2m_now"].to_numpy(), color="#2ecc71", lw=2, label="free now (order-9/10 free blocks)")
        ax.plot(t, s["free_2m_compactable"].to_numpy(), color="#3b82c4", lw=1.5, ls="--",
                label="upper bound with compaction (free + clean Movable pageblocks)")
        ax.set_xlabel(TIME_LABEL)
        ax.set_ylabel("2 MiB blocks")
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(bottom=0)
        ax.legend(loc="best", fontsize=8)
        ax.grid(alpha=0.3)
    ax.set_title(f"2 MiB (THP) allocatable, {_title(exp, rid)}")
    return save(fig, outdir, f"alloc_2m_r{rid}", f"2 MiB allocatable, {_title(exp, rid)}",
                "2 MiB blocks free in the buddy (order-9 free blocks + 2 x order-10), and the most compaction "
                "could produce (entirely free pageblocks + Movable pageblocks holding no foreign, reserved or "
                "hugetlb pages).", "state")


def draw_band(ax, exp: Experiment, groups: dict[str, list[int]], name: str, scale: float = 1.0,
              label_suffix: str = "", ls: str = "-") -> bool:
    """One line per policy (mean over its runs) with its 95% CI band. False if nothing drawn;
    ``ax._fragsim_zero`` tells whether the series existed but stayed at zero."""
    drawn = False
    ax._fragsim_zero = False
    for pol, ids in groups.items():
        b = band(exp, ids, name)
        if b is None:
            continue
        t, mean, lo, hi, n = b
        if is_empty(mean):
            ax._fragsim_zero = ax._fragsim_zero or bool(np.any(mean == 0))
            continue
        c = policy_color(pol)
        ax.plot(t, mean * scale, color=c, lw=1.8, ls=ls, label=f"{pol} (n={n}){label_suffix}")
        if n > 1:
            # Every series drawn is a count or a share: the band is clipped to what can exist.
            lo, hi = np.maximum(lo * scale, 0.0), hi * scale
            if scale == 100.0:
                hi = np.minimum(hi, 100.0)
            ax.fill_between(t, lo, hi, color=c, alpha=0.2, lw=0)
        drawn = True
    return drawn


def _finish(ax, ylabel: str, title: str, drawn: bool, empty_msg: str, legend: bool = True):
    ax.set_title(title, fontsize=10)
    if not drawn:
        no_data(ax, empty_msg)
        return
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(fontsize=7, loc="best")


def plot_success(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """THP fault success per interval and 1 GiB success over time, per policy."""
    fig, (a1, a2) = new_figure("tall", 2, 1, sharex=True)
    d = draw_band(a1, exp, groups, "thp_success_interval", 100.0)
    draw_band(a1, exp, groups, "thp_success_cumulative", 100.0, " cumulative", ls=":") if d else None
    _finish(a1, "THP faults served with a huge page (%)", "THP fault success rate per epoch interval "
            "(solid) and since the start (dotted)", d, "no THP faults in these runs")
    if d:
        a1.set_ylim(-2, 102)
    d2 = draw_band(a2, exp, groups, "hugetlb_1g_success_cumulative", 100.0)
    _finish(a2, "1 GiB requests served (%)", "1 GiB hugetlb success since the start (hugetlb_1g events)", d2,
            "no 1 GiB hugetlb requests in these runs (no hugetlb_1g events)")
    if d2:
        a2.set_ylim(-2, 102)
    return save(fig, outdir, "success", "THP and 1 GiB success over time",
                "Mean over seeds per policy, shaded: 95% confidence interval (Student t). THP: thp_fault_alloc / "
                "(thp_fault_alloc + thp_fault_fallback) per sample interval; 1 GiB: successful / attempted "
                "hugetlb_1g requests so far.", "ab")


WORK_PANELS = [
    ("Compaction: pages scanned per second", "pages/s",
     [("compact_migrate_scanned/s", "migrate scanner"), ("compact_free_scanned/s", "free scanner"),
      ("compact_daemon_migrate_scanned/s", "kcompactd migrate scanner")]),
    ("Compaction: direct compaction outcomes per second", "events/s",
     [("compact_stall/s", "compact_stall"), ("compact_success/s", "compact_success"),
      ("compact_fail/s", "compact_fail")]),
    ("Reclaim: pages scanned per second", "pages/s",
     [("pgscan_kswapd/s", "pgscan_kswapd"), ("pgscan_direct/s", "pgscan_direct")]),
    ("Reclaim: pages reclaimed per second", "pages/s",
     [("pgsteal_kswapd/s", "pgsteal_kswapd"), ("pgsteal_direct/s", "pgsteal_direct")]),
]
_LINESTYLES = ["-", "--", ":", "-."]


def plot_work(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """Compaction and reclaim work over time (rates of the vmstat counters)."""
    fig, axes = new_figure("grid", 2, 2, sharex=True)
    for ax, (title, unit, series) in zip(axes.ravel(), WORK_PANELS):
        drawn = False
        for k, (name, label) in enumerate(series):
            for pol, ids in groups.items():
                b = band(exp, ids, name)
                if b is None or is_empty(b[1]):
                    continue
                t, mean, lo, hi, n = b
                c = policy_color(pol)
                ax.plot(t, mean, color=c, ls=_LINESTYLES[k % 4], lw=1.5, label=f"{label}, {pol}")
                if n > 1:
                    ax.fill_between(t, np.maximum(lo, 0.0), hi, color=c, alpha=0.15, lw=0)
                drawn = True
        _finish(ax, unit, title, drawn, "no data: these counters stayed at zero\n(" +
                ", ".join(n[:-2] for n, _ in series) + ")")
    return save(fig, outdir, "work", "Compaction and reclaim work over time",
                "Rates of the /proc/vmstat compaction and reclaim counters per sample interval, mean over seeds "
                "per policy (line style: counter; colour: policy; band: 95% CI).", "ab")


#: The A/B grid: (series, y label, title, scale).
AB_SERIES = [
    ("free_2m_now", "2 MiB blocks", "2 MiB blocks free now", 1.0),
    ("gib_free_now", "1 GiB pages", "1 GiB allocatable now", 1.0),
    ("thp_success_interval", "%", "THP fault success per interval", 100.0),
    ("pb_mixed", "pageblocks", "Mixed pageblocks", 1.0),
    ("spb_tainted", "SPBs", "Tainted superpageblocks", 1.0),
    ("extfrag", "events", "Fallbacks (extfrag), cumulative", 1.0),
]


def plot_ab(exp: Experiment, groups: dict[str, list[int]], outdir: Path) -> PlotFile:
    """The key series per policy, mean with 95% CI across seeds."""
    fig, axes = new_figure("grid", 2, 3, sharex=True)
    for ax, (name, unit, title, scale) in zip(axes.ravel(), AB_SERIES):
        drawn = draw_band(ax, exp, groups, name, scale)
        _finish(ax, unit, title, drawn, f"{name} stayed at 0 in every run" if getattr(ax, "_fragsim_zero", False)
                else f"no data ({name})")
    seeds = ", ".join(f"{p}: {len(v)} run{'s' if len(v) != 1 else ''}" for p, v in groups.items())
    fig.suptitle(f"A/B: mean and 95% confidence band across seeds ({seeds})", fontsize=11)
    return save(fig, outdir, "ab_timeseries", "A/B time series per policy",
                "Each panel: one line per policy, the mean over its seeds epoch by epoch, shaded 95% confidence "
                "interval (Student t, n-1 degrees of freedom).", "ab")
