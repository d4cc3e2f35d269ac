"""The window's layout: the View menu, and the docks, splitters and tab kept between starts."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLayout,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QWidget,
)

# Raised whenever the docks change, so a layout saved by an older version (which would put
# docks it does not know where it pleases) is ignored rather than restored.
LAYOUT_VERSION = 3


class WindowLayout(QObject):
    """Saves and restores `window`'s geometry and docks, the `centre` splitter and the
    current tab of `tabs`. `panel_docks` are always there; `on_demand_tabs` (the
    drill-down list) are shown when asked and never start shown."""

    def __init__(
        self,
        window: QMainWindow,
        settings: QSettings,
        centre: QSplitter,
        tabs: QTabWidget,
        panel_docks: Sequence[QDockWidget],
        on_demand_tabs: Sequence[QWidget] = (),
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.centre = centre
        self.tabs = tabs
        self.panel_docks = list(panel_docks)
        self.on_demand_tabs = list(on_demand_tabs)
        self._default: dict[str, QByteArray] = {}
        self._restored = False  # a saved arrangement of the docks was restored

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
        for dock in self.panel_docks:
            toggle = dock.toggleViewAction()
            # "Funnel panel", not a second "Funnel" beside the Funnel view's entry.
            toggle.setText(f"{dock.windowTitle()} panel")
            view_menu.addAction(toggle)
        reset = QAction("Reset layout", self.window)
        reset.triggered.connect(self.reset)
        view_menu.addAction(reset)
        return reset

    def fit_docks(self) -> None:
        """Side docks as wide as the window affords: on a 1280 px wide window the centre
        keeps room for its tab bar and charts (call after an explicit resize)."""
        width = self.window.width()
        palette, settings = self.panel_docks[:2]
        palette_width = max(PALETTE_MIN_WIDTH, min(PALETTE_MAX_WIDTH, width // 4 - 40))
        self.window.resizeDocks(
            [palette, settings], [palette_width, RIGHT_COLUMN_WIDTH], Qt.Orientation.Horizontal
        )
        # The cards get what the charts can spare: four cards on a 900 px screen, two on
        # a 720 px one (they scroll), so the views keep their height.
        height = self.window.height()
        cards = max(CARDS_MIN_HEIGHT, min(CARDS_MAX_HEIGHT, height - CHARTS_HEIGHT))
        self.centre.setSizes([cards, max(height - WINDOW_CHROME_HEIGHT - cards, 1)])
        # Once laid out at this size:
        QTimer.singleShot(0, self._split_right_column)

    def _split_right_column(self) -> None:
        """The funnel's settings whole (its tray of micro-conversions included); the step's
        panel, under it, scrolls when the window is short."""
        if self._restored:
            return  # the person's own arrangement wins
        settings, step = self.panel_docks[1:3]
        column = settings.height() + step.height()
        wanted = settings.minimumSizeHint().height()
        scroll = settings.widget()
        panel = scroll.widget() if isinstance(scroll, QScrollArea) else None
        if isinstance(scroll, QScrollArea) and panel is not None:
            title = settings.height() - scroll.height()
            # Its chips wrap: as tall as they are at this width.
            width = scroll.viewport().width()
            high = panel.heightForWidth(width) if panel.hasHeightForWidth() else -1
            wanted = title + max(high, panel.minimumSizeHint().height())
        if column > wanted > 0:
            self.window.resizeDocks(
                [settings, step], [wanted, column - wanted], Qt.Orientation.Vertical
            )

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
                self._restored = restore(value) or self._restored
        tab = settings.value("window/tab")
        if tab is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.tabs.setCurrentIndex(int(str(tab)))
        # An on-demand list opens when asked; a saved layout must not show it empty.
        if self.tabs.currentWidget() in self.on_demand_tabs:
            self.tabs.setCurrentIndex(0)

    def reset(self) -> None:
        self.window.restoreState(self._default["window/state"], LAYOUT_VERSION)
        self.centre.restoreState(self._default["window/workspace"])
        for dock in self.panel_docks:
            dock.show()


# The Events dock's width: less on a laptop's screen, so the charts get the width.
PALETTE_MIN_WIDTH = 240
PALETTE_MAX_WIDTH = 330
RIGHT_COLUMN_WIDTH = 340
# The step cards' share of the centre column: the rest of the height goes to the views.
CARDS_MIN_HEIGHT = 160
CARDS_MAX_HEIGHT = 330
CHARTS_HEIGHT = 550  # what the views ask for before the cards grow past their least
WINDOW_CHROME_HEIGHT = 100  # menu bar, toolbar and status bar, roughly

# Platforms that draw to no screen of their own: their "screen" is a made-up size.
VIRTUAL_PLATFORMS = frozenset({"offscreen", "minimal"})
QWIDGETSIZE_MAX = (1 << 24) - 1

# The window's size at first start, when the screen has room for it.
DEFAULT_SIZE = QSize(1440, 900)


def fitted_size(wanted: QSize, room: QSize) -> QSize:
    """`wanted`, cut down to `room` (a screen's free area less the window frame)."""
    return wanted.boundedTo(room)


class ScreenCap(QObject):
    """Keeps `window` from growing itself past its screen.

    By default a top-level window's minimum size is its layout's: showing a panel or a few
    lines of warnings that need more height than the window has makes it grow, past the
    bottom of a laptop's screen (969 px on a 900 px screen). Here the minimum is the
    layout's cut down to the screen's free area; what does not fit is squeezed instead.
    An explicit resize (a screenshot's --size) is left alone.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        # An explicit ceiling instead of the screen's (a screenshot's --size).
        self.limit: QSize | None = None
        layout = window.layout()
        if layout is not None:
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        window.installEventFilter(self)

    def room(self) -> QSize:
        """The screen's free area less the window's frame (title bar, borders); no limit
        on a platform without a real screen (offscreen renders any size asked for)."""
        if self.limit is not None:
            return self.limit
        if QGuiApplication.platformName() in VIRTUAL_PLATFORMS:
            return QSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX)
        window = self.window
        frame = window.frameGeometry().size() - window.geometry().size()
        return window.screen().availableGeometry().size() - frame

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.Show,
            QEvent.Type.ScreenChangeInternal,
        ):
            self.apply()
        return False

    def apply(self) -> None:
        layout = self.window.layout()
        wanted = layout.totalMinimumSize() if layout is not None else QSize(0, 0)
        minimum = fitted_size(wanted, self.room())
        if minimum != self.window.minimumSize():
            self.window.setMinimumSize(minimum)
