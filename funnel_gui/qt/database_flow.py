"""File → Open database or warehouse… in the window: the dialog, then SQL mode (the
session's funnel computed by the database), with a badge saying where results are
computed, the event palette filled from the database's catalogs (in a worker), and a
button that cancels the query in flight. Kept apart from the main window, which only
creates it."""

from __future__ import annotations

import pandas as pd
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton

from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.core.sql.sources.catalogs import event_catalog, property_catalog
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.database_dialog import DatabaseDialog, one_line
from funnel_gui.qt.widgets.event_palette import EventPalette
from funnel_gui.qt.widgets.overview import CentreStack
from funnel_gui.qt.widgets.workspace import Workspace
from funnel_gui.qt.workers import TaskRunner

Catalogs = tuple[pd.DataFrame, pd.DataFrame]


def badge_text(label: str) -> str:
    return f"Computed in {label}"


class DatabaseFlow:
    """Opens a SQL source in the session and shows that it is the one computing."""

    def __init__(
        self,
        session: AppSession,
        window: QMainWindow,
        workspace: Workspace,
        palette: EventPalette,
        centre: CentreStack,
    ) -> None:
        self.session, self.window, self.palette, self.centre = session, window, palette, centre
        self.act_open = QAction("Open data&base or warehouse…", window)
        self.act_open.triggered.connect(self.open_dialog)
        self.badge = QLabel("")
        self.badge.setObjectName("sqlBadge")
        self.badge.setAccessibleName("Where results are computed")
        self.badge.setStyleSheet("padding: 2px 8px; border-radius: 8px; background: #e3ecfa;")
        self.badge.hide()
        self.stop_button = QPushButton("Stop query")
        self.stop_button.setToolTip("Cancel the query the database is running")
        self.stop_button.hide()
        self.stop_button.clicked.connect(session.analysis.cancel)
        panel = workspace.analysis_panel
        panel.add_header_widget(self.badge)
        panel.add_header_widget(self.stop_button)
        self.catalogs: TaskRunner[Catalogs] = TaskRunner(window)
        self.catalogs.sig_done.connect(self._on_catalogs)
        self.catalogs.sig_failed.connect(self._on_catalogs_failed)
        session.sig_sql_opened.connect(self._on_opened)
        session.sig_sql_closed.connect(self._on_closed)
        session.sig_computing.connect(self._on_computing)
        for done in (session.sig_result_ready, session.sig_failed, session.sig_result_cleared):
            done.connect(lambda *_: self.stop_button.hide())

    def open_dialog(self) -> DatabaseDialog:
        """Shows the dialog (modeless, so tests and people alike drive it); its OK opens."""
        dialog = DatabaseDialog(self.window)
        dialog.accepted.connect(lambda: self.open_from(dialog))
        dialog.open()
        return dialog

    def open_from(self, dialog: DatabaseDialog) -> None:
        if dialog.source is not None:
            self.open(dialog.source, dialog.label)

    def open(self, source: SqlSource, label: str) -> None:
        self.session.open_sql(source, label)

    def _on_opened(self, label: str) -> None:
        self.badge.setText(badge_text(label))
        self.badge.show()
        self.centre.show_workspace()
        self.window.setWindowTitle(f"{label} — Funnel Explorer")
        self.window.statusBar().showMessage(f"Reading the events of {label}…")
        self.palette.model.set_catalog(None)
        self.palette.properties.set_catalog(None)
        source = self.session.sql_source
        assert source is not None

        def work(_progress: Progress, _cancelled: Cancelled) -> Catalogs:
            return event_catalog(source), property_catalog(source)

        self.catalogs.start(work)

    def _on_catalogs(self, catalogs: Catalogs) -> None:
        events, properties = catalogs
        self.palette.model.set_catalog(events)
        self.palette.properties.set_catalog(properties)
        self.window.statusBar().showMessage(f"{len(events):,} events in {self.session.sql_label}")

    def _on_catalogs_failed(self, error: BaseException) -> None:
        self.window.statusBar().showMessage(f"Could not list the events: {one_line(error)}")

    def _on_closed(self) -> None:
        self.catalogs.cancel()
        self.badge.hide()
        self.stop_button.hide()

    def _on_computing(self) -> None:
        self.stop_button.setVisible(self.session.sql_source is not None)
