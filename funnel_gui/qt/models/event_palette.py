"""EventPaletteModel: the loaded data's events (count, unique actors, share of volume)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from funnel_gui.qt.mime import STEP_MIME, step_mime
from funnel_gui.qt.models.table_base import RowTableModel

Index = QModelIndex | QPersistentModelIndex
SHARE_ROLE = Qt.ItemDataRole.UserRole + 1  # 0..1 of the busiest event, for the volume bar
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class EventPaletteModel(RowTableModel):
    COLUMNS = ("Event", "Events", "Users")
    TOOLTIPS = ("Event name", "Number of events", "Distinct users who did it")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, int, int]] = []
        self._max_count = 1
        self._first_seen: list[str] = []
        self._last_seen: list[str] = []

    def set_catalog(self, catalog: pd.DataFrame | None) -> None:
        """Replace the events (a new file was loaded): a reset is right here."""
        self.beginResetModel()
        if catalog is None or catalog.empty:
            self._rows, self._first_seen, self._last_seen = [], [], []
        else:
            self._rows = [
                (str(e), int(c), int(a))
                for e, c, a in zip(
                    catalog["event"], catalog["count"], catalog["actors"], strict=True
                )
            ]
            self._first_seen = _times(catalog, "first_seen")
            self._last_seen = _times(catalog, "last_seen")
        self._max_count = max((r[1] for r in self._rows), default=1) or 1
        self.endResetModel()

    def event_name(self, row: int) -> str:
        return self._rows[row][0]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        name, count, actors = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, f"{count:,}", f"{actors:,}")[col]
        if role == SORT_ROLE:
            return (name.lower(), count, actors)[col]
        if role == SHARE_ROLE:
            return count / self._max_count
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            first, last = self._first_seen[index.row()], self._last_seen[index.row()]
            seen = f"first {first}, last {last} (UTC)\n" if first else ""
            return (
                f"{name}\n{count:,} events by {actors:,} users\n{seen}"
                "Drag into the funnel to add it as a step."
            )
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [STEP_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return step_mime([self._rows[r][0] for r in rows])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


def _times(catalog: pd.DataFrame, column: str) -> list[str]:
    """The catalog's times as text; blank when it has none (a database's catalog)."""
    if column not in catalog:
        return [""] * len(catalog)
    return [t.strftime("%Y-%m-%d %H:%M") for t in catalog[column]]
