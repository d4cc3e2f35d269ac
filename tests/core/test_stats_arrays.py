"""The array forms in core/analysis/stats_arrays.py give the scalar library calls' numbers
(core/analysis/stats.py, statsmodels/scipy) on random counts and on every edge case."""

from __future__ import annotations

import math

import numpy as np
import pytest

from funnel_gui.core.analysis.stats import two_proportion_p_value, wilson_interval
from funnel_gui.core.analysis.stats_arrays import two_proportion_p_values, wilson_intervals

TOLERANCE = 1e-12


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOLERANCE


def _counts(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    n = rng.integers(0, 50, size) * rng.integers(1, 1000, size) // 100
    s = (rng.random(size) * (n + 1)).astype(np.int64)
    return np.minimum(s, n), n


# Every edge: empty groups, none or all converting, pooled rate 0 or 1.
EDGES = [(0, 0, 0, 0), (0, 0, 3, 5), (0, 5, 0, 7), (5, 5, 7, 7), (0, 5, 7, 7), (1, 1, 0, 9)]


def test_wilson_intervals_are_the_scalar_ones() -> None:
    rng = np.random.default_rng(7)
    s, n = _counts(rng, 3000)
    s = np.concatenate((s, [e[0] for e in EDGES], [e[2] for e in EDGES]))
    n = np.concatenate((n, [e[1] for e in EDGES], [e[3] for e in EDGES]))
    for confidence in (0.95, 0.8):
        lows, highs = wilson_intervals(s, n, confidence)
        for i in range(len(s)):
            low, high = wilson_interval(int(s[i]), int(n[i]), confidence)
            assert _same(lows[i], low), (s[i], n[i])
            assert _same(highs[i], high), (s[i], n[i])


def test_two_proportion_p_values_are_the_scalar_ones() -> None:
    rng = np.random.default_rng(11)
    s1, n1 = _counts(rng, 3000)
    s2, n2 = _counts(rng, 3000)
    edges = np.array(EDGES, dtype=np.int64).T
    s1, n1, s2, n2 = (np.concatenate((a, e)) for a, e in zip((s1, n1, s2, n2), edges, strict=True))
    got = two_proportion_p_values(s1, n1, s2, n2)
    for i in range(len(s1)):
        expected = two_proportion_p_value(int(s1[i]), int(n1[i]), int(s2[i]), int(n2[i]))
        assert _same(got[i], expected), (s1[i], n1[i], s2[i], n2[i])
    assert list(got[-len(EDGES) :][:4]) == pytest.approx(
        [math.nan, math.nan, 1.0, 1.0], nan_ok=True
    )


@pytest.mark.parametrize(
    ("s", "n", "message"),
    [([3], [2], "successes must be"), ([-1], [4], "successes must be"), ([1], [-1], "group size")],
    ids=["more than n", "negative", "n<0"],
)
def test_bad_counts_raise_as_the_scalar_functions_do(
    s: list[int], n: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        wilson_intervals(np.array(s), np.array(n))
    with pytest.raises(ValueError, match=message):
        two_proportion_p_values(np.array(s), np.array(n), np.array([0]), np.array([1]))


def test_empty_input_gives_empty_arrays() -> None:
    lows, highs = wilson_intervals(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert len(lows) == len(highs) == 0
    none = np.zeros(0, dtype=np.int64)
    assert len(two_proportion_p_values(none, none, none, none)) == 0
