"""File → Open database or warehouse… in the window: the dialog and File → Recent
databases, then SQL mode (the session's funnel computed by the database), with a badge
saying where results are computed, the database's summary (the palette's and pickers'
names, the Data overview) read in a worker with progress, and a button that cancels the
query in flight. Kept apart from the main window, which only creates it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
)

from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.core.sql.sources.summary import SqlSummary, summarize
from funnel_gui.core.sql.task_source import JobSource
from funnel_gui.qt.recent_databases import DatabaseEntry, RecentDatabases, reopen
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.database_dialog import DatabaseDialog, one_line
from funnel_gui.qt.widgets.overview import CentreStack
from funnel_gui.qt.widgets.sql_overview import clear_summary, show_summary
from funnel_gui.qt.widgets.workspace import Workspace
from funnel_gui.qt.workers import TaskRunner


def badge_text(label: str) -> str:
    return f"Computed in {label}"


def source_label(text: str, source: SqlSource) -> str:
    """ "DuckDB · events" for the badge: a client's own label, else the URL's table or
    the file's name."""
    label = getattr(source, "label", None)
    if isinstance(label, str) and label:
        return label
    parts = urlsplit(text)
    table = parse_qs(parts.query).get("table", [""])[0] if "://" in text else ""
    return f"DuckDB · {table or Path(text.rstrip('/')).name or text}"


class DatabaseFlow(QObject):
    """Opens a SQL source in the session and shows that it is the one computing."""

    sig_problem = Signal(str)  # a recent database could not be opened again: why

    def __init__(
        self,
        session: AppSession,
        window: QMainWindow,
        workspace: Workspace,
        centre: CentreStack,
        settings: QSettings,
    ) -> None:
        super().__init__(window)
        self.session, self.window, self.centre = session, window, centre
        self.overview = workspace.overview
        self._job: JobSource | None = None  # the summary's queries
        self.act_open = QAction("Open data&base or warehouse…", window)
        self.act_open.triggered.connect(self.open_dialog)
        self.recent = RecentDatabases(settings)
        self.reopener: TaskRunner[tuple[SqlSource, str]] = TaskRunner(window)
        self._reopening = ""  # the URL being connected to again
        self.reopener.sig_done.connect(
            lambda opened: self.open(opened[0], opened[1], self._reopening)
        )
        self.reopener.sig_failed.connect(self._on_reopen_failed)
        # A source named on the command line (`funnel-gui URL`), opened in a worker.
        self.starter: TaskRunner[SqlSource] = TaskRunner(window)
        self._starting = ""
        self.starter.sig_done.connect(
            lambda source: self.open(source, source_label(self._starting, source), self._starting)
        )
        self.starter.sig_failed.connect(self._on_start_failed)
        self.badge = QLabel("")
        self.badge.setObjectName("sqlBadge")
        self.badge.setTextFormat(Qt.TextFormat.PlainText)  # a table may be named "<b>…"
        self.badge.setAccessibleName("Where results are computed")
        self.badge.setStyleSheet("padding: 2px 8px; border-radius: 8px; background: #e3ecfa;")
        self.badge.hide()
        self.stop_button = QPushButton("Stop query")
        self.stop_button.setToolTip("Cancel the query the database is running")
        self.stop_button.hide()
        self.stop_button.clicked.connect(session.analysis.cancel)
        self._place(workspace)
        self.catalogs: TaskRunner[SqlSummary] = TaskRunner(window)
        self.catalogs.sig_progress.connect(self._on_progress)
        self.catalogs.sig_done.connect(self._on_catalogs)
        self.catalogs.sig_failed.connect(self._on_catalogs_failed)
        session.sig_sql_opened.connect(self._on_opened)
        session.sig_sql_closed.connect(self._on_closed)
        session.sig_computing.connect(self._on_computing)
        for done in (session.sig_result_ready, session.sig_failed, session.sig_result_cleared):
            done.connect(lambda *_: self.stop_button.hide())

    def _place(self, workspace: Workspace) -> None:
        """Beside the funnel's name, where the right of the row is free at any width (the
        views' header has no room for it beside Compare and Export on a 1280 px screen)."""
        layout = workspace.editor.layout()
        assert isinstance(layout, QVBoxLayout)
        name = workspace.name_edit
        index = layout.indexOf(name)
        layout.removeWidget(name)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(name, 1)
        row.addWidget(self.badge)
        row.addWidget(self.stop_button)
        layout.insertLayout(index, row)

    def open_dialog(self) -> DatabaseDialog:
        """Shows the dialog (modeless, so tests and people alike drive it); its OK opens."""
        dialog = DatabaseDialog(self.window)
        dialog.accepted.connect(lambda: self.open_from(dialog))
        dialog.open()
        return dialog

    def add_to_menu(self, menu: QMenu) -> None:
        """The Open… entry and, beside it, the recent databases."""
        menu.addAction(self.act_open)
        recent = menu.addMenu("Recent data&bases")
        recent.aboutToShow.connect(lambda: self.recent.populate_menu(recent, self.reopen))
        self.recent_menu = recent

    def open_from(self, dialog: DatabaseDialog) -> None:
        if dialog.source is not None:
            self.open(dialog.source, dialog.label, dialog.url.text())
            entry = DatabaseEntry.of(dialog.url.text(), dialog.table_name, dialog.chosen_roles())
            self.recent.add(entry)

    def reopen(self, entry: DatabaseEntry) -> None:
        """A recent database: connected again in a worker, then opened as from the dialog."""
        self.window.statusBar().showMessage(f"Connecting to {entry.menu_text()}…")
        self.recent.add(entry)  # first in the list again
        self._reopening = entry.url
        self.reopener.start(partial(reopen, entry))

    def _on_reopen_failed(self, error: BaseException) -> None:
        message = f"Could not open the database again: {one_line(error)}"
        self.window.statusBar().showMessage(message)
        self.sig_problem.emit(message)

    def open(self, source: SqlSource, label: str, origin: str = "") -> None:
        self.session.open_sql(source, label, origin)

    def open_command_line(self, text: str, opener: Callable[[], SqlSource]) -> None:
        """`funnel-gui URL` (or a path with --engine duckdb): `opener` connects, in a
        worker; a failure is one line on sig_problem."""
        self.window.statusBar().showMessage(f"Connecting to {text}…")
        self._starting = text
        self.starter.start(lambda _progress, _cancelled: opener())

    def _on_start_failed(self, error: BaseException) -> None:
        message = f"Could not open {self._starting}: {one_line(error)}"
        self.window.statusBar().showMessage(message)
        self.sig_problem.emit(message)

    def _on_opened(self, label: str) -> None:
        self.badge.setText(badge_text(label))
        self.badge.setToolTip(
            "The funnel is computed by this database; only aggregates come back. "
            "Views that need every row (Drivers, Paths, Who dropped) say so."
        )
        self.badge.show()
        self.centre.show_workspace()
        self.window.statusBar().showMessage(f"Reading the events of {label}…")
        clear_summary(self.overview, label)
        shared = self.session.sql_shared
        assert shared is not None
        self._cancel_job()
        job = self._job = shared.job()

        def work(progress: Progress, cancelled: Cancelled) -> SqlSummary:
            return summarize(job, progress, cancelled)

        self.catalogs.start(work)

    def _on_progress(self, fraction: float, message: str) -> None:
        label = self.session.sql_label
        self.window.statusBar().showMessage(f"{label}: {message}… {fraction:.0%}")

    def _on_catalogs(self, summary: SqlSummary) -> None:
        self._job = None
        source = self.session.sql_source
        if source is None:
            return
        self.session.set_sql_catalogs(summary)
        show_summary(self.overview, summary, self.session.sql_label, source.columns)
        self.window.statusBar().clearMessage()  # the status line says what was read

    def _on_catalogs_failed(self, error: BaseException) -> None:
        self.window.statusBar().showMessage(f"Could not list the events: {one_line(error)}")

    def _cancel_job(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            threading.Thread(target=job.cancel, daemon=True).start()

    def _on_closed(self) -> None:
        self._cancel_job()
        self.catalogs.cancel()
        self.badge.hide()
        self.stop_button.hide()

    def _on_computing(self) -> None:
        self.stop_button.setVisible(self.session.sql_source is not None)
