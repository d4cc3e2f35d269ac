"""A/B test sizes for many candidates at once (FUNNEL_SEMANTICS §12 "To confirm it").

`driver_stats.ab_test_size` asks statsmodels' `NormalIndPower` one candidate at a time
(about 2 ms each, too slow for hundreds of candidates). This solves the same equation,
statsmodels' two-sided normal power with Cohen's h and equal arms,

    power(n) = Φ(h·√(n/2) − z) + Φ(−h·√(n/2) − z),  z = Φ⁻¹(1 − α/2),

for all candidates together by Newton's method from the closed-form start
n = 2·((z + Φ⁻¹(power)) / h)², and rounds up like `ab_test_size`; a test checks the two
agree.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def ab_test_sizes(
    p_control: np.ndarray, diff: np.ndarray, alpha: float = 0.05, power: float = 0.8
) -> np.ndarray:
    """Units per arm to detect `diff` from `p_control`; 0 where no size applies (a
    difference of 0 or NaN, or a treated rate outside [0, 1])."""
    p0 = np.asarray(p_control, dtype=np.float64)
    d = np.asarray(diff, dtype=np.float64)
    p1 = p0 + d
    valid = np.isfinite(p0) & np.isfinite(d) & (d != 0) & (p0 >= 0) & (p0 <= 1)
    valid &= (p1 >= 0) & (p1 <= 1)
    p0s, p1s = np.where(valid, p0, 0.5), np.where(valid, p1, 0.6)
    h = np.abs(2 * np.arcsin(np.sqrt(p1s)) - 2 * np.arcsin(np.sqrt(p0s)))
    valid &= h > 0
    h = np.where(valid, h, 1.0)
    z = float(stats.norm.isf(alpha / 2))
    n = 2 * ((z + float(stats.norm.ppf(power))) / h) ** 2
    for _ in range(6):
        root = h * np.sqrt(n / 2)
        f = special.ndtr(root - z) + special.ndtr(-root - z) - power
        slope = (stats.norm.pdf(root - z) - stats.norm.pdf(-root - z)) * h / (2 * np.sqrt(2 * n))
        n = np.maximum(n - f / np.where(slope > 0, slope, 1.0), 1e-9)
    sizes = np.maximum(2, np.ceil(n - 1e-9)).astype(np.int64)
    return np.where(valid, sizes, 0)
