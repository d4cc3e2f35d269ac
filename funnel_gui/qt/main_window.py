"""MainWindow: layout of docks, toolbar and status bar; loading is delegated to a TaskRunner."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.loader import MappingLike
from funnel_gui.core.io.mapping_preview import Ask, MappingRequest, open_or_ask
from funnel_gui.core.io.raw import RawImport
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.funnel_files import FUNNEL_FILTER, FunnelFiles
from funnel_gui.qt.models.funnel_steps import card_row_from_mime
from funnel_gui.qt.persistence import Persistence
from funnel_gui.qt.widgets.drilldown_panel import DrillDownPanel
from funnel_gui.qt.widgets.event_palette import EventPalette
from funnel_gui.qt.widgets.mapping_dialog import MappingDialog, remember_choice, remembered_choice
from funnel_gui.qt.widgets.overview import CentreStack, report_html, span_text
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.qt.widgets.step_inspector import StepInspector
from funnel_gui.qt.widgets.workspace import Workspace
from funnel_gui.qt.workbench import FunnelWorkbench
from funnel_gui.qt.workers import TaskRunner
from funnel_gui.resources import demo_data_path, resources_dir

OPEN_FILTER = (
    "Analytics exports (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.parquet *.gz *.zip *.zst);;"
    "All files (*)"
)


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


# Raised whenever the docks change, so a layout saved by an older version (which would put
# docks it does not know where it pleases) is ignored rather than restored.
LAYOUT_VERSION = 2


class MainWindow(QMainWindow):
    sig_table_loaded = Signal(object)
    sig_load_failed = Signal(str)
    sig_mapping_dialog = Signal(object)  # a MappingDialog was opened (it never blocks)

    def __init__(self, settings: QSettings | None = None, autosave_dir: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.table: EventTable | None = None
        self.loader = TaskRunner(self)
        self.setAcceptDrops(True)
        self.workbench = FunnelWorkbench(self)
        self.funnel_files = FunnelFiles(self.workbench, self)
        self.funnel_files.sig_state_changed.connect(self._retitle)
        self.funnel_files.sig_error.connect(self.sig_load_failed)
        self._pending_files: list[str] = []  # the files of the table shown
        self._loading_files: list[str] = []  # the files of the load in flight
        self.workspace = Workspace(self.workbench)
        self.centre = CentreStack(self.workspace)
        self.setCentralWidget(self.centre)
        self.palette_panel = EventPalette()
        self.palette_dock = QDockWidget("Events", self)
        self.palette_dock.setObjectName("eventsDock")
        self.palette_dock.setWidget(self.palette_panel)
        self.palette_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        self.palette_panel.sig_add_events.connect(self.workbench.append_events)
        # The right column: the funnel's settings above the selected step's panel.
        self.settings_bar = FunnelSettingsBar(self.workbench)
        self.settings_dock = QDockWidget("Funnel", self)
        self.settings_dock.setObjectName("funnelDock")
        self.settings_dock.setWidget(self.settings_bar)
        self.settings_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.inspector = StepInspector(self.workbench)
        self.inspector_dock = QDockWidget("Step", self)
        self.inspector_dock.setObjectName("stepDock")
        self.inspector_dock.setWidget(self.inspector)
        self.inspector_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.splitDockWidget(self.settings_dock, self.inspector_dock, Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.palette_dock, self.settings_dock], [330, 340], Qt.Orientation.Horizontal
        )
        self.workspace.editor.sig_selected_step.connect(self.inspector.set_step)
        self._build_drilldown_dock()
        self.persistence = Persistence(self, autosave_dir)
        self._build_actions()
        self._build_status_bar()
        self._retitle()
        self.loader.sig_progress.connect(self._on_load_progress)
        self.loader.sig_done.connect(self._on_loaded)
        self.loader.sig_failed.connect(self._on_load_failed)
        self.loader.sig_cancelled.connect(self._on_load_cancelled)
        self.centre.empty.sig_open.connect(self.open_dialog)
        self.centre.empty.sig_demo.connect(self.open_demo)
        self.resize(1440, 900)
        self._default_layout = self._layout_state()
        self.restore_layout()

    # --- construction -----------------------------------------------------------------

    def _build_drilldown_dock(self) -> None:
        """Who dropped at a step: opens under the analysis when a chart's drop-off is
        clicked, and follows every recompute while it is open."""
        self.drilldown = DrillDownPanel()
        self.drilldown_dock = QDockWidget("Who dropped", self)
        self.drilldown_dock.setObjectName("drillDownDock")
        self.drilldown_dock.setWidget(self.drilldown)
        self.drilldown_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        # Under the centre only: the palette and the inspector keep their full height.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.drilldown_dock)
        self.drilldown_dock.hide()
        analysis = self.workbench.analysis
        analysis.sig_result.connect(lambda result: self.drilldown.set_data(result, analysis.table))
        analysis.sig_cleared.connect(lambda: self.drilldown.set_data(None, None))
        self.workspace.analysis_panel.sig_drill_down.connect(self.drill_down)

    def drill_down(self, step: int) -> None:
        """List who reached step `step` - 1 but not `step` (a chart's drop-off was clicked)."""
        analysis = self.workbench.analysis
        if analysis.result is None or analysis.table is None:
            return
        self.drilldown.show_drop(analysis.result, analysis.table, step)
        if self.drilldown_dock.isHidden():
            self.drilldown_dock.show()
            self.resizeDocks([self.drilldown_dock], [300], Qt.Orientation.Vertical)
        self.drilldown_dock.raise_()

    def _build_actions(self) -> None:
        self.act_open = QAction(icon("open"), "&Open export…", self)
        self.act_open.setShortcut(QKeySequence.StandardKey.Open)
        self.act_open.triggered.connect(self.open_dialog)
        self.act_demo = QAction(icon("demo"), "Open &demo data", self)
        self.act_demo.triggered.connect(self.open_demo)
        self._build_mapping_actions()
        self.act_report = QAction(icon("report"), "Import &report", self)
        self.act_report.setEnabled(False)
        self.act_report.triggered.connect(self.show_report)
        self.act_quit = QAction("&Quit", self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        self.act_new_funnel = QAction("&New funnel", self)
        self.act_new_funnel.setShortcut(QKeySequence.StandardKey.New)
        self.act_new_funnel.triggered.connect(self.new_funnel)
        self.act_open_funnel = QAction("Open f&unnel…", self)
        self.act_open_funnel.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.act_open_funnel.triggered.connect(self.open_funnel_dialog)
        self.act_save_funnel = QAction("&Save funnel", self)
        self.act_save_funnel.setShortcut(QKeySequence.StandardKey.Save)
        self.act_save_funnel.triggered.connect(self.funnel_files.save)
        self.act_save_funnel_as = QAction("Save funnel &as…", self)
        self.act_save_funnel_as.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.act_save_funnel_as.triggered.connect(self.funnel_files.save_as)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.act_open, self.act_open_mapped, self.act_demo])
        self.persistence.add_menus(file_menu)
        file_menu.addSeparator()
        file_menu.addActions(
            [
                self.act_new_funnel,
                self.act_open_funnel,
                self.act_save_funnel,
                self.act_save_funnel_as,
            ]
        )
        file_menu.addSeparator()
        file_menu.addActions([self.act_report, self.act_change_mapping])
        self.act_export_report = QAction("&Export report…", self)
        self.act_export_report.setShortcut(QKeySequence("Ctrl+E"))
        self.act_export_report.setEnabled(False)
        self.act_export_report.triggered.connect(self.workspace.export_report_dialog)
        self.workbench.analysis.sig_result.connect(
            lambda _result: self.act_export_report.setEnabled(True)
        )
        self.workbench.analysis.sig_cleared.connect(
            lambda: self.act_export_report.setEnabled(False)
        )
        file_menu.addAction(self.act_export_report)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        stack = self.workbench.undo_stack
        self.act_undo = stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        self._build_view_menu()
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.act_open, self.act_demo, self.act_report])

    def _build_view_menu(self) -> None:
        """One entry per analysis tab (Ctrl+1…), and the docks' show/hide toggles."""
        view_menu = self.menuBar().addMenu("&View")
        tabs = self.workspace.analysis_panel.tabs
        for index in range(tabs.count()):
            action = QAction(tabs.tabText(index), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addActions(
            [
                self.palette_dock.toggleViewAction(),
                self.settings_dock.toggleViewAction(),
                self.inspector_dock.toggleViewAction(),
                self.drilldown_dock.toggleViewAction(),
            ]
        )
        self.act_reset_layout = QAction("Reset layout", self)
        self.act_reset_layout.triggered.connect(self.reset_layout)
        view_menu.addAction(self.act_reset_layout)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel("No data loaded")
        self.warning_button = QPushButton()
        self.warning_button.setObjectName("warningBadge")
        self.warning_button.setFlat(True)
        self.warning_button.hide()
        self.warning_button.clicked.connect(self.show_report)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.loader.cancel)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.warning_button)
        for widget in (self.progress_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
            widget.hide()

    # --- loading ----------------------------------------------------------------------

    def open_dialog(self) -> None:
        files = self._pick_export_files()
        if files:
            self.open_files(files)

    def _pick_export_files(self) -> list[str]:
        folder = str(self.settings.value("paths/last_folder", str(Path.home())))
        files, _ = QFileDialog.getOpenFileNames(self, "Open analytics export", folder, OPEN_FILTER)
        if files:
            self.settings.setValue("paths/last_folder", str(Path(files[0]).parent))
        return files

    def open_demo(self) -> None:
        self.open_files([str(demo_data_path())])

    def open_files(
        self,
        files: list[str],
        overrides: Mapping[str, str | None] | None = None,
        assume_tz: str | None = None,
        *,
        ask_mapping: bool = False,
    ) -> None:
        """Load `files` off the GUI thread.

        Without overrides, the mapping last chosen for these files is used; with none
        either, an unsure detection opens the mapping dialog (not when headless).
        `ask_mapping` opens the dialog in any case, before anything is loaded.
        """
        remembered = remembered_choice(self.persistence.recent, files) if not overrides else None
        if remembered is not None:
            overrides, saved_zone = remembered
            assume_tz = assume_tz or saved_zone
        ask: Ask = "always" if ask_mapping else "on_failure"
        if not ask_mapping and overrides is None and not self.property("headless"):
            ask = "if_unsure"
        self._load(files, overrides, assume_tz or "UTC", ask, remembered=remembered is not None)

    def _load(
        self,
        files: list[str],
        overrides: MappingLike | None,
        assume_tz: str,
        ask: Ask = "on_failure",
        *,
        remembered: bool = False,
        raw: RawImport | None = None,
    ) -> None:
        self._loading_files = list(files)
        self._set_busy(True, f"Opening {Path(files[0]).name}…")

        def work(progress: Progress, cancelled: Cancelled) -> EventTable | MappingRequest:
            outcome = open_or_ask(
                files,
                overrides,
                assume_tz=assume_tz,
                ask=ask,
                remembered=remembered,
                raw=raw,
                progress=progress,
                cancelled=cancelled,
            )
            if isinstance(outcome, EventTable):
                # What the window shows is computed here, off the GUI thread, and cached.
                progress(1.0, "Summarising events and properties")
                _ = outcome.event_catalog, outcome.property_catalog, outcome.daily_volume
            return outcome

        self.loader.start(work)

    @property
    def data_files(self) -> list[str]:
        """The export files currently loaded (empty before the first load)."""
        return list(self._pending_files) if self.table is not None else []

    def open_funnel(self, path: str) -> bool:
        """Load a `*.funnel.json` into the editor (replacing the funnel, clearing undo)."""
        return self.funnel_files.ask_to_keep_changes() and self.funnel_files.open(path)

    def open_funnel_dialog(self) -> None:
        folder = str(self.settings.value("paths/last_funnel_folder", str(Path.home())))
        chosen, _ = QFileDialog.getOpenFileName(self, "Open funnel", folder, FUNNEL_FILTER)
        if chosen:
            self.settings.setValue("paths/last_funnel_folder", str(Path(chosen).parent))
            self.open_funnel(chosen)

    def new_funnel(self) -> None:
        if self.funnel_files.ask_to_keep_changes():
            self.funnel_files.new()

    def _retitle(self) -> None:
        data = ", ".join(Path(f).name for f in self._pending_files) if self.table else ""
        parts = [f"{self.funnel_files.display_name}[*]", data, "Funnel Explorer"]
        self.setWindowTitle(" – ".join(p for p in parts if p))
        self.setWindowModified(self.funnel_files.modified)

    def _set_busy(self, busy: bool, message: str = "") -> None:
        for widget in (self.progress_label, self.progress, self.cancel_button):
            widget.setVisible(busy)
        self.progress.setValue(0)
        self.progress_label.setText(message)

    def _on_load_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _on_loaded(self, table: object) -> None:
        self._set_busy(False)
        if isinstance(table, MappingRequest):
            self.show_mapping_dialog(table)
            return
        assert isinstance(table, EventTable)
        self.table = table
        self._pending_files = self._loading_files
        self.workspace.data_files = list(self._pending_files)
        self.palette_panel.model.set_catalog(table.event_catalog)
        self.palette_panel.properties.set_catalog(table.property_catalog)
        self.centre.overview.show_table(table)
        self.centre.setCurrentWidget(self.centre.workspace)
        self.workbench.set_table(table)
        self.settings_bar.set_table(table)
        self.inspector.set_table(table)
        self.act_report.setEnabled(True)
        self.act_change_mapping.setEnabled(True)
        self._update_status(table)
        self._retitle()
        self.sig_table_loaded.emit(table)

    def _update_status(self, table: EventTable) -> None:
        report = table.report
        self.status_label.setText(
            f"{', '.join(report.sources)}   ·   {report.profile_name}   ·   "
            f"{len(table):,} events   ·   {table.n_actors:,} users   ·   "
            f"{span_text(report.time_span)} UTC"
        )
        removed = report.rows_removed
        warnings = removed + (report.exact_duplicates if not report.exact_duplicates_removed else 0)
        self.warning_button.setVisible(warnings > 0)
        if removed:
            self.warning_button.setText(f"⚠ {removed:,} rows not loaded")
        elif warnings:
            self.warning_button.setText(f"⚠ {report.exact_duplicates:,} duplicate rows")
        self.warning_button.setToolTip("Show the import report")

    def _on_load_failed(self, message: str) -> None:
        self._set_busy(False)
        self.sig_load_failed.emit(message)
        if not self.property("headless"):
            QMessageBox.warning(self, "Cannot open this file", message)

    def _on_load_cancelled(self) -> None:
        self._set_busy(False)
        self.statusBar().showMessage("Loading cancelled", 4000)

    def show_report(self) -> None:
        dialog = self.report_dialog()
        if dialog is not None:
            dialog.exec()

    def report_dialog(self) -> QDialog | None:
        """The import report in a dialog, with Close and "Copy as text"."""
        if self.table is None:
            return None
        dialog = QDialog(self)
        dialog.setWindowTitle("Import report")
        view = QTextBrowser()
        view.setHtml(report_html(self.table.report))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy as text", QDialogButtonBox.ButtonRole.ActionRole)
        report_text = self.table.report.to_text()
        copy.clicked.connect(lambda: QApplication.clipboard().setText(report_text))
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        layout.addWidget(buttons)
        dialog.resize(720, 520)
        return dialog

    # --- column mapping ---------------------------------------------------------------

    def _build_mapping_actions(self) -> None:
        self.act_open_mapped = QAction("Open with column &mapping…", self)
        self.act_open_mapped.setStatusTip("Choose which columns hold users, events and times")
        self.act_open_mapped.triggered.connect(self.open_dialog_with_mapping)
        self.act_change_mapping = QAction("Change column ma&pping…", self)
        self.act_change_mapping.setStatusTip("Read the loaded files again with other columns")
        self.act_change_mapping.setEnabled(False)
        self.act_change_mapping.triggered.connect(self.change_mapping)

    def open_dialog_with_mapping(self) -> None:
        files = self._pick_export_files()
        if files:
            self.open_files(files, ask_mapping=True)

    def change_mapping(self) -> None:
        """The mapping dialog over the loaded files, preselecting the mapping in use."""
        if self.table is not None:
            report = self.table.report
            self._load(self.data_files, report.mapping, report.timezone, "always")

    def show_mapping_dialog(self, request: MappingRequest) -> MappingDialog:
        """Open the dialog without blocking: OK loads with the choice, Cancel changes nothing."""
        if request.problem:
            self.sig_load_failed.emit(request.problem)
        dialog = MappingDialog(request, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_mapping_chosen.connect(partial(self._on_mapping_chosen, request))
        dialog.open()
        self.sig_mapping_dialog.emit(dialog)
        return dialog

    def _on_mapping_chosen(
        self, request: MappingRequest, overrides: dict[str, str | None], assume_tz: str
    ) -> None:
        remember_choice(self.persistence.recent, request.files, overrides, assume_tz)
        # The rows are read already: the load only builds the table from them.
        self._load(request.files, overrides, assume_tz, raw=request.raw)

    # --- window events ----------------------------------------------------------------

    # A step card dragged out of the editor and dropped anywhere else in the window (the
    # editor itself takes drops over the cards) is removed. Handling it as a drop, rather
    # than as a drag that found no target, keeps Escape a cancel: Qt reports both of those
    # as "no action".

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accept_card_drag(event):
            return
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self._accept_card_drag(event):
            super().dragMoveEvent(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.statusBar().clearMessage()
        super().dragLeaveEvent(event)

    def _accept_card_drag(self, event: QDragMoveEvent) -> bool:
        row = card_row_from_mime(event.mimeData())
        if row is None or not 0 <= row < self.workbench.steps_model.rowCount():
            return False
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        label = self.workbench.document.definition.steps[row].display_label
        self.statusBar().showMessage(f"Release to remove “{label}” from the funnel")
        return True

    def dropEvent(self, event: QDropEvent) -> None:
        row = card_row_from_mime(event.mimeData())
        if row is not None:
            self.statusBar().clearMessage()
            if self.workspace.editor.remove_step(row):
                event.setDropAction(Qt.DropAction.MoveAction)
                event.accept()
            return
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_files(files)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.funnel_files.ask_to_keep_changes():
            event.ignore()
            return
        self.loader.cancel()
        self.workbench.shutdown()
        self.persistence.shutdown()
        self.save_layout()
        super().closeEvent(event)

    # --- layout -----------------------------------------------------------------------

    def _layout_state(self) -> dict[str, QByteArray]:
        return {
            "window/state": self.saveState(LAYOUT_VERSION),
            "window/workspace": self.workspace.saveState(),
        }

    def save_layout(self) -> None:
        """Window geometry, docks and splitters, so the next start looks like this one."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        for key, value in self._layout_state().items():
            self.settings.setValue(key, value)
        self.settings.setValue("window/tab", self.workspace.analysis_panel.tabs.currentIndex())

    def restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for key, restore in (
            ("window/state", partial(self.restoreState, version=LAYOUT_VERSION)),
            ("window/workspace", self.workspace.restoreState),
        ):
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        tab = self.settings.value("window/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.workspace.analysis_panel.tabs.setCurrentIndex(int(tab))  # type: ignore[call-overload]
        # The drill-down list opens on demand; a saved layout must not show it empty.
        self.drilldown_dock.hide()

    def reset_layout(self) -> None:
        self.restoreState(self._default_layout["window/state"], LAYOUT_VERSION)
        self.workspace.restoreState(self._default_layout["window/workspace"])
        self.palette_dock.show()
        self.settings_dock.show()
        self.inspector_dock.show()
