"""MicroMacroView: does doing a micro conversion go with converting? (FUNNEL_SEMANTICS §9)

A forest plot: per micro conversion a line of words (its name, the lift and p-value) over a
line with the macro rate of those who did it and of those who did not, as dots with 95%
Wilson whiskers. Micro steps on the funnel's path have no comparison; a note under the chart
says so. Below, micro and macro conversions side by side (reach, rate, time, impact).

The rows are lines of text, so the plot is never shorter than its rows need (LINE_PX a
line), and its ranges are refitted in pixels whenever it is resized: the words next to the
dots always fit, and rows never overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from funnel_gui.core.analysis.impact import MicroRow
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    ChartScroller,
    NoteLabel,
    chart_splitter,
    compact_chrome,
    place_labels_right,
    rows_min_height,
    rows_y_range,
    set_title,
    shortened,
    table_min_height,
)
from funnel_gui.qt.charts.micro_macro_words import (
    DID_HEX,
    DID_NOT_HEX,
    TABLE_COLUMNS,
    header_html,
    on_path_note,
    rates_html,
    row_hover_text,
    table_tooltip,
    title_html,
)

# The view's messages, where callers and tests have always found them.
from funnel_gui.qt.charts.micro_macro_words import ON_PATH_TEXT as ON_PATH_TEXT
from funnel_gui.qt.charts.micro_macro_words import TOO_FEW_TEXT as TOO_FEW_TEXT
from funnel_gui.qt.charts.parts import PercentAxis, background_colour, sorted_frame_table, text_item
from funnel_gui.qt.charts.view_data import MicroMacroData, micro_macro_data

EMPTY_TEXT = (
    "Mark a step as micro, or add micro-conversions, to compare them with the macro conversion"
)

# A comparison is two lines (one data unit each, rows grow downwards): its words, then its
# dots, those who did it just above those who did not.
_LINES_PER_ROW = 2
_DOTS_LINE = 1.5  # the dots' line centre, from the row's top
_DID_OFFSET = -0.25
_DID_NOT_OFFSET = 0.25
_DOT_SIZE = 9
_UNLIMITED = (1 << 24) - 1  # Qt's QWIDGETSIZE_MAX, which PySide6 does not export


@dataclass(frozen=True)
class DrawnGroup:
    """A dot and its whisker as drawn: for tests and tooltips."""

    row: int
    did: bool
    rate: float
    low: float
    high: float
    hollow: bool  # "too few to judge"
    y: float


class MicroMacroView(ChartView[None, MicroMacroData]):
    name = "micro-macro"
    title = "Micro vs macro"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(micro_macro_data, parent)
        self.plot = ChartPlot(axisItems={"bottom": PercentAxis("bottom")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.invertY(True)
        self.plot.hideAxis("left")
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        # The micro steps on the funnel's path: one line of words, not rows of the plot.
        self.on_path_note = NoteLabel()
        self.on_path_note.setObjectName("onPathNote")
        self.on_path_note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.on_path_note.setVisible(False)
        self.chart_pane = chart = QWidget()
        chart_layout = QVBoxLayout(chart)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.setSpacing(2)
        self.scroller = ChartScroller(self.plot)
        chart_layout.addWidget(self.scroller, 1)
        chart_layout.addWidget(self.on_path_note)
        self.model, self.proxy, self.table = sorted_frame_table(TABLE_COLUMNS, self)
        self.splitter = chart_splitter(chart, self.table)
        self.content.addWidget(self.splitter)
        self.rows: list[MicroRow] = []  # the comparisons, top to bottom
        self.on_path_rows: list[MicroRow] = []  # in the note instead
        self.row_tops: list[float] = [0.0]  # band i is [row_tops[i], row_tops[i + 1])
        self.drawn: list[DrawnGroup] = []
        self.texts: list[pg.TextItem] = []
        self.row_texts: dict[int, list[str]] = {}
        self.text_rows: list[int] = []  # the row of each of self.texts
        self.did_points: pg.ScatterPlotItem | None = None
        self.did_not_points: pg.ScatterPlotItem | None = None
        self.whiskers: dict[bool, pg.ErrorBarItem] = {}
        self.reference_line: pg.PlotDataItem | None = None
        self.reference_rate = math.nan  # everyone's macro rate, the dashed line
        self._rate_labels: list[tuple[pg.TextItem, float]] = []  # (label, whisker end)
        self._x_floor = 0.02
        self._only_note = False  # every micro step is on the path: no chart, only the note
        self._frame = pd.DataFrame()
        # Refit at every new size, once everything _fit reads exists.
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ ChartView

    def view_options(self) -> None:
        return None

    def draw(self, result: FunnelResult, data: MicroMacroData) -> str | None:
        self.clear()
        rows = data.rows
        if not rows:
            return EMPTY_TEXT
        self.rows = [r for r in rows if not r.on_path]
        self.on_path_rows = [r for r in rows if r.on_path]
        self.row_tops = [float(_LINES_PER_ROW * i) for i in range(len(self.rows) + 1)]
        self._frame = data.table
        self.model.set_frame(self._frame, [table_tooltip(r) for r in self._frame.itertuples()])
        self.proxy.sort(-1)
        self.table.setMinimumHeight(table_min_height(self.table))
        self.on_path_note.setText(on_path_note(self.on_path_rows))
        self.on_path_note.setVisible(bool(self.on_path_rows))
        # Nothing to compare (every micro step is on the path): the note and the table say
        # it all, an empty plot would not.
        self._only_note = not self.rows
        self.scroller.setVisible(not self._only_note)
        if self._only_note:
            # The table gets the room the chart would have had.
            self.chart_pane.setMaximumHeight(self.on_path_note.minimumHeight())
            return None
        overall = data.overall_rate
        set_title(self.plot, title_html(data.macro_label, overall))
        self.plot.setLabel(
            "bottom",
            f"conversion from step 1 to {escape(shortened(data.macro_label))} (%)"
            " · whiskers: 95% interval",
        )
        self._draw_rows(overall)
        self.plot.setMinimumHeight(rows_min_height(self.plot, self.row_tops[-1]))
        self.scroller.fit_minimum()
        self._fit()
        return None

    def clear(self) -> None:
        self.plot.clear()
        set_title(self.plot, None)
        self._only_note = False
        self.scroller.setVisible(True)
        self.chart_pane.setMaximumHeight(_UNLIMITED)
        self.plot.setMinimumHeight(0)
        self.scroller.fit_minimum()
        self.on_path_note.setVisible(False)
        self.rows, self.on_path_rows, self.drawn = [], [], []
        self.texts, self.row_texts, self.text_rows = [], {}, []
        self.row_tops = [0.0]
        self.did_points = self.did_not_points = None
        self.whiskers = {}
        self.reference_line = None
        self.reference_rate = math.nan
        self._rate_labels = []
        self._frame = pd.DataFrame()
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in TABLE_COLUMNS]))

    def plot_widget(self) -> pg.PlotWidget | None:
        # The frame asks before __init__ has made the plot; with nothing to compare there
        # is no chart, only the note and the table.
        if getattr(self, "_only_note", False):
            return None
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"micro_macro": self._frame} if len(self._frame) else {}

    # ------------------------------------------------------------------ drawing

    def _draw_rows(self, overall: float) -> None:
        self.drawn = self._groups()
        widest = max([g.high for g in self.drawn] + [0.0 if math.isnan(overall) else overall])
        self._x_floor = max(widest, 0.02) * 1.04
        for i, row in enumerate(self.rows):
            self._annotate_row(i, row)
        for did in (True, False):
            self._draw_groups(did)
        if not math.isnan(overall):
            self.reference_rate = overall
            self.reference_line = pg.PlotDataItem(
                [overall, overall],
                [0.0, self.row_tops[-1]],
                pen=pg.mkPen(muted_colour(), style=Qt.PenStyle.DashLine),
            )
            self.plot.addItem(self.reference_line)

    def _groups(self) -> list[DrawnGroup]:
        out = []
        for i, row in enumerate(self.rows):
            c = row.impact.comparison
            for did, rate, ci in ((True, c.rate_a, c.ci_a), (False, c.rate_b, c.ci_b)):
                if not math.isnan(rate):
                    y = self.row_tops[i] + _DOTS_LINE + (_DID_OFFSET if did else _DID_NOT_OFFSET)
                    out.append(DrawnGroup(i, did, rate, ci[0], ci[1], bool(c.too_few), y))
        return out

    def _draw_groups(self, did: bool) -> None:
        groups = [g for g in self.drawn if g.did == did]
        colour = QColor(DID_HEX if did else DID_NOT_HEX)
        base = background_colour()
        xs = np.array([g.rate for g in groups], dtype=float)
        ys = np.array([g.y for g in groups], dtype=float)
        whiskers = pg.ErrorBarItem(
            x=xs,
            y=ys,
            left=xs - np.array([g.low for g in groups], dtype=float),
            right=np.array([g.high for g in groups], dtype=float) - xs,
            beam=0.3,
            pen=pg.mkPen(colour, width=2),
        )
        if groups:
            self.plot.addItem(whiskers)
        points = pg.ScatterPlotItem(
            x=xs,
            y=ys,
            size=_DOT_SIZE,
            symbol="o",
            # Each dot drawn as a path: the cached pixmap atlas comes out garbled in SVG.
            useCache=False,
            pen=[pg.mkPen(colour, width=2) for _ in groups],
            brush=[pg.mkBrush(base if g.hollow else colour) for g in groups],
        )
        points.setZValue(5)  # over the other group's whisker
        self.plot.addItem(points)
        self.whiskers[did] = whiskers
        if did:
            self.did_points = points
        else:
            self.did_not_points = points

    def _annotate_row(self, i: int, row: MicroRow) -> None:
        top = self.row_tops[i]
        self._add_text(i, header_html(row), QPointF(0.0, top + 0.5), (0, 0.5))
        c = row.impact.comparison
        ends = [g.high for g in self.drawn if g.row == i]
        if ends:
            label = self._add_text(i, rates_html(c.rate_a, c.rate_b), QPointF(0, 0), (0, 0.5))
            label.setPos(QPointF(max(ends), top + _DOTS_LINE))
            self._rate_labels.append((label, max(ends)))

    def _add_text(
        self, row: int, html: str, at: QPointF, anchor: tuple[float, float]
    ) -> pg.TextItem:
        item = text_item(html, at, anchor)
        self.plot.addItem(item)
        self.texts.append(item)
        self.text_rows.append(row)
        self.row_texts.setdefault(row, []).append(item.toPlainText())
        return item

    def _fit(self) -> None:
        """Ranges for the plot's size now: the rates' words fit right of their whiskers,
        rows keep their lines, and the spare height stays below the last row."""
        if not self.rows:
            return
        height = self.plot.plotItem.vb.height()
        gap, x_max = place_labels_right(self.plot, self._rate_labels, self._x_floor)
        # The words start a few pixels in from the left edge, at x = 0.
        self.plot.setXRange(-gap, x_max, padding=0)
        self.plot.setYRange(*rows_y_range(0.0, self.row_tops[-1], height), padding=0)

    # ------------------------------------------------------------------ hover

    def tooltip_for_row(self, i: int) -> str:
        """Every number of row i, in words (the hover text)."""
        if not 0 <= i < len(self.rows):
            return ""
        return row_hover_text(self.rows[i])

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if not self.rows:
            return
        y = self.plot.plotItem.vb.mapSceneToView(scene_pos).y()
        self.plot.setToolTip(self.tooltip_for_row(self.row_at(y)))

    def row_at(self, y: float) -> int:
        """The row whose band holds y (view coordinates), or -1."""
        return next(
            (i for i in range(len(self.rows)) if self.row_tops[i] <= y < self.row_tops[i + 1]), -1
        )
