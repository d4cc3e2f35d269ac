"""Crash recovery and recent files, through the window."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QSettings

from funnel_gui.qt.main_window import MainWindow


def _export(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerow(["u1", "view", "2026-01-01T10:00:00Z"])
        writer.writerow(["u1", "buy", "2026-01-01T10:05:00Z"])
    return path


def _window(qtbot, settings: QSettings, autosave: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(settings, autosave_dir=autosave)
    win.setProperty("headless", True)
    qtbot.addWidget(win)
    return win


def test_a_crash_leaves_a_funnel_that_is_offered_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    autosave = tmp_path / "autosave"
    data = _export(tmp_path / "shop.csv")
    first = _window(qtbot, settings, autosave)
    with qtbot.waitSignal(first.sig_table_loaded, timeout=20000):
        first.open_files([str(data)])
    first.workbench.append_events(["view"])
    first.workbench.append_events(["buy"])
    assert first.persistence.autosave is not None
    first.persistence.autosave.flush()
    # The "crash": the first window never closes cleanly; a new one starts.
    second = _window(qtbot, settings, autosave)
    questions: list[str] = []
    with qtbot.waitSignal(second.sig_table_loaded, timeout=20000):
        assert second.persistence.offer_recovery(ask=lambda q: questions.append(q) or True)
    assert "2 steps" in questions[0]
    steps = second.workbench.document.definition.steps
    assert [s.events for s in steps] == [("view",), ("buy",)]
    assert second.isWindowModified()  # restored, but not saved anywhere yet
    assert second.data_files == [str(data)]


def test_declining_recovery_forgets_it_and_clean_exit_leaves_nothing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    autosave = tmp_path / "autosave"
    first = _window(qtbot, settings, autosave)
    first.workbench.append_events(["view"])
    assert first.persistence.autosave is not None
    first.persistence.autosave.flush()
    second = _window(qtbot, settings, autosave)
    assert not second.persistence.offer_recovery(ask=lambda _q: False)
    assert not second.persistence.offer_recovery(ask=lambda _q: True)  # nothing left
    third = _window(qtbot, settings, autosave)
    third.workbench.append_events(["view"])
    assert third.persistence.autosave is not None
    third.persistence.autosave.flush()
    third.funnel_files.save_to(tmp_path / "f.funnel.json")
    third.close()  # saved and closed cleanly: no recovery offer next time
    fourth = _window(qtbot, settings, autosave)
    assert not fourth.persistence.offer_recovery(ask=lambda _q: True)


def test_recent_files_remember_data_and_funnels(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = _window(qtbot, settings, tmp_path / "autosave")
    data = _export(tmp_path / "shop.csv")
    with qtbot.waitSignal(win.sig_table_loaded, timeout=20000):
        win.open_files([str(data)])
    win.workbench.append_events(["view"])
    win.funnel_files.save_to(tmp_path / "mine.funnel.json")
    recent = win.persistence.recent
    assert recent.entries("data") == [[str(data)]]
    assert recent.entries("funnel") == [[str(tmp_path / "mine.funnel.json")]]
