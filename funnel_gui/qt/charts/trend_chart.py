"""TrendView: conversion from step 1 over time, per day, week or month (FUNNEL_SEMANTICS §8).

One line per step after the first (the macro step in the macro colour, the others in shades
of the micro blue), light bars for how many entered per period (right axis), and periods
whose window has not closed yet drawn dashed with hollow points: their rates may still rise.
Everything drawn comes from `insights.trend`.

The legend under the chart wraps to the plot's width, and the axis titles shorten when the
plot is too short for them, whenever the plot is resized.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSizePolicy,
    QTableView,
    QWidget,
)

from funnel_gui.core.analysis.trends import Period, TrendPoint
from funnel_gui.core.analysis.unit_words import unit_word
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    chart_splitter,
    chrome_height,
    compact_chrome,
    compact_rows,
    fit_legend,
    legend_width,
    relayout,
    table_min_height,
)
from funnel_gui.qt.charts.parts import nice_step, nice_ticks
from funnel_gui.qt.charts.trend_lines import TrendLine, draw_trend_line, line_style
from funnel_gui.qt.charts.trend_words import (
    day_month,
    period_hover_text,
    period_label,
    table_columns,
)
from funnel_gui.qt.charts.view_data import PeriodChoice, TrendData, trend_data
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.theme import LEFT_HEX

_PERIOD_CHOICES: tuple[tuple[PeriodChoice, str], ...] = (
    ("auto", "Auto"),
    ("day", "Day"),
    ("week", "Week"),
    ("month", "Month"),
)
_PERIOD_SECONDS = {"day": 86_400.0, "week": 7 * 86_400.0, "month": 30 * 86_400.0}
_MAX_PERIOD_LABELS = 12
_BAR_SHARE = 0.3  # the tallest volume bar reaches this share of the chart's height
INCOMPLETE_TEXT = "incomplete: window open"
# Axis titles, and the shorter ones for a plot too short for them.
LEFT_TITLES = ("conversion from step 1 (%)", "conversion (%)")
RIGHT_TITLES = ("people entered (bars)", "entered")
_MIN_LINES_PX = 100  # the lines' area never gets shorter than this
_SIZING_ROWS = 8  # the table's columns fit the first rows (and the header)
_RIGHT_TICK_PX = 24  # between two labelled ticks of the right axis
NO_ENTRIES_TEXT = "Nobody entered the funnel, so there is no trend to show"
ONE_STEP_TEXT = "Add a second step to see how conversion changes over time"


class TrendView(ChartView[PeriodChoice, TrendData]):
    name = "trend"
    title = "Trend"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(trend_data, parent)
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("trendPeriod")
        self.period_combo.setToolTip("Group people by the day, week or month they entered")
        # "Auto (day)" is named after the first draw, when the combo is already shown.
        self.period_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for key, text in _PERIOD_CHOICES:
            self.period_combo.addItem(text, key)
        self.period_combo.currentIndexChanged.connect(self._on_period_changed)
        self.toolbar.insertWidget(0, QLabel("Period:"))
        self.toolbar.insertWidget(1, self.period_combo)

        self.plot = ChartPlot(
            axisItems={"bottom": pg.DateAxisItem(utcOffset=0), "right": pg.AxisItem("right")}
        )
        style_plot(self.plot)
        compact_chrome(self.plot)
        right = self.plot.getAxis("right")
        right.setPen(self.plot.getAxis("left").pen())
        right.setTextPen(pg.mkPen(muted_colour()))
        self.plot.showAxis("right")
        self.plot.setLabel("left", LEFT_TITLES[0])
        self.plot.setLabel("bottom", "entered the funnel (UTC)")
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.legend = pg.LegendItem(labelTextColor=text_colour(), labelTextSize="9pt", horSpacing=8)
        # Below the axes, in the plot's own layout: it never covers a line, and PNG/SVG
        # exports carry it.
        self.plot.plotItem.layout.addItem(self.legend, 4, 1)
        self.plot.plotItem.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignHCenter)
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.hover_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(muted_colour(), width=1))
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        columns = [Column("period", "Period")]
        self.table_model = FrameTableModel(columns)
        self.table_view = QTableView()
        self.table_view.setObjectName("trendTable")
        self.table_view.setModel(self.table_model)
        self.table_view.verticalHeader().setVisible(False)
        # Columns sized from a few rows: a period's numbers are all about as wide, and
        # measuring every cell of a year of days would hold up the window.
        self.table_view.horizontalHeader().setResizeContentsPrecision(_SIZING_ROWS)
        compact_rows(self.table_view)
        self.table_view.setAlternatingRowColors(True)
        self.splitter = chart_splitter(self.plot, self.table_view)
        self.content.addWidget(self.splitter)

        self.period: Period = "day"  # the period drawn (auto resolved)
        self.points: list[TrendPoint] = []
        self.lines: dict[int, TrendLine] = {}
        self.bars: pg.BarGraphItem | None = None
        self._who = "people"  # what the result counts, in the axis title and legend
        self.people_per_y = 1.0  # volume bars: people per unit of the left axis
        self._most_entered = 1.0  # the tallest volume bar, people
        self._frame = pd.DataFrame()
        self._x = np.zeros(0)
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    def plot_widget(self) -> pg.PlotWidget | None:
        # The base class asks before this class's __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"trend": self._frame} if len(self._frame) else {}

    def clear(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.lines = {}
        self.bars = None
        self.points = []
        self._x = np.zeros(0)
        self._frame = pd.DataFrame()
        self.table_model.set_frame(pd.DataFrame({"period": []}))

    def view_options(self) -> PeriodChoice:
        return _PERIOD_CHOICES[max(0, self.period_combo.currentIndex())][0]

    def draw(self, result: FunnelResult, data: TrendData) -> str | None:
        self.clear()
        self.period_combo.setItemText(0, f"Auto ({data.auto})")
        self.period = data.period
        self._who = unit_word(result)
        self.period_combo.setToolTip(f"Group {self._who} by the day, week or month they entered")
        if result.definition.n_steps < 2:
            return ONE_STEP_TEXT
        self.points = data.points
        if not self.points:
            return NO_ENTRIES_TEXT
        self._x = np.array([p.start.value / 1e9 for p in self.points])
        self._frame = data.table
        y_top = self._draw_lines(result, data.step_labels)
        self._draw_volume(y_top)
        self._draw_legend()
        self._fill_table(result)
        self.plot.addItem(self.hover_line, ignoreBounds=True)
        self.hover_line.hide()
        self._label_periods()
        span = _PERIOD_SECONDS[self.period]
        self.plot.setXRange(self._x[0] - span * 0.6, self._x[-1] + span * 0.6, padding=0)
        # Explicit ticks, and room around 0 and the top: with a grid, pyqtgraph drops tick
        # labels that stick out of the plot, and those two are the ones rates need.
        step = nice_step(y_top / 5)
        ticks = np.arange(0.0, y_top + step / 2, step)
        self.plot.getAxis("left").setTicks([[(float(v), f"{v:g}") for v in ticks], []])
        self.plot.setYRange(-y_top * 0.04, y_top * 1.04, padding=0)
        self.table_view.setMinimumHeight(table_min_height(self.table_view))
        self._fit()
        return None

    def _fit(self) -> None:
        """Fit the chart to its size now: the legend wraps to the width, and the axis
        titles shorten when the plot is too short for them."""
        fit_legend(self.legend, legend_width(self.plot))
        relayout(self.plot)
        height = self.plot.plotItem.vb.height()
        metrics = QFontMetrics(self.plot.font())
        right_titles = (f"{self._who} entered (bars)", RIGHT_TITLES[1])
        for name, titles in (("left", LEFT_TITLES), ("right", right_titles)):
            axis = self.plot.getAxis(name)
            if name == "right" and self.bars is None:
                continue
            fits = metrics.horizontalAdvance(titles[0]) + 8 <= height
            title = titles[0] if fits else titles[1]
            if axis.labelText != title:
                axis.setLabel(title)
                relayout(self.plot)  # the axis is as wide as its new title now
        if self.bars is not None:
            # As many ticks as the bars' part of the height has room for.
            count = max(2, min(4, int(height * _BAR_SHARE / _RIGHT_TICK_PX)))
            ticks = nice_ticks(self._most_entered, count)
            self.plot.getAxis("right").setTicks(
                [[(v / self.people_per_y, f"{v:,}") for v in ticks], []]
            )
        minimum = math.ceil(chrome_height(self.plot) + _MIN_LINES_PX)
        if minimum != self.plot.minimumHeight():
            self.plot.setMinimumHeight(minimum)

    # ------------------------------------------------------------------ drawing

    def _draw_lines(self, result: FunnelResult, labels: dict[int, str]) -> float:
        """One line per step 2..n; returns the top of the y range (percent)."""
        macro = macro_step(result.definition)
        micro_steps = [k for k in range(2, result.definition.n_steps + 1) if k != macro]
        first_open = next((i for i, p in enumerate(self.points) if p.incomplete), len(self.points))
        highest = 0.0
        for k in range(2, result.definition.n_steps + 1):
            y = np.array([100.0 * (p.rate(k) or 0.0) for p in self.points])
            highest = max(highest, float(y.max()))
            style = line_style(k, macro, micro_steps)
            label = labels[k]
            self.lines[k] = draw_trend_line(self.plot, k, label, self._x, y, style, first_open)
        return _nice_top(highest)

    def _draw_volume(self, y_top: float) -> None:
        """Light bars for the people who entered per period, scaled into the lower part of
        the chart and read on the right axis."""
        entered = np.array([p.counts[0] for p in self.points], dtype=float)
        most = max(float(entered.max()), 1.0)
        self.people_per_y = most / (y_top * _BAR_SHARE)
        colour = QColor(LEFT_HEX)
        colour.setAlpha(70)
        self.bars = pg.BarGraphItem(
            x=self._x,
            height=entered / self.people_per_y,
            width=_PERIOD_SECONDS[self.period] * 0.7,
            brush=colour,
            pen=pg.mkPen(None),
        )
        self.bars.setZValue(-1)
        self.plot.addItem(self.bars)
        self._most_entered = most
        self.plot.getAxis("right").setLabel(f"{self._who} entered (bars)")

    def _label_periods(self) -> None:
        """Weeks and months get a tick per period ("7 Sep", "Sep 2026") under their point;
        days keep the date axis's own ticks, which already fall on midnights."""
        axis = self.plot.getAxis("bottom")
        if self.period == "day":
            axis.setTicks(None)
            return
        starts = [p.start for p in self.points]
        if self.period == "week":
            labels = [day_month(s) for s in starts]
        else:
            labels = [f"{s:%b %Y}" for s in starts]
        stride = max(1, math.ceil(len(starts) / _MAX_PERIOD_LABELS))
        major = [(float(self._x[i]), labels[i]) for i in range(0, len(starts), stride)]
        minor = [(float(x), "") for i, x in enumerate(self._x) if i % stride]
        axis.setTicks([major, minor])

    def _draw_legend(self) -> None:
        for line in self.lines.values():
            self.legend.addItem(line.solid, line.label)
        if any(line.dashed is not None for line in self.lines.values()):
            muted = muted_colour()
            sample = pg.PlotDataItem(
                [0, 1],
                [0, 0],
                pen=pg.mkPen(muted, width=2, style=Qt.PenStyle.DashLine),
                symbol="o",
                symbolBrush=self.plot.backgroundBrush().color(),
                symbolPen=pg.mkPen(muted),
            )
            self.legend.addItem(sample, INCOMPLETE_TEXT)
        if self.bars is not None:
            self.legend.addItem(self.bars, f"{self._who} entered")
        self.legend.setColumnCount(min(len(self.legend.items), 6))

    def _on_legend_clicked(self, item: Any) -> None:
        # A line is drawn in up to three pieces; the legend toggles the first one only.
        for line in self.lines.values():
            if line.solid is item:
                for other in line.items():
                    other.setVisible(line.solid.isVisible())

    # ------------------------------------------------------------------ table

    def _fill_table(self, result: FunnelResult) -> None:
        columns = table_columns(result)
        frame = self._frame.copy()
        frame["label"] = [self.period_label(i) for i in range(len(self.points))]
        frame["open"] = ["window still open" if p.incomplete else "" for p in self.points]
        self.table_model = FrameTableModel(columns, self.table_view)
        self.table_model.set_frame(frame, [self.hover_text(i) for i in range(len(self.points))])
        self.table_view.setModel(self.table_model)
        # Sized once per result: a header that resizes to its contents measures every
        # cell again at each layout pass.
        self.table_view.resizeColumnsToContents()

    # ------------------------------------------------------------------ hover

    def period_label(self, index: int) -> str:
        return period_label(self.points[index].start, self.period)

    def hover_text(self, index: int) -> str:
        """Everything about one period: who entered, how many got how far, the rates."""
        step_labels = {k: line.label for k, line in self.lines.items()}
        return period_hover_text(self.points[index], self.period_label(index), step_labels)

    def index_at(self, x_seconds: float) -> int | None:
        """The period drawn nearest to `x_seconds`, if the mouse is within half a period."""
        if not len(self._x):
            return None
        i = int(np.argmin(np.abs(self._x - x_seconds)))
        return i if abs(self._x[i] - x_seconds) <= _PERIOD_SECONDS[self.period] / 2 else None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        box = self.plot.plotItem.vb
        index = None
        if box.sceneBoundingRect().contains(scene_pos):
            index = self.index_at(box.mapSceneToView(scene_pos).x())
        if index is None:
            self.hover_line.hide()
            box.setToolTip("")
            return
        text = self.hover_text(index)
        self.hover_line.setPos(self._x[index])
        self.hover_line.show()
        # The view box's tooltip: Qt shows it where the pointer rests (the scene's help
        # event), which works on every platform plugin.
        box.setToolTip(text)

    def _on_period_changed(self) -> None:
        self.request_data()


def _nice_top(highest: float) -> float:
    """A round upper bound a little above the highest rate (percent)."""
    if highest <= 0:
        return 10.0
    target = highest * 1.1
    step = nice_step(target / 5)
    return min(100.0, math.ceil(target / step) * step) if highest <= 100 else target
