"""What each analysis view draws, computed from a FunnelResult off the GUI thread.

Each function here runs in a worker (the analysis task, or the view's own when one of its
options changes): it calls core and returns plain data, and touches no widget. A view's
`draw()` then only places items. Options are the view's own controls, read on the GUI
thread when the task starts (hashable, so a result computed for other options is known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from funnel_gui.core.analysis.chart_data import (
    DropOff,
    Segment,
    breakdown_frame,
    drop_offs,
    histogram_frame,
    shown_segments,
    step_tick_label,
    timing_frame,
)
from funnel_gui.core.analysis.impact import (
    MicroRow,
    micro_macro_frame,
    micro_rows,
    overall_macro_rate,
)
from funnel_gui.core.analysis.reason_chart import ReasonStack, reason_stacks
from funnel_gui.core.analysis.segments import (
    DEFAULT_TOP_N,
    SegmentComparison,
    segment_comparison,
    segments_frame,
)
from funnel_gui.core.analysis.trends import Period, TrendPoint, auto_period, trend, trend_frame
from funnel_gui.core.analysis.trends import trend_step_label as trend_label
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.results import FunnelResult

PeriodChoice = Literal["auto", "day", "week", "month"]


# ------------------------------------------------------------------ funnel


@dataclass(frozen=True)
class FunnelData:
    tick_labels: list[str]  # per step: "2. Add to cart"
    drops: list[DropOff]  # above each bar from step 2 on
    segments: list[Segment]  # the breakdown's groups as drawn (largest, then "Other")
    steps: pd.DataFrame
    breakdown: pd.DataFrame | None
    reasons: list[ReasonStack] = field(default_factory=list)  # §14: the drop-offs split


def funnel_data(result: FunnelResult, _options: None) -> FunnelData:
    groups = result.breakdown
    drops = drop_offs(result)
    return FunnelData(
        [step_tick_label(result, s) for s in result.steps],
        drops,
        shown_segments(groups) if groups is not None and groups.groups else [],
        result.steps_frame(),
        breakdown_frame(result) if groups is not None else None,
        reasons=reason_stacks(result, drops),
    )


# ------------------------------------------------------------------ time to convert


@dataclass(frozen=True)
class TimeData:
    timings: pd.DataFrame  # per step: the spread of times
    step_names: list[str]  # per step, as its tick reads
    histogram: pd.DataFrame


def time_data(result: FunnelResult, _options: None) -> TimeData:
    return TimeData(
        timing_frame(result),
        [step_tick_label(result, s) for s in result.steps],
        histogram_frame(result.time_to_convert_histogram),
    )


# ------------------------------------------------------------------ micro vs macro


@dataclass(frozen=True)
class MicroMacroData:
    rows: list[MicroRow]
    table: pd.DataFrame
    overall_rate: float  # everyone's macro conversion, the dashed line
    macro_label: str


def micro_macro_data(result: FunnelResult, _options: None) -> MicroMacroData:
    macro = result.steps[macro_step(result.definition) - 1].label if result.steps else ""
    return MicroMacroData(
        micro_rows(result), micro_macro_frame(result), overall_macro_rate(result), macro
    )


# ------------------------------------------------------------------ trend


@dataclass(frozen=True)
class TrendData:
    auto: Period  # what "Auto" picks for this result
    period: Period  # the period drawn
    points: list[TrendPoint]
    table: pd.DataFrame
    step_labels: dict[int, str]  # steps 2..n, as the legend names them


def trend_data(result: FunnelResult, choice: PeriodChoice) -> TrendData:
    auto = auto_period(result)
    period: Period = auto if choice == "auto" else choice
    n_steps = result.definition.n_steps
    points = trend(result, period) if n_steps >= 2 else []
    table = trend_frame(result, points, period) if points else pd.DataFrame()
    labels = {k: trend_label(result, k) for k in range(2, n_steps + 1)}
    return TrendData(auto, period, points, table, labels)


# ------------------------------------------------------------------ segments


@dataclass(frozen=True)
class SegmentsOptions:
    step: int | None = None  # the target step chosen (None: the macro step)
    top_n: int = DEFAULT_TOP_N


@dataclass(frozen=True)
class SegmentsData:
    step: int  # the target step compared, `options.step` if it still exists
    comparison: SegmentComparison | None
    table: pd.DataFrame


def target_step(result: FunnelResult, chosen: int | None) -> int:
    """The step whose conversion the groups compare: the one chosen while it exists among
    steps 2..n, else the macro step, else step 2."""
    last = len(result.steps)
    if chosen is not None and 2 <= chosen <= last:
        return chosen
    macro = macro_step(result.definition)
    return macro if 2 <= macro <= last else 2


def segments_data(result: FunnelResult, options: SegmentsOptions) -> SegmentsData:
    step = target_step(result, options.step)
    comparison = None
    if result.breakdown is not None and len(result.steps) >= 2:
        comparison = segment_comparison(result, step, options.top_n)
    return SegmentsData(step, comparison, segments_frame(comparison))
