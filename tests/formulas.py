"""Textbook formulas the tests check the app's statistics against, written out here
independently of funnel_gui.core.analysis.stats."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5% point of the standard normal


def wilson(s: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval, straight from the formula."""
    centre = 2 * s + Z95**2
    spread = Z95 * math.sqrt(Z95**2 + 4 * s * (n - s) / n)
    return (centre - spread) / (2 * (n + Z95**2)), (centre + spread) / (2 * (n + Z95**2))
