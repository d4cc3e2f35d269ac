"""One SqlSource shared by several jobs of the app (the funnel, its catalogs, a comparison),
each able to cancel its own query for real without stopping another job's.

`SharedSource(source).job()` gives a job its own view of the source. The views take turns
on a gate (a client connection runs one query at a time anyway), so while a view's query
runs it is the one running on the connection, and that view's `cancel()` calls the
source's real cancel (an interrupt, a cancel request, a killed child process). A view
cancelled before or between its queries runs no further query.

A source's cancel may land after the query it aimed at has just finished; DuckDB then
refuses the next query, which may belong to another job. A view that gets a
`QueryCancelled` it did not ask for runs its query again, once.
"""

from __future__ import annotations

import threading

import pyarrow as pa

from funnel_gui.core.sql.source import ColumnMap, QueryCancelled, SqlSource


class SharedSource:
    """The source and the gate its jobs take turns on."""

    def __init__(self, source: SqlSource) -> None:
        self.source = source
        self.gate = threading.Lock()

    def job(self) -> JobSource:
        return JobSource(self)


class JobSource:
    """One job's SqlSource: the shared source's queries, its own cancel."""

    def __init__(self, shared: SharedSource) -> None:
        self._shared = shared
        source = shared.source
        self.dialect: str = source.dialect
        self.relation: str = source.relation
        self.columns: ColumnMap = source.columns
        self._state = threading.Lock()
        self._running = False
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def execute(self, sql: str) -> pa.Table:
        with self._shared.gate:
            for attempt in (1, 2):
                with self._state:
                    if self._cancelled:
                        raise QueryCancelled("The query was cancelled.")
                    self._running = True
                try:
                    return self._shared.source.execute(sql)
                except QueryCancelled:
                    with self._state:
                        asked = self._cancelled
                    if asked or attempt == 2:
                        raise
                    # A cancel meant for a query that had just finished: run this again.
                finally:
                    with self._state:
                        self._running = False
        raise AssertionError("unreachable")  # pragma: no cover

    def cancel(self) -> None:
        """Stop this job: its running query for real, and every later one."""
        with self._state:
            self._cancelled = True
            if not self._running:
                return
            # Under the state lock: the query cannot finish and another job's start
            # before the source's cancel has been sent.
            self._shared.source.cancel()

    def close(self) -> None:
        """A job does not own the connection: closing the shared source is the app's."""
