"""Charts that stay legible at the size they really get.

In the main window an analysis view gets about 690×330 px, toolbar and table included; the
HTML report renders the same charts at 1100×480. Words on a chart (pg.TextItem) keep their
pixel size while the data coordinates they are placed in stretch with the plot, so a layout
that reads well at one size overlaps at another. The helpers here turn pixel needs into
minimum heights and data ranges. A view re-runs its fitting whenever its plot is resized
(`ChartPlot.sig_resized`), which also happens when an export renders a hidden chart at
another size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QTableView, QWidget

import funnel_gui.qt.charts  # noqa: F401  (selects the Qt binding before pyqtgraph loads)
from funnel_gui.qt.charts.base import text_colour

# One row of chart text: 16 px of 9pt text (with 1 px margins) and 4 px of air between rows.
LINE_PX = 20
# A bar with its one-line label: bars are read as a list, a little denser than rows of words;
# they may grow thicker than rows of words before they look stretched.
BAR_LINE_PX = 18
MAX_BAR_LINE_PX = 56
# Taller rows look stretched (a header far from its dots): spare room goes above and below.
MAX_LINE_PX = 40
# QTextDocument's own 4 px margin would make a one-line label 22 px tall.
TEXT_MARGIN_PX = 1
# Between the end of a whisker or bar and its words.
LABEL_GAP_PX = 6
# The data keep at least this share of the width, even when a label then gets cut.
MIN_DATA_SHARE = 0.35
# The table under a chart always shows its header and this many rows.
TABLE_MIN_ROWS = 2
# A chart of rows asks the window for at most this much height; more rows than fit scroll.
# The analysis tabs share one minimum (the tallest view's), so this keeps a chart of 50
# segments from squeezing the rest of the window (the tabs must fit a 1280×720 screen).
MAX_CHART_MIN_PX = 150


class ChartPlot(pg.PlotWidget):  # type: ignore[misc]
    """A PlotWidget that says when it has been resized, once its items are laid out at the
    new size (also when an export resizes it while hidden)."""

    sig_resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.sig_resized.emit()


class NoteLabel(QLabel):
    """A wrapped line of words under a chart that asks for the height its text needs at
    its width (a splitter does not ask a wrapped label how tall it gets)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        height = self.heightForWidth(self.width()) if self.text() else 0
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)


class ChartScroller(QScrollArea):
    """Holds a chart of rows: it asks for the chart's whole minimum height up to
    MAX_CHART_MIN_PX, and scrolls when given less than the rows need."""

    def __init__(self, chart: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(chart)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def fit_minimum(self) -> None:
        """Follow the chart's minimum height (call after changing it)."""
        chart = self.widget()
        needed = chart.minimumHeight() if chart is not None else 0
        self.setMinimumHeight(min(needed, MAX_CHART_MIN_PX))


def compact_chrome(plot: pg.PlotWidget) -> None:
    """Title and axis labels as tall as their text (set before they are given text). Not
    the right axis's: pyqtgraph nudges it 5 px outwards, into the margin it needs."""
    item = plot.plotItem
    texts = [item.titleLabel.item]
    texts += [item.getAxis(name).label for name in ("left", "bottom")]
    for text in texts:
        text.document().setDocumentMargin(TEXT_MARGIN_PX)


def set_title(plot: pg.PlotWidget, html: str | None, size: str = "10pt") -> None:
    """The plot's title (None: none) in a row as tall as its text (pyqtgraph's is 30 px).
    A title is as wide as its text at least, so keep it short (`shortened` names): a title
    wider than the plot widens the whole chart past its tab."""
    item = plot.plotItem
    if html is None:
        item.titleLabel.setText("")  # a hidden title still holds its width
    plot.setTitle(html, color=text_colour(), size=size)
    if html is not None:
        height = math.ceil(item.titleLabel.item.boundingRect().height()) + 2
        item.titleLabel.setMaximumHeight(height)
        item.layout.setRowFixedHeight(0, height)


def shortened(name: str, limit: int = 32) -> str:
    """A user's name for a step or property, cut to fit in a title."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def compact_text(item: pg.TextItem) -> pg.TextItem:
    """A text item as tall as its text: rows of labels can sit LINE_PX apart."""
    item.textItem.document().setDocumentMargin(TEXT_MARGIN_PX)
    item.updateTextPos()
    return item


def text_width(item: pg.TextItem) -> float:
    return float(item.textItem.boundingRect().width())


def text_height(item: pg.TextItem) -> float:
    return float(item.textItem.boundingRect().height())


def chrome_height(plot: pg.PlotWidget) -> float:
    """The plot's height apart from its data area: title, axes, legend."""
    item = plot.plotItem
    item.layout.activate()
    return float(item.effectiveSizeHint(Qt.SizeHint.MinimumSize).height())


def rows_min_height(plot: pg.PlotWidget, lines: float, line_px: int = LINE_PX) -> int:
    """The height at which `lines` rows of text get `line_px` each."""
    return math.ceil(chrome_height(plot) + lines * line_px + 2)


def rows_y_range(
    top: float, lines: float, height_px: float, max_line_px: int = MAX_LINE_PX
) -> tuple[float, float]:
    """The y range that shows `lines` rows (one data unit each) from `top`, each row no
    taller than `max_line_px`; spare room is shared above and below the rows."""
    if height_px <= 0:
        return top, top + lines
    spare = max(0.0, height_px / max_line_px - lines)
    return top - spare / 2, top + lines + spare / 2


def x_max_for_labels(
    ends: Sequence[float], widths_px: Sequence[float], width_px: float, floor: float
) -> float:
    """The right end of an x range from 0 in which each label i, LABEL_GAP_PX right of
    ends[i], still fits; at least `floor`."""
    x_max = floor
    if width_px <= 0:
        return x_max
    for end, width in zip(ends, widths_px, strict=True):
        share = max(MIN_DATA_SHARE, 1 - (width + LABEL_GAP_PX + 2) / width_px)
        x_max = max(x_max, end / share)
    return x_max


def data_per_pixel(span: float, width_px: float) -> float:
    return span / width_px if width_px > 0 else 0.0


def place_labels_right(
    plot: pg.PlotWidget, labels: Sequence[tuple[pg.TextItem, float]], floor: float
) -> tuple[float, float]:
    """Each (label, end) LABEL_GAP_PX right of its whisker's or bar's end, in an x range
    from 0 to at least `floor` that is wide enough for all of them. Returns the gap in data
    units and the range's right end."""
    width = plot.plotItem.vb.width()
    x_max = x_max_for_labels(
        [end for _, end in labels], [text_width(label) for label, _ in labels], width, floor
    )
    gap = data_per_pixel(x_max, width) * LABEL_GAP_PX
    for label, end in labels:
        label.setPos(QPointF(end + gap, label.pos().y()))
    return gap, x_max


def set_wrapped_ticks(plot: pg.PlotWidget, ticks: Sequence[tuple[float, str]]) -> None:
    """Bottom-axis ticks whose labels may run onto several lines; the axis as tall as the
    most lines (pyqtgraph sizes it for one)."""
    axis = plot.getAxis("bottom")
    if ticks == (axis._tickLevels or [None])[0]:
        return
    axis.setTicks([ticks])
    lines = max(label.count("\n") + 1 for _, label in ticks)
    if lines == 1:
        axis.setHeight(None)
    else:
        offset = axis.style["tickTextOffset"][1] + max(0, axis.style["tickLength"])
        axis.setHeight(lines * QFontMetrics(plot.font()).lineSpacing() + offset + 4)


def relayout(plot: pg.PlotWidget) -> None:
    """Lay the plot's items out at the widget's size again: after its contents narrowed
    (a legend with fewer columns), pyqtgraph keeps the width they had forced."""
    plot.plotItem.setGeometry(QRectF(0, 0, plot.width(), plot.height()))
    plot.plotItem.layout.activate()


def legend_width(plot: pg.PlotWidget) -> float:
    """The width a legend under the x axis can take: the plot's, less its vertical axes."""
    width = float(plot.width())
    for name in ("left", "right"):
        axis = plot.plotItem.getAxis(name)
        if axis.isVisible():
            width -= axis.width()
    return width - 12


def fit_legend(legend: pg.LegendItem, width_px: float) -> None:
    """As many legend columns as fit in `width_px` (entries row by row), at least one."""
    entries = [_entry_width(legend, sample, label) for sample, label in legend.items]
    columns = 1
    for n in range(len(entries), 0, -1):
        widths = [max(entries[c::n]) for c in range(n)]
        if sum(widths) <= width_px:
            columns = n
            break
    legend.setColumnCount(columns)


def _entry_width(legend: pg.LegendItem, sample: pg.GraphicsWidget, label: pg.LabelItem) -> float:
    spacing = legend.layout.horizontalSpacing()
    label_width = label.item.boundingRect().width()
    return float(sample.boundingRect().width() + label_width + 2 * max(spacing, 0) + 6)


def compact_rows(table: QTableView) -> None:
    """Rows one line of text tall, as in every table under a chart."""
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)


def table_min_height(table: QTableView, rows: int = TABLE_MIN_ROWS) -> int:
    """Header, `rows` rows and a horizontal scroll bar."""
    header = table.horizontalHeader().sizeHint().height()
    row = table.verticalHeader().defaultSectionSize()
    scroll = table.horizontalScrollBar().sizeHint().height()
    return header + rows * row + scroll + 2 * table.frameWidth()


def chart_splitter(chart: QWidget, table: QTableView, chart_share: int = 3) -> QSplitter:
    """Chart above, table below; the chart gets the room first (chart_share : 1 to start
    with, and of any extra height), the table keeps its header and a couple of rows."""
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(chart)
    splitter.addWidget(table)
    splitter.setChildrenCollapsible(False)
    splitter.setStretchFactor(0, chart_share)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([chart_share * 1000, 1000])
    table.setMinimumHeight(table_min_height(table))
    return splitter
