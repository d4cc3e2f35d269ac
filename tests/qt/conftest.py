"""Qt test fixtures: a main window with throwaway settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.prompter import HeadlessPrompter


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(settings, prompter=HeadlessPrompter())  # no modal box to answer
    qtbot.addWidget(win)
    yield win
    win.session.shutdown()
