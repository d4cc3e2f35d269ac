"""Cancelling a SQL computation stops the query in the engine, for real."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import ComputeCancelled
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.source import ColumnMap, QueryCancelled

ROWS = pa.table({"actor": ["u1", "u1"], "event": ["view", "buy"], "time": [1, 2]})
COLUMNS = ColumnMap("actor", "event", "time")
FUNNEL = FunnelDefinition(steps=(Step(("view",)), Step(("buy",), kind="macro")))


def test_cancel_interrupts_a_running_query() -> None:
    source = DuckDBSource.from_table(ROWS, COLUMNS)
    errors: list[BaseException] = []

    def run() -> None:
        try:  # minutes of work unless interrupted
            source.execute("SELECT COUNT(*) FROM range(100000000000) a WHERE a.range % 7 = 3")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert source.running.wait(60)
    source.cancel()
    worker.join(60)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], QueryCancelled)
    # The source stays usable after a cancelled query.
    assert [s.count for s in compute_sql(source, FUNNEL).steps] == [1, 1]
    source.close()


def test_cancel_between_queries_stops_the_computation() -> None:
    source = DuckDBSource.from_table(ROWS, COLUMNS)
    source.cancel()
    with pytest.raises(ComputeCancelled):
        compute_sql(source, FUNNEL)
    assert [s.count for s in compute_sql(source, FUNNEL).steps] == [1, 1]
    source.close()


def test_cancel_check_of_the_caller_stops_it() -> None:
    source = DuckDBSource.from_table(ROWS, COLUMNS)
    with pytest.raises(ComputeCancelled):
        compute_sql(source, FUNNEL, cancelled=lambda: True)
    source.close()
