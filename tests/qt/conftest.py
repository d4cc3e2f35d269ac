"""Qt test fixtures: a main window with throwaway settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from funnel_gui.qt.main_window import MainWindow


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(settings)
    win.setProperty("headless", True)  # failures go to a signal, not a modal box
    qtbot.addWidget(win)
    yield win
    win.loader.cancel()
