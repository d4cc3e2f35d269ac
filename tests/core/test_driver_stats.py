"""The Drivers statistics (FUNNEL_SEMANTICS §12) against hand arithmetic and textbook values.

Expected numbers are computed here with plain formulas (the arithmetic is written out in
the comments), never by calling the code under test; the vectorised Mantel–Haenszel is
held to the statsmodels-based single-candidate version on random tables.
"""

from __future__ import annotations

import math
import time
from statistics import NormalDist

import numpy as np
import pytest

from funnel_gui.core.analysis.driver_stats import (
    ab_test_days,
    ab_test_size,
    benjamini_hochberg,
    mantel_haenszel_risk_difference,
    mh_risk_difference_many,
    raw_comparisons,
)
from funnel_gui.core.analysis.stats import newcombe_difference_interval, two_proportion_p_value
from funnel_gui.core.analysis.survival import kaplan_meier

NAN = math.nan
Z95 = NormalDist().inv_cdf(0.975)

# Two strata, exposed x1 of n1 converted, unexposed x0 of n0:
#   stratum 1: 20/50 vs 10/50, N = 100        stratum 2: 6/20 vs 16/80, N = 100
TWO_STRATA = ([20, 6], [50, 20], [10, 16], [50, 80])


# ------------------------------------------------------------- Mantel–Haenszel, by hand


def _hand_two_strata() -> dict[str, float]:
    # Weights w = n1·n0/N: 50·50/100 = 25 and 20·80/100 = 16, Σw = 41.
    # Stratum differences: 0.4 − 0.2 = 0.2 and 0.3 − 0.2 = 0.1.
    # MH difference = (25·0.2 + 16·0.1) / 41 = (5 + 1.6) / 41 = 6.6/41 = 0.160976.
    difference = 6.6 / 41
    # Greenland–Robins: Σ (x1(n1−x1)n0³ + x0(n0−x0)n1³) / (n1·n0·N²) / (Σw)²
    #   stratum 1: (20·30·50³ + 10·40·50³) / (50·50·100²) = (75e6 + 50e6) / 25e6 = 5.0
    #   stratum 2: (6·14·80³ + 16·64·20³) / (20·80·100²) = (43.008e6 + 8.192e6) / 16e6 = 3.2
    # (the same as Σ w²(p1q1/n1 + p0q0/n0): 625·0.008 = 5.0 and 256·0.0125 = 3.2)
    # variance = 8.2 / 41² = 8.2 / 1681 = 1/205 = 0.00487805
    variance = 8.2 / 1681
    # CMH: Σ (x1 − n1·m1/N) with m1 = x1 + x0: (20 − 50·30/100) + (6 − 20·22/100) = 5 + 1.6
    # Σ n1·n0·m1·(N − m1) / (N²(N − 1)): 50·50·30·70/990000 + 20·80·22·78/990000
    #   = 5.303030 + 2.773333 = 8.076364;  χ² = 6.6² / 8.076364 = 43.56 / 8.076364 = 5.393516
    chi2 = 6.6**2 / ((50 * 50 * 30 * 70 + 20 * 80 * 22 * 78) / (100**2 * 99))
    return {
        "difference": difference,
        "variance": variance,
        "low": difference - Z95 * math.sqrt(variance),
        "high": difference + Z95 * math.sqrt(variance),
        "chi2": chi2,
        "p": math.erfc(math.sqrt(chi2 / 2)),  # P(χ²₁ > c) = P(|Z| > √c)
    }


def test_mh_two_strata_by_hand() -> None:
    """§12 Adjusted: MH risk difference, Greenland–Robins variance, CMH test."""
    hand = _hand_two_strata()
    assert hand["difference"] == pytest.approx(0.160976, abs=1e-6)
    assert hand["variance"] == pytest.approx(1 / 205, rel=1e-12)
    assert hand["chi2"] == pytest.approx(5.393516, abs=1e-6)
    r = mantel_haenszel_risk_difference(*TWO_STRATA)
    assert r.difference == pytest.approx(hand["difference"], rel=1e-12)
    assert r.variance == pytest.approx(hand["variance"], rel=1e-12)
    assert r.ci == pytest.approx((hand["low"], hand["high"]), rel=1e-12)
    assert r.chi2 == pytest.approx(hand["chi2"], rel=1e-12)
    assert r.p_value == pytest.approx(hand["p"], rel=1e-9)
    assert r.p_value == pytest.approx(0.0202, abs=1e-4)
    assert (r.informative_strata, r.informative_units, r.total_units) == (2, 200, 200)
    assert r.informative_share == 1.0


def test_mh_stratum_without_exposed_units_adds_nothing() -> None:
    """§12: strata with no exposed or no unexposed unit add nothing, but count in the share."""
    base = mantel_haenszel_risk_difference(*TWO_STRATA)
    x1, n1, x0, n0 = TWO_STRATA
    # A third stratum of 40 unexposed units (5 converted) and no exposed unit, and a
    # fourth of 10 exposed units only.
    x1, n1, x0, n0 = [*x1, 0, 3], [*n1, 0, 10], [*x0, 5, 0], [*n0, 40, 0]
    r = mantel_haenszel_risk_difference(x1, n1, x0, n0)
    assert r.difference == base.difference
    assert r.variance == base.variance
    assert r.chi2 == pytest.approx(base.chi2, rel=1e-14)
    assert (r.informative_strata, r.informative_units, r.total_units) == (2, 200, 250)
    assert r.informative_share == 200 / 250
    many = mh_risk_difference_many([x1], [n1], [x0], [n0])
    assert many.difference[0] == pytest.approx(base.difference, rel=1e-12)
    assert many.informative_share[0] == 200 / 250


def test_mh_degenerate_cases_are_nan_without_warnings() -> None:
    """§12: nothing to compare gives nan (pytest turns any warning into an error)."""
    for args in (([], [], [], []), ([0, 2], [0, 5], [1, 0], [4, 0])):
        r = mantel_haenszel_risk_difference(*args)
        assert math.isnan(r.difference)
        assert math.isnan(r.variance)
        assert math.isnan(r.p_value)
        assert math.isnan(r.ci[0])
        assert r.informative_units == 0
    assert math.isnan(mantel_haenszel_risk_difference([], [], [], []).informative_share)
    assert mantel_haenszel_risk_difference([0, 2], [0, 5], [1, 0], [4, 0]).informative_share == 0
    # Every informative table has a single outcome: difference 0, no evidence (p = 1).
    flat = mantel_haenszel_risk_difference([0, 5], [10, 5], [0, 7], [20, 7])
    assert (flat.difference, flat.variance, flat.chi2, flat.p_value) == (0.0, 0.0, 0.0, 1.0)
    many = mh_risk_difference_many(
        [[0, 5], [0, 2], [0, 0]], [[10, 5], [0, 5], [0, 0]], [[0, 7], [1, 0], [0, 0]],
        [[20, 7], [4, 0], [0, 0]],
    )  # fmt: skip
    assert list(many.p_value[:1]) == [1.0]
    assert np.isnan(many.difference[1:]).all()
    assert np.isnan(many.p_value[1:]).all()
    assert np.isnan(many.informative_share[2])


def test_mh_rejects_malformed_counts() -> None:
    """§12 inputs are counts: a malformed table is a programming error, not a nan."""
    with pytest.raises(ValueError, match="shape"):
        mantel_haenszel_risk_difference([1], [2, 3], [1], [2])
    with pytest.raises(ValueError, match="exposed"):
        mantel_haenszel_risk_difference([3], [2], [1], [2])
    with pytest.raises(ValueError, match="unexposed"):
        mh_risk_difference_many([[1]], [[2]], [[-1]], [[2]])
    with pytest.raises(ValueError, match="shape"):
        mh_risk_difference_many([1], [2], [1], [2])  # 1-D is one candidate's strata


def _random_tables(
    rng: np.random.Generator, candidates: int, strata: int
) -> tuple[np.ndarray, ...]:
    # Sizes from 0 (empty cells, non-informative strata) to thousands, rates 0 to 1, so
    # single-outcome strata and zero cells occur too.
    n1 = rng.integers(0, 3, (candidates, strata)) * rng.integers(0, 2000, (candidates, strata))
    n0 = rng.integers(0, 3, (candidates, strata)) * rng.integers(0, 2000, (candidates, strata))
    rate = rng.choice([0.0, 0.01, 0.2, 0.5, 1.0], (candidates, strata))
    x1 = rng.binomial(n1, np.clip(rate + rng.normal(0, 0.05, rate.shape), 0, 1))
    x0 = rng.binomial(n0, rate)
    return x1, n1, x0, n0


def test_mh_many_equals_statsmodels_single_on_random_tables() -> None:
    """§12: the vectorised closed form and the statsmodels route agree to 1e-9."""
    rng = np.random.default_rng(12)
    for strata in (1, 2, 7, 60):
        x1, n1, x0, n0 = _random_tables(rng, 40, strata)
        many = mh_risk_difference_many(x1, n1, x0, n0, confidence=0.9)
        for c in range(x1.shape[0]):
            one = mantel_haenszel_risk_difference(x1[c], n1[c], x0[c], n0[c], confidence=0.9)
            got = (
                many.difference[c], many.variance[c], many.ci_low[c], many.ci_high[c],
                many.chi2[c], many.p_value[c], many.informative_share[c],
            )  # fmt: skip
            expected = (one.difference, one.variance, *one.ci, one.chi2, one.p_value)
            expected += (one.informative_share,)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9, nan_ok=True)
            assert many.informative_strata[c] == one.informative_strata
            assert many.informative_units[c] == one.informative_units


def test_drivers_statistics_are_fast() -> None:
    """§12 performance: 200 candidates × 400 strata in far less than the 1.5 s budget
    (a few milliseconds on a laptop; the bound is loose for busy CI machines)."""
    rng = np.random.default_rng(3)
    x1, n1, x0, n0 = _random_tables(rng, 200, 400)
    start = time.perf_counter()
    adjusted = mh_risk_difference_many(x1, n1, x0, n0)
    raw = raw_comparisons(x1.sum(1), n1.sum(1), x0.sum(1), n0.sum(1))
    benjamini_hochberg(adjusted.p_value)
    benjamini_hochberg(raw.p_value)
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------------- BH q-values


def test_benjamini_hochberg_by_hand() -> None:
    """§12 Multiple testing: q-values over the tested candidates; nan is not a test."""
    p = [0.01, 0.04, 0.03, 0.005, 0.041, NAN, 0.6]
    # m = 6 (the nan does not count). Sorted: 0.005, 0.01, 0.03, 0.04, 0.041, 0.6.
    # p(k)·m/k: 0.005·6/1 = 0.03, 0.01·6/2 = 0.03, 0.03·6/3 = 0.06, 0.04·6/4 = 0.06,
    #           0.041·6/5 = 0.0492, 0.6·6/6 = 0.6.
    # Running minimum from the largest down: 0.6, 0.0492, 0.0492, 0.0492, 0.03, 0.03.
    expected = [0.03, 0.0492, 0.0492, 0.03, 0.0492, NAN, 0.6]
    assert benjamini_hochberg(p) == pytest.approx(expected, abs=1e-15, nan_ok=True)
    assert benjamini_hochberg([]).shape == (0,)
    assert np.isnan(benjamini_hochberg([NAN, NAN])).all()
    assert list(benjamini_hochberg([0.9, 0.8])) == [0.9, 0.9]  # 0.8·2/1 = 1.6 → min with 0.9
    with pytest.raises(ValueError, match="p-values"):
        benjamini_hochberg([0.1, 1.2])


# ---------------------------------------------------------------------- raw comparison


def test_raw_comparisons_newcombe_example() -> None:
    """§12 Raw: Newcombe (1998b) Table II method 10, 56/70 vs 48/80: 0.0524 to 0.3339."""
    r = raw_comparisons([56], [70], [48], [80])
    assert (r.rate_exposed[0], r.rate_unexposed[0]) == (0.8, 0.6)
    assert r.difference[0] == pytest.approx(0.2)
    assert (round(r.ci_low[0], 4), round(r.ci_high[0], 4)) == (0.0524, 0.3339)
    assert r.relative_lift[0] == pytest.approx(0.8 / 0.6 - 1)
    # Pooled z: z² = 2100/299 (worked in tests/core/test_stats.py), p = erfc(√(z²/2)).
    assert r.p_value[0] == pytest.approx(math.erfc(math.sqrt(2100 / 299 / 2)), rel=1e-12)


def test_raw_comparisons_match_scalar_functions_and_edges() -> None:
    """§12 Raw, vectorised, equals §9's scalar Newcombe and z test, edges included."""
    rng = np.random.default_rng(5)
    n1 = np.concatenate([rng.integers(1, 5000, 200), [0, 10, 0, 10, 30, 30]])
    n0 = np.concatenate([rng.integers(1, 5000, 200), [10, 0, 0, 20, 40, 40]])
    x1 = np.concatenate([rng.binomial(n1[:200], 0.1), [0, 3, 0, 0, 30, 7]])
    x0 = np.concatenate([rng.binomial(n0[:200], 0.12), [4, 0, 0, 0, 40, 0]])
    r = raw_comparisons(x1, n1, x0, n0)
    for i in range(len(n1)):
        args = (int(x1[i]), int(n1[i]), int(x0[i]), int(n0[i]))
        low, high = newcombe_difference_interval(*args)
        assert r.ci_low[i] == pytest.approx(low, abs=1e-9, nan_ok=True)
        assert r.ci_high[i] == pytest.approx(high, abs=1e-9, nan_ok=True)
        assert r.p_value[i] == pytest.approx(two_proportion_p_value(*args), abs=1e-9, nan_ok=True)
    # Empty groups: nan; pooled rate 0 or 1: p = 1; unexposed rate 0: no relative lift.
    assert np.isnan([r.rate_exposed[200], r.p_value[200], r.ci_low[201], r.difference[202]]).all()
    assert (r.p_value[203], r.p_value[204]) == (1.0, 1.0)
    assert np.isnan([r.relative_lift[203], r.relative_lift[205]]).all()


# ---------------------------------------------------------------------------- A/B test


def test_ab_test_size_textbook_value() -> None:
    """§12 To confirm it: 10% → 12%, two-sided α = 0.05, power 0.8."""
    # Cohen's h = 2·asin√0.12 − 2·asin√0.10 = 0.063982; with the arcsine transform each
    # arm's variance is 1/n, so n = 2·(z₀.₉₇₅ + z₀.₈)² / h² = 2·(1.959964 + 0.841621)² / h²
    # = 2·7.848880 / 0.0040937 = 3834.6 → 3835 per arm.
    h = 2 * math.asin(math.sqrt(0.12)) - 2 * math.asin(math.sqrt(0.10))
    z_power = NormalDist().inv_cdf(0.8)
    by_hand = math.ceil(2 * (Z95 + z_power) ** 2 / h**2)
    assert by_hand == 3835
    assert ab_test_size(0.10, 0.02) == by_hand
    # The textbook normal-approximation formula (pooled variance under the null),
    # n = (z_α/2·√(2·p̄q̄) + z_β·√(p1q1 + p2q2))² / d² = 3840.9 → 3841, within 0.2%.
    fleiss = (Z95 * math.sqrt(2 * 0.11 * 0.89) + z_power * math.sqrt(0.09 + 0.12 * 0.88)) ** 2
    assert math.ceil(fleiss / 0.02**2) == 3841
    assert ab_test_size(0.10, 0.02) == pytest.approx(3841, rel=0.002)
    # Symmetric in the sign of the difference only through h: 0.12 → 0.10 is the same h.
    assert ab_test_size(0.12, -0.02) == by_hand


def test_ab_test_size_edges_and_days() -> None:
    """§12 To confirm it: no size without a difference; days at the eligible rate."""
    assert ab_test_size(0.1, 0.0) is None
    assert ab_test_size(0.1, NAN) is None
    assert ab_test_size(0.95, 0.1) is None  # treated rate 1.05
    assert ab_test_size(0.05, -0.1) is None
    assert ab_test_size(NAN, 0.1) is None
    assert ab_test_size(0.0, 1.0) == 2  # any two units per arm have the power
    assert ab_test_size(0.5, 1e-4) == pytest.approx(392_443_021, rel=1e-6)
    with pytest.raises(ValueError, match="alpha"):
        ab_test_size(0.1, 0.02, alpha=0.0)
    # Both arms fill from the eligible entrants: 2·3835 / 500 a day = 15.34 days.
    assert ab_test_days(3835, 500.0) == pytest.approx(15.34)
    assert ab_test_days(None, 500.0) is None
    assert ab_test_days(3835, 0.0) is None
    assert ab_test_days(3835, NAN) is None


# ------------------------------------------------------------------------ Kaplan–Meier


def test_kaplan_meier_by_hand_with_censoring() -> None:
    """§12 Time to macro: Kaplan–Meier with units censored at their window's end."""
    durations = [1, 2, 2, 3, 4, 5]
    converted = [True, True, False, True, True, False]
    # t = 1: 6 at risk, 1 converts                 S = 5/6
    # t = 2: 5 at risk (the unit censored at 2 still counts), 1 converts
    #                                              S = 5/6 · 4/5 = 2/3
    # t = 3: 3 at risk, 1 converts                 S = 2/3 · 2/3 = 4/9
    # t = 4: 2 at risk, 1 converts                 S = 4/9 · 1/2 = 2/9
    # t = 5: censored, no step.
    km = kaplan_meier(durations, converted)
    assert list(km.times) == [1, 2, 3, 4]
    assert km.survival == pytest.approx([5 / 6, 2 / 3, 4 / 9, 2 / 9], rel=1e-14)
    assert km.conversion == pytest.approx([1 / 6, 1 / 3, 5 / 9, 7 / 9], rel=1e-14)
    assert list(km.at_risk) == [6, 5, 3, 2]
    assert (km.n_units, km.n_events) == (6, 4)


def test_kaplan_meier_empty_and_all_censored() -> None:
    """§12 Time to macro: an empty or never-converting group has a flat curve."""
    for durations, events, units in (([], [], 0), ([1.5, 3.0, 2.0], [0, 0, 0], 3)):
        km = kaplan_meier(durations, events)
        assert km.times.size == km.survival.size == km.conversion.size == 0
        assert (km.n_units, km.n_events) == (units, 0)
    with pytest.raises(ValueError, match="durations"):
        kaplan_meier([-1.0], [1])
    with pytest.raises(ValueError, match="1-D"):
        kaplan_meier([1.0, 2.0], [1])
