"""funnel_gui.core.analysis.stats against published worked examples, hand arithmetic and properties.

Two independent oracles are used besides the published numbers:
* ``statistics.NormalDist`` (stdlib, Wichura's AS 241) for the normal quantile;
* a bisection on Wilson's score equation ``(p̂ − π)² = z² π (1 − π) / n``, written below
  without the closed form the module uses, for Wilson limits.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnel_gui.core.analysis.stats import (
    ProportionComparison,
    compare_proportions,
    holm_adjust,
    newcombe_difference_interval,
    normal_quantile,
    normal_sf,
    odds_ratio_smoothed,
    two_proportion_p_value,
    wilson_interval,
)

NAN = math.nan
Z95 = NormalDist().inv_cdf(0.975)


def _nan_pair(pair: tuple[float, float]) -> bool:
    return math.isnan(pair[0]) and math.isnan(pair[1])


# ---------------------------------------------------------------- independent oracle


def _score_limits(s: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson limits found by bisecting the score equation (no closed form)."""
    p = s / n

    def f(pi: float) -> float:
        return (p - pi) ** 2 - z * z * pi * (1 - pi) / n

    def bisect(a: float, b: float) -> float:
        fa = f(a)
        for _ in range(200):
            m = (a + b) / 2
            if (f(m) > 0) == (fa > 0):
                a, fa = m, f(m)
            else:
                b = m
        return (a + b) / 2

    return (0.0 if s == 0 else bisect(0.0, p), 1.0 if s == n else bisect(p, 1.0))


# ------------------------------------------------------------------------- normal


def test_normal_quantile_known_values() -> None:
    # Standard table values: z_0.975 = 1.959963984540054, z_0.995 = 2.575829303548901.
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-14)
    assert normal_quantile(0.995) == pytest.approx(2.575829303548901, abs=1e-14)
    assert normal_quantile(0.5) == 0.0
    assert normal_quantile(0.0) == -math.inf
    assert normal_quantile(1.0) == math.inf
    assert math.isnan(normal_quantile(NAN))
    with pytest.raises(ValueError, match="probability"):
        normal_quantile(1.5)


@pytest.mark.parametrize(
    "p", [1e-300, 1e-100, 1e-20, 1e-9, 0.001, 0.02425, 0.025, 0.2, 0.4999, 0.5001, 0.9, 0.99999]
)
def test_normal_quantile_matches_stdlib(p: float) -> None:
    assert normal_quantile(p) == pytest.approx(NormalDist().inv_cdf(p), rel=1e-14, abs=1e-14)


@given(st.floats(min_value=1e-300, max_value=1.0, exclude_max=True))
def test_normal_quantile_property(p: float) -> None:
    x = normal_quantile(p)
    assert x == pytest.approx(NormalDist().inv_cdf(p), rel=1e-13, abs=1e-13)
    # The upper tail at -x is the lower tail at x, i.e. p.
    assert normal_sf(-x) == pytest.approx(p, rel=1e-12)


def test_normal_sf_known_values() -> None:
    # Φ(1.96) = 0.9750021048517795, so P(Z > 1.96) = 0.0249978951482205.
    assert normal_sf(1.96) == pytest.approx(0.0249978951482205, rel=1e-13)
    assert normal_sf(0.0) == 0.5
    assert normal_sf(math.inf) == 0.0
    assert normal_sf(-math.inf) == 1.0
    # Far tail keeps relative precision (no 1 − cdf cancellation): P(Z > 10) ≈ 7.6199e-24.
    assert normal_sf(10.0) == pytest.approx(7.619853024160527e-24, rel=1e-12)


# ------------------------------------------------------------------------- Wilson


def test_wilson_newcombe_1998a_example() -> None:
    # Newcombe (1998a) "Two-sided confidence intervals for the single proportion",
    # Stat Med 17:857-872: 81/263, method 3 (Wilson score, no CC) gives 0.2553 to 0.3662.
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    # By hand: z = 1.959964, z² = 3.841459, 4·s·(n − s)/n = 4·81·182/263 = 224.212928,
    # root = z·√(z² + 224.212928) = 1.959964 · 15.101470 = 29.598337,
    # limits = (2·81 + 3.841459 ∓ 29.598337) / (2·(263 + 3.841459))
    #        = 136.243122 / 533.682918 and 195.439796 / 533.682918 = 0.255289 and 0.366210.
    assert lo == pytest.approx(136.243122 / 533.682918, abs=1e-6)
    assert hi == pytest.approx(195.439796 / 533.682918, abs=1e-6)


@pytest.mark.parametrize(
    ("s", "n"),
    [(81, 263), (56, 70), (48, 80), (9, 10), (3, 10), (0, 10), (10, 10), (1, 1), (5, 56), (1, 29)],
)
def test_wilson_matches_score_equation(s: int, n: int) -> None:
    expected = _score_limits(s, n)
    assert wilson_interval(s, n) == pytest.approx(expected, abs=1e-12)


def test_wilson_other_confidence_matches_score_equation() -> None:
    z99 = NormalDist().inv_cdf(0.995)
    assert wilson_interval(81, 263, 0.99) == pytest.approx(_score_limits(81, 263, z99), abs=1e-12)


def test_wilson_edges() -> None:
    assert _nan_pair(wilson_interval(0, 0))
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="group size"):
        wilson_interval(0, -1)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 10, confidence=1.0)


@st.composite
def counts(draw: st.DrawFn, max_n: int = 1_000_000, min_n: int = 0) -> tuple[int, int]:
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    s = draw(st.integers(min_value=0, max_value=n))
    return s, n


@given(counts(min_n=1), st.floats(min_value=0.5, max_value=0.9999))
def test_wilson_contains_estimate_within_unit_interval(sn: tuple[int, int], conf: float) -> None:
    s, n = sn
    lo, hi = wilson_interval(s, n, conf)
    assert 0.0 <= lo <= s / n <= hi <= 1.0


@given(counts(min_n=1, max_n=10_000))
def test_wilson_nested_in_confidence(sn: tuple[int, int]) -> None:
    s, n = sn
    lo90, hi90 = wilson_interval(s, n, 0.90)
    lo99, hi99 = wilson_interval(s, n, 0.99)
    assert lo99 <= lo90
    assert hi90 <= hi99


# ----------------------------------------------------------------------- Newcombe


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2", "diff", "lower", "upper"),
    [
        # Newcombe (1998b) Stat Med 17:873-890, Table II, method 10 (as quoted in the brief).
        (56, 70, 48, 80, 0.2000, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.6000, 0.1705, 0.8090),
    ],
)
def test_newcombe_1998b_examples(
    s1: int, n1: int, s2: int, n2: int, diff: float, lower: float, upper: float
) -> None:
    lo, hi = newcombe_difference_interval(s1, n1, s2, n2)
    assert round(s1 / n1 - s2 / n2, 4) == diff
    assert (round(lo, 4), round(hi, 4)) == (lower, upper)


def test_newcombe_by_hand_56_70_vs_48_80() -> None:
    # Method 10 from the two Wilson intervals (each checked against bisection above):
    # 56/70: p1 = 0.8, (l1, u1) = (0.691834, 0.876953);
    # 48/80: p2 = 0.6, (l2, u2) = (0.490455, 0.700382).
    # lower = 0.2 − √((0.8 − 0.691834)² + (0.700382 − 0.6)²) = 0.2 − √(0.011700 + 0.010076)
    #       = 0.2 − 0.147569 = 0.052431
    # upper = 0.2 + √((0.876953 − 0.8)² + (0.6 − 0.490455)²) = 0.2 + √(0.005922 + 0.012000)
    #       = 0.2 + 0.133873 = 0.333873
    lo, hi = newcombe_difference_interval(56, 70, 48, 80)
    assert lo == pytest.approx(0.052431, abs=2e-6)
    assert hi == pytest.approx(0.333873, abs=2e-6)


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2"),
    # Zero cells and small groups, limits derived independently (bisection) below.
    [(6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20), (0, 10, 0, 10), (10, 10, 0, 20), (1, 1, 0, 1)],
)
def test_newcombe_matches_independent_construction(s1: int, n1: int, s2: int, n2: int) -> None:
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = _score_limits(s1, n1)
    l2, u2 = _score_limits(s2, n2)
    d = p1 - p2
    expected = (d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2))
    assert newcombe_difference_interval(s1, n1, s2, n2) == pytest.approx(expected, abs=1e-12)


def test_newcombe_empty_group() -> None:
    assert _nan_pair(newcombe_difference_interval(0, 0, 3, 10))
    assert _nan_pair(newcombe_difference_interval(3, 10, 0, 0))


@given(counts(min_n=1), counts(min_n=1))
def test_newcombe_contains_difference(a: tuple[int, int], b: tuple[int, int]) -> None:
    lo, hi = newcombe_difference_interval(*a, *b)
    d = a[0] / a[1] - b[0] / b[1]
    assert -1.0 <= lo <= d <= hi <= 1.0
    # Swapping the groups mirrors the interval.
    lo2, hi2 = newcombe_difference_interval(*b, *a)
    assert lo2 == pytest.approx(-hi, abs=1e-15)
    assert hi2 == pytest.approx(-lo, abs=1e-15)


# ------------------------------------------------------------- two-proportion test


def test_two_proportion_by_hand() -> None:
    # 56/70 vs 48/80 (the Newcombe example a), worked in exact fractions:
    # pooled p̄ = 104/150, 1 − p̄ = 46/150, p̄(1 − p̄) = 4784/22500;
    # 1/70 + 1/80 = 150/5600 = 3/112; variance = 4784/22500 · 3/112 = 299/52500;
    # (p1 − p2)² = 0.2² = 1/25, so z² = (1/25) / (299/52500) = 2100/299 = 7.023411,
    # z = 2.650172.  Cross-check with Pearson's χ² of the table [[56, 14], [48, 32]]:
    # N (ad − bc)² / (r1 r2 c1 c2) = 150 · (1792 − 672)² / (70 · 80 · 104 · 46)
    #   = 188 160 000 / 26 790 400 = 7.023411 = 2100/299 (z² = χ² as it must).
    # Two-sided p = 2·(1 − Φ(2.650)); a normal table gives Φ(2.65) = 0.99598, so
    # p ≈ 2 · 0.00402 = 0.0080.  Exactly: p = erfc(z/√2) = P(χ²₁ > 2100/299).
    z2 = 2100 / 299
    assert math.sqrt(z2) == pytest.approx(2.650172, abs=1e-6)
    p = two_proportion_p_value(56, 70, 48, 80)
    assert p == pytest.approx(math.erfc(math.sqrt(z2 / 2)), rel=1e-12)
    assert p == pytest.approx(0.0080, abs=5e-5)


def test_two_proportion_edges() -> None:
    assert math.isnan(two_proportion_p_value(0, 0, 3, 10))
    assert math.isnan(two_proportion_p_value(3, 10, 0, 0))
    # Pooled rate 0 or 1: identical rates, no evidence of a difference.
    assert two_proportion_p_value(0, 10, 0, 20) == 1.0
    assert two_proportion_p_value(10, 10, 20, 20) == 1.0
    # Identical rates otherwise: z = 0.
    assert two_proportion_p_value(3, 10, 6, 20) == pytest.approx(1.0)


@given(counts(), counts())
def test_two_proportion_p_value_range_and_symmetry(a: tuple[int, int], b: tuple[int, int]) -> None:
    p = two_proportion_p_value(*a, *b)
    if a[1] == 0 or b[1] == 0:
        assert math.isnan(p)
        return
    assert 0.0 <= p <= 1.0
    assert two_proportion_p_value(*b, *a) == p


# ---------------------------------------------------------------------- odds ratio


def test_odds_ratio_smoothed_by_hand() -> None:
    # Cells +1: (56+1)(32+1) / ((14+1)(48+1)) = 57·33 / (15·49) = 1881/735 = 2.559184.
    assert odds_ratio_smoothed(56, 70, 48, 80) == pytest.approx(1881 / 735, rel=1e-15)
    # A zero cell stays finite: 0/10 vs 5/10 → (0+1)(5+1) / ((10+1)(5+1)) = 6/66 = 1/11.
    assert odds_ratio_smoothed(0, 10, 5, 10) == pytest.approx(1 / 11, rel=1e-15)
    assert math.isnan(odds_ratio_smoothed(0, 0, 5, 10))


@given(counts(min_n=1), counts(min_n=1))
def test_odds_ratio_reciprocal_when_swapped(a: tuple[int, int], b: tuple[int, int]) -> None:
    forward = odds_ratio_smoothed(*a, *b)
    assert forward > 0.0
    assert forward * odds_ratio_smoothed(*b, *a) == pytest.approx(1.0, rel=1e-12)


# ---------------------------------------------------------------------------- Holm


def test_holm_textbook_example() -> None:
    # Wikipedia, "Holm–Bonferroni method", example: four hypotheses at α = 0.05 with
    # p = 0.01, 0.04, 0.03, 0.005. Sorted: 0.005, 0.01, 0.03, 0.04, m = 4.
    # Step-down products: 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, 1·0.04 = 0.04,
    # running maximum: 0.02, 0.03, 0.06, 0.06. Back in input order: 0.03, 0.06, 0.06, 0.02
    # — H1 and H4 rejected at 0.05, H2 and H3 not, as the worked example concludes.
    adjusted = holm_adjust([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02], abs=1e-15)
    assert [a <= 0.05 for a in adjusted] == [True, False, False, True]


def test_holm_cap_nan_and_empty() -> None:
    # m = 3 (the NaN does not count): 3·0.2 = 0.6, 2·0.3 = 0.6, min(1, 1·0.9) = 0.9.
    assert holm_adjust([0.3, NAN, 0.2, 0.9]) == pytest.approx([0.6, NAN, 0.6, 0.9], nan_ok=True)
    # 2·0.7 = 1.4 is capped at 1.
    assert holm_adjust([0.7, 0.8]) == [1.0, 1.0]
    assert holm_adjust([]) == []
    assert holm_adjust([0.04]) == [0.04]
    with pytest.raises(ValueError, match="p-values"):
        holm_adjust([0.1, 1.5])


probabilities = st.one_of(st.floats(min_value=0.0, max_value=1.0), st.just(NAN))


@given(st.lists(probabilities, max_size=30))
def test_holm_properties(raw: list[float]) -> None:
    adjusted = holm_adjust(raw)
    assert len(adjusted) == len(raw)
    m = sum(not math.isnan(p) for p in raw)
    for r, a in zip(raw, adjusted, strict=True):
        if math.isnan(r):
            assert math.isnan(a)
            continue
        assert r <= a <= 1.0
        assert a <= min(1.0, m * r)  # never worse than Bonferroni
    pairs = [(r, a) for r, a in zip(raw, adjusted, strict=True) if not math.isnan(r)]
    for r1, a1 in pairs:
        for r2, a2 in pairs:
            if r1 <= r2:
                assert a1 <= a2


# ----------------------------------------------------------------- comparison


def test_compare_proportions_newcombe_example() -> None:
    c = compare_proportions(56, 70, 48, 80)
    assert isinstance(c, ProportionComparison)
    assert (c.n_a, c.n_b) == (70, 80)
    assert (c.rate_a, c.rate_b) == (0.8, 0.6)
    assert c.ci_a == wilson_interval(56, 70)
    assert c.ci_b == wilson_interval(48, 80)
    assert c.difference == pytest.approx(0.2)
    assert c.difference_ci == pytest.approx((0.052431, 0.333873), abs=2e-6)
    assert c.relative_lift == pytest.approx(1 / 3)  # 0.8 / 0.6 − 1
    assert c.p_value == two_proportion_p_value(56, 70, 48, 80)
    assert c.odds_ratio == pytest.approx(1881 / 735)
    assert c.too_few is False


def test_compare_proportions_small_and_empty_groups() -> None:
    small = compare_proportions(9, 10, 3, 10)
    assert small.too_few is True
    assert small.difference_ci == pytest.approx((0.1705, 0.8090), abs=5e-5)
    assert compare_proportions(9, 30, 3, 30).too_few is False
    assert compare_proportions(9, 30, 3, 29).too_few is True
    assert compare_proportions(9, 10, 3, 10, min_group=10).too_few is False

    zero_b = compare_proportions(5, 50, 0, 40)
    assert math.isnan(zero_b.relative_lift)
    assert zero_b.ci_b[0] == 0.0

    empty = compare_proportions(0, 0, 3, 40)
    assert empty.n_a == 0
    assert empty.too_few
    for value in (empty.rate_a, empty.difference, empty.relative_lift, empty.p_value):
        assert math.isnan(value)
    assert math.isnan(empty.odds_ratio)
    assert _nan_pair(empty.ci_a)
    assert _nan_pair(empty.difference_ci)
    assert empty.rate_b == pytest.approx(3 / 40)
