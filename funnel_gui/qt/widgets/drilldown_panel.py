"""DrillDownPanel: who dropped between two steps, and what they did next.

The charts emit `sig_drill_down(step)` when the user clicks a drop-off; this panel lists the
units who reached step k-1 but not step k (`core.drilldown`), with a sortable table, a small
"What they did next" table, a filter to hide those still inside their window, and CSV
export / Copy of the list. Each unit's reason for stopping (§14) is a column, and selecting
one shows its events around the funnel beside the list (`UnitTimeline`). The Paths view
hands it the people on one path instead (`show_units`). The lists are made in a worker;
`sig_listed` says when one is shown. The window only asks for them while the panel is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.drilldown import reached_label
from funnel_gui.core.analysis.unit_words import unit_title, unit_word
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.filenames import suggested_name
from funnel_gui.core.safe_csv import frame_to_csv, write_frame_csv
from funnel_gui.qt.models.dropped_units import (
    DEFAULT_SORT,
    DropList,
    DroppedUnitsModel,
    UnitsPick,
    list_drop,
    list_units,
    shown_units,
    sorted_rows,
    unit_columns,
)
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.save_dialog import save_with_dialog
from funnel_gui.qt.text import format_count, format_percent
from funnel_gui.qt.widgets.drilldown_parts import (
    ShareBarDelegate,
    iso,
    pick_still_holds,
    step_name,
    table_view,
)
from funnel_gui.qt.widgets.unit_timeline import UnitTimeline
from funnel_gui.qt.workers import TaskRunner, failure_text

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ArrangedUnits:
    """The units' rows made in a worker: filtered anew (`frame` only), or `source` sorted
    (with the new row of each old one, to keep the selection)."""

    frame: pd.DataFrame
    new_row_of_old: np.ndarray | None = None
    source: pd.DataFrame | None = None


PICK_A_DROP_TEXT = "Click a drop-off in a chart to see who left there and what they did next"


class DrillDownPanel(QWidget):
    # Written after a CSV export, with the file's path (for a status bar message).
    sig_exported = Signal(str)
    # A list asked for (show_drop, set_data) is shown, or the reason there is none.
    sig_listed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillDownPanel")
        self.result: FunnelResult | None = None
        self.table: EventTable | None = None
        self.step: int | None = None
        self.pick: UnitsPick | None = None  # the units listed, when not a drop-off's
        # The result and table the listed rows come from (a pick's own funnel for a path).
        self._listed: tuple[FunnelResult, EventTable] | None = None
        self.dropped = pd.DataFrame()  # every dropped unit (core.drilldown.dropped_at)
        self.next_frame = pd.DataFrame()
        # Listing, filtering and sorting hundreds of thousands of units run in workers.
        self._lister: TaskRunner[DropList] = TaskRunner(self)
        self._lister.sig_done.connect(self._on_listed)
        self._lister.sig_failed.connect(self._on_list_failed)
        self._arranger: TaskRunner[ArrangedUnits] = TaskRunner(self)
        self._arranger.sig_done.connect(self._on_arranged)
        self._arranger.sig_failed.connect(self._on_list_failed)

        self.title = QLabel()
        self.title.setObjectName("drillDownTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setObjectName("drillDownSubtitle")

        self.hide_open = QCheckBox("Hide still open")
        self.hide_open.setToolTip(
            "Hide those whose conversion window has not ended yet: they may still convert"
        )
        self.hide_open.toggled.connect(self._filter_units)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the listed people as a CSV file")
        self.export_button.clicked.connect(self.export_csv_dialog)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the listed people as tab-separated text")
        self.copy_button.clicked.connect(self.copy)
        controls = QHBoxLayout()
        controls.addWidget(self.hide_open)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        controls.addWidget(self.copy_button)

        self.units_model = DroppedUnitsModel([Column("actor", "Person")], self, sort_elsewhere=True)
        self.units_model.sig_sort_requested.connect(self._sort_units)
        self.units_view = table_view("drillDownUnits")
        self.units_view.setModel(self.units_model)
        self.units_view.setSortingEnabled(True)
        # Enabling sorting sorted the empty model by column 0: start from time order again.
        self.units_model.sorted_by = DEFAULT_SORT

        self.next_model = FrameTableModel(
            [
                Column("event", "Event", tooltip="The event right after their last step"),
                Column("people", "People", format_count, "How many did this next", True),
                Column("share", "Share", format_percent, "Share of those who dropped", True),
            ],
            self,
        )
        self.next_proxy = QSortFilterProxyModel(self)
        self.next_proxy.setSourceModel(self.next_model)
        self.next_proxy.setSortRole(VALUE_ROLE)
        self.next_view = table_view("drillDownNext")
        self.next_view.setModel(self.next_proxy)
        self.next_view.setItemDelegateForColumn(2, ShareBarDelegate(self.next_view))
        next_box = QWidget()
        next_layout = QVBoxLayout(next_box)
        next_layout.setContentsMargins(0, 0, 0, 0)
        next_title = QLabel("What they did next")
        next_title.setFont(font)
        next_layout.addWidget(next_title)
        next_layout.addWidget(self.next_view)

        # §14 and the per-person timeline: a selected row shows its events beside the list.
        self.timeline = UnitTimeline()
        self.side_tabs = QTabWidget()
        self.side_tabs.setObjectName("drillDownSide")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(next_box, "What they did next")
        self.side_tabs.addTab(self.timeline, "Their events")
        self.units_view.selectionModel().currentRowChanged.connect(self._on_unit_selected)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.units_view)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(controls)
        body_layout.addWidget(self.splitter, 1)
        self.empty_label = QLabel(PICK_A_DROP_TEXT)
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(body)
        self._body = body

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.stack, 1)
        self.clear()

    # ------------------------------------------------------------------ public API

    def set_data(self, result: FunnelResult | None, table: EventTable | None) -> None:
        """A new result (after a recompute): the panel follows it for the step it shows."""
        self.result, self.table = result, table
        if pick_still_holds(self.pick, result, table):
            return  # the same funnel on the same rows: the path's people still hold
        if self.step is None or result is None or table is None:
            self.clear()
            return
        if 2 <= self.step <= result.definition.n_steps:
            self.show_drop(result, table, self.step)
        else:
            self.clear()

    def show_step(self, step: int) -> None:
        """Slot for the charts' `sig_drill_down(step)`; uses the data given to set_data."""
        if self.result is not None and self.table is not None:
            self.show_drop(self.result, self.table, step)

    def show_drop(self, result: FunnelResult, table: EventTable, step: int) -> None:
        """List the units who reached step `step`-1 but not `step` (in a worker; the last
        list stays until this one is ready, then `sig_listed`)."""
        self.result, self.table, self.step, self.pick = result, table, step, None
        self._listed = (result, table)
        hide_open, sort_by = self.hide_open.isChecked(), self.units_model.sorted_by
        self._arranger.cancel()  # the list on its way is filtered and sorted as shown now
        self._lister.start(
            lambda _progress, _cancelled: list_drop(result, table, step, hide_open, sort_by)
        )

    def show_units(self, pick: UnitsPick) -> None:
        """List the units of `pick` (the people on one path) in a worker, as `show_drop`."""
        self.step, self.pick, self._listed = None, pick, (pick.result, pick.table)
        hide_open, sort_by = self.hide_open.isChecked(), self.units_model.sorted_by
        self._arranger.cancel()
        self._lister.start(lambda _progress, _cancelled: list_units(pick, hide_open, sort_by))

    def _on_unit_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """A person was selected: their events around the funnel, beside the list."""
        frame, listed = self.units_model.frame, self._listed
        if not current.isValid() or listed is None or "unit" not in frame:
            return
        row = frame.iloc[current.row()]
        who = str(row["actor"]) + (f" (session {row['session']})" if "session" in frame else "")
        self.timeline.show_unit(listed[0], listed[1], int(row["unit"]), who)
        self.side_tabs.setCurrentWidget(self.timeline)

    def _on_list_failed(self, error: Exception) -> None:
        self._show_message("", failure_text(error))
        self.sig_listed.emit()

    def _on_listed(self, listing: DropList) -> None:
        result = self.result
        if listing.problem is not None or result is None:
            self._show_message("", listing.problem or PICK_A_DROP_TEXT)
            self.sig_listed.emit()
            return
        self.dropped, self.next_frame = listing.dropped, listing.next_events
        self.timeline.clear()
        if self.pick is not None and listing.step == 0:
            self._show_pick(self.pick, listing.shown)
        else:
            self._show_list(result, listing.step, listing.shown)
        self.sig_listed.emit()

    def _show_pick(self, pick: UnitsPick, shown: pd.DataFrame) -> None:
        self.title.setVisible(True)
        self.title.setText(pick.title)
        self.subtitle.setText(pick.subtitle)
        self.units_model.set_columns(unit_columns(pick.result))
        self._set_units(shown)
        self.next_model.set_frame(self.next_frame)
        self.next_proxy.sort(-1)
        self.stack.setCurrentWidget(self._body)

    def _show_list(self, result: FunnelResult, step: int, shown: pd.DataFrame) -> None:
        before, after = reached_label(result, step), step_name(result, step)
        n, still_open = len(self.dropped), int(self.dropped["still_open"].sum())
        if not n:
            self._show_message(
                f"Nobody dropped between {before} and {after}",
                f"Everyone who reached {before} went on to {after}.",
            )
            return
        who = unit_word(result, n)
        self.title.setVisible(True)
        self.title.setText(
            f"{n:,} {who} dropped between {before} and {after} · {still_open:,} still open"
        )
        self.subtitle.setText(
            f"Reached {before} but not {after} (excluded ones are not listed). "
            "Still open: their conversion window has not ended, so they may yet convert."
        )
        self.units_model.set_columns(unit_columns(result))
        self.next_model.rename("people", unit_title(result))
        who = unit_word(result)
        self.export_button.setToolTip(f"Save the listed {who} as a CSV file")
        self.copy_button.setToolTip(f"Copy the listed {who} as tab-separated text")
        self._set_units(shown)
        self.next_model.set_frame(self.next_frame)
        self.next_proxy.sort(-1)
        self.next_view.resizeColumnsToContents()
        self.stack.setCurrentWidget(self._body)

    def clear(self) -> None:
        self._lister.cancel()  # a list on its way is no longer wanted
        self._arranger.cancel()
        self.step, self.pick, self._listed = None, None, None
        self.timeline.clear()
        self.dropped = pd.DataFrame()
        self.next_frame = pd.DataFrame()
        self._show_message("", PICK_A_DROP_TEXT)

    def shown_units(self) -> pd.DataFrame:
        """The units as listed: filtered by "Hide still open" and in the table's order
        (without the rows' numbers in the result, which only the timeline needs)."""
        return self.units_model.frame.drop(columns=["unit"], errors="ignore")

    def export_csv(self, path: Path | str) -> None:
        """Write the listed units as CSV (times as ISO 8601 UTC), atomically."""
        frame = self.shown_units()
        if "time_reached" in frame:
            frame["time_reached"] = frame["time_reached"].map(iso)
        write_frame_csv(frame, path)  # atomic, and safe to open in a spreadsheet

    def copy(self) -> None:
        frame = self.shown_units()
        QApplication.clipboard().setText(frame_to_csv(frame, sep="\t"))

    def export_csv_dialog(self) -> None:
        if self.dropped.empty:
            return
        name = self.result.definition.name if self.result is not None else ""
        stem = suggested_name(name, f"dropped before step {self.step}", "")
        path = save_with_dialog(self, "Export", stem, "CSV (*.csv)", (".csv",), self.export_csv)
        if path is not None:
            self.sig_exported.emit(path)

    # ------------------------------------------------------------------ internals

    def _filter_units(self) -> None:
        """ "Hide still open" changed: the rows again from everyone who dropped."""
        dropped, hide_open = self.dropped, self.hide_open.isChecked()
        sort_by = self.units_model.sorted_by
        self._arranger.start(
            lambda _progress, _cancelled: ArrangedUnits(shown_units(dropped, hide_open, sort_by))
        )

    def _sort_units(self, key: str, order: Qt.SortOrder) -> None:
        """A header was clicked: the rows shown, in the new order (ties keep theirs)."""
        frame, ascending = self.units_model.frame, order == Qt.SortOrder.AscendingOrder
        self._arranger.start(
            lambda _progress, _cancelled: ArrangedUnits(*sorted_rows(frame, key, ascending), frame)
        )

    def _on_arranged(self, arranged: ArrangedUnits) -> None:
        if arranged.new_row_of_old is None:
            self._set_units(arranged.frame)
        elif arranged.source is self.units_model.frame:  # still the rows that were sorted
            self.units_model.show_sorted(arranged.frame, arranged.new_row_of_old)
        self.sig_listed.emit()

    def _set_units(self, frame: pd.DataFrame) -> None:
        """Show `frame`, filtered and in `units_model.sorted_by` order already."""
        self.units_model.set_frame(frame)
        key, order = self.units_model.sorted_by
        column = self.units_model.column_of(key)
        if column < 0:
            key, order = DEFAULT_SORT
            column = self.units_model.column_of(key)
            self.units_model.sorted_by = (key, order)
        header = self.units_view.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        self.units_view.resizeColumnsToContents()
        enabled = not frame.empty
        self.export_button.setEnabled(enabled)
        self.copy_button.setEnabled(enabled)

    def _show_message(self, title: str, message: str) -> None:
        self.title.setText(title)
        self.title.setVisible(bool(title))
        self.subtitle.clear()
        self.empty_label.setText(message)
        self.stack.setCurrentWidget(self.empty_label)
        self.export_button.setEnabled(False)
        self.copy_button.setEnabled(False)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Side by side in a wide dock, one above the other in a tall one.
        wide = event.size().width() >= 1.2 * event.size().height()
        self.splitter.setOrientation(Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical)
