"""CompareDialog: what "Compare with…" compares the funnel with (FUNNEL_SEMANTICS §19):
the previous period of the same length, a chosen period (two date pickers, UTC days,
both included), or another export file."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.compare_periods import period_text, previous_period
from funnel_gui.core.definition.model import DateRange
from funnel_gui.qt.compare_flow import CompareRequest
from funnel_gui.qt.widgets.filter_row import PROBLEM_STYLE
from funnel_gui.qt.widgets.settings_choices import NS_PER_DAY, day_ns, ns_day


class CompareDialog(QDialog):
    def __init__(
        self,
        current: DateRange | None,
        files_filter: str = "Event exports (*)",
        parent: QWidget | None = None,
        data_start_ns: int | None = None,
    ) -> None:
        """`current` is the funnel's own period (B), both ends known, or None when the
        data has none to offer (then only another export can be compared)."""
        super().__init__(parent)
        self.setWindowTitle("Compare with…")
        self.setObjectName("compareDialog")
        self._current = current
        self._files_filter = files_filter
        self._data_start_ns = data_start_ns
        self.previous = QRadioButton("The previous period of the same length")
        self.chosen = QRadioButton("A chosen period")
        self.other_file = QRadioButton("Another export file")
        self.group = QButtonGroup(self)
        for button in (self.previous, self.chosen, self.other_file):
            self.group.addButton(button)
        self.previous_text = QLabel()
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("an export of the same events, e.g. last month's")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        self.problem = QLabel()
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self._fill(current)

    def _lay_out(self) -> None:
        grid = QGridLayout()
        grid.setColumnMinimumWidth(0, 20)
        grid.addWidget(self.previous, 0, 0, 1, 3)
        grid.addWidget(self.previous_text, 1, 1, 1, 2)
        grid.addWidget(self.chosen, 2, 0, 1, 3)
        dates = QHBoxLayout()
        dates.addWidget(self.date_from, 1)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.date_to, 1)
        grid.addLayout(dates, 3, 1, 1, 2)
        grid.addWidget(self.other_file, 4, 0, 1, 3)
        grid.addWidget(self.file_edit, 5, 1)
        grid.addWidget(self.browse, 5, 2)
        intro = QLabel(
            "B is this funnel as it stands ({}); A is what it is compared with. The step "
            "table then shows B − A per step with its 95% interval."
        )
        intro.setWordWrap(True)
        self.intro = intro
        outer = QVBoxLayout(self)
        outer.addWidget(intro)
        outer.addLayout(grid)
        outer.addWidget(self.problem)
        outer.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _fill(self, current: DateRange | None) -> None:
        self.intro.setText(self.intro.text().format(period_text(current)))
        if current is None:
            for button in (self.previous, self.chosen):
                button.setEnabled(False)
            self.other_file.setChecked(True)
            return
        before = previous_period(current)
        early = (
            " (before the data starts: nobody to compare with)"
            if self._data_start_ns is not None
            and before.end_ns is not None
            and before.end_ns <= self._data_start_ns
            else ""
        )
        self.previous_text.setText(f"A: {period_text(before)}{early}")
        self.previous.setChecked(True)
        assert before.start_ns is not None
        assert before.end_ns is not None
        self.date_from.setDate(ns_day(before.start_ns))
        self.date_to.setDate(ns_day(before.end_ns - 1))

    def set_chosen_period(self, first: QDate, last: QDate) -> None:
        self.chosen.setChecked(True)
        self.date_from.setDate(first)
        self.date_to.setDate(last)

    def request(self) -> CompareRequest:
        """What was chosen; ValueError (a message for a person) when it is incomplete."""
        if self.previous.isChecked():
            return CompareRequest("previous")
        if self.chosen.isChecked():
            first, last = self.date_from.date(), self.date_to.date()
            if first > last:
                raise ValueError("the period's first day must be on or before its last day")
            return CompareRequest("period", DateRange(day_ns(first), day_ns(last) + NS_PER_DAY))
        path = self.file_edit.text().strip()
        if not path:
            raise ValueError("choose the export file to compare with")
        return CompareRequest("file", file=path)

    def _accept(self) -> None:
        try:
            self.request()
        except ValueError as error:
            message = str(error)
            self.problem.setText(message[:1].upper() + message[1:])
            self.problem.show()
            return
        self.accept()

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Compare with export", "", self._files_filter)
        if chosen:
            self.file_edit.setText(chosen)
            self.other_file.setChecked(True)
