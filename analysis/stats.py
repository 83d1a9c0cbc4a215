# SPDX-License-Identifier: MIT
"""Statistics for comparisons across seeds, with no dependency beyond numpy.

The Student t distribution is computed here: its CDF through the regularized
incomplete beta function (continued fraction, modified Lentz, as in Numerical
Recipes' ``betacf``), its quantile by bisection on the CDF. Accurate to
~1e-10, far beyond what a 95% interval needs.

- :func:`summarize`: n, mean, sample standard deviation, 95% CI half-width
  ``t(0.975, n-1) * sd / sqrt(n)``.
- :func:`paired_t_test`: two policies matched by seed (``d_i = b_i - a_i``).
- :func:`welch_t_test`: unmatched samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["t_cdf", "t_ppf", "summarize", "Summary", "TestResult", "paired_t_test", "welch_t_test",
           "compare"]


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0, 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    front = math.exp(lbeta + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if df <= 0 or math.isnan(t):
        return math.nan
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))   # P(T > |t|)
    return 1.0 - tail if t >= 0 else tail


def t_ppf(p: float, df: float) -> float:
    """The quantile of Student's t: the t with t_cdf(t, df) = p (0 < p < 1)."""
    if not 0.0 < p < 1.0 or df <= 0:
        return math.nan
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
        if hi > 1e12:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Summary:
    """Mean and 95% confidence interval of a sample (NaNs dropped)."""
    n: int
    mean: float
    sd: float
    ci95: float          # half-width; NaN when n < 2

    @property
    def lo(self) -> float:
        return self.mean - self.ci95

    @property
    def hi(self) -> float:
        return self.mean + self.ci95


def summarize(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Summary:
    """n, mean, sample sd (ddof 1) and the Student-t CI half-width at ``level``."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Summary(0, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return Summary(1, mean, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = t_ppf(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)
    return Summary(n, mean, sd, half)


def ci_halfwidth(sd: np.ndarray, n: np.ndarray, level: float = 0.95) -> np.ndarray:
    """Vectorised CI half-widths for arrays of sd and n (NaN where n < 2)."""
    sd = np.asarray(sd, dtype=float)
    n = np.asarray(n)
    out = np.full(sd.shape, np.nan)
    for k in np.unique(n):
        if k >= 2:
            sel = n == k
            out[sel] = t_ppf(0.5 + level / 2.0, int(k) - 1) * sd[sel] / math.sqrt(int(k))
    return out


@dataclass(frozen=True)
class TestResult:
    """A two-sided t-test of ``b - a``."""
    kind: str            # "paired", "welch" or "none"
    n: int               # pairs (paired) or min(n_a, n_b)
    t: float
    df: float
    p: float

    def significant(self, alpha: float = 0.05) -> bool:
        return not math.isnan(self.p) and self.p < alpha


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Paired two-sided t-test of ``b - a`` (the i-th values are the same seed)."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    d = d[~np.isnan(d)]
    n = int(d.size)
    if n < 2:
        return TestResult("paired", n, math.nan, math.nan, math.nan)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0.0:
        # Every seed moved by exactly the same amount: no noise at all.
        return TestResult("paired", n, 0.0 if mean == 0 else math.copysign(math.inf, mean), n - 1,
                          1.0 if mean == 0 else 0.0)
    t = mean / (sd / math.sqrt(n))
    p = 2.0 * (1.0 - t_cdf(abs(t), n - 1))
    return TestResult("paired", n, t, n - 1, p)


def welch_t_test(a: Sequence[float], b: Sequence[float]) -> TestResult:
    """Welch's two-sided t-test of mean(b) - mean(a) (unequal variances)."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size < 2 or y.size < 2:
        return TestResult("welch", int(min(x.size, y.size)), math.nan, math.nan, math.nan)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    diff = float(y.mean() - x.mean())
    if va + vb == 0.0:
        return TestResult("welch", int(min(x.size, y.size)), 0.0 if diff == 0 else math.copysign(math.inf, diff),
                          math.nan, 1.0 if diff == 0 else 0.0)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (x.size - 1) + vb ** 2 / (y.size - 1))
    p = 2.0 * (1.0 - t_cdf(abs(t), df))
    return TestResult("welch", int(min(x.size, y.size)), t, float(df), p)


def compare(a: dict[int, float], b: dict[int, float]) -> TestResult:
    """Test b against a, values keyed by seed: paired on the common seeds when
    there are at least two, Welch's test otherwise."""
    common = sorted(set(a) & set(b))
    if len(common) >= 2:
        return paired_t_test([a[s] for s in common], [b[s] for s in common])
    if len(a) >= 2 and len(b) >= 2:
        return welch_t_test(list(a.values()), list(b.values()))
    return TestResult("none", 0, math.nan, math.nan, math.nan)
