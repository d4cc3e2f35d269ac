"""The counting options in the app (FUNNEL_SEMANTICS §16–§18, §20): each set through its
control in the settings panel or the More options dialog, as one undoable edit, saved and
read back through the funnel file, and changing the numbers as counted by hand.

Fixture (no session column, a 7-day window, steps view → cart → buy):
- u1 (mobile, US): view, cart, buy on 1 March at 10:00–10:02; again on 3 March.
- u2 (desktop, FR): view at 11:00 on 1 March (desktop), cart at 11:01 on a mobile.

People: view 2, cart 2, buy 1. Attempts (§16): u1's second attempt starts after its first
ended (its buy), so u1 counts twice: view 3, cart 3, buy 2. Same device (§17): u2's cart
is on another device, so cart 1. Only country ≠ US (§18): u1 is gone: view 1, cart 1, buy
0. Sessions after 30 minutes inactive (§20): u1's two days are two sessions: 3, 3, 2.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from funnel_gui.core.definition.file import load_funnel, save_funnel
from funnel_gui.core.definition.model import Breakdown, Filter, FunnelDefinition, Step
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.more_options import MoreOptionsDialog
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z", "mobile", "US"),
    ("u1", "cart", "2024-03-01T10:01:00Z", "mobile", "US"),
    ("u1", "buy", "2024-03-01T10:02:00Z", "mobile", "US"),
    ("u1", "view", "2024-03-03T10:00:00Z", "mobile", "US"),
    ("u1", "cart", "2024-03-03T10:01:00Z", "mobile", "US"),
    ("u1", "buy", "2024-03-03T10:02:00Z", "mobile", "US"),
    ("u2", "view", "2024-03-01T11:00:00Z", "desktop", "FR"),
    ("u2", "cart", "2024-03-01T11:01:00Z", "mobile", "FR"),
]
MINUTES_30 = 30 * 60 * 1_000_000_000


def write_events(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device", "country"])
        writer.writerows(ROWS)
    return path


@pytest.fixture
def loaded(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> MainWindow:
    window.session.analysis.set_debounce_ms(0)
    steps = tuple(Step(events=(e,)) for e in ("view", "cart", "buy"))
    funnel = tmp_path / "buy.funnel.json"
    save_funnel(FunnelDefinition(name="Buy", steps=steps), funnel)
    assert window.open_funnel(str(funnel))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000):
        window.mapping.open_files([str(write_events(tmp_path / "events.csv"))])
    return window


def counts(window: MainWindow) -> list[int]:
    result = window.session.result
    assert result is not None
    return [s.count for s in result.steps]


def settle(qtbot: QtBot, window: MainWindow, expected: list[int]) -> None:
    """Wait for the recompute after an edit to land with the `expected` counts."""
    qtbot.waitUntil(
        lambda: not window.session.analysis.busy and counts(window) == expected, timeout=30000
    )


def pick(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def hold(dialog: MoreOptionsDialog, name: str) -> None:
    items = dialog.hold_list.findItems(name, Qt.MatchFlag.MatchExactly)
    assert items, name
    items[0].setCheckState(Qt.CheckState.Checked)


def add_filter(dialog: MoreOptionsDialog, prop: str, op_words: str, value: str) -> None:
    row = dialog.filters.add_row()
    row.property_box.setEditText(prop)
    pick(row.op_box, op_words)
    row.value_box.setEditText(value)
    row.value_edit.editingFinished.emit()


def test_people_then_attempts(qtbot: QtBot, loaded: MainWindow) -> None:
    settle(qtbot, loaded, [2, 2, 1])
    pick(loaded.settings_bar.unit_combo, "Attempts")  # §16
    assert loaded.session.definition.count == "totals"
    settle(qtbot, loaded, [3, 3, 2])
    result = loaded.session.result
    assert result is not None
    assert result.counted == "attempts"


def test_same_device_passes_over_a_step_on_another_device(qtbot: QtBot, loaded: MainWindow) -> None:
    hold(loaded.settings_bar.more_dialog, "device")  # §17
    assert loaded.session.definition.hold == ("device",)
    settle(qtbot, loaded, [2, 1, 1])


def test_funnel_filters_drop_every_event_that_fails_them(qtbot: QtBot, loaded: MainWindow) -> None:
    add_filter(loaded.settings_bar.more_dialog, "country", "is not", "US")  # §18
    assert loaded.session.definition.filters == (Filter("country", "neq", "US"),)
    settle(qtbot, loaded, [1, 1, 0])


def test_sessions_from_inactivity_make_counting_sessions_possible(
    qtbot: QtBot, loaded: MainWindow
) -> None:
    bar, dialog = loaded.settings_bar, loaded.settings_bar.more_dialog
    assert not sessions_offered(bar)  # this data has no session column
    dialog.inactivity_edit.setText("30m")
    dialog.inactivity_box.setChecked(True)  # §20
    assert loaded.session.definition.inactivity_ns == MINUTES_30
    assert sessions_offered(bar)
    pick(bar.unit_combo, "Sessions")
    settle(qtbot, loaded, [3, 3, 2])


def sessions_offered(bar: FunnelSettingsBar) -> bool:
    model = bar.unit_combo.model()
    return bool(model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEnabled)


def test_two_breakdown_properties_make_combinations(qtbot: QtBot, loaded: MainWindow) -> None:
    bar, dialog = loaded.settings_bar, loaded.settings_bar.more_dialog
    assert not dialog.more_breakdowns[0].isEnabled()  # a second property needs a first
    pick(bar.breakdown_combo, "device")
    pick(dialog.more_breakdowns[0], "country")  # §18
    assert loaded.session.definition.breakdown == Breakdown.several(("device", "country"))
    qtbot.waitUntil(
        lambda: (
            (r := loaded.session.result) is not None
            and r.breakdown is not None
            and bool(r.breakdown.properties)
        ),
        timeout=30000,
    )
    result = loaded.session.result
    assert result is not None
    assert result.breakdown is not None
    groups = {g.values: g.counts for g in result.breakdown.groups}
    assert groups == {("mobile", "US"): [1, 1, 1], ("desktop", "FR"): [1, 1, 0]}
    view = loaded.workspace.analysis_panel.views["funnel"]
    view.ensure_drawn()
    assert "device × country" in view.split_box.text()


def test_every_option_round_trips_through_the_file_and_undo(
    qtbot: QtBot, loaded: MainWindow, tmp_path: Path
) -> None:
    session, bar, dialog = loaded.session, loaded.settings_bar, loaded.settings_bar.more_dialog
    before = session.definition
    pick(bar.breakdown_combo, "device")
    pick(dialog.more_breakdowns[0], "country")
    hold(dialog, "device")
    add_filter(dialog, "country", "is not", "DE")
    dialog.inactivity_edit.setText("45m")
    dialog.inactivity_box.setChecked(True)
    pick(bar.unit_combo, "Attempts in sessions")
    after = session.definition
    assert (after.unit, after.count, after.hold) == ("session", "totals", ("device",))
    assert after.filters == (Filter("country", "neq", "DE"),)
    assert after.inactivity_ns == 45 * 60 * 1_000_000_000
    assert after.breakdown == Breakdown.several(("device", "country"))
    assert "4 set" in bar.more_button.text()
    path = tmp_path / "options.funnel.json"
    save_funnel(after, path)
    assert load_funnel(path).definition == after
    stack = session.undo_stack
    assert stack.count() == 6  # one entry per change
    while stack.canUndo():
        stack.undo()
    assert session.definition == before
    assert bar.unit_combo.currentText() == "People"
    assert dialog.hold_list.findItems("device", Qt.MatchFlag.MatchExactly)[0].checkState() == (
        Qt.CheckState.Unchecked
    )
    assert not dialog.inactivity_box.isChecked()
    assert not dialog.filters.rows
    while stack.canRedo():
        stack.redo()
    assert session.definition == after
    assert bar.unit_combo.currentText() == "Attempts in sessions"
    assert dialog.more_breakdowns[0].currentText() == "country"
    assert len(dialog.filters.rows) == 1
    assert dialog.inactivity_edit.text() == "45m"


def test_attempts_in_any_order_are_refused_with_the_engines_words(
    qtbot: QtBot, loaded: MainWindow
) -> None:
    """§16: counting attempts needs an ordered funnel; both ways of asking for the
    combination are refused, the control says why, and nothing crashes."""
    bar, session = loaded.settings_bar, loaded.session
    pick(bar.unit_combo, "Attempts")
    entries = session.undo_stack.count()
    pick(bar.order_combo, "Any order")
    assert session.definition.order == "sequential"
    assert session.undo_stack.count() == entries
    assert "sequential and strict funnels only" in bar.order_combo.toolTip()
    assert "#b91c1c" in bar.order_combo.styleSheet()
    assert bar.order_combo.currentText() == "In order"  # the panel shows the funnel
    pick(bar.unit_combo, "People")
    pick(bar.order_combo, "Any order")
    pick(bar.unit_combo, "Attempts")
    assert session.definition.count == "uniques"
    assert "sequential and strict funnels only" in bar.unit_combo.toolTip()


def test_a_refused_option_in_the_dialog_is_said_there(loaded: MainWindow) -> None:
    dialog = loaded.settings_bar.more_dialog
    dialog.inactivity_edit.setText("soon")
    dialog.inactivity_box.setChecked(True)
    assert dialog.problem.isVisibleTo(dialog)
    assert "Inactivity timeout" in dialog.problem.text()
    assert loaded.session.definition.inactivity_ns is None


def test_sessions_and_attempts_are_named_on_cards_axes_and_tables(
    qtbot: QtBot, loaded: MainWindow
) -> None:
    dialog, bar = loaded.settings_bar.more_dialog, loaded.settings_bar
    dialog.inactivity_box.setChecked(True)  # 30m by default
    pick(bar.unit_combo, "Sessions")
    settle(qtbot, loaded, [3, 3, 2])
    panel = loaded.workspace.analysis_panel
    view = panel.views["funnel"]
    view.ensure_drawn()
    assert view.plot.getAxis("left").labelText == "sessions"
    assert view.step_model.headerData(2, Qt.Orientation.Horizontal) == "Sessions"
    assert panel.header_label.text().startswith("3 sessions entered")
    cards = loaded.workspace.editor.delegate
    assert cards.counted == "sessions"
    pick(bar.unit_combo, "Attempts")
    qtbot.waitUntil(lambda: panel.header_label.text().startswith("3 attempts entered"))
    view.ensure_drawn()
    assert view.plot.getAxis("left").labelText == "attempts"
    assert view.step_model.headerData(2, Qt.Orientation.Horizontal) == "Attempts"
    assert cards.counted == "attempts"
