"""FunnelEditor: cards render, real drops insert or add alternatives, keys and menu edit
through the undo stack, and results show on the cards."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDropEvent, QPalette
from PySide6.QtWidgets import QListView

from funnel_gui.core.definition.model import Filter, FunnelDefinition, Step
from funnel_gui.core.engine.results import StepResult
from funnel_gui.qt.mime import step_mime
from funnel_gui.qt.models.funnel_steps import EVENTS_ROLE, KIND_ROLE, FunnelStepsModel
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.text import filter_summary
from funnel_gui.qt.widgets.funnel_editor import FunnelEditor

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
COPY = Qt.DropAction.CopyAction


def labels(model: FunnelStepsModel) -> list[str]:
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def make_editor(qtbot, definition: FunnelDefinition | None = None) -> FunnelEditor:  # type: ignore[no-untyped-def]
    session = AppSession(debounce_ms=60_000)  # no table: nothing is computed
    if definition is not None:
        session.replace_definition(definition)
    model = FunnelStepsModel(session)
    editor = FunnelEditor(model)
    qtbot.addWidget(editor)
    editor._keep = (session, model)  # type: ignore[attr-defined]  # Python owns both
    editor.resize(640, 360)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def session_of(model: FunnelStepsModel) -> AppSession:
    assert isinstance(model.editing, AppSession)
    return model.editing


def two_steps() -> FunnelDefinition:
    return FunnelDefinition(
        steps=(
            Step(("view_item", "view_cart"), label="Browse"),
            Step(("purchase",), kind="macro", where=(Filter("device", "eq", "mobile"),)),
        )
    )


class Dropper:
    """Real QDropEvents into the card view; QDropEvent does not own its QMimeData."""

    def __init__(self, view: QListView) -> None:
        self.view = view
        self.keep: list[QMimeData] = []

    def __call__(self, point: QPoint, mime: QMimeData) -> None:
        self.keep.append(mime)
        event = QDropEvent(
            QPointF(point), COPY, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
        self.view.dropEvent(event)
        assert event.isAccepted()


def save(editor: FunnelEditor, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    assert editor.grab().save(str(path))
    return path


def test_empty_state_renders(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot)
    assert editor.view.objectName() == "stepCards"
    path = save(editor, "funnel_editor_empty.png")
    assert path.stat().st_size > 3_000  # the hint's text and frame, not a blank canvas


def test_real_drops_insert_then_add_alternatives(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot)
    model, view = editor.model, editor.view
    drop = Dropper(view)
    drop(QPoint(100, 20), step_mime(["view_item"]))  # into the empty view
    assert labels(model) == ["view_item"]
    below = view.visualRect(model.index(0, 0)).bottom() + 40
    drop(QPoint(100, below), step_mime(["purchase"]))  # below the last card: appended
    assert labels(model) == ["view_item", "purchase"]
    second = view.visualRect(model.index(1, 0))
    drop(QPoint(100, second.top() + 2), step_mime(["add_to_cart"]))  # in the gap above it
    assert labels(model) == ["view_item", "add_to_cart", "purchase"]
    drop(view.visualRect(model.index(0, 0)).center(), step_mime(["view_cart"]))  # on a card
    assert model.index(0, 0).data(EVENTS_ROLE) == ["view_item", "view_cart"]
    assert model.rowCount() == 3
    assert session_of(model).undo_stack.count() == 4


def test_delete_removes_the_selected_card_and_undo_restores_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    model, view = editor.model, editor.view
    view.setFocus()
    with qtbot.waitSignal(editor.sig_selected_step) as selected:
        view.setCurrentIndex(model.index(0, 0))
    assert selected.args == [0]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert labels(model) == ["purchase"]
    session_of(model).undo_stack.undo()
    assert labels(model) == ["Browse", "purchase"]
    view.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert labels(model) == ["Browse"]


def test_alt_down_and_alt_up_move_the_selected_card(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    model, view = editor.model, editor.view
    view.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert labels(model) == ["purchase", "Browse"]
    assert view.currentIndex().row() == 1  # the moved card stays selected
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # already last
    assert labels(model) == ["purchase", "Browse"]
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert labels(model) == ["Browse", "purchase"]
    assert session_of(model).undo_stack.count() == 2


def test_context_menu_actions_are_undoable(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    model = editor.model
    actions = {a.text(): a for a in editor.build_context_menu(0).actions() if a.text()}
    assert not actions["Move up\tAlt+Up"].isEnabled()
    actions["Mark as macro"].trigger()
    assert model.index(0, 0).data(KIND_ROLE) == "macro"
    assert session_of(model).undo_stack.undoText() == 'Mark "Browse" as macro'
    actions = {a.text(): a for a in editor.build_context_menu(1).actions() if a.text()}
    actions["Mark as micro"].trigger()
    actions["Move up\tAlt+Up"].trigger()
    assert labels(model) == ["purchase", "Browse"]
    editor.build_context_menu(0).actions()[0].trigger()  # Remove step
    assert labels(model) == ["Browse"]
    for _ in range(4):
        session_of(model).undo_stack.undo()
    assert model.editing.definition == two_steps()


def step_result(number: int, label: str, kind: str, count: int, start: int) -> StepResult:
    previous = None if number == 1 else count / start
    return StepResult(
        number=number,
        label=label,
        kind=kind,
        count=count,
        from_previous=previous,
        from_start=count / start,
        drop_off=0 if number == 1 else start - count,
        drop_off_rate=None if previous is None else 1 - previous,
        still_open=0,
        time_from_previous=None,
        time_to_convert=None,
    )


def test_results_show_on_the_cards(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    results = [step_result(1, "Browse", "micro", 13_175, 13_175)]
    results.append(step_result(2, "purchase", "macro", 3_083, 13_175))
    editor.view.setCurrentIndex(editor.model.index(0, 0))
    editor.set_results(results)
    assert editor.delegate.results == results
    path = save(editor, "funnel_editor_results.png")
    assert path.stat().st_size > 5_000
    editor.set_results(None)
    assert editor.delegate.results == []


def test_a_structural_edit_drops_stale_results(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    editor.set_results([step_result(1, "Browse", "micro", 10, 10)])
    assert editor.model.remove_step(0)
    assert editor.delegate.results == []


def test_selection_signal_reports_none_when_the_last_card_goes(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, FunnelDefinition(steps=(Step(("a",)),)))
    editor.view.setCurrentIndex(editor.model.index(0, 0))
    with qtbot.waitSignal(editor.sig_selected_step) as selected:
        editor.model.remove_step(0)
    assert selected.args == [-1]
    assert editor.view.currentIndex() == QModelIndex()


@pytest.mark.parametrize(
    ("filters", "text"),
    [
        ((Filter("device", "eq", "mobile"),), "device = mobile"),
        (
            (Filter("country", "in", ("DE", "FR")), Filter("price", "gt", 9.5)),
            "country in (DE, FR) and price > 9.5",
        ),
        ((Filter("coupon", "is_set"),), "coupon is set"),
        ((), ""),
    ],
)
def test_filter_summary(filters: tuple[Filter, ...], text: str) -> None:
    assert filter_summary(filters) == text


def test_cards_read_on_a_dark_palette(qtbot) -> None:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, two_steps())
    dark = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#1f2329"),
        (QPalette.ColorRole.Base, "#2b3038"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Mid, "#4a505a"),
        (QPalette.ColorRole.Midlight, "#3a404a"),
    ):
        dark.setColor(role, QColor(colour))
    editor.setPalette(dark)
    editor.set_results([step_result(1, "Browse", "micro", 200, 200)])
    assert save(editor, "funnel_editor_dark.png").stat().st_size > 5_000
