"""AnalysisController: recomputes the funnel off the GUI thread after every edit or new table.

Edits arrive in bursts (typing a label, dragging several events), so a recompute waits for
a short quiet spell (debounce) and a newer request cancels the computation in flight
(TaskRunner: latest request wins), so the result on screen always matches the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QObject, QTimer, Signal

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.base import ChangeEvent, FunnelDocument
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.workers import TaskRunner

ComputeFn = Callable[
    [PreparedTable, FunnelDefinition, Progress | None, Cancelled | None], FunnelResult
]
DEFAULT_DEBOUNCE_MS = 250


class AnalysisController(QObject):
    """Owns "what the funnel currently computes to"; widgets only show its signals."""

    sig_computing = Signal()
    sig_progress = Signal(float, str)
    sig_result = Signal(object)  # FunnelResult
    sig_failed = Signal(str)
    sig_cleared = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        compute_fn: ComputeFn = compute,
    ) -> None:
        super().__init__(parent)
        self._table: EventTable | None = None
        self._prepared: PreparedTable | None = None
        self._document: FunnelDocument | None = None
        self._compute = compute_fn  # replaceable so tests can hold a computation open
        self.result: FunnelResult | None = None
        # The table `result` was computed on: a new table replaces `table` at once, while
        # `result` stays until the recompute lands, and row numbers in a result only mean
        # something in its own table (drill-down reads them).
        self.result_table: EventTable | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._recompute)
        self._runner = TaskRunner(self)
        self._runner.sig_started.connect(self.sig_computing)
        self._runner.sig_progress.connect(self.sig_progress)
        self._runner.sig_done.connect(self._on_done)
        self._runner.sig_failed.connect(self._on_failed)

    # ------------------------------------------------------------------ inputs

    @property
    def table(self) -> EventTable | None:
        return self._table

    @property
    def document(self) -> FunnelDocument | None:
        return self._document

    @property
    def busy(self) -> bool:
        """True while a recompute is waiting for its debounce or running."""
        return self._timer.isActive() or self._runner.busy

    def set_table(self, table: EventTable | None) -> None:
        self._table = table
        self._prepared = None if table is None else prepare(table)
        self._runner.cancel()  # a result for the old table must not land after this
        self.schedule()

    def set_document(self, document: FunnelDocument | None) -> None:
        if self._document is not None:
            self._document.remove_listener(self._on_document_changed)
        self._document = document
        if document is not None:
            document.add_listener(self._on_document_changed)
        self.schedule()

    def detach(self) -> None:
        """Stop listening and computing (the window is closing): the document may outlive us."""
        self._timer.stop()
        self._runner.cancel()
        if self._document is not None:
            self._document.remove_listener(self._on_document_changed)
            self._document = None

    def schedule(self) -> None:
        """Recompute after the debounce; a request already waiting is folded into this one."""
        self._timer.start()

    # ------------------------------------------------------------------ work

    def _on_document_changed(self, event: ChangeEvent) -> None:
        self.schedule()

    def _recompute(self) -> None:
        table, prepared, document = self._table, self._prepared, self._document
        if table is None or prepared is None or document is None or not document.definition.steps:
            self._clear()
            return
        # Snapshot the inputs now: the definition is immutable, and later edits start a
        # new task rather than changing what this one computes.
        definition = document.definition
        compute_fn = self._compute
        self._runner.start(
            lambda progress, cancelled: (
                table,
                compute_fn(prepared, definition, progress, cancelled),
            )
        )

    def _clear(self) -> None:
        # The runner's own cancel signal is not forwarded: sig_cleared is what views need.
        self._runner.cancel()
        self.result = None
        self.result_table = None
        self.sig_cleared.emit()

    def _on_done(self, outcome: object) -> None:
        table, result = cast(tuple[EventTable, FunnelResult], outcome)
        self.result, self.result_table = result, table
        self.sig_result.emit(result)

    def _on_failed(self, message: str) -> None:
        self.result = None
        self.result_table = None
        self.sig_failed.emit(message)
