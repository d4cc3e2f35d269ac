"""TaskRunner: latest request wins, superseded work is stopped quietly, failures arrive as text."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool

from funnel_gui.core.io import ImportFailed
from funnel_gui.qt.workers import TaskRunner


@pytest.fixture(autouse=True)
def _pool_drained(qtbot):  # type: ignore[no-untyped-def]
    yield
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=15000)


def test_superseding_a_task_does_not_report_a_cancel(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
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


def test_user_cancel_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    release = threading.Event()
    runner.start(lambda progress, cancelled: release.wait(10))
    with qtbot.waitSignal(runner.sig_cancelled, timeout=5000):
        runner.cancel()
    release.set()
    assert not runner.busy


def test_failures_arrive_as_messages(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()

    def bad(progress, cancelled):  # type: ignore[no-untyped-def]
        raise ImportFailed("That file is not an export.")

    with qtbot.waitSignal(runner.sig_failed, timeout=5000) as failed:
        runner.start(bad)
    assert failed.args == ["That file is not an export."]
