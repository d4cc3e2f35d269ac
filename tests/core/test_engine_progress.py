"""compute() reports progress in order and stops when the caller cancels."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.engine.compute import ComputeCancelled, compute
from funnel_gui.core.progress import TaskCancelled
from tests.core.engine_fixtures import definition, make_table


def test_progress_rises_to_one(tmp_path: Path) -> None:
    table = make_table([("a", "view", 0), ("a", "buy", 1)], tmp_path)
    seen: list[float] = []
    compute(table, definition("view", "buy"), progress=lambda f, _msg: seen.append(f))
    assert seen == sorted(seen)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0


def test_cancel_stops_with_no_result(tmp_path: Path) -> None:
    table = make_table([("a", "view", 0), ("a", "buy", 1)], tmp_path)
    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return calls["n"] > 2  # let two stages run, then cancel

    with pytest.raises(ComputeCancelled):
        compute(table, definition("view", "buy"), cancelled=cancelled)
    assert issubclass(ComputeCancelled, TaskCancelled)
