"""Pieces the chart views share: axes, the legend under a chart, words, tables and hover text."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QAbstractItemModel, QObject, QPointF, QRectF, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QCursor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QSizePolicy,
    QTableView,
    QToolTip,
)

from funnel_gui.core.analysis.unit_words import Counts, counted_text
from funnel_gui.qt.charts.base import muted_colour, text_colour
from funnel_gui.qt.charts.fitting import compact_rows, compact_text, fit_legend, legend_width
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.text import format_percent

REFERENCE_MARK = "┆"  # the dashed line of everyone's rate, in a title's key

# ------------------------------------------------------------------ axes


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """Whole-number ticks with thousands separators ("3,000", not "3000"); only the major
    ticks are labelled, so a tall axis is not a column of numbers."""

    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.setStyle(maxTextLevel=0)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * scale:,.0f}" if float(v * scale).is_integer() else "" for v in values]


class PercentAxis(pg.AxisItem):  # type: ignore[misc]
    """An axis over fractions that reads as percentages, and stays blank past 100%."""

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # "(x0.001)" would undo the percent formatting

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        digits = 0 if spacing * 100 >= 1 else 1
        return [f"{v * 100:.{digits}f}%" if -1e-9 <= v <= 1 + 1e-9 else "" for v in values]


def nice_step(raw: float) -> float:
    """The round step (1, 2 or 5 times a power of ten) at least `raw`."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def nice_ticks(most: float, count: int) -> list[int]:
    """Round whole numbers from 0 up to `most`, about `count` steps apart."""
    raw = most / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, int(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)))
    return list(range(0, int(most) + 1, step))


# ------------------------------------------------------------------ the legend under a chart


class _Swatch(pg.ItemSample):  # type: ignore[misc]
    """A legend sample that is only a key: a filled square; clicking it hides nothing."""

    def paint(self, painter: QPainter, *args: Any) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pg.mkBrush(self.item.opts["brush"]))
        painter.drawRect(QRectF(3, 3, 14, 14))

    def mouseClickEvent(self, event: Any) -> None:
        event.accept()


LegendEntry = tuple[QColor, str] | tuple[QColor, str, str]  # colour, words[, tooltip]


def legend_below(plot: pg.PlotWidget, entries: Sequence[LegendEntry]) -> pg.LegendItem:
    """A legend under the x axis, where it can never cover a bar: one row when it fits,
    else as many columns as fit the plot's width (`fit_legend`). An entry's third part,
    if any, is the tooltip of its swatch and words (short words, the whole say on hover)."""
    legend = pg.LegendItem(
        colCount=max(1, len(entries)),
        sampleType=_Swatch,
        labelTextColor=text_colour(),
        horSpacing=6,
    )
    for colour, name, *tip in entries:
        legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=1, brush=colour), name)
        if tip:
            for part in legend.items[-1]:
                part.setToolTip(tip[0])
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    plot.plotItem.layout.addItem(legend, 4, 1)
    plot.plotItem.layout.setAlignment(legend, Qt.AlignmentFlag.AlignHCenter)
    fit_legend(legend, legend_width(plot))
    return legend


def remove_legend(plot: pg.PlotWidget, legend: pg.LegendItem | None) -> None:
    if legend is not None:
        plot.plotItem.layout.removeItem(legend)
        if legend.scene() is not None:
            legend.scene().removeItem(legend)


# ------------------------------------------------------------------ words


def counted(count: int, result: Counts | str) -> str:
    """ "1 person", "2,363 people", "1 session", "12 attempts": a count with the word for
    what `result` counts (a result, or its `counted`)."""
    return counted_text(count, result)


def tick_text(text: str, width: int) -> str:
    """A step label wrapped onto at most two lines of `width` characters (its share of the
    axis); the full label is in the hover text and the table."""
    width = max(6, min(30, width))
    return "\n".join(textwrap.wrap(text, width, max_lines=2, placeholder="…")) or text


def reference_key(who: str, rate: float) -> str:
    """The title's key to the dashed line of a shared rate: "┆ everyone 12.3%"."""
    mark = f"<span style='color:{muted_colour().name()}'>{REFERENCE_MARK}</span>"
    return f"{mark} {who} {format_percent(rate)}"


def background_colour() -> QColor:
    """The colour charts are drawn on (the palette's base)."""
    return QApplication.palette().color(QPalette.ColorRole.Base)


def text_item(html: str, at: QPointF, anchor: tuple[float, float]) -> pg.TextItem:
    """Rich text in the palette's text colour on the plot's background, above the lines, so
    a reference line passing behind it never cuts through the words; as tall as its text."""
    item = pg.TextItem(
        html=f"<span style='color:{text_colour().name()}'>{html}</span>",
        fill=pg.mkBrush(background_colour()),
    )
    compact_text(item)
    item.setAnchor(anchor)
    item.setPos(at)
    item.setZValue(10)
    return item


def stacked_label(
    plot: pg.PlotWidget,
    html: str,
    x: float,
    y: float,
    colour: QColor,
    rows_up: int,
    size: str = "9pt",
) -> pg.TextItem:
    """A label centred over (x, y), `rows_up` rows of labels above it."""
    # Anchor y = rows_up stacks labels of equal height above (x, y) without pixel maths.
    item = pg.TextItem(anchor=(0.5, float(rows_up)), color=colour)
    item.setHtml(f'<span style="font-size:{size}">{html}</span>')
    compact_text(item)
    item.setPos(x, y)
    plot.addItem(item)
    return item


# ------------------------------------------------------------------ bars


def add_bars(
    plot: pg.PlotWidget,
    xs: Sequence[float],
    heights: Sequence[float],
    colour: QColor,
    width: float,
    y0: Sequence[int] | None = None,
) -> pg.BarGraphItem:
    """Upright bars in one colour with no outline, from 0 or from `y0`."""
    bars = pg.BarGraphItem(
        x=list(xs),
        height=list(heights),
        y0=list(y0) if y0 is not None else 0,
        width=width,
        brush=colour,
        pen=pg.mkPen(None),
    )
    plot.addItem(bars)
    return bars


# ------------------------------------------------------------------ tables


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
    compact_rows(view)
    return view


def sorted_frame_table(
    columns: Sequence[Column], parent: QObject
) -> tuple[FrameTableModel, QSortFilterProxyModel, QTableView]:
    """A frame's table that sorts by the values (not their text) when a header is clicked:
    the model, the sorting proxy over it, and the view."""
    model = FrameTableModel(columns, parent)
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(VALUE_ROLE)
    return model, proxy, make_table_view(proxy)


def step_table_view(model: QAbstractItemModel, name: str) -> QTableView:
    """The table of numbers per step under a chart: whole rows selected, columns as wide
    as their contents."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    compact_rows(view)
    return view


# ------------------------------------------------------------------ hover


def hover_tooltip(
    plot: pg.PlotWidget, scene_pos: QPointF, tooltip_at: Callable[[float, float], str]
) -> None:
    """The view box's tooltip for the point under the pointer: `tooltip_at(x, y)` in data
    coordinates, none outside the data area."""
    view = plot.plotItem.vb
    text = ""
    if view.sceneBoundingRect().contains(scene_pos):
        point = view.mapSceneToView(scene_pos)
        text = tooltip_at(point.x(), point.y())
    if text != view.toolTip():
        # The view box's own tooltip shows after the usual hover pause; an open
        # tooltip is updated at once so it never lags behind the pointer.
        view.setToolTip(text)
        if QToolTip.isVisible() or not text:
            QToolTip.showText(QCursor.pos(), text, plot)
