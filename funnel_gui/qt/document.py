"""The funnel being edited, as Qt sees it: its change events as a signal, and what an
editing widget may ask of the session (`FunnelEditing`).

`FunnelDocument` (core) calls plain listeners. `DocumentSignals` is the only one the app
adds: it re-emits every change event as `sig_changed`, so subscribers get Qt's connection
lifetimes (a deleted widget is disconnected by Qt) instead of each managing a callback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.commands import ChangeEvent, Command, FunnelDocument


class DocumentSignals(QObject):
    """Relays a FunnelDocument's change events as `sig_changed(ChangeEvent)`, synchronously
    (the steps model must move its rows inside the change)."""

    sig_changed = Signal(object)

    def __init__(self, document: FunnelDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document: FunnelDocument | None = document
        relay = self._relay
        document.add_listener(relay)
        # The document may outlive this object; once the C++ side is gone, emitting
        # would raise, so the listener goes with it. (No reference to self in here.)
        self.destroyed.connect(lambda: document.remove_listener(relay))

    @property
    def attached(self) -> bool:
        return self._document is not None

    def detach(self) -> None:
        """Stop relaying (before the owner goes away on its own schedule)."""
        if self._document is not None:
            self._document.remove_listener(self._relay)
            self._document = None

    def _relay(self, event: ChangeEvent) -> None:
        self.sig_changed.emit(event)


class FunnelEditing(Protocol):
    """What a widget that edits the funnel needs: the definition, its changes, and edit()."""

    @property
    def definition(self) -> FunnelDefinition: ...

    @property
    def sig_definition_changed(self) -> SignalInstance:
        """Emitted with a ChangeEvent after every change, undo and redo included."""
        ...

    @property
    def sig_edit_failed(self) -> SignalInstance:
        """Emitted with the reason (for a person) when an edit is refused."""
        ...

    def edit(self, command: Command) -> bool:
        """Run `command` as one undo entry; False when it changed nothing or was refused."""
        ...

    def edit_all(self, commands: Sequence[Command], text: str) -> bool:
        """Several commands as one undo entry named `text`: all of them or none."""
        ...


@contextmanager
def refusals(editing: FunnelEditing) -> Iterator[list[str]]:
    """The reasons for the edits refused inside the block, for a widget that shows them
    beside its own control (refusals are reported synchronously, while edit() runs)."""
    reasons: list[str] = []
    connection = editing.sig_edit_failed.connect(reasons.append)
    try:
        yield reasons
    finally:
        QObject.disconnect(connection)
