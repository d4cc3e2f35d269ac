"""AnalysisPanel: the funnel's headline numbers and step table, following an AnalysisController.

Layout only (TagStudio's split): the controller decides when to compute; this panel shows
whatever it reports and keeps the last table visible while a recompute runs.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.results import FunnelResult
from funnel_gui.qt.analysis import AnalysisController
from funnel_gui.qt.models.step_table import StepTableModel, format_percent

EMPTY_TEXT = "Add steps to see the funnel"
BUSY_TEXT = "Computing…"
# The app's amber for "worth knowing, not an error" (style.qss #warningBadge).
WARNING_STYLE = "color: #b45309;"
ERROR_STYLE = "color: #b91c1c;"


def header_text(result: FunnelResult) -> str:
    """ "3,083 people entered · 310 converted (10.1%) · 0 excluded"."""
    who = "sessions" if result.unit == "session" else "people"
    last = result.steps[-1] if result.steps else None
    converted = last.count if last is not None else 0
    rate = format_percent(last.from_start if last is not None else None)
    return (
        f"{result.actors_entered:,} {who} entered · {converted:,} converted ({rate})"
        f" · {result.excluded:,} excluded"
    )


class AnalysisPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = StepTableModel(self)
        self.header_label = QLabel()
        self.header_label.setObjectName("analysisHeader")
        self.busy_label = QLabel(BUSY_TEXT)
        self.busy_label.setObjectName("analysisBusy")
        self.busy_label.setVisible(False)
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
        self.table_view = self._make_table_view()
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table_view)
        top = QHBoxLayout()
        top.addWidget(self.header_label, 1)
        top.addWidget(self.busy_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.stack, 1)
        self._controller: AnalysisController | None = None

    def _make_table_view(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setObjectName("stepTable")
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return view

    @property
    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    def connect_controller(self, controller: AnalysisController) -> None:
        if self._controller is not None:
            self._controller.sig_computing.disconnect(self._on_computing)
            self._controller.sig_result.disconnect(self._on_result)
            self._controller.sig_failed.disconnect(self._on_failed)
            self._controller.sig_cleared.disconnect(self._on_cleared)
        self._controller = controller
        controller.sig_computing.connect(self._on_computing)
        controller.sig_result.connect(self._on_result)
        controller.sig_failed.connect(self._on_failed)
        controller.sig_cleared.connect(self._on_cleared)
        if controller.result is not None:
            self._on_result(controller.result)
        else:
            self._on_cleared()

    def _on_computing(self) -> None:
        self.busy_label.setVisible(True)

    def _on_result(self, result: FunnelResult) -> None:
        self.busy_label.setVisible(False)
        self.error_label.setVisible(False)
        self.header_label.setText(header_text(result))
        self.warning_label.setText("\n".join(result.warnings))
        self.warning_label.setVisible(bool(result.warnings))
        self.model.set_result(result)
        self.stack.setCurrentWidget(self.table_view)

    def _on_failed(self, message: str) -> None:
        # The last good table stays: it is still what the user had, and the message says
        # why it did not update.
        self.busy_label.setVisible(False)
        self.error_label.setText(f"Could not compute the funnel: {message}")
        self.error_label.setVisible(True)

    def _on_cleared(self) -> None:
        self.busy_label.setVisible(False)
        self.error_label.setVisible(False)
        self.warning_label.setVisible(False)
        self.header_label.clear()
        self.model.set_result(None)
        self.stack.setCurrentWidget(self.empty_label)
