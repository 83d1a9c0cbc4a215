# SPDX-License-Identifier: MIT
"""Helpers shared by the plot modules: run groups, series lookup, bands across seeds."""
from __future__ import annotations

import numpy as np

from ..fragdb import Experiment
from ..stats import ci_halfwidth

__all__ = ["runs_by_policy", "representative", "run_series", "band", "RATE_SUFFIX", "is_empty"]

RATE_SUFFIX = "/s"


def runs_by_policy(exp: Experiment, policies: list[str] | None = None) -> dict[str, list[int]]:
    """Complete runs with an HDF5 file, grouped by policy (in ``policies`` order), sorted by seed."""
    r = exp.complete_runs()
    out: dict[str, list[int]] = {}
    for p in policies or exp.policies():
        sel = r[r["policy"] == p]
        ids = [int(i) for i, _ in sorted(((i, s) for i, s in zip(sel.index, sel["seed"])), key=lambda x: x[1])]
        ids = [i for i in ids if exp.has_h5(i) and exp.run(i).nr_epochs() > 0]
        if ids:
            out[p] = ids
    return out


def representative(exp: Experiment, policy: str) -> int | None:
    """The policy's run with the lowest seed (used for single-run pictures)."""
    g = runs_by_policy(exp, [policy])
    return g[policy][0] if g else None


def _events_cumulative(exp: Experiment, rid: int, type_: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ev = exp.events_of(type_, [rid])
    if ev.empty:
        return np.zeros(len(t)), np.zeros(len(t))
    ts = np.sort(ev["t_s"].to_numpy())
    ok = np.sort(ev.loc[ev["outcome"] == "ok", "t_s"].to_numpy())
    return (np.searchsorted(ts, t, side="right").astype(float), np.searchsorted(ok, t, side="right").astype(float))


def run_series(exp: Experiment, rid: int, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(t_s, values) of a series of one run, or None if the run does not have it.

    ``name`` is a column of :meth:`Experiment.series`, optionally with the suffix
    ``/s`` (the rate of a cumulative counter per epoch interval), or one of the
    event-derived series ``hugetlb_1g_attempts``, ``hugetlb_1g_ok``,
    ``hugetlb_1g_success_cumulative`` (successes / attempts since the start).
    """
    s = exp.series(rid)
    if s.empty:
        return None
    t = s.index.to_numpy(dtype=float)
    if name.startswith("hugetlb_1g_"):
        att, ok = _events_cumulative(exp, rid, "hugetlb_1g", t)
        if name == "hugetlb_1g_attempts":
            return t, att
        if name == "hugetlb_1g_ok":
            return t, ok
        with np.errstate(invalid="ignore", divide="ignore"):
            return t, np.where(att > 0, ok / np.maximum(att, 1), np.nan)
    rate = name.endswith(RATE_SUFFIX)
    col = name[:-len(RATE_SUFFIX)] if rate else name
    if col not in s.columns:
        return None
    v = s[col].to_numpy(dtype=float)
    if rate:
        dt = np.diff(t, prepend=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.diff(v, prepend=np.nan) / dt
    return t, v


def band(exp: Experiment, run_ids: list[int], name: str):
    """Mean and 95% CI across runs, epoch by epoch (runs cut to the shortest).

    Returns (t, mean, lo, hi, n) or None when no run has the series.
    """
    got = [x for x in (run_series(exp, r, name) for r in run_ids) if x is not None]
    if not got:
        return None
    T = min(len(t) for t, _ in got)
    t = got[0][0][:T]
    v = np.stack([y[:T] for _, y in got])
    n = (~np.isnan(v)).sum(axis=0)
    with np.errstate(invalid="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0, ddof=1) if v.shape[0] > 1 else np.full(T, np.nan)
    half = ci_halfwidth(sd, n)
    return t, mean, mean - half, mean + half, len(got)


def is_empty(values) -> bool:
    """No data worth a plot: nothing, all NaN, or all zero."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return True
    v = v[~np.isnan(v)]
    return v.size == 0 or not np.any(v != 0)
