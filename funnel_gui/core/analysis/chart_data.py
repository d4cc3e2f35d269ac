"""What the funnel and time charts draw, worked out from a FunnelResult without Qt.

The charts only place what this module computes: the parts of each step's bar (converted,
still open, left; §3.4, §7), the segments of a breakdown folded to a legible number (§5),
the position of a duration on the time-to-convert histogram's uneven bins (§6), and the
frames behind each view (CSV, Copy).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from funnel_gui.core.engine.results import (
    BreakdownResult,
    FunnelResult,
    StepResult,
    TimeHistogram,
    TimingStats,
)

OTHER = "Other"
MAX_SEGMENTS = 8  # beyond this a grouped bar chart is a barcode; the rest become "Other"


# ---------------------------------------------------------------- steps


def steps_done(number: int) -> str:
    """ "1 step", "2 steps": what row k of an any-order funnel counts (§3.3)."""
    return f"{number} step" if number == 1 else f"{number} steps"


def step_tick_label(result: FunnelResult, step: StepResult) -> str:
    """The x-axis text of a step, and a step's name in cards and tables: an any-order
    funnel counts steps done (§3.3)."""
    if result.definition.order == "any":
        return steps_done(step.number)
    return f"{step.number}. {step.label}"


@dataclass(frozen=True)
class DropOff:
    """The units that reached step k-1 but not step k, split as §7 says."""

    step: int  # k: the step they did not reach
    previous_count: int  # count_{k-1}: the top of the drop-off region
    still_open: int
    left: int

    @property
    def total(self) -> int:
        return self.still_open + self.left

    @property
    def open_top(self) -> int:
        """Still-open units sit right on top of the bar: they may yet join it."""
        return self.previous_count - self.left


def drop_offs(result: FunnelResult) -> list[DropOff]:
    """One entry per step from 2 on, stacked above that step's bar."""
    out = []
    for step in result.steps[1:]:
        out.append(
            DropOff(
                step=step.number,
                # count_{k-1} = count_k + drop-off, unless an optional step (§15) makes
                # the counts rise again: the stack then still sits on step k's bar.
                previous_count=step.count + step.drop_off,
                still_open=step.still_open,
                left=step.drop_off - step.still_open,
            )
        )
    return out


# ---------------------------------------------------------------- breakdown


@dataclass(frozen=True)
class Segment:
    """A breakdown group as drawn: a real group, or "Other" summing the groups left out."""

    value: str
    counts: tuple[int, ...]
    folded: int = 0  # how many groups "Other" stands for; 0 for a real group

    def from_previous(self, k: int) -> float | None:
        """Conversion into step k (1-based) from step k-1 within the segment."""
        if k < 2 or not self.counts[k - 2]:
            return None
        return self.counts[k - 1] / self.counts[k - 2]

    def from_start(self, k: int) -> float | None:
        return self.counts[k - 1] / self.counts[0] if self.counts[0] else None


def shown_segments(breakdown: BreakdownResult, max_segments: int = MAX_SEGMENTS) -> list[Segment]:
    """The groups in the breakdown's order; past `max_segments`, the smallest are summed into
    one "Other" (a group that is itself called "Other" joins it, so no name shows twice)."""
    groups = breakdown.groups
    if len(groups) <= max_segments:
        return [Segment(g.value, tuple(g.counts)) for g in groups]
    kept = [g for g in groups[: max_segments - 1] if g.value != OTHER]
    rest = [g for g in groups if g not in kept]
    summed = tuple(int(sum(column)) for column in zip(*(g.counts for g in rest), strict=True))
    return [*(Segment(g.value, tuple(g.counts)) for g in kept), Segment(OTHER, summed, len(rest))]


def group_offsets(n_groups: int, span: float = 0.8) -> tuple[list[float], float]:
    """x offsets from a step's centre for n side-by-side bars filling `span`, and their
    width (a small gap between bars keeps neighbours apart)."""
    if n_groups <= 0:
        return [], 0.0
    slot = span / n_groups
    offsets = [-span / 2 + slot * (i + 0.5) for i in range(n_groups)]
    return offsets, slot * 0.88


def breakdown_frame(result: FunnelResult) -> pd.DataFrame:
    """Long form of the breakdown, every group (nothing folded): value, step, count."""
    columns = ["value", "step", "label", "count", "from_start"]
    if result.breakdown is None:
        return pd.DataFrame(columns=columns)
    rows = []
    for group in result.breakdown.groups:
        for step, count in zip(result.steps, group.counts, strict=True):
            start = group.counts[0]
            rows.append(
                (group.value, step.number, step.label, count, count / start if start else None)
            )
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------- hit regions


@dataclass(frozen=True)
class Region:
    """A clickable/hoverable rectangle of a chart, in data coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float
    step: int  # the step whose drop-off a click asks about
    part: str  # "bar", "still_open", "left", "bin", ...
    index: int = -1  # segment or bin index, when the part has one

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def region_at(regions: Sequence[Region], x: float, y: float, slack: float = 0.0) -> Region | None:
    """The region under (x, y); failing that, the one within `slack` above or below it, so
    that a sliver a few units tall can still be hit."""
    for region in regions:
        if region.contains(x, y):
            return region
    near = [r for r in regions if r.x0 <= x <= r.x1 and r.y0 - slack <= y <= r.y1 + slack and slack]
    return min(near, key=lambda r: min(abs(y - r.y0), abs(y - r.y1)), default=None)


# ---------------------------------------------------------------- time to convert


def bin_position(edges_s: Sequence[float], seconds: float) -> float:
    """Where `seconds` falls when bin i is drawn from x=i to x=i+1 (bins are uneven, so the
    axis is linear within a bin only); clamped to the histogram's ends."""
    if len(edges_s) < 2 or seconds <= edges_s[0]:
        return 0.0
    if seconds >= edges_s[-1]:
        return float(len(edges_s) - 1)
    i = bisect.bisect_right(edges_s, seconds) - 1
    low, high = edges_s[i], edges_s[i + 1]
    return i + (seconds - low) / (high - low)


def histogram_frame(histogram: TimeHistogram | None) -> pd.DataFrame:
    columns = ["bin_start_s", "bin_end_s", "count", "share"]
    if histogram is None:
        return pd.DataFrame(columns=columns)
    total = sum(histogram.counts)
    rows = [
        (low, high, count, count / total if total else None)
        for low, high, count in zip(
            histogram.edges_s, histogram.edges_s[1:], histogram.counts, strict=False
        )
    ]
    return pd.DataFrame(rows, columns=columns)


_STATS = ("median", "mean", "p25", "p75", "p90")


def timing_frame(result: FunnelResult) -> pd.DataFrame:
    """Per step: how many reached it, and the spread of the time from the previous step and
    from step 1 (seconds; empty for step 1 and for any-order funnels, §3.3)."""
    rows = []
    for step in result.steps:
        row: dict[str, object] = {"step": step.number, "label": step.label, "count": step.count}
        row |= _stats_columns("from_previous", step.time_from_previous)
        row |= _stats_columns("from_start", step.time_to_convert)
        rows.append(row)
    columns = ["step", "label", "count"] + [
        f"{since}_{name}_s" for since in ("from_previous", "from_start") for name in _STATS
    ]
    return pd.DataFrame(rows, columns=columns)


def _stats_columns(since: str, stats: TimingStats | None) -> dict[str, float | None]:
    values = stats.to_dict() if stats is not None else {}
    return {f"{since}_{name}_s": values.get(name) for name in _STATS}
