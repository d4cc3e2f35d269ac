"""Background tasks: run core work off the GUI thread with progress and cancel.

Following Orange3's pattern, the work itself is a plain function taking progress and
cancel callbacks; starting a new task cancels the one in flight and results of a
superseded task are never delivered ("latest request wins").

Each runner has a pool of its own with a single thread: a superseded task that has not
started yet is taken off the queue, one that is running finishes (it sees its cancel flag
at its next progress report) before its successor starts, so the two never compete for
the cores, and one job's backlog (a long load) never delays another's (a recompute).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Progress, Cancelled], T]
SHUTDOWN_WAIT_MS = 5_000  # closing the app waits this long for a task to see its cancel


def failure_text(error: BaseException) -> str:
    """What to tell a person about a failed task: our own error's message, or (a bug,
    whose traceback went to the log) that something went wrong."""
    if isinstance(error, UserFacingError):
        return error.message
    return f"Something went wrong: {error}"


class _TaskSignals(QObject):
    sig_progress = Signal(int, float, str)
    sig_done = Signal(int, object)
    sig_failed = Signal(int, object)  # the exception
    sig_cancelled = Signal(int)


class _Task(QRunnable, Generic[T]):
    def __init__(self, task_id: int, work: Work[T], signals: _TaskSignals) -> None:
        super().__init__()
        self.task_id = task_id
        self.work = work
        self.signals = signals
        self.cancel_event = threading.Event()

    def run(self) -> None:
        tid = self.task_id
        try:
            result = self.work(
                lambda f, msg: self.signals.sig_progress.emit(tid, f, msg),
                self.cancel_event.is_set,
            )
        except TaskCancelled:
            self.signals.sig_cancelled.emit(tid)
        except UserFacingError as exc:
            self.signals.sig_failed.emit(tid, exc)
        except Exception as exc:  # the GUI must survive anything a task throws
            log.error("background task failed:\n%s", traceback.format_exc())
            self.signals.sig_failed.emit(tid, exc)
        else:
            if self.cancel_event.is_set():
                self.signals.sig_cancelled.emit(tid)
            else:
                self.signals.sig_done.emit(tid, result)


class TaskRunner(QObject, Generic[T]):
    """Runs one kind of task at a time; only the latest request's outcome is reported.

    `sig_done` carries what the work returned (a `T`); `sig_failed` the exception: a
    `UserFacingError` (show its `.message`) or anything else (a bug; see failure_text).
    """

    sig_started = Signal()
    sig_progress = Signal(float, str)
    sig_done = Signal(object)
    sig_failed = Signal(object)
    sig_cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        # No parent on purpose: running tasks keep the signals alive through their own
        # reference, so a task that outlives its runner emits safely.
        self._signals = _TaskSignals()
        self._signals.sig_progress.connect(self._on_progress)
        self._signals.sig_done.connect(self._on_done)
        self._signals.sig_failed.connect(self._on_failed)
        self._signals.sig_cancelled.connect(self._on_cancelled)
        self._current: _Task[T] | None = None
        self._next_id = 0

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(self, work: Work[T]) -> None:
        # A superseded task is stopped quietly: the new one's progress stays on screen.
        self._drop_current()
        self._next_id += 1
        task = _Task(self._next_id, work, self._signals)
        task.setAutoDelete(False)  # we keep a reference to reach its cancel flag
        self._current = task
        self.sig_started.emit()
        self.pool.start(task)

    def cancel(self) -> None:
        if self._current is not None:
            self._drop_current()
            self.sig_cancelled.emit()

    def shutdown(self, wait_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """Cancel what is queued or running and wait for the thread to be free (the app is
        closing); False if a task was still running after `wait_ms`."""
        self._drop_current()
        self.pool.clear()
        return self.pool.waitForDone(wait_ms)

    def _drop_current(self) -> None:
        task, self._current = self._current, None
        if task is not None:
            task.cancel_event.set()
            self.pool.tryTake(task)  # not started yet: it never will be

    def _is_current(self, task_id: int) -> bool:
        return self._current is not None and self._current.task_id == task_id

    def _on_progress(self, task_id: int, fraction: float, message: str) -> None:
        if self._is_current(task_id):
            self.sig_progress.emit(fraction, message)

    def _on_done(self, task_id: int, result: object) -> None:
        if self._is_current(task_id):
            self._current = None
            self.sig_done.emit(result)

    def _on_failed(self, task_id: int, error: object) -> None:
        if self._is_current(task_id):
            self._current = None
            self.sig_failed.emit(error)

    def _on_cancelled(self, task_id: int) -> None:
        # A cancelled task was already reported when cancel() was called.
        return
