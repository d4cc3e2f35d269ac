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
from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from funnel_gui.core.analysis.chart_data import DropOff, Region, Segment, group_offsets, region_at
from funnel_gui.core.engine.results import FunnelResult, StepResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    chart_splitter,
    chrome_height,
    compact_chrome,
    fit_legend,
    legend_width,
    relayout,
    set_title,
    set_wrapped_ticks,
    shortened,
    table_min_height,
    text_height,
    text_width,
)
from funnel_gui.qt.charts.funnel_words import (
    attribution_text,
    segment_hover_text,
    segment_name,
    step_hover_text,
    step_note,
)
from funnel_gui.qt.charts.parts import (
    CountAxis,
    add_bars,
    hover_tooltip,
    legend_below,
    remove_legend,
    stacked_label,
    step_table_view,
    tick_text,
)
from funnel_gui.qt.charts.view_data import FunnelData, funnel_data
from funnel_gui.qt.models.step_table import StepTableModel
from funnel_gui.qt.text import format_percent
from funnel_gui.qt.theme import LEFT_HEX, STILL_OPEN_HEX, kind_colour, segment_colour

BAR_WIDTH = 0.62
GROUP_SPAN = 0.84  # a step's grouped bars fill this much of its slot
FROM_PREVIOUS, FROM_START = "previous", "start"
# The bars keep at least this much height under their labels.
_MIN_BARS_PX = 70
# The labels above the bars may take at most this share of the plot's height.
_MAX_LABEL_SHARE = 0.6
_LABEL_GAP_PX = 4  # between a label and its neighbour, or the plot's top


class FunnelView(ChartView[None, FunnelData]):
    name: ClassVar[str] = "funnel"
    title: ClassVar[str] = "Funnel"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(funnel_data, parent)
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
        self.step_table = step_table_view(self.step_model, "stepTable")
        self.step_table.doubleClicked.connect(lambda index: self._drill(index.row() + 1))

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
        self._step_notes: dict[int, str] = {}  # §15: "skipped N", "in N · out N"
        self._bar_slot = 1.0  # the x room of a labelled bar (grouped: its share of a step)
        self._label_rows = 1  # rows of labels above the highest stack
        self._top = 1.0  # the highest stack
        self._data: FunnelData | None = None  # what is drawn
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    @property
    def conversion_mode(self) -> str:
        return str(self.conversion_box.currentData())

    def view_options(self) -> None:
        return None  # the conversion shown and the split only change the drawing

    def draw(self, result: FunnelResult, data: FunnelData) -> str | None:
        self.clear()
        self._data = data
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
        self._step_names = [(s.number, t) for s, t in zip(steps, data.tick_labels, strict=True)]
        self._step_notes = {s.number: step_note(s) for s in steps}  # §15
        self._set_step_ticks(30)
        set_title(self.plot, None)
        has_groups = result.breakdown is not None and bool(result.breakdown.groups)
        self.split_box.setVisible(has_groups)
        if result.breakdown is not None:
            self.split_box.setText(f"Split by {result.breakdown.property}")
        if has_groups and self.split_box.isChecked():
            self._draw_grouped(result, data.segments)
            self._top = max(s.counts[0] for s in self.segments)
            self._label_rows = 1
        else:
            self._draw_steps(steps, data.drops)
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
        self._data = None
        if self.result is None:
            self.step_model.set_result(None)

    def plot_widget(self) -> pg.PlotWidget | None:
        # The base class asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.result is None or self._data is None:
            return {}
        frames = {"steps": self._data.steps}
        if self._data.breakdown is not None:
            frames["breakdown"] = self._data.breakdown
        return frames

    # ------------------------------------------------------------------ drawing

    def _conversion(self, step: StepResult) -> float | None:
        return step.from_start if self.conversion_mode == FROM_START else step.from_previous

    def _draw_steps(self, steps: Sequence[StepResult], drops: Sequence[DropOff]) -> None:
        for kind in ("micro", "macro"):
            mine = [s for s in steps if s.kind == kind]
            if mine:
                self.kind_bars[kind] = add_bars(
                    self.plot,
                    [s.number for s in mine],
                    [s.count for s in mine],
                    kind_colour(kind),
                    BAR_WIDTH,
                )
        half = BAR_WIDTH / 2
        for s in steps:
            self.regions.append(
                Region(s.number - half, s.number + half, 0, s.count, s.number, "bar")
            )
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
        still_open, left = QColor(STILL_OPEN_HEX), QColor(LEFT_HEX)
        self.drop_bars["still_open"] = add_bars(
            self.plot, at, [d.still_open for d in drops], still_open, BAR_WIDTH, counts
        )
        self.drop_bars["left"] = add_bars(
            self.plot, at, [d.left for d in drops], left, BAR_WIDTH, [d.open_top for d in drops]
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
                self.drop_labels[s.number] = stacked_label(
                    self.plot, f"−{s.drop_off:,} ({rate})", s.number, top, muted_colour(), rows_up=1
                )
            self.count_labels[s.number] = stacked_label(
                self.plot, text, s.number, top, text_colour(), rows_up=2 if s.number > 1 else 1
            )

    def _draw_grouped(self, result: FunnelResult, segments: list[Segment]) -> None:
        assert result.breakdown is not None
        self.segments = segments
        offsets, width = group_offsets(len(self.segments), span=GROUP_SPAN)
        self._bar_slot = GROUP_SPAN / len(self.segments)
        steps = [s.number for s in result.steps]
        for index, (segment, offset) in enumerate(zip(self.segments, offsets, strict=True)):
            colour = segment_colour(index, segment.value)
            xs = [k + offset for k in steps]
            self.segment_bars.append(add_bars(self.plot, xs, list(segment.counts), colour, width))
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
                    stacked_label(self.plot, text, x, count, text_colour(), rows_up=1, size="8pt")
                )
        entries = [
            (segment_colour(i, s.value), segment_name(s)) for i, s in enumerate(self.segments)
        ]
        set_title(
            self.plot,
            f"By {html.escape(shortened(result.breakdown.property))}"
            f" ({attribution_text(result.breakdown.attribution)})",
        )
        self.legend = legend_below(self.plot, entries)

    def _set_step_ticks(self, width: int) -> None:
        """Step names wrapped to `width` characters; the axis as tall as their lines."""
        ticks = [
            (k, "\n".join(filter(None, (tick_text(name, width), self._step_notes.get(k)))))
            for k, name in self._step_names
        ]
        set_wrapped_ticks(self.plot, ticks)

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
            return segment_hover_text(self.result, step, self.segments[region.index])
        return step_hover_text(self.result, step)

    def drill_step_at(self, x: float, y: float) -> int | None:
        """The step a click at (x, y) asks about: its bar or its drop-off; none for step 1."""
        region = self.region_at(x, y)
        if region is None or region.step < 2:
            return None
        return region.step

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hover_tooltip(self.plot, scene_pos, self.tooltip_at)

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
