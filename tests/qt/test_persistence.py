"""Crash recovery and recent files, through the window."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import QSettings

from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.prompter import HeadlessPrompter


def _export(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        writer.writerow(["u1", "view", "2026-01-01T10:00:00Z"])
        writer.writerow(["u1", "buy", "2026-01-01T10:05:00Z"])
    return path


def _window(  # type: ignore[no-untyped-def]
    qtbot, settings: QSettings, autosave: Path, *answers: bool
) -> MainWindow:
    """A window whose questions get `answers` (then "no")."""
    win = MainWindow(settings, autosave_dir=autosave, prompter=HeadlessPrompter(list(answers)))
    qtbot.addWidget(win)
    return win


def test_a_crash_leaves_a_funnel_that_is_offered_back(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    autosave = tmp_path / "autosave"
    data = _export(tmp_path / "shop.csv")
    first = _window(qtbot, settings, autosave)
    with qtbot.waitSignal(first.session.sig_table_changed, timeout=20000):
        first.mapping.open_files([str(data)])
    first.session.append_events(["view"])
    first.session.append_events(["buy"])
    assert first.persistence.autosave is not None
    first.persistence.autosave.flush()
    # The "crash": the first window never closes cleanly; a new one starts.
    second = _window(qtbot, settings, autosave, True)
    with qtbot.waitSignal(second.session.sig_table_changed, timeout=20000):
        assert second.persistence.offer_recovery()
    assert isinstance(second.prompter, HeadlessPrompter)
    assert "2 steps" in second.prompter.questions[0]
    steps = second.session.definition.steps
    assert [s.events for s in steps] == [("view",), ("buy",)]
    assert second.isWindowModified()  # restored, but not saved anywhere yet
    assert list(second.session.data_files) == [str(data)]


def test_declining_recovery_forgets_it_and_clean_exit_leaves_nothing(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    autosave = tmp_path / "autosave"
    first = _window(qtbot, settings, autosave)
    first.session.append_events(["view"])
    assert first.persistence.autosave is not None
    first.persistence.autosave.flush()
    second = _window(qtbot, settings, autosave, False, True)
    assert not second.persistence.offer_recovery()  # declined
    assert not second.persistence.offer_recovery()  # nothing left to accept
    third = _window(qtbot, settings, autosave)
    third.session.append_events(["view"])
    assert third.persistence.autosave is not None
    third.persistence.autosave.flush()
    third.funnel_files.save_to(tmp_path / "f.funnel.json")
    third.close()  # saved and closed cleanly: no recovery offer next time
    fourth = _window(qtbot, settings, autosave, True)
    assert not fourth.persistence.offer_recovery()


def test_recent_files_remember_data_and_funnels(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = _window(qtbot, settings, tmp_path / "autosave")
    data = _export(tmp_path / "shop.csv")
    with qtbot.waitSignal(win.session.sig_table_changed, timeout=20000):
        win.mapping.open_files([str(data)])
    win.session.append_events(["view"])
    win.funnel_files.save_to(tmp_path / "mine.funnel.json")
    recent = win.persistence.recent
    assert recent.entries("data") == [[str(data)]]
    assert recent.entries("funnel") == [[str(tmp_path / "mine.funnel.json")]]
