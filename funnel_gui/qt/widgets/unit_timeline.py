"""UnitTimeline: one person's events around the funnel, in the drill-down panel.

From a few events before their step-1 event to some after the last one matched
(`core.analysis.timeline`), the matched events in bold with their step, the events past
their window greyed. Made in a worker when a row of the drill-down's list is selected;
`sig_shown` says when it is on screen.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QStackedWidget, QTableView, QVBoxLayout, QWidget

from funnel_gui.core.analysis.timeline import unit_timeline
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.qt.charts.base import muted_colour
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.text import format_flag, format_time
from funnel_gui.qt.workers import TaskRunner, failure_text

Index = QModelIndex | QPersistentModelIndex
PICK_A_PERSON_TEXT = "Select someone in the list to see their events around the funnel"
COLUMNS = (
    Column("time", "Time (UTC)", format_time),
    Column("event", "Event"),
    Column("step_label", "Matched step", tooltip="The funnel step this event counted as"),
    Column("in_window", "In window", format_flag, "Inside their conversion window"),
)


class TimelineModel(FrameTableModel):
    """The events; the matched ones bold, those outside the window in a muted colour."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and self._valid(index):
            if self.value(index.row(), "step") is not None:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.ForegroundRole and self._valid(index):
            inside = self.value(index.row(), "in_window")
            return muted_colour() if inside is not True else None
        return super().data(index, role)


class UnitTimeline(QWidget):
    sig_shown = Signal()  # a timeline (or why there is none) is shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitTimeline")
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.model = TimelineModel(self)
        self.view = QTableView()
        self.view.setObjectName("unitTimelineTable")
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.empty = QLabel(PICK_A_PERSON_TEXT)
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self._runner: TaskRunner[pd.DataFrame] = TaskRunner(self)
        self._runner.sig_done.connect(self._on_made)
        self._runner.sig_failed.connect(lambda error: self._message(failure_text(error)))
        self.clear()

    def show_unit(self, result: FunnelResult, table: EventTable, unit: int, who: str) -> None:
        """The events of the result's `unit`-th unit (called `who`), made in a worker."""
        self.title.setText(f"{who} · matched steps in bold")
        self._runner.start(lambda _progress, _cancelled: unit_timeline(result, table, unit))

    def clear(self) -> None:
        self._runner.cancel()
        self.title.clear()
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in COLUMNS] + ["step"]))
        self.stack.setCurrentWidget(self.empty)
        self.empty.setText(PICK_A_PERSON_TEXT)

    def _message(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)
        self.sig_shown.emit()

    def _on_made(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            self._message("No matched events for this person (excluded from the funnel).")
            return
        self.model.set_frame(frame)
        self.view.resizeColumnsToContents()
        self.stack.setCurrentWidget(self.view)
        self.sig_shown.emit()
