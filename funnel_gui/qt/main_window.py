"""MainWindow: docks, menus and toolbar around the session's widgets.

The window builds the widgets (each subscribes to the AppSession it is given) and the
helpers (FunnelFiles, Persistence, MappingFlow, LoadStatus, WindowLayout, each given only
its collaborators), then connects the helpers' signals in one place, `_wire()`.
"""

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
from PySide6.QtWidgets import QDialog, QDockWidget, QFileDialog, QMainWindow, QWidget

from funnel_gui.core.events import EventTable
from funnel_gui.qt.accessibility import name_widgets
from funnel_gui.qt.analysis import NEEDS_MEMORY_TEXT, AnalysisOutcome
from funnel_gui.qt.compare_actions import CompareActions
from funnel_gui.qt.compare_flow import CompareFlow
from funnel_gui.qt.database_flow import DatabaseFlow
from funnel_gui.qt.funnel_files import FUNNEL_FILTER, FunnelFiles
from funnel_gui.qt.keyboard import KeyboardAccess
from funnel_gui.qt.load_status import LoadStatus, report_dialog
from funnel_gui.qt.mapping_flow import MappingFlow
from funnel_gui.qt.models.dropped_units import UnitsPick
from funnel_gui.qt.models.funnel_steps import card_row_from_mime
from funnel_gui.qt.persistence import Persistence
from funnel_gui.qt.prompter import DialogPrompter, Prompter
from funnel_gui.qt.remap_flow import RemapFlow
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.drilldown_panel import DrillDownPanel
from funnel_gui.qt.widgets.event_palette import EventPalette
from funnel_gui.qt.widgets.overview import CentreStack
from funnel_gui.qt.widgets.scrolling import scrolled
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.qt.widgets.step_inspector import StepInspector
from funnel_gui.qt.widgets.workspace import Workspace
from funnel_gui.qt.window_layout import DEFAULT_SIZE, ScreenCap, WindowLayout, fitted_size
from funnel_gui.qt.workers import TaskRunner, failure_text
from funnel_gui.resources import demo_data_path, resources_dir

EDIT_REFUSED_MS = 8_000  # how long the status bar says why an edit was refused


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class MainWindow(QMainWindow):
    # Something could not be opened or saved, and the person was told (a load, a funnel
    # file, unreadable columns): the message, for the command line and tests.
    sig_load_failed = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        autosave_dir: Path | None = None,
        prompter: Prompter | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.prompter: Prompter = prompter or DialogPrompter(self)
        self.session = AppSession(self)
        self.setAcceptDrops(True)
        self.funnel_files = FunnelFiles(self.session, self.prompter, self)
        self.workspace = Workspace(self.session)
        self.centre = CentreStack(self.workspace, self.workspace.overview)
        self.setCentralWidget(self.centre)
        self.palette_panel = EventPalette(self.session)
        self.palette_dock = self._dock("Events", "eventsDock", self.palette_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette_dock)
        # The right column: the funnel's settings above the selected step's panel.
        self.settings_bar = FunnelSettingsBar(self.session)
        self.settings_dock = self._dock("Funnel", "funnelDock", self.settings_bar)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.settings_dock)
        self.inspector = StepInspector(self.session)
        self.inspector_dock = self._dock("Step", "stepDock", self.inspector)
        self.splitDockWidget(self.settings_dock, self.inspector_dock, Qt.Orientation.Vertical)
        self._build_drilldown_tab()
        self.persistence = Persistence(
            self.session, self.funnel_files, self.settings, self.prompter, autosave_dir, self
        )
        self.mapping = MappingFlow(
            self.session, self.persistence.recent, self.settings, self.prompter, self
        )
        self.window_layout = WindowLayout(
            self,
            self.settings,
            self.workspace,
            self.workspace.analysis_panel.tabs,
            [self.palette_dock, self.settings_dock, self.inspector_dock],
            [self.drilldown],
        )
        self.load_status = LoadStatus(self, self.session)
        self.remap = RemapFlow(self.session, self.prompter, self, self)
        self.keyboard = self._keyboard()
        self.compare_flow = CompareFlow(self.session, self)
        self._build_actions()
        self._wire()
        self._retitle()
        self.screen_cap = ScreenCap(self)
        self.resize(fitted_size(DEFAULT_SIZE, self.screen_cap.room()))
        self.window_layout.fit_docks()
        self.window_layout.keep_default()
        self.window_layout.restore()
        name_widgets(self)

    # --- construction -----------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        """A dock that can be moved, not closed (the View menu hides and shows it). Its
        panel scrolls when the dock is short: a panel's full height must never become the
        window's minimum (on a 720 px screen the window would grow past it)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(scrolled(widget))
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        return dock

    def _build_drilldown_tab(self) -> None:
        """Who dropped at a step: a tab beside the views (so the charts keep their height
        and the window never grows to fit a bottom panel), shown when a chart's drop-off is
        clicked; it follows every recompute while it is the shown tab."""
        self.drilldown = DrillDownPanel()
        tabs = self.workspace.analysis_panel.tabs
        tabs.insertTab(tabs.indexOf(self.workspace.overview_scroll), self.drilldown, "Who dropped")

    def drilldown_shown(self) -> bool:
        """Whether the "Who dropped" tab is the one on screen."""
        return self.workspace.analysis_panel.tabs.currentWidget() is self.drilldown

    def _keyboard(self) -> KeyboardAccess:
        editor, tabs = self.workspace.editor, self.workspace.analysis_panel.tabs
        palette, settings = self.palette_panel, self.settings_bar
        keyboard = KeyboardAccess(
            self,
            palette,
            self.palette_dock,
            editor,
            tabs,
            [
                (self.palette_dock, palette.search),
                (editor, editor.view),
                (self.settings_dock, settings.order_combo),
                (self.inspector_dock, self.inspector.label_edit),
                (self.workspace.analysis_panel, tabs.tabBar()),
            ],
            self.drill_down,
        )
        # Events, then the steps, the settings, the step's panel, the views.
        keyboard.set_tab_order([palette.property_view, editor.view])
        return keyboard

    def _build_actions(self) -> None:
        self.act_open = QAction(icon("open"), "&Open export…", self)
        self.act_open.setShortcut(QKeySequence.StandardKey.Open)
        self.act_demo = QAction(icon("demo"), "Open &demo data", self)
        self.act_report = QAction(icon("report"), "Import &report", self)
        self.act_report.setShortcut(QKeySequence("Ctrl+I"))
        self.act_report.setEnabled(False)
        self.act_quit = QAction("&Quit", self)
        self.act_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.act_new_funnel = QAction("&New funnel", self)
        self.act_new_funnel.setShortcut(QKeySequence.StandardKey.New)
        self.act_open_funnel = QAction("Open f&unnel…", self)
        self.act_open_funnel.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.act_save_funnel = QAction("&Save funnel", self)
        self.act_save_funnel.setShortcut(QKeySequence.StandardKey.Save)
        self.act_save_funnel_as = QAction("Save funnel &as…", self)
        self.act_save_funnel_as.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.act_export_report = QAction("&Export report…", self)
        self.act_export_report.setShortcut(QKeySequence("Ctrl+E"))
        self.act_export_report.setEnabled(False)
        file_menu = self.menuBar().addMenu("&File")
        self.database = DatabaseFlow(self.session, self, self.workspace, self.centre, self.settings)
        file_menu.addActions([self.act_open, self.mapping.act_open_mapped, self.act_demo])
        self.database.add_to_menu(file_menu)
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
        file_menu.addActions([self.act_report, self.mapping.act_change_mapping])
        file_menu.addAction(self.act_export_report)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        stack = self.session.undo_stack
        self.act_undo = stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.act_undo, self.act_redo])
        edit_menu.addSeparator()
        edit_menu.addAction(self.remap.act_remap)
        step_menu = self.menuBar().addMenu("&Step")
        view_menu = self.menuBar().addMenu("&View")
        self.act_reset_layout = self.window_layout.fill_view_menu(view_menu)
        self.keyboard.fill_menus(edit_menu, view_menu, step_menu)
        analysis_menu = self.menuBar().addMenu("&Analysis")
        analysis_menu.addActions([self.compare_flow.act_compare, self.compare_flow.act_stop])
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.act_open, self.act_demo, self.act_report])

    def _wire(self) -> None:
        """Every connection between the helpers, the widgets and the session, in one place."""
        session, mapping = self.session, self.mapping
        self.act_open.triggered.connect(mapping.open_dialog)
        self.act_demo.triggered.connect(self.open_demo)
        self.act_report.triggered.connect(self.show_report)
        self.act_quit.triggered.connect(self.close)
        self.act_new_funnel.triggered.connect(self.new_funnel)
        self.act_open_funnel.triggered.connect(self.open_funnel_dialog)
        self.act_save_funnel.triggered.connect(self.funnel_files.save)
        self.act_save_funnel_as.triggered.connect(self.funnel_files.save_as)
        self.act_export_report.triggered.connect(self.workspace.export_report_dialog)
        self.centre.empty.sig_open.connect(mapping.open_dialog)
        self.centre.empty.sig_demo.connect(self.open_demo)
        self.load_status.warning_button.clicked.connect(self.show_report)
        self.workspace.editor.sig_selected_step.connect(self.inspector.set_step)
        self.workspace.analysis_panel.sig_drill_down.connect(self.drill_down)
        self.workspace.analysis_panel.sig_show_units.connect(self.show_units)
        self.funnel_files.sig_state_changed.connect(self._retitle)
        self.funnel_files.sig_error.connect(self.sig_load_failed)
        self.persistence.sig_open_data.connect(mapping.open_files)
        self.persistence.sig_open_funnel.connect(self.open_funnel)
        mapping.sig_problem.connect(self.sig_load_failed)
        session.sig_table_changed.connect(self._on_table_changed)
        session.sig_definition_changed.connect(self._retitle)
        session.sig_sql_opened.connect(self._retitle)
        session.sig_sql_opened.connect(lambda *_: self.act_report.setEnabled(True))
        session.sig_load_failed.connect(self._on_load_failed)
        session.sig_edit_failed.connect(self._on_edit_refused)
        session.sig_result_ready.connect(self._on_result)
        session.sig_result_cleared.connect(self._on_result_cleared)
        self.workspace.analysis_panel.tabs.currentChanged.connect(self._follow_drilldown)
        self.compare_actions = CompareActions(self.session, self.compare_flow, self.workspace, self)

    # --- data and funnel files --------------------------------------------------------

    def open_demo(self) -> None:
        self.mapping.open_files([str(demo_data_path())])

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

    def _retitle(self, *_args: object) -> None:
        data = ", ".join(Path(f).name for f in self.session.data_files) or self.session.sql_label
        parts = [f"{self.funnel_files.display_name}[*]", data, "Funnel Explorer"]
        self.setWindowTitle(" – ".join(p for p in parts if p))
        self.setWindowModified(self.funnel_files.modified)

    def _on_table_changed(self, _table: EventTable) -> None:
        self.centre.show_workspace()
        self.act_report.setEnabled(True)
        self._retitle()

    def _on_load_failed(self, error: Exception) -> None:
        message = failure_text(error)
        self.sig_load_failed.emit(message)
        self.prompter.inform("Cannot open this file", message)

    def _on_edit_refused(self, reason: str) -> None:
        self.statusBar().showMessage(reason[:1].upper() + reason[1:], EDIT_REFUSED_MS)

    def show_report(self) -> None:
        dialog = self.report_dialog()
        if dialog is not None:
            dialog.exec()

    def report_dialog(self) -> QDialog | None:
        """The import report (a database: where it is read) with "Copy as text"."""
        return report_dialog(self.session, self)

    # --- analysis ---------------------------------------------------------------------

    def _on_result(self, _outcome: AnalysisOutcome) -> None:
        self.act_export_report.setEnabled(True)
        # Views may have built tables and plots for this result.
        self.keyboard.leave_tables_on_tab()
        name_widgets(self)
        self._follow_drilldown()

    def _on_result_cleared(self) -> None:
        self.act_export_report.setEnabled(False)
        self.drilldown.set_data(None, None)

    def _follow_drilldown(self, *_args: object) -> None:
        """The open list follows each new result (same step); a closed one waits until it
        is shown again, so edits do not pay for a list nobody sees."""
        if not self.drilldown_shown():
            return
        outcome = self.session.analysis.outcome
        result = outcome.result if outcome is not None else None
        if result is not self.drilldown.result:
            self.drilldown.set_data(result, outcome.table if outcome is not None else None)

    def drill_down(self, step: int) -> None:
        """List who reached step `step` - 1 but not `step` (a chart's drop-off was clicked)."""
        outcome = self.session.analysis.outcome
        if outcome is None or outcome.table is None:  # SQL mode: no rows here to list
            self.statusBar().showMessage(NEEDS_MEMORY_TEXT if outcome is not None else "")
            return
        self.drilldown.show_drop(outcome.result, outcome.table, step)
        self.workspace.analysis_panel.tabs.setCurrentWidget(self.drilldown)

    def show_units(self, pick: UnitsPick) -> None:
        """List units picked in a view (the people on one path) in the drill-down panel."""
        self.drilldown.show_units(pick)
        self.workspace.analysis_panel.tabs.setCurrentWidget(self.drilldown)

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
        steps = self.session.definition.steps
        if row is None or not 0 <= row < len(steps):
            return False
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        label = steps[row].display_label
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
            self.mapping.open_files(files)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.funnel_files.ask_to_keep_changes():
            event.ignore()
            return
        self.session.shutdown()
        # The views' and the drill-down's own workers too: cancelled, their threads joined.
        for runner in self.findChildren(TaskRunner):
            runner.shutdown()
        self.persistence.shutdown()
        self.window_layout.save()
        super().closeEvent(event)
