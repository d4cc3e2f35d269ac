"""FunnelSettingsBar: each control pushes one SetFunnelSettings, and the bar follows the
document through undo/redo without pushing anything itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from funnel_gui.core.definition.model import NS_PER_SECOND, Breakdown, DateRange
from funnel_gui.core.editing.commands import SetFunnelSettings
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar, parse_window

ROWS = [
    ("u1", "view", "2026-03-01T10:00:00Z", "s1", "mobile"),
    ("u1", "buy", "2026-03-01T10:05:00Z", "s1", "mobile"),
    ("u2", "view", "2026-03-20T09:00:00Z", "s2", "desktop"),
]
DAY = 86_400 * NS_PER_SECOND


def utc_ns(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp()) * NS_PER_SECOND


def make_table(tmp_path: Path, *, sessions: bool) -> EventTable:
    header = ["user_id", "event_name", "event_time", "session_id", "device"]
    keep = [0, 1, 2, 3, 4] if sessions else [0, 1, 2, 4]
    lines = [",".join(header[i] for i in keep)]
    lines += [",".join(row[i] for i in keep) for row in ROWS]
    path = tmp_path / ("with_sessions.csv" if sessions else "no_sessions.csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {
        "actor": "user_id",
        "event": "event_name",
        "time": "event_time",
        "session": "session_id" if sessions else None,
    }
    return load_events(path, mapping)


@pytest.fixture
def session() -> Iterator[AppSession]:
    app_session = AppSession(debounce_ms=60_000)  # no analysis runs during these tests
    assert app_session.append_events(["view"])
    assert app_session.append_events(["buy"])
    yield app_session
    app_session.shutdown()


@pytest.fixture
def bar(qtbot: QtBot, session: AppSession, tmp_path: Path) -> FunnelSettingsBar:
    widget = FunnelSettingsBar(session)
    qtbot.addWidget(widget)
    widget.set_table(make_table(tmp_path, sessions=False))
    return widget


def pick(combo: QComboBox, text: str) -> None:
    """Choose an item the way the user does: it becomes current."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def type_window(qtbot: QtBot, bar: FunnelSettingsBar, text: str) -> None:
    """Real keys: select all, type, Enter (which is what finishes an edit)."""
    line = bar.window_combo.lineEdit()
    assert line is not None
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_labels_and_order_tooltips(bar: FunnelSettingsBar) -> None:
    combo = bar.order_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "In order",
        "Strictly in a row",
        "Any order",
    ]
    tips = [combo.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(combo.count())]
    assert all(tips)
    assert "very next event" in tips[1]
    assert bar.session.undo_stack.count() == 2  # building the bar pushed nothing


def test_any_order_then_undo(bar: FunnelSettingsBar, session: AppSession) -> None:
    pick(bar.order_combo, "Any order")
    assert session.definition.order == "any"
    assert session.undo_stack.count() == 3
    session.undo_stack.undo()
    assert session.definition.order == "sequential"
    assert bar.order_combo.currentText() == "In order"
    assert session.undo_stack.count() == 3  # following the undo pushed nothing
    session.undo_stack.redo()
    assert bar.order_combo.currentText() == "Any order"


def test_window_typed_and_preset(qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession) -> None:
    type_window(qtbot, bar, "2d")
    window = session.definition.window_ns
    assert window == 2 * 86_400 * 10**9
    assert isinstance(window, int)
    assert bar.window_combo.currentText() == "2d"
    index = bar.window_combo.findText("1 hour")
    bar.window_combo.setCurrentIndex(index)
    bar.window_combo.activated.emit(index)
    assert session.definition.window_ns == 3_600 * NS_PER_SECOND
    assert session.undo_stack.count() == 4
    session.undo_stack.undo()
    assert bar.window_combo.currentText() == "2d"


def test_invalid_window_pushes_nothing(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    for text in ("soon", "0.5s", "0"):
        type_window(qtbot, bar, text)
        assert session.undo_stack.count() == 2, text
        assert "#b91c1c" in bar.window_combo.styleSheet()
        assert bar.window_combo.toolTip().splitlines()[0]  # the reason comes first
    type_window(qtbot, bar, "soon")
    assert "not a duration" in bar.window_combo.toolTip()
    type_window(qtbot, bar, "90m")
    assert session.definition.window_ns == 90 * 60 * NS_PER_SECOND
    assert bar.window_combo.styleSheet() == ""


def test_parse_window_accepts_words() -> None:
    assert parse_window("2 days") == 2 * DAY
    assert parse_window("14 Days") == 14 * DAY
    assert parse_window("3 hours") == 3 * 3_600 * NS_PER_SECOND
    assert parse_window("45 min") == 45 * 60 * NS_PER_SECOND
    with pytest.raises(ValueError, match="at least 1 second"):
        parse_window("0s")


def test_breakdown_with_last_step(bar: FunnelSettingsBar, session: AppSession) -> None:
    assert not bar.attribution_combo.isEnabled()
    assert bar.breakdown_combo.itemText(0) == "No breakdown"
    pick(bar.breakdown_combo, "device")
    assert session.definition.breakdown == Breakdown("device", "first_step")
    assert bar.attribution_combo.isEnabled()
    labels = [bar.attribution_combo.itemText(i) for i in range(bar.attribution_combo.count())]
    assert labels == ["first step", "last step", "step 1", "step 2"]
    pick(bar.attribution_combo, "last step")
    assert session.definition.breakdown == Breakdown("device", "last_step")
    pick(bar.breakdown_combo, "No breakdown")
    assert session.definition.breakdown is None
    assert not bar.attribution_combo.isEnabled()
    assert session.undo_stack.count() == 5


def test_attribution_offers_new_steps(bar: FunnelSettingsBar, session: AppSession) -> None:
    session.append_events(["pay"])
    labels = [bar.attribution_combo.itemText(i) for i in range(bar.attribution_combo.count())]
    assert labels[-1] == "step 3"


def sessions_item_enabled(bar: FunnelSettingsBar) -> bool:
    model = bar.unit_combo.model()
    assert isinstance(model, QStandardItemModel)
    return model.item(1).isEnabled()


def test_sessions_need_a_session_column(
    bar: FunnelSettingsBar, session: AppSession, tmp_path: Path
) -> None:
    assert not sessions_item_enabled(bar)
    assert "This data has no sessions" in bar.unit_combo.toolTip()
    tip = bar.unit_combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("This data has no sessions")
    assert "inactivity" in tip
    bar.set_table(make_table(tmp_path, sessions=True))
    assert sessions_item_enabled(bar)
    assert "no sessions" not in bar.unit_combo.toolTip()
    pick(bar.unit_combo, "Sessions")
    assert session.definition.unit == "session"


def test_date_range_inclusive_then_whole_period(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    assert bar.whole_period.isChecked()
    assert not bar.date_from.isEnabled()
    assert bar.date_from.date() == QDate(2026, 3, 1)  # the data's span is the default
    assert bar.date_to.date() == QDate(2026, 3, 20)
    bar.whole_period.setChecked(False)
    assert session.definition.date_range == DateRange(utc_ns(2026, 3, 1), utc_ns(2026, 3, 21))
    bar.date_to.setDate(QDate(2026, 3, 31))
    assert session.definition.date_range == DateRange(utc_ns(2026, 3, 1), utc_ns(2026, 4, 1))
    assert utc_ns(2026, 4, 1) == 1_775_001_600 * NS_PER_SECOND  # hand-checked
    assert "up to and including" in bar.date_to.toolTip()
    bar.whole_period.setChecked(True)
    assert session.definition.date_range is None
    assert not bar.date_to.isEnabled()
    assert session.undo_stack.count() == 5


def test_from_after_to_is_refused(bar: FunnelSettingsBar, session: AppSession) -> None:
    bar.whole_period.setChecked(False)
    count = session.undo_stack.count()
    bar.date_from.setDate(QDate(2026, 3, 25))  # after "to" (2026-03-20)
    assert session.undo_stack.count() == count
    assert "#b91c1c" in bar.date_from.styleSheet()
    assert "before" in bar.date_from.toolTip()
    bar.date_to.setDate(QDate(2026, 3, 25))  # a single day is a valid range
    assert session.definition.date_range == DateRange(utc_ns(2026, 3, 25), utc_ns(2026, 3, 26))
    assert bar.date_from.styleSheet() == ""


def test_refresh_after_external_commands(bar: FunnelSettingsBar, session: AppSession) -> None:
    command = SetFunnelSettings(
        order="strict",
        window_ns=DAY,
        unit="session",
        breakdown=Breakdown("plan", "step_2"),
        date_range=DateRange(utc_ns(2026, 2, 1), utc_ns(2026, 3, 1)),
    )
    assert session.edit(command)
    assert bar.order_combo.currentText() == "Strictly in a row"
    assert bar.window_combo.currentText() == "1 day"
    assert bar.unit_combo.currentText() == "Sessions"  # shown even though this data has none
    assert bar.breakdown_combo.currentText() == "plan"  # not in this data, still shown
    assert bar.attribution_combo.currentText() == "step 2"
    assert not bar.whole_period.isChecked()
    assert (bar.date_from.date(), bar.date_to.date()) == (QDate(2026, 2, 1), QDate(2026, 2, 28))
    session.undo_stack.undo()
    assert bar.order_combo.currentText() == "In order"
    assert bar.window_combo.currentText() == "7 days"
    assert bar.unit_combo.currentText() == "People"
    assert bar.breakdown_combo.currentText() == "No breakdown"
    assert bar.whole_period.isChecked()
    assert session.undo_stack.count() == 3
    assert session.undo_stack.index() == 2


def test_deleted_bar_stops_listening(qtbot: QtBot, session: AppSession) -> None:
    bar = FunnelSettingsBar(session)
    destroyed: list[bool] = []
    bar.destroyed.connect(lambda: destroyed.append(True))
    bar.deleteLater()
    qtbot.waitUntil(lambda: bool(destroyed))
    del bar
    # A listener left behind would touch deleted widgets here and raise RuntimeError.
    assert session.edit(SetFunnelSettings(order="any"))
    session.undo_stack.undo()


def test_fits_the_side_dock(bar: FunnelSettingsBar) -> None:
    """The panel lives in a ~340 px side dock: every control is on screen at that width,
    "from" and "to" share one row, and the rows run down in the bar's order."""
    bar.resize(320, 600)
    bar.show()
    bar.adjustSize()
    bar.resize(320, max(bar.height(), bar.sizeHint().height()))
    assert bar.minimumSizeHint().width() <= 320
    widgets = [bar.order_combo, bar.window_combo, bar.unit_combo, bar.breakdown_combo]
    tops = [w.mapTo(bar, w.rect().topLeft()).y() for w in widgets]
    assert tops == sorted(tops)
    assert len(set(tops)) == len(tops)
    for widget in (*widgets, bar.date_from, bar.date_to):
        right = widget.mapTo(bar, widget.rect().topRight()).x()
        assert right <= 320, widget
    assert (
        bar.date_from.mapTo(bar, bar.date_from.rect().topLeft()).y()
        == bar.date_to.mapTo(bar, bar.date_to.rect().topLeft()).y()
    )
