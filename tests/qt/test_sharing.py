"""Sharing and words that match the numbers: the funnel's name, the macro step after a
removal, any-order step names, chart exports, remembered folders and event remapping."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.models.funnel_steps import KIND_ROLE
from funnel_gui.qt.widgets.funnel_editor import _conversion_text

# u1 does all three; u2 views and adds; u3 only views (minutes after 10:00).
ROWS = [
    ("u1", "viewItem", 0),
    ("u1", "addToCart", 1),
    ("u1", "purchase", 2),
    ("u2", "viewItem", 0),
    ("u2", "addToCart", 3),
    ("u3", "viewItem", 0),
]
THREE = FunnelDefinition(
    name="Checkout",
    steps=(
        Step(events=("viewItem",)),
        Step(events=("addToCart",)),
        Step(events=("purchase",), kind="macro"),
    ),
)


def _load(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerows((u, e, f"2026-03-01T10:{m:02d}:00Z") for u, e, m in ROWS)
    window.session.analysis.set_debounce_ms(0)
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(path)])


def _result_after(qtbot, window: MainWindow, action):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=20000) as got:
        action()
    return got.args[0].result


def test_the_name_is_one_undoable_edit_and_titles_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    field = window.workspace.name_edit
    field.setText("  Checkout   2026 ")
    assert field.commit()
    assert window.session.definition.name == "Checkout 2026"
    assert window.windowTitle().startswith("Checkout 2026")
    assert not field.commit()  # nothing changed: no second undo entry
    window.act_undo.trigger()
    assert window.session.definition.name == ""
    assert field.text() == ""
    assert window.windowTitle().startswith("Untitled funnel")


def test_removing_the_macro_step_every_view_agrees(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load(qtbot, window, tmp_path)
    session = window.session
    _result_after(qtbot, window, lambda: session.replace_definition(THREE))
    model = window.workspace.steps_model
    result = _result_after(qtbot, window, lambda: model.remove_step(2))  # the macro step
    # §2: the last step is macro now, in the definition, the cards, the results and M.
    assert [s.kind for s in session.definition.steps] == ["micro", "macro"]
    assert [model.index(r, 0).data(KIND_ROLE) for r in range(2)] == ["micro", "macro"]
    assert [s.kind for s in result.steps] == ["micro", "macro"]
    assert macro_step(result.definition) == 2
    funnel = window.workspace.analysis_panel.views["funnel"]
    funnel.ensure_drawn()
    assert funnel.step_model.index(1, 1).data() == "Macro"  # type: ignore[attr-defined]
    micro_macro = window.workspace.analysis_panel.views["micro-macro"]
    micro_macro.ensure_drawn()
    assert micro_macro._view_data.data.macro_label == "addToCart"  # type: ignore[attr-defined,union-attr]
    window.workspace.editor.view.setCurrentIndex(model.index(1, 0))
    assert window.inspector.macro_button.isChecked()
    # One undo brings the step back with its kinds as they were.
    _result_after(qtbot, window, window.act_undo.trigger)
    assert [s.kind for s in session.definition.steps] == ["micro", "micro", "macro"]


def test_any_order_tables_and_cards_count_steps_done(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load(qtbot, window, tmp_path)
    from dataclasses import replace

    result = _result_after(
        qtbot, window, lambda: window.session.replace_definition(replace(THREE, order="any"))
    )
    funnel = window.workspace.analysis_panel.views["funnel"]
    funnel.ensure_drawn()
    model = funnel.step_model  # type: ignore[attr-defined]
    assert [model.index(r, 0).data() for r in range(3)] == ["1 step", "2 steps", "3 steps"]
    assert [s.count for s in result.steps] == [3, 2, 1]
    assert window.workspace.editor.delegate.any_order
    texts = [_conversion_text(s, any_order=True) for s in result.steps]
    assert texts == ["did 1 step", "did 2 steps", "did 3 steps"]


def test_chart_exports_are_titled_and_2x(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _load(qtbot, window, tmp_path)
    _result_after(qtbot, window, lambda: window.session.replace_definition(THREE))
    view = window.workspace.analysis_panel.views["funnel"]
    view.resize(400, 300)  # whatever its size on screen
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    view.export_png(png)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (3200, 1800)
    view.export_svg(svg)
    texts = [t.text or "" for t in ET.parse(svg).getroot().iter() if t.tag.endswith("text")]
    assert any("Checkout – Funnel" in t for t in texts)
    # The dialog suggests "Checkout – funnel.png", then remembers the folder chosen.
    asked: list[str] = []
    out = tmp_path / "exports"
    out.mkdir()

    def ask(parent, title, suggested, file_filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(out / "chart.png"), file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    view.export_png_dialog()
    view.export_svg_dialog()
    assert asked[0] == "Checkout – funnel.png"
    assert asked[1] == str(out / "Checkout – funnel.svg")
    assert (out / "chart.png").exists()


def test_remapping_missing_events_is_one_undoable_edit(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load(qtbot, window, tmp_path)
    saved = FunnelDefinition(
        name="Checkout",
        steps=(Step(events=("view_item",)), Step(events=("add_to_cart",)), Step(events=("buy",))),
    )
    session = window.session
    session.replace_definition(saved)
    dialog = window.remap.offer()
    assert dialog is not None
    assert list(dialog.choices) == ["view_item", "add_to_cart", "buy"]
    assert dialog.mapping() == {"view_item": "viewItem", "add_to_cart": "addToCart"}
    dialog.choose("buy", "purchase")
    result = _result_after(qtbot, window, dialog.accept)
    assert [s.events for s in session.definition.steps] == [
        ("viewItem",),
        ("addToCart",),
        ("purchase",),
    ]
    assert [s.count for s in result.steps] == [3, 2, 1]
    assert window.remap.offer() is None  # nothing missing now
    window.act_undo.trigger()
    assert session.definition == saved


def test_the_remap_dialog_keeps_what_has_no_match(qtbot) -> None:  # type: ignore[no-untyped-def]
    from funnel_gui.qt.widgets.remap_dialog import KEEP_TEXT, RemapDialog

    dialog = RemapDialog(["newsletter", "add_to_cart"], ["addToCart", "purchase"])
    qtbot.addWidget(dialog)
    assert dialog.choices["newsletter"].currentText() == KEEP_TEXT
    assert dialog.mapping() == {"add_to_cart": "addToCart"}
    dialog.choose("add_to_cart", None)
    assert dialog.mapping() == {}
    assert dialog.remap_button.text() == "Remap"
    assert (
        dialog.choices["add_to_cart"].findText("addToCart (similar)", Qt.MatchFlag.MatchExactly)
        == 1
    )


def test_the_funnel_chart_tooltip_says_it(tmp_path: Path) -> None:
    from funnel_gui.core.engine.compute import compute
    from funnel_gui.qt.charts.funnel_words import step_hover_text
    from tests.core.test_interruptions import ROWS as STRICT_ROWS
    from tests.core.test_interruptions import _strict

    table, defn = _strict(tmp_path, STRICT_ROWS)
    result = compute(table, defn)
    assert "begin_checkout most often comes in between" in step_hover_text(result, result.steps[2])
    assert "comes in between" not in step_hover_text(result, result.steps[1])


def test_the_apps_report_states_the_definition_and_the_data(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import json
    import re

    _load(qtbot, window, tmp_path)
    _result_after(qtbot, window, lambda: window.session.replace_definition(THREE))
    out = tmp_path / "report.html"
    window.workspace.export_report(out)
    text = out.read_text(encoding="utf-8")
    assert "<title>Checkout · Funnel Explorer report</title>" in text
    assert "<li>Rows read: 6; rows kept: 6</li>" in text
    assert "3. purchase: purchase (macro)" in text
    embedded = re.search(
        r"<script type='application/json' id='funnel-definition'>(.*?)</script>", text, re.S
    )
    assert embedded is not None
    assert json.loads(embedded.group(1))["steps"][2]["events"] == ["purchase"]
    assert text.count("<img ") >= 4  # the views' charts


def test_the_edit_menu_offers_remapping_again(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _load(qtbot, window, tmp_path)
    saved = FunnelDefinition(steps=(Step(events=("view_item",)), Step(events=("purchase",))))
    window.session.replace_definition(saved)
    first = window.remap.offer()
    assert first is not None
    first.reject()  # "Keep as is"
    assert window.remap.offer() is None  # not asked twice for the same funnel and data
    window.remap.act_remap.trigger()
    assert window.remap.dialog is not None
    assert window.remap.dialog is not first
    assert window.remap.dialog.mapping() == {"view_item": "viewItem"}
    window.session.replace_definition(THREE)
    window.remap.act_remap.trigger()
    assert window.prompter.messages[-1] == "Every event of the funnel is in this data."  # type: ignore[attr-defined]


def test_the_last_and_only_macro_step_cannot_be_unmarked(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from funnel_gui.qt.widgets.step_inspector import MACRO_FIXED_TIP

    window.session.replace_definition(THREE)
    editor = window.workspace.editor

    # §2: unmarking it would leave the last step macro anyway; the menu and panel say so.
    def mark(row: int):  # type: ignore[no-untyped-def]
        return next(a for a in editor.build_context_menu(row).actions() if "Mark as" in a.text())

    assert not mark(2).isEnabled()
    assert mark(1).isEnabled()
    editor.view.setCurrentIndex(window.workspace.steps_model.index(2, 0))
    assert not window.inspector.micro_button.isEnabled()
    assert window.inspector.micro_button.toolTip() == MACRO_FIXED_TIP
    editor.view.setCurrentIndex(window.workspace.steps_model.index(1, 0))
    assert window.inspector.micro_button.isEnabled()
