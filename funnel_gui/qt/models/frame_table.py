"""FrameTableModel: a read-only table of a pandas DataFrame with per-column formatting.

The charts' tables (micro vs macro, timings, segments, drill-down) are small frames computed
in core; this shows them with thousands separators, one-decimal percentages and readable
durations, while VALUE_ROLE keeps the raw number for sorting (through a
QSortFilterProxyModel with sortRole = VALUE_ROLE) and for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.models.table_base import RowTableModel
from funnel_gui.qt.text import format_text, is_missing

Index = QModelIndex | QPersistentModelIndex
_ROLES = frozenset(
    (
        Qt.ItemDataRole.DisplayRole,
        VALUE_ROLE,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ToolTipRole,
    )
)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column:
    key: str  # the frame's column
    header: str
    format: Callable[[Any], str] = format_text
    tooltip: str = ""
    numeric: bool = False  # right-aligned


class FrameTableModel(RowTableModel):
    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self.COLUMNS = tuple(c.header for c in self.columns)
        self.TOOLTIPS = tuple(c.tooltip for c in self.columns)
        self.frame = pd.DataFrame(columns=[c.key for c in self.columns])
        self._columns: dict[str, Any] = {}
        self._columns_of: pd.DataFrame | None = None  # the frame `_columns` were taken from
        # Optional per-row tooltips and foreground colours, set by the view.
        self.row_tooltips: list[str] = []

    def rename(self, key: str, header: str) -> None:
        """Give column `key` a new header (the unit's word changes with the result)."""
        index = next(i for i, c in enumerate(self.columns) if c.key == key)
        if self.COLUMNS[index] != header:
            self.COLUMNS = (*self.COLUMNS[:index], header, *self.COLUMNS[index + 1 :])
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, index, index)

    def set_frame(self, frame: pd.DataFrame, row_tooltips: Sequence[str] = ()) -> None:
        self.beginResetModel()
        # Rows are read by position; a frame already numbered 0..n-1 is not copied (a
        # drill-down list can be hundreds of thousands of rows long).
        numbered = frame.index.equals(pd.RangeIndex(len(frame)))
        self.frame = frame if numbered else frame.reset_index(drop=True)
        self._rows = range(len(frame))
        self.row_tooltips = list(row_tooltips)
        self.endResetModel()

    def value(self, row: int, key: str) -> Any:
        value = self._column(key)[row]
        return None if is_missing(value) else value

    def _column(self, key: str) -> Any:
        """The column's array, indexed directly: a view paints cell by cell, and pandas'
        label lookup costs ~25 µs a cell (a visible table is thousands of them). No
        conversion: a drill-down list can be hundreds of thousands of rows long."""
        if self._columns_of is not self.frame:
            self._columns, self._columns_of = {}, self.frame
        column = self._columns.get(key)
        if column is None:
            series = self.frame[key]
            plain = isinstance(series.dtype, np.dtype) and series.dtype.kind in "biuf"
            text = None if plain else _arrow_text(series)
            column = series.to_numpy() if plain else series.array if text is None else text
            self._columns[key] = column
        return column

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A view asks each cell for a dozen roles (font, colours, icon, ...) to paint or
        # measure it; only two need the value, so the others never read it.
        if role not in _ROLES or not self._valid(index):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else None
        if role == Qt.ItemDataRole.ToolTipRole:
            row = index.row()
            return (self.row_tooltips[row] or None) if row < len(self.row_tooltips) else None
        value = self.value(index.row(), column.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.format(value)
        if value is None:
            return None
        return value.item() if hasattr(value, "item") else value


class _ArrowTextCells:
    """An Arrow-backed text column read a cell at a time, straight from Arrow: ten times
    quicker than pandas' element access, and nothing is converted up front."""

    def __init__(self, array: pa.ChunkedArray) -> None:
        self._array = array

    def __getitem__(self, row: int) -> str | None:
        value: str | None = self._array[row].as_py()
        return value


def _arrow_text(series: pd.Series) -> _ArrowTextCells | None:
    """The column's cells when it is text held by Arrow (the drill-down's ids and labels)."""
    dtype = series.dtype
    arrow = isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and str(dtype.storage).startswith("pyarrow")
    )
    if not arrow:
        return None
    array = series.array.__arrow_array__()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    return _ArrowTextCells(pa.chunked_array(array))
