"""§21: PostgreSQL and ClickHouse (chdb) computing the compiled SQL give exactly the
in-memory engine's numbers: the random logs and definitions of test_sql_vs_memory (every
option of §2–§7, micro conversions, breakdowns), the whole `compute --json` payload and the
per-unit table. Ties in time are broken by the row order column, as the file order does
in memory (§1). The `_with_counting_options` variants draw only definitions using §15–§17
(optional steps, open funnels, counting attempts, held values; the recursive CTEs of
§15 and §16 included).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, note, settings

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.sql.runner import compute_sql
from funnel_gui.core.sql.sources.base import ClientSource
from funnel_gui.core.sql.sources.clickhouse import file_relation
from funnel_gui.core.sql.sources.registry import connect
from tests.core.engine_fixtures import make_table
from tests.core.sql.server_fixtures import (
    create_postgres_table,
    numbered_rows,
    postgres_url,
    write_parquet,
)
from tests.core.sql.test_sql_vs_memory import option_scenarios, payload, scenarios, unit_rows
from tests.core.test_engine_vs_reference import Log, _describe, _props

_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_names = itertools.count()


@pytest.fixture(scope="module")
def postgres() -> Iterator[ClientSource]:
    source = connect(postgres_url())
    yield source
    source.close()


@pytest.fixture(scope="module")
def chdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientSource]:
    pytest.importorskip("chdb", reason="chdb is not installed (funnel-gui[clickhouse])")
    folder = tmp_path_factory.mktemp("chdb")
    (folder / "empty.parquet").write_bytes(b"")
    source = connect(f"chdb://{folder.as_posix()}?table=none")
    yield source
    source.close()


def check_same(
    source: ClientSource, expected_table_path: Path, log: Log, defn: FunnelDefinition
) -> None:
    table = make_table(log.rows, expected_table_path, session=log.has_session, props=_props(log))
    expected = compute(table, defn)
    rows, columns = numbered_rows(table)
    name = f"log{next(_names)}"
    if source.dialect == "postgres":
        create_postgres_table(source, name, rows)
        source.use_table(name)
    else:
        source.relation = file_relation(write_parquet(rows, expected_table_path, name))
    source.columns = columns
    got = compute_sql(source, defn, with_units=True)
    assert payload(got) == payload(expected)
    assert unit_rows(got) == unit_rows(expected)


@_SETTINGS
@given(scenario=scenarios())
def test_postgres_matches_memory(
    postgres: ClientSource, tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    note(_describe(log, defn))
    check_same(postgres, tmp_path, log, defn)


@_SETTINGS
@given(scenario=scenarios())
def test_chdb_matches_memory(
    chdb: ClientSource, tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    # ClickHouse takes RANGE frame offsets of 32 bits only, and times are nanoseconds:
    # minimum gaps are refused there with a message (test_clickhouse_min_gap_refused).
    assume(all(s.min_gap_ns is None for s in defn.steps))
    note(_describe(log, defn))
    check_same(chdb, tmp_path, log, defn)


@pytest.mark.timeout(900)
@_SETTINGS
@given(scenario=option_scenarios())
def test_postgres_matches_memory_with_counting_options(
    postgres: ClientSource, tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    note(_describe(log, defn))
    check_same(postgres, tmp_path, log, defn)


@pytest.mark.timeout(900)
@_SETTINGS
@given(scenario=option_scenarios())
def test_chdb_matches_memory_with_counting_options(
    chdb: ClientSource, tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    assume(all(s.min_gap_ns is None for s in defn.steps))  # as test_chdb_matches_memory
    note(_describe(log, defn))
    check_same(chdb, tmp_path, log, defn)
