"""CompareFlow: "Compare with…" (FUNNEL_SEMANTICS §19) from the menu or the funnel view's
button: the previous period of the same length, a chosen period, or another export. Both
sides are computed in a worker; the comparison is computed again after every recompute of
the funnel (an edit), until "Stop comparing".

B is the funnel as it stands (its date range, or the whole data), A what it is compared
with; the differences read B − A.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from funnel_gui.core.analysis.compare_periods import (
    ComparisonRun,
    Side,
    funnel_period,
    period_text,
    previous_period,
    run_comparison,
    with_period,
)
from funnel_gui.core.definition.model import DateRange
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.io import load_events
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.analysis import AnalysisOutcome
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.workers import TaskRunner, failure_text

Kind = Literal["previous", "period", "file"]


@dataclass(frozen=True)
class CompareRequest:
    """What to compare the funnel with: `period` (A's entry period) for "period", `file`
    (A's export) for "file"."""

    kind: Kind
    period: DateRange | None = None
    file: str | None = None

    def describe(self) -> str:
        if self.kind == "previous":
            return "the previous period"
        if self.kind == "period":
            return period_text(self.period)
        return Path(self.file or "").name


@dataclass(frozen=True)
class CompareOutcome:
    run: ComparisonRun
    other: tuple[str, PreparedTable] | None  # the other export, kept for the next run


class CompareFlow(QObject):
    sig_started = Signal(str)  # what is being compared with
    sig_ready = Signal(object)  # ComparisonRun
    sig_failed = Signal(str)  # the reason, for a person
    sig_stopped = Signal()

    def __init__(self, session: AppSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.request: CompareRequest | None = None
        self.run: ComparisonRun | None = None
        self._other: tuple[str, PreparedTable] | None = None
        self.runner: TaskRunner[CompareOutcome] = TaskRunner(self)
        self.runner.sig_done.connect(self._on_done)
        self.runner.sig_failed.connect(lambda error: self.sig_failed.emit(failure_text(error)))
        self.act_compare = QAction("&Compare with…", self)
        self.act_compare.setStatusTip(
            "Compare the funnel with the previous period, a chosen period or another export"
        )
        self.act_stop = QAction("&Stop comparing", self)
        self.act_stop.setEnabled(False)
        self.act_stop.triggered.connect(self.stop)
        session.sig_result_ready.connect(self._on_result)
        session.sig_table_changed.connect(self._on_table_changed)

    @property
    def active(self) -> bool:
        return self.request is not None

    def start(self, request: CompareRequest) -> None:
        """Compare with `request` from now on (and after every edit)."""
        self.request = request
        self.act_stop.setEnabled(True)
        self._run()

    def stop(self) -> None:
        if self.request is None:
            return
        self.request, self.run = None, None
        self.runner.cancel()
        self.act_stop.setEnabled(False)
        self.sig_stopped.emit()

    def _on_table_changed(self, _table: object) -> None:
        self._other = None
        self.stop()  # other data: the periods and the names no longer hold

    def _on_result(self, _outcome: AnalysisOutcome) -> None:
        if self.request is not None:
            self._run()  # the funnel changed: so do both sides

    def _run(self) -> None:
        request, prepared = self.request, self.session.prepared
        if request is None or prepared is None or not self.session.definition.steps:
            return
        self.sig_started.emit(request.describe())
        try:
            side_a, side_b = self._sides(request, prepared)
        except Exception as error:  # a UserFacingError: no data, an empty period
            self.sig_failed.emit(failure_text(error))
            return
        other = self._other

        def work(progress: Progress, cancelled: Cancelled) -> CompareOutcome:
            loaded = other
            a = side_a
            if request.kind == "file" and request.file is not None:
                if loaded is None or loaded[0] != request.file:
                    loaded = (request.file, prepare(load_events(request.file)))
                a = Side(loaded[1], side_a.definition, side_a.label)
            what = "the previous period" if request.kind == "previous" else ""
            return CompareOutcome(run_comparison(a, side_b, progress, cancelled, what), loaded)

        self.runner.start(work)

    def _sides(self, request: CompareRequest, prepared: PreparedTable) -> tuple[Side, Side]:
        """A and B; for "file", A's table is filled in by the worker (it loads it)."""
        defn = self.session.definition
        report = self.session.report
        span = report.time_span_ns if report is not None else None
        if request.kind == "file":
            own = Path(self.session.data_files[0]).name if self.session.data_files else "this data"
            dates = "" if defn.date_range is None else f", {period_text(defn.date_range)}"
            name = Path(request.file or "").name
            return Side(prepared, defn, f"{name}{dates}"), Side(prepared, defn, f"{own}{dates}")
        period_b = funnel_period(defn, span)
        period_a = previous_period(period_b) if request.kind == "previous" else request.period
        b = Side(prepared, with_period(defn, period_b), period_text(period_b))
        return Side(prepared, with_period(defn, period_a), period_text(period_a)), b

    def _on_done(self, outcome: CompareOutcome) -> None:
        if self.request is None:
            return
        self._other = outcome.other
        self.run = outcome.run
        self.sig_ready.emit(outcome.run)
