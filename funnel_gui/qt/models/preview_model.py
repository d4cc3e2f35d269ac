"""PreviewModel: the first rows of an export as read, before the columns are mapped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from funnel_gui.core.io.mapping import ROLES
from funnel_gui.qt.theme import SEGMENT_HEXES

HEADER_NAMES = {"actor": "user id", "event": "event", "time": "timestamp", "session": "session"}
ROLE_COLOURS = {role: SEGMENT_HEXES[i] for i, role in enumerate(ROLES)}
INDEX = QModelIndex | QPersistentModelIndex


class PreviewModel(QAbstractTableModel):
    """The first rows of the raw table, mapped columns tinted in their role's colour."""

    def __init__(self, columns: list[str], rows: list[list[str]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows = rows
        self._role_of: dict[str, str] = {}

    def set_roles(self, chosen: Mapping[str, tuple[str, ...]]) -> None:
        self._role_of = {}
        for role in ROLES:
            for column in chosen.get(role, ()):
                self._role_of.setdefault(column, role)
        if self.columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
            if self.rows:
                last = self.index(len(self.rows) - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)

    def role_of(self, column: str) -> str | None:
        return self._role_of.get(column)

    def rowCount(self, parent: INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        text = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.BackgroundRole:
            mapped = self.role_of(self.columns[index.column()])
            if mapped is not None:
                tint = QColor(ROLE_COLOURS[mapped])
                tint.setAlpha(38)
                return tint
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        column = self.columns[section]
        mapped = self.role_of(column)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{column}\n{HEADER_NAMES[mapped]}" if mapped else f"{column}\n"
        if role == Qt.ItemDataRole.ForegroundRole and mapped:
            return QColor(ROLE_COLOURS[mapped])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{column}: the {HEADER_NAMES[mapped]}" if mapped else column
        return None
