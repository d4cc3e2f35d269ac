"""The database clients around the compiler: URLs without passwords, the optional extras,
column detection from a table's rows, ClickHouse made exact, aliases spelled out for
stricter engines, and Cancel stopping a running query for real (chdb, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import importlib
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources import urls
from funnel_gui.core.sql.sources.base import ClientSource
from funnel_gui.core.sql.sources.clickhouse_sql import exact_quantiles
from funnel_gui.core.sql.sources.portable import expand_alias_refs
from funnel_gui.core.sql.sources.registry import connect, open_client_source
from funnel_gui.core.sql.sources.schema import columns_from_sample, parse_column_overrides
from funnel_gui.core.sql.sources.urls import SourceError, parse_source_url
from tests.core.sql.server_fixtures import postgres_url


def test_password_in_url_is_refused_and_never_repeated() -> None:
    with pytest.raises(SourceError) as caught:
        parse_source_url("postgresql://ann:s3cret@db.example/prod?table=events")
    assert "s3cret" not in caught.value.message
    assert "PGPASSWORD" in caught.value.message


def test_url_parts() -> None:
    url = parse_source_url("clickhouse://ann@ch.example:8123/analytics?table=events&secure=1")
    assert (url.host, url.port, url.user, url.database, url.table) == (
        "ch.example",
        8123,
        "ann",
        "analytics",
        "events",
    )
    assert url.params == {"secure": "1"}


def test_missing_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_psycopg(name: str, package: str | None = None) -> object:
        if name == "psycopg":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(urls.importlib, "import_module", without_psycopg)
    with pytest.raises(SourceError, match=r"install funnel-gui\[postgres\]"):
        connect("postgresql://localhost/db?table=events")


def test_clickhouse_server_unreachable_is_one_line() -> None:
    pytest.importorskip("clickhouse_connect", reason="funnel-gui[clickhouse] not installed")
    with pytest.raises(SourceError, match="Cannot connect to ClickHouse"):
        connect("clickhouse://127.0.0.1:9/db?table=events")  # nothing listens on port 9


def test_unknown_scheme() -> None:
    with pytest.raises(SourceError, match="Unknown source"):
        connect("mysql://localhost/db?table=events")


def test_column_overrides() -> None:
    assert parse_column_overrides("actor=uid, event=name,order_key=seq") == {
        "actor": "uid",
        "event": "name",
        "order_key": "seq",
    }
    with pytest.raises(SourceError, match="ROLE=COLUMN"):
        parse_column_overrides("who=uid")


def _sample() -> pa.Table:
    times = [dt.datetime(2024, 1, 1, 10, m, tzinfo=dt.UTC) for m in range(3)]
    return pa.table(
        {
            "user_id": ["a", "a", "b"],
            "event_name": ["view", "buy", "view"],
            "ts": times,
            "account": ["x", "x", "y"],
            "seq": [1, 2, 3],
            "country": ["DE", "DE", "FR"],
        }
    )


def test_columns_detected_from_rows_like_a_file() -> None:
    columns = columns_from_sample(_sample(), {})
    assert (columns.actor, columns.event, columns.time) == ("user_id", "event_name", "ts")
    assert columns.order_key == "seq"  # named like an order column (§21 ties)
    assert columns.properties == ("account", "country")


def test_overrides_win_and_unknown_columns_are_named() -> None:
    columns = columns_from_sample(_sample(), {"actor": "account"})
    assert columns.actor == "account"
    assert "user_id" in columns.properties
    with pytest.raises(SourceError, match="no column 'nope'"):
        columns_from_sample(_sample(), {"event": "nope"})


def test_clickhouse_quantiles_are_exact() -> None:
    text = sqlglot.transpile(
        "SELECT MEDIAN(x) AS m, QUANTILE_CONT(x, 0.9) AS q FROM t",
        read="duckdb",
        write="clickhouse",
    )[0]
    assert exact_quantiles(text) == (
        "SELECT quantileExactInclusive(0.5)(x) AS m, quantileExactInclusive(0.9)(x) AS q FROM t"
    )


def test_where_aliases_spelled_out_for_postgres() -> None:
    sql = "SELECT x + 1 AS y, z FROM t WHERE y > 2 AND z"
    assert expand_alias_refs(sql, "duckdb") == sql
    out = sqlglot.parse_one(expand_alias_refs(sql, "postgres"), read="postgres")
    assert out.args["where"].sql("postgres") == "WHERE (x + 1) > 2 AND z"


@pytest.fixture
def chdb_file(tmp_path: Path) -> ClientSource:
    pytest.importorskip("chdb", reason="chdb is not installed (funnel-gui[clickhouse])")
    values = list(range(1, 11))
    times = [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=v) for v in values]
    table = pa.table({"user_id": [f"u{v % 3}" for v in values], "event": ["e"] * 10})
    table = table.append_column("time", pa.array(times, pa.timestamp("us", tz="UTC")))
    table = table.append_column("amount", pa.array(values, pa.int64()))
    pq.write_table(table, tmp_path / "events.parquet")
    return open_client_source(f"chdb://{tmp_path.as_posix()}")


def test_chdb_median_and_quantile_equal_numpy(chdb_file: ClientSource) -> None:
    sql = sqlglot.transpile(
        "SELECT MEDIAN(amount) AS m, QUANTILE_CONT(amount, 0.9) AS q FROM rel",
        read="duckdb",
        write="clickhouse",
    )[0].replace("rel", chdb_file.relation)
    try:
        row = chdb_file.execute(sql).to_pylist()[0]
    finally:
        chdb_file.close()
    values = np.arange(1, 11)
    assert row == {"m": float(np.median(values)), "q": float(np.quantile(values, 0.9))}


def _cancel_while_running(source: ClientSource, sql: str) -> None:
    """Run `sql` in a thread, cancel it once it runs, and expect QueryCancelled."""
    outcome: list[BaseException | None] = []
    started = threading.Event()

    def run() -> None:
        started.set()
        try:
            source.execute(sql)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    started.wait(10)
    for _ in range(200):  # until the query is in flight: cancel before it would be lost
        if outcome:
            break
        source.cancel()
        thread.join(0.1)
    thread.join(60)
    assert outcome, "the query neither finished nor stopped"
    assert isinstance(outcome[0], QueryCancelled)


def test_chdb_cancel_kills_the_query_and_the_next_one_runs(chdb_file: ClientSource) -> None:
    try:
        chdb_file.execute("SELECT 1 AS warm")  # the child process is up
        endless = "SELECT count() AS n FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1"
        _cancel_while_running(chdb_file, endless)
        assert chdb_file.execute("SELECT 2 AS again").to_pylist() == [{"again": 2}]
    finally:
        chdb_file.close()


def test_postgres_cancel_stops_the_query() -> None:
    source = connect(postgres_url())
    try:
        _cancel_while_running(source, "SELECT pg_sleep(60) AS slept")
        assert source.execute("SELECT 2 AS again").to_pylist() == [{"again": 2}]
    finally:
        source.close()
