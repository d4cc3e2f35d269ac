"""The window's layout: the View menu, and the docks, splitters and tab kept between starts."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QByteArray, QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QSplitter, QTabWidget

# Raised whenever the docks change, so a layout saved by an older version (which would put
# docks it does not know where it pleases) is ignored rather than restored.
LAYOUT_VERSION = 2


class WindowLayout(QObject):
    """Saves and restores `window`'s geometry and docks, the `centre` splitter and the
    current tab of `tabs`. `panel_docks` are always there; `on_demand_docks` (the
    drill-down list) open when asked and never start shown."""

    def __init__(
        self,
        window: QMainWindow,
        settings: QSettings,
        centre: QSplitter,
        tabs: QTabWidget,
        panel_docks: Sequence[QDockWidget],
        on_demand_docks: Sequence[QDockWidget] = (),
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.centre = centre
        self.tabs = tabs
        self.panel_docks = list(panel_docks)
        self.on_demand_docks = list(on_demand_docks)
        self._default: dict[str, QByteArray] = {}

    def fill_view_menu(self, view_menu: QMenu) -> QAction:
        """One entry per analysis tab (Ctrl+1…), and the docks' show/hide toggles; returns
        the "Reset layout" action."""
        tabs = self.tabs
        for index in range(tabs.count()):
            action = QAction(tabs.tabText(index), self.window)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        view_menu.addSeparator()
        docks = [*self.panel_docks, *self.on_demand_docks]
        view_menu.addActions([dock.toggleViewAction() for dock in docks])
        reset = QAction("Reset layout", self.window)
        reset.triggered.connect(self.reset)
        view_menu.addAction(reset)
        return reset

    def _state(self) -> dict[str, QByteArray]:
        return {
            "window/state": self.window.saveState(LAYOUT_VERSION),
            "window/workspace": self.centre.saveState(),
        }

    def keep_default(self) -> None:
        """The layout as built, for "Reset layout" (call before restoring a saved one)."""
        self._default = self._state()

    def save(self) -> None:
        """Window geometry, docks and splitters, so the next start looks like this one."""
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        for key, value in self._state().items():
            self.settings.setValue(key, value)
        self.settings.setValue("window/tab", self.tabs.currentIndex())

    def restore(self) -> None:
        window, settings = self.window, self.settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        for key, restore in (
            ("window/state", partial(window.restoreState, version=LAYOUT_VERSION)),
            ("window/workspace", self.centre.restoreState),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        tab = settings.value("window/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.tabs.setCurrentIndex(int(str(tab)))
        # An on-demand list opens when asked; a saved layout must not show it empty.
        for dock in self.on_demand_docks:
            dock.hide()

    def reset(self) -> None:
        self.window.restoreState(self._default["window/state"], LAYOUT_VERSION)
        self.centre.restoreState(self._default["window/workspace"])
        for dock in self.panel_docks:
            dock.show()
