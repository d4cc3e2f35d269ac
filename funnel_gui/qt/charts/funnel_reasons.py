"""The funnel chart's drop-off split by why people stopped (§14), and the gaps between bars.

Above bar k the drop-off is drawn as before (still open right on the bar, §7), and the rest,
"left", is split into one part per reason (`core.analysis.reason_chart`), each with its
colour (theme.REASON_HEXES) and a few words in the legend, whose tooltip gives its plain
words and rule (`reason_words`). A step
whose reasons do not add up to its drop-off keeps the one grey "left" part.

Between two bars lies their gap: a faint band from bar k to bar k + 1 that hovering
explains and clicking opens the Paths view on (FunnelView emits `sig_show_gap(k)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem

from funnel_gui.core.analysis.chart_data import DropOff, Region
from funnel_gui.core.analysis.reason_chart import STACK_ORDER, ReasonStack
from funnel_gui.core.analysis.reason_words import REASON_SHORT, REASON_WORDS, reason_tooltip
from funnel_gui.core.engine.results import FunnelResult, StepResult
from funnel_gui.qt.charts.funnel_words import step_hover_text
from funnel_gui.qt.charts.parts import LegendEntry, add_bars
from funnel_gui.qt.text import format_percent
from funnel_gui.qt.theme import LEFT_HEX, MICRO_HEX, REASON_HEXES

REASON_PART = "reason:"  # a Region's part: "reason:never"
GAP_PART = "gap"
GAP_ALPHA = 28
LEFT_WORDS = "Left"
LEFT_TIP = "Left: did not reach this step and their window has closed."
STILL_OPEN_WORDS = "Still open"
STILL_OPEN_TIP = (
    "Still open (may yet convert): did not reach this step yet, but their conversion "
    "window has not closed at the end of the data."
)


def reason_colour(reason: str) -> QColor:
    return QColor(REASON_HEXES.get(reason, LEFT_HEX))


def draw_left(
    plot: pg.PlotWidget,
    drops: Sequence[DropOff],
    stacks: Sequence[ReasonStack],
    width: float,
    regions: list[Region],
) -> dict[str, pg.BarGraphItem]:
    """Above each bar, those who left: split by reason where the reasons add up, one grey
    part elsewhere. Returns the bars by part ("left", "reason:never", …); adds their
    regions to `regions`."""
    split = {s.step for s in stacks}
    half = width / 2
    bars: dict[str, pg.BarGraphItem] = {}
    plain = [d for d in drops if d.step not in split]
    if plain:
        bars["left"] = add_bars(
            plot,
            [d.step for d in plain],
            [d.left for d in plain],
            QColor(LEFT_HEX),
            width,
            [d.open_top for d in plain],
        )
        for d in plain:
            regions.append(
                Region(d.step - half, d.step + half, d.open_top, d.previous_count, d.step, "left")
            )
    for reason in STACK_ORDER:
        parts = [(s.step, p) for s in stacks for p in s.parts if p.reason == reason]
        if not parts:
            continue
        bars[REASON_PART + reason] = add_bars(
            plot,
            [k for k, _ in parts],
            [p.count for _, p in parts],
            reason_colour(reason),
            width,
            [p.y0 for _, p in parts],
        )
        for k, p in parts:
            regions.append(Region(k - half, k + half, p.y0, p.y1, k, REASON_PART + reason))
    return bars


def left_legend(drops: Sequence[DropOff], stacks: Sequence[ReasonStack]) -> list[LegendEntry]:
    """The legend's entries for those who left: "Left" where not split, then each reason
    drawn, in a few words, its plain words and rule on hover (so the legend keeps to one
    or two rows at 1280×720)."""
    split = {s.step for s in stacks}
    entries: list[LegendEntry] = []
    if any(d.left for d in drops if d.step not in split):
        entries.append((QColor(LEFT_HEX), LEFT_WORDS, LEFT_TIP))
    for reason in STACK_ORDER:
        if any(p.reason == reason for s in stacks for p in s.parts):
            entries.append((reason_colour(reason), REASON_SHORT[reason], reason_tooltip(reason)))
    return entries


def draw_gaps(
    plot: pg.PlotWidget,
    steps: Sequence[StepResult],
    width: float,
    regions: list[Region],
    *,
    show: bool,
) -> None:
    """Between bar k and bar k + 1: a faint band from the top of one to the top of the
    other (when `show`), and a region that hovering and clicking find."""
    half = width / 2
    for before, after in pairwise(steps):
        x0, x1 = before.number + half, after.number - half
        regions.append(Region(x0, x1, 0, max(before.count, 1), after.number, GAP_PART))
        if not show:
            continue
        shape = QPainterPath(QPointF(x0, 0))
        shape.lineTo(x0, before.count)
        shape.lineTo(x1, after.count)
        shape.lineTo(x1, 0)
        shape.closeSubpath()
        item = QGraphicsPathItem(shape)
        colour = QColor(MICRO_HEX)
        colour.setAlpha(GAP_ALPHA)
        item.setBrush(QBrush(colour))
        item.setPen(QPen(Qt.PenStyle.NoPen))
        plot.addItem(item)


def extra_hover_text(
    result: FunnelResult, region: Region, stacks: Sequence[ReasonStack]
) -> str | None:
    """What hovering a reason's part or a gap says; None for the chart's other parts."""
    if region.part == GAP_PART:
        k = region.step - 1
        before, after = result.steps[k - 1], result.steps[k]
        return (
            f"From {k}. {before.label} to {k + 1}. {after.label}\n"
            f"{after.count:,} went on, {after.drop_off:,} stopped\n"
            "Click to see the paths between these steps"
        )
    if not region.part.startswith(REASON_PART):
        return None
    stack = next((s for s in stacks if s.step == region.step), None)
    if stack is None:
        return None
    step = result.steps[region.step - 1]
    key = region.part.removeprefix(REASON_PART)
    count, total = stack.counts.get(key, 0), step.drop_off
    share = format_percent(count / total if total else None)
    # The step's own words (count, conversion, drop-off), then why, before the last line
    # (what a click does).
    lines = step_hover_text(result, step).split("\n")
    why = [f"{REASON_WORDS[key]}: {count:,} ({share} of the drop-off)", "why they stopped:"]
    why += [
        f"  {REASON_WORDS[reason]}: {stack.counts[reason]:,}"
        for reason in ("still_open", *reversed(STACK_ORDER))
        if stack.counts.get(reason, 0)
    ]
    return "\n".join([*lines[:-1], *why, lines[-1]])
