"""ChartView: the frame every analysis view shares.

A view is one tab of the analysis area (`funnel`, `micro-macro`, `time`, `trend`,
`breakdown`). It is given the current FunnelResult with the data it draws, which a pure
function of the result and the view's options (`view_data.py`) computes in a worker: the
analysis task runs every view's (`view_job()`), and a view whose options change runs its
own. `draw()` only places items. The frame gives each view the same things:

- an empty state with a line telling the user what to do next;
- deferred drawing: a hidden tab only remembers the result and draws when it is shown (or
  when an export asks), so a recompute does not pay for five charts nobody is looking at;
- export of the chart to PNG and SVG, of its tables to CSV, and Copy (the chart as an image
  and the main table as tab-separated text, so it pastes into a spreadsheet).

Subclasses pass their data function to the constructor, put their widgets in
`self.content` (a QVBoxLayout) and implement `view_options()`, `draw()`, `plot_widget()`
and `tables()`; a control that changes the options calls `request_data()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import ClassVar, Generic, TypeVar, cast

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QShowEvent
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
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.filenames import suggested_name
from funnel_gui.core.safe_csv import frame_to_csv, write_frame_csv
from funnel_gui.qt.analysis import ViewData, ViewJob
from funnel_gui.qt.charts.chart_image import (
    PAGE,
    page_title,
    resize_for_render,
    write_titled_png,
    write_titled_svg,
)
from funnel_gui.qt.save_dialog import save_with_dialog
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.table_menu import install_table_menu
from funnel_gui.qt.workers import TaskRunner, failure_text

NO_STEPS_TEXT = "Add steps to the funnel to see this chart"

OptionsT = TypeVar("OptionsT", bound=Hashable)
DataT = TypeVar("DataT")
# What a view draws, from a result and the view's options: core calls only, no widget.
DataFunction = Callable[[FunnelResult, OptionsT], DataT]


class ChartView(QWidget, Generic[OptionsT, DataT]):
    name: ClassVar[str] = ""  # the `--view` name
    title: ClassVar[str] = ""  # the tab's text
    # Whether the analysis task computes this view's data with every funnel; a view whose
    # work is heavy and needs more than the result (Drivers) runs its own when shown.
    computed_with_funnel: ClassVar[bool] = True
    # Whether a view that is not computed with the funnel draws in SQL mode too (its own
    # worker asks the database); otherwise it says it needs the data in memory.
    works_on_sql: ClassVar[bool] = False

    # A step number (1-based) whose drop-off the user wants to look into (drill-down).
    sig_drill_down = Signal(int)
    # The current result (or none) was drawn: tests and screenshots wait for it.
    sig_drawn = Signal()
    # The gap between step k and k + 1 (1-based k) was clicked: look at its paths (§13).
    sig_show_gap = Signal(int)
    # Units picked in a view (a qt.models.dropped_units.UnitsPick): list them in the
    # drill-down panel.
    sig_show_units = Signal(object)

    def __init__(
        self, data_function: DataFunction[OptionsT, DataT], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"chartView-{self.name}")
        self.result: FunnelResult | None = None
        self._data_function = data_function
        self._view_data: ViewData | None = None  # for `result`, once it has arrived
        self._data_runner: TaskRunner[ViewData] = TaskRunner(self)
        self._data_runner.sig_done.connect(self._on_data_ready)
        self._data_runner.sig_failed.connect(self._on_data_failed)
        self._stale = False
        self._note: str | None = None  # shown instead of a chart while there is no result
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

    def view_options(self) -> OptionsT:
        """The view's own choices that change its data (a period, a target step)."""
        raise NotImplementedError

    def draw(self, result: FunnelResult, data: DataT) -> str | None:
        """Place `data` (computed for `result`); return None, or a sentence for the empty
        state when this view has nothing to show for it (e.g. "Pick a breakdown property
        to compare segments"). Compute nothing here: it runs on the GUI thread."""
        raise NotImplementedError

    def show_gap(self, step: int | None) -> None:
        """Look at the gap between step `step` and the next (None: before step 1); only a
        view about gaps (Paths) does anything."""

    def connect_session(self, session: AppSession) -> None:
        """A view that needs more than the result (the prepared table, edits) keeps the
        session; the default needs nothing."""

    def clear(self) -> None:
        """Forget what was drawn (no result). The default does nothing."""

    def plot_widget(self) -> pg.PlotWidget | None:
        """The chart exported to PNG/SVG; None when the view has no chart."""
        return None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The numbers behind the view, by name; the first one is the main table (CSV, Copy).
        Numbers stay numbers (rates as fractions 0..1, durations in seconds)."""
        return {}

    # ------------------------------------------------------------------ result and data

    def view_job(self) -> ViewJob:
        """This view's data work for its current options, for the analysis task."""
        options, data_function = self.view_options(), self._data_function

        def job(result: FunnelResult) -> ViewData:
            return ViewData(options, data_function(result, options))

        return job

    def set_result(self, result: FunnelResult | None, data: ViewData | None = None) -> None:
        """Show `result`, with `data` when the analysis task computed it for the options
        this view still has; otherwise the view computes its data in its own worker and
        keeps its last drawing until then."""
        self.result, self._note = result, None
        if data is not None and (data.error is not None or data.options == self.view_options()):
            self._data_runner.cancel()  # an older request must not land on this result
            self._view_data = data
        else:
            self._view_data = None
            self.request_data()
        self._draw_when_visible()

    def show_message(self, text: str) -> None:
        """Show one sentence instead of a chart (and drop any result this view held)."""
        self.result, self._view_data, self._note = None, None, text
        self._data_runner.cancel()
        self.clear()
        self._show_empty(text)

    def request_data(self) -> None:
        """Compute the data for the current result and options off the GUI thread (an
        option changed, or the result came without it); drawn when it arrives."""
        result = self.result
        self._view_data = None  # what there is was made for other options
        if result is None or not result.steps:
            self._data_runner.cancel()
            return
        job = self.view_job()
        self._data_runner.start(lambda _progress, _cancelled: job(result))

    def ensure_drawn(self) -> None:
        """Draw now (an export or a screenshot is waiting). Data still being computed is
        computed here: the person asked for the file and waits for it either way."""
        result = self.result
        if self._view_data is None and result is not None and result.steps:
            self._data_runner.cancel()
            self._view_data = self.view_job()(result)
            self._stale = True
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Draw what there is; a result whose data is still on its way waits for it."""
        result, view_data = self.result, self._view_data
        if result is not None and result.steps and view_data is None:
            self._stale = True
            return
        self._stale = False
        if result is None or not result.steps or view_data is None:
            self.clear()
            self._show_empty(self._note or NO_STEPS_TEXT)
        elif view_data.error is not None:
            self.clear()
            self._show_empty(f"This view could not be drawn: {view_data.error}")
        else:
            # The data was computed for this view's DataFunction (set_result checks the
            # options it was made for); a heterogeneous bundle cannot say so in its type.
            message = self.draw(result, cast(DataT, view_data.data))
            if message is not None:
                self._show_empty(message)
            else:
                self.stack.setCurrentWidget(self._body)
                self._set_exportable(True)
        funnel = result.definition.name if result is not None else ""
        for table in self.findChildren(QTableView):
            install_table_menu(table, suggested_name(funnel, f"{self.name or 'chart'} table", ""))
        self.sig_drawn.emit()

    def _draw_when_visible(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def _on_data_ready(self, view_data: ViewData) -> None:
        self._view_data = view_data
        self._draw_when_visible()

    def _on_data_failed(self, error: Exception) -> None:
        self._view_data = ViewData(self.view_options(), error=failure_text(error))
        self._draw_when_visible()

    @property
    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

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
        image: QImage = plot.grab().toImage()
        return image

    @property
    def export_title(self) -> str:
        """ "Checkout – Funnel": the funnel's name (§11) and this chart's title."""
        name = self.result.definition.name if self.result is not None else ""
        return page_title(name, self.title or self.name)

    def export_png(self, path: Path | str, width: int = 0, height: int = 0) -> None:
        """The chart under its title on a page of 1600×900 (or `width`×`height`) logical
        pixels, saved at 2×: 3200×1800 pixels whatever the chart's size on screen."""
        page = QSize(width, height) if width and height else PAGE
        write_titled_png(str(path), self._chart_to_export(), self.export_title, page=page)

    def export_svg(self, path: Path | str) -> None:
        """The same page as the PNG, as an SVG drawing."""
        write_titled_svg(str(path), self._chart_to_export(), self.export_title)

    def _chart_to_export(self) -> pg.PlotWidget:
        self.ensure_drawn()
        plot = self.plot_widget()
        if plot is None or self.showing_empty_state:
            raise OSError("this view has no chart to save")
        return plot

    def export_csv(self, path: Path | str, table: str | None = None) -> None:
        self.ensure_drawn()
        frames = self.tables()
        if not frames:
            raise OSError("this view has no table to save")
        frame = frames[table] if table is not None else next(iter(frames.values()))
        write_frame_csv(frame, path)  # atomic, and safe to open in a spreadsheet

    def copy(self) -> None:
        """The chart as an image and the main table as tab-separated text."""
        self.ensure_drawn()
        data = QMimeData()
        image = self.render_image()
        if not image.isNull():
            data.setImageData(image)
        frames = self.tables()
        if frames:
            data.setText(frame_to_csv(next(iter(frames.values())), sep="\t"))
        QApplication.clipboard().setMimeData(data)

    def export_png_dialog(self) -> None:
        self._export_dialog("PNG image (*.png)", ".png", self.export_png)

    def export_svg_dialog(self) -> None:
        self._export_dialog("SVG drawing (*.svg)", ".svg", self.export_svg)

    def export_csv_dialog(self) -> None:
        self._export_dialog("CSV table (*.csv)", ".csv", self.export_csv)

    def _export_dialog(self, file_filter: str, suffix: str, write: Callable[[str], None]) -> None:
        name = self.result.definition.name if self.result is not None else ""
        stem = suggested_name(name, (self.title or self.name or "chart").lower(), "")
        save_with_dialog(self, "Export", stem, file_filter, (suffix,), write)


def render_widget(widget: QWidget, width: int, height: int) -> QImage:
    """Render `widget` at a given size into an image, without disturbing it on screen."""
    old = widget.size()
    resize_for_render(widget, QSize(width, height), old)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(widget.palette().color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    if isinstance(widget, QGraphicsView):  # a chart: its scene, drawn into the image
        widget.render(painter)
    else:
        widget.render(painter, QPoint())
    painter.end()
    resize_for_render(widget, old, QSize(width, height))
    return image


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
