"""Test logs handed to PostgreSQL and chdb as tables, rows numbered in file order.

PostgreSQL comes from FUNNEL_TEST_POSTGRES_URL, which `.ci/run` exports after starting a
throwaway server (.ci/test_servers.sh). Outside CI a missing server skips its tests with
the reason; on CI (CI=true) it fails them, so a broken setup cannot pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from funnel_gui.core.events import EventTable
from funnel_gui.core.sql.source import ColumnMap
from funnel_gui.core.sql.sources.base import ClientSource
from tests.core.sql.sql_fixtures import table_rows

ROW = "row_order"
POSTGRES_ENV = "FUNNEL_TEST_POSTGRES_URL"
_PG_TYPES = {
    "string": "text",
    "large_string": "text",
    "int64": "bigint",
    "double": "float8",
    "timestamp[us, tz=UTC]": "timestamptz",
}


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    reason = (
        f"no PostgreSQL server: {POSTGRES_ENV} is not set (.ci/run starts one with "
        "Debian's postgresql package; `source .ci/test_servers.sh` does it by hand)"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def numbered_rows(table: EventTable) -> tuple[pa.Table, ColumnMap]:
    rows = table_rows(table)
    # Plain text columns: a database table has no dictionary encoding.
    rows = pa.table(
        [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in rows.columns],
        names=rows.column_names,
    )
    rows = rows.append_column(ROW, pa.array(range(rows.num_rows), pa.int64()))
    session = "session" if "session" in rows.column_names else None
    columns = ColumnMap("actor", "event", "time", session, ROW, tuple(table.property_names))
    return rows, columns


def create_postgres_table(source: ClientSource, name: str, rows: pa.Table) -> None:
    """`rows` as table `name` (replaced), through COPY."""
    conn = source._conn  # type: ignore[attr-defined]
    fields = ", ".join(f'"{f.name}" {_PG_TYPES[str(f.type)]}' for f in rows.schema)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(f'CREATE TABLE "{name}" ({fields})')
        with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
            for row in zip(*(rows[c].to_pylist() for c in rows.column_names), strict=True):
                copy.write_row(row)


def write_parquet(rows: pa.Table, folder: Path, name: str) -> Path:
    path = folder / f"{name}.parquet"
    pq.write_table(rows, path)
    return path
