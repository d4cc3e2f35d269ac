"""MainWindow: docks, menus and toolbar; opening exports, the status bar and the layout are
helpers it owns (MappingFlow, LoadStatus, WindowLayout), loading runs in a TaskRunner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
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
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.mapping_preview import MappingRequest
from funnel_gui.qt.funnel_files import FUNNEL_FILTER, FunnelFiles
from funnel_gui.qt.load_status import LoadStatus, report_dialog
from funnel_gui.qt.mapping_flow import MappingFlow
from funnel_gui.qt.models.funnel_steps import card_row_from_mime
from funnel_gui.qt.persistence import Persistence
from funnel_gui.qt.widgets.drilldown_panel import DrillDownPanel
from funnel_gui.qt.widgets.event_palette import EventPalette
from funnel_gui.qt.widgets.overview import CentreStack
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.qt.widgets.step_inspector import StepInspector
from funnel_gui.qt.widgets.workspace import Workspace
from funnel_gui.qt.window_layout import LAYOUT_VERSION as LAYOUT_VERSION
from funnel_gui.qt.window_layout import WindowLayout
from funnel_gui.qt.workbench import FunnelWorkbench
from funnel_gui.qt.workers import TaskRunner
from funnel_gui.resources import demo_data_path, resources_dir


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


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
        self.workspace = Workspace(self.workbench)
        self.centre = CentreStack(self.workspace)
        self.setCentralWidget(self.centre)
        self.palette_panel = EventPalette()
        self.palette_dock = self._dock("Events", "eventsDock", self.palette_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        self.palette_panel.sig_add_events.connect(self.workbench.append_events)
        # The right column: the funnel's settings above the selected step's panel.
        self.settings_bar = FunnelSettingsBar(self.workbench)
        self.settings_dock = self._dock("Funnel", "funnelDock", self.settings_bar)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.inspector = StepInspector(self.workbench)
        self.inspector_dock = self._dock("Step", "stepDock", self.inspector)
        self.splitDockWidget(self.settings_dock, self.inspector_dock, Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.palette_dock, self.settings_dock], [330, 340], Qt.Orientation.Horizontal
        )
        self.workspace.editor.sig_selected_step.connect(self.inspector.set_step)
        self._build_drilldown_dock()
        self.persistence = Persistence(self, autosave_dir)
        self.mapping = MappingFlow(self)
        self.window_layout = WindowLayout(self)
        # The helpers' work under the window's own names, which tests and modules call.
        self.act_open_mapped = self.mapping.act_open_mapped
        self.act_change_mapping = self.mapping.act_change_mapping
        self.open_dialog = self.mapping.open_dialog
        self.open_files = self.mapping.open_files
        self.change_mapping = self.mapping.change_mapping
        self.show_mapping_dialog = self.mapping.show_mapping_dialog
        self.save_layout = self.window_layout.save
        self.restore_layout = self.window_layout.restore
        self.reset_layout = self.window_layout.reset
        self._build_actions()
        self._build_status_bar()
        self._retitle()
        self.loader.sig_done.connect(self._on_loaded)
        self.loader.sig_failed.connect(self._on_load_failed)
        self.centre.empty.sig_open.connect(self.open_dialog)
        self.centre.empty.sig_demo.connect(self.open_demo)
        self.resize(1440, 900)
        self.window_layout.keep_default()
        self.restore_layout()

    # --- construction -----------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        """A dock that can be moved, not closed (the View menu hides and shows it)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        return dock

    def _build_drilldown_dock(self) -> None:
        """Who dropped at a step: opens under the analysis when a chart's drop-off is
        clicked, and follows every recompute while it is open."""
        self.drilldown = DrillDownPanel()
        self.drilldown_dock = self._dock("Who dropped", "drillDownDock", self.drilldown)
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
        analysis.sig_result.connect(self._follow_drilldown)
        analysis.sig_cleared.connect(lambda: self.drilldown.set_data(None, None))
        self.drilldown_dock.visibilityChanged.connect(self._follow_drilldown)
        self.workspace.analysis_panel.sig_drill_down.connect(self.drill_down)

    def _follow_drilldown(self, *_args: object) -> None:
        """The open list follows each new result (same step); a closed one waits until it
        is shown again, so edits do not pay for a list nobody sees."""
        if self.drilldown_dock.isHidden():
            return
        analysis = self.workbench.analysis
        if analysis.result is not self.drilldown.result:
            self.drilldown.set_data(analysis.result, analysis.result_table)

    def drill_down(self, step: int) -> None:
        """List who reached step `step` - 1 but not `step` (a chart's drop-off was clicked)."""
        analysis = self.workbench.analysis
        if analysis.result is None or analysis.result_table is None:
            return
        self.drilldown.show_drop(analysis.result, analysis.result_table, step)
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
        self.act_reset_layout = self.window_layout.build_view_menu()
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.act_open, self.act_demo, self.act_report])

    def _build_status_bar(self) -> None:
        self.load_status = status = LoadStatus(self, self.loader)
        status.warning_button.clicked.connect(self.show_report)
        # Kept on the window, where tests and the integrator reach them.
        self.status_label, self.warning_button = status.status_label, status.warning_button
        self.progress, self.cancel_button = status.progress, status.cancel_button

    # --- loading ----------------------------------------------------------------------

    def open_demo(self) -> None:
        self.open_files([str(demo_data_path())])

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

    def _on_loaded(self, table: object) -> None:
        self.load_status.set_busy(False)
        if isinstance(table, MappingRequest):
            self.show_mapping_dialog(table)
            return
        assert isinstance(table, EventTable)
        self.table = table
        self._pending_files = self.mapping.loading_files
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
        self.load_status.show_table(table)
        self._retitle()
        self.sig_table_loaded.emit(table)

    def _on_load_failed(self, message: str) -> None:
        self.load_status.set_busy(False)
        self.sig_load_failed.emit(message)
        if not self.property("headless"):
            QMessageBox.warning(self, "Cannot open this file", message)

    def show_report(self) -> None:
        dialog = self.report_dialog()
        if dialog is not None:
            dialog.exec()

    def report_dialog(self) -> QDialog | None:
        """The import report in a dialog, with Close and "Copy as text"."""
        return report_dialog(self.table, self) if self.table is not None else None

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
