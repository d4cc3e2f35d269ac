"""CompareFlow: "Compare with…" (FUNNEL_SEMANTICS §19) from the menu or the funnel view's
button: the previous period of the same length, a chosen period, or another export. Both
sides are computed in a worker; the comparison is computed again after every recompute of
the funnel (an edit), until "Stop comparing".

B is the funnel as it stands (its date range, or the whole data), A what it is compared
with; the differences read B − A.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from funnel_gui.core.analysis.compare import compare
from funnel_gui.core.analysis.compare_periods import (
    CompareError,
    ComparisonRun,
    funnel_period,
    period_text,
    previous_period,
    with_period,
)
from funnel_gui.core.definition.model import DateRange, FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import PreparedTable, prepare
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io import load_events
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.task_source import JobSource
from funnel_gui.qt.analysis import AnalysisOutcome
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.workers import TaskRunner, failure_text

Kind = Literal["previous", "period", "file"]
Labelled = tuple[FunnelDefinition, str]  # a side's definition (its period) and its name


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
        self._job: JobSource | None = None  # the database's queries of the running run
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
        session.sig_sql_opened.connect(self._on_table_changed)
        session.sig_sql_closed.connect(self._cancel_job)
        session.sig_computing.connect(self._on_computing)

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
        self._cancel_job()
        self.runner.cancel()
        self.act_stop.setEnabled(False)
        self.sig_stopped.emit()

    def _on_table_changed(self, _table: object) -> None:
        self._other = None
        self.stop()  # other data: the periods and the names no longer hold

    def _on_result(self, _outcome: AnalysisOutcome) -> None:
        if self.request is not None:
            self._run()  # the funnel changed: so do both sides

    def _on_computing(self) -> None:
        """The funnel recomputes (an edit): a comparison of the old funnel running on the
        database would make it wait, so its query stops; it runs again on the result."""
        if self.session.sql_source is not None and self.runner.busy:
            self._cancel_job()
            self.runner.cancel()

    def _cancel_job(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            threading.Thread(target=job.cancel, daemon=True).start()

    def _run(self) -> None:
        request, prepared, shared = self.request, self.session.prepared, self.session.sql_shared
        if request is None or (prepared is None and shared is None):
            return
        if not self.session.definition.steps:
            return
        self.sig_started.emit(request.describe())
        try:
            (defn_a, label_a), (defn_b, label_b) = self._sides(request)
        except Exception as error:  # a UserFacingError: no data, an empty period
            self.sig_failed.emit(failure_text(error))
            return
        other = self._other
        self._cancel_job()
        job = self._job = shared.job() if shared is not None else None
        what = "the previous period" if request.kind == "previous" else ""

        def here(defn: FunnelDefinition, cancelled: Cancelled) -> FunnelResult:
            """Computed where the funnel is: by the database, or in memory."""
            if job is not None:
                return compute_sql(job, defn, cancelled=cancelled)
            assert prepared is not None
            return compute(prepared, defn, None, cancelled)

        def work(progress: Progress, cancelled: Cancelled) -> CompareOutcome:
            loaded = other
            result_a: FunnelResult
            if request.kind == "file" and request.file is not None:
                if loaded is None or loaded[0] != request.file:
                    loaded = (request.file, prepare(load_events(request.file)))
                result_a = compute(loaded[1], defn_a, None, cancelled)
            else:
                result_a = here(defn_a, cancelled)
            progress(0.5, "Computing B")
            result_b = here(defn_b, cancelled)
            comparison = compare(result_a, result_b)
            run = ComparisonRun(comparison, result_a, result_b, label_a, label_b, what)
            return CompareOutcome(run, loaded)

        self.runner.start(work)

    def _sides(self, request: CompareRequest) -> tuple[Labelled, Labelled]:
        """A's and B's definitions and names; for "file", A's table is the other export
        (loaded by the worker), B the data in memory or the database."""
        defn = self.session.definition
        catalogs = self.session.catalogs
        span = catalogs.time_span_ns if catalogs is not None else None
        if request.kind == "file":
            own = self.session.sql_label or (
                Path(self.session.data_files[0]).name if self.session.data_files else "this data"
            )
            dates = "" if defn.date_range is None else f", {period_text(defn.date_range)}"
            name = Path(request.file or "").name
            return (defn, f"{name}{dates}"), (defn, f"{own}{dates}")
        if span is None and self.session.sql_source is not None and defn.date_range is None:
            raise CompareError(
                "the database's time span is still being read; compare again in a moment"
            )
        period_b = funnel_period(defn, span)
        period_a = previous_period(period_b) if request.kind == "previous" else request.period
        return (
            (with_period(defn, period_a), period_text(period_a)),
            (with_period(defn, period_b), period_text(period_b)),
        )

    def _on_done(self, outcome: CompareOutcome) -> None:
        if self.request is None:
            return
        self._other, self._job = outcome.other, None
        self.run = outcome.run
        self.sig_ready.emit(outcome.run)
