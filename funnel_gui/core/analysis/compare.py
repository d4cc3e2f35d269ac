"""Comparing two results of one funnel definition (FUNNEL_SEMANTICS §19): two periods of
one table, or two tables.

Per step, the conversion from step 1 in each (A and B), the difference B − A with a
Newcombe 95% interval and the two-proportion p-value, Holm-corrected across steps 2..n
(step 1 carries difference 0 and p = 1). With a breakdown, the change of the overall
conversion (step 1 → last step) is split into *mix* (the groups' shares changed) and
*rate* (the groups' conversion changed) by the two-factor Kitagawa decomposition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from funnel_gui.core.analysis.stats import (
    holm_adjust,
    newcombe_difference_interval,
    two_proportion_p_value,
)
from funnel_gui.core.engine.results import FunnelResult, json_number
from funnel_gui.core.errors import UserFacingError


class ComparisonError(UserFacingError, ValueError):
    """Two results that cannot be compared step by step (the app shows the message)."""


@dataclass(frozen=True)
class Side:
    """One result's count at a step and its conversion from step 1 (None: 0 entered)."""

    count: int
    from_start: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "from_start": self.from_start}


@dataclass(frozen=True)
class StepChange:
    """One step in A and in B: the difference of the conversions from step 1 (B − A)."""

    number: int  # 1-based
    label: str
    a: Side
    b: Side
    diff: float  # NaN when either side has nobody at step 1
    ci: tuple[float, float]  # Newcombe 95%
    p: float  # two-proportion test, two-sided
    p_holm: float  # Holm-adjusted across steps 2..n

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "diff": json_number(self.diff),
            "ci": [json_number(v) for v in self.ci],
            "p": json_number(self.p),
            "p_holm": json_number(self.p_holm),
        }


@dataclass(frozen=True)
class Decomposition:
    """The change of the overall conversion (B − A) as mix + rate (Kitagawa).

    Computed in exact fractions (`exact`), where mix + rate == total holds exactly; the
    floats are each term correctly rounded, so their sum can differ from `total` in
    the last bit."""

    total: float
    mix: float
    rate: float
    exact: tuple[Fraction, Fraction, Fraction]  # total, mix, rate

    def to_dict(self) -> dict[str, float]:
        return {"total": self.total, "mix": self.mix, "rate": self.rate}


@dataclass(frozen=True)
class Comparison:
    steps: list[StepChange]
    decomposition: Decomposition | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "decomposition": None if self.decomposition is None else self.decomposition.to_dict(),
        }


def compare(result_a: FunnelResult, result_b: FunnelResult) -> Comparison:
    """§19: B against A, step by step, and the mix/rate split of the overall change."""
    counts_a = [s.count for s in result_a.steps]
    counts_b = [s.count for s in result_b.steps]
    if len(counts_a) != len(counts_b) or not counts_a:
        raise ComparisonError(
            f"the two results have {len(counts_a)} and {len(counts_b)} steps; compare two "
            "results of the same funnel"
        )
    n_a, n_b = counts_a[0], counts_b[0]
    raw: list[tuple[float, tuple[float, float], float]] = [(0.0, (0.0, 0.0), 1.0)]
    for s_a, s_b in zip(counts_a[1:], counts_b[1:], strict=True):
        diff = s_b / n_b - s_a / n_a if n_a and n_b else math.nan
        ci = newcombe_difference_interval(s_b, n_b, s_a, n_a)
        raw.append((diff, ci, two_proportion_p_value(s_b, n_b, s_a, n_a)))
    adjusted = [1.0, *holm_adjust([p for _, _, p in raw[1:]])]
    steps = [
        StepChange(
            number=k + 1,
            label=step.label,
            a=Side(counts_a[k], _rate(counts_a[k], n_a)),
            b=Side(counts_b[k], _rate(counts_b[k], n_b)),
            diff=diff,
            ci=ci,
            p=p,
            p_holm=p_holm,
        )
        for k, (step, (diff, ci, p), p_holm) in enumerate(
            zip(result_a.steps, raw, adjusted, strict=True)
        )
    ]
    return Comparison(steps, _decomposition(result_a, result_b))


def _rate(count: int, entered: int) -> float | None:
    return count / entered if entered else None


GroupCounts = dict[Any, tuple[int, int]]  # group value -> (entered, converted)


def _groups(result: FunnelResult) -> GroupCounts | None:
    if result.breakdown is None:
        return None
    return {
        (g.values if g.values is not None else g.value): (g.counts[0], g.counts[-1])
        for g in result.breakdown.groups
    }


def _decomposition(result_a: FunnelResult, result_b: FunnelResult) -> Decomposition | None:
    groups_a, groups_b = _groups(result_a), _groups(result_b)
    if groups_a is None or groups_b is None:
        return None
    return kitagawa(groups_a, groups_b)


def kitagawa(groups_a: GroupCounts, groups_b: GroupCounts) -> Decomposition | None:
    """Two-factor Kitagawa decomposition of R_B − R_A, with R = Σ share_g × rate_g:

        mix  = Σ (share_B − share_A) × (rate_A + rate_B) / 2
        rate = Σ (rate_B − rate_A) × (share_A + share_B) / 2

    which add up to R_B − R_A exactly. A group present on one side only has share 0 on
    the other, and takes its rate from the side it is on (its change is all mix).
    None when either side has nobody."""
    total_a = sum(n for n, _ in groups_a.values())
    total_b = sum(n for n, _ in groups_b.values())
    if not total_a or not total_b:
        return None
    mix = rate = Fraction(0)
    for value in {**groups_a, **groups_b}:
        n_a, c_a = groups_a.get(value, (0, 0))
        n_b, c_b = groups_b.get(value, (0, 0))
        share_a, share_b = Fraction(n_a, total_a), Fraction(n_b, total_b)
        rate_a = Fraction(c_a, n_a) if n_a else Fraction(c_b, n_b)
        rate_b = Fraction(c_b, n_b) if n_b else rate_a
        mix += (share_b - share_a) * (rate_a + rate_b) / 2
        rate += (rate_b - rate_a) * (share_a + share_b) / 2
    converted_a = sum(c for _, c in groups_a.values())
    converted_b = sum(c for _, c in groups_b.values())
    # mix + rate == total exactly here: the identity holds in rational arithmetic.
    total = Fraction(converted_b, total_b) - Fraction(converted_a, total_a)
    return Decomposition(float(total), float(mix), float(rate), (total, mix, rate))
