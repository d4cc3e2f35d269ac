"""The analysis views in the window: one tab per `--view` name, drill-down from a chart's
drop-off into the "Who dropped" tab, the HTML report, and a layout that survives a restart.

Fixture, countable by hand (a 7-day window): u1 view → cart → buy; u2 view → cart →
search; u3 view → home; u4 view (nothing after). So 4 viewed, 2 reached the cart (u1, u2),
and the two who dropped before the cart are u3 and u4: one went home, one did nothing more.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from funnel_gui.core.definition.file import save_funnel
from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.editing.commands import RemoveStep
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.models.funnel_steps import ROW_MIME
from funnel_gui.qt.prompter import HeadlessPrompter
from funnel_gui.resources import demo_data_path, resources_dir
from funnel_gui.views import DATA_VIEW, VIEW_NAMES

ROWS = [
    ("u1", "view", "2024-03-01T10:00:00Z"),
    ("u1", "cart", "2024-03-01T10:01:00Z"),
    ("u1", "buy", "2024-03-01T10:02:00Z"),
    ("u2", "view", "2024-03-01T11:00:00Z"),
    ("u2", "cart", "2024-03-01T11:01:00Z"),
    ("u2", "search", "2024-03-01T11:02:00Z"),
    ("u3", "view", "2024-03-01T12:00:00Z"),
    ("u3", "home", "2024-03-01T12:05:00Z"),
    ("u4", "view", "2024-03-01T13:00:00Z"),
]


def _events(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerows(ROWS)
    return path


def _funnel(path: Path) -> Path:
    steps = tuple(Step(events=(e,)) for e in ("view", "cart", "buy"))
    save_funnel(FunnelDefinition(name="Buy", steps=steps), path)
    return path


def _load_with_funnel(qtbot, window: MainWindow, tmp_path: Path):  # type: ignore[no-untyped-def]
    window.session.analysis.set_debounce_ms(0)
    assert window.open_funnel(str(_funnel(tmp_path / "buy.funnel.json")))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000) as got:
        window.mapping.open_files([str(_events(tmp_path / "events.csv"))])
    return got.args[0].result


def test_every_view_name_is_a_tab(window: MainWindow) -> None:
    panel = window.workspace.analysis_panel
    assert tuple(panel.views) == VIEW_NAMES
    for name in VIEW_NAMES:
        assert window.workspace.show_view(name)
        assert panel.tabs.currentWidget() is panel.views[name]
    assert window.workspace.show_view(DATA_VIEW)
    assert panel.tabs.currentWidget() is window.workspace.overview_scroll
    assert not window.workspace.show_view("pie")


def test_a_drop_off_click_lists_who_dropped_in_its_tab(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1440, 900)
    window.show()
    result = _load_with_funnel(qtbot, window, tmp_path)
    assert [s.count for s in result.steps] == [4, 2, 1]
    assert not window.drilldown_shown()
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        window.workspace.analysis_panel.views["funnel"].sig_drill_down.emit(2)
    assert window.drilldown_shown()
    listed = window.drilldown.shown_units()
    assert sorted(listed["actor"]) == ["u3", "u4"]
    nxt = dict(
        zip(
            window.drilldown.next_frame["event"], window.drilldown.next_frame["people"], strict=True
        )
    )
    assert nxt == {"home": 1, "(nothing after)": 1}
    # The list follows the next result: after removing the last step it still lists step
    # 2's droppers; after removing step 2 too there is no such drop-off left to list.
    session = window.session
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        assert session.edit(RemoveStep(2))
    assert sorted(window.drilldown.shown_units()["actor"]) == ["u3", "u4"]
    with qtbot.waitSignal(session.sig_result_ready, timeout=30000):
        assert session.edit(RemoveStep(1))
    assert window.drilldown.step is None


def test_export_report_holds_every_view(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _load_with_funnel(qtbot, window, tmp_path)
    assert window.act_export_report.isEnabled()
    out = tmp_path / "report.html"
    window.workspace.export_report(out)
    text = out.read_text(encoding="utf-8")
    for view in window.workspace.analysis_panel.views.values():
        assert f"<h2>{view.title}</h2>" in text
    assert "events.csv" in text
    assert "4 people entered · 1 converted (25.0%)" in text


def test_layout_survives_a_restart(qtbot, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(settings, prompter=HeadlessPrompter())
    qtbot.addWidget(first)
    first.show()
    first.palette_dock.hide()
    first.workspace.show_view("trend")
    first.close()
    second = MainWindow(settings, prompter=HeadlessPrompter())
    qtbot.addWidget(second)
    second.show()
    assert second.palette_dock.isHidden()
    assert (
        second.workspace.analysis_panel.current_view
        is second.workspace.analysis_panel.views["trend"]
    )
    assert not second.drilldown_shown()  # on demand only
    second.window_layout.reset()
    assert not second.palette_dock.isHidden()
    second.session.shutdown()
    first.session.shutdown()


def test_screenshot_of_a_view_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "micro-macro.png"
    funnel = resources_dir() / "demo" / "checkout.funnel.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "funnel_gui",
            str(demo_data_path()),
            "--funnel",
            str(funnel),
            "--view",
            "micro-macro",
            "--screenshot",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)


def test_an_unknown_view_name_is_refused_before_any_window(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "funnel_gui",
            "--demo",
            "--view",
            "pie",
            "--screenshot",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice: 'pie'" in done.stderr


def _drop_on_window(window: MainWindow, mime: QMimeData) -> QDropEvent:
    point = window.palette_panel.mapTo(window, window.palette_panel.rect().center())
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(
        QPointF(point),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    drop.ignore()
    QApplication.sendEvent(window, drop)
    return drop


def test_a_card_dropped_outside_the_editor_is_removed(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load_with_funnel(qtbot, window, tmp_path)
    model = window.workspace.steps_model
    mime = model.mimeData([model.index(1, 0)])  # the "cart" card, as a drag from the editor
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30000) as got:
        drop = _drop_on_window(window, mime)
    assert drop.isAccepted()
    assert [s.events for s in window.session.definition.steps] == [("view",), ("buy",)]
    assert [s.count for s in got.args[0].result.steps] == [4, 1]
    assert window.session.undo_stack.undoText().startswith("Remove")


def test_a_card_from_another_running_copy_is_not_removed_here(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _load_with_funnel(qtbot, window, tmp_path)
    mime = QMimeData()
    mime.setData(ROW_MIME, json.dumps({"row": 1, "pid": os.getpid() + 1}).encode("utf-8"))
    drop = _drop_on_window(window, mime)
    assert not drop.isAccepted()
    assert len(window.session.definition.steps) == 3


def test_drill_down_reads_the_data_its_result_came_from(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A new file replaces the table at once while the chart still shows the old result
    until the recompute lands; a click in between must not read the old result's rows in
    the new table. Here b.csv has another user first, so every row of a.csv moved down."""
    _load_with_funnel(qtbot, window, tmp_path)
    window.session.analysis.set_debounce_ms(60_000)  # hold the recompute back
    shifted = tmp_path / "b.csv"
    with shifted.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerows([("a0", "x", "2024-03-01T09:00:00Z"), ("a0", "y", "2024-03-01T09:01:00Z")])
        writer.writerows(ROWS)
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30000):
        window.mapping.open_files([str(shifted)])
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        window.workspace.analysis_panel.views["funnel"].sig_drill_down.emit(2)
    nxt = dict(
        zip(
            window.drilldown.next_frame["event"], window.drilldown.next_frame["people"], strict=True
        )
    )
    assert nxt == {"home": 1, "(nothing after)": 1}


def test_a_closed_drill_down_does_not_follow_edits(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window.show()
    _load_with_funnel(qtbot, window, tmp_path)
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        window.workspace.analysis_panel.views["funnel"].sig_drill_down.emit(2)
    shown = window.drilldown.result
    window.workspace.show_view("funnel")
    session = window.session
    with qtbot.waitSignal(session.sig_result_ready, timeout=30000):
        assert session.edit(RemoveStep(2))
    assert window.drilldown.result is shown  # not redone while closed
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=30000):
        window.workspace.analysis_panel.tabs.setCurrentWidget(window.drilldown)
    assert window.drilldown.result is session.result  # caught up when shown
    assert sorted(window.drilldown.shown_units()["actor"]) == ["u3", "u4"]
