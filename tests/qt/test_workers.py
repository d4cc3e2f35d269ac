"""TaskRunner: latest request wins, superseded work is stopped quietly, failures arrive as
error objects, and each runner has a single-worker pool of its own."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QThreadPool

from funnel_gui.core.io import ImportFailed
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.workers import TaskRunner, failure_text


def test_superseding_a_task_does_not_report_a_cancel(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[str] = TaskRunner()
    release = threading.Event()
    seen_cancel: list[bool] = []
    runner.sig_cancelled.connect(lambda: seen_cancel.append(True))

    def slow(progress, cancelled):  # type: ignore[no-untyped-def]
        release.wait(10)
        return "old"

    runner.start(slow)
    with qtbot.waitSignal(runner.sig_done, timeout=10000) as done:
        runner.start(lambda progress, cancelled: "new")
        release.set()
    assert done.args == ["new"]
    assert seen_cancel == []  # the window keeps showing the new task's progress
    assert runner.shutdown()


def test_user_cancel_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[bool] = TaskRunner()
    release = threading.Event()
    runner.start(lambda progress, cancelled: release.wait(10))
    with qtbot.waitSignal(runner.sig_cancelled, timeout=5000):
        runner.cancel()
    release.set()
    assert not runner.busy
    assert runner.shutdown()


def test_failures_arrive_as_messages(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[None] = TaskRunner()

    def bad(progress, cancelled):  # type: ignore[no-untyped-def]
        raise ImportFailed("That file is not an export.")

    with qtbot.waitSignal(runner.sig_failed, timeout=5000) as failed:
        runner.start(bad)
    error = failed.args[0]
    assert isinstance(error, ImportFailed)  # our own error: its message is for a person
    assert [error.message] == ["That file is not an export."]


def test_a_bug_arrives_as_its_exception_with_a_clear_message(qtbot, caplog) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[None] = TaskRunner()

    def buggy(progress, cancelled):  # type: ignore[no-untyped-def]
        return {}["missing"]

    with qtbot.waitSignal(runner.sig_failed, timeout=5000) as failed:
        runner.start(buggy)
    assert isinstance(failed.args[0], KeyError)
    assert failure_text(failed.args[0]) == "Something went wrong: 'missing'"
    assert "Traceback" in caplog.text  # logged for whoever reads the terminal


def test_each_runner_has_a_single_worker_pool_of_its_own(qtbot) -> None:  # type: ignore[no-untyped-def]
    first: TaskRunner[str] = TaskRunner()
    second: TaskRunner[str] = TaskRunner()
    assert first.pool is not second.pool
    assert first.pool is not QThreadPool.globalInstance()
    assert first.pool.maxThreadCount() == 1
    # A task holding one runner's thread does not hold up another runner's task.
    release = threading.Event()
    first.start(lambda progress, cancelled: str(release.wait(10)))
    with qtbot.waitSignal(second.sig_done, timeout=5000) as done:
        second.start(lambda progress, cancelled: "not held up")
    assert done.args == ["not held up"]
    release.set()
    assert first.shutdown()
    assert second.shutdown()


def test_a_superseded_task_that_has_not_started_never_runs(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[str] = TaskRunner()
    release = threading.Event()
    ran: list[str] = []

    def work(name: str, wait: bool = False):  # type: ignore[no-untyped-def]
        def run(progress: Progress, cancelled: Cancelled) -> str:
            ran.append(name)
            if wait:
                release.wait(10)
            return name

        return run

    runner.start(work("running", wait=True))
    qtbot.waitUntil(lambda: ran == ["running"], timeout=5000)
    runner.start(work("queued"))  # waits for the single thread...
    with qtbot.waitSignal(runner.sig_done, timeout=5000) as done:
        runner.start(work("latest"))  # ...and is taken off the queue by this one
        release.set()
    assert done.args == ["latest"]
    assert ran == ["running", "latest"]
    assert runner.shutdown()


def test_shutdown_cancels_and_waits_for_the_running_task(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner: TaskRunner[str] = TaskRunner()
    started = threading.Event()
    finished: list[str] = []

    def polite(progress: Progress, cancelled: Cancelled) -> str:
        started.set()
        while not cancelled():  # a long computation that checks its cancel flag
            threading.Event().wait(0.005)
        finished.append("stopped")
        return "late"

    delivered: list[object] = []
    runner.sig_done.connect(delivered.append)
    runner.start(polite)
    assert started.wait(5)
    assert runner.shutdown(wait_ms=5000)  # returns once the thread is free
    assert finished == ["stopped"]
    assert runner.pool.activeThreadCount() == 0
    QCoreApplication.processEvents()  # any queued signal arrives now: none may be delivered
    assert delivered == []
