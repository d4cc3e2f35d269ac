"""FunnelStepsModel: the funnel's steps as a Qt list model, adapting the session's document.

The document is the source of truth; this model keeps a snapshot of its steps and moves
it forward between begin*/end* calls (on the session's change signal, which arrives inside
the change), so views always see the before and after states Qt expects (napari's
`_base_item_model.py`). Drops and renames become undoable commands through `edit()`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from funnel_gui.core.definition.model import Step, shown_kinds
from funnel_gui.core.editing.commands import (
    AddStepEvent,
    ChangeEvent,
    Command,
    EditError,
    MoveStep,
    RenameStep,
    Replaced,
    StepChanged,
    StepMoved,
    StepsInserted,
    StepsRemoved,
    insert_new_step,
    remove_step,
)
from funnel_gui.qt.document import FunnelEditing
from funnel_gui.qt.mime import STEP_MIME, events_from_mime, json_payload

Index = QModelIndex | QPersistentModelIndex
ROW_MIME = "application/x-funnel-gui-step-row"  # a step card dragged inside the editor
EVENTS_ROLE = Qt.ItemDataRole.UserRole + 1  # list[str]: the step's events ("any of")
KIND_ROLE = Qt.ItemDataRole.UserRole + 2  # "micro" or "macro"
FILTERS_ROLE = Qt.ItemDataRole.UserRole + 3  # tuple[Filter, ...]
STEP_ROLE = Qt.ItemDataRole.UserRole + 4  # the whole Step value

_DropPlan = tuple[list[Command], str]


class FunnelStepsModel(QAbstractListModel):
    """One row per step; every edit is one undo entry, drag and drop included."""

    def __init__(self, editing: FunnelEditing, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editing = editing
        self._steps: tuple[Step, ...] = editing.definition.steps
        editing.sig_definition_changed.connect(self._on_document_changed)

    # ----------------------------------------------------------- reading

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._steps)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        step = self._steps[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return step.display_label
        if role == Qt.ItemDataRole.EditRole:
            return step.label
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            kind = self._kind(index.row())
            return f"Step {index.row() + 1} ({kind}): any of {', '.join(step.events)}"
        if role == EVENTS_ROLE:
            return list(step.events)
        if role == KIND_ROLE:
            return self._kind(index.row())
        if role == FILTERS_ROLE:
            return step.where
        if role == STEP_ROLE:
            return step
        return None

    def _kind(self, row: int) -> str:
        """The kind every view shows (§2: the last step is macro when none is marked)."""
        return shown_kinds(self._steps)[row]

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        for role, name in (
            (EVENTS_ROLE, b"events"),
            (KIND_ROLE, b"kind"),
            (FILTERS_ROLE, b"filters"),
            (STEP_ROLE, b"step"),
        ):
            names[role] = QByteArray(name)
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled  # between cards and below the last one
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsEditable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    # ----------------------------------------------------------- editing

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not self._valid(index) or role != Qt.ItemDataRole.EditRole or not isinstance(value, str):
            return False
        self.editing.edit(RenameStep(index.row(), value.strip()))
        return True

    def remove_step(self, row: int) -> bool:
        """Delete key, context menu, dragging a card out: one undoable removal."""
        return self._valid_row(row) and self.editing.edit(remove_step(self.editing.definition, row))

    def moveRows(
        self,
        sourceParent: Index,
        sourceRow: int,
        count: int,
        destinationParent: Index,
        destinationChild: int,
    ) -> bool:
        """What QListView's internal move calls; Qt counts the destination before the move."""
        if sourceParent.isValid() or destinationParent.isValid() or count != 1:
            return False
        if not self._valid_row(sourceRow) or not 0 <= destinationChild <= len(self._steps):
            return False
        final = destinationChild if destinationChild <= sourceRow else destinationChild - 1
        return self.editing.edit(MoveStep(sourceRow, final))

    # ----------------------------------------------------------- drag and drop

    def mimeTypes(self) -> list[str]:
        return [STEP_MIME, ROW_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """A card drag carries its row as JSON (one card moves at a time)."""
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if self._valid(i)})
        if rows:
            # The process id tells a card of this window from one dragged in from another
            # running copy of the app (whose row numbers mean nothing here).
            payload = {"row": rows[0], "pid": os.getpid()}
            mime.setData(ROW_MIME, json.dumps(payload).encode("utf-8"))
        return mime

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        plan = self._drop_plan(data, action, row, parent)
        if plan is None:
            return False
        before = definition = self.editing.definition
        try:
            for command in plan[0]:
                definition = command.apply(definition)
        except EditError:  # e.g. a 21st step: the cursor shows the drop is refused
            return False
        return definition != before

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Palette events between cards insert a step; on a card they become alternatives
        of that step; a card's row payload moves that card. Anything else is refused.

        True after a move too: this model has no removeRows, so a view that "removes the
        source" after a successful move drop changes nothing.
        """
        plan = self._drop_plan(data, action, row, parent)
        if plan is None:
            return False
        commands, text = plan
        return self.editing.edit_all(commands, text)

    def _drop_plan(
        self, data: QMimeData, action: Qt.DropAction, row: int, parent: Index
    ) -> _DropPlan | None:
        if action == Qt.DropAction.IgnoreAction or data is None:
            return None
        if parent.isValid() and not self._valid(parent):
            return None
        n = len(self._steps)
        if data.hasFormat(ROW_MIME):
            source = _row_from_mime(data)
            if source is None or not self._valid_row(source):
                return None
            if parent.isValid():  # on a card: take its place
                final = parent.row()
            else:  # between cards: Qt's row is "insert before", counted before the move
                before = n if row < 0 else min(row, n)
                final = before if before <= source else before - 1
            move = MoveStep(source, final)
            return [move], move.text(self.editing.definition)
        events = events_from_mime(data)
        if not events:
            return None
        definition = self.editing.definition
        if parent.isValid():  # on a card: the events become alternatives ("any of")
            target = parent.row()
            names = ", ".join(f'"{e}"' for e in dict.fromkeys(events))
            label = definition.steps[target].display_label
            adds: list[Command] = [AddStepEvent(target, e) for e in dict.fromkeys(events)]
            return adds, f'Add {names} to step "{label}"'
        index = n if row < 0 else min(row, n)
        # One drop makes one step, matching any of the dragged events (§2's OR); appended
        # after the only macro, it becomes the macro and that step micro (same undo entry).
        insert = insert_new_step(definition, index, events)
        return [insert], insert.text(definition)

    # ----------------------------------------------------------- document events

    def _on_document_changed(self, event: ChangeEvent) -> None:
        steps = self.editing.definition.steps
        root = QModelIndex()
        if isinstance(event, StepsInserted):
            self.beginInsertRows(root, event.index, event.index)
            self._steps = steps
            self.endInsertRows()
        elif isinstance(event, StepsRemoved):
            self.beginRemoveRows(root, event.index, event.index)
            self._steps = steps
            self.endRemoveRows()
        elif isinstance(event, StepMoved):
            source, final = event.source, event.destination
            qt_destination = final + 1 if final > source else final
            if self.beginMoveRows(root, source, source, root, qt_destination):
                self._steps = steps
                self.endMoveRows()
        elif isinstance(event, StepChanged):
            self._steps = steps
            changed = self.index(event.index, 0)
            self.dataChanged.emit(changed, changed)
        elif isinstance(event, Replaced):
            self.beginResetModel()
            self._steps = steps
            self.endResetModel()
        if self._steps != steps:  # out of step (should not happen): resync the safe way
            self.beginResetModel()
            self._steps = steps
            self.endResetModel()

    def _valid(self, index: Index) -> bool:
        return index.isValid() and not index.parent().isValid() and self._valid_row(index.row())

    def _valid_row(self, row: int) -> bool:
        return 0 <= row < len(self._steps)


def card_row_from_mime(data: QMimeData) -> int | None:
    """The row of a card dragged out of this process's editor, else None."""
    payload = json_payload(data, ROW_MIME)
    if payload is None or payload.get("pid") != os.getpid():
        return None
    return _row_of(payload)


def _row_from_mime(data: QMimeData) -> int | None:
    payload = json_payload(data, ROW_MIME)
    return _row_of(payload) if payload is not None else None


def _row_of(payload: dict[str, Any]) -> int | None:
    row = payload.get("row")
    return row if isinstance(row, int) and not isinstance(row, bool) else None
