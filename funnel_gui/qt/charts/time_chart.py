"""TimeView: how long converting takes, step 1 to the last step (FUNNEL_SEMANTICS §6).

The histogram's bins are on human scales that widen to the right (10 s, 1 min, 1 h, 1 day,
...), so each bin is drawn at the same width and labelled by its edges; the median and the
90th percentile are marked where they fall inside their bins. The table below has the
spread of the time from the previous step and from step 1, per step.

The chart is refitted in pixels whenever it is resized: as many bin edges are labelled as
fit side by side, and the markers' words sit in rows above the highest bar.
"""

from __future__ import annotations

import math
from html import escape
from typing import ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QWidget

from funnel_gui.core.analysis.chart_data import Region, bin_position, region_at
from funnel_gui.core.analysis.unit_words import unit_title, unit_word
from funnel_gui.core.engine.results import FunnelResult, TimeHistogram
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    TEXT_MARGIN_PX,
    ChartPlot,
    chart_splitter,
    chrome_height,
    compact_chrome,
    set_title,
    shortened,
    table_min_height,
    text_height,
)
from funnel_gui.qt.charts.parts import (
    CountAxis,
    add_bars,
    background_colour,
    counted,
    hover_tooltip,
    step_table_view,
)
from funnel_gui.qt.charts.view_data import TimeData, time_data
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.text import format_count, format_percent, format_seconds
from funnel_gui.qt.theme import kind_colour

NOBODY_CONVERTED = "Nobody completed the funnel, so there is no time to convert yet"
ANY_ORDER = (
    "Steps of an any-order funnel can happen in any order, so there is no time from one "
    "step to the next to show"
)
ONE_STEP = "Add a second step to see how long it takes to get from the first to the last"
# The bars keep at least this much height under the markers' words.
_MIN_BARS_PX = 70
_LABEL_GAP_PX = 3
_TICK_GAP_PX = 10  # between two bin-edge labels

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


class TimeView(ChartView[None, TimeData]):
    name: ClassVar[str] = "time"
    title: ClassVar[str] = "Time to convert"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(time_data, parent)
        self.plot = ChartPlot(axisItems={"left": CountAxis("left")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.timing_model = FrameTableModel(timing_columns(), self)
        self.timing_table = step_table_view(self.timing_model, "timingTable")
        self.splitter = chart_splitter(self.plot, self.timing_table)
        self.content.addWidget(self.splitter)

        # What is drawn, kept for hover and tests.
        self.bars: pg.BarGraphItem | None = None
        self.markers: dict[str, pg.InfiniteLine] = {}  # "median", "p90"
        self.regions: list[Region] = []
        self._unit = "actor"
        self._edge_labels: list[str] = []
        self._top = 1.0  # the highest bar
        self._data: TimeData | None = None  # what is drawn
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    def view_options(self) -> None:
        return None

    def draw(self, result: FunnelResult, data: TimeData) -> str | None:
        self.clear()
        self._data = data
        self.timing_model.set_frame(data.timings.assign(name=data.step_names))
        self.timing_table.setMinimumHeight(table_min_height(self.timing_table))
        histogram = result.time_to_convert_histogram
        last = result.steps[-1]
        if result.definition.order == "any":
            return ANY_ORDER
        if len(result.steps) < 2 or histogram is None:
            return ONE_STEP
        if last.time_to_convert is None or sum(histogram.counts) == 0:
            return NOBODY_CONVERTED
        self._unit = result.counted
        self.timing_model.rename("count", unit_title(result))
        self._draw_histogram(histogram)
        self.markers["median"] = self._marker(
            histogram, last.time_to_convert.median, "median", text_colour()
        )
        self.markers["p90"] = self._marker(
            histogram, last.time_to_convert.p90, "90% within", muted_colour()
        )
        self.plot.setLabel("left", unit_word(result))
        self.plot.setLabel("bottom", "time from step 1 (bins widen to the right)")
        converted = sum(histogram.counts)
        set_title(
            self.plot,
            f"Time from step 1 to step {last.number} ({escape(shortened(last.label))}) · "
            f"{counted(converted, result)} converted",
        )
        self.plot.setMinimumHeight(
            math.ceil(chrome_height(self.plot) + self._labels_px() + _MIN_BARS_PX)
        )
        self._fit()
        return None

    def clear(self) -> None:
        self.plot.clear()
        set_title(self.plot, None)
        self.plot.setMinimumHeight(0)
        self._edge_labels = []
        self.bars = None
        self.markers = {}
        self.regions = []
        if self.result is None:
            self._data = None
            self.timing_model.set_frame(pd.DataFrame(columns=[c.key for c in timing_columns()]))

    def plot_widget(self) -> pg.PlotWidget | None:
        # The base class asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        if self.result is None or self._data is None:
            return {}
        return {"histogram": self._data.histogram, "timings": self._data.timings}

    # ------------------------------------------------------------------ drawing

    def _draw_histogram(self, histogram: TimeHistogram) -> None:
        counts = histogram.counts
        colour = QColor(kind_colour("macro"))
        self.bars = add_bars(self.plot, [i + 0.5 for i in range(len(counts))], counts, colour, 0.86)
        self._edge_labels = [format_seconds(edge) for edge in histogram.edges_s]
        self._set_edge_ticks(1)
        self._top = max(counts)
        # Hover anywhere in a bin's column, so an empty bin can say it is empty.
        self.regions = [Region(i, i + 1, 0, math.inf, 0, "bin", i) for i in range(len(counts))]
        self.plot.setXRange(0, len(counts), padding=0.01)  # until fitted to its width

    def _set_edge_ticks(self, every: int) -> None:
        """Every `every`-th bin edge labelled, the others a bare tick."""
        labelled = [(i, t) for i, t in enumerate(self._edge_labels) if i % every == 0]
        bare = [(i, "") for i in range(len(self._edge_labels)) if i % every]
        axis = self.plot.getAxis("bottom")
        if axis._tickLevels != [labelled, bare]:
            axis.setTicks([labelled, bare])

    def _labels_px(self) -> float:
        """The height of the markers' words: a row each, above the highest bar."""
        row = max((text_height(m.label) for m in self.markers.values()), default=16.0)
        return len(self.markers) * (row + _LABEL_GAP_PX) + _LABEL_GAP_PX

    def _fit(self) -> None:
        """Fit the chart to its size now: as many edge labels as fit side by side, the
        markers' words in rows at the top, and the bars below them."""
        if not self._edge_labels:
            return
        view = self.plot.plotItem.vb
        width, height = view.width(), view.height()
        metrics = QFontMetrics(self.plot.font())
        widest = max(metrics.horizontalAdvance(t) for t in self._edge_labels)
        bin_px = width / (len(self._edge_labels) * 1.02) if width > 0 else widest
        self._set_edge_ticks(max(1, math.ceil((widest + _TICK_GAP_PX) / max(bin_px, 1.0))))
        # Room for half of the first and last edge labels, which would otherwise be dropped.
        first = metrics.horizontalAdvance(self._edge_labels[0]) / 2 + 4
        last = metrics.horizontalAdvance(self._edge_labels[-1]) / 2 + 4
        n_bins = len(self._edge_labels) - 1
        if width > 0:
            per_px = n_bins / max(width - first - last, 1.0)
            self.plot.setXRange(-first * per_px, n_bins + last * per_px, padding=0)
        labels_px = self._labels_px()
        share = min(max(labels_px / height if height > 0 else 0.25, 0.1), 0.6)
        self.plot.setYRange(0, self._top / (1 - share), padding=0)
        row = labels_px / max(len(self.markers), 1)
        for index, marker in enumerate(self.markers.values()):
            centre = (index + 0.5) * row + _LABEL_GAP_PX / 2
            marker.label.setPosition(1 - centre / height if height > 0 else 0.9)

    def _marker(
        self, histogram: TimeHistogram, seconds: float, name: str, colour: QColor
    ) -> pg.InfiniteLine:
        style = Qt.PenStyle.SolidLine if name == "median" else Qt.PenStyle.DashLine
        fill = QColor(background_colour())
        fill.setAlpha(220)
        line = pg.InfiniteLine(
            pos=bin_position(histogram.edges_s, seconds),
            angle=90,
            pen=pg.mkPen(colour, width=2, style=style),
            label=f"{name} {format_seconds(seconds)}",
            labelOpts={"position": 0.9, "color": colour, "fill": fill, "movable": False},
        )
        line.label.textItem.document().setDocumentMargin(TEXT_MARGIN_PX)
        line.label.updateTextPos()
        line.setToolTip(f"{name}: {format_seconds(seconds)}")
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
            f"{format_seconds(low)} – {format_seconds(high)}\n"
            f"{counted(count, self._unit)} ({share} of those who converted)"
        )

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hover_tooltip(self.plot, scene_pos, self.tooltip_at)
