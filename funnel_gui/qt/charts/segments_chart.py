"""SegmentsView: conversion per breakdown group, each against the rest (FUNNEL_SEMANTICS §10).

One horizontal bar per group (largest first), conversion from step 1 to a chosen step with
its 95% Wilson whisker, a dashed line at everyone's rate, and the groups whose difference
from the rest survives Holm's correction in SIGNIFICANT_HEX with a "*". The long tail is
folded into "Other" (core does the folding). A table of the same numbers sits below.

Each bar is a line of text (its value label), so the plot is never shorter than its bars
need (LINE_PX a bar), and its x range is refitted in pixels whenever it is resized so the
labels always fit right of the whiskers.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QWidget

from funnel_gui.core.analysis.segments import (
    DEFAULT_TOP_N,
    OTHER_LABEL,
    SegmentComparison,
    SegmentRow,
)
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    BAR_LINE_PX,
    MAX_BAR_LINE_PX,
    ChartPlot,
    ChartScroller,
    chart_splitter,
    compact_chrome,
    place_labels_right,
    rows_min_height,
    rows_y_range,
    set_title,
    shortened,
    table_min_height,
)
from funnel_gui.qt.charts.funnel_words import breakdown_name
from funnel_gui.qt.charts.parts import PercentAxis, reference_key, sorted_frame_table, text_item
from funnel_gui.qt.charts.view_data import SegmentsData, SegmentsOptions, segments_data
from funnel_gui.qt.models.frame_table import Column
from funnel_gui.qt.text import format_count, format_p_value, format_percent, format_yes_no
from funnel_gui.qt.theme import SIGNIFICANT_HEX, segment_colour

EMPTY_TEXT = "Choose a breakdown property in the settings bar to compare segments"
ONE_STEP_TEXT = "Add a second step to the funnel to compare the segments' conversion"
SIGNIFICANT_MARK = "*"
_BAR_HEIGHT = 0.62  # of a bar's line


TABLE_COLUMNS = (
    Column("group", "Group"),
    Column("entered", "Entered", format_count, "Units of this group that entered", True),
    Column("converted", "Converted", format_count, "Reached the chosen step", True),
    Column("rate", "Rate", format_percent, "Converted / entered", True),
    Column("ci_low", "95% CI from", format_percent, "Wilson interval", True),
    Column("ci_high", "to", format_percent, "Wilson interval", True),
    Column(
        "p_value",
        "p (Holm)",
        format_p_value,
        "Two-proportion test against all other groups together, Holm-adjusted across groups",
        True,
    ),
    Column("significant", "Significant", format_yes_no, "Holm-adjusted p < 0.05"),
    Column("vs_rest", "Against the rest"),
)


def group_label(row: SegmentRow) -> str:
    """ "mobile (1,234)", "Other: 5 groups (321)", with " *" when significant."""
    name = f"{OTHER_LABEL}: {row.folded:,} groups" if row.is_other else row.value
    mark = f" {SIGNIFICANT_MARK}" if row.significant else ""
    return f"{name} ({row.entered:,}){mark}"


class SegmentsView(ChartView[SegmentsOptions, SegmentsData]):
    name = "breakdown"
    title = "Segments"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(segments_data, parent)
        self.step_combo = QComboBox()
        self.step_combo.setObjectName("segmentsTargetStep")
        self.step_combo.setToolTip("The step whose conversion from step 1 the groups compare")
        self.top_n_spin = QSpinBox()
        self.top_n_spin.setObjectName("segmentsTopN")
        self.top_n_spin.setRange(1, 50)
        self.top_n_spin.setValue(DEFAULT_TOP_N)
        self.top_n_spin.setToolTip("The largest groups keep their own bar; the rest are 'Other'")
        # Sized to the step names, which arrive after the combo is first shown.
        self.step_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for i, widget in enumerate(
            (QLabel("Conversion to"), self.step_combo, QLabel("Show top"), self.top_n_spin)
        ):
            self.toolbar.insertWidget(i, widget)
        self.step_combo.currentIndexChanged.connect(self._on_control_changed)
        self.top_n_spin.valueChanged.connect(self._on_control_changed)
        self.plot = ChartPlot(axisItems={"bottom": PercentAxis("bottom")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.invertY(True)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.model, self.proxy, self.table = sorted_frame_table(TABLE_COLUMNS, self)
        self.scroller = ChartScroller(self.plot)
        self.splitter = chart_splitter(self.scroller, self.table)
        self.content.addWidget(self.splitter)
        self.comparison: SegmentComparison | None = None
        self.bars: pg.BarGraphItem | None = None
        self.whiskers: pg.ErrorBarItem | None = None
        self.reference_line: pg.PlotDataItem | None = None
        self.texts: list[pg.TextItem] = []
        self.tick_labels: list[str] = []
        self._value_labels: list[tuple[pg.TextItem, float]] = []  # (label, whisker end)
        self._x_floor = 0.02
        self._frame = pd.DataFrame()
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    def view_options(self) -> SegmentsOptions:
        step = self.step_combo.currentData()
        return SegmentsOptions(int(step) if step is not None else None, self.top_n_spin.value())

    def draw(self, result: FunnelResult, data: SegmentsData) -> str | None:
        self.clear()
        self._fill_step_combo(result, data.step)
        if result.breakdown is None:
            return EMPTY_TEXT
        if len(result.steps) < 2:
            return ONE_STEP_TEXT
        self.comparison = data.comparison
        if self.comparison is None or not self.comparison.rows:
            return EMPTY_TEXT
        self._frame = data.table
        self.model.set_frame(self._frame, [_row_tooltip(r) for r in self.comparison.rows])
        self.proxy.sort(-1)
        self.table.setMinimumHeight(table_min_height(self.table))
        self._draw_chart(result, self.comparison)
        return None

    def clear(self) -> None:
        self.plot.clear()
        set_title(self.plot, None)
        self.plot.setMinimumHeight(0)
        self.scroller.fit_minimum()
        self.comparison = None
        self.bars = self.whiskers = self.reference_line = None
        self.texts, self.tick_labels, self._value_labels = [], [], []
        self._frame = pd.DataFrame()
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in TABLE_COLUMNS]))

    def plot_widget(self) -> pg.PlotWidget | None:
        # The frame asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"segments": self._frame} if len(self._frame) else {}

    # ------------------------------------------------------------------ controls

    def target_step(self) -> int:
        step = self.step_combo.currentData()
        return int(step) if step is not None else 1

    def set_target_step(self, step: int) -> None:
        index = self.step_combo.findData(step)
        if index >= 0:
            self.step_combo.setCurrentIndex(index)

    def _fill_step_combo(self, result: FunnelResult, target: int) -> None:
        """Steps 2..n, with the step the data compares (the user's choice while that step
        exists, else the macro step: see view_data.target_step)."""
        blocker = QSignalBlocker(self.step_combo)
        self.step_combo.clear()
        for step in result.steps[1:]:
            self.step_combo.addItem(f"{step.number}. {step.label}", step.number)
        self.step_combo.setCurrentIndex(max(self.step_combo.findData(target), 0))
        del blocker
        self.step_combo.setEnabled(self.step_combo.count() > 1)

    def _on_control_changed(self) -> None:
        self.request_data()

    # ------------------------------------------------------------------ drawing

    def _draw_chart(self, result: FunnelResult, comparison: SegmentComparison) -> None:
        rows = comparison.rows
        ys = np.arange(len(rows), dtype=float)
        rates = np.array([_zero_if_nan(r.rate) for r in rows])
        lows = np.array([_zero_if_nan(r.ci[0]) for r in rows])
        highs = np.array([_zero_if_nan(r.ci[1]) for r in rows])
        # Each group keeps the colour it has in the funnel chart (the breakdown's order).
        brushes = [pg.mkBrush(_bar_colour(r, r.index)) for r in rows]
        self.bars = pg.BarGraphItem(
            x0=np.zeros(len(rows)),
            width=rates,
            y=ys,
            height=_BAR_HEIGHT,
            brushes=brushes,
            pen=pg.mkPen(None),
        )
        self.plot.addItem(self.bars)
        self.whiskers = pg.ErrorBarItem(
            x=rates,
            y=ys,
            left=rates - lows,
            right=highs - rates,
            beam=_BAR_HEIGHT * 0.45,
            pen=pg.mkPen(text_colour(), width=1.5),
        )
        self.plot.addItem(self.whiskers)
        self._x_floor = max(float(highs.max()), _zero_if_nan(comparison.overall_rate), 0.02)
        self._x_floor *= 1.04
        for y, row, high in zip(ys, rows, highs, strict=True):
            label = text_item(_value_html(row), QPointF(float(high), float(y)), (0, 0.5))
            self.plot.addItem(label)
            self.texts.append(label)
            self._value_labels.append((label, float(high)))
        self._draw_reference(comparison, len(rows))
        self.tick_labels = [group_label(r) for r in rows]
        left = self.plot.getAxis("left")
        left.setTicks([list(zip(ys.tolist(), self.tick_labels, strict=True))])
        # Wide enough for the longest label: the axis does not grow on its own in time for
        # an export at another size.
        metrics = QFontMetrics(left.style.get("tickFont") or self.plot.font())
        left.setWidth(max(metrics.horizontalAdvance(t) for t in self.tick_labels) + 18)
        attribution = result.breakdown.attribution if result.breakdown else ""
        prop = breakdown_name(result)
        # Short enough for the plot's width in the app: a title wider than the plot would
        # widen the whole chart past its tab. The "*" is explained by the bars' own words.
        title = (
            f"Conversion to {escape(shortened(comparison.step_label))}"
            f" by {escape(shortened(prop, 24))}"
            f" ({escape(attribution.replace('_', ' '))})"
        )
        if not math.isnan(comparison.overall_rate):
            title += f" · {reference_key('all groups', comparison.overall_rate)}"
        set_title(self.plot, title)
        self.plot.setLabel(
            "bottom",
            f"conversion from step 1 to {escape(shortened(comparison.step_label))} (%)"
            " · 95% intervals",
        )
        self.plot.setMinimumHeight(rows_min_height(self.plot, len(rows), BAR_LINE_PX))
        self.scroller.fit_minimum()
        self._fit()

    def _draw_reference(self, comparison: SegmentComparison, n_rows: int) -> None:
        overall = comparison.overall_rate
        if math.isnan(overall):
            return
        self.reference_line = pg.PlotDataItem(
            [overall, overall],
            [-0.5, n_rows - 0.5],
            pen=pg.mkPen(muted_colour(), width=1.5, style=Qt.PenStyle.DashLine),
        )
        self.plot.addItem(self.reference_line)

    def _fit(self) -> None:
        """Ranges for the plot's size now: each value label fits right of its whisker, and
        bars keep a line each."""
        if self.comparison is None or not self._value_labels:
            return
        height = self.plot.plotItem.vb.height()
        gap, x_max = place_labels_right(self.plot, self._value_labels, self._x_floor)
        self.plot.setXRange(-gap / 2, x_max, padding=0)
        lines = len(self._value_labels)
        self.plot.setYRange(*rows_y_range(-0.5, lines, height, MAX_BAR_LINE_PX), padding=0)

    # ------------------------------------------------------------------ hover

    def tooltip_for_row(self, i: int) -> str:
        if self.comparison is None or not 0 <= i < len(self.comparison.rows):
            return ""
        return _row_tooltip(self.comparison.rows[i])

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self.comparison is None:
            return
        y = self.plot.plotItem.vb.mapSceneToView(scene_pos).y()
        i = round(y)
        inside = abs(y - i) <= _BAR_HEIGHT / 2 + 0.1
        self.plot.setToolTip(self.tooltip_for_row(i) if inside else "")


def _bar_colour(row: SegmentRow, index: int) -> QColor:
    """The segment's own colour, strong when it differs from the rest, faded when not."""
    colour = segment_colour(index, "Other" if row.is_other else row.value)
    colour.setAlpha(230 if row.significant else 120)
    return colour


def _value_html(row: SegmentRow) -> str:
    if math.isnan(row.rate):
        return "nobody entered"
    text = f"<b>{format_percent(row.rate)}</b> ({format_percent(row.ci[0])}–"
    text += f"{format_percent(row.ci[1])})"
    if row.significant:
        words = f"{row.direction} than the rest {SIGNIFICANT_MARK}"
        text += f" · <span style='color:{SIGNIFICANT_HEX}'><b>{words}</b></span>"
    return text


def _row_tooltip(row: SegmentRow) -> str:
    name = f"Other ({row.folded:,} smaller groups)" if row.is_other else row.value
    p = format_p_value(row.p_value)
    lines = [
        name,
        f"{row.converted:,} of {row.entered:,} converted: {format_percent(row.rate)}"
        f" (95% CI {format_percent(row.ci[0])}–{format_percent(row.ci[1])})",
        f"the rest: {format_percent(row.rest_rate)}",
        f"p (Holm-adjusted) {p if p.startswith('<') else '= ' + p}",
    ]
    if row.significant:
        lines.append(f"{row.direction} than the rest ({SIGNIFICANT_MARK})")
    elif not math.isnan(row.p_value):
        lines.append("no clear difference from the rest")
    return "\n".join(lines)


def _zero_if_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else float(value)
