"""DriversView: which early actions are associated with reaching the macro step (§12).

Unlike the other views, its data is not a function of the funnel's result alone: it needs
the prepared table and takes longer, so it is not computed with every funnel. It runs in
the view's own worker, with progress and Cancel, only while the tab is shown (or when an
export or screenshot asks), for the definition the shown result was computed from; a new
result (any edit, these settings included) asks again. The selected candidate's curves and
people come from a second worker. `draw()` only places what was computed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from funnel_gui.core.analysis.drivers_details import as_micro_conversion
from funnel_gui.core.analysis.drivers_result import Candidate
from funnel_gui.core.definition.model import DriversSettings
from funnel_gui.core.editing.commands import SetDriversSettings, SetMicroConversions
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.analysis import ViewData
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.qt.charts.drivers_chart import DriversChart
from funnel_gui.qt.charts.drivers_controls import DriversControls
from funnel_gui.qt.charts.drivers_data import (
    CandidateDetails,
    DriversData,
    candidate_details,
    drivers_data,
)
from funnel_gui.qt.charts.drivers_details import DriversDetails
from funnel_gui.qt.charts.drivers_words import (
    ALREADY_IN_TRAY,
    BASELINE_NO_MICRO,
    REPEAT_NO_MICRO,
    TABLE_COLUMNS,
    candidate_hover_text,
    header_text,
)
from funnel_gui.qt.charts.fitting import NoteLabel, chart_splitter
from funnel_gui.qt.charts.parts import sorted_frame_table
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.theme import WARNING_HEX
from funnel_gui.qt.widgets.scrolling import MinimumColumn, scrolled
from funnel_gui.qt.workers import TaskRunner

NOTE_STYLE = f"color: {WARNING_HEX};"
# The least height the view asks of the window; below its own needs it scrolls.
BODY_MIN_HEIGHT = 240


class DriversView(ChartView[DriversSettings, DriversData]):
    name = "drivers"
    title = "Drivers"
    computed_with_funnel: ClassVar[bool] = False

    # The selected candidate's curves and people were drawn.
    sig_details_drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self._data_for, parent)
        self.session: AppSession | None = None
        self.data: DriversData | None = None
        self.frame = pd.DataFrame()
        self._pending = False  # a request waits for the tab to be shown
        # A funnel's first look adjusts for the suggested properties (and saves them).
        self._suggest = True
        self.controls = DriversControls()
        self.header = QLabel()
        self.header.setObjectName("driversHeader")
        self.note = NoteLabel()
        self.note.setObjectName("driversNote")
        self.note.setStyleSheet(NOTE_STYLE)
        self.chart = DriversChart()
        self.model, self.proxy, self.table = sorted_frame_table(TABLE_COLUMNS, self)
        self.table.setObjectName("driversTable")
        self.details = DriversDetails()
        self._details_runner: TaskRunner[CandidateDetails] = TaskRunner(self)
        left = chart_splitter(self.chart, self.table, chart_share=2)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([3000, 2000])
        # Settings, words, chart, table and details need more height than a 1280×720
        # window leaves the tabs: they scroll a little there instead of setting the
        # window's minimum height (every tab shares the tallest one's).
        body = QWidget()
        column = MinimumColumn(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.controls)
        column.addWidget(self.header)
        column.addWidget(self.note)
        column.addWidget(self.splitter, 1)
        self.content.addWidget(scrolled(body, BODY_MIN_HEIGHT), 1)
        self._connect()

    def _connect(self) -> None:
        runner = self._data_runner
        runner.sig_started.connect(lambda: self.controls.set_busy(True, "Computing…"))
        runner.sig_progress.connect(self.controls.set_progress)
        runner.sig_done.connect(lambda _data: self.controls.set_busy(False))
        runner.sig_failed.connect(lambda _error: self.controls.set_busy(False))
        runner.sig_cancelled.connect(lambda: self.controls.set_busy(False))
        self.controls.sig_cancel.connect(self.cancel)
        self.controls.sig_compute.connect(self.request_data)
        self.controls.sig_settings_changed.connect(self._on_settings_changed)
        self.chart.sig_row_clicked.connect(lambda row: self.select(self.chart.rows[row].label))
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._on_table_row)
        self.details.sig_add_micro.connect(self.add_as_micro_conversion)
        self._details_runner.sig_done.connect(self._on_details)

    def connect_session(self, session: AppSession) -> None:
        self.session = session
        session.sig_document_replaced.connect(self._on_new_funnel)

    # ------------------------------------------------------------------ data

    def view_options(self) -> DriversSettings:
        return self.result.definition.drivers if self.result is not None else DriversSettings()

    def _data_for(self, result: FunnelResult, _options: DriversSettings) -> DriversData:
        """Drivers for `result`'s funnel, computed here (an export waits for it)."""
        prepared = self.session.prepared if self.session is not None else None
        if prepared is None:
            raise UserFacingError("There is no data to look for drivers in.")
        return drivers_data(prepared, result.definition, preselect=self._suggest)

    def _can_compute(self) -> bool:
        result = self.result
        return (
            result is not None
            and bool(result.steps)
            and self.session is not None
            and self.session.prepared is not None
        )

    def request_data(self) -> None:
        self._view_data = None
        if not self._can_compute() or self.session is None or self.result is None:
            self._data_runner.cancel()
            return
        if not self.isVisible():
            self._pending = True  # nobody is looking: computed when the tab is shown
            return
        self._pending = False
        prepared, definition = self.session.prepared, self.result.definition
        assert prepared is not None
        preselect = self._suggest

        def work(progress: Progress, cancelled: Cancelled) -> ViewData:
            data = drivers_data(
                prepared, definition, preselect=preselect, progress=progress, cancelled=cancelled
            )
            return ViewData(definition.drivers, data)

        self._data_runner.start(work)

    def cancel(self) -> None:
        """Stop the computation (the Cancel button); the last drawing stays."""
        self._data_runner.cancel()
        self.controls.set_busy(False, "Cancelled")

    def ensure_drawn(self) -> None:
        if self._view_data is None and self._can_compute() and self.result is not None:
            self._data_runner.cancel()
            try:
                self._view_data = self.view_job()(self.result)
            except UserFacingError as error:
                self._view_data = ViewData(self.view_options(), error=error.message)
            self._stale = True
        if self._stale:
            self.refresh()
        candidate, data = self.details.candidate, self.data
        if candidate is not None and self.details.details is None and data is not None:
            self._details_runner.cancel()
            self._on_details(candidate_details(data, candidate))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending:
            self.request_data()

    # ------------------------------------------------------------------ drawing

    def draw(self, result: FunnelResult, data: DriversData) -> str | None:
        self.details.counted = result.counted
        previous = self.details.candidate.label if self.details.candidate is not None else None
        self.data = data
        r = data.analysis.result
        self._suggest = False  # this funnel has had its first look
        settings = replace(result.definition.drivers, adjust_for=tuple(r.adjust_for))
        self.controls.set_state(settings, data.properties, data.suggestions)
        self.header.setText(header_text(r))
        self.note.setText(r.note)
        self.chart.set_result(r)
        self.frame = r.frame()
        tips = [candidate_hover_text(c) for c in (r.baseline, *r.candidates)]
        self.model.set_frame(self.frame, tips)
        self.proxy.sort(-1)
        labels = [c.label for c in r.candidates]
        self.select(previous if previous in labels else (labels[0] if labels else None))
        if data.preselected:
            # Saved once this drawing is done: an edit starts a recompute of its own.
            QTimer.singleShot(0, lambda: self._save_adjust_for(data.preselected))
        return None

    def clear(self) -> None:
        self.data = None
        self.frame = pd.DataFrame()
        self.chart.set_result(None)
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in TABLE_COLUMNS]))
        self.header.clear()
        self.note.setText("")
        self.details.show_candidate(None)

    def plot_widget(self) -> pg.PlotWidget | None:
        chart = getattr(self, "chart", None)  # asked before __init__ has made it
        return chart.plot if chart is not None else None

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"drivers": self.frame} if len(self.frame) else {}
        if self.details.details is not None:
            out["nudge"] = self.details.nudge_frame()
        return out

    # ------------------------------------------------------------------ selection

    def candidate(self, label: str | None) -> Candidate | None:
        if self.data is None or label is None:
            return None
        r = self.data.analysis.result
        return next((c for c in (r.baseline, *r.candidates) if c.label == label), None)

    def select(self, label: str | None) -> None:
        """Select the candidate called `label` in the chart, the table and the details."""
        candidate = self.candidate(label)
        all_labels = list(self.frame["candidate"]) if len(self.frame) else []
        ranked = [c.label for c in self.data.analysis.result.candidates] if self.data else []
        self.chart.select_row(ranked.index(label) if label in ranked else -1)
        if label in all_labels:
            source = self.model.index(all_labels.index(label), 0)
            current = self.proxy.mapFromSource(source)
            if self.table.currentIndex().row() != current.row():
                self.table.selectionModel().setCurrentIndex(
                    current,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        if candidate is self.details.candidate and candidate is not None:
            return
        self.details.show_candidate(candidate, self._micro_reason(candidate))
        if candidate is not None and self.data is not None:
            data = self.data
            self._details_runner.start(lambda _p, _c: candidate_details(data, candidate))

    def _on_table_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or not len(self.frame):
            return
        row = self.proxy.mapToSource(current).row()
        self.select(str(self.frame["candidate"].iloc[row]))

    def _on_details(self, details: CandidateDetails) -> None:
        self.details.show_details(details)
        self.sig_details_drawn.emit()

    # ------------------------------------------------------------------ edits

    def _micro_reason(self, candidate: Candidate | None) -> str | None:
        if candidate is None:
            return None
        micro = as_micro_conversion(candidate)
        if micro is None:
            return BASELINE_NO_MICRO if candidate.kind == "baseline" else REPEAT_NO_MICRO
        if self.session is not None and micro in self.session.definition.micro_conversions:
            return ALREADY_IN_TRAY
        return None

    def add_as_micro_conversion(self) -> bool:
        """Put the selected candidate in the funnel's micro-conversion tray, undoably."""
        candidate = self.details.candidate
        micro = as_micro_conversion(candidate) if candidate is not None else None
        if micro is None or self.session is None or self._micro_reason(candidate) is not None:
            return False
        micros = self.session.definition.micro_conversions
        added = self.session.edit(SetMicroConversions((*micros, micro)))
        if added:
            self.details.micro_button.setEnabled(False)
            self.details.micro_button.setToolTip(ALREADY_IN_TRAY)
        return added

    def _on_settings_changed(self, settings: DriversSettings) -> None:
        self._suggest = False  # the person chose; never override it
        if self.session is not None:
            self.session.edit(SetDriversSettings(settings))

    def _save_adjust_for(self, properties: tuple[str, ...]) -> None:
        session = self.session
        if session is None or session.definition.drivers.adjust_for:
            return
        settings = replace(session.definition.drivers, adjust_for=properties)
        session.edit(SetDriversSettings(settings))

    def _on_new_funnel(self) -> None:
        self._suggest = True
