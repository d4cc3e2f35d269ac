"""Statistics for micro→macro impact (FUNNEL_SEMANTICS §9), segment comparison (§10) and
period comparison (§19).

Scalar functions on counts, backed by the libraries rather than by formulas of our own:

* the normal distribution is :func:`scipy.special.ndtr` / :func:`scipy.special.ndtri`,
  the functions :data:`scipy.stats.norm` itself calls for ``sf`` and ``ppf`` (called
  directly: the distribution object adds ~50 µs of argument checking per call);
* Wilson intervals are :func:`statsmodels.stats.proportion.proportion_confint`
  (``method="wilson"``), Newcombe's interval is
  :func:`statsmodels.stats.proportion.confint_proportions_2indep` (``method="newcomb"``),
  and the pooled z test is :func:`statsmodels.stats.proportion.proportions_ztest`.

Holm's adjustment stays a short loop here: ``multipletests(method="holm")`` gives the same
numbers (the parity test checks it) but runs :func:`gc.collect` on every call, ~50 ms in
this app, and §10 calls it once per step.

Conventions shared by every function here:

* Counts are ``successes`` out of ``n`` trials, with ``0 <= successes <= n``; anything
  else (negative counts, more successes than trials) is a programming error and raises
  :class:`ValueError`.
* An **empty group** (``n == 0``) is not an error: the quantities that depend on it are
  undefined and come back as ``nan`` (never an exception), so a UI can show "—".
* ``confidence`` is two-sided, strictly between 0 and 1 (default 0.95).

References
----------
* E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
  inference", JASA 22:209–212.
* R. G. Newcombe (1998a), "Two-sided confidence intervals for the single proportion:
  comparison of seven methods", Statistics in Medicine 17:857–872 (method 3 = Wilson).
* R. G. Newcombe (1998b), "Interval estimation for the difference between independent
  proportions: comparison of eleven methods", Statistics in Medicine 17:873–890
  (method 10 = hybrid score interval from two Wilson intervals).
* S. Holm (1979), "A simple sequentially rejective multiple test procedure",
  Scandinavian Journal of Statistics 6:65–70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

__all__ = [
    "ProportionComparison",
    "compare_proportions",
    "holm_adjust",
    "newcombe_difference_interval",
    "normal_quantile",
    "normal_sf",
    "odds_ratio_smoothed",
    "two_proportion_p_value",
    "wilson_interval",
]

NAN = math.nan


# --------------------------------------------------------------------------- normal


def normal_sf(z: float) -> float:
    """Upper tail of the standard normal, ``P(Z > z)``: :func:`scipy.special.ndtr` at ``-z``.

    ``ndtr`` switches to ``erfc`` in the tails, so this keeps full relative precision far
    into the upper tail (no ``1 - cdf`` cancellation). ``nan`` in gives ``nan`` out;
    ``normal_sf(+inf) == 0`` and ``normal_sf(-inf) == 1``.
    """
    return float(special.ndtr(-z))


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF, Φ⁻¹(p): :func:`scipy.special.ndtri`.

    The upper half is computed by symmetry, ``Φ⁻¹(p) = −Φ⁻¹(1 − p)`` (``1 − p`` is exact
    for p ≥ 0.5), so ``normal_quantile(1 - p) == -normal_quantile(p)`` exactly.

    ``p == 0`` gives ``-inf``, ``p == 1`` gives ``+inf``, ``nan`` gives ``nan``;
    a probability outside [0, 1] raises :class:`ValueError`.
    """
    if math.isnan(p):
        return NAN
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {p!r}")
    if p <= 0.5:
        return float(special.ndtri(p))
    return -float(special.ndtri(1.0 - p))


def _z_for(confidence: float) -> float:
    """Two-sided critical value z with P(|Z| <= z) = confidence (1.959964 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return -normal_quantile((1.0 - confidence) / 2.0)


def _check_counts(successes: int, n: int, name: str = "") -> None:
    label = f" ({name})" if name else ""
    if n < 0:
        raise ValueError(f"group size must be >= 0{label}, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n]{label}, got {successes} of {n}")


# ---------------------------------------------------------------------- intervals


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion, without continuity correction:
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    This is method 3 of Newcombe (1998a). The limits are the two roots π of
    ``(p̂ − π)² = z² π (1 − π) / n``, i.e.::

        (2s + z² ∓ z √(z² + 4 s (n − s) / n)) / (2 (n + z²))

    The result always lies in [0, 1] and contains ``p̂ = s / n``; it is exactly 0 below
    when ``s == 0`` and exactly 1 above when ``s == n``.

    Returns ``(nan, nan)`` when ``n == 0`` (no observations: the rate is undefined).
    """
    _check_counts(successes, n)
    _z_for(confidence)  # validate the argument even when there is nothing to estimate
    if n == 0:
        return (NAN, NAN)
    low, high = proportion_confint(successes, n, alpha=1.0 - confidence, method="wilson")
    p_hat = successes / n
    # statsmodels computes centre ∓ half-width, which can leave 1e-17 instead of an exact
    # 0 (s == 0) or 1 (s == n); the edges are exact by construction, so say so, and keep
    # p̂ inside against the last bit of rounding.
    lower = 0.0 if successes == 0 else min(max(float(low), 0.0), p_hat)
    upper = 1.0 if successes == n else max(min(float(high), 1.0), p_hat)
    return (lower, upper)


def newcombe_difference_interval(
    s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998b, method 10) for ``p1 − p2``:
    ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")``.

    With (l1, u1) and (l2, u2) the Wilson intervals (:func:`wilson_interval`) of the two
    groups and ``d = p1 − p2``::

        lower = d − √((p1 − l1)² + (u2 − p2)²)
        upper = d + √((u1 − p1)² + (p2 − l2)²)

    The result lies in [−1, 1] and contains ``d``. Swapping the groups mirrors it:
    ``(s2, n2, s1, n1)`` gives ``(−upper, −lower)``.

    Returns ``(nan, nan)`` when either group is empty.
    """
    _check_counts(s1, n1, "group 1")
    _check_counts(s2, n2, "group 2")
    _z_for(confidence)  # validate the argument even when a group is empty
    if n1 == 0 or n2 == 0:
        return (NAN, NAN)  # statsmodels would divide by zero (and warn)
    low, high = confint_proportions_2indep(
        s1, n1, s2, n2, method="newcomb", compare="diff", alpha=1.0 - confidence
    )
    return (max(float(low), -1.0), min(float(high), 1.0))


# -------------------------------------------------------------------------- tests


def two_proportion_p_value(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of ``p1 = p2``:
    ``statsmodels.stats.proportion.proportions_ztest`` (pooled variance, two-sided).

    ``z = (p1 − p2) / √(p̄ (1 − p̄) (1/n1 + 1/n2))`` with the pooled rate
    ``p̄ = (s1 + s2) / (n1 + n2)``, and ``p = 2 · P(Z > |z|)``. Here ``z²`` equals
    Pearson's χ² statistic of the 2×2 table without continuity correction
    (R's ``prop.test(..., correct = FALSE)``). Symmetric in the two groups.

    * ``nan`` when either group is empty (nothing to compare).
    * ``1.0`` when the pooled rate is 0 or 1 (every actor in both groups failed, or every
      one succeeded): the statistic is 0/0, but both observed rates are equal, so the
      data carry no evidence of a difference.
    """
    _check_counts(s1, n1, "group 1")
    _check_counts(s2, n2, "group 2")
    if n1 == 0 or n2 == 0:
        return NAN
    pooled = (s1 + s2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        # statsmodels would divide 0 by 0 here (and warn); the answer is known.
        return 1.0
    _, p_value = proportions_ztest(np.array([s1, s2]), np.array([n1, n2]))
    return min(1.0, float(p_value))


def odds_ratio_smoothed(s1: int, n1: int, s2: int, n2: int) -> float:
    """Odds ratio of group 1 vs group 2 with +1 added to each of the four cells.

    ``((s1 + 1) / (n1 − s1 + 1)) / ((s2 + 1) / (n2 − s2 + 1))``. The +1 (Laplace)
    smoothing required by FUNNEL_SEMANTICS §9 keeps the ratio finite and positive when a
    cell is zero; it shrinks the estimate towards 1 more than the Haldane–Anscombe +0.5
    correction does. Returns ``nan`` when either group is empty (smoothing alone would
    otherwise invent an odds ratio of 1 from no data).
    """
    _check_counts(s1, n1, "group 1")
    _check_counts(s2, n2, "group 2")
    if n1 == 0 or n2 == 0:
        return NAN
    return ((s1 + 1) * (n2 - s2 + 1)) / ((n1 - s1 + 1) * (s2 + 1))


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order.

    With the m non-NaN p-values sorted ascending, ``p(1) <= … <= p(m)``, the adjusted value
    of the i-th smallest is ``max_{j <= i} min(1, (m − j + 1) · p(j))``. Rejecting where the
    adjusted value is ``<= α`` is exactly Holm's sequentially rejective procedure at
    family-wise level α. Adjusted values are ≥ the raw ones, capped at 1, and monotone in
    the raw order (ties get equal adjusted values).

    ``nan`` entries (tests that could not be run, e.g. an empty group) stay ``nan`` and do
    not count towards m. A value outside [0, 1] raises :class:`ValueError`.

    The same numbers as ``statsmodels.stats.multitest.multipletests(method="holm")``
    (checked in tests/core/test_stats_library_parity.py), written out because that call
    runs :func:`gc.collect` every time (~50 ms here), once per funnel step in §10.
    """
    values = [float(p) for p in p_values]
    for p in values:
        if not math.isnan(p) and not 0.0 <= p <= 1.0:
            raise ValueError(f"p-values must be in [0, 1], got {p!r}")
    order = sorted((i for i, p in enumerate(values) if not math.isnan(p)), key=values.__getitem__)
    m = len(order)
    adjusted = [NAN] * len(values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * values[i]))
        adjusted[i] = running
    return adjusted


# --------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class ProportionComparison:
    """Group A vs group B on one binary outcome (FUNNEL_SEMANTICS §9, §10).

    Rates are ``successes / n``. Undefined quantities are ``nan``: a rate, its interval,
    the difference, p-value and odds ratio when a group is empty; ``relative_lift`` also
    when ``rate_b == 0``. ``too_few`` flags "too few to judge" (either group smaller than
    the ``min_group`` given to :func:`compare_proportions`).
    """

    n_a: int
    n_b: int
    rate_a: float
    rate_b: float
    ci_a: tuple[float, float]
    ci_b: tuple[float, float]
    difference: float
    """``rate_a − rate_b`` (absolute lift)."""
    difference_ci: tuple[float, float]
    relative_lift: float
    """``rate_a / rate_b − 1``."""
    p_value: float
    odds_ratio: float
    too_few: bool


def compare_proportions(
    s_a: int,
    n_a: int,
    s_b: int,
    n_b: int,
    min_group: int = 30,
    confidence: float = 0.95,
) -> ProportionComparison:
    """Everything §9 reports for two groups: Wilson intervals for each rate, the Newcombe
    (method 10) interval for the difference, the pooled two-proportion z-test p-value,
    the +1-smoothed odds ratio, and the "too few to judge" flag (either group < ``min_group``).

    Never raises for empty groups; see :class:`ProportionComparison` for the ``nan`` cases.
    """
    _check_counts(s_a, n_a, "group A")
    _check_counts(s_b, n_b, "group B")
    rate_a = s_a / n_a if n_a else NAN
    rate_b = s_b / n_b if n_b else NAN
    difference = rate_a - rate_b
    relative_lift = NAN if math.isnan(rate_b) or rate_b == 0.0 else rate_a / rate_b - 1.0
    return ProportionComparison(
        n_a=n_a,
        n_b=n_b,
        rate_a=rate_a,
        rate_b=rate_b,
        ci_a=wilson_interval(s_a, n_a, confidence),
        ci_b=wilson_interval(s_b, n_b, confidence),
        difference=difference,
        difference_ci=newcombe_difference_interval(s_a, n_a, s_b, n_b, confidence),
        relative_lift=relative_lift,
        p_value=two_proportion_p_value(s_a, n_a, s_b, n_b),
        odds_ratio=odds_ratio_smoothed(s_a, n_a, s_b, n_b),
        too_few=n_a < min_group or n_b < min_group,
    )
