"""FunnelStepsModel: rows follow the document; drops and moves are undoable commands."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent, QUndoStack
from PySide6.QtWidgets import QAbstractItemView, QListView

from funnel_gui.core.definition.model import MAX_STEPS, Exclusion, FunnelDefinition, Step
from funnel_gui.core.editing.commands import ReplaceFunnel, SetStepKind
from funnel_gui.qt.mime import STEP_MIME, step_mime
from funnel_gui.qt.models.funnel_steps import (
    EVENTS_ROLE,
    KIND_ROLE,
    ROW_MIME,
    STEP_ROLE,
    FunnelStepsModel,
)
from funnel_gui.qt.session import AppSession

COPY = Qt.DropAction.CopyAction
MOVE = Qt.DropAction.MoveAction
ROOT = QModelIndex()


def checkout() -> FunnelDefinition:
    return FunnelDefinition(
        steps=(
            Step(("view_item",), label="View"),
            Step(("add_to_cart",), label="Cart"),
            Step(("purchase",), kind="macro"),
        ),
        exclusions=(Exclusion(("refund",), (1, 3)),),
    )


class Resets:
    """Counts model resets: a reset loses selection, so only Replace may cause one."""

    def __init__(self, model: FunnelStepsModel) -> None:
        self.count = 0
        model.modelReset.connect(self._on_reset)

    def _on_reset(self) -> None:
        self.count += 1


@pytest.fixture
def session(qapp) -> AppSession:  # type: ignore[no-untyped-def]
    return AppSession(debounce_ms=60_000)  # no table: nothing is computed


@pytest.fixture
def stack(session: AppSession) -> QUndoStack:
    return session.undo_stack


def steps_model(
    session: AppSession, definition: FunnelDefinition | None = None
) -> FunnelStepsModel:
    """The model over `session` editing `definition` (a fresh history)."""
    if definition is not None:
        session.replace_definition(definition)
    return FunnelStepsModel(session)


@pytest.fixture
def model(session: AppSession) -> FunnelStepsModel:
    return steps_model(session, checkout())


def labels(model: FunnelStepsModel) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def row_mime(row: int) -> QMimeData:
    mime = QMimeData()
    mime.setData(ROW_MIME, json.dumps({"row": row}).encode())
    return mime


def assert_undo_redo(stack: QUndoStack, model: FunnelStepsModel, text: str) -> None:
    """The last edit is one readable undo entry that undoes and redoes cleanly."""
    after = model.editing.definition
    assert stack.undoText() == text
    stack.undo()
    assert model.editing.definition == checkout()
    assert labels(model) == ["View", "Cart", "purchase"]
    stack.redo()
    assert model.editing.definition == after


def test_model_passes_qtmodeltester_through_edits(qtmodeltester, model, stack) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(model)  # keeps watching the signals of the edits below
    model.dropMimeData(step_mime(["search"]), COPY, 0, 0, ROOT)
    model.dropMimeData(row_mime(0), MOVE, 4, 0, ROOT)
    model.dropMimeData(step_mime(["view_cart"]), COPY, -1, -1, model.index(1, 0))
    model.remove_step(1)
    for _ in range(4):
        stack.undo()
    assert model.editing.definition == checkout()
    qtmodeltester.check(model)


def test_roles_show_label_events_and_kind(model: FunnelStepsModel) -> None:
    assert labels(model) == ["View", "Cart", "purchase"]
    assert model.index(2, 0).data(EVENTS_ROLE) == ["purchase"]
    assert model.index(2, 0).data(KIND_ROLE) == "macro"
    assert model.index(0, 0).data(STEP_ROLE) == checkout().steps[0]
    assert model.mimeTypes() == [STEP_MIME, ROW_MIME]
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsDragEnabled
    assert flags & Qt.ItemFlag.ItemIsDropEnabled
    assert model.flags(ROOT) & Qt.ItemFlag.ItemIsDropEnabled


def test_palette_drop_between_cards_inserts_a_step(qtbot, model, stack) -> None:  # type: ignore[no-untyped-def]
    resets = Resets(model)
    mime = step_mime(["view_cart"])
    assert model.canDropMimeData(mime, COPY, 1, 0, ROOT)
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        assert model.dropMimeData(mime, COPY, 1, 0, ROOT)
    assert inserted.args[1:] == [1, 1]
    assert labels(model) == ["View", "view_cart", "Cart", "purchase"]
    assert model.index(1, 0).data(KIND_ROLE) == "micro"
    assert model.editing.definition.exclusions[0].between == (1, 4)
    assert_undo_redo(stack, model, 'Add step "view_cart"')
    assert resets.count == 0


def test_several_dragged_events_make_one_any_of_step(model, stack) -> None:  # type: ignore[no-untyped-def]
    assert model.dropMimeData(step_mime(["refund", "cancel"]), COPY, -1, -1, ROOT)
    assert labels(model)[-1] == "refund or cancel"
    # Appended after the only macro: it takes the macro role over from purchase.
    assert model.index(3, 0).data(KIND_ROLE) == "macro"
    assert model.index(2, 0).data(KIND_ROLE) == "micro"
    assert_undo_redo(stack, model, 'Add step "refund or cancel" (now the macro step)')


def test_first_drop_into_an_empty_funnel_is_the_macro_step(session) -> None:  # type: ignore[no-untyped-def]
    model = steps_model(session)
    assert model.rowCount() == 0
    assert model.dropMimeData(step_mime(["purchase"]), COPY, -1, -1, ROOT)
    assert model.index(0, 0).data(KIND_ROLE) == "macro"


def test_drops_in_order_end_with_the_last_row_as_the_macro(qtbot, session, stack) -> None:  # type: ignore[no-untyped-def]
    model = steps_model(session)
    resets = Resets(model)

    def kinds() -> list[str]:
        return [model.index(r, 0).data(KIND_ROLE) for r in range(model.rowCount())]

    assert model.dropMimeData(step_mime(["view"]), COPY, -1, -1, ROOT)
    assert model.dropMimeData(step_mime(["cart"]), COPY, -1, -1, ROOT)
    before = model.editing.definition
    with qtbot.waitSignal(model.dataChanged) as changed:  # "cart" repaints as micro
        assert model.dropMimeData(step_mime(["purchase"]), COPY, -1, -1, ROOT)
    assert changed.args[0].row() == 1
    assert labels(model) == ["view", "cart", "purchase"]
    assert kinds() == ["micro", "micro", "macro"]
    assert stack.count() == 3  # one entry per drop
    assert stack.undoText() == 'Add step "purchase" (now the macro step)'
    with qtbot.waitSignal(model.dataChanged) as changed:
        stack.undo()
    assert changed.args[0].row() == 1
    assert model.editing.definition == before
    assert labels(model) == ["view", "cart"]
    assert kinds() == ["micro", "macro"]
    stack.redo()
    assert kinds() == ["micro", "micro", "macro"]
    assert resets.count == 0


def test_palette_drop_on_a_card_adds_alternatives(qtbot, model, stack) -> None:  # type: ignore[no-untyped-def]
    resets = Resets(model)
    card = model.index(1, 0)
    with qtbot.waitSignal(model.dataChanged) as changed:
        assert model.dropMimeData(step_mime(["view_cart", "add_to_cart"]), COPY, -1, -1, card)
    assert changed.args[0].row() == 1
    assert model.rowCount() == 3
    assert model.index(1, 0).data(EVENTS_ROLE) == ["add_to_cart", "view_cart"]
    assert_undo_redo(stack, model, 'Add "view_cart" to step "Cart"')  # the duplicate is skipped

    assert model.dropMimeData(step_mime(["cart_open", "basket"]), COPY, -1, -1, card)
    assert stack.count() == 2  # two events, one undo entry
    assert stack.undoText() == 'Add "cart_open", "basket" to step "Cart"'
    assert model.index(1, 0).data(EVENTS_ROLE) == [
        "add_to_cart",
        "view_cart",
        "cart_open",
        "basket",
    ]
    stack.undo()
    assert model.index(1, 0).data(EVENTS_ROLE) == ["add_to_cart", "view_cart"]
    assert resets.count == 0


def test_dropping_events_a_card_already_has_changes_nothing(model, stack) -> None:  # type: ignore[no-untyped-def]
    mime = step_mime(["add_to_cart"])
    assert not model.canDropMimeData(mime, COPY, -1, -1, model.index(1, 0))
    assert not model.dropMimeData(mime, COPY, -1, -1, model.index(1, 0))
    assert stack.count() == 0


@pytest.mark.parametrize(
    ("source", "row", "order", "text"),
    [
        (0, 3, ["Cart", "purchase", "View"], 'Move step "View" to position 3'),
        (0, 2, ["Cart", "View", "purchase"], 'Move step "View" down'),
        (2, 0, ["purchase", "View", "Cart"], 'Move step "purchase" to position 1'),
        (2, 1, ["View", "purchase", "Cart"], 'Move step "purchase" up'),
        (1, -1, ["View", "purchase", "Cart"], 'Move step "Cart" down'),  # below the last card
    ],
)
def test_card_row_payload_reorders_between_cards(  # type: ignore[no-untyped-def]
    qtbot, model, stack, source: int, row: int, order: list[str], text: str
) -> None:
    resets = Resets(model)
    mime = model.mimeData([model.index(source, 0)])
    assert json.loads(bytes(mime.data(ROW_MIME).data())) == {"row": source, "pid": os.getpid()}
    assert model.canDropMimeData(mime, MOVE, row, 0, ROOT)
    with qtbot.waitSignal(model.rowsMoved) as moved:
        assert model.dropMimeData(mime, MOVE, row, 0, ROOT)
    qt_destination = model.rowCount() if row < 0 else row  # Qt's "insert before" row
    assert [moved.args[1], moved.args[2], moved.args[4]] == [source, source, qt_destination]
    assert labels(model) == order
    assert_undo_redo(stack, model, text)
    assert resets.count == 0


def test_card_dropped_on_a_card_takes_its_place(model, stack) -> None:  # type: ignore[no-untyped-def]
    assert model.dropMimeData(row_mime(0), MOVE, -1, -1, model.index(2, 0))
    assert labels(model) == ["Cart", "purchase", "View"]
    assert model.editing.definition.exclusions[0].between == (2, 3)  # still View..purchase
    assert_undo_redo(stack, model, 'Move step "View" to position 3')


def test_dropping_a_card_where_it_is_changes_nothing(model, stack) -> None:  # type: ignore[no-untyped-def]
    for row in (1, 2):  # just before or just after itself
        assert not model.canDropMimeData(row_mime(1), MOVE, row, 0, ROOT)
        assert not model.dropMimeData(row_mime(1), MOVE, row, 0, ROOT)
    assert stack.count() == 0


def _broken(fmt: str, payload: bytes) -> QMimeData:
    mime = QMimeData()
    mime.setData(fmt, payload)
    return mime


def _text_only() -> QMimeData:
    mime = QMimeData()
    mime.setText("view_cart")
    return mime


@pytest.mark.parametrize(
    "mime",
    [
        pytest.param(_text_only, id="plain-text"),
        pytest.param(lambda: _broken("application/json", b'{"events": ["x"]}'), id="foreign"),
        pytest.param(lambda: _broken(STEP_MIME, b"{not json"), id="broken-step"),
        pytest.param(lambda: step_mime([]), id="no-events"),
        pytest.param(lambda: _broken(ROW_MIME, b'{"row": 7}'), id="row-out-of-range"),
        pytest.param(lambda: _broken(ROW_MIME, b'{"row": true}'), id="row-not-a-number"),
    ],
)
def test_foreign_or_broken_mime_is_refused(model, stack, mime) -> None:  # type: ignore[no-untyped-def]
    resets = Resets(model)
    for parent in (ROOT, model.index(1, 0)):
        assert not model.canDropMimeData(mime(), COPY, 1 if parent is ROOT else -1, 0, parent)
        assert not model.dropMimeData(mime(), COPY, 1 if parent is ROOT else -1, 0, parent)
    assert model.editing.definition == checkout()
    assert stack.count() == 0
    assert resets.count == 0


def test_a_twenty_first_step_is_refused(session, stack) -> None:  # type: ignore[no-untyped-def]
    full = FunnelDefinition(steps=tuple(Step((f"e{i}",)) for i in range(MAX_STEPS)))
    model = steps_model(session, full)
    assert not model.canDropMimeData(step_mime(["x"]), COPY, 3, 0, ROOT)
    assert not model.dropMimeData(step_mime(["x"]), COPY, 3, 0, ROOT)
    assert model.rowCount() == MAX_STEPS
    assert model.dropMimeData(step_mime(["x"]), COPY, -1, -1, model.index(3, 0))  # alternatives
    assert stack.count() == 1


def test_remove_rename_and_qt_move_rows_go_through_the_stack(qtbot, model, stack) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(model.rowsRemoved):
        assert model.remove_step(1)
    assert_undo_redo(stack, model, 'Remove step "Cart"')
    stack.undo()
    assert model.setData(model.index(1, 0), " Basket ")
    assert_undo_redo(stack, model, 'Rename step "Cart" to "Basket"')
    stack.undo()
    # QListView's internal move calls moveRow with Qt's "insert before" destination.
    assert model.moveRow(ROOT, 0, ROOT, 3)
    assert_undo_redo(stack, model, 'Move step "View" to position 3')
    stack.undo()
    assert not model.remove_step(5)


def test_only_replacing_the_funnel_resets_the_model(qtbot, model, stack) -> None:  # type: ignore[no-untyped-def]
    resets = Resets(model)
    with qtbot.waitSignal(model.dataChanged):
        model.editing.edit(SetStepKind(0, "macro"))
    assert model.index(0, 0).data(KIND_ROLE) == "macro"
    assert resets.count == 0
    other = FunnelDefinition(steps=(Step(("signup",)),))
    with qtbot.waitSignal(model.modelReset):
        model.editing.edit(ReplaceFunnel(other))
    assert labels(model) == ["signup"]
    assert stack.undoText() == "Replace funnel"
    stack.undo()
    assert labels(model) == ["View", "Cart", "purchase"]
    assert resets.count == 2


def test_a_stock_list_view_drops_through_the_model(qtbot, model, stack) -> None:  # type: ignore[no-untyped-def]
    """Real QDropEvents: Qt's own row/parent conventions reach dropMimeData as assumed."""
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
    view.resize(200, 300)
    view.show()
    qtbot.waitExposed(view)
    keep: list[QMimeData] = []  # QDropEvent does not own its QMimeData

    def drop(point: QPoint, mime: QMimeData, action: Qt.DropAction = COPY) -> None:
        keep.append(mime)
        event = QDropEvent(
            QPointF(point), action, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        view.dropEvent(event)
        assert event.isAccepted()

    cart = view.visualRect(model.index(1, 0))
    drop(QPoint(cart.center().x(), cart.top() + 1), step_mime(["view_cart"]))  # above Cart
    assert labels(model) == ["View", "view_cart", "Cart", "purchase"]
    drop(view.visualRect(model.index(2, 0)).center(), step_mime(["basket"]))  # on Cart
    assert model.index(2, 0).data(EVENTS_ROLE) == ["add_to_cart", "basket"]
    drop(QPoint(50, 290), model.mimeData([model.index(0, 0)]), MOVE)  # below the last card
    assert labels(model) == ["view_cart", "Cart", "purchase", "View"]
    assert [stack.text(i) for i in range(stack.count())] == [
        'Add step "view_cart"',
        'Add "basket" to step "Cart"',
        'Move step "View" to position 4',
    ]
