"""The window's layout: the View menu, and the docks, splitters and tab kept between starts."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from funnel_gui.qt.main_window import MainWindow

# Raised whenever the docks change, so a layout saved by an older version (which would put
# docks it does not know where it pleases) is ignored rather than restored.
LAYOUT_VERSION = 2


class WindowLayout(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._default: dict[str, QByteArray] = {}

    def build_view_menu(self) -> QAction:
        """One entry per analysis tab (Ctrl+1…), and the docks' show/hide toggles; returns
        the "Reset layout" action."""
        window = self.window
        view_menu = window.menuBar().addMenu("&View")
        tabs = window.workspace.analysis_panel.tabs
        for index in range(tabs.count()):
            action = QAction(tabs.tabText(index), window)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        view_menu.addSeparator()
        docks = [*self._panel_docks(), window.drilldown_dock]
        view_menu.addActions([dock.toggleViewAction() for dock in docks])
        reset = QAction("Reset layout", window)
        reset.triggered.connect(self.reset)
        view_menu.addAction(reset)
        return reset

    def _panel_docks(self) -> list[QDockWidget]:
        """The docks always there (not the drill-down list, which opens on demand)."""
        window = self.window
        return [window.palette_dock, window.settings_dock, window.inspector_dock]

    def _state(self) -> dict[str, QByteArray]:
        return {
            "window/state": self.window.saveState(LAYOUT_VERSION),
            "window/workspace": self.window.workspace.saveState(),
        }

    def keep_default(self) -> None:
        """The layout as built, for "Reset layout" (call before restoring a saved one)."""
        self._default = self._state()

    def save(self) -> None:
        """Window geometry, docks and splitters, so the next start looks like this one."""
        settings = self.window.settings
        settings.setValue("window/geometry", self.window.saveGeometry())
        for key, value in self._state().items():
            settings.setValue(key, value)
        settings.setValue("window/tab", self.window.workspace.analysis_panel.tabs.currentIndex())

    def restore(self) -> None:
        window, settings = self.window, self.window.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        for key, restore in (
            ("window/state", partial(window.restoreState, version=LAYOUT_VERSION)),
            ("window/workspace", window.workspace.restoreState),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        tab = settings.value("window/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                window.workspace.analysis_panel.tabs.setCurrentIndex(int(tab))
        # The drill-down list opens on demand; a saved layout must not show it empty.
        window.drilldown_dock.hide()

    def reset(self) -> None:
        self.window.restoreState(self._default["window/state"], LAYOUT_VERSION)
        self.window.workspace.restoreState(self._default["window/workspace"])
        for dock in self._panel_docks():
            dock.show()
