"""AppSession: the app's state in one place, with typed signals widgets subscribe to.

It owns the loaded data (the table, the files it came from, their import report and the
prepared table every computation is handed), the funnel being edited (the FunnelDocument,
its undo stack, and the one `edit()` every change goes through), and the analysis of the
two (AnalysisController). Widgets receive the session, or the narrow `FunnelEditing` part
of it, and subscribe; nothing pushes data to them one by one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.commands import (
    ChangeEvent,
    Command,
    EditError,
    FunnelDocument,
    insert_new_step,
)
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io.report import ImportReport
from funnel_gui.core.report.database_words import DatabaseOrigin, database_origin
from funnel_gui.core.sql.source import SqlSource
from funnel_gui.core.sql.task_source import SharedSource
from funnel_gui.qt.analysis import DEFAULT_DEBOUNCE_MS, AnalysisController, ComputeFn
from funnel_gui.qt.document import DocumentSignals
from funnel_gui.qt.loading import LoadRequest, LoadResult, load
from funnel_gui.qt.undo import push, push_all
from funnel_gui.qt.workers import SHUTDOWN_WAIT_MS, TaskRunner


class AppSession(QObject):
    # The data
    sig_table_changed = Signal(object)  # EventTable: new data (its files and report with it)
    sig_load_started = Signal(str)  # what is being opened, for the status bar
    sig_load_progress = Signal(float, str)
    sig_load_finished = Signal()  # the load ended, however it ended (busy indicators off)
    sig_load_cancelled = Signal()
    sig_load_failed = Signal(object)  # the exception (workers.failure_text says it)
    sig_mapping_needed = Signal(object)  # MappingRequest: a person must pick the columns
    sig_sql_opened = Signal(str)  # a database computes from now on: where ("DuckDB · events")
    sig_sql_closed = Signal()  # back to a table in memory
    # Where the lists of names come from (DataCatalogs: the table, or a database's summary
    # once its worker has read it; None while it is read): the palette and the pickers.
    sig_catalogs_changed = Signal(object)
    # The funnel
    sig_document_replaced = Signal()  # a new funnel (new, opened, restored), new history
    sig_definition_changed = Signal(object)  # ChangeEvent, after every change, undo included
    sig_edit_failed = Signal(str)  # an edit was refused: the reason, for a person
    # The analysis
    sig_computing = Signal()
    sig_progress = Signal(float, str)
    sig_result_ready = Signal(object)  # AnalysisOutcome
    sig_result_cleared = Signal()  # no table or no steps: nothing to show
    sig_failed = Signal(object)  # the analysis failed: the exception

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        compute_fn: ComputeFn = compute,
    ) -> None:
        super().__init__(parent)
        self.document = FunnelDocument()
        self.undo_stack = QUndoStack(self)
        self.document_signals = DocumentSignals(self.document, self)
        self.document_signals.sig_changed.connect(self._on_document_changed)
        self.analysis = AnalysisController(self, debounce_ms=debounce_ms, compute_fn=compute_fn)
        self.analysis.sig_computing.connect(self.sig_computing)
        self.analysis.sig_progress.connect(self.sig_progress)
        self.analysis.sig_result_ready.connect(self.sig_result_ready)
        self.analysis.sig_cleared.connect(self.sig_result_cleared)
        self.analysis.sig_failed.connect(self.sig_failed)
        self.loader: TaskRunner[LoadResult] = TaskRunner(self)
        self.loader.sig_progress.connect(self.sig_load_progress)
        self.loader.sig_done.connect(self._on_loaded)
        self.loader.sig_failed.connect(self._on_load_failed)
        self.loader.sig_cancelled.connect(self._on_load_cancelled)
        self._table: EventTable | None = None
        self._files: tuple[str, ...] = ()
        self._prepared: PreparedTable | None = None
        self._sql: SharedSource | None = None
        self.sql_label = ""
        self.sql_origin: DatabaseOrigin | None = None  # what the report says of it
        self._catalogs: DataCatalogs | None = None

    # ------------------------------------------------------------------ the data

    @property
    def table(self) -> EventTable | None:
        return self._table

    @property
    def data_files(self) -> tuple[str, ...]:
        """The export files of the table shown (empty before the first load)."""
        return self._files

    @property
    def report(self) -> ImportReport | None:
        return self._table.report if self._table is not None else None

    @property
    def prepared(self) -> PreparedTable | None:
        """The table's unit layouts and decoded properties: built once per table, by the
        first computation that needs them, and handed to every later one."""
        return self._prepared

    def load(self, request: LoadRequest) -> None:
        """Open exports off the GUI thread; a newer load supersedes this one."""
        self.sig_load_started.emit(f"Opening {Path(request.files[0]).name}…")
        self.loader.start(partial(load, request))

    def cancel_load(self) -> None:
        self.loader.cancel()

    @property
    def catalogs(self) -> DataCatalogs | None:
        """The names the palette and pickers offer: the table's, or the database's."""
        return self._catalogs

    def set_sql_catalogs(self, catalogs: DataCatalogs) -> None:
        """The database's catalogs, read by a worker after open_sql."""
        if self._sql is not None:
            self._catalogs = catalogs
            self.sig_catalogs_changed.emit(catalogs)

    @property
    def sql_source(self) -> SqlSource | None:
        """The database computing the funnel (SQL mode), or None: the table in memory."""
        return self._sql.source if self._sql is not None else None

    @property
    def sql_shared(self) -> SharedSource | None:
        """The database, for a job that runs its own queries (`.job()`) beside the
        funnel's: each job cancels only its own."""
        return self._sql

    def open_sql(self, source: SqlSource, label: str, origin: str = "") -> None:
        """Compute every funnel on `source` from now on; the table in memory is let go.
        `origin` is the URL or path it was opened from (the report names it, cleaned)."""
        self._close_sql()
        self._table, self._files, self._prepared = None, (), None
        self._sql, self.sql_label = SharedSource(source), label
        self.sql_origin = database_origin(source, origin, label)
        self._catalogs = None  # not the last file's names: the database's, once read
        self.sig_catalogs_changed.emit(None)
        self.analysis.set_sql_source(self._sql)
        self.sig_sql_opened.emit(label)

    def _close_sql(self) -> None:
        shared, self._sql, self.sql_label = self._sql, None, ""
        self.sql_origin = None
        if shared is not None:
            self.analysis.set_table(None)  # its query is cancelled; no new one may start
            self.sig_sql_closed.emit()  # the other jobs on it (catalogs, a comparison) stop
            # Closed once the last query has let go of it (never under a running query).
            threading.Thread(target=_close_when_free, args=(shared,), daemon=True).start()

    def set_table(self, table: EventTable, files: Sequence[str]) -> None:
        """Show `table`, read from `files` (what a finished load does); it leaves SQL mode."""
        self._close_sql()
        self._table, self._files = table, tuple(files)
        self._prepared = prepare(table)
        self._catalogs = table
        self.analysis.set_table(self._prepared)
        self.sig_catalogs_changed.emit(table)
        self.sig_table_changed.emit(table)

    def _on_loaded(self, result: LoadResult) -> None:
        self.sig_load_finished.emit()
        if result.table is not None:
            self.set_table(result.table, result.files)
        elif result.mapping_request is not None:
            self.sig_mapping_needed.emit(result.mapping_request)

    def _on_load_failed(self, error: Exception) -> None:
        self.sig_load_finished.emit()
        self.sig_load_failed.emit(error)

    def _on_load_cancelled(self) -> None:
        self.sig_load_finished.emit()
        self.sig_load_cancelled.emit()

    # ------------------------------------------------------------------ the funnel

    @property
    def definition(self) -> FunnelDefinition:
        return self.document.definition

    def edit(self, command: Command) -> bool:
        """Run `command` as one undo entry. False when it changed nothing or was refused;
        a refusal's reason goes out on sig_edit_failed (the one way refusals are told)."""
        try:
            return push(self.undo_stack, self.document, command)
        except EditError as error:
            self.sig_edit_failed.emit(error.message)
            return False

    def edit_all(self, commands: Sequence[Command], text: str) -> bool:
        """Several commands as one undo entry named `text`: all of them or, refused, none."""
        try:
            return push_all(self.undo_stack, self.document, commands, text)
        except EditError as error:
            self.sig_edit_failed.emit(error.message)
            return False

    def append_events(self, events: Sequence[str]) -> bool:
        """Add `events` as a new last step (Enter on the palette), undoably."""
        if not events:
            return False
        definition = self.definition
        return self.edit(insert_new_step(definition, len(definition.steps), list(events)))

    def replace_definition(self, definition: FunnelDefinition) -> None:
        """A new funnel (New, Open, a restored autosave): it starts a new, clean history."""
        self.document.reset(definition)
        self.undo_stack.clear()
        self.sig_document_replaced.emit()

    def _on_document_changed(self, event: ChangeEvent) -> None:
        self.sig_definition_changed.emit(event)
        self.analysis.set_definition(self.document.definition)

    # ------------------------------------------------------------------ the analysis

    @property
    def result(self) -> FunnelResult | None:
        """The last funnel computed (it may lag the definition while a recompute runs)."""
        return self.analysis.result

    def shutdown(self) -> None:
        """The app is closing: cancel the load and the analysis, stop following the funnel."""
        self.loader.shutdown()
        self.analysis.shutdown()
        shared, self._sql = self._sql, None
        if shared is not None:
            self.sig_sql_closed.emit()  # the other jobs on it stop
            # Never closed under a running query (a job that ignores its cancel for this
            # long is left behind: the app is closing).
            if shared.gate.acquire(timeout=SHUTDOWN_WAIT_MS / 1000):
                shared.gate.release()
            shared.source.close()
        self.document_signals.detach()


def _close_when_free(shared: SharedSource) -> None:
    with shared.gate:
        shared.source.close()
