"""ChartView: the frame every analysis view shares.

A view is one tab of the analysis area (`funnel`, `micro-macro`, `time`, `trend`,
`breakdown`). It is given the current FunnelResult and draws it; everything it shows is
computed in core. The frame gives each view the same things:

- an empty state with a line telling the user what to do next;
- deferred drawing: a hidden tab only remembers the result and draws when it is shown (or
  when an export asks), so a recompute does not pay for five charts nobody is looking at;
- export of the chart to PNG and SVG, of its tables to CSV, and Copy (the chart as an image
  and the main table as tab-separated text, so it pastes into a spreadsheet).

Subclasses put their widgets in `self.content` (a QVBoxLayout) and implement `draw()`,
`plot_widget()` and `tables()`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QResizeEvent, QShowEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import funnel_gui.qt.charts  # noqa: F401  (selects the Qt binding before pyqtgraph loads)
from funnel_gui.core.atomic import atomic_path
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.save_dialog import save_with_dialog
from funnel_gui.qt.table_menu import install_table_menu

NO_STEPS_TEXT = "Add steps to the funnel to see this chart"


class ChartView(QWidget):
    name: ClassVar[str] = ""  # the `--view` name
    title: ClassVar[str] = ""  # the tab's text

    # A step number (1-based) whose drop-off the user wants to look into (drill-down).
    sig_drill_down = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"chartView-{self.name}")
        self.result: FunnelResult | None = None
        self._stale = False
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.addStretch(1)
        self.export_buttons: dict[str, QToolButton] = {}
        for key, text, tip, slot in (
            ("png", "PNG", "Save the chart as a PNG image", self.export_png_dialog),
            ("svg", "SVG", "Save the chart as an SVG drawing", self.export_svg_dialog),
            ("csv", "CSV", "Save the numbers behind the chart as CSV", self.export_csv_dialog),
            ("copy", "Copy", "Copy the chart and its table to the clipboard", self.copy),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"export-{key}")
            button.clicked.connect(slot)
            self.export_buttons[key] = button
            self.toolbar.addWidget(button)
        self.empty_label = QLabel(NO_STEPS_TEXT)
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        body = QWidget()
        self.content = QVBoxLayout(body)
        self.content.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(body)
        self._body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.stack, 1)
        # Nothing to export until a result is drawn (the subclass builds its chart after
        # this constructor, so plot_widget() cannot be asked yet).
        for button in self.export_buttons.values():
            button.setEnabled(False)

    # ------------------------------------------------------------------ for subclasses

    def draw(self, result: FunnelResult) -> str | None:
        """Draw `result`; return None, or a sentence for the empty state when this view has
        nothing to show for it (e.g. "Pick a breakdown property to compare segments")."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget what was drawn (no result). The default does nothing."""

    def plot_widget(self) -> pg.PlotWidget | None:
        """The chart exported to PNG/SVG; None when the view has no chart."""
        return None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The numbers behind the view, by name; the first one is the main table (CSV, Copy).
        Numbers stay numbers (rates as fractions 0..1, durations in seconds)."""
        return {}

    # ------------------------------------------------------------------ result

    def set_result(self, result: FunnelResult | None) -> None:
        self.result = result
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def ensure_drawn(self) -> None:
        """Draw now if a result arrived while the view was hidden (export, screenshot)."""
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        if self.result is None or not self.result.steps:
            self.clear()
            self._show_empty(NO_STEPS_TEXT)
            return
        message = self.draw(self.result)
        if message is not None:
            self._show_empty(message)
        else:
            self.stack.setCurrentWidget(self._body)
            self._set_exportable(True)
        for table in self.findChildren(QTableView):
            install_table_menu(table, f"{self.name or 'chart'} table")

    @property
    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_drawn()

    def _show_empty(self, message: str) -> None:
        self.empty_label.setText(message)
        self.stack.setCurrentWidget(self.empty_label)
        self._set_exportable(False)

    def _set_exportable(self, enabled: bool) -> None:
        has_chart = self.plot_widget() is not None
        for key, button in self.export_buttons.items():
            button.setEnabled(enabled and (has_chart or key in ("csv", "copy")))

    # ------------------------------------------------------------------ export

    def render_image(self, width: int = 0, height: int = 0) -> QImage:
        """The chart as an image; at its on-screen size unless a size is given."""
        self.ensure_drawn()
        plot = self.plot_widget()
        if plot is None:
            return QImage()
        if width and height:
            return render_widget(plot, width, height)
        return plot.grab().toImage()

    def export_png(self, path: Path | str, width: int = 0, height: int = 0) -> None:
        image = self.render_image(width, height)
        if image.isNull():
            raise OSError("this view has no chart to save")
        with atomic_path(path) as temp:
            if not image.save(str(temp), "PNG"):
                raise OSError("the image could not be written")

    def export_svg(self, path: Path | str) -> None:
        self.ensure_drawn()
        plot = self.plot_widget()
        if plot is None:
            raise OSError("this view has no chart to save")
        # Qt's own SVG painter rather than pyqtgraph's SVGExporter, which cannot parse the
        # path data PySide6 6.12 writes (pyqtgraph issue #3485) and misplaces bars.
        with atomic_path(path) as temp:
            generator = QSvgGenerator()
            generator.setFileName(str(temp))
            generator.setSize(plot.size())
            generator.setViewBox(plot.rect())
            generator.setResolution(plot.logicalDpiX())
            generator.setTitle(self.title)
            painter = QPainter(generator)
            plot.render(painter)
            painter.end()

    def export_csv(self, path: Path | str, table: str | None = None) -> None:
        self.ensure_drawn()
        frames = self.tables()
        if not frames:
            raise OSError("this view has no table to save")
        frame = frames[table] if table is not None else next(iter(frames.values()))
        with atomic_path(path) as temp:
            frame.to_csv(temp, index=False, lineterminator="\n")

    def copy(self) -> None:
        """The chart as an image and the main table as tab-separated text."""
        self.ensure_drawn()
        data = QMimeData()
        image = self.render_image()
        if not image.isNull():
            data.setImageData(image)
        frames = self.tables()
        if frames:
            data.setText(next(iter(frames.values())).to_csv(index=False, sep="\t"))
        QApplication.clipboard().setMimeData(data)

    def export_png_dialog(self) -> None:
        self._export_dialog("PNG image (*.png)", ".png", self.export_png)

    def export_svg_dialog(self) -> None:
        self._export_dialog("SVG drawing (*.svg)", ".svg", self.export_svg)

    def export_csv_dialog(self) -> None:
        self._export_dialog("CSV table (*.csv)", ".csv", self.export_csv)

    def _export_dialog(self, file_filter: str, suffix: str, write: Callable[[str], None]) -> None:
        stem = self.name or "chart"
        if self.result is not None and self.result.definition.name:
            stem = f"{self.result.definition.name} - {self.title or stem}"
        save_with_dialog(self, "Export", stem, file_filter, (suffix,), write)


def render_widget(widget: QWidget, width: int, height: int) -> QImage:
    """Render `widget` at a given size into an image, without disturbing it on screen."""
    old = widget.size()
    _resize(widget, QSize(width, height), old)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(widget.palette().color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    widget.render(painter)
    painter.end()
    _resize(widget, old, QSize(width, height))
    return image


def _resize(widget: QWidget, size: QSize, old: QSize) -> None:
    widget.resize(size)
    if not widget.isVisible() and isinstance(widget, QGraphicsView):
        # A hidden widget only gets its resize event when shown; a chart in a background
        # tab (the HTML report) must lay itself out at the new size now.
        widget.viewport().resize(size)
        widget.resizeEvent(QResizeEvent(size, old))


def style_plot(plot: pg.PlotWidget) -> None:
    """The app's chart look: the palette's base and text colours, no pan/zoom menus."""
    palette = QApplication.palette()
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
        axis.setTextPen(pg.mkPen(text))
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()


def text_colour() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.Text)


def muted_colour() -> QColor:
    return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
