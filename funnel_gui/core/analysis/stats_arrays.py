"""Array forms of `stats.wilson_interval` and `stats.two_proportion_p_value`, for the
segment comparison (§10), which tests every group at every step: 1000 groups × 8 steps
took about a second as scalar library calls, mostly scipy's argument checking.

The numbers are the scalar functions' own (tests/core/test_stats_arrays.py checks them
on random counts): Wilson intervals are
:func:`statsmodels.stats.proportion.proportion_confint`, which takes arrays, with the
same exact edges; the pooled z test repeats, elementwise, the arithmetic of
:func:`statsmodels.stats.proportion.proportions_ztest` (which tests one pair per call)
with :func:`scipy.special.ndtr`, the function `scipy.stats.norm.sf` calls.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from statsmodels.stats.proportion import proportion_confint

from funnel_gui.core.analysis.stats import _check_counts, _z_for


def _checked(successes: np.ndarray, n: np.ndarray, name: str = "") -> None:
    """`stats._check_counts` for every pair: the first bad pair raises its ValueError."""
    bad = np.flatnonzero((n < 0) | (successes < 0) | (successes > n))
    if len(bad):
        _check_counts(int(successes[bad[0]]), int(n[bad[0]]), name)


def wilson_intervals(
    successes: np.ndarray, n: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """`stats.wilson_interval` of each (successes, n) pair: (lows, highs), nan where
    n == 0, exactly 0 below where successes == 0 and 1 above where successes == n."""
    s = np.asarray(successes, dtype=np.int64)
    total = np.asarray(n, dtype=np.int64)
    _checked(s, total)
    _z_for(confidence)
    low = np.full(len(s), np.nan)
    high = np.full(len(s), np.nan)
    some = np.flatnonzero(total > 0)
    if not len(some):
        return low, high
    s, total = s[some], total[some]
    lo, hi = proportion_confint(s, total, alpha=1.0 - confidence, method="wilson")
    p_hat = s / total
    low[some] = np.where(s == 0, 0.0, np.minimum(np.maximum(lo, 0.0), p_hat))
    high[some] = np.where(s == total, 1.0, np.maximum(np.minimum(hi, 1.0), p_hat))
    return low, high


def two_proportion_p_values(
    s1: np.ndarray, n1: np.ndarray, s2: np.ndarray, n2: np.ndarray
) -> np.ndarray:
    """`stats.two_proportion_p_value` of each pair of groups: nan where a group is empty,
    1 where the pooled rate is 0 or 1."""
    a, na = np.asarray(s1, dtype=np.int64), np.asarray(n1, dtype=np.int64)
    b, nb = np.asarray(s2, dtype=np.int64), np.asarray(n2, dtype=np.int64)
    _checked(a, na, "group 1")
    _checked(b, nb, "group 2")
    out = np.full(len(a), np.nan)
    both = (na > 0) & (nb > 0)
    pooled = np.zeros(len(a))
    pooled[both] = (a[both] + b[both]) * 1.0 / (na[both] + nb[both])
    out[both & ((pooled == 0.0) | (pooled == 1.0))] = 1.0
    tested = np.flatnonzero(both & (pooled > 0.0) & (pooled < 1.0))
    a, na, b, nb, p = a[tested], na[tested], b[tested], nb[tested], pooled[tested]
    # proportions_ztest's steps, in its order: diff / sqrt(p (1 - p) (1/n1 + 1/n2)).
    diff = a * 1.0 / na - b * 1.0 / nb
    std = np.sqrt(p * (1 - p) * (1.0 / na + 1.0 / nb))
    out[tested] = np.minimum(1.0, special.ndtr(-np.abs(diff / std)) * 2)
    return out
