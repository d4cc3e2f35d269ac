"""FunnelView: the drop-off funnel, a bar per step with who left and who may yet convert.

Above each step's bar sits the drop-off from the previous step (§3.4), split into those
whose window is still open (§7, amber, right on the bar: they may yet join it) and those
who left, split by why they stopped (§14, `funnel_reasons`). With a breakdown (§5) the bars
are grouped per segment instead. A click on a step's bar or drop-off asks who dropped there
(`sig_drill_down`), one on the gap between two bars for its paths (`sig_show_gap`); the
step table below holds every number.

The chart is refitted in pixels whenever it is resized: the legend wraps to the width, the
step names wrap to their share of it, the y range leaves room for the labels above the
bars, and labels wider than their bar are left out (the hover and the table have them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QWidget

from funnel_gui.core.analysis.chart_data import DropOff, Region, Segment, region_at
from funnel_gui.core.analysis.unit_words import unit_word
from funnel_gui.core.engine.results import FunnelResult, StepResult
from funnel_gui.qt.charts import funnel_reasons as why
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
from funnel_gui.qt.charts.funnel_compare import CompareMode
from funnel_gui.qt.charts.funnel_grouped import (
    PERCENT_AXIS_LABEL,
    CountOrPercentAxis,
    draw_grouped,
)
from funnel_gui.qt.charts.funnel_words import (
    breakdown_name,
    segment_hover_text,
    step_hover_text,
    step_note,
)
from funnel_gui.qt.charts.parts import (
    LegendEntry,
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
from funnel_gui.qt.theme import STILL_OPEN_HEX, kind_colour

BAR_WIDTH = 0.62
FROM_PREVIOUS, FROM_START = "previous", "start"
# The bars keep at least this much height under their labels.
_MIN_BARS_PX = 70
# The step table shows at least this many steps however short the window.
STEP_TABLE_ROWS = 4
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
        # Grouped bars as each group's conversion from step 1 rather than counts.
        self.percent_box = QCheckBox("Percent")
        self.percent_box.setObjectName("segmentPercent")
        self.percent_box.setToolTip("Each group's bars as its conversion from step 1 (%)")
        self.percent_box.setVisible(False)
        self.percent_box.toggled.connect(self._on_display_option_changed)
        self.toolbar.insertWidget(3, self.percent_box)

        self.axis = CountOrPercentAxis("left")
        self.plot = ChartPlot(axisItems={"left": self.axis})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.step_model = StepTableModel(self)
        self.step_table = step_table_view(self.step_model, "stepTable")
        self.step_table.doubleClicked.connect(lambda index: self._drill(index.row() + 1))

        self.compare = CompareMode(self)  # §19: its button, banner, table and bars
        # The step table repeats the editor cards' numbers: it starts small.
        self.splitter = chart_splitter(self.plot, self.step_table, chart_share=4)
        self.step_table.setMinimumHeight(table_min_height(self.step_table, STEP_TABLE_ROWS))
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
        self.step_table.setMinimumHeight(table_min_height(self.step_table, STEP_TABLE_ROWS))
        if result.steps[0].count == 0:
            return (
                f"Nobody did step 1 ({result.steps[0].label}) in this data"
                + (" within the date range" if result.definition.date_range else "")
                + ", so there is no funnel to draw"
            )
        steps = result.steps
        unit_label = unit_word(result)
        self._step_names = [(s.number, t) for s, t in zip(steps, data.tick_labels, strict=True)]
        self._step_notes = {s.number: step_note(s) for s in steps}  # §15
        if self.compare.fits(result):  # §19: A and B side by side
            return self.compare.draw_into(self)
        self._set_step_ticks(30)
        set_title(self.plot, None)
        has_groups = result.breakdown is not None and bool(result.breakdown.groups)
        self.split_box.setVisible(has_groups)
        grouped = has_groups and self.split_box.isChecked()
        self.percent_box.setVisible(grouped)
        self.axis.percent = grouped and self.percent_box.isChecked()
        self.conversion_box.setEnabled(not self.axis.percent)  # percent bars are from start
        self.plot.setLabel("left", PERCENT_AXIS_LABEL if self.axis.percent else unit_label)
        if result.breakdown is not None:
            self.split_box.setText(f"Split by {shortened(breakdown_name(result))}")
        if grouped:
            self._top = draw_grouped(self, result, data.segments, self.axis.percent)
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
        frames = {"steps": self._data.steps, **self.compare.tables()}
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
        entries: list[LegendEntry] = [
            (kind_colour(k), f"{k.capitalize()} step")
            for k in ("micro", "macro")
            if k in self.kind_bars
        ]
        if any(d.still_open for d in drops):
            entries.append((QColor(STILL_OPEN_HEX), why.STILL_OPEN_WORDS, why.STILL_OPEN_TIP))
        entries += why.left_legend(drops, self._data.reasons if self._data is not None else [])
        self.legend = legend_below(self.plot, entries)

    def _draw_drop_offs(self, drops: Sequence[DropOff], steps: Sequence[StepResult]) -> None:
        """Above bar k, up to count_{k-1}: still open right on the bar (they may yet join
        it), those who left on top."""
        at = [d.step for d in drops]
        counts = [steps[d.step - 1].count for d in drops]
        still_open, stacks = QColor(STILL_OPEN_HEX), self._data.reasons if self._data else []
        self.drop_bars["still_open"] = add_bars(
            self.plot, at, [d.still_open for d in drops], still_open, BAR_WIDTH, counts
        )
        self.drop_bars |= why.draw_left(self.plot, drops, stacks, BAR_WIDTH, self.regions)
        half = BAR_WIDTH / 2
        for d, count in zip(drops, counts, strict=True):
            x0, x1 = d.step - half, d.step + half
            self.regions.append(Region(x0, x1, count, d.open_top, d.step, "still_open"))
        why.draw_gaps(self.plot, steps, BAR_WIDTH, self.regions, show=True)

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

    def segment_rate(self, segment: Segment, k: int) -> float | None:
        """The rate on a segment's bar at step k, as the conversion box says."""
        if self.conversion_mode == FROM_START:
            return segment.from_start(k)
        return segment.from_previous(k)

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
        if self.compare.active:
            return self.compare.tooltip(region)
        step = self.result.steps[region.step - 1]
        extra = why.extra_hover_text(self.result, region, self._data.reasons if self._data else [])
        if extra is not None:
            return extra
        if region.part == "segment":
            segment = self.segments[region.index]
            return segment_hover_text(self.result, step, segment, self.axis.percent)
        return step_hover_text(self.result, step)

    def drill_step_at(self, x: float, y: float) -> int | None:
        """The step a click at (x, y) asks about: its bar or its drop-off; none for step 1."""
        region = self.region_at(x, y)
        if region is None or region.step < 2 or region.part == why.GAP_PART:
            return None
        return None if self.compare.active else region.step

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hover_tooltip(self.plot, scene_pos, self.tooltip_at)

    def _on_scene_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.plot.plotItem.vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        region = self.region_at(point.x(), point.y())
        if region is not None and region.part == why.GAP_PART:
            self.sig_show_gap.emit(region.step - 1)  # the paths between k and k + 1
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
