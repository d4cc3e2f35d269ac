"""AppSession: one owner of the table, the funnel and its analysis; its signals fire once per
change, a refused edit is reported one way, the prepared table is made once per table, and
a new table cancels the computation for the old one. DocumentSignals lets go on destroy.

Fixture, countable by hand: u1 view → cart → buy, u2 view → cart, u3 view (counts 3, 2, 1);
the second table drops u3, so its counts are 2, 2, 1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication

import funnel_gui.qt.session as session_module
from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.editing.commands import (
    ChangeEvent,
    FunnelDocument,
    Replaced,
    SetStepGaps,
    StepsInserted,
    insert_new_step,
)
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.core.io.mapping_preview import MappingRequest
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.analysis import AnalysisOutcome
from funnel_gui.qt.document import DocumentSignals, refusals
from funnel_gui.qt.loading import LoadRequest
from funnel_gui.qt.session import AppSession

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z"),
    ("u1", "cart", "2024-03-01T10:00:30Z"),
    ("u1", "buy", "2024-03-01T10:02:00Z"),
    ("u2", "view", "2024-03-01T11:00:00Z"),
    ("u2", "cart", "2024-03-01T11:01:00Z"),
    ("u3", "view", "2024-03-01T12:00:00Z"),
]
FUNNEL = FunnelDefinition(steps=tuple(Step((e,)) for e in ("view", "cart", "buy")))


def write_events(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["user_id,event_name,event_time", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def table(tmp_path: Path) -> EventTable:
    return load_events(write_events(tmp_path / "a.csv", ROWS))


@pytest.fixture
def other_table(tmp_path: Path) -> EventTable:
    return load_events(write_events(tmp_path / "b.csv", ROWS[:5]))


@pytest.fixture
def session(qtbot) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    made = AppSession(debounce_ms=0)
    yield made
    made.shutdown()


def counts(outcome: AnalysisOutcome) -> list[int]:
    return [s.count for s in outcome.result.steps]


class Recorder:
    """Every emission of a signal, with its arguments."""

    def __init__(self, signal) -> None:  # type: ignore[no-untyped-def]
        self.calls: list[tuple[object, ...]] = []
        signal.connect(lambda *args: self.calls.append(args))


# ------------------------------------------------------------------ signals once per change


def test_an_edit_is_one_undo_entry_and_one_change_signal(session: AppSession) -> None:
    changes = Recorder(session.sig_definition_changed)
    refused = Recorder(session.sig_edit_failed)
    assert session.edit(insert_new_step(session.definition, 0, ["view"]))
    assert changes.calls == [(StepsInserted(0),)]
    assert refused.calls == []
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()  # undo is a change too, told the same way
    assert len(changes.calls) == 2
    assert session.definition.steps == ()


def test_a_new_table_is_told_once_with_its_files_and_report(
    session: AppSession, table: EventTable
) -> None:
    tables = Recorder(session.sig_table_changed)
    session.set_table(table, ["a.csv"])
    assert tables.calls == [(table,)]
    assert session.table is table
    assert session.data_files == ("a.csv",)
    assert session.report is table.report


def test_replacing_the_funnel_starts_a_new_history(session: AppSession) -> None:
    session.append_events(["view"])
    replaced = Recorder(session.sig_document_replaced)
    changes = Recorder(session.sig_definition_changed)
    session.replace_definition(FUNNEL)
    assert replaced.calls == [()]
    assert changes.calls == [(Replaced(),)]
    assert session.definition == FUNNEL
    assert session.undo_stack.count() == 0


# ------------------------------------------------------------------ refused edits


def test_a_refused_edit_changes_nothing_and_is_reported_once(session: AppSession) -> None:
    session.replace_definition(FUNNEL)
    changes = Recorder(session.sig_definition_changed)
    refused = Recorder(session.sig_edit_failed)
    assert not session.edit(SetStepGaps(1, 100, 10))  # minimum above maximum
    assert len(refused.calls) == 1
    assert "gap" in str(refused.calls[0][0])
    assert changes.calls == []
    assert session.undo_stack.count() == 0
    assert session.definition == FUNNEL


def test_refusals_hand_the_reason_to_the_widget_that_edited(session: AppSession) -> None:
    session.replace_definition(FUNNEL)
    with refusals(session) as reasons:
        session.edit(SetStepGaps(1, 100, 10))
    assert len(reasons) == 1
    session.edit(SetStepGaps(1, 100, 10))  # outside the block: not collected
    assert len(reasons) == 1


def test_a_no_op_is_neither_an_entry_nor_a_refusal(session: AppSession) -> None:
    session.replace_definition(FUNNEL)
    refused = Recorder(session.sig_edit_failed)
    assert not session.edit(SetStepGaps(1, None, None))  # it has no gaps already
    assert refused.calls == []
    assert session.undo_stack.count() == 0


# ------------------------------------------------------------------ the prepared table


def test_the_prepared_table_is_made_once_per_table_and_reused(  # type: ignore[no-untyped-def]
    qtbot, monkeypatch, table: EventTable, other_table: EventTable
) -> None:
    made: list[EventTable] = []

    def counting_prepare(t: EventTable) -> PreparedTable:
        made.append(t)
        return prepare(t)

    handed: list[PreparedTable] = []

    def recording(
        p: PreparedTable, d: FunnelDefinition, progress: Progress | None, c: Cancelled | None
    ) -> FunnelResult:
        handed.append(p)
        return compute(p, d, progress, c)

    monkeypatch.setattr(session_module, "prepare", counting_prepare)
    session = AppSession(debounce_ms=0, compute_fn=recording)
    session.replace_definition(FUNNEL)
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(table, ["a.csv"])
    for gap in (None, 60 * 10**9):  # two recomputes on the same table
        with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
            session.edit(SetStepGaps(1, None, gap) if gap else SetStepGaps(2, 0, None))
    assert made == [table]
    assert len(handed) == 3
    assert all(p is session.prepared for p in handed)
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000) as got:
        session.set_table(other_table, ["b.csv"])
    assert made == [table, other_table]
    assert handed[-1] is session.prepared
    assert handed[-1].table is other_table
    assert got.args[0].table is other_table
    session.shutdown()


def test_a_new_table_cancels_the_computation_for_the_old_one(  # type: ignore[no-untyped-def]
    qtbot, table: EventTable, other_table: EventTable
) -> None:
    release = threading.Event()
    old_was_cancelled: list[bool] = []

    def gated(
        p: PreparedTable, d: FunnelDefinition, progress: Progress | None, c: Cancelled | None
    ) -> FunnelResult:
        if p.table is table:  # held until the new table is in
            release.wait(10)
            old_was_cancelled.append(c is not None and c())
        return compute(p, d, progress, c)

    session = AppSession(debounce_ms=0, compute_fn=gated)
    session.replace_definition(FUNNEL)
    outcomes = Recorder(session.sig_result_ready)
    with qtbot.waitSignal(session.sig_computing, timeout=10000):
        session.set_table(table, ["a.csv"])
    with qtbot.waitSignal(session.sig_result_ready, timeout=10000):
        session.set_table(other_table, ["b.csv"])
        release.set()
    session.analysis.runner.pool.waitForDone(10000)
    QCoreApplication.processEvents()  # anything the old task sent has arrived now
    assert old_was_cancelled == [True]
    assert len(outcomes.calls) == 1
    outcome = outcomes.calls[0][0]
    assert isinstance(outcome, AnalysisOutcome)
    assert outcome.table is other_table
    assert counts(outcome) == [2, 2, 1]
    session.shutdown()


# ------------------------------------------------------------------ loading


def test_a_load_arrives_typed_with_its_files(qtbot, session: AppSession, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(write_events(tmp_path / "shop.csv", ROWS))
    finished = Recorder(session.sig_load_finished)
    with qtbot.waitSignal(session.sig_table_changed, timeout=20000) as got:
        session.load(LoadRequest((path,)))
    assert isinstance(got.args[0], EventTable)
    assert len(got.args[0]) == 6
    assert session.data_files == (path,)
    assert len(finished.calls) == 1


def test_columns_nobody_can_guess_ask_for_a_mapping(  # type: ignore[no-untyped-def]
    qtbot, session: AppSession, tmp_path: Path
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("who,what\na,view\n", encoding="utf-8")
    with qtbot.waitSignal(session.sig_mapping_needed, timeout=20000) as got:
        session.load(LoadRequest((str(path),)))
    assert isinstance(got.args[0], MappingRequest)
    assert session.table is None


# ------------------------------------------------------------------ document signals


def test_document_signals_let_go_of_the_document_when_destroyed(qtbot) -> None:  # type: ignore[no-untyped-def]
    document = FunnelDocument()
    adapter = DocumentSignals(document)
    seen: list[ChangeEvent] = []
    adapter.sig_changed.connect(seen.append)
    document.execute(insert_new_step(document.definition, 0, ["view"]))
    assert seen == [StepsInserted(0)]
    assert len(document._listeners) == 1
    shiboken6.delete(adapter)  # the C++ side goes, as when its parent is deleted
    assert document._listeners == []
    document.execute(insert_new_step(document.definition, 1, ["buy"]))  # nobody to call
    assert seen == [StepsInserted(0)]


def test_the_session_detaches_its_adapter_on_shutdown(qtbot) -> None:  # type: ignore[no-untyped-def]
    session = AppSession(debounce_ms=0)
    document = session.document
    assert len(document._listeners) == 1  # the adapter is the only listener
    session.shutdown()
    assert document._listeners == []
    assert not session.document_signals.attached
