"""FunnelView: the drop-off funnel, a bar per step with who left and who may yet convert.

Above each step's bar sits the drop-off from the previous step (§3.4), split into those
whose window is still open (§7, amber, right on the bar: they may yet join it) and those
who left (grey). With a breakdown (§5) the bars are grouped per segment instead. A click on
a step's bar or drop-off asks who dropped there (`sig_drill_down`); the step table below
holds every number.

The chart is refitted in pixels whenever it is resized: the legend wraps to the width, the
step names wrap to their share of it, the y range leaves room for the labels above the
bars, and labels wider than their bar are left out (the hover and the table have them).
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QToolTip,
    QWidget,
)

from funnel_gui.core.chart_data import (
    DropOff,
    Region,
    Segment,
    breakdown_frame,
    drop_offs,
    group_offsets,
    region_at,
    shown_segments,
    step_tick_label,
)
from funnel_gui.core.results import FunnelResult, StepResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    chart_splitter,
    chrome_height,
    compact_chrome,
    compact_rows,
    compact_text,
    fit_legend,
    relayout,
    set_title,
    shortened,
    table_min_height,
    text_height,
    text_width,
)
from funnel_gui.qt.models.step_table import StepTableModel, format_percent
from funnel_gui.qt.theme import LEFT_HEX, STILL_OPEN_HEX, kind_colour, segment_colour

BAR_WIDTH = 0.62
GROUP_SPAN = 0.84  # a step's grouped bars fill this much of its slot
FROM_PREVIOUS, FROM_START = "previous", "start"
# The bars keep at least this much height under their labels.
_MIN_BARS_PX = 70
# The labels above the bars may take at most this share of the plot's height.
_MAX_LABEL_SHARE = 0.6
_LABEL_GAP_PX = 4  # between a label and its neighbour, or the plot's top


class _Swatch(pg.ItemSample):  # type: ignore[misc]
    """A legend sample that is only a key: a filled square; clicking it hides nothing."""

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pg.mkBrush(self.item.opts["brush"]))
        painter.drawRect(QRectF(3, 3, 14, 14))

    def mouseClickEvent(self, event: Any) -> None:
        event.accept()


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """Whole-number ticks with thousands separators ("3,000", not "3000"); only the major
    ticks are labelled, so a tall axis is not a column of numbers."""

    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.setStyle(maxTextLevel=0)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * scale:,.0f}" if float(v * scale).is_integer() else "" for v in values]


def legend_below(plot: pg.PlotWidget, entries: Sequence[tuple[QColor, str]]) -> pg.LegendItem:
    """A legend under the x axis, where it can never cover a bar: one row when it fits,
    else as many columns as fit the plot's width (`fit_legend`)."""
    legend = pg.LegendItem(
        colCount=max(1, len(entries)),
        sampleType=_Swatch,
        labelTextColor=text_colour(),
        horSpacing=6,
    )
    for colour, name in entries:
        legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=1, brush=colour), name)
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    plot.plotItem.layout.addItem(legend, 4, 1)
    plot.plotItem.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    fit_legend(legend, legend_width(plot))
    return legend


def legend_width(plot: pg.PlotWidget) -> float:
    """The width a legend under the x axis can take: the plot's, less its vertical axes."""
    width = float(plot.width())
    for name in ("left", "right"):
        axis = plot.plotItem.getAxis(name)
        if axis.isVisible():
            width -= axis.width()
    return width - 12


def remove_legend(plot: pg.PlotWidget, legend: pg.LegendItem | None) -> None:
    if legend is not None:
        plot.plotItem.layout.removeItem(legend)
        if legend.scene() is not None:
            legend.scene().removeItem(legend)


def _attribution_text(attribution: str) -> str:
    if attribution == "first_step":
        return "value at step 1"
    if attribution == "last_step":
        return "value at the furthest step reached"
    return f"value at step {attribution.removeprefix('step_')}"


def counted(count: int, unit: str) -> str:
    """ "1 person", "2,363 people", "1 session": a count with its unit's word."""
    if unit == "session":
        return f"{count:,} session" + ("" if count == 1 else "s")
    return f"{count:,} " + ("person" if count == 1 else "people")


def tick_text(text: str, width: int) -> str:
    """A step label wrapped onto at most two lines of `width` characters (its share of the
    axis); the full label is in the hover text and the table."""
    width = max(6, min(30, width))
    return "\n".join(textwrap.wrap(text, width, max_lines=2, placeholder="…")) or text


class FunnelView(ChartView):
    name: ClassVar[str] = "funnel"
    title: ClassVar[str] = "Funnel"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversion_box = QComboBox()
        self.conversion_box.setObjectName("conversionMode")
        self.conversion_box.addItem("from previous", FROM_PREVIOUS)
        self.conversion_box.addItem("from start", FROM_START)
        self.conversion_box.setToolTip("Conversion shown on the bars")
        self.conversion_box.currentIndexChanged.connect(self._on_display_option_changed)
        # With a breakdown: grouped bars per segment, or (unticked) the whole funnel with
        # its drop-off, which grouped bars cannot show.
        self.split_box = QCheckBox("Split by segment")
        self.split_box.setObjectName("splitBySegment")
        self.split_box.setChecked(True)
        self.split_box.setVisible(False)
        self.split_box.toggled.connect(self._on_display_option_changed)
        self.toolbar.insertWidget(0, QLabel("Conversion:"))
        self.toolbar.insertWidget(1, self.conversion_box)
        self.toolbar.insertWidget(2, self.split_box)

        self.plot = ChartPlot(axisItems={"left": CountAxis("left")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.step_model = StepTableModel(self)
        self.step_table = QTableView()
        self.step_table.setObjectName("stepTable")
        self.step_table.setModel(self.step_model)
        self.step_table.verticalHeader().hide()
        self.step_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.step_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.step_table.doubleClicked.connect(lambda index: self._drill(index.row() + 1))
        compact_rows(self.step_table)

        # The step table repeats the editor cards' numbers: it starts small.
        self.splitter = chart_splitter(self.plot, self.step_table, chart_share=4)
        self.content.addWidget(self.splitter)

        # What is drawn, kept for hover, clicks and tests.
        self.kind_bars: dict[str, pg.BarGraphItem] = {}  # "micro"/"macro" (ungrouped)
        self.drop_bars: dict[str, pg.BarGraphItem] = {}  # "still_open"/"left" (ungrouped)
        self.segment_bars: list[pg.BarGraphItem] = []  # one per shown segment (grouped)
        self.segments: list[Segment] = []
        self.count_labels: dict[int, pg.TextItem] = {}  # step -> "720 · 23.4%"
        self.drop_labels: dict[int, pg.TextItem] = {}  # step -> "−2,363 (76.6%)"
        self.bar_labels: list[pg.TextItem] = []  # grouped: one per bar
        self.regions: list[Region] = []
        self.legend: pg.LegendItem | None = None
        self._step_names: list[tuple[int, str]] = []  # (step, full tick label)
        self._bar_slot = 1.0  # the x room of a labelled bar (grouped: its share of a step)
        self._label_rows = 1  # rows of labels above the highest stack
        self._top = 1.0  # the highest stack
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    @property
    def conversion_mode(self) -> str:
        return str(self.conversion_box.currentData())

    def draw(self, result: FunnelResult) -> str | None:
        self.clear()
        self.step_model.set_result(result)
        self.step_table.setMinimumHeight(table_min_height(self.step_table))
        if result.steps[0].count == 0:
            return (
                f"Nobody did step 1 ({result.steps[0].label}) in this data"
                + (" within the date range" if result.definition.date_range else "")
                + ", so there is no funnel to draw"
            )
        steps = result.steps
        self.plot.setLabel("left", "sessions" if result.unit == "session" else "people")
        self._step_names = [(s.number, step_tick_label(result, s)) for s in steps]
        self._set_step_ticks(30)
        set_title(self.plot, None)
        has_groups = result.breakdown is not None and bool(result.breakdown.groups)
        self.split_box.setVisible(has_groups)
        if result.breakdown is not None:
            self.split_box.setText(f"Split by {result.breakdown.property}")
        if has_groups and self.split_box.isChecked():
            self._draw_grouped(result)
            self._top = max(s.counts[0] for s in self.segments)
            self._label_rows = 1
        else:
            self._draw_steps(steps)
            self._top = steps[0].count
            self._label_rows = 2 if len(steps) > 1 else 1
        self.plot.setXRange(0.5, len(steps) + 0.5, padding=0.02)
        self._fit()
        return None

    def clear(self) -> None:
        self.plot.clear()  # removes bars and labels
        remove_legend(self.plot, self.legend)
        self.legend = None
        self.kind_bars, self.drop_bars, self.segment_bars = {}, {}, []
        self.segments = []
        self.count_labels, self.drop_labels, self.bar_labels = {}, {}, []
        self.regions = []
        self._step_names = []
        if self.result is None:
            self.step_model.set_result(None)

    def plot_widget(self) -> pg.PlotWidget | None:
        # The base class asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.result is None:
            return {}
        frames = {"steps": self.result.steps_frame()}
        if self.result.breakdown is not None:
            frames["breakdown"] = breakdown_frame(self.result)
        return frames

    # ------------------------------------------------------------------ drawing

    def _conversion(self, step: StepResult) -> float | None:
        return step.from_start if self.conversion_mode == FROM_START else step.from_previous

    def _draw_steps(self, steps: Sequence[StepResult]) -> None:
        for kind in ("micro", "macro"):
            mine = [s for s in steps if s.kind == kind]
            if mine:
                self.kind_bars[kind] = self._bars(
                    [s.number for s in mine], [s.count for s in mine], kind_colour(kind)
                )
        half = BAR_WIDTH / 2
        for s in steps:
            self.regions.append(
                Region(s.number - half, s.number + half, 0, s.count, s.number, "bar")
            )
        drops = drop_offs(self._result)
        self._draw_drop_offs(drops, steps)
        self._draw_step_labels(steps)
        entries = [
            (kind_colour(k), f"{k.capitalize()} step")
            for k in ("micro", "macro")
            if k in self.kind_bars
        ]
        if any(d.total for d in drops):
            entries.append((QColor(LEFT_HEX), "Left"))
        if any(d.still_open for d in drops):
            entries.append((QColor(STILL_OPEN_HEX), "Still open (may yet convert)"))
        self.legend = legend_below(self.plot, entries)

    def _draw_drop_offs(self, drops: Sequence[DropOff], steps: Sequence[StepResult]) -> None:
        """Above bar k, up to count_{k-1}: still open right on the bar (they may yet join
        it), those who left on top."""
        at = [d.step for d in drops]
        counts = [steps[d.step - 1].count for d in drops]
        self.drop_bars["still_open"] = self._bars(
            at, [d.still_open for d in drops], QColor(STILL_OPEN_HEX), y0=counts
        )
        self.drop_bars["left"] = self._bars(
            at, [d.left for d in drops], QColor(LEFT_HEX), y0=[d.open_top for d in drops]
        )
        half = BAR_WIDTH / 2
        for d, count in zip(drops, counts, strict=True):
            x0, x1 = d.step - half, d.step + half
            self.regions.append(Region(x0, x1, count, d.open_top, d.step, "still_open"))
            self.regions.append(Region(x0, x1, d.open_top, d.previous_count, d.step, "left"))

    def _draw_step_labels(self, steps: Sequence[StepResult]) -> None:
        """Above each stack: the count and conversion, then the drop-off under it."""
        for s in steps:
            top = s.count + s.drop_off
            conversion = self._conversion(s)
            text = f"<b>{s.count:,}</b>"
            if conversion is not None:
                text += f" · {format_percent(conversion)}"
            if s.number > 1:
                rate = format_percent(s.drop_off_rate)
                self.drop_labels[s.number] = self._label(
                    f"−{s.drop_off:,} ({rate})", s.number, top, muted_colour(), rows_up=1
                )
            self.count_labels[s.number] = self._label(
                text, s.number, top, text_colour(), rows_up=2 if s.number > 1 else 1
            )

    def _draw_grouped(self, result: FunnelResult) -> None:
        assert result.breakdown is not None
        self.segments = shown_segments(result.breakdown)
        offsets, width = group_offsets(len(self.segments), span=GROUP_SPAN)
        self._bar_slot = GROUP_SPAN / len(self.segments)
        steps = [s.number for s in result.steps]
        for index, (segment, offset) in enumerate(zip(self.segments, offsets, strict=True)):
            colour = segment_colour(index, segment.value)
            xs = [k + offset for k in steps]
            self.segment_bars.append(self._bars(xs, list(segment.counts), colour, width=width))
            for k, x, count in zip(steps, xs, segment.counts, strict=True):
                self.regions.append(
                    Region(x - width / 2, x + width / 2, 0, count, k, "segment", index)
                )
                rate = (
                    segment.from_start(k)
                    if self.conversion_mode == FROM_START
                    else segment.from_previous(k)
                )
                # Step 1 "from previous" has no rate: its label is the segment's size.
                text = f"{count:,}" if rate is None else format_percent(rate)
                self.bar_labels.append(
                    self._label(text, x, count, text_colour(), rows_up=1, size="8pt")
                )
        entries = [
            (segment_colour(i, s.value), self._segment_name(s)) for i, s in enumerate(self.segments)
        ]
        set_title(
            self.plot,
            f"By {html.escape(shortened(result.breakdown.property))}"
            f" ({_attribution_text(result.breakdown.attribution)})",
        )
        self.legend = legend_below(self.plot, entries)

    def _set_step_ticks(self, width: int) -> None:
        """Step names wrapped to `width` characters; the axis as tall as their lines."""
        axis = self.plot.getAxis("bottom")
        ticks = [(k, tick_text(name, width)) for k, name in self._step_names]
        if ticks == (axis._tickLevels or [None])[0]:
            return
        axis.setTicks([ticks])
        # pyqtgraph sizes the axis for one line of tick text; wrapped labels need room.
        lines = max(label.count("\n") + 1 for _, label in ticks)
        if lines == 1:
            axis.setHeight(None)
        else:
            offset = axis.style["tickTextOffset"][1] + max(0, axis.style["tickLength"])
            axis.setHeight(lines * QFontMetrics(self.plot.font()).lineSpacing() + offset + 4)

    def _labels_px(self) -> float:
        """The height the labels above the highest stack take."""
        labels = [*self.count_labels.values(), *self.bar_labels]
        row = max((text_height(item) for item in labels), default=16.0)
        return self._label_rows * row + _LABEL_GAP_PX

    def _fit(self) -> None:
        """Fit the chart to its size now: the legend to the width, the step names to their
        share of it, labels that are wider than their bar left out, and a y range with
        room for the labels above the highest stack."""
        if not self._step_names:
            return
        if self.legend is not None:
            fit_legend(self.legend, legend_width(self.plot))
        relayout(self.plot)
        view = self.plot.plotItem.vb
        step_px = view.width() / (len(self._step_names) * 1.04 or 1)
        char_px = QFontMetrics(self.plot.font()).averageCharWidth() or 7
        self._set_step_ticks(int(step_px * 0.92 / char_px))
        self.plot.plotItem.layout.activate()
        # Labels that do not fit their bar's width are left out: all of a kind, or none.
        room = step_px * (self._bar_slot if self.bar_labels else 1.0) - _LABEL_GAP_PX
        for labels in (self.bar_labels, list(self.count_labels.values())):
            fits = all(text_width(item) <= room for item in labels)
            for item in labels:
                item.setVisible(fits)
        for item in self.drop_labels.values():
            item.setVisible(text_width(item) <= room)
        # Never so short that the bars are squeezed under their labels (the legend may
        # have grown a row).
        minimum = math.ceil(chrome_height(self.plot) + self._labels_px() + _MIN_BARS_PX)
        if minimum != self.plot.minimumHeight():
            self.plot.setMinimumHeight(minimum)
        height = view.height()
        share = self._labels_px() / height if height > 0 else 0.2
        self.plot.setYRange(0, self._top / (1 - min(max(share, 0.1), _MAX_LABEL_SHARE)), padding=0)

    @staticmethod
    def _segment_name(segment: Segment) -> str:
        if segment.folded:
            return f"{segment.value} ({segment.folded} groups)"
        return segment.value

    def _bars(
        self,
        xs: Sequence[float],
        heights: Sequence[int],
        colour: QColor,
        y0: Sequence[int] | None = None,
        width: float = BAR_WIDTH,
    ) -> pg.BarGraphItem:
        bars = pg.BarGraphItem(
            x=list(xs),
            height=list(heights),
            y0=list(y0) if y0 is not None else 0,
            width=width,
            brush=colour,
            pen=pg.mkPen(None),
        )
        self.plot.addItem(bars)
        return bars

    def _label(
        self, html: str, x: float, y: float, colour: QColor, rows_up: int, size: str = "9pt"
    ) -> pg.TextItem:
        # Anchor y = rows_up stacks labels of equal height above (x, y) without pixel maths.
        item = pg.TextItem(anchor=(0.5, float(rows_up)), color=colour)
        item.setHtml(f'<span style="font-size:{size}">{html}</span>')
        compact_text(item)
        item.setPos(x, y)
        self.plot.addItem(item)
        return item

    @property
    def _result(self) -> FunnelResult:
        assert self.result is not None
        return self.result

    # ------------------------------------------------------------------ hover and click

    def region_at(self, x: float, y: float) -> Region | None:
        """The bar part under a point in data coordinates; thin slivers get a few pixels of
        slack so that a drop-off of a handful of people can still be pointed at."""
        view = self.plot.plotItem.vb
        pixel = view.viewPixelSize()[1] if view.width() else 0.0
        return region_at(self.regions, x, y, slack=4 * pixel)

    def tooltip_at(self, x: float, y: float) -> str:
        region = self.region_at(x, y)
        if region is None or self.result is None:
            return ""
        step = self.result.steps[region.step - 1]
        if region.part == "segment":
            return self._segment_tooltip(step, self.segments[region.index])
        lines = [
            step_tick_label(self.result, step),
            counted(step.count, self.result.unit),
            f"from previous: {format_percent(step.from_previous)}",
            f"from start: {format_percent(step.from_start)}",
        ]
        if step.number > 1:
            lines += [
                f"drop-off: {step.drop_off:,} ({format_percent(step.drop_off_rate)})",
                f"  left: {step.drop_off - step.still_open:,}",
                f"  still open (may yet convert): {step.still_open:,}",
                "Click to see who dropped here",
            ]
        return "\n".join(lines)

    def _segment_tooltip(self, step: StepResult, segment: Segment) -> str:
        assert self.result is not None
        assert self.result.breakdown is not None
        k = step.number
        count = segment.counts[k - 1]
        lines = [
            f"{self.result.breakdown.property} = {self._segment_name(segment)}",
            step_tick_label(self.result, step),
            counted(count, self.result.unit),
            f"from previous: {format_percent(segment.from_previous(k))}",
            f"from start: {format_percent(segment.from_start(k))}",
        ]
        if k > 1:
            lines.append(f"drop-off: {segment.counts[k - 2] - count:,}")
            lines.append("Click to see who dropped here (all segments)")
        return "\n".join(lines)

    def drill_step_at(self, x: float, y: float) -> int | None:
        """The step a click at (x, y) asks about: its bar or its drop-off; none for step 1."""
        region = self.region_at(x, y)
        if region is None or region.step < 2:
            return None
        return region.step

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        view = self.plot.plotItem.vb
        text = ""
        if view.sceneBoundingRect().contains(scene_pos):
            point = view.mapSceneToView(scene_pos)
            text = self.tooltip_at(point.x(), point.y())
        if text != view.toolTip():
            # The view box's own tooltip shows after the usual hover pause; an open
            # tooltip is updated at once so it never lags behind the pointer.
            view.setToolTip(text)
            if QToolTip.isVisible() or not text:
                QToolTip.showText(QCursor.pos(), text, self.plot)

    def _on_scene_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.plot.plotItem.vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        step = self.drill_step_at(point.x(), point.y())
        if step is not None:
            self._drill(step)

    def _drill(self, step: int) -> None:
        if step >= 2:
            self.sig_drill_down.emit(step)

    def _on_display_option_changed(self) -> None:
        """Conversion shown or split toggled: redraw what is shown (a hidden view draws
        with the new choice when it is next shown)."""
        if self.result is not None and not self._stale:
            self.refresh()
