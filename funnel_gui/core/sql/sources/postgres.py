"""PostgreSQL through psycopg 3: a server by URL or a local socket, cancel for real.

`postgresql://user@host:5432/db?table=events`, or a local socket with
`postgresql:///db?host=/var/run/postgresql&table=events`. libpq reads the URL itself, so
every libpq parameter works, and the password comes from PGPASSWORD or ~/.pgpass.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources.base import ClientSource, quote_table
from funnel_gui.core.sql.sources.portable import expand_alias_refs
from funnel_gui.core.sql.sources.urls import SourceError, SourceURL, require

# Result types by type OID, for columns an empty result cannot show by value.
_ARROW_BY_OID: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}
_NUMERIC_OID = 1700

_LIST_TABLES = """
SELECT table_schema, table_name FROM information_schema.tables
WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY table_schema = 'public' DESC, table_schema, table_name
"""


def conninfo(text: str) -> str:
    """The URL libpq should see: ours minus `table`."""
    parts = urlsplit(text.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "table"]
    scheme = "postgresql"
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), ""))


class PostgresSource(ClientSource):
    dialect = "postgres"
    engine = "PostgreSQL"

    def __init__(self, url: SourceURL, text: str) -> None:
        psycopg = require("psycopg", "postgres")
        self._errors = psycopg.errors
        try:
            self._conn = psycopg.connect(conninfo(text), autocommit=True)
        except psycopg.Error as exc:
            raise SourceError(f"Cannot connect to PostgreSQL: {_first_line(exc)}") from exc
        table = url.table or ""
        super().__init__(quote_table(table, self.dialect) if table else "", table)

    def execute(self, sql: str) -> pa.Table:
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(expand_alias_refs(sql, self.dialect))
                rows = cursor.fetchall() if cursor.description else []
                description = list(cursor.description or [])
        except self._errors.QueryCanceled as exc:
            raise QueryCancelled("The query was cancelled.") from exc
        except self._errors.Error as exc:
            raise SourceError(f"PostgreSQL refused the query: {_first_line(exc)}") from exc
        return _to_arrow(description, rows)

    def cancel(self) -> None:
        # Safe from another thread: libpq sends a cancel request on its own connection.
        self._conn.cancel_safe()

    def close(self) -> None:
        self._conn.close()

    def list_tables(self) -> list[str]:
        table = self.execute(_LIST_TABLES)
        pairs = zip(table["table_schema"].to_pylist(), table["table_name"].to_pylist(), strict=True)
        return [name if schema == "public" else f"{schema}.{name}" for schema, name in pairs]


def _to_arrow(description: list[Any], rows: list[tuple[Any, ...]]) -> pa.Table:
    arrays = []
    for i, column in enumerate(description):
        values = [row[i] for row in rows]
        arrays.append(_column(values, column.type_code))
    return pa.table(arrays, names=[c.name for c in description])


def _column(values: list[Any], oid: int) -> pa.Array:
    if oid == _NUMERIC_OID:
        # numeric (sums, averages): the engine's results are floats or counts.
        floats = [None if v is None else float(v) for v in values]
        return pa.array(floats, pa.float64())
    kind = _ARROW_BY_OID.get(oid)
    if kind is not None:
        return pa.array(values, kind)
    if any(isinstance(v, (Decimal, dt.timedelta)) for v in values):
        return pa.array([None if v is None else float(_seconds(v)) for v in values])
    return pa.array(values) if values else pa.nulls(0)


def _seconds(value: Decimal | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
