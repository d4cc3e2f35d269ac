"""The settings bar's exclusions and micro-conversion tray: drops, the popups, chips that
follow the document, one named undo entry per change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from funnel_gui.core.definition.model import (
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Step,
)
from funnel_gui.core.editing.commands import SetExclusions, SetFunnelSettings, SetMicroConversions
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.qt.models.event_palette import EventPaletteModel
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.exclusions_editor import ExclusionDialog
from funnel_gui.qt.widgets.filter_row import FilterRow
from funnel_gui.qt.widgets.micro_tray import EMPTY_TEXT, MicroConversionDialog
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.resources import resources_dir

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

ROWS = [
    ("u1", "view", "2026-03-01T10:00:00Z", "email"),
    ("u1", "newsletter_signup", "2026-03-01T10:01:00Z", "email"),
    ("u1", "cart", "2026-03-01T10:02:00Z", "email"),
    ("u1", "buy", "2026-03-01T10:05:00Z", "email"),
    ("u2", "view", "2026-03-02T09:00:00Z", "ads"),
    ("u2", "cta_click", "2026-03-02T09:01:00Z", "ads"),
    ("u2", "refund", "2026-03-02T09:30:00Z", "ads"),
]
REFUND = Exclusion(("refund",), (1, 3))
NEWSLETTER = MicroConversion(("newsletter_signup",))
CTA = MicroConversion(("cta_click",))


def make_table(tmp_path: Path) -> EventTable:
    lines = ["user_id,event_name,event_time,source"] + [",".join(row) for row in ROWS]
    path = tmp_path / "events.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_events(path, {"actor": "user_id", "event": "event_name", "time": "event_time"})


@pytest.fixture
def session() -> Iterator[AppSession]:
    app_session = AppSession(debounce_ms=60_000)  # no analysis runs during these tests
    for event in ("view", "cart", "buy"):
        assert app_session.append_events([event])
    yield app_session
    app_session.shutdown()


@pytest.fixture
def table(tmp_path: Path) -> EventTable:
    return make_table(tmp_path)


@pytest.fixture
def bar(qtbot: QtBot, session: AppSession, table: EventTable) -> FunnelSettingsBar:
    widget = FunnelSettingsBar(session)
    qtbot.addWidget(widget)
    widget.set_table(table)
    widget.resize(900, widget.heightForWidth(900))
    return widget


def set_micros(session: AppSession, *micros: MicroConversion) -> None:
    assert session.edit(SetMicroConversions(micros))


def set_exclusions(session: AppSession, *exclusions: Exclusion) -> None:
    assert session.edit(SetExclusions(exclusions))


def last_undo_text(session: AppSession) -> str:
    stack = session.undo_stack
    return stack.text(stack.index() - 1)


def palette_mime(table: EventTable, names: list[str]) -> QMimeData:
    """What the event palette itself puts on a drag of these events' rows."""
    model = EventPaletteModel()
    model.set_catalog(table.event_catalog)
    rows = {model.event_name(row): row for row in range(model.rowCount())}
    return model.mimeData([model.index(rows[name], 0) for name in names])


def drag_enter(widget: object, mime: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.ignore()  # a drop target has to accept it, not find it accepted
    QApplication.sendEvent(widget, event)  # type: ignore[arg-type]
    return event


def drop(widget: object, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event.ignore()
    QApplication.sendEvent(widget, event)  # type: ignore[arg-type]
    return event


def chip_texts(chips: object) -> list[str]:
    return [chip.full_text for chip in chips.chips]  # type: ignore[attr-defined]


def fill_filter(row: FilterRow, prop: str, op: str, value: str) -> None:
    row.property_box.setEditText(prop)
    row.op_box.setCurrentIndex(row.op_box.findData(op))
    row.value_box.setEditText(value)


def press_ok(dialog: ExclusionDialog | MicroConversionDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


# ------------------------------------------------------------------ the tray


def test_dropping_palette_events_adds_a_micro_conversion(
    bar: FunnelSettingsBar, session: AppSession, table: EventTable
) -> None:
    tray = bar.micro_tray
    assert tray.hint.text() == EMPTY_TEXT
    assert not tray.hint.isHidden()
    count = session.undo_stack.count()
    entered = drag_enter(tray.frame, palette_mime(table, ["newsletter_signup"]))
    assert entered.isAccepted()
    assert tray.frame.property("dropActive") is True  # the highlight
    dropped = drop(tray.frame, palette_mime(table, ["newsletter_signup"]))
    assert dropped.isAccepted()
    assert dropped.dropAction() == Qt.DropAction.CopyAction  # the palette keeps its event
    assert tray.frame.property("dropActive") is False
    assert session.definition.micro_conversions == (NEWSLETTER,)
    assert session.undo_stack.count() == count + 1
    assert last_undo_text(session) == 'Add micro-conversion "newsletter_signup"'
    assert chip_texts(tray.chips) == ["newsletter_signup"]
    assert tray.hint.isHidden()


def test_several_dragged_events_make_one_micro_conversion_of_any_of_them(
    bar: FunnelSettingsBar, session: AppSession, table: EventTable
) -> None:
    mime = palette_mime(table, ["newsletter_signup", "cta_click"])
    assert drag_enter(bar.micro_tray.frame, mime).isAccepted()
    assert drop(bar.micro_tray.frame, mime).isAccepted()
    micros = session.definition.micro_conversions
    assert len(micros) == 1
    assert sorted(micros[0].events) == ["cta_click", "newsletter_signup"]
    assert chip_texts(bar.micro_tray.chips) == [" or ".join(micros[0].events)]


def test_foreign_payloads_are_refused(bar: FunnelSettingsBar, session: AppSession) -> None:
    frame = bar.micro_tray.frame
    count = session.undo_stack.count()
    text = QMimeData()
    text.setText("newsletter_signup")
    card = QMimeData()  # a step card dragged out of the editor
    card.setData("application/x-funnel-gui-step-row", b'{"row": 0}')
    broken = QMimeData()
    broken.setData("application/x-funnel-gui-step", b"not json")
    for mime in (text, card, broken):
        assert not drag_enter(frame, mime).isAccepted()
        assert frame.property("dropActive") is False
        assert not drop(frame, mime).isAccepted()
    assert session.undo_stack.count() == count
    assert session.definition.micro_conversions == ()


def test_leaving_the_tray_clears_the_highlight(bar: FunnelSettingsBar, table: EventTable) -> None:
    frame = bar.micro_tray.frame
    drag_enter(frame, palette_mime(table, ["cta_click"]))
    assert frame.property("dropActive") is True
    QApplication.sendEvent(frame, QDragLeaveEvent())
    assert frame.property("dropActive") is False


def test_the_same_event_twice_is_refused(bar: FunnelSettingsBar, session: AppSession) -> None:
    assert bar.micro_tray.add_events(["newsletter_signup"])
    count = session.undo_stack.count()
    assert not bar.micro_tray.add_events(["newsletter_signup"])
    assert session.undo_stack.count() == count
    assert session.definition.micro_conversions == (NEWSLETTER,)
    notice = bar.micro_tray.chips.notice
    assert notice.isVisibleTo(bar)
    assert notice.text() == '"newsletter_signup" is already in the tray'
    assert bar.micro_tray.add_events(["cta_click"])
    assert not notice.isVisibleTo(bar)  # the next change clears it


def test_x_removes_a_micro_conversion_and_undo_restores_it(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_micros(session, NEWSLETTER, CTA)
    chips = bar.micro_tray.chips
    assert chip_texts(chips) == ["newsletter_signup", "cta_click"]
    assert chips.chips[0].remove_button.toolTip() == 'Remove micro-conversion "newsletter_signup"'
    qtbot.mouseClick(chips.chips[0].remove_button, Qt.MouseButton.LeftButton)
    assert session.definition.micro_conversions == (CTA,)
    assert last_undo_text(session) == 'Remove micro-conversion "newsletter_signup"'
    assert chip_texts(chips) == ["cta_click"]
    session.undo_stack.undo()
    assert session.definition.micro_conversions == (NEWSLETTER, CTA)
    assert chip_texts(chips) == ["newsletter_signup", "cta_click"]
    session.undo_stack.undo()
    assert chip_texts(chips) == []
    assert not bar.micro_tray.hint.isHidden()


def test_plus_adds_a_micro_conversion_through_the_dialog(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    tray = bar.micro_tray
    assert tray.add_button.isEnabled()
    tray.add_button.click()
    dialog = tray.dialog
    assert isinstance(dialog, MicroConversionDialog)
    assert dialog.windowTitle() == "Add micro-conversion"
    assert dialog.isVisible()
    dialog.set_event_checked("cta_click")
    dialog.label_edit.setText("CTA click")
    press_ok(dialog)
    assert not dialog.isVisible()
    assert session.definition.micro_conversions == (MicroConversion(("cta_click",), "CTA click"),)
    assert last_undo_text(session) == 'Add micro-conversion "CTA click"'


def test_clicking_a_tray_chip_edits_label_and_filters(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_micros(session, NEWSLETTER, CTA)
    qtbot.mouseClick(bar.micro_tray.chips.chips[0], Qt.MouseButton.LeftButton)
    dialog = bar.micro_tray.dialog
    assert isinstance(dialog, MicroConversionDialog)
    assert dialog.windowTitle() == "Edit micro-conversion"
    assert dialog.events() == ("newsletter_signup",)
    dialog.label_edit.setText("Newsletter")
    fill_filter(dialog.add_filter_row(), "source", "eq", "email")
    press_ok(dialog)
    edited = MicroConversion(
        ("newsletter_signup",), "Newsletter", (Filter("source", "eq", "email"),)
    )
    assert session.definition.micro_conversions == (edited, CTA)
    assert last_undo_text(session) == 'Edit micro-conversion "Newsletter"'
    assert chip_texts(bar.micro_tray.chips) == ["Newsletter · where source = email", "cta_click"]


def test_an_unfinished_filter_keeps_the_dialog_open(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    count = session.undo_stack.count()
    dialog = bar.micro_tray.open_add_dialog()
    dialog.set_event_checked("cta_click")
    fill_filter(dialog.add_filter_row(), "source", "gt", "lots")
    press_ok(dialog)
    assert dialog.isVisible()
    assert "not a number" in dialog.problem.text()
    assert dialog.rows[0].problem.isVisibleTo(dialog)
    assert session.undo_stack.count() == count
    dialog.reject()
    assert session.undo_stack.count() == count


# ------------------------------------------------------------------ exclusions


def test_exclude_an_event_through_the_popup(bar: FunnelSettingsBar, session: AppSession) -> None:
    editor = bar.exclusions
    assert editor.add_button.isEnabled()
    editor.add_button.click()
    dialog = editor.dialog
    assert isinstance(dialog, ExclusionDialog)
    assert dialog.windowTitle() == "Exclude an event"
    names = [dialog.event_list.item(i).text() for i in range(dialog.event_list.count())]
    assert sorted(names) == ["buy", "cart", "cta_click", "newsletter_signup", "refund", "view"]
    assert dialog.between() == (1, 3)  # the whole funnel by default
    dialog.set_event_checked("refund")
    fill_filter(dialog.add_filter_row(), "source", "eq", "ads")
    press_ok(dialog)
    assert not dialog.isVisible()
    expected = Exclusion(("refund",), (1, 3), (Filter("source", "eq", "ads"),))
    assert session.definition.exclusions == (expected,)
    assert last_undo_text(session) == 'Exclude "refund"'
    assert chip_texts(editor.chips) == ["refund where source = ads · steps 1–3"]
    tip = editor.chips.chips[0].toolTip()
    assert 'between step 1 "view" and step 3 "buy"' in tip


def test_search_and_enter_tick_an_event(qtbot: QtBot, bar: FunnelSettingsBar) -> None:
    dialog = bar.exclusions.open_add_dialog()
    qtbot.keyClicks(dialog.search, "ref")
    visible = [
        dialog.event_list.item(i).text()
        for i in range(dialog.event_list.count())
        if not dialog.event_list.item(i).isHidden()
    ]
    assert visible == ["refund"]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter ticked the event; it did not press OK
    assert dialog.events() == ("refund",)
    dialog.reject()


def test_exclusion_popup_refuses_incomplete_input(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    count = session.undo_stack.count()
    dialog = bar.exclusions.open_add_dialog()
    press_ok(dialog)
    assert dialog.isVisible()
    assert dialog.problem.text() == "Tick at least one event"
    dialog.set_event_checked("refund")
    dialog.set_between(3, 2)
    press_ok(dialog)
    assert dialog.problem.text() == "The second step must come after the first"
    dialog.reject()
    assert session.undo_stack.count() == count
    set_exclusions(session, REFUND)
    again = bar.exclusions.open_add_dialog()
    again.set_event_checked("refund")
    press_ok(again)  # the very same exclusion a second time
    assert again.isVisible()
    assert "already in the funnel" in again.problem.text()
    again.reject()


def test_clicking_an_exclusion_chip_edits_it(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_exclusions(session, REFUND)
    qtbot.mouseClick(bar.exclusions.chips.chips[0], Qt.MouseButton.LeftButton)
    dialog = bar.exclusions.dialog
    assert isinstance(dialog, ExclusionDialog)
    assert dialog.windowTitle() == "Edit exclusion"
    assert dialog.events() == ("refund",)
    assert dialog.between() == (1, 3)
    dialog.set_between(2, 3)
    press_ok(dialog)
    assert session.definition.exclusions == (Exclusion(("refund",), (2, 3)),)
    assert last_undo_text(session) == 'Edit exclusion "refund"'
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 2–3"]
    session.undo_stack.undo()
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 1–3"]


def test_x_removes_an_exclusion_and_undo_restores_it(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_exclusions(session, REFUND)
    qtbot.mouseClick(bar.exclusions.chips.chips[0].remove_button, Qt.MouseButton.LeftButton)
    assert session.definition.exclusions == ()
    assert last_undo_text(session) == 'Remove exclusion "refund"'
    assert chip_texts(bar.exclusions.chips) == []
    session.undo_stack.undo()
    assert session.definition.exclusions == (REFUND,)
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 1–3"]


def test_any_order_exclusions_apply_anywhere(bar: FunnelSettingsBar, session: AppSession) -> None:
    set_exclusions(session, REFUND)
    assert session.edit(SetFunnelSettings(order="any"))
    assert chip_texts(bar.exclusions.chips) == ["refund · anywhere"]
    dialog = bar.exclusions.open_edit_dialog(0)
    assert not dialog.from_box.isEnabled()
    assert "anywhere in the window" in dialog.note.text()
    dialog.reject()


def test_exclusions_need_two_steps_and_data(
    qtbot: QtBot, session: AppSession, tmp_path: Path
) -> None:
    bar = FunnelSettingsBar(session)
    qtbot.addWidget(bar)
    assert not bar.exclusions.add_button.isEnabled()  # no data yet: nothing to pick from
    assert "Open data first" in bar.exclusions.add_button.toolTip()
    assert not bar.micro_tray.add_button.isEnabled()
    bar.set_table(make_table(tmp_path))
    assert bar.exclusions.add_button.isEnabled()
    assert bar.micro_tray.add_button.isEnabled()
    session.document.reset(FunnelDefinition(steps=(Step(("view",)),)))
    assert not bar.exclusions.add_button.isEnabled()
    assert "second step" in bar.exclusions.add_button.toolTip()


# ------------------------------------------------------------------ following the document


def test_chips_follow_undo_redo_and_a_new_definition(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_exclusions(session, REFUND)
    set_micros(session, NEWSLETTER, CTA)
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 1–3"]
    assert chip_texts(bar.micro_tray.chips) == ["newsletter_signup", "cta_click"]
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert chip_texts(bar.exclusions.chips) == []
    assert chip_texts(bar.micro_tray.chips) == []
    session.undo_stack.redo()
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 1–3"]
    opened = FunnelDefinition(
        steps=(Step(("a",), "Landing"), Step(("b",)), Step(("c",)), Step(("d",))),
        exclusions=(Exclusion(("refund", "chargeback"), (2, 4)),),
        micro_conversions=(MicroConversion(("scroll_90",), "Scrolled 90%"),),
    )
    session.document.reset(opened)  # what opening another funnel file does
    assert chip_texts(bar.exclusions.chips) == ["refund or chargeback · steps 2–4"]
    assert chip_texts(bar.micro_tray.chips) == ["Scrolled 90%"]
    assert bar.micro_tray.hint.isHidden()


def test_chips_warn_of_events_the_data_lacks(bar: FunnelSettingsBar, session: AppSession) -> None:
    set_exclusions(session, Exclusion(("refund", "chargeback"), (1, 3)))
    set_micros(session, MicroConversion(("scroll_90",), "Scrolled"), CTA)
    excluded, tray = bar.exclusions.chips.chips[0], bar.micro_tray.chips.chips
    assert excluded.label.text() == "⚠ refund or chargeback · steps 1–3"
    assert excluded.toolTip().startswith('⚠ The loaded data has no "chargeback" events')
    assert tray[0].label.text() == "⚠ Scrolled"
    assert tray[1].label.text() == "cta_click"  # in the data: no warning
    assert "⚠" not in tray[1].toolTip()


def test_chip_tooltips_name_the_steps_after_a_rename(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    from funnel_gui.core.editing.commands import RenameStep

    set_exclusions(session, REFUND)
    assert session.edit(RenameStep(0, "Landing"))
    assert 'step 1 "Landing"' in bar.exclusions.chips.chips[0].toolTip()


# ------------------------------------------------------------------ keyboard


def focus(qtbot: QtBot, bar: FunnelSettingsBar) -> None:
    bar.show()
    qtbot.waitExposed(bar)
    bar.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is bar)


def test_delete_removes_the_focused_chip_and_focus_moves_on(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_micros(session, NEWSLETTER, CTA)
    focus(qtbot, bar)
    chips = bar.micro_tray.chips
    first = chips.chips[0]
    assert first.focusPolicy() == Qt.FocusPolicy.StrongFocus
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Delete)
    assert session.definition.micro_conversions == (CTA,)
    assert chips.chips[0].hasFocus()  # Delete, Delete… clears the tray
    qtbot.keyClick(chips.chips[0], Qt.Key.Key_Backspace)
    assert session.definition.micro_conversions == ()
    assert bar.micro_tray.add_button.hasFocus()


def test_enter_on_a_focused_chip_edits_it(
    qtbot: QtBot, bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_exclusions(session, REFUND)
    focus(qtbot, bar)
    chip = bar.exclusions.chips.chips[0]
    chip.setFocus()
    qtbot.waitUntil(chip.hasFocus)
    qtbot.keyClick(chip, Qt.Key.Key_Return)
    dialog = bar.exclusions.dialog
    assert isinstance(dialog, ExclusionDialog)
    assert dialog.windowTitle() == "Edit exclusion"
    dialog.reject()
    assert session.definition.exclusions == (REFUND,)


def test_tab_reaches_the_chips_where_they_are_drawn(
    bar: FunnelSettingsBar, session: AppSession
) -> None:
    set_exclusions(session, REFUND, Exclusion(("cta_click",), (2, 3)))
    set_micros(session, NEWSLETTER, CTA)  # chips made after the buttons, still tabbed first
    excluded, tray = bar.exclusions, bar.micro_tray
    expected = [
        *excluded.chips.chips,
        excluded.add_button,
        *tray.chips.chips,
        tray.add_button,
    ]
    widget = bar.more_button  # the last of the settings above ("More options…")
    seen = []
    while len(seen) < len(expected):
        widget = widget.nextInFocusChain()
        if widget is bar.more_button:
            break  # round the whole chain
        inner = widget.objectName().startswith("qt_")  # the date edit's own line edit
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isEnabled() and not inner:
            seen.append(widget)
    assert seen == expected


# ------------------------------------------------------------------ in the window


def test_main_window_shows_the_demo_funnels_exclusion_and_tray(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.session.analysis.set_debounce_ms(0)  # no debounce wait in tests
    window.resize(1440, 900)
    window.show()
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30000):
        window.open_demo()
    assert window.open_funnel(str(resources_dir() / "demo" / "checkout.funnel.json"))
    bar = window.settings_bar
    assert chip_texts(bar.exclusions.chips) == ["refund · steps 1–4"]
    tray = bar.micro_tray
    assert chip_texts(tray.chips) == ["Newsletter sign-up", "Scrolled 90%", "CTA click"]
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000) as got:
        tray.remove(1)  # scroll_90: the tray keeps newsletter_signup and cta_click
    assert [m.events for m in window.session.definition.micro_conversions] == [
        ("newsletter_signup",),
        ("cta_click",),
    ]
    assert window.session.undo_stack.undoText() == 'Remove micro-conversion "Scrolled 90%"'
    assert [row.label for row in got.args[0].result.micro_macro][-2:] == [
        "Newsletter sign-up",
        "CTA click",
    ]
    SCREENSHOTS.mkdir(exist_ok=True)
    out = SCREENSHOTS / "settings_tray.png"
    assert window.grab().save(str(out))
    assert out.stat().st_size > 10_000
