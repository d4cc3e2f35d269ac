"""Background tasks: run core work off the GUI thread with progress and cancel.

Following Orange3's pattern, the work itself is a plain function taking progress and
cancel callbacks; starting a new task cancels the one in flight and results of a
superseded task are never delivered ("latest request wins").
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from funnel_gui.core.io import ImportFailed
from funnel_gui.core.progress import TaskCancelled

log = logging.getLogger(__name__)

Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _TaskSignals(QObject):
    sig_progress = Signal(int, float, str)
    sig_done = Signal(int, object)
    sig_failed = Signal(int, str)
    sig_cancelled = Signal(int)


class _Task(QRunnable):
    def __init__(self, task_id: int, work: Work, signals: _TaskSignals) -> None:
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
        except ImportFailed as exc:
            self.signals.sig_failed.emit(tid, exc.message)
        except Exception as exc:  # the GUI must survive anything a task throws
            log.error("background task failed:\n%s", traceback.format_exc())
            self.signals.sig_failed.emit(tid, f"Something went wrong: {exc}")
        else:
            if self.cancel_event.is_set():
                self.signals.sig_cancelled.emit(tid)
            else:
                self.signals.sig_done.emit(tid, result)


class TaskRunner(QObject):
    """Runs one kind of task at a time; only the latest request's outcome is reported."""

    sig_started = Signal()
    sig_progress = Signal(float, str)
    sig_done = Signal(object)
    sig_failed = Signal(str)
    sig_cancelled = Signal()

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        # No parent on purpose: running tasks keep the signals alive through their own
        # reference, so a task that outlives its runner (window closed) emits safely.
        self._signals = _TaskSignals()
        self._signals.sig_progress.connect(self._on_progress)
        self._signals.sig_done.connect(self._on_done)
        self._signals.sig_failed.connect(self._on_failed)
        self._signals.sig_cancelled.connect(self._on_cancelled)
        self._current: _Task | None = None
        self._next_id = 0

    @property
    def busy(self) -> bool:
        return self._current is not None

    def start(self, work: Work) -> None:
        # A superseded task is stopped quietly: the new one's progress stays on screen.
        if self._current is not None:
            self._current.cancel_event.set()
            self._current = None
        self._next_id += 1
        task = _Task(self._next_id, work, self._signals)
        task.setAutoDelete(False)  # we keep a reference to reach its cancel flag
        self._current = task
        self.sig_started.emit()
        self._pool.start(task)

    def cancel(self) -> None:
        if self._current is not None:
            self._current.cancel_event.set()
            self._current = None
            self.sig_cancelled.emit()

    def _is_current(self, task_id: int) -> bool:
        return self._current is not None and self._current.task_id == task_id

    def _on_progress(self, task_id: int, fraction: float, message: str) -> None:
        if self._is_current(task_id):
            self.sig_progress.emit(fraction, message)

    def _on_done(self, task_id: int, result: object) -> None:
        if self._is_current(task_id):
            self._current = None
            self.sig_done.emit(result)

    def _on_failed(self, task_id: int, message: str) -> None:
        if self._is_current(task_id):
            self._current = None
            self.sig_failed.emit(message)

    def _on_cancelled(self, task_id: int) -> None:
        # A cancelled task was already reported when cancel() was called.
        return
