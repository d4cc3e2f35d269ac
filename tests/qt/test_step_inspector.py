"""StepInspector: every field edits the selected step through one undoable command, and
the panel follows the document (undo from outside included) without feedback loops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from funnel_gui.core.definition.model import Filter, Step
from funnel_gui.core.editing.commands import insert_new_step
from funnel_gui.core.io import load_events
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.filter_row import FilterRow, parse_value
from funnel_gui.qt.widgets.step_inspector import FIRST_STEP_GAPS, StepInspector

HOUR_NS = 3_600_000_000_000
CSV = """user_id,event,timestamp,device,price
u1,view,2026-01-01T10:00:00Z,mobile,10
u1,cart,2026-01-01T10:05:00Z,mobile,12.5
u2,view,2026-01-01T11:00:00Z,desktop,3
u3,view,2026-01-01T12:00:00Z,tablet,4
u3,buy,2026-01-01T12:01:00Z,mobile,4
"""


@pytest.fixture
def session(qtbot) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    app_session = AppSession(debounce_ms=0)
    app_session.append_events(["view"])
    app_session.append_events(["cart"])
    yield app_session
    app_session.shutdown()


@pytest.fixture
def inspector(qtbot, session: AppSession, tmp_path: Path) -> StepInspector:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.csv"
    path.write_text(CSV, encoding="utf-8")
    panel = StepInspector(session)
    qtbot.addWidget(panel)
    panel.set_table(load_events(path))
    panel.set_step(1)
    panel.resize(420, 560)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def step(panel: StepInspector, row: int | None = None) -> Step:
    return panel.session.definition.steps[panel.row if row is None else row]


def type_and_commit(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def choose(combo: QComboBox, text: str) -> None:
    """What picking an item from the popup does: set it, then `activated`."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not among {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def add_filter(qtbot, panel: StepInspector, value: str) -> FilterRow:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(panel.add_filter_button, Qt.MouseButton.LeftButton)
    row = panel.rows[-1]
    choose(row.property_box, "device")
    type_and_commit(qtbot, row.value_edit, value)
    return row


def test_no_step_shows_the_hint(inspector: StepInspector) -> None:
    assert inspector.pages.currentWidget() is inspector.form
    inspector.set_step(-1)
    assert inspector.pages.currentWidget() is inspector.hint
    assert inspector.hint.isVisible()
    assert inspector.hint.text() == "Select a step to edit it"


def test_rename_then_undo(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    before = stack.count()
    type_and_commit(qtbot, inspector.label_edit, "Add to cart")
    assert step(inspector).label == "Add to cart"
    assert stack.count() == before + 1
    stack.undo()
    assert step(inspector).label == ""
    assert inspector.label_edit.text() == ""
    assert inspector.label_edit.placeholderText() == "cart"  # the default label


def test_empty_label_goes_back_to_the_default(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    type_and_commit(qtbot, inspector.label_edit, "Cart")
    type_and_commit(qtbot, inspector.label_edit, "")
    assert step(inspector).label == ""
    assert step(inspector).display_label == "cart"


def test_kind_switch_is_one_readable_command(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    assert inspector.macro_button.isChecked()  # the last step defaults to macro
    # §2: the last and only macro step stays macro (unmarked, it would be macro anyway).
    assert not inspector.micro_button.isEnabled()
    inspector.set_step(0)
    assert inspector.micro_button.isChecked()
    before = stack.count()
    qtbot.mouseClick(inspector.macro_button, Qt.MouseButton.LeftButton)
    assert step(inspector).kind == "macro"
    assert stack.count() == before + 1
    assert stack.undoText() == 'Mark "view" as macro'
    # Another step is macro now, so the last one may be unmarked.
    inspector.set_step(1)
    assert inspector.micro_button.isEnabled()
    stack.undo()
    inspector.set_step(0)
    assert inspector.micro_button.isChecked()


def test_add_and_remove_an_event(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    assert not inspector.remove_event_button.isEnabled()  # the only event stays
    choose(inspector.add_event_box, "buy")
    assert step(inspector).events == ("cart", "buy")
    assert inspector.add_event_box.currentIndex() == 0  # back to "Add event…"
    assert [inspector.events_list.item(i).text() for i in range(2)] == ["cart", "buy"]
    inspector.events_list.setCurrentRow(1)
    qtbot.mouseClick(inspector.remove_event_button, Qt.MouseButton.LeftButton)
    assert step(inspector).events == ("cart",)


def test_add_a_filter_through_the_widgets(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    before = stack.count()
    qtbot.mouseClick(inspector.add_filter_button, Qt.MouseButton.LeftButton)
    assert stack.count() == before  # an empty row is a draft, not yet a filter
    row = inspector.rows[-1]
    choose(row.property_box, "device")
    assert [row.value_box.itemText(i) for i in range(3)] == ["mobile", "desktop", "tablet"]
    type_and_commit(qtbot, row.value_edit, "mobile")
    assert step(inspector).where == (Filter("device", "eq", "mobile"),)
    assert stack.count() == before + 1
    assert stack.undoText() == 'Set filters of step "cart"'


def test_one_of_takes_a_comma_separated_list(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    row = add_filter(qtbot, inspector, "mobile")
    choose(row.op_box, "is one of")
    assert step(inspector).where == (Filter("device", "in", ("mobile",)),)
    type_and_commit(qtbot, row.value_edit, "mobile, tablet")
    assert step(inspector).where == (Filter("device", "in", ("mobile", "tablet")),)
    choose(row.value_box, "desktop")  # picking from the list adds to it
    assert step(inspector).where[0].value == ("mobile", "tablet", "desktop")


def test_greater_than_refuses_text(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    row = add_filter(qtbot, inspector, "mobile")
    before = stack.count()
    choose(row.op_box, "greater than")
    type_and_commit(qtbot, row.value_edit, "abc")
    assert stack.count() == before
    assert step(inspector).where == (Filter("device", "eq", "mobile"),)
    assert row.problem.isVisible()
    assert "not a number" in row.problem.text()
    type_and_commit(qtbot, row.value_edit, "2.5")
    assert step(inspector).where == (Filter("device", "gt", 2.5),)
    assert not row.problem.isVisible()


def test_is_set_hides_the_value_and_remove_clears(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    row = add_filter(qtbot, inspector, "mobile")
    choose(row.op_box, "is set")
    assert not row.value_box.isVisible()
    assert step(inspector).where == (Filter("device", "is_set", None),)
    qtbot.mouseClick(row.remove_button, Qt.MouseButton.LeftButton)
    assert step(inspector).where == ()
    assert inspector.rows == []
    assert inspector.session.undo_stack.undoText() == 'Clear filters of step "cart"'


def test_max_gap_and_undo(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    type_and_commit(qtbot, inspector.max_gap_edit, "1h")
    assert step(inspector).max_gap_ns == HOUR_NS
    assert step(inspector).min_gap_ns is None
    type_and_commit(qtbot, inspector.min_gap_edit, "90s")
    assert step(inspector).min_gap_ns == 90_000_000_000
    inspector.session.undo_stack.undo()
    inspector.session.undo_stack.undo()
    assert step(inspector).max_gap_ns is None
    assert inspector.max_gap_edit.text() == ""


def test_invalid_gap_shows_a_hint_and_pushes_nothing(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    before = stack.count()
    type_and_commit(qtbot, inspector.max_gap_edit, "soon")
    assert stack.count() == before
    assert inspector.gap_problem.isVisible()
    assert inspector.gap_problem.text().startswith('Maximum gap: "soon" is not a duration')
    type_and_commit(qtbot, inspector.min_gap_edit, "2h")
    inspector.max_gap_edit.setText("1h")
    inspector.max_gap_edit.editingFinished.emit()
    assert stack.count() == before  # min above max: refused by the command itself
    assert "longer than the maximum" in inspector.gap_problem.text()


def test_first_step_has_no_gaps(inspector: StepInspector) -> None:
    inspector.set_step(0)
    assert not inspector.max_gap_edit.isEnabled()
    assert not inspector.min_gap_edit.isEnabled()
    assert inspector.max_gap_edit.toolTip() == FIRST_STEP_GAPS


def test_undo_from_outside_refreshes_every_field(qtbot, inspector: StepInspector) -> None:  # type: ignore[no-untyped-def]
    stack = inspector.session.undo_stack
    add_filter(qtbot, inspector, "tablet")
    type_and_commit(qtbot, inspector.label_edit, "Cart")
    type_and_commit(qtbot, inspector.max_gap_edit, "30m")
    count = stack.count()
    for _ in range(3):
        stack.undo()
    assert stack.count() == count  # refreshing pushed nothing
    assert inspector.label_edit.text() == ""
    assert inspector.max_gap_edit.text() == ""
    assert inspector.rows == []
    stack.redo()
    assert len(inspector.rows) == 1
    assert inspector.rows[0].value_box.currentText() == "tablet"
    assert stack.index() == count - 2


def test_follows_its_step_when_another_is_inserted(inspector: StepInspector) -> None:
    session = inspector.session  # its steps model hears of the edit first, as in the app
    session.edit(
        insert_new_step(session.definition, 0, ["buy"]),
    )
    assert inspector.row == 2
    assert step(inspector).events == ("cart",)
    session.undo_stack.undo()
    assert inspector.row == 1


def test_parse_value() -> None:
    assert parse_value("in", " a, b ,a,, ") == ("a", "b")
    assert parse_value("lt", "-3") == -3.0
    assert parse_value("not_set", "whatever") is None
    with pytest.raises(ValueError, match="not a number"):
        parse_value("gt", "nan?")
    with pytest.raises(ValueError, match="finite"):
        parse_value("gt", "inf")
