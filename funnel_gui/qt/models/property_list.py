"""PropertyListModel: the loaded data's properties with kind, distinct values and top values."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class PropertyListModel(QAbstractTableModel):
    COLUMNS = ("Property", "Kind", "Distinct")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, int, str]] = []

    def set_catalog(self, catalog: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._rows = []
        if catalog is not None:
            for rec in catalog.itertuples(index=False):
                top = ", ".join(f"{v} ({n:,})" for v, n in list(rec.top_values)[:5])
                self._rows.append((str(rec.property), str(rec.kind), int(rec.distinct), top))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        name, kind, distinct, top = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, kind, f"{distinct:,}")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name} ({kind}, {distinct:,} distinct values)\nMost common: {top}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
