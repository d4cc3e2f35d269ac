"""AnalysisController: recomputes the funnel, and what each view shows of it, off the GUI
thread after every edit or new table.

Edits arrive in bursts (typing a label, dragging several events), so a recompute waits for
a short quiet spell (debounce) and a newer request cancels the computation in flight
(TaskRunner: latest request wins), so the result on screen always matches the editor.
The same task then runs every view's data job (segment comparison, trend points, micro
rows, chart data) for the options the view has at that moment, so a view's `draw()` only
places items and switching tabs computes nothing.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.task_source import JobSource, SharedSource
from funnel_gui.qt.workers import TaskRunner, failure_text

log = logging.getLogger(__name__)

ComputeFn = Callable[
    [PreparedTable, FunnelDefinition, Progress | None, Cancelled | None], FunnelResult
]
DEFAULT_DEBOUNCE_MS = 250
# What a view that needs the rows themselves says while a database computes the funnel.
NEEDS_MEMORY_TEXT = "This view needs the data in memory; open the export file instead."


@dataclass(frozen=True)
class ViewData:
    """What one view draws, computed in a worker for the options it had then."""

    options: Hashable
    data: object = None
    error: str | None = None  # the data job failed (a bug): the view says so, the rest draw


# A view's data work with its options already bound; runs in a worker, so it may read only
# its argument (core objects), never a widget.
ViewJob = Callable[[FunnelResult], ViewData]


def run_view_job(job: ViewJob, result: FunnelResult) -> ViewData:
    """`job`, with a failure kept to its own view (logged with its traceback)."""
    try:
        return job(result)
    except TaskCancelled:
        raise
    except Exception as exc:
        log.error("a view's data failed:\n%s", traceback.format_exc())
        return ViewData(None, error=failure_text(exc))


@dataclass(frozen=True)
class AnalysisOutcome:
    """A computed funnel and each view's data, with the table it was computed on (a new
    table replaces the session's at once, while this outcome stays until the recompute
    lands, and row numbers in a result only mean something in their own table). None: the
    funnel was computed by a database (SQL mode), and there is no table here."""

    result: FunnelResult
    table: EventTable | None
    views: Mapping[str, ViewData]


class AnalysisController(QObject):
    """Owns "what the funnel currently computes to"; widgets only show its signals."""

    sig_computing = Signal()
    sig_progress = Signal(float, str)
    sig_result_ready = Signal(object)  # AnalysisOutcome
    sig_failed = Signal(object)  # the exception (see workers.failure_text)
    sig_cleared = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        compute_fn: ComputeFn = compute,
    ) -> None:
        super().__init__(parent)
        self._prepared: PreparedTable | None = None
        self._sql: SharedSource | None = None  # SQL mode: the database computes the funnel
        self._job: JobSource | None = None  # the running SQL computation's queries
        self._definition = FunnelDefinition(steps=())
        self._compute = compute_fn  # replaceable so tests can hold a computation open
        self._view_jobs: Callable[[], Mapping[str, ViewJob]] = dict
        self.outcome: AnalysisOutcome | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._recompute)
        self.runner: TaskRunner[AnalysisOutcome] = TaskRunner(self)
        self.runner.sig_started.connect(self.sig_computing)
        self.runner.sig_progress.connect(self.sig_progress)
        self.runner.sig_done.connect(self._on_done)
        self.runner.sig_failed.connect(self._on_failed)

    # ------------------------------------------------------------------ inputs

    @property
    def result(self) -> FunnelResult | None:
        return self.outcome.result if self.outcome is not None else None

    @property
    def busy(self) -> bool:
        """True while a recompute is waiting for its debounce or running."""
        return self._timer.isActive() or self.runner.busy

    @property
    def debounce_ms(self) -> int:
        return self._timer.interval()

    def set_debounce_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)

    def set_table(self, prepared: PreparedTable | None) -> None:
        self._stop_query()
        self._prepared, self._sql = prepared, None
        self.runner.cancel()  # a result for the old table must not land after this
        self.schedule()

    def set_sql_source(self, source: SharedSource) -> None:
        """Compute on `source` from now on (its engine does the work; no table here)."""
        self._stop_query()
        self._prepared, self._sql = None, source
        self.runner.cancel()
        self.schedule()

    def cancel(self) -> None:
        """Stop the computation in flight; in SQL mode the database's query is cancelled
        too (from a thread of its own, as a client may wait for the query to stop)."""
        self._timer.stop()
        self._stop_query()
        self.runner.cancel()

    def _stop_query(self) -> None:
        """Cancel the running SQL computation's query for real: a superseded query must
        not hold the connection (the runner's one thread) until it ends by itself."""
        job, self._job = self._job, None
        if job is not None:
            threading.Thread(target=job.cancel, daemon=True).start()

    def set_definition(self, definition: FunnelDefinition) -> None:
        self._definition = definition
        self.schedule()

    def set_view_jobs(self, jobs: Callable[[], Mapping[str, ViewJob]]) -> None:
        """Where each recompute gets its views' data jobs (read when the task starts)."""
        self._view_jobs = jobs

    def schedule(self) -> None:
        """Recompute after the debounce; a request already waiting is folded into this one."""
        self._timer.start()

    def shutdown(self) -> None:
        """Stop computing (the app is closing) and wait for the worker to let go."""
        self._timer.stop()
        self._stop_query()
        self.runner.shutdown()

    # ------------------------------------------------------------------ work

    def _recompute(self) -> None:
        prepared, definition = self._prepared, self._definition
        if self._sql is not None and definition.steps:
            self._stop_query()  # an edit while the database computes: its query stops
            self._job = self._sql.job()
            self.runner.start(_sql_work(self._job, definition, dict(self._view_jobs())))
            return
        if prepared is None or not definition.steps:
            self._clear()
            return
        # Snapshot the inputs now: the definition is immutable, each job has its view's
        # options bound, and later edits start a new task rather than change this one.
        jobs = dict(self._view_jobs())
        compute_fn = self._compute

        def work(progress: Progress, cancelled: Cancelled) -> AnalysisOutcome:
            result = compute_fn(prepared, definition, progress, cancelled)
            views: dict[str, ViewData] = {}
            for name, job in jobs.items():
                if cancelled():
                    raise TaskCancelled
                views[name] = run_view_job(job, result)
            return AnalysisOutcome(result, prepared.table, views)

        self.runner.start(work)

    def _clear(self) -> None:
        # The runner's own cancel signal is not forwarded: sig_cleared is what views need.
        self._stop_query()
        self.runner.cancel()
        self.outcome = None
        self.sig_cleared.emit()

    def _on_done(self, outcome: AnalysisOutcome) -> None:
        self._job = None
        self.outcome = outcome
        self.sig_result_ready.emit(outcome)

    def _on_failed(self, error: Exception) -> None:
        self._job = None
        self.outcome = None
        self.sig_failed.emit(error)


def _sql_work(
    source: JobSource, definition: FunnelDefinition, jobs: Mapping[str, ViewJob]
) -> Callable[[Progress, Cancelled], AnalysisOutcome]:
    """The funnel computed by `source`'s engine, then each view's data from its result."""

    def work(progress: Progress, cancelled: Cancelled) -> AnalysisOutcome:
        result = compute_sql(source, definition, progress=progress, cancelled=cancelled)
        views: dict[str, ViewData] = {}
        for name, job in jobs.items():
            if cancelled():
                raise TaskCancelled
            views[name] = run_view_job(job, result)
        return AnalysisOutcome(result, None, views)

    return work
