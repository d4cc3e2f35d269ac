"""Undo/redo for the funnel editor: core edit commands on a QUndoStack.

The commands themselves live in `funnel_gui.core.editing.commands` (no Qt); this module only
puts them on Qt's stack so menus, shortcuts and the history view come for free.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QUndoCommand, QUndoStack

from funnel_gui.core.editing.commands import Command, FunnelDocument


class DocumentCommand(QUndoCommand):
    """One core command on the stack: redo executes it, undo executes its inverse."""

    def __init__(
        self, document: FunnelDocument, command: Command, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(command.text(document.definition), parent)
        self.document = document
        self.command = command
        # Known before the first redo, and recomputed by every redo from the state it
        # actually meets, so undo always restores what was there.
        self.inverse: Command = command.inverse(document.definition)

    def redo(self) -> None:
        self.inverse = self.document.execute(self.command)

    def undo(self) -> None:
        self.document.execute(self.inverse)


def push(stack: QUndoStack, document: FunnelDocument, command: Command) -> bool:
    """Execute `command` through `stack`; False (nothing pushed) when it changes nothing.

    The command is checked first, so an EditError reaches the caller here instead of
    being raised inside QUndoStack.push, which would leave a broken entry behind.
    """
    if command.is_noop(document.definition):
        return False
    stack.push(DocumentCommand(document, command))
    return True


def push_all(
    stack: QUndoStack, document: FunnelDocument, commands: Sequence[Command], text: str
) -> bool:
    """Execute several commands as one undo entry named `text`, skipping no-ops.

    All of them are checked against the definition they will meet before any runs, so
    either all apply or none does (EditError).
    """
    definition = document.definition
    effective: list[Command] = []
    for command in commands:
        after = command.apply(definition)
        if after != definition:
            effective.append(command)
            definition = after
    if not effective:
        return False
    if len(effective) == 1:
        stack.push(DocumentCommand(document, effective[0]))
        return True
    stack.beginMacro(text)
    for command in effective:
        stack.push(DocumentCommand(document, command))
    stack.endMacro()
    return True
