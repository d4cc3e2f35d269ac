"""Jobs sharing one SqlSource (core/sql/task_source.py): a job's cancel stops its own
query for real, never another job's, and a cancel that lands after its query finished
does not refuse the next job's query (DuckDB refuses the query after a cancel that found
none running)."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import ColumnMap, QueryCancelled
from funnel_gui.core.sql.task_source import SharedSource

ROWS = pa.table({"actor": ["u1"], "event": ["view"], "time": [1]})
ENDLESS = "SELECT COUNT(*) AS n FROM range(100000000000) a WHERE a.range % 7 = 3"


def test_a_stale_cancel_does_not_refuse_the_next_jobs_query() -> None:
    source = DuckDBSource.from_table(ROWS, ColumnMap("actor", "event", "time"))
    shared = SharedSource(source)
    source.cancel()  # nothing runs: DuckDB now refuses its next query
    assert shared.job().execute("SELECT 2 AS two").to_pylist() == [{"two": 2}]
    source.close()


def test_a_cancelled_job_runs_no_further_query() -> None:
    source = DuckDBSource.from_table(ROWS, ColumnMap("actor", "event", "time"))
    job = SharedSource(source).job()
    job.cancel()
    with pytest.raises(QueryCancelled):
        job.execute("SELECT 1 AS one")
    source.close()


def test_cancel_stops_the_running_query_and_the_other_job_goes_on() -> None:
    source = DuckDBSource.from_table(ROWS, ColumnMap("actor", "event", "time"))
    shared = SharedSource(source)
    slow, other = shared.job(), shared.job()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            slow.execute(ENDLESS)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert source.running.wait(60)
    other.cancel()  # another job's cancel: the scan goes on (DuckDB's cancel would have
    assert source.running.is_set()  # waited for the scan to stop before returning)
    assert worker.is_alive()
    slow.cancel()
    worker.join(60)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], QueryCancelled)
    assert shared.job().execute("SELECT 3 AS three").to_pylist() == [{"three": 3}]
    source.close()
