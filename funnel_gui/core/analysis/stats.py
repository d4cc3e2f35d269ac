"""Statistics for micro→macro impact (FUNNEL_SEMANTICS §9) and segment comparison (§10).

Pure functions on counts: no pandas, no numpy, no scipy. The normal distribution is
built from :func:`math.erfc` (upper tail) and a rational approximation of its inverse
refined by one Halley step (see :func:`normal_quantile`).

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
* P. J. Acklam (2003), "An algorithm for computing the inverse normal cumulative
  distribution function" (rational approximation, relative error < 1.15e-9 before
  refinement).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)

# Acklam's coefficients for the inverse normal CDF.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
)
_P_LOW = 0.02425


# --------------------------------------------------------------------------- normal


def normal_sf(z: float) -> float:
    """Upper tail of the standard normal, ``P(Z > z) = erfc(z / √2) / 2``.

    Uses :func:`math.erfc` directly, so it keeps full relative precision far into the
    upper tail (no ``1 - cdf`` cancellation). ``nan`` in gives ``nan`` out;
    ``normal_sf(+inf) == 0`` and ``normal_sf(-inf) == 1``.
    """
    return 0.5 * math.erfc(z / _SQRT2)


def _lower_quantile(p: float) -> float:
    """Φ⁻¹(p) for 0 < p <= 0.5: Acklam's rational approximation + one Halley step."""
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    # Halley refinement against the erfc-based CDF (Acklam's suggested step): brings the
    # 1e-9 approximation to ~1e-15. Skipped where the density underflows (|x| > ~38).
    density = math.exp(-0.5 * x * x) / _SQRT2PI
    if density > 0.0:
        u = (0.5 * math.erfc(-x / _SQRT2) - p) / density
        x = x - u / (1.0 + 0.5 * x * u)
    return x


def normal_quantile(p: float) -> float:
    """Inverse of the standard normal CDF, Φ⁻¹(p).

    Acklam's (2003) rational approximation followed by one Halley step using
    :func:`math.erfc`, which gives close to double precision on (0, 1). The upper half is
    computed by symmetry, ``Φ⁻¹(p) = −Φ⁻¹(1 − p)`` (``1 − p`` is exact for p ≥ 0.5), so
    ``normal_quantile(1 - p) == -normal_quantile(p)``.

    ``p == 0`` gives ``-inf``, ``p == 1`` gives ``+inf``, ``nan`` gives ``nan``;
    a probability outside [0, 1] raises :class:`ValueError`.
    """
    if math.isnan(p):
        return NAN
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {p!r}")
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    if p <= 0.5:
        return _lower_quantile(p)
    return -_lower_quantile(1.0 - p)


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
    """Wilson (1927) score interval for a binomial proportion, without continuity correction.

    This is method 3 of Newcombe (1998a). The limits are the two roots π of
    ``(p̂ − π)² = z² π (1 − π) / n``, i.e.::

        (2s + z² ∓ z √(z² + 4 s (n − s) / n)) / (2 (n + z²))

    The result always lies in [0, 1] and contains ``p̂ = s / n``; it is exactly 0 below
    when ``s == 0`` and exactly 1 above when ``s == n``.

    Returns ``(nan, nan)`` when ``n == 0`` (no observations: the rate is undefined).
    """
    _check_counts(successes, n)
    z = _z_for(confidence)
    if n == 0:
        return (NAN, NAN)
    s = float(successes)
    z2 = z * z
    root = z * math.sqrt(z2 + 4.0 * s * (n - s) / n)
    denom = 2.0 * (n + z2)
    p_hat = s / n
    lower = 0.0 if successes == 0 else (2.0 * s + z2 - root) / denom
    upper = 1.0 if successes == n else (2.0 * s + z2 + root) / denom
    # Guard the mathematical guarantees against the last bit of rounding.
    lower = min(max(lower, 0.0), p_hat)
    upper = max(min(upper, 1.0), p_hat)
    return (lower, upper)


def newcombe_difference_interval(
    s1: int, n1: int, s2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998b, method 10) for ``p1 − p2``.

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
    if n1 == 0 or n2 == 0:
        _z_for(confidence)  # still validate the argument
        return (NAN, NAN)
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson_interval(s1, n1, confidence)
    l2, u2 = wilson_interval(s2, n2, confidence)
    d = p1 - p2
    lower = d - math.hypot(p1 - l1, u2 - p2)
    upper = d + math.hypot(u1 - p1, p2 - l2)
    return (max(lower, -1.0), min(upper, 1.0))


# -------------------------------------------------------------------------- tests


def two_proportion_p_value(s1: int, n1: int, s2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of ``p1 = p2``.

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
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 1.0
    z = abs(s1 / n1 - s2 / n2) / math.sqrt(variance)
    return min(1.0, math.erfc(z / _SQRT2))  # erfc(|z|/√2) = 2·P(Z > |z|)


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
