"""TimeView: how long converting takes, step 1 to the last step (FUNNEL_SEMANTICS §6).

The histogram's bins are on human scales that widen to the right (10 s, 1 min, 1 h, 1 day,
...), so each bin is drawn at the same width and labelled by its edges; the median and the
90th percentile are marked where they fall inside their bins. The table below has the
spread of the time from the previous step and from step 1, per step.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QSplitter,
    QTableView,
    QToolTip,
    QWidget,
)

from funnel_gui.core.chart_data import (
    Region,
    bin_position,
    histogram_frame,
    region_at,
    step_tick_label,
    timing_frame,
)
from funnel_gui.core.results import FunnelResult, TimeHistogram
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.funnel_chart import CountAxis, counted
from funnel_gui.qt.models.frame_table import Column, FrameTableModel, format_count, format_seconds
from funnel_gui.qt.models.step_table import format_duration, format_percent
from funnel_gui.qt.theme import kind_colour

NOBODY_CONVERTED = "Nobody completed the funnel, so there is no time to convert yet"
ANY_ORDER = (
    "Steps of an any-order funnel can happen in any order, so there is no time from one "
    "step to the next to show"
)
ONE_STEP = "Add a second step to see how long people take to get from the first to the last"

_SINCE = (
    ("from_previous", "prev.", "the previous step's event"),
    ("from_start", "step 1", "the step-1 event"),
)
_STATS = (
    ("median", "Median"),
    ("mean", "Mean"),
    ("p25", "p25"),
    ("p75", "p75"),
    ("p90", "p90"),
)


def timing_columns() -> list[Column]:
    columns = [
        Column("name", "Step", tooltip="Step number and label"),
        Column("count", "People", format_count, "How many reached this step", numeric=True),
    ]
    for since, short, long in _SINCE:
        for stat, header in _STATS:
            columns.append(
                Column(
                    f"{since}_{stat}_s",
                    f"{header}\nfrom {short}",
                    format_seconds,
                    f"{header} time from {long} to this step's",
                    numeric=True,
                )
            )
    return columns


class TimeView(ChartView):
    name: ClassVar[str] = "time"
    title: ClassVar[str] = "Time to convert"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"left": CountAxis("left")})
        style_plot(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setMinimumHeight(220)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.timing_model = FrameTableModel(timing_columns(), self)
        self.timing_table = QTableView()
        self.timing_table.setObjectName("timingTable")
        self.timing_table.setModel(self.timing_model)
        self.timing_table.verticalHeader().hide()
        self.timing_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timing_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.plot)
        self.splitter.addWidget(self.timing_table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.content.addWidget(self.splitter)

        # What is drawn, kept for hover and tests.
        self.bars: pg.BarGraphItem | None = None
        self.markers: dict[str, pg.InfiniteLine] = {}  # "median", "p90"
        self.regions: list[Region] = []
        self._unit = "actor"

    # ------------------------------------------------------------------ ChartView

    def draw(self, result: FunnelResult) -> str | None:
        self.clear()
        self.timing_model.set_frame(self._timing_display(result))
        histogram = result.time_to_convert_histogram
        last = result.steps[-1]
        if result.definition.order == "any":
            return ANY_ORDER
        if len(result.steps) < 2 or histogram is None:
            return ONE_STEP
        if last.time_to_convert is None or sum(histogram.counts) == 0:
            return NOBODY_CONVERTED
        unit = "sessions" if result.unit == "session" else "people"
        self._unit = result.unit
        self._draw_histogram(histogram)
        self.markers["median"] = self._marker(
            histogram, last.time_to_convert.median, "median", text_colour(), 0.95
        )
        self.markers["p90"] = self._marker(
            histogram, last.time_to_convert.p90, "90% within", muted_colour(), 0.83
        )
        self.plot.setLabel("left", unit)
        self.plot.setLabel("bottom", "time from step 1 (bins widen to the right)")
        converted = sum(histogram.counts)
        self.plot.setTitle(
            f"Time from step 1 to step {last.number} ({last.label}) · "
            f"{counted(converted, result.unit)} converted",
            color=text_colour(),
            size="10pt",
        )
        return None

    def clear(self) -> None:
        self.plot.clear()
        self.plot.setTitle(None)
        self.bars = None
        self.markers = {}
        self.regions = []
        if self.result is None:
            self.timing_model.set_frame(pd.DataFrame(columns=[c.key for c in timing_columns()]))

    def plot_widget(self) -> pg.PlotWidget | None:
        # The base class asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.result is None:
            return {}
        return {
            "histogram": histogram_frame(self.result.time_to_convert_histogram),
            "timings": timing_frame(self.result),
        }

    # ------------------------------------------------------------------ drawing

    @staticmethod
    def _timing_display(result: FunnelResult) -> pd.DataFrame:
        frame = timing_frame(result)
        names = [step_tick_label(result, s) for s in result.steps]
        return frame.assign(name=names)

    def _draw_histogram(self, histogram: TimeHistogram) -> None:
        counts = histogram.counts
        colour = QColor(kind_colour("macro"))
        self.bars = pg.BarGraphItem(
            x=[i + 0.5 for i in range(len(counts))],
            height=counts,
            width=0.86,
            brush=colour,
            pen=pg.mkPen(None),
        )
        self.plot.addItem(self.bars)
        edges = histogram.edges_s
        self.plot.getAxis("bottom").setTicks(
            [[(i, format_duration(edge)) for i, edge in enumerate(edges)]]
        )
        top = max(counts) * 1.25
        # Hover anywhere in a bin's column, so an empty bin can say it is empty.
        self.regions = [Region(i, i + 1, 0, top, 0, "bin", i) for i in range(len(counts))]
        self.plot.setXRange(0, len(counts), padding=0.01)
        self.plot.setYRange(0, top, padding=0)

    def _marker(
        self, histogram: TimeHistogram, seconds: float, name: str, colour: QColor, at: float
    ) -> pg.InfiniteLine:
        style = Qt.PenStyle.SolidLine if name == "median" else Qt.PenStyle.DashLine
        fill = QColor(QApplication.palette().color(QPalette.ColorRole.Base))
        fill.setAlpha(220)
        line = pg.InfiniteLine(
            pos=bin_position(histogram.edges_s, seconds),
            angle=90,
            pen=pg.mkPen(colour, width=2, style=style),
            label=f"{name} {format_duration(seconds)}",
            labelOpts={"position": at, "color": colour, "fill": fill, "movable": False},
        )
        line.setToolTip(f"{name}: {format_duration(seconds)}")
        self.plot.addItem(line)
        return line

    # ------------------------------------------------------------------ hover

    def tooltip_at(self, x: float, y: float) -> str:
        histogram = self.result.time_to_convert_histogram if self.result else None
        region = region_at(self.regions, x, y)
        if region is None or histogram is None:
            return ""
        i = region.index
        count = histogram.counts[i]
        share = format_percent(count / sum(histogram.counts))
        low, high = histogram.edges_s[i], histogram.edges_s[i + 1]
        return (
            f"{format_duration(low)} – {format_duration(high)}\n"
            f"{counted(count, self._unit)} ({share} of those who converted)"
        )

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        view = self.plot.plotItem.vb
        text = ""
        if view.sceneBoundingRect().contains(scene_pos):
            point = view.mapSceneToView(scene_pos)
            text = self.tooltip_at(point.x(), point.y())
        if text != view.toolTip():
            view.setToolTip(text)
            if QToolTip.isVisible() or not text:
                QToolTip.showText(QCursor.pos(), text, self.plot)
