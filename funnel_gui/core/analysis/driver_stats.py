"""The statistics behind Drivers (FUNNEL_SEMANTICS §12): raw and stratum-adjusted risk
differences for many candidate actions at once, their q-values, and the A/B test that
would confirm a lead.

Pure functions on numpy arrays of counts: per candidate, *exposed* units (did the action
in the observation period) and *unexposed* ones, over K strata (the §12 adjustment cells);
"conv" counts the units that reached the macro step. As in :mod:`funnel_gui.core.analysis.stats`,
malformed counts raise :class:`ValueError`, and what is merely undefined (no informative
stratum, an empty group) comes back as ``nan``, without a warning.

statsmodels has no Mantel–Haenszel *risk difference* (StratifiedTable pools odds and risk
ratios only), so :func:`mantel_haenszel_risk_difference` weights statsmodels' per-stratum
differences itself and takes the CMH test from statsmodels; :func:`mh_risk_difference_many`
computes the same numbers in closed form for a candidates × strata grid (~200 × hundreds
in Drivers), and the tests hold the two equal to 1e-9.

References
----------
* N. Mantel, W. Haenszel (1959), JNCI 22:719–748 (weights n1·n0/N; the CMH test).
* S. Greenland, J. M. Robins (1985), Biometrics 41:55–68: the variance of the MH risk
  difference ``Σ (x1 (n1 − x1) n0³ + x0 (n0 − x0) n1³) / (n1 n0 N²) / (Σ n1 n0 / N)²``,
  i.e. the weighted strata's binomial variances. It is consistent for large strata; the
  *dual*-consistent one, also right for many tiny strata, is Sato's (1989), not used.
* Y. Benjamini, Y. Hochberg (1995), JRSS-B 57:289–300.
* J. Cohen (1988), Statistical Power Analysis, ch. 6 (effect size h for proportions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special
from scipy import stats as sps
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import effectsize_2proportions
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    score_test_proportions_2indep,
)

__all__ = [
    "MHRiskDifference",
    "MHRiskDifferences",
    "RawComparisons",
    "ab_test_days",
    "ab_test_size",
    "benjamini_hochberg",
    "mantel_haenszel_risk_difference",
    "mh_risk_difference_many",
    "raw_comparisons",
]

FloatArray = npt.NDArray[np.float64]
NAN = math.nan


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return float(special.ndtri(0.5 + confidence / 2.0))


def _tables(
    exposed_conv: npt.ArrayLike,
    exposed_n: npt.ArrayLike,
    unexposed_conv: npt.ArrayLike,
    unexposed_n: npt.ArrayLike,
    ndim: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The four count arrays as float64 of one shape with ``ndim`` axes, validated."""
    arrays = tuple(
        np.asarray(a, dtype=np.float64)
        for a in (exposed_conv, exposed_n, unexposed_conv, unexposed_n)
    )
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays) or len(shape) != ndim:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"expected four count arrays of one {ndim}-D shape, got {shapes}")
    x1, n1, x0, n0 = arrays
    for conv, n, name in ((x1, n1, "exposed"), (x0, n0, "unexposed")):
        if not (np.all(np.isfinite(n)) and np.all(conv >= 0) and np.all(conv <= n)):
            raise ValueError(f"{name} counts must be finite with 0 <= conversions <= units")
    return x1, n1, x0, n0


# ---------------------------------------------------------------- Mantel–Haenszel


@dataclass(frozen=True, slots=True)
class MHRiskDifference:
    """One candidate's stratum-adjusted exposed − unexposed conversion difference (§12).

    Strata with no exposed or no unexposed unit carry no comparison and are left out;
    with none left every statistic is ``nan``. When every informative stratum converted
    all or none of its units, the difference and variance are 0 and the test has no
    evidence against equality: ``chi2 == 0``, ``p_value == 1``.
    """

    difference: float
    """Mantel–Haenszel risk difference, weights n1·n0/N."""
    variance: float
    """Greenland–Robins (1985) variance of ``difference``."""
    ci: tuple[float, float]
    """Wald interval ``difference ∓ z·√variance``, clipped to [−1, 1]."""
    chi2: float
    """Cochran–Mantel–Haenszel statistic (1 df, no continuity correction)."""
    p_value: float
    informative_strata: int
    informative_units: int
    """Units (exposed and unexposed) in strata that have both."""
    total_units: int
    informative_share: float
    """``informative_units / total_units`` (``nan`` when there are no units at all)."""


def mantel_haenszel_risk_difference(
    exposed_conv: npt.ArrayLike,
    exposed_n: npt.ArrayLike,
    unexposed_conv: npt.ArrayLike,
    unexposed_n: npt.ArrayLike,
    confidence: float = 0.95,
) -> MHRiskDifference:
    """The §12 adjusted comparison of one candidate over K strata (four arrays of length K).

    Per-stratum differences p1 − p0 and their binomial variances p1(1−p1)/n1 + p0(1−p0)/n0
    come from ``effectsize_2proportions(statistic="diff")``; the MH estimate is their
    average with weights w = n1·n0/N and the Greenland–Robins variance is
    ``Σ w² v / (Σ w)²``. The statistic is
    ``StratifiedTable(tables).test_null_odds(correction=False)`` (the CMH test of "no
    association in any stratum"); its p-value is taken as ``chi2.sf`` of that statistic,
    because statsmodels returns ``1 − cdf``, which rounds p-values under ~1e-16 to 0 and
    would tie the strongest candidates in the q-value ranking.
    """
    z = _z(confidence)
    x1, n1, x0, n0 = _tables(exposed_conv, exposed_n, unexposed_conv, unexposed_n, ndim=1)
    total = int((n1 + n0).sum())
    keep = (n1 > 0) & (n0 > 0)
    x1, n1, x0, n0 = x1[keep], n1[keep], x0[keep], n0[keep]
    units = int((n1 + n0).sum())
    share = units / total if total else NAN
    if not keep.any():
        return MHRiskDifference(NAN, NAN, (NAN, NAN), NAN, NAN, 0, 0, total, share)

    diffs, variances = effectsize_2proportions(x1, n1, x0, n0, statistic="diff")
    weights = n1 * n0 / (n1 + n0)
    difference = float(np.sum(weights * diffs) / weights.sum())
    variance = float(np.sum(weights**2 * variances) / weights.sum() ** 2)
    half = z * math.sqrt(variance)
    ci = (max(difference - half, -1.0), min(difference + half, 1.0))

    converted = x1 + x0
    if np.all((converted == 0) | (converted == n1 + n0)):
        # Every table has one outcome only: the CMH variance is 0 and so is its
        # numerator; statsmodels would compute 0/0 (and warn). No evidence either way.
        chi2, p_value = 0.0, 1.0
    else:
        tables = np.array([[x1, n1 - x1], [x0, n0 - x0]])  # 2 × 2 × K
        chi2 = float(StratifiedTable(tables).test_null_odds(correction=False).statistic)
        p_value = float(sps.chi2.sf(chi2, 1))
    return MHRiskDifference(
        difference, variance, ci, chi2, p_value, int(keep.sum()), units, total, share
    )


@dataclass(frozen=True, slots=True, eq=False)
class MHRiskDifferences:
    """:class:`MHRiskDifference` for C candidates at once: each field an array of length C."""

    difference: FloatArray
    variance: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    chi2: FloatArray
    p_value: FloatArray
    informative_strata: npt.NDArray[np.int64]
    informative_units: npt.NDArray[np.int64]
    total_units: npt.NDArray[np.int64]
    informative_share: FloatArray


def mh_risk_difference_many(
    exposed_conv: npt.ArrayLike,
    exposed_n: npt.ArrayLike,
    unexposed_conv: npt.ArrayLike,
    unexposed_n: npt.ArrayLike,
    confidence: float = 0.95,
) -> MHRiskDifferences:
    """:func:`mantel_haenszel_risk_difference` for every row of candidates × strata arrays.

    Same numbers, in closed form over whole arrays (no Python loop over candidates):
    with N = n1 + n0 and w = n1·n0/N per stratum,

    * difference = Σ (x1·n0 − x0·n1)/N / Σ w  (the MH numerator; it is also the CMH
      numerator Σ (x1 − n1·m1/N), m1 = x1 + x0);
    * Greenland–Robins variance = Σ (x1(n1−x1)·n0² / n1 + x0(n0−x0)·n1² / n0) / N² / (Σ w)²;
    * CMH χ² = (Σ (x1·n0 − x0·n1)/N)² / Σ n1·n0·m1·(N−m1) / (N²(N−1)),
      p = ``scipy.stats.chi2.sf(χ², 1)``.

    Strata without both groups are zeroed before any division, so no warning is raised.
    """
    z = _z(confidence)
    x1, n1, x0, n0 = _tables(exposed_conv, exposed_n, unexposed_conv, unexposed_n, ndim=2)
    total = (n1 + n0).sum(axis=1)
    informative = (n1 > 0) & (n0 > 0)
    # Zero the strata that compare nothing, and give every denominator a harmless 1 there,
    # so the formulas below add exact zeros for them.
    x1, n1, x0, n0 = (np.where(informative, a, 0.0) for a in (x1, n1, x0, n0))
    big_n = n1 + n0
    safe_n = np.where(informative, big_n, 1.0)
    safe_n1 = np.where(informative, n1, 1.0)
    safe_n0 = np.where(informative, n0, 1.0)
    safe_nm1 = np.where(informative, big_n - 1.0, 1.0)  # N ≥ 2 in an informative stratum

    weight = (n1 * n0 / safe_n).sum(axis=1)
    numerator = ((x1 * n0 - x0 * n1) / safe_n).sum(axis=1)
    exposed_var = x1 * (n1 - x1) * n0**2 / safe_n1
    unexposed_var = x0 * (n0 - x0) * n1**2 / safe_n0
    gr = ((exposed_var + unexposed_var) / safe_n**2).sum(axis=1)
    m1 = x1 + x0
    cmh_var = (n1 * n0 * m1 * (big_n - m1) / (safe_n**2 * safe_nm1)).sum(axis=1)

    has = weight > 0
    safe_w = np.where(has, weight, 1.0)
    difference = np.where(has, numerator / safe_w, NAN)
    variance = np.where(has, gr / safe_w**2, NAN)
    half = z * np.sqrt(variance)
    tested = cmh_var > 0
    chi2 = np.where(tested, numerator**2 / np.where(tested, cmh_var, 1.0), 0.0)
    chi2 = np.where(has, chi2, NAN)
    p_value = np.where(tested, sps.chi2.sf(chi2, 1), 1.0)
    p_value = np.where(has, p_value, NAN)
    units = np.where(informative, big_n, 0.0).sum(axis=1)
    share = np.full(total.shape, NAN)
    np.divide(units, total, out=share, where=total > 0)
    return MHRiskDifferences(
        difference=difference,
        variance=variance,
        ci_low=np.maximum(difference - half, -1.0),
        ci_high=np.minimum(difference + half, 1.0),
        chi2=chi2,
        p_value=p_value,
        informative_strata=informative.sum(axis=1).astype(np.int64),
        informative_units=units.astype(np.int64),
        total_units=total.astype(np.int64),
        informative_share=share,
    )


# ------------------------------------------------------------------------ q-values


def benjamini_hochberg(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini–Hochberg q-values, in the input order:
    ``statsmodels.stats.multitest.multipletests(method="fdr_bh")``.

    ``nan`` entries (candidates that could not be tested) stay ``nan`` and do not count
    towards m. A p-value outside [0, 1] raises :class:`ValueError`.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"expected a 1-D array of p-values, got shape {p.shape}")
    tested = ~np.isnan(p)
    if np.any((p[tested] < 0.0) | (p[tested] > 1.0)):
        raise ValueError("p-values must be in [0, 1]")
    q = np.full(p.shape, NAN)
    if tested.any():
        q[tested] = multipletests(p[tested], method="fdr_bh")[1]
    return q


# ---------------------------------------------------------------------------- raw


@dataclass(frozen=True, slots=True, eq=False)
class RawComparisons:
    """Exposed vs unexposed for C candidates, unadjusted (§12 "Raw"); arrays of length C.

    ``nan`` where a group is empty; ``relative_lift`` also where the unexposed rate is 0.
    ``p_value`` is 1 where the pooled rate is 0 or 1 (both rates equal, no evidence).
    """

    rate_exposed: FloatArray
    rate_unexposed: FloatArray
    difference: FloatArray
    """``rate_exposed − rate_unexposed``."""
    ci_low: FloatArray
    ci_high: FloatArray
    """Newcombe (1998, method 10) interval of ``difference``."""
    relative_lift: FloatArray
    """``rate_exposed / rate_unexposed − 1``."""
    p_value: FloatArray
    """Two-sided pooled two-proportion z test."""


def raw_comparisons(
    exposed_conv: npt.ArrayLike,
    exposed_n: npt.ArrayLike,
    unexposed_conv: npt.ArrayLike,
    unexposed_n: npt.ArrayLike,
    confidence: float = 0.95,
) -> RawComparisons:
    """Raw comparison of many candidates (1-D arrays, one entry per candidate).

    The interval is ``confint_proportions_2indep(method="newcomb")`` and the p-value
    ``score_test_proportions_2indep(value=0, correction=False)``, which at a null
    difference of 0 is exactly the pooled z test of
    :func:`funnel_gui.core.analysis.stats.two_proportion_p_value`; both statsmodels functions take
    arrays. Empty groups and pooled rates of 0 or 1 are replaced by a harmless table
    before the call and overwritten after it, so no division by zero happens.
    """
    _z(confidence)
    x1, n1, x0, n0 = _tables(exposed_conv, exposed_n, unexposed_conv, unexposed_n, ndim=1)
    both = (n1 > 0) & (n0 > 0)
    pooled_extreme = both & (((x1 + x0) == 0) | ((x1 + x0) == n1 + n0))
    # 1 of 2 against 1 of 2 is a well-defined stand-in for every undefined table.
    ok = both & ~pooled_extreme
    sx1, sn1, sx0, sn0 = (np.where(ok, a, s) for a, s in ((x1, 1), (n1, 2), (x0, 1), (n0, 2)))
    rate1 = np.where(n1 > 0, x1 / np.where(n1 > 0, n1, 1.0), NAN)
    rate0 = np.where(n0 > 0, x0 / np.where(n0 > 0, n0, 1.0), NAN)
    difference = rate1 - rate0
    # Newcombe is defined whenever both groups are non-empty; only empty groups need the
    # stand-in here.
    cx1, cn1, cx0, cn0 = (np.where(both, a, s) for a, s in ((x1, 1), (n1, 2), (x0, 1), (n0, 2)))
    low, high = confint_proportions_2indep(
        cx1, cn1, cx0, cn0, method="newcomb", compare="diff", alpha=1.0 - confidence
    )
    test = score_test_proportions_2indep(
        sx1, sn1, sx0, sn0, value=0, compare="diff", correction=False, return_results=True
    )
    p_value = np.where(ok, np.minimum(np.asarray(test.pvalue, dtype=np.float64), 1.0), 1.0)
    lift = np.full(rate1.shape, NAN)
    np.divide(rate1, rate0, out=lift, where=both & (rate0 > 0))
    return RawComparisons(
        rate_exposed=rate1,
        rate_unexposed=rate0,
        difference=difference,
        ci_low=np.where(both, np.maximum(low, -1.0), NAN),
        ci_high=np.where(both, np.minimum(high, 1.0), NAN),
        relative_lift=lift - 1.0,
        p_value=np.where(both, p_value, NAN),
    )


# ------------------------------------------------------------------------ A/B test


def ab_test_size(
    p_control: float, diff: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Units per arm a two-sided two-proportion test needs to detect ``diff`` (§12).

    Effect size is Cohen's h, ``proportion_effectsize(p_control + diff, p_control)``
    (= 2·asin√p1 − 2·asin√p0), and the size is
    ``NormalIndPower().solve_power(h, alpha=alpha, power=power, ratio=1)``, rounded up.
    For 0.10 → 0.12 that is 3,835 per arm (the classic normal approximation on the rates
    themselves gives 3,841). ``None`` when ``diff`` is 0 or ``nan`` or the treated rate
    leaves [0, 1].

    About 2 ms per call (statsmodels solves for n numerically): compute it for the rows
    shown, not for every candidate.
    """
    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha!r}, {power!r}")
    treated = p_control + diff
    if not (math.isfinite(diff) and diff != 0.0 and 0.0 <= p_control <= 1.0):
        return None
    if not 0.0 <= treated <= 1.0:
        return None
    h = abs(float(proportion_effectsize(treated, p_control)))
    analysis = NormalIndPower()
    # statsmodels searches for n above 2 and, for effects so large that 2 units per arm
    # already have the power, fails with a warning and nan: answer those first.
    if float(analysis.power(h, nobs1=2, alpha=alpha, ratio=1.0)) >= power:
        return 2
    n = analysis.solve_power(
        effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return math.ceil(float(np.asarray(n)))


def ab_test_days(per_arm: int | None, eligible_per_day: float) -> float | None:
    """Days the test takes when both arms fill from ``eligible_per_day`` new eligible
    units a day: ``2 · per_arm / eligible_per_day``. ``None`` without a size or a rate."""
    if per_arm is None or not (math.isfinite(eligible_per_day) and eligible_per_day > 0):
        return None
    return 2.0 * per_arm / eligible_per_day
