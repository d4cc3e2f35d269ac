"""The drill-down's list of who dropped: its table model, and the listing itself, which
runs in a worker (hundreds of thousands of units at 10M events take a good part of a
second to list, and must not hold up the window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from funnel_gui.core.analysis.drilldown import dropped_at, next_events
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.text import format_flag, format_text, format_time

DEFAULT_SORT = ("time_reached", Qt.SortOrder.AscendingOrder)


@dataclass(frozen=True)
class DropList:
    """Who dropped before `step` (in `sorted_by` order) and what they did next; or the
    reason there is no such list (`problem`, e.g. step 1 has no drop-off)."""

    step: int
    dropped: pd.DataFrame
    next_events: pd.DataFrame
    sorted_by: tuple[str, Qt.SortOrder] = DEFAULT_SORT
    problem: str | None = None


def list_drop(
    result: FunnelResult, table: EventTable, step: int, sort_by: tuple[str, Qt.SortOrder]
) -> DropList:
    """The work of a drill-down task: core's lists, sorted the way the table shows them."""
    try:
        dropped = dropped_at(result, step)
        after = next_events(result, table, step)
    except ValueError as exc:
        return DropList(step, pd.DataFrame(), pd.DataFrame(), problem=str(exc))
    key, order = sort_by
    if sort_by == DEFAULT_SORT or key not in dropped:
        return DropList(step, dropped, after)  # core lists them by time reached
    ascending = order == Qt.SortOrder.AscendingOrder
    return DropList(step, sorted_units(dropped, key, ascending), after, sort_by)


def sorted_units(frame: pd.DataFrame, key: str, ascending: bool) -> pd.DataFrame:
    """Stable, missing values last: ties keep their previous order."""
    ordered = frame.sort_values(key, ascending=ascending, kind="stable", na_position="last")
    return ordered.reset_index(drop=True)


def unit_columns(result: FunnelResult) -> list[Column]:
    """The session column only for session funnels, the breakdown's only when there is one."""
    columns = [Column("actor", "Person", tooltip="The id in the export")]
    if result.units.session is not None:
        columns.append(Column("session", "Session", tooltip="The session id in the export"))
    columns += [
        Column("reached_label", "Reached", tooltip="The last step they reached"),
        Column(
            "time_reached",
            "Reached at (UTC)",
            format_time,
            "When they did it (the event of their reported attempt)",
        ),
    ]
    if result.units.breakdown is not None and result.breakdown is not None:
        columns.append(Column("breakdown", result.breakdown.property, format_text))
    columns.append(
        Column("still_open", "Still open", format_flag, "Their window has not ended yet")
    )
    return columns


class DroppedUnitsModel(FrameTableModel):
    """The dropped units; sorting reorders the frame with pandas, so a list of hundreds of
    thousands sorts in a blink instead of a Python comparison per pair of rows."""

    sorted_by: tuple[str, Qt.SortOrder] = DEFAULT_SORT

    def set_columns(self, columns: list[Column]) -> None:
        self.beginResetModel()
        self.columns = tuple(columns)
        self.COLUMNS = tuple(c.header for c in columns)
        self.TOOLTIPS = tuple(c.tooltip for c in columns)
        self.endResetModel()

    def column_of(self, key: str) -> int:
        return next((i for i, c in enumerate(self.columns) if c.key == key), -1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].key
        self.sorted_by = (key, order)
        if self.frame.empty or key not in self.frame:
            return
        ascending = order == Qt.SortOrder.AscendingOrder
        self.layoutAboutToBeChanged.emit()
        old_rows = self.frame.index.to_numpy()
        ordered = self.frame.sort_values(
            key, ascending=ascending, kind="stable", na_position="last"
        )
        new_row_of_old = np.empty(len(old_rows), dtype=np.int64)
        new_row_of_old[ordered.index.to_numpy()] = np.arange(len(old_rows))
        self.frame = ordered.reset_index(drop=True)
        # Keep the selection on the same units.
        for index in self.persistentIndexList():
            moved = self.index(int(new_row_of_old[index.row()]), index.column())
            self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()
