"""MicroMacroView: does doing a micro conversion go with converting? (FUNNEL_SEMANTICS §9)

A forest plot: one row per micro conversion, with the macro rate of those who did it and of
those who did not as dots with 95% Wilson whiskers, the lift and p-value in words above
them. A micro step on the funnel's path says why it has no comparison instead of drawing
numbers. Below, micro and macro conversions side by side (reach, rate, time, impact).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QSplitter,
    QTableView,
    QWidget,
)

from funnel_gui.core.comparisons import (
    ON_PATH_NOTE,
    MicroRow,
    micro_macro_frame,
    micro_rows,
    overall_macro_rate,
)
from funnel_gui.core.impact import macro_step
from funnel_gui.core.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView, muted_colour, style_plot, text_colour
from funnel_gui.qt.models.frame_table import (
    Column,
    FrameTableModel,
    format_count,
    format_p_value,
    format_rate,
    format_ratio,
    format_seconds,
)
from funnel_gui.qt.models.step_table import VALUE_ROLE, format_percent
from funnel_gui.qt.theme import LEFT_HEX, MICRO_HEX, SIGNIFICANT_HEX, WARNING_HEX

EMPTY_TEXT = (
    "Mark a step as micro, or add micro-conversions, to compare them with the macro conversion"
)
ON_PATH_TEXT = "on the funnel's path: everyone who converts did it, so no comparison"
TOO_FEW_TEXT = "too few to judge"
DID_HEX = MICRO_HEX  # did the micro conversion
DID_NOT_HEX = LEFT_HEX  # did not: the grey of "nothing happened"

# Where things sit inside a row's band (a comparison is 1 unit tall, rows grow downwards).
_HEADER_Y = 0.04
_DID_Y = 0.5
_DID_NOT_Y = 0.8
_ON_PATH_HEIGHT = 0.5  # one line of words
_TOP_STRIP = 0.3  # above the first row: the "everyone" label of the reference line
_DATA_SHARE = 0.6  # the dots use the left 60% of the width; their labels the rest


class PercentAxis(pg.AxisItem):  # type: ignore[misc]
    """An axis over fractions that reads as percentages, and stays blank past 100%."""

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # "(x0.001)" would undo the percent formatting

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        digits = 0 if spacing * 100 >= 1 else 1
        return [f"{v * 100:.{digits}f}%" if -1e-9 <= v <= 1 + 1e-9 else "" for v in values]


def format_points(value: Any) -> str:
    """A difference of rates in percentage points: "+7.4 pts"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value) * 100:+.1f} pts"


def format_relative(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:+.0%}"


def _interval(low: float, high: float) -> str:
    return f"{format_percent(low)}–{format_percent(high)}"


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


TABLE_COLUMNS = (
    Column("conversion", "Conversion"),
    Column("type", "Type"),
    Column("reached", "Reached", format_count, "Units who reached this step or did this", True),
    Column("rate_from_start", "From step 1", format_rate, "Reached / entered the funnel", True),
    Column(
        "time_to_reach_median_s",
        "Median time from step 1",
        format_seconds,
        "Median time from the step-1 event (for extra micro-conversions: to the first one)",
        True,
    ),
    Column("rate_did", "Macro rate if did", format_rate, "Conversion of those who did it", True),
    Column(
        "rate_did_not", "Macro rate if not", format_rate, "Conversion of those who did not", True
    ),
    Column("lift", "Lift", format_points, "Macro rate if did − if not", True),
    Column("lift_low", "Lift 95% CI from", format_points, "Newcombe interval", True),
    Column("lift_high", "to", format_points, "Newcombe interval", True),
    Column("p_value", "p", format_p_value, "Two-proportion z-test", True),
    Column("odds_ratio", "Odds ratio", format_ratio, "With +1 in every cell", True),
    Column("n_did", "Did (n)", format_count, "Group A: did it", True),
    Column("n_did_not", "Did not (n)", format_count, "Group B: everyone else who entered", True),
    Column("note", "Note"),
)


class MicroMacroView(ChartView):
    name = "micro-macro"
    title = "Micro vs macro"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": PercentAxis("bottom")})
        style_plot(self.plot)
        self.plot.invertY(True)
        self.plot.hideAxis("left")
        self.plot.setMinimumHeight(220)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.model = FrameTableModel(TABLE_COLUMNS, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(VALUE_ROLE)
        self.table = make_table_view(self.proxy)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.content.addWidget(splitter)
        self.rows: list[MicroRow] = []  # in drawing order, top to bottom
        self.row_tops: list[float] = [0.0]  # band i is [row_tops[i], row_tops[i + 1])
        self.drawn: list[DrawnGroup] = []
        self.texts: list[pg.TextItem] = []
        self.row_texts: dict[int, list[str]] = {}
        self.did_points: pg.ScatterPlotItem | None = None
        self.did_not_points: pg.ScatterPlotItem | None = None
        self.whiskers: dict[bool, pg.ErrorBarItem] = {}
        self.reference_line: pg.PlotDataItem | None = None
        self.reference_rate = math.nan  # everyone's macro rate, the dashed line
        self._frame = pd.DataFrame()

    # ------------------------------------------------------------------ ChartView

    def draw(self, result: FunnelResult) -> str | None:
        self.clear()
        rows = micro_rows(result)
        if not rows:
            return EMPTY_TEXT
        # The comparisons first; the on-path steps after them, each saying why it has none.
        self.rows = [r for r in rows if not r.on_path] + [r for r in rows if r.on_path]
        self.row_tops = _row_tops(self.rows)
        self._frame = micro_macro_frame(result)
        self.model.set_frame(self._frame, [_table_tooltip(r) for r in self._frame.itertuples()])
        self.proxy.sort(-1)
        macro = result.steps[macro_step(result.definition) - 1]
        self.plot.setTitle(
            f"Conversion to {escape(macro.label)}: did the micro-conversion vs did not"
            " (dot: rate · whiskers: 95% interval)",
            color=text_colour(),
            size="10pt",
        )
        self.plot.setLabel("bottom", f"conversion from step 1 to {macro.label} (%)")
        x_max = self._draw_rows(result)
        self.plot.setXRange(-x_max * 0.005, x_max, padding=0)
        self.plot.setYRange(-_TOP_STRIP, self.row_tops[-1], padding=0.01)
        return None

    def clear(self) -> None:
        self.plot.clear()
        self.plot.setTitle(None)
        self.rows, self.drawn, self.texts, self.row_texts = [], [], [], {}
        self.row_tops = [0.0]
        self.did_points = self.did_not_points = None
        self.whiskers = {}
        self.reference_line = None
        self.reference_rate = math.nan
        self._frame = pd.DataFrame()
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in TABLE_COLUMNS]))

    def plot_widget(self) -> pg.PlotWidget | None:
        # The frame asks before __init__ has made the plot.
        return getattr(self, "plot", None)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"micro_macro": self._frame} if len(self._frame) else {}

    # ------------------------------------------------------------------ drawing

    def _draw_rows(self, result: FunnelResult) -> float:
        self.drawn = self._groups()
        overall = overall_macro_rate(result)
        widest = max([g.high for g in self.drawn] + [0.0 if math.isnan(overall) else overall])
        x_max = max(widest, 0.02) / _DATA_SHARE
        for i, row in enumerate(self.rows):
            self._annotate_row(i, row, x_max)
        for did in (True, False):
            self._draw_groups(did)
        compared = sum(1 for r in self.rows if not r.on_path)
        if compared and not math.isnan(overall):
            # Down to the last comparison only: the on-path rows below are words.
            self.reference_rate = overall
            self.reference_line = pg.PlotDataItem(
                [overall, overall],
                [-_TOP_STRIP * 0.6, self.row_tops[compared]],
                pen=pg.mkPen(muted_colour(), style=Qt.PenStyle.DashLine),
            )
            self.plot.addItem(self.reference_line)
            note = f"everyone: {format_percent(overall)}"
            html = f"<span style='color:{muted_colour().name()}'>{note}</span>"
            self._add_text(-1, html, QPointF(overall + x_max * 0.006, -_TOP_STRIP / 2), (0, 0.5))
        return x_max

    def _groups(self) -> list[DrawnGroup]:
        out = []
        for i, row in enumerate(self.rows):
            if row.on_path:
                continue
            c = row.impact.comparison
            for did, rate, ci in ((True, c.rate_a, c.ci_a), (False, c.rate_b, c.ci_b)):
                if not math.isnan(rate):
                    y = self.row_tops[i] + (_DID_Y if did else _DID_NOT_Y)
                    out.append(DrawnGroup(i, did, rate, ci[0], ci[1], bool(c.too_few), y))
        return out

    def _draw_groups(self, did: bool) -> None:
        groups = [g for g in self.drawn if g.did == did]
        colour = QColor(DID_HEX if did else DID_NOT_HEX)
        base = QApplication.palette().color(QPalette.ColorRole.Base)
        xs = np.array([g.rate for g in groups], dtype=float)
        ys = np.array([g.y for g in groups], dtype=float)
        whiskers = pg.ErrorBarItem(
            x=xs,
            y=ys,
            left=xs - np.array([g.low for g in groups], dtype=float),
            right=np.array([g.high for g in groups], dtype=float) - xs,
            beam=0.12,
            pen=pg.mkPen(colour, width=2),
        )
        if groups:
            self.plot.addItem(whiskers)
        points = pg.ScatterPlotItem(
            x=xs,
            y=ys,
            size=12,
            symbol="o",
            # Each dot drawn as a path: the cached pixmap atlas comes out garbled in SVG.
            useCache=False,
            pen=[pg.mkPen(colour, width=2) for _ in groups],
            brush=[pg.mkBrush(base if g.hollow else colour) for g in groups],
        )
        self.plot.addItem(points)
        self.whiskers[did] = whiskers
        if did:
            self.did_points = points
        else:
            self.did_not_points = points

    def _annotate_row(self, i: int, row: MicroRow, x_max: float) -> None:
        pad, top = x_max * 0.01, self.row_tops[i]
        if row.on_path:
            muted = muted_colour().name()
            html = (
                f"{_header_html(row)} · <span style='color:{muted}'>{escape(ON_PATH_TEXT)}</span>"
            )
            self._add_text(i, html, QPointF(pad, top + _ON_PATH_HEIGHT / 2), (0, 0.5))
            return
        self._add_text(i, _header_html(row), QPointF(pad, top + _HEADER_Y), (0, 0))
        c = row.impact.comparison
        for did, n, rate, ci, y in (
            (True, row.impact.n_a, c.rate_a, c.ci_a, _DID_Y),
            (False, row.impact.n_b, c.rate_b, c.ci_b, _DID_NOT_Y),
        ):
            x = (ci[1] if not math.isnan(rate) else 0.0) + pad
            self._add_text(i, _group_html(did, n, rate, ci), QPointF(x, top + y), (0, 0.5))

    def _add_text(self, row: int, html: str, at: QPointF, anchor: tuple[float, float]) -> None:
        item = text_item(html, at, anchor)
        self.plot.addItem(item)
        self.texts.append(item)
        self.row_texts.setdefault(row, []).append(item.toPlainText())

    # ------------------------------------------------------------------ hover

    def tooltip_for_row(self, i: int) -> str:
        """Every number of row i, in words (the hover text)."""
        if not 0 <= i < len(self.rows):
            return ""
        row = self.rows[i]
        if row.on_path:
            return f"{row.label}: {ON_PATH_TEXT}."
        m, c = row.impact, row.impact.comparison
        lines = [
            row.label,
            f"did it: {format_count(m.macro_a)} of {format_count(m.n_a)} converted"
            f" ({format_rate(c.rate_a)}, 95% CI {_interval(*c.ci_a)})",
            f"did not: {format_count(m.macro_b)} of {format_count(m.n_b)} converted"
            f" ({format_rate(c.rate_b)}, 95% CI {_interval(*c.ci_b)})",
            f"lift {format_points(c.difference)} (95% CI {format_points(c.difference_ci[0])}"
            f" to {format_points(c.difference_ci[1])}),"
            f" relative {format_relative(c.relative_lift)}",
            f"{_p_text(c.p_value)} · odds ratio {format_ratio(c.odds_ratio)}",
        ]
        if m.time_to_micro is not None:
            lines.append(f"median time from step 1 to it: {format_seconds(m.time_to_micro.median)}")
        if c.too_few:
            lines.append(f"{TOO_FEW_TEXT}: each group needs at least 30")
        return "\n".join(lines)

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


def text_item(html: str, at: QPointF, anchor: tuple[float, float]) -> pg.TextItem:
    """Rich text in the palette's text colour on the plot's background, above the lines, so
    a reference line passing behind it never cuts through the words."""
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    item = pg.TextItem(
        html=f"<span style='color:{text_colour().name()}'>{html}</span>",
        fill=pg.mkBrush(base),
    )
    item.setAnchor(anchor)
    item.setPos(at)
    item.setZValue(10)
    return item


def _row_tops(rows: list[MicroRow]) -> list[float]:
    tops = [0.0]
    for row in rows:
        tops.append(tops[-1] + (_ON_PATH_HEIGHT if row.on_path else 1.0))
    return tops


def _header_html(row: MicroRow) -> str:
    label = f"<b>{escape(row.label)}</b>"
    if row.step_number is not None:
        label += f" <span>(step {row.step_number})</span>"
    if row.on_path:
        return label
    c = row.impact.comparison
    if math.isnan(c.difference):
        return f"{label} · nothing to compare: one group is empty"
    parts = [
        f"lift {format_points(c.difference)} ({format_relative(c.relative_lift)} relative)",
        _p_text(c.p_value),
        f"odds ratio {format_ratio(c.odds_ratio)}",
    ]
    text = escape(" · ".join(parts))
    if c.too_few:
        text += (
            f" · <span style='color:{WARNING_HEX}'><b>⚠ {TOO_FEW_TEXT}</b>"
            " (fewer than 30 in a group)</span>"
        )
    elif c.p_value < 0.05:
        text = f"<span style='color:{SIGNIFICANT_HEX}'>{text}</span>"
    return f"{label} · {text}"


def _p_text(p: float) -> str:
    shown = format_p_value(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def _group_html(did: bool, n: int, rate: float, ci: tuple[float, float]) -> str:
    colour = DID_HEX if did else DID_NOT_HEX
    who = "did it" if did else "did not"
    dot = f"<span style='color:{colour}'>●</span>"
    if math.isnan(rate):
        return f"{dot} {who}: nobody"
    return f"{dot} {who}: <b>{format_percent(rate)}</b> ({_interval(*ci)}) of {n:,}"


def _table_tooltip(row: Any) -> str:
    if row.note == ON_PATH_NOTE:
        return f"{row.conversion}: {ON_PATH_TEXT}."
    if row.note == TOO_FEW_TEXT:
        return f"{row.conversion}: {TOO_FEW_TEXT} (fewer than 30 in a group)."
    return ""


def make_table_view(model: QSortFilterProxyModel) -> QTableView:
    """A read-only, sortable table that starts in the frame's own order."""
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setDefaultSectionSize(24)
    return view
