"""The window loads data off the GUI thread, shows it, reports failures and takes drops."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.prompter import HeadlessPrompter
from funnel_gui.resources import demo_data_path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _write_events(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerows(rows)
    return path


def test_empty_window_invites_to_open(window: MainWindow) -> None:
    assert window.centre.currentWidget() is window.centre.empty
    assert window.palette_panel.model.rowCount() == 0
    assert not window.act_report.isEnabled()


def test_loading_fills_palette_and_status(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write_events(
        tmp_path / "shop.csv",
        [
            ("u1", "view", "2026-01-01T10:00:00Z"),
            ("u1", "buy", "2026-01-01T10:05:00Z"),
            ("u2", "view", "2026-01-02T09:00:00Z"),
            ("", "view", "2026-01-02T09:00:00Z"),  # no actor: dropped and flagged
        ],
    )
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(path)])
    model = window.palette_panel.model
    rows = {model.event_name(r): r for r in range(model.rowCount())}
    assert set(rows) == {"view", "buy"}
    assert model.index(rows["view"], 1).data() == "2"
    assert model.index(rows["view"], 2).data() == "2"
    assert window.centre.currentWidget() is window.centre.workspace
    assert "3 events" in window.load_status.status_label.text()
    assert window.load_status.warning_button.isVisibleTo(window)
    assert "1 rows not loaded" in window.load_status.warning_button.text()
    assert "shop.csv" in window.windowTitle()


def test_failure_is_reported_not_raised(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "report.csv"
    bad.write_text("Month,Revenue\nFeb,FALSE\nMar,TRUE\n")
    with qtbot.waitSignal(window.sig_load_failed, timeout=20000) as blocker:
        window.mapping.open_files([str(bad)])
    assert "does not look like an event log" in blocker.args[0]
    assert window.session.table is None
    assert not window.load_status.progress.isVisibleTo(window)


def test_new_load_supersedes_running_one(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = _write_events(tmp_path / "first.csv", [("a", "x", "2026-01-01T00:00:00Z")])
    second = _write_events(tmp_path / "second.csv", [("b", "y", "2026-01-01T00:00:00Z")])
    loaded: list[object] = []
    window.session.sig_table_changed.connect(loaded.append)
    window.mapping.open_files([str(first)])
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(second)])
    qtbot.waitUntil(lambda: window.session.loader.pool.activeThreadCount() == 0, timeout=20000)
    QApplication.processEvents()
    assert len(loaded) == 1, "only the latest request is delivered"
    assert window.palette_panel.model.event_name(0) == "y"


def test_cancel_stops_the_load(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.session.sig_load_cancelled, timeout=5000):
        window.mapping.open_files([str(demo_data_path())])
        window.load_status.cancel_button.click()
    qtbot.waitUntil(lambda: window.session.loader.pool.activeThreadCount() == 0, timeout=20000)
    QApplication.processEvents()
    assert window.session.table is None
    assert not window.load_status.cancel_button.isVisibleTo(window)


def test_dropping_files_on_the_window_opens_them(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write_events(tmp_path / "dropped.csv", [("a", "signup", "2026-01-01T00:00:00Z")])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.dropEvent(event)
    assert window.palette_panel.model.event_name(0) == "signup"


def test_screenshot_with_demo_data(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.resize(1440, 900)
    window.show()
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30000):
        window.open_demo()
    SCREENSHOTS.mkdir(exist_ok=True)
    out = SCREENSHOTS / "main_window_demo.png"
    assert window.grab().save(str(out))
    assert out.stat().st_size > 10_000
    cards = window.centre.overview.cards
    assert cards["actors"].value.text() == f"{window.session.table.n_actors:,}"  # type: ignore[union-attr]


def test_daily_volume_chart_draws_the_core_counts(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = _write_events(
        tmp_path / "gap.csv",
        [
            ("a", "view", "2026-02-01T10:00:00Z"),
            ("b", "view", "2026-02-01T11:00:00Z"),
            ("a", "view", "2026-02-03T09:00:00Z"),  # 02-02 has nothing
        ],
    )
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(path)])
    chart = window.centre.overview.volume_chart
    assert chart.heights.tolist() == [2.0, 0.0, 1.0]
    assert "1 day(s) without any events" in chart.plotItem.titleLabel.text


def test_report_dialog_copies_the_report(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialogButtonBox, QPushButton

    assert window.report_dialog() is None  # nothing loaded yet
    path = _write_events(tmp_path / "r.csv", [("a", "view", "2026-01-01T00:00:00Z")])
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(path)])
    dialog = window.report_dialog()
    assert dialog is not None
    buttons = dialog.findChild(QDialogButtonBox)
    copy = next(b for b in buttons.findChildren(QPushButton) if b.text() == "Copy as text")
    copy.click()
    assert "Rows read: 1" in QApplication.clipboard().text()


def test_build_a_funnel_from_the_palette_and_see_the_numbers(qtbot, settings) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    from PySide6.QtCore import Qt as QtNs

    from funnel_gui.qt.session import AppSession

    win = MainWindow(settings, prompter=HeadlessPrompter())
    win.session.analysis.set_debounce_ms(0)  # no debounce wait in tests
    qtbot.addWidget(win)
    folder = Path(tempfile.mkdtemp())
    path = _write_events(
        folder / "shop.csv",
        [
            ("u1", "view", "2026-01-01T10:00:00Z"),
            ("u1", "buy", "2026-01-01T10:05:00Z"),
            ("u2", "view", "2026-01-01T11:00:00Z"),
            ("u3", "view", "2026-01-01T12:00:00Z"),
            ("u3", "buy", "2026-01-01T12:01:00Z"),
        ],
    )
    with qtbot.waitSignal(win.session.sig_table_changed, timeout=20000):
        win.mapping.open_files([str(path)])
    palette = win.palette_panel
    rows = {palette.model.event_name(r): r for r in range(palette.model.rowCount())}
    session = win.session
    for name in ("view", "buy"):
        index = palette.proxy.mapFromSource(palette.model.index(rows[name], 0))
        palette.view.setCurrentIndex(index)
        with qtbot.waitSignal(session.sig_result_ready, timeout=20000) as got:
            qtbot.keyClick(palette.view, QtNs.Key.Key_Return)
    result = got.args[0].result
    assert [s.count for s in result.steps] == [3, 2]  # u1 and u3 bought after viewing
    assert [s.kind for s in result.steps] == ["micro", "macro"]
    assert win.workspace.editor.delegate.results[1].count == 2
    funnel_view = win.workspace.analysis_panel.views["funnel"]
    funnel_view.ensure_drawn()  # the window is not shown: views draw on demand
    table = funnel_view.step_model  # type: ignore[attr-defined]
    assert table.index(1, 3).data() == "66.7%"  # from previous: 2 of 3
    assert isinstance(win.session, AppSession)
    with qtbot.waitSignal(session.sig_result_ready, timeout=20000) as got:
        win.act_undo.trigger()  # removes the "buy" step again
    assert [s.count for s in got.args[0].result.steps] == [3]
    win.resize(1440, 900)
    win.show()
    SCREENSHOTS.mkdir(exist_ok=True)
    assert win.grab().save(str(SCREENSHOTS / "main_window_funnel.png"))
    win.session.shutdown()


def test_closing_cancels_and_joins_every_worker(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from funnel_gui.qt.workers import TaskRunner

    path = _write_events(tmp_path / "a.csv", [("a", "x", "2026-01-01T00:00:00Z")])
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=20000):
        window.mapping.open_files([str(path)])
    window.mapping.open_files([str(demo_data_path())])  # still loading when the window closes
    runners = window.findChildren(TaskRunner)
    assert len(runners) >= 3  # the loader, the analysis, and the views' own
    assert window.close()
    assert all(not runner.busy for runner in runners)
    assert all(runner.pool.activeThreadCount() == 0 for runner in runners)
