"""The drill-down's list of who dropped: its table model, and the listing itself, which
runs in a worker (hundreds of thousands of units at 10M events take a good part of a
second to list, and must not hold up the window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal

from funnel_gui.core.analysis.drilldown import dropped_at, next_events, next_events_of
from funnel_gui.core.analysis.reason_words import reason_word
from funnel_gui.core.analysis.unit_lists import units_frame
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.text import format_flag, format_text, format_time

DEFAULT_SORT = ("time_reached", Qt.SortOrder.AscendingOrder)


SortBy = tuple[str, Qt.SortOrder]


@dataclass(frozen=True)
class DropList:
    """Who dropped before `step` and what they did next; or the reason there is no such
    list (`problem`, e.g. step 1 has no drop-off)."""

    step: int
    dropped: pd.DataFrame  # everyone who dropped, earliest to reach the step first
    shown: pd.DataFrame  # as the table lists them: filtered and sorted as asked
    next_events: pd.DataFrame
    problem: str | None = None


def list_drop(
    result: FunnelResult, table: EventTable, step: int, hide_open: bool, sort_by: SortBy
) -> DropList:
    """The work of a drill-down task: core's lists, and the table's rows made from them."""
    try:
        dropped = dropped_at(result, step)
        after = next_events(result, table, step)
    except ValueError as exc:
        empty = pd.DataFrame()
        return DropList(step, empty, empty, empty, problem=str(exc))
    return DropList(step, dropped, shown_units(dropped, hide_open, sort_by), after)


@dataclass(frozen=True)
class UnitsPick:
    """Units picked elsewhere than at a drop-off (the people on one path, §13), for the
    drill-down to list: `index` are rows of `result.units`, `result` computed on `table`."""

    title: str
    subtitle: str
    result: FunnelResult
    table: EventTable
    index: np.ndarray


def list_units(pick: UnitsPick, hide_open: bool, sort_by: SortBy) -> DropList:
    """The work of listing a pick: its units' rows, and what they did after their last
    step. `step` is 0: the list is of no one drop-off."""
    frame = units_frame(pick.result, pick.index)
    mask = np.zeros(len(pick.result.units.actor), dtype=bool)
    mask[pick.index] = True
    after = next_events_of(pick.result, pick.table, mask)
    return DropList(0, frame, shown_units(frame, hide_open, sort_by), after)


def shown_units(dropped: pd.DataFrame, hide_open: bool, sort_by: SortBy) -> pd.DataFrame:
    """The rows the table lists: without those still open when asked, in `sort_by` order
    (ties in core's order: earliest first)."""
    frame = dropped[~dropped["still_open"]] if hide_open and len(dropped) else dropped
    key, order = sort_by
    if sort_by == DEFAULT_SORT or key not in frame:  # core lists them by time reached
        return frame.reset_index(drop=True)
    return sorted_rows(frame, key, order == Qt.SortOrder.AscendingOrder)[0]


def sorted_rows(frame: pd.DataFrame, key: str, ascending: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """`frame` (numbered 0..n-1) sorted by `key`, stable (ties keep their order), missing
    values last; and the new row of each old one, to keep a selection on its units."""
    ordered = frame.sort_values(key, ascending=ascending, kind="stable", na_position="last")
    new_row_of_old = np.empty(len(frame), dtype=np.int64)
    new_row_of_old[ordered.index.to_numpy()] = np.arange(len(frame))
    return ordered.reset_index(drop=True), new_row_of_old


def unit_columns(result: FunnelResult) -> list[Column]:
    """The session column only for session funnels, the breakdown's only when there is one,
    why they stopped (§14) when the result says."""
    columns = [Column("actor", "Person", tooltip="The id in the export")]
    if result.units.session is not None:
        columns.append(Column("session", "Session", tooltip="The session id in the export"))
    columns.append(Column("reached_label", "Reached", tooltip="The last step they reached"))
    if result.units.reason is not None:
        why = "Why their attempt ended before the next step; select a row to see their events"
        columns.append(Column("reason", "Why they stopped", reason_word, why))
    columns.append(
        Column(
            "time_reached",
            "Reached at (UTC)",
            format_time,
            "When they did it (the event of their reported attempt)",
        )
    )
    if result.units.breakdown is not None and result.breakdown is not None:
        columns.append(Column("breakdown", result.breakdown.property, format_text))
    columns.append(
        Column("still_open", "Still open", format_flag, "Their window has not ended yet")
    )
    return columns


class DroppedUnitsModel(FrameTableModel):
    """The dropped units, sorted with pandas (a list of hundreds of thousands sorts in a
    blink instead of a Python comparison per pair of rows).

    With `sort_elsewhere`, a sort the view asks for (a header click) is only announced on
    `sig_sort_requested`: the owner sorts off the GUI thread and hands the rows back to
    `show_sorted`."""

    sig_sort_requested = Signal(str, object)  # the key and the Qt.SortOrder

    def __init__(
        self, columns: Sequence[Column], parent: Any = None, *, sort_elsewhere: bool = False
    ) -> None:
        super().__init__(columns, parent)
        self.sorted_by: SortBy = DEFAULT_SORT
        self.sort_elsewhere = sort_elsewhere

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
        if self.sort_elsewhere:
            self.sig_sort_requested.emit(key, order)
            return
        ordered, new_row_of_old = sorted_rows(self.frame, key, order == Qt.SortOrder.AscendingOrder)
        self.show_sorted(ordered, new_row_of_old)

    def show_sorted(self, ordered: pd.DataFrame, new_row_of_old: np.ndarray) -> None:
        """The same rows in a new order; the selection stays on the same units."""
        self.layoutAboutToBeChanged.emit()
        self.frame = ordered
        for index in self.persistentIndexList():
            moved = self.index(int(new_row_of_old[index.row()]), index.column())
            self.changePersistentIndex(index, moved)
        self.layoutChanged.emit()
