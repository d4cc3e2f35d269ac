"""Segment comparison (FUNNEL_SEMANTICS §10): each breakdown group's conversion from step 1
against everyone else, for the segments view and the CLI's `--json` alike.

One computation, `segment_comparison`, tests each shown group against the rest and
Holm-adjusts across the groups shown. The view asks it for one target step with the long
tail folded into "Other"; the CLI asks it for every step with every group (`segments`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from funnel_gui.core.analysis.stats import holm_adjust
from funnel_gui.core.analysis.stats_arrays import two_proportion_p_values, wilson_intervals
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.results import BreakdownGroup, FunnelResult, json_number

SIGNIFICANCE_LEVEL = 0.05
OTHER_LABEL = "Other"
# Seven groups and "Other": the same groups the funnel chart's grouped bars show
# (chart_data.MAX_SEGMENTS bars), so "Other" means the same people in both views.
DEFAULT_TOP_N = 7


@dataclass(frozen=True)
class SegmentRow:
    """One group's conversion from step 1 to the target step, against everyone else (§10)."""

    value: str
    step: int  # the target step (1-based)
    entered: int
    converted: int
    rate: float
    ci: tuple[float, float]
    rest_rate: float  # the same conversion over every other group together
    p_raw: float  # two-proportion test against the rest
    p_value: float  # Holm-adjusted across the rows shown
    folded: int = 0  # how many groups an "Other" row stands for (0 for a real group)
    index: int = 0  # position in the breakdown's own order (for its colour)
    # §18: with a list of properties, each property's value (`value` joins them to show);
    # None for a breakdown by one `property`, and for "Other".
    values: tuple[str, ...] | None = None

    @property
    def count(self) -> int:
        """`converted`, under the name the CLI's JSON gives it (units at the step)."""
        return self.converted

    @property
    def significant(self) -> bool:
        return not math.isnan(self.p_value) and self.p_value < SIGNIFICANCE_LEVEL

    @property
    def is_other(self) -> bool:
        return self.folded > 0

    @property
    def direction(self) -> str:
        """ "higher" or "lower" than the rest when the difference is significant, else ""."""
        if not self.significant:
            return ""
        return "higher" if self.rate > self.rest_rate else "lower"


@dataclass(frozen=True)
class SegmentComparison:
    step: int  # the target step (1-based)
    step_label: str
    rows: list[SegmentRow]
    overall_rate: float  # everyone in a group (i.e. every counted unit)
    entered: int
    converted: int


@dataclass(frozen=True)
class _Group:
    """A row before testing: a breakdown group, or "Other" summing the folded ones."""

    index: int
    value: str
    entered: int
    converted: int
    folded: int = 0
    values: tuple[str, ...] | None = None


def segment_comparison(
    result: FunnelResult, step: int | None = None, top_n: int | None = DEFAULT_TOP_N
) -> SegmentComparison | None:
    """§10 for one target step (default: the macro step): groups sorted by size (entered)
    descending; the groups past the `top_n` largest, when there are two or more of them,
    folded into one "Other" row (counts summed, its Wilson interval and test against the
    rest recomputed); then each row tested against the rest and the p-values
    Holm-adjusted across the rows shown. `top_n=None` folds nothing. None without a
    breakdown. Step 1 is not tested (its p-values are NaN): everyone converts to it.
    """
    if result.breakdown is None or not result.steps:
        return None
    n_steps = len(result.steps)
    step = macro_step(result.definition) if step is None else step
    if not 1 <= step <= n_steps:
        raise ValueError(f"step must be between 1 and {n_steps}, got {step}")
    k = step - 1
    listed = bool(result.breakdown.properties)
    groups = [
        _Group(i, g.value, g.counts[0], g.counts[k], values=_values(g) if listed else None)
        for i, g in enumerate(result.breakdown.groups)
    ]
    groups.sort(key=lambda g: (-g.entered, g.index))
    shown = _fold_tail(groups, top_n)
    entered = sum(g.entered for g in groups)
    converted = sum(g.converted for g in groups)
    return SegmentComparison(
        step,
        result.steps[k].label,
        _against_the_rest(shown, step, entered, converted),
        converted / entered if entered else math.nan,
        entered,
        converted,
    )


def _values(group: BreakdownGroup) -> tuple[str, ...]:
    """§18: a group's list of values (a breakdown by a list of properties)."""
    return group.values if group.values is not None else (group.value,)


def _fold_tail(groups: list[_Group], top_n: int | None) -> list[_Group]:
    """The `top_n` largest groups and one "Other" for the rest (groups sorted by size)."""
    # Folding one group would only hide its name, so "Other" always stands for two or more.
    if top_n is None or len(groups) <= max(1, top_n) + 1:
        return groups
    keep = max(1, top_n)
    tail = groups[keep:]
    other = _Group(
        len(groups),  # past every real group's index: "Other" takes the next colour
        OTHER_LABEL,
        sum(g.entered for g in tail),
        sum(g.converted for g in tail),
        len(tail),
    )
    return [*groups[:keep], other]


def _against_the_rest(
    shown: list[_Group], step: int, entered: int, converted: int
) -> list[SegmentRow]:
    """Each row's rate and Wilson interval, and its test against everyone not in it, for
    every row at once (the array forms of the library calls)."""
    n = np.array([g.entered for g in shown], dtype=np.int64)
    s = np.array([g.converted for g in shown], dtype=np.int64)
    if step > 1:
        raw = two_proportion_p_values(s, n, converted - s, entered - n).tolist()
    else:
        raw = [math.nan] * len(shown)
    adjusted = holm_adjust(raw)
    lows, highs = wilson_intervals(s, n)
    rows = []
    for i, g in enumerate(shown):
        n_g, s_g = g.entered, g.converted
        rest_n = entered - n_g
        rows.append(
            SegmentRow(
                value=g.value,
                step=step,
                entered=n_g,
                converted=s_g,
                rate=s_g / n_g if n_g else math.nan,
                ci=(float(lows[i]), float(highs[i])),
                rest_rate=(converted - s_g) / rest_n if rest_n else math.nan,
                p_raw=raw[i],
                p_value=adjusted[i],
                folded=g.folded,
                index=g.index,
                values=g.values,
            )
        )
    return rows


def segments(result: FunnelResult) -> list[SegmentRow]:
    """§10 for every step and every group, nothing folded: per step, the groups in the
    breakdown's order, each with its Holm-adjusted test against the rest (what the CLI's
    `--json` reports). Empty without a breakdown."""
    out: list[SegmentRow] = []
    for step in range(1, len(result.steps) + 1):
        comparison = segment_comparison(result, step, top_n=None)
        if comparison is None:
            return []
        out += sorted(comparison.rows, key=lambda row: row.index)
    return out


def segment_dicts(rows: list[SegmentRow]) -> list[dict[str, Any]]:
    """The rows as the CLI's JSON writes them (undefined statistics are null); with a
    list of breakdown properties each `value` is the list of their values (§18)."""
    return [
        {
            "value": r.value if r.values is None else list(r.values),
            "step": r.step,
            "count": r.converted,
            "entered": r.entered,
            "rate": json_number(r.rate),
            "ci": [json_number(v) for v in r.ci],
            "p_value": json_number(r.p_value),
        }
        for r in rows
    ]


SEGMENT_COLUMNS = (
    "group",
    "entered",
    "converted",
    "rate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_raw",
    "significant",
    "vs_rest",
    "groups_folded",
)


def segments_frame(comparison: SegmentComparison | None) -> pd.DataFrame:
    """The segment rows as a table (rates as fractions; p_value is Holm-adjusted)."""
    if comparison is None:
        return pd.DataFrame(columns=list(SEGMENT_COLUMNS))
    rows = comparison.rows
    return pd.DataFrame(
        {
            "group": [r.value for r in rows],
            "entered": np.array([r.entered for r in rows], dtype=np.int64),
            "converted": np.array([r.converted for r in rows], dtype=np.int64),
            "rate": [r.rate for r in rows],
            "ci_low": [r.ci[0] for r in rows],
            "ci_high": [r.ci[1] for r in rows],
            "p_value": [r.p_value for r in rows],
            "p_raw": [r.p_raw for r in rows],
            "significant": [r.significant for r in rows],
            "vs_rest": [_vs_rest(r) for r in rows],
            "groups_folded": np.array([r.folded for r in rows], dtype=np.int64),
        },
        columns=list(SEGMENT_COLUMNS),
    )


def _vs_rest(row: SegmentRow) -> str:
    if math.isnan(row.p_value):
        return "not tested"
    if row.significant:
        return f"{row.direction} than the rest"
    return "no clear difference"
