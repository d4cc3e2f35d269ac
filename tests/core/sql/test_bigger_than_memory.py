"""A Parquet export whose working set exceeds DuckDB's memory limit still computes, and
gives the in-memory engine's numbers (issue 13: files larger than memory).

1.2M events: the columns the funnel reads take 54 MB as Arrow, and sorting them per
unit and time for the window functions needs more than the 80 MB limit, so DuckDB
spills to disk: the test watches its temporary files while the query runs. (Below about
64 MB DuckDB's own fixed needs leave too little for any sort.)
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow.parquet as pq

from funnel_gui.core.definition.model import Breakdown, Exclusion, FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io import load_events
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.runner import compute_sql
from tests.benchmarks.datagen import default_n_actors, generate_events

N_EVENTS = 1_200_000
LIMIT = "80MB"
FUNNEL = FunnelDefinition(
    steps=(
        Step(("session_start",)),
        Step(("product_view",)),
        Step(("add_to_cart",)),
        Step(("purchase",), kind="macro"),
    ),
    exclusions=(Exclusion(("login",), (3, 4)),),
    breakdown=Breakdown("device"),
)


def _compute_watching_spills(source: DuckDBSource) -> tuple[FunnelResult, int]:
    """The result, and the most bytes DuckDB held in temporary files meanwhile."""
    done = threading.Event()
    out: list[FunnelResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            out.append(compute_sql(source, FUNNEL))
        except BaseException as exc:  # handed to the test thread below
            errors.append(exc)
        finally:
            done.set()

    watcher = source.connection.cursor()  # a second cursor on the same database
    worker = threading.Thread(target=run)
    worker.start()
    spilled = 0
    while not done.wait(0.02):  # until the query ends: look at the temporary files
        rows = watcher.sql("SELECT COALESCE(SUM(size), 0) FROM duckdb_temporary_files()")
        spilled = max(spilled, int(rows.fetchall()[0][0]))
    worker.join()
    if errors:
        raise errors[0]
    return out[0], spilled


def test_parquet_past_the_memory_limit(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(generate_events(N_EVENTS, default_n_actors(N_EVENTS), seed=3), path)
    source = DuckDBSource.from_paths([path], memory_limit=LIMIT)
    try:
        got, spilled = _compute_watching_spills(source)
    finally:
        source.close()
    assert spilled > 0, "the working set fitted in the limit: the test proves nothing"
    expected = compute(load_events([str(path)]), FUNNEL)
    assert got.to_dict() == expected.to_dict()
    assert expected.steps[0].count > 50_000  # big enough to matter
