"""The window from the keyboard: Ctrl+F to the event search, a Step menu whose entries show
their keys, F6 / Shift+F6 from panel to panel, and Tab that leaves a table instead of
walking its cells, in the order events → steps → settings → step → views.

The card keys themselves (Delete, Alt+Up/Down) stay with the card list (`StepCardView`):
as window shortcuts they would fire while a text field has the focus. The menu entries
here only show those keys, and act on the selected card.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QMainWindow,
    QMenu,
    QTabWidget,
    QWidget,
)

from funnel_gui.qt.widgets.event_palette import EventPalette
from funnel_gui.qt.widgets.funnel_editor import FunnelEditor


class KeyboardAccess(QObject):
    """Adds the keyboard's actions to `window`'s menus and sets the panels' Tab order.

    `panels` are the panels F6 cycles through, each as (the panel, the widget that takes
    the focus when it is entered); `drill_down(step)` lists who dropped before `step`."""

    def __init__(
        self,
        window: QMainWindow,
        palette: EventPalette,
        palette_dock: QDockWidget,
        editor: FunnelEditor,
        tabs: QTabWidget,
        panels: Sequence[tuple[QWidget, QWidget]],
        drill_down: Callable[[int], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.palette = palette
        self.palette_dock = palette_dock
        self.editor = editor
        self.tabs = tabs
        self.panels = list(panels)
        self._drill_down = drill_down
        self.act_find = self._action("&Find event…", QKeySequence.StandardKey.Find, self.find)
        self.act_add_step = self._action(
            "&Add selected event as step", QKeySequence("Ctrl+Return"), self.add_step
        )
        # Shown keys only ("\t"): the card list handles them while it has the focus.
        self.act_remove_step = self._action("&Remove step\tDel", None, self.remove_step)
        self.act_move_up = self._action("Move step &up\tAlt+Up", None, lambda: self.move(-1))
        self.act_move_down = self._action("Move step &down\tAlt+Down", None, lambda: self.move(1))
        self.act_drill_down = self._action(
            "&Who dropped before this step", QKeySequence("Ctrl+D"), self.who_dropped
        )
        self.act_next_panel = self._action(
            "&Next panel", QKeySequence(Qt.Key.Key_F6), lambda: self.cycle(1)
        )
        self.act_previous_panel = self._action(
            "&Previous panel", QKeySequence("Shift+F6"), lambda: self.cycle(-1)
        )

    def _action(
        self,
        text: str,
        keys: QKeySequence | QKeySequence.StandardKey | None,
        slot: Callable[[], object],
    ) -> QAction:
        action = QAction(text, self.window)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # ------------------------------------------------------------------ menus

    def fill_menus(self, edit_menu: QMenu, view_menu: QMenu, step_menu: QMenu) -> None:
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_find)
        step_menu.addActions([self.act_add_step, self.act_remove_step])
        step_menu.addSeparator()
        step_menu.addActions([self.act_move_up, self.act_move_down])
        step_menu.addSeparator()
        step_menu.addAction(self.act_drill_down)
        step_menu.aboutToShow.connect(self._enable_step_actions)
        view_menu.addSeparator()
        view_menu.addActions([self.act_next_panel, self.act_previous_panel])

    def _enable_step_actions(self) -> None:
        row, rows = self._row(), self.editor.model.rowCount()
        self.act_remove_step.setEnabled(row >= 0)
        self.act_move_up.setEnabled(row > 0)
        self.act_move_down.setEnabled(0 <= row < rows - 1)
        self.act_drill_down.setEnabled(row > 0)
        self.act_add_step.setEnabled(self.palette.view.currentIndex().isValid())

    # ------------------------------------------------------------------ actions

    def find(self) -> None:
        """The event search gets the focus, its text selected to type over."""
        self.palette_dock.show()
        self.palette_dock.raise_()
        self.palette.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.palette.search.selectAll()

    def add_step(self) -> None:
        index = self.palette.view.currentIndex()
        if index.isValid():
            self.palette.view.activated.emit(index)

    def _row(self) -> int:
        return self.editor.view.currentIndex().row()

    def remove_step(self) -> None:
        if self._row() >= 0:
            self.editor.remove_step(self._row())

    def move(self, delta: int) -> None:
        row = self._row()
        if row >= 0 and self.editor.move_step(row, delta):
            self.editor.view.setCurrentIndex(self.editor.model.index(row + delta, 0))

    def who_dropped(self) -> None:
        """Who dropped before the selected step (the first step has no one before it)."""
        if self._row() > 0:
            self._drill_down(self._row() + 1)

    def cycle(self, step: int) -> None:
        """The focus to the next (step=1) or previous (-1) panel on screen."""
        shown = [(panel, target) for panel, target in self.panels if target.isVisible()]
        if not shown:
            return
        focus = QApplication.focusWidget()
        inside = [
            i
            for i, (panel, _t) in enumerate(shown)
            if focus is not None and (panel is focus or panel.isAncestorOf(focus))
        ]
        current = inside[-1] if inside else (-1 if step > 0 else 0)
        shown[(current + step) % len(shown)][1].setFocus(Qt.FocusReason.TabFocusReason)

    # ------------------------------------------------------------------ Tab

    def set_tab_order(self, chain: Sequence[QWidget]) -> None:
        """Tab leaves a table rather than walking its cells, and visits `chain` in order
        (each widget moved right after the one before it)."""
        self.leave_tables_on_tab()
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def leave_tables_on_tab(self) -> None:
        """Views build tables late: call again after they do (cheap)."""
        for view in self.window.findChildren(QAbstractItemView):
            view.setTabKeyNavigation(False)
