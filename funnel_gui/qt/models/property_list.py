"""PropertyListModel: the loaded data's properties with kind, distinct values and top values."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from funnel_gui.qt.models.table_base import RowTableModel

Index = QModelIndex | QPersistentModelIndex


class PropertyListModel(RowTableModel):
    COLUMNS = ("Property", "Kind", "Distinct")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, int, str]] = []

    def set_catalog(self, catalog: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._rows = []
        if catalog is not None:
            for name, kind, distinct, top_values in zip(
                catalog["property"],
                catalog["kind"],
                catalog["distinct"],
                catalog["top_values"],
                strict=True,
            ):
                top = ", ".join(f"{v} ({n:,})" for v, n in list(top_values)[:5])
                self._rows.append((str(name), str(kind), int(distinct), top))
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        name, kind, distinct, top = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, kind, f"{distinct:,}")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name} ({kind}, {distinct:,} distinct values)\nMost common: {top}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
