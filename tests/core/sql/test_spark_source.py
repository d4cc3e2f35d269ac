"""§21: local Spark computing the compiled SQL (Spark dialect) gives the in-memory engine's
numbers on a small log: ties in time (u2's two views) broken by the row column, a second
attempt, an actor who never enters. Slow (a JVM starts), but CI runs it: the default
`pytest` includes the slow mark."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from funnel_gui.core.definition.model import Breakdown, FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.sources.registry import connect
from tests.core.engine_fixtures import make_table
from tests.core.sql.server_fixtures import numbered_rows, write_parquet
from tests.core.sql.test_sql_vs_memory import payload

ROWS = [
    ("u1", "view", 0, "web"),
    ("u1", "cart", 1, "web"),
    ("u1", "pay", 2, "web"),
    ("u2", "view", 0, "app"),
    ("u2", "view", 0, "app"),
    ("u2", "cart", 3, "app"),
    ("u2", "view", 30, "app"),
    ("u2", "cart", 31, "app"),
    ("u3", "cart", 1, "web"),
]


@pytest.mark.slow
def test_spark_local_matches_memory(tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="pyspark is not installed (funnel-gui[spark])")
    if shutil.which("java") is None:
        reason = "no Java runtime for Spark (.ci/run installs default-jre-headless)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    table = make_table(ROWS, tmp_path, props=["platform"])
    definition = FunnelDefinition(
        steps=(Step(events=("view",)), Step(events=("cart",)), Step(events=("pay",))),
        window_ns=10 * 60 * 10**9,
        breakdown=Breakdown("platform"),
    )
    expected = compute(table, definition)
    # Hand check of the fixture: u1 and u2 enter (u3 never views), both reach cart, u1 pays.
    assert [s.count for s in expected.steps] == [2, 2, 1]
    rows, columns = numbered_rows(table)
    source = connect(f"spark://local{write_parquet(rows, tmp_path, 'log').as_posix()}")
    # §15–§17 too: counting attempts and optional steps run recursive CTEs (Spark 4.1+).
    three = definition.steps
    others = [
        replace(definition, count="totals"),
        replace(definition, hold=("platform",)),
        replace(
            definition, open=True, steps=(three[0], replace(three[1], optional=True), three[2])
        ),
    ]
    try:
        source.columns = columns
        got = compute_sql(source, definition)
        assert payload(got) == payload(expected)
        for other in others:
            assert payload(compute_sql(source, other)) == payload(compute(table, other))
    finally:
        source.close()
