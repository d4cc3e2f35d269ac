"""The analysis side: recompute after edits (debounced, latest wins), the step table, the panel.

Fixture, countable by hand: u1 view → cart (30 s) → buy, u2 view → cart (60 s), u3 view.
So the counts are 3, 2, 1; cart is 2/3 = 66.7% of view; the median view→cart time is 45 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QThreadPool

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.commands import FunnelDocument, RemoveStep, insert_new_step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.analysis import AnalysisController
from funnel_gui.qt.charts.base import NO_STEPS_TEXT, ChartView
from funnel_gui.qt.models.step_table import VALUE_ROLE, StepTableModel, format_duration
from funnel_gui.qt.widgets.analysis_panel import AnalysisPanel

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z"),
    ("u1", "cart", "2024-03-01T10:00:30Z"),
    ("u1", "buy", "2024-03-01T10:02:00Z"),
    ("u2", "view", "2024-03-01T11:00:00Z"),
    ("u2", "cart", "2024-03-01T11:01:00Z"),
    ("u3", "view", "2024-03-01T12:00:00Z"),
]


@pytest.fixture(autouse=True)
def _pool_drained(qtbot):  # type: ignore[no-untyped-def]
    yield
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=15000)


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


@pytest.fixture
def document() -> FunnelDocument:
    doc = FunnelDocument()
    add_step(doc, "view")
    add_step(doc, "cart")
    return doc


@pytest.fixture
def controller(qtbot) -> Iterator[AnalysisController]:  # type: ignore[no-untyped-def]
    ctl = AnalysisController(debounce_ms=0)
    yield ctl
    ctl.detach()


def counts(result: FunnelResult) -> list[int]:
    return [s.count for s in result.steps]


def drain_queued_signals() -> None:
    """Let every finished task's queued signals arrive, so "nothing else came" is a fact."""
    pool = QThreadPool.globalInstance()
    pool.waitForDone(15000)
    QCoreApplication.processEvents()


# ------------------------------------------------------------------ controller


def test_result_after_table_and_document(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    add_step(document, "buy")
    with qtbot.waitSignal(controller.sig_result, timeout=10000) as got:
        controller.set_table(table)
        controller.set_document(document)
    assert counts(got.args[0]) == [3, 2, 1]
    assert controller.result is got.args[0]


def test_an_edit_triggers_a_new_result(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.sig_result, timeout=10000) as first:
        controller.set_table(table)
        controller.set_document(document)
    assert counts(first.args[0]) == [3, 2]
    with qtbot.waitSignals([controller.sig_computing, controller.sig_result], timeout=10000):
        add_step(document, "buy")
    assert counts(controller.result) == [3, 2, 1]


def test_quick_edits_give_only_the_latest_result(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    results: list[FunnelResult] = []
    computing: list[bool] = []
    controller.sig_result.connect(results.append)
    controller.sig_computing.connect(lambda: computing.append(True))
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        add_step(document, "buy")
        document.execute(RemoveStep(0))  # cart, buy: u1 and u2 enter, u1 buys
    drain_queued_signals()
    assert [counts(r) for r in results] == [[2, 1]]
    assert computing == [True]  # the debounce folded both edits into one computation


def test_an_edit_cancels_the_computation_in_flight(qtbot, table, document) -> None:  # type: ignore[no-untyped-def]
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

    ctl = AnalysisController(debounce_ms=0, compute_fn=gated)
    results: list[FunnelResult] = []
    ctl.sig_result.connect(results.append)
    with qtbot.waitSignal(ctl.sig_computing, timeout=10000):
        ctl.set_table(table)
        ctl.set_document(document)
    with qtbot.waitSignal(ctl.sig_computing, timeout=10000):
        add_step(document, "buy")
    with qtbot.waitSignal(ctl.sig_result, timeout=10000):
        release.set()
    drain_queued_signals()
    assert cancelled_seen == [True]  # compute was handed the runner's cancel check
    assert [counts(r) for r in results] == [[3, 2, 1]]
    ctl.detach()


def test_no_table_clears(qtbot, controller, document) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.sig_cleared, timeout=5000):
        controller.set_document(document)
    assert controller.result is None


def test_removing_every_step_clears(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    with qtbot.waitSignal(controller.sig_cleared, timeout=5000):
        document.execute(RemoveStep(1))
        document.execute(RemoveStep(0))
    assert controller.result is None


def test_failures_arrive_as_messages(qtbot, table, document) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object) -> FunnelResult:
        raise ValueError("boom")

    ctl = AnalysisController(debounce_ms=0, compute_fn=broken)
    with qtbot.waitSignal(ctl.sig_failed, timeout=10000) as failed:
        ctl.set_table(table)
        ctl.set_document(document)
    assert "boom" in failed.args[0]
    ctl.detach()


# ------------------------------------------------------------------ step table


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
    assert format_duration(seconds) == text


# ------------------------------------------------------------------ panel


class CountingView(ChartView):
    """A view that records what it was asked to draw."""

    name = "counting"
    title = "Counting"

    def __init__(self) -> None:
        super().__init__()
        self.drawn: list[list[int]] = []

    def draw(self, result: FunnelResult) -> str | None:
        self.drawn.append(counts(result))
        return None


def test_panel_shows_header_and_busy_state_and_feeds_its_views(  # type: ignore[no-untyped-def]
    qtbot, controller, table, document
) -> None:
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    view = CountingView()
    panel.add_view(view)
    panel.connect_controller(controller)
    panel.show()
    assert view.showing_empty_state
    assert not panel.report_button.isEnabled()
    add_step(document, "buy")
    busy_seen: list[bool] = []
    controller.sig_computing.connect(lambda: busy_seen.append(not panel.busy_label.isHidden()))
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    assert busy_seen == [True]
    assert panel.busy_label.isHidden()
    assert panel.header_label.text() == "3 people entered · 1 converted (33.3%) · 0 excluded"
    assert panel.warning_label.isHidden()
    assert view.drawn == [[3, 2, 1]]
    assert not view.showing_empty_state
    assert panel.report_button.isEnabled()


def test_a_hidden_view_draws_only_when_shown(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    first, second = CountingView(), CountingView()
    second.name = "second"
    panel.add_view(first)
    panel.add_view(second)
    panel.connect_controller(controller)
    panel.show()
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    assert first.drawn == [[3, 2]]
    assert second.drawn == []  # its tab is not the current one
    assert panel.show_view("second")
    assert second.drawn == [[3, 2]]
    assert not panel.show_view("no such view")


def test_panel_shows_warnings_in_the_amber_line(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    panel.connect_controller(controller)
    add_step(document, "checkout")  # no such event in the data
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    assert not panel.warning_label.isHidden()
    assert "'checkout'" in panel.warning_label.text()
    assert panel.header_label.text() == "3 people entered · 0 converted (0.0%) · 0 excluded"


def test_panel_empty_state_when_cleared(qtbot, controller, table, document) -> None:  # type: ignore[no-untyped-def]
    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    view = CountingView()
    panel.add_view(view)
    panel.connect_controller(controller)
    panel.show()
    with qtbot.waitSignal(controller.sig_result, timeout=10000):
        controller.set_table(table)
        controller.set_document(document)
    with qtbot.waitSignal(controller.sig_cleared, timeout=5000):
        controller.set_table(None)
    assert view.showing_empty_state
    assert view.empty_label.text() == NO_STEPS_TEXT
    assert panel.header_label.text() == ""
    assert not panel.report_button.isEnabled()
