"""What the app compares (FUNNEL_SEMANTICS §19): the funnel against the previous period of
the same length, against a chosen period, or against another export, as two results and
their comparison, with a name for each side.

B is always the funnel as it stands (its date range, or the whole data), A what it is
compared with, so the differences read "now − then": B − A.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from funnel_gui.core.analysis.compare import Comparison, compare
from funnel_gui.core.definition.model import NS_PER_SECOND, DateRange, FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.progress import Cancelled, Progress

NS_PER_DAY = 86_400 * NS_PER_SECOND


class CompareError(UserFacingError):
    """A comparison that cannot be made (no data to take a period from, an empty period)."""


def funnel_period(defn: FunnelDefinition, span_ns: tuple[int, int] | None) -> DateRange:
    """The funnel's own entry period with both ends known: its date range, a missing end
    taken from the data's span (whole UTC days: from the first day's midnight to the
    midnight after the last day)."""
    dates = defn.date_range or DateRange()
    if (dates.start_ns is None or dates.end_ns is None) and span_ns is None:
        raise CompareError(
            "the data has no events to take a period from; set the funnel's dates first"
        )
    start = dates.start_ns
    end = dates.end_ns
    if span_ns is not None:
        start = start if start is not None else span_ns[0] // NS_PER_DAY * NS_PER_DAY
        end = end if end is not None else (span_ns[1] // NS_PER_DAY + 1) * NS_PER_DAY
    if start is None or end is None:  # cannot happen: a missing end came from the span
        raise CompareError("the data has no events to take a period from")
    if start >= end:
        raise CompareError("the funnel's date range is empty; it must end after it starts")
    return DateRange(start, end)


def previous_period(period: DateRange) -> DateRange:
    """The period of the same length that ends where `period` starts."""
    if period.start_ns is None or period.end_ns is None:
        raise CompareError("a period needs both a start and an end to have a length")
    length = period.end_ns - period.start_ns
    return DateRange(period.start_ns - length, period.start_ns)


def period_text(period: DateRange | None) -> str:
    """ "2026-09-01 – 2026-09-21" (the last day included: the end is exclusive), or a
    date-time where a bound is not at midnight; "all dates" for no bounds."""
    if period is None or (period.start_ns is None and period.end_ns is None):
        return "all dates"
    start = _instant_text(period.start_ns, end=False) if period.start_ns is not None else "…"
    end = _instant_text(period.end_ns, end=True) if period.end_ns is not None else "…"
    return f"{start} – {end}"


def _instant_text(ns: int, *, end: bool) -> str:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    if ns % NS_PER_DAY == 0:
        # An exclusive end at midnight reads as the day before, included.
        day = moment - timedelta(days=1) if end else moment
        return day.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: the table it is computed on, the definition (with its
    entry period), and its name for the legend and the table."""

    prepared: PreparedTable
    definition: FunnelDefinition
    label: str


@dataclass(frozen=True)
class ComparisonRun:
    """Two results of one funnel and their comparison (B − A)."""

    comparison: Comparison
    result_a: FunnelResult
    result_b: FunnelResult
    label_a: str
    label_b: str
    what: str = ""  # what A is, in words ("the previous period"), or ""

    @property
    def counted(self) -> str:
        return self.result_b.counted


def with_period(defn: FunnelDefinition, period: DateRange | None) -> FunnelDefinition:
    return replace(defn, date_range=period)


def run_comparison(
    side_a: Side,
    side_b: Side,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    what: str = "",
) -> ComparisonRun:
    """Compute both sides and compare them (§19)."""
    result_a = compute(side_a.prepared, side_a.definition, None, cancelled)
    if progress is not None:
        progress(0.5, "Computing B")
    result_b = compute(side_b.prepared, side_b.definition, None, cancelled)
    return ComparisonRun(
        compare(result_a, result_b), result_a, result_b, side_a.label, side_b.label, what
    )
