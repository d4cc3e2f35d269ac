"""The analysis side: recompute after edits (debounced, latest wins), the step table, the panel.

Fixture, countable by hand: u1 view → cart (30 s) → buy, u2 view → cart (60 s), u3 view.
So the counts are 3, 2, 1; cart is 2/3 = 66.7% of view; the median view→cart time is 45 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.commands import FunnelDocument, RemoveStep, insert_new_step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.charts.base import NO_STEPS_TEXT, ChartView
from funnel_gui.qt.models.step_table import VALUE_ROLE, StepTableModel
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.text import format_seconds
from funnel_gui.qt.widgets.analysis_panel import AnalysisPanel
from funnel_gui.qt.workers import failure_text

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z"),
    ("u1", "cart", "2024-03-01T10:00:30Z"),
    ("u1", "buy", "2024-03-01T10:02:00Z"),
    ("u2", "view", "2024-03-01T11:00:00Z"),
    ("u2", "cart", "2024-03-01T11:01:00Z"),
    ("u3", "view", "2024-03-01T12:00:00Z"),
]


@pytest.fixture
def table(tmp_path: Path) -> EventTable:
    path = tmp_path / "events.csv"
    lines = ["user_id,event_name,event_time", *(",".join(row) for row in ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_events(path)


def add_step(document: FunnelDocument, *events: str) -> None:
    """Append a step the way a drop on the editor does."""
    defn = document.definition
    document.execute(insert_new_step(defn, len(defn.steps), events))


def two_step_session(**options: object) -> AppSession:
    """A session editing view → cart, recomputing at once (no debounce)."""
    made = AppSession(debounce_ms=0, **options)  # type: ignore[arg-type]
    add_step(made.document, "view")
    add_step(made.document, "cart")
    return made


@pytest.fixture
def session(qtbot) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    made = two_step_session()
    yield made
    made.shutdown()


def counts(result: FunnelResult) -> list[int]:
    return [s.count for s in result.steps]


def drain_queued_signals(session: AppSession) -> None:
    """Let every finished task's queued signals arrive, so "nothing else came" is a fact."""
    session.analysis.runner.pool.waitForDone(15000)
    QCoreApplication.processEvents()


# ------------------------------------------------------------------ analysis


def test_result_after_table_and_document(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    add_step(session.document, "buy")
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000) as got:
        session.set_table(table, ["events.csv"])
    assert counts(got.args[0].result) == [3, 2, 1]
    assert session.result is got.args[0].result


def test_an_edit_triggers_a_new_result(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000) as first:
        session.set_table(table, ["events.csv"])
    assert counts(first.args[0].result) == [3, 2]
    with qtbot.waitSignals([session.sig_computing, session.sig_result_ready], timeout=10000):
        add_step(session.document, "buy")
    assert counts(session.result) == [3, 2, 1]


def test_quick_edits_give_only_the_latest_result(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    results: list[FunnelResult] = []
    computing: list[bool] = []
    session.sig_result_ready.connect(lambda outcome: results.append(outcome.result))
    session.sig_computing.connect(lambda: computing.append(True))
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        add_step(session.document, "buy")
        session.document.execute(RemoveStep(0))  # cart, buy: u1 and u2 enter, u1 buys
    drain_queued_signals(session)
    assert [counts(r) for r in results] == [[2, 1]]
    assert computing == [True]  # the debounce folded both edits into one computation


def test_an_edit_cancels_the_computation_in_flight(qtbot, table) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    cancelled_seen: list[bool] = []

    def gated(
        t: PreparedTable,
        d: FunnelDefinition,
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> FunnelResult:
        if d.n_steps == 2:  # the first request: held until the edit has been made
            release.wait(10)
            cancelled_seen.append(cancelled is not None and cancelled())
        return compute(t, d, progress, cancelled)

    session = two_step_session(compute_fn=gated)
    results: list[FunnelResult] = []
    session.sig_result_ready.connect(lambda outcome: results.append(outcome.result))
    with qtbot.waitSignal(session.sig_computing, timeout=10000):
        session.set_table(table, ["events.csv"])
    with qtbot.waitSignal(session.sig_computing, timeout=10000):
        add_step(session.document, "buy")
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        release.set()
    drain_queued_signals(session)
    assert cancelled_seen == [True]  # compute was handed the runner's cancel check
    assert [counts(r) for r in results] == [[3, 2, 1]]
    session.shutdown()


def test_no_table_clears(qtbot, session) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(session.sig_result_cleared, timeout=5000):
        add_step(session.document, "buy")
    assert session.result is None


def test_removing_every_step_clears(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    with qtbot.waitSignal(session.sig_result_cleared, timeout=5000):
        session.document.execute(RemoveStep(1))
        session.document.execute(RemoveStep(0))
    assert session.result is None


def test_failures_arrive_as_messages(qtbot, table) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> FunnelResult:
        raise ValueError("boom")

    session = two_step_session(compute_fn=broken)
    with qtbot.waitSignal(session.sig_failed, timeout=10000) as failed:
        session.set_table(table, ["events.csv"])
    assert "boom" in failure_text(failed.args[0])
    session.shutdown()


# ------------------------------------------------------------------ step table


@pytest.fixture
def document() -> FunnelDocument:
    doc = FunnelDocument()
    add_step(doc, "view")
    add_step(doc, "cart")
    return doc


def test_step_table_shows_the_result(qtmodeltester, table, document) -> None:  # type: ignore[no-untyped-def]
    add_step(document, "buy")
    model = StepTableModel()
    model.set_result(compute(table, document.definition))
    qtmodeltester.check(model)

    def cell(row: int, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(row, col), role)

    assert [cell(r, model.STEP) for r in range(3)] == ["1. view", "2. cart", "3. buy"]
    assert [cell(r, model.KIND) for r in range(3)] == ["Micro", "Micro", "Macro"]
    assert [cell(r, model.COUNT) for r in range(3)] == ["3", "2", "1"]
    assert cell(1, model.FROM_PREVIOUS) == "66.7%"  # 2 / 3
    assert cell(2, model.FROM_PREVIOUS) == "50.0%"  # 1 / 2
    assert cell(2, model.FROM_START) == "33.3%"  # 1 / 3
    assert [cell(r, model.DROP_OFF) for r in range(3)] == ["–", "1", "1"]
    # The data ends at 12:00 and the window is 7 days: u3 and u2 may still convert.
    assert [cell(r, model.STILL_OPEN) for r in range(3)] == ["–", "1", "1"]
    assert cell(1, model.MEDIAN_TIME) == "45 s"  # median of 30 s and 60 s
    assert cell(2, model.MEDIAN_TIME) == "1.5 min"  # u1 only: 10:00:30 → 10:02:00
    assert cell(1, model.FROM_PREVIOUS, VALUE_ROLE) == pytest.approx(2 / 3)
    align = cell(1, model.COUNT, Qt.ItemDataRole.TextAlignmentRole)
    assert align == int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    tip = str(cell(1, model.MEDIAN_TIME, Qt.ItemDataRole.ToolTipRole))
    assert "mean 45 s" in tip
    assert "p25" in tip
    assert "p90" in tip


def test_step_table_follows_results_without_resets(qtmodeltester, table, document) -> None:  # type: ignore[no-untyped-def]
    model = StepTableModel()
    qtmodeltester.check(model)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_result(compute(table, document.definition))
    assert model.rowCount() == 2
    add_step(document, "buy")
    model.set_result(compute(table, document.definition))
    assert model.rowCount() == 3
    model.set_result(None)
    assert model.rowCount() == 0
    assert resets == []  # resets lose the selection after every edit


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (0.3, "0.3 s"),
        (4.5, "4.5 s"),
        (45, "45 s"),
        (59.4, "59 s"),
        (59.7, "1 min"),  # the unit follows the rounded value, never "60 s"
        (90, "1.5 min"),
        (192, "3.2 min"),
        (3_599, "1 h"),
        (5_400, "1.5 h"),
        (86_400, "1 d"),
        (181_440, "2.1 d"),
        (400 * 86_400, "400 d"),
        (4_000 * 86_400, "4,000 d"),
        (-90, "-1.5 min"),
        (float("nan"), "–"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


# ------------------------------------------------------------------ panel


class CountingView(ChartView[None, list[int]]):
    """A view that records what it was asked to draw (its data: the step counts)."""

    name = "counting"
    title = "Counting"

    def __init__(self) -> None:
        super().__init__(lambda result, _options: counts(result))
        self.drawn: list[list[int]] = []

    def view_options(self) -> None:
        return None

    def draw(self, result: FunnelResult, data: list[int]) -> str | None:
        self.drawn.append(data)
        return None


def test_panel_shows_header_and_busy_state_and_feeds_its_views(  # type: ignore[no-untyped-def]
    qtbot, session, table
) -> None:
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    view = CountingView()
    panel.add_view(view)
    panel.connect_session(session)
    panel.show()
    assert view.showing_empty_state
    assert not panel.report_button.isEnabled()
    add_step(session.document, "buy")
    busy_seen: list[bool] = []
    session.sig_computing.connect(lambda: busy_seen.append(not panel.busy_label.isHidden()))
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    assert busy_seen == [True]
    assert panel.busy_label.isHidden()
    assert panel.header_label.text() == "3 people entered · 1 converted (33.3%) · 0 excluded"
    assert panel.warning_label.isHidden()
    assert view.drawn == [[3, 2, 1]]
    assert not view.showing_empty_state
    assert panel.report_button.isEnabled()


def test_a_hidden_view_draws_only_when_shown(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    first, second = CountingView(), CountingView()
    second.name = "second"
    panel.add_view(first)
    panel.add_view(second)
    panel.connect_session(session)
    panel.show()
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    assert first.drawn == [[3, 2]]
    assert second.drawn == []  # its tab is not the current one
    assert panel.show_view("second")
    assert second.drawn == [[3, 2]]
    assert not panel.show_view("no such view")


def test_panel_shows_warnings_in_the_amber_line(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    panel.connect_session(session)
    add_step(session.document, "checkout")  # no such event in the data
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    assert not panel.warning_label.isHidden()
    assert "'checkout'" in panel.warning_label.text()
    assert panel.header_label.text() == "3 people entered · 0 converted (0.0%) · 0 excluded"


def test_panel_empty_state_when_cleared(qtbot, session, table) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    view = CountingView()
    panel.add_view(view)
    panel.connect_session(session)
    panel.show()
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["events.csv"])
    with qtbot.waitSignal(session.sig_result_cleared, timeout=5000):
        session.analysis.set_table(None)
    assert view.showing_empty_state
    assert view.empty_label.text() == NO_STEPS_TEXT
    assert panel.header_label.text() == ""
    assert not panel.report_button.isEnabled()
