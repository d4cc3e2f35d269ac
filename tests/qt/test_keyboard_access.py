"""The window from the keyboard and for screen readers (issue 14): Ctrl+F, Tab between the
panels (not through table cells), F6, the menus and their keys, step cards moved with
Alt+Up/Down and removed with Delete in the whole window, a visible focus ring, and a name
on every custom widget.

Fixture, countable by hand: u1 view → cart → buy; u2 view → cart; u3 view. Funnel view →
cart → buy.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from funnel_gui.app import application_style
from funnel_gui.core.definition.file import save_funnel
from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.qt.accessibility import NAMES
from funnel_gui.qt.main_window import MainWindow

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z"),
    ("u1", "cart", "2024-03-01T10:01:00Z"),
    ("u1", "buy", "2024-03-01T10:02:00Z"),
    ("u2", "view", "2024-03-01T11:00:00Z"),
    ("u2", "cart", "2024-03-01T11:01:00Z"),
    ("u3", "view", "2024-03-01T12:00:00Z"),
]


def _load(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    with events.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerows(ROWS)
    funnel = tmp_path / "buy.funnel.json"
    steps = tuple(Step(events=(e,)) for e in ("view", "cart", "buy"))
    save_funnel(FunnelDefinition(name="Buy", steps=steps), funnel)
    window.session.analysis.set_debounce_ms(0)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    assert window.open_funnel(str(funnel))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000):
        window.mapping.open_files([str(events)])


def _focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def _labels(window: MainWindow) -> list[str]:
    return [window.workspace.editor.model.index(r, 0).data() for r in range(3)]


def test_ctrl_f_focuses_the_event_search(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    _load(qtbot, window, tmp_path)
    _focus(qtbot, window.workspace.editor.view)
    window.palette_panel.search.setText("ca")
    QTest.keyClick(window.workspace.editor.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.palette_panel.search)
    assert window.palette_panel.search.selectedText() == "ca"  # typing replaces it


def test_tab_leaves_tables_and_goes_panel_to_panel(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, tmp_path)
    palette = window.palette_panel
    _focus(qtbot, palette.view)
    palette.view.setCurrentIndex(palette.view.model().index(0, 0))
    # Events → properties → the step cards → the funnel's settings: never cell to cell.
    order = [palette.property_view, window.workspace.editor.view, window.settings_bar.order_combo]
    for expected in order:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda expected=expected: QApplication.focusWidget() is expected)
    assert palette.view.currentIndex().column() == 0  # the table's cell did not move
    for expected in reversed([palette.view, *order[:-1]]):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
        qtbot.waitUntil(lambda expected=expected: QApplication.focusWidget() is expected)
    # Every table and list in the window leaves on Tab, the views' too.
    views = window.findChildren(QAbstractItemView)
    assert views
    assert not any(v.tabKeyNavigation() for v in views)


def test_f6_cycles_the_panels(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    _load(qtbot, window, tmp_path)
    window.workspace.editor.view.setCurrentIndex(window.workspace.editor.model.index(1, 0))
    _focus(qtbot, window.palette_panel.search)
    expected = [
        window.workspace.editor.view,
        window.settings_bar.order_combo,
        window.inspector.label_edit,
        window.workspace.analysis_panel.tabs.tabBar(),
        window.palette_panel.search,
    ]
    for widget in expected:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
        qtbot.waitUntil(lambda widget=widget: QApplication.focusWidget() is widget)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is expected[-2])


def _menu_entries(window: MainWindow) -> dict[str, str]:
    """Every menu entry's text (no "&") and its keys (a shortcut, or the text after a tab)."""
    entries: dict[str, str] = {}
    for menu in window.menuBar().findChildren(QMenu):
        for action in menu.actions():
            text, _tab, shown = action.text().replace("&", "").partition("\t")
            entries[text] = action.shortcut().toString() or shown
    return entries


def test_every_action_is_in_a_menu_with_its_keys(window: MainWindow) -> None:
    entries = _menu_entries(window)
    wanted = {
        "Open export…": "Ctrl+O",
        "New funnel": "Ctrl+N",
        "Open funnel…": "Ctrl+Shift+O",
        "Save funnel": "Ctrl+S",
        "Save funnel as…": "Ctrl+Shift+S",
        "Export report…": "Ctrl+E",
        "Import report": "Ctrl+I",
        "Undo": "Ctrl+Z",
        "Find event…": "Ctrl+F",
        "Add selected event as step": "Ctrl+Return",
        "Remove step": "Del",
        "Move step up": "Alt+Up",
        "Move step down": "Alt+Down",
        "Who dropped before this step": "Ctrl+D",
        "Next panel": "F6",
        "Previous panel": "Shift+F6",
        "Funnel panel": "",  # the docks' show/hide toggles, named apart from the views
        "Who dropped": f"Ctrl+{window.workspace.analysis_panel.tabs.count() - 1}",
    }
    for text, keys in wanted.items():
        assert entries.get(text) == keys, text
    assert entries.get("Redo") in ("Ctrl+Shift+Z", "Ctrl+Y")
    tabs = window.workspace.analysis_panel.tabs
    for index in range(tabs.count()):  # every view, Ctrl+1…N
        assert entries[tabs.tabText(index)] == f"Ctrl+{index + 1}"


def test_cards_move_with_alt_arrows_and_go_with_delete_in_the_window(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, tmp_path)
    cards = window.workspace.editor.view
    _focus(qtbot, cards)
    cards.setCurrentIndex(cards.model().index(0, 0))
    assert _labels(window) == ["view", "cart", "buy"]
    QTest.keyClick(cards, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert _labels(window) == ["cart", "view", "buy"]
    QTest.keyClick(cards, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert _labels(window) == ["view", "cart", "buy"]
    cards.setCurrentIndex(cards.model().index(2, 0))
    QTest.keyClick(cards, Qt.Key.Key_Delete)
    assert window.workspace.editor.model.rowCount() == 2
    # The same from the Step menu, on the selected card.
    cards.setCurrentIndex(cards.model().index(0, 0))
    window.keyboard.act_move_down.trigger()
    assert [cards.model().index(r, 0).data() for r in range(2)] == ["cart", "view"]
    window.keyboard.act_remove_step.trigger()
    assert cards.model().rowCount() == 1
    # Delete typed in a text field edits the text, not the funnel.
    search = window.palette_panel.search
    _focus(qtbot, search)
    search.setText("ab")
    search.setCursorPosition(0)
    QTest.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "b"
    assert cards.model().rowCount() == 1


def test_ctrl_d_lists_who_dropped_before_the_selected_step(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, tmp_path)
    cards = window.workspace.editor.view
    _focus(qtbot, cards)
    cards.setCurrentIndex(cards.model().index(1, 0))  # cart: u3 viewed and left
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        QTest.keyClick(cards, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.drilldown_shown()
    assert list(window.drilldown.shown_units()["actor"]) == ["u3"]


def test_every_custom_widget_has_an_accessible_name(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, tmp_path)
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        window.drill_down(2)
    ours = [
        w
        for w in [window, *window.findChildren(QWidget)]
        if type(w).__module__.startswith(("funnel_gui", "pyqtgraph"))
    ]
    assert len(ours) > 40
    unnamed = sorted({type(w).__name__ for w in ours if not w.accessibleName().strip()})
    assert unnamed == []
    cards = window.workspace.editor.view
    assert cards.accessibleName() == "Funnel steps"
    assert "Alt+Up" in cards.accessibleDescription()
    card = cards.model().index(1, 0)
    assert card.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "Step 2 (micro): any of cart"
    funnel = window.workspace.analysis_panel.views["funnel"]
    assert funnel.plot.accessibleName() == "Funnel chart"
    chips = window.settings_bar.findChildren(QWidget, "chip")
    assert all(chip.accessibleName() for chip in chips)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_the_names_table_gives_a_name_and_a_description(name: str) -> None:
    widget = QWidget()
    described = NAMES[name](widget)
    assert described[0].strip()
    assert described[1].strip()


def test_focus_ring_shows_on_a_focused_button(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    app.setStyleSheet(application_style())
    try:
        host = QWidget()
        qtbot.addWidget(host)
        layout = QVBoxLayout(host)
        first, second = QPushButton("First"), QPushButton("Second")
        layout.addWidget(first)
        layout.addWidget(second)
        host.show()
        qtbot.waitExposed(host)
        host.activateWindow()
        _focus(qtbot, second)
        unfocused = first.grab().toImage()
        _focus(qtbot, first)
        focused = first.grab().toImage()
        assert focused.size() == unfocused.size()  # focus never shifts the layout
        assert _differs(focused, unfocused)
    finally:
        app.setStyleSheet(before)


def _differs(a: QImage, b: QImage) -> bool:
    return any(
        a.pixel(x, y) != b.pixel(x, y) for x in range(0, a.width(), 2) for y in range(a.height())
    )
