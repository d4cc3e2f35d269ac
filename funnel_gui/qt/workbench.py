"""FunnelWorkbench: the funnel being built and everything that keeps it computed.

Owns the FunnelDocument (source of truth), its undo stack, the steps model the
editor shows, and the analysis controller that recomputes after every edit; the
window only lays these out.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack

from funnel_gui.core.editing.commands import FunnelDocument, insert_new_step
from funnel_gui.core.events import EventTable
from funnel_gui.qt.analysis import AnalysisController
from funnel_gui.qt.models.funnel_steps import FunnelStepsModel
from funnel_gui.qt.undo import push


class FunnelWorkbench(QObject):
    def __init__(self, parent: QObject | None = None, *, debounce_ms: int = 250) -> None:
        super().__init__(parent)
        self.document = FunnelDocument()
        self.undo_stack = QUndoStack(self)
        self.steps_model = FunnelStepsModel(self.document, self.undo_stack, self)
        self.analysis = AnalysisController(self, debounce_ms=debounce_ms)
        self.analysis.set_document(self.document)

    def set_table(self, table: EventTable | None) -> None:
        self.analysis.set_table(table)

    def append_events(self, events: list[str]) -> bool:
        """Add `events` as a new last step (Enter on the palette), undoably."""
        if not events:
            return False
        definition = self.document.definition
        return push(
            self.undo_stack,
            self.document,
            insert_new_step(definition, len(definition.steps), events),
        )

    def shutdown(self) -> None:
        self.analysis.detach()
