"""Pearson and Spearman correlation with their two-sided p-values (Student's t, n - 2 degrees of freedom), no SciPy."""

import math
from typing import NamedTuple

import numpy as np

_MAX_TERMS = 300    # continued-fraction terms; it converges in far fewer for every n a test file has
_TINY = 1e-300


class Correlation(NamedTuple):
    """A coefficient and its two-sided p-value, shaped like SciPy's pearsonr/spearmanr results."""

    statistic: float
    pvalue: float


def average_ranks(values):
    """1-based ranks, ties sharing their mean rank (scipy.stats.rankdata's 'average')."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    return ranks


def pearson(x, y):
    """Pearson's r, or None when either side is constant or has fewer than two values."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return None
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else None


def spearman(x, y):
    """Spearman's rho: Pearson's r of the average ranks."""
    return pearson(average_ranks(x), average_ranks(y)) if len(x) >= 2 else None


def _beta_fraction(a, b, x):
    """The continued fraction of the regularized incomplete beta function (modified Lentz's method)."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    total = d
    for m in range(1, _MAX_TERMS + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            total *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return total


def incomplete_beta(a, b, x):
    """The regularized incomplete beta function I_x(a, b) for 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):   # the fraction converges fast on this side; use the symmetry otherwise
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def correlation_pvalue(r, n):
    """Two-sided p-value of a correlation ``r`` of ``n`` pairs under no correlation: t = r sqrt((n-2)/(1-r^2))
    with n - 2 degrees of freedom (what SciPy's pearsonr and spearmanr report); nan for n < 3 or no r."""
    if r is None or n < 3:
        return float("nan")
    freedom = n - 2
    if abs(r) >= 1.0:
        return 0.0
    t_squared = r * r * freedom / (1.0 - r * r)
    return incomplete_beta(freedom / 2.0, 0.5, freedom / (freedom + t_squared))


def with_pvalue(r, n):
    """``Correlation(r, p)``; nan for an undefined coefficient."""
    return Correlation(float("nan") if r is None else r, correlation_pvalue(r, n))
