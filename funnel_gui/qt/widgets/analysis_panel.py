"""AnalysisPanel: the funnel's headline numbers above the analysis views, as tabs.

Layout only (TagStudio's split): the session decides when to compute; this panel shows
whatever it reports, hands each result and its data to every view (a hidden view draws
when it is shown), and keeps the last drawing while a recompute runs. It also tells the
session which data its views need, so the analysis task computes it with the funnel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.unit_words import unit_word
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.analysis import NEEDS_MEMORY_TEXT, AnalysisOutcome, ViewJob
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.text import format_percent
from funnel_gui.qt.theme import ERROR_HEX, WARNING_HEX
from funnel_gui.qt.workers import failure_text

BUSY_TEXT = "Computing…"
WARNING_STYLE = f"color: {WARNING_HEX};"
ERROR_STYLE = f"color: {ERROR_HEX};"
SHOWN_WARNINGS = 2  # more are counted, and listed in the tooltip


def header_text(result: FunnelResult) -> str:
    """ "3,083 people entered · 310 converted (10.1%) · 0 excluded"."""
    who = unit_word(result)
    last = result.steps[-1] if result.steps else None
    converted = last.count if last is not None else 0
    rate = format_percent(last.from_start if last is not None else None)
    return (
        f"{result.actors_entered:,} {who} entered · {converted:,} converted ({rate})"
        f" · {result.excluded:,} excluded"
    )


def warnings_text(warnings: Sequence[str], shown: int = SHOWN_WARNINGS) -> tuple[str, str]:
    """The first `shown` warnings and how many more (the label's text), and all of them
    (its tooltip): a long list must not push the charts off a laptop's screen."""
    every = "\n".join(warnings)
    if len(warnings) <= shown:
        return every, every
    more = len(warnings) - shown
    return "\n".join([*warnings[:shown], f"… and {more} more (hover to read them all)"]), every


class AnalysisPanel(QWidget):
    # A view asked who dropped before step k (1-based).
    sig_drill_down = Signal(int)
    # A view picked units to list in the drill-down (a UnitsPick: the people on a path).
    sig_show_units = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header_label = QLabel()
        self.header_label.setObjectName("analysisHeader")
        # Wraps rather than widening the window when the buttons beside it need room.
        self.header_label.setWordWrap(True)
        self.header_label.setMinimumWidth(160)
        self.busy_label = QLabel(BUSY_TEXT)
        self.busy_label.setObjectName("analysisBusy")
        self.busy_label.setVisible(False)
        self.report_button = QPushButton("Export report…")
        self.report_button.setObjectName("exportReport")
        self.report_button.setToolTip("Write one HTML file with every chart and table")
        self.report_button.setEnabled(False)
        self.warning_label = QLabel()
        self.warning_label.setObjectName("analysisWarnings")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(WARNING_STYLE)
        self.warning_label.setVisible(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("analysisError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setVisible(False)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setObjectName("analysisTabs")
        self.views: dict[str, ChartView[Any, Any]] = {}
        top = QHBoxLayout()
        self.header_row = top
        top.addWidget(self.header_label, 1)
        top.addWidget(self.busy_label)
        top.addWidget(self.report_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.tabs, 1)
        self._session: AppSession | None = None

    def add_header_widget(self, widget: QWidget) -> None:
        """A control beside "Export report…" (Compare with…)."""
        self.header_row.insertWidget(self.header_row.indexOf(self.report_button), widget)

    # ------------------------------------------------------------------ views

    def add_view(self, view: ChartView[Any, Any]) -> None:
        self.views[view.name] = view
        self.tabs.addTab(view, view.title)
        view.sig_drill_down.connect(self.sig_drill_down)
        view.sig_show_gap.connect(self.show_gap)
        view.sig_show_units.connect(self.sig_show_units)
        outcome = self._session.analysis.outcome if self._session is not None else None
        if outcome is not None:
            view.set_result(outcome.result, outcome.views.get(view.name))

    def add_tab(self, widget: QWidget, title: str) -> None:
        """A tab that is not an analysis view (the data overview)."""
        self.tabs.addTab(widget, title)

    def show_view(self, name: str) -> bool:
        view = self.views.get(name)
        if view is None:
            return False
        self.tabs.setCurrentWidget(view)
        return True

    def show_gap(self, step: int) -> None:
        """The gap between step `step` and the next was clicked: the Paths view on it."""
        view = self.views.get("paths")
        if view is not None:
            view.show_gap(step)
            self.tabs.setCurrentWidget(view)

    @property
    def current_view(self) -> ChartView[Any, Any] | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ChartView) else None

    @property
    def result(self) -> FunnelResult | None:
        return self._session.result if self._session is not None else None

    def view_jobs(self) -> Mapping[str, ViewJob]:
        """Each view's data work for its current options (read when a recompute starts)."""
        return {
            name: view.view_job() for name, view in self.views.items() if view.computed_with_funnel
        }

    # ------------------------------------------------------------------ session

    def connect_session(self, session: AppSession) -> None:
        self._session = session
        session.sig_computing.connect(self._on_computing)
        session.sig_result_ready.connect(self._on_result)
        session.sig_failed.connect(self._on_failed)
        session.sig_result_cleared.connect(self._on_cleared)
        for view in self.views.values():
            view.connect_session(session)
        session.analysis.set_view_jobs(self.view_jobs)
        if session.analysis.outcome is not None:
            self._on_result(session.analysis.outcome)
        else:
            self._on_cleared()

    def _on_computing(self) -> None:
        self.busy_label.setVisible(True)

    def _on_result(self, outcome: AnalysisOutcome) -> None:
        result = outcome.result
        self.busy_label.setVisible(False)
        self.error_label.setVisible(False)
        self.header_label.setText(header_text(result))
        shown, every = warnings_text(result.warnings)
        self.warning_label.setText(shown)
        self.warning_label.setToolTip(every)
        self.warning_label.setVisible(bool(result.warnings))
        self.report_button.setEnabled(True)
        for name, view in self.views.items():
            if outcome.table is None and not (view.computed_with_funnel or view.works_on_sql):
                view.show_message(NEEDS_MEMORY_TEXT)  # SQL mode: this view needs the rows
            else:
                view.set_result(result, outcome.views.get(name))

    def _on_failed(self, error: Exception) -> None:
        # The last good drawing stays: it is still what the user had, and the message says
        # why it did not update.
        self.busy_label.setVisible(False)
        self.error_label.setText(f"Could not compute the funnel: {failure_text(error)}")
        self.error_label.setVisible(True)

    def _on_cleared(self) -> None:
        self.busy_label.setVisible(False)
        self.error_label.setVisible(False)
        self.warning_label.setVisible(False)
        self.header_label.clear()
        self.report_button.setEnabled(False)
        for view in self.views.values():
            view.set_result(None)
