"""The funnel split by a breakdown (§5): grouped bars per segment, as counts or — the
"Percent" toggle — as each group's conversion from step 1, so that later steps stay
readable when step 1's bars dwarf them. The left axis reads counts or percentages."""

from __future__ import annotations

import html
from typing import Protocol

import pyqtgraph as pg

from funnel_gui.core.analysis.chart_data import Region, Segment, group_offsets
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts import funnel_reasons as why
from funnel_gui.qt.charts.base import text_colour
from funnel_gui.qt.charts.fitting import set_title, shortened
from funnel_gui.qt.charts.funnel_words import attribution_text, breakdown_name, segment_name
from funnel_gui.qt.charts.parts import CountAxis, add_bars, legend_below, stacked_label
from funnel_gui.qt.text import format_percent
from funnel_gui.qt.theme import segment_colour


class GroupedChart(Protocol):
    """What of the funnel view the grouped bars draw into (it keeps them for hover,
    clicks and tests)."""

    plot: pg.PlotWidget
    segments: list[Segment]
    segment_bars: list[pg.BarGraphItem]
    regions: list[Region]
    bar_labels: list[pg.TextItem]
    legend: pg.LegendItem | None
    _bar_slot: float

    def segment_rate(self, segment: Segment, k: int) -> float | None: ...


GROUP_SPAN = 0.84  # a step's grouped bars fill this much of its slot
PERCENT_AXIS_LABEL = "% of step 1"  # each group's own step 1 (the tooltip says so)


class CountOrPercentAxis(CountAxis):
    """Counts ("3,000"), or in percent mode fractions read as "40%"."""

    percent = False

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.percent:
            return super().tickStrings(values, scale, spacing)
        digits = 0 if spacing * 100 >= 1 else 1
        return [f"{v * 100:.{digits}f}%" if -1e-9 <= v <= 1 + 1e-9 else "" for v in values]


def segment_heights(segment: Segment, percent: bool) -> list[float]:
    """A segment's bar heights: its counts, or its conversion from step 1 (0 for a group
    nobody entered, which has no rate)."""
    if not percent:
        return [float(c) for c in segment.counts]
    return [segment.from_start(k) or 0.0 for k in range(1, len(segment.counts) + 1)]


def draw_grouped(
    view: GroupedChart, result: FunnelResult, segments: list[Segment], percent: bool
) -> float:
    """Draw the grouped bars into `view`; the highest bar (for the y range)."""
    assert result.breakdown is not None
    view.segments = segments
    offsets, width = group_offsets(len(segments), span=GROUP_SPAN)
    view._bar_slot = GROUP_SPAN / len(segments)
    steps = [s.number for s in result.steps]
    # The gaps between steps stay clickable (they open the Paths view) but are not drawn.
    why.draw_gaps(view.plot, result.steps, GROUP_SPAN, view.regions, show=False)
    for index, (segment, offset) in enumerate(zip(segments, offsets, strict=True)):
        colour = segment_colour(index, segment.value)
        xs = [k + offset for k in steps]
        heights = segment_heights(segment, percent)
        view.segment_bars.append(add_bars(view.plot, xs, heights, colour, width))
        for k, x, height in zip(steps, xs, heights, strict=True):
            view.regions.append(
                Region(x - width / 2, x + width / 2, 0, height, k, "segment", index)
            )
            count = segment.counts[k - 1]
            rate = segment.from_start(k) if percent else view.segment_rate(segment, k)
            # Step 1 "from previous" has no rate: its label is the segment's size.
            text = f"{count:,}" if rate is None else format_percent(rate)
            view.bar_labels.append(
                stacked_label(view.plot, text, x, height, text_colour(), rows_up=1, size="8pt")
            )
    entries = [(segment_colour(i, s.value), segment_name(s)) for i, s in enumerate(segments)]
    set_title(
        view.plot,
        f"By {html.escape(shortened(breakdown_name(result)))}"
        f" ({attribution_text(result.breakdown.attribution)})",
    )
    view.legend = legend_below(view.plot, entries)
    if percent:
        return 1.0
    return float(max(s.counts[0] for s in segments))
