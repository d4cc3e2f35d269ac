"""MatcherItemsSection: what the Funnel panel's "Exclude" and "Micro-conversions"
sections share: one tuple of the definition shown as chips, each item added or edited
through a MatcherDialog and removed by its chip, every change one undoable command.

A subclass says which tuple it edits (`items`), how a new tuple becomes a command
(`command`), which dialog edits an item (`make_dialog`) and how a repeated item is
refused (`duplicate_text`); it lays out `caption`, `chips` and `add_button` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from funnel_gui.core.editing.commands import Command
from funnel_gui.qt.document import FunnelEditing, refusals
from funnel_gui.qt.widgets.chips import ChipList
from funnel_gui.qt.widgets.matcher_dialog import MatcherChoices, MatcherDialog, replaced_item

Item = TypeVar("Item")
Dialog = TypeVar("Dialog", bound=MatcherDialog)


class MatcherItemsSection(QWidget, Generic[Item, Dialog]):
    def __init__(
        self,
        editing: FunnelEditing,
        caption: str,
        chip_kind: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        self.choices = MatcherChoices()
        self.dialog: Dialog | None = None
        self.caption = QLabel(caption)
        self.chips = ChipList(chip_kind)
        self.add_button = QToolButton()
        self.add_button.setObjectName("chipAdd")
        self.caption.setBuddy(self.add_button)
        self.chips.fallback_focus = self.add_button
        self.add_button.clicked.connect(self.open_add_dialog)
        self.chips.sig_edit_requested.connect(self.open_edit_dialog)
        self.chips.sig_remove_requested.connect(self.remove)

    # ------------------------------------------------------------------ for subclasses

    def items(self) -> tuple[Item, ...]:
        raise NotImplementedError

    def command(self, items: tuple[Item, ...]) -> Command:
        raise NotImplementedError

    def make_dialog(self, item: Item | None, submit: Callable[[Item], str | None]) -> Dialog:
        raise NotImplementedError

    def duplicate_text(self, item: Item) -> str:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ shared

    def set_choices(self, choices: MatcherChoices) -> None:
        self.choices = choices
        self.refresh()

    def open_add_dialog(self) -> Dialog:
        return self._open(None)

    def open_edit_dialog(self, index: int) -> Dialog:
        return self._open(index)

    def _open(self, index: int | None) -> Dialog:
        item = self.items()[index] if index is not None else None
        dialog = self.make_dialog(item, lambda edited: self._commit(index, edited))
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.finished.connect(lambda _code: self._forget(dialog))
        dialog.open()
        return dialog

    def _forget(self, dialog: Dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _commit(self, index: int | None, item: Item) -> str | None:
        """Push the added or edited item; an error message when it cannot be."""
        items = replaced_item(self.items(), index, item, self.duplicate_text(item))
        if isinstance(items, str):
            return items
        return self._edit(self.command(items))

    def remove(self, index: int) -> None:
        current = self.items()
        if not 0 <= index < len(current):
            return
        error = self._edit(self.command(current[:index] + current[index + 1 :]))
        if error:
            self.chips.show_notice(error)

    def _edit(self, command: Command) -> str | None:
        """Run `command` as one undo entry; the reason (for a person) when it is refused."""
        with refusals(self.editing) as refused:
            self.editing.edit(command)
        return refused[0] if refused else None
