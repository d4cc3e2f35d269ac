"""ClickHouse: a server through clickhouse-connect, or embedded (chdb) on local files.

`clickhouse://host:8123/db?table=events` (user from the URL or CLICKHOUSE_USER, password
only from CLICKHOUSE_PASSWORD; `?secure=1` for HTTPS); `chdb:///path/to/files` reads a
Parquet/CSV/JSON-lines file or a folder of them in place, `chdb:///path/to/dbdir?table=t`
a table of a chdb database folder. Every query runs exact (clickhouse_sql.py).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa

from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.core.sql.sources.base import ClientSource, quote_table
from funnel_gui.core.sql.sources.chdb_process import ChdbProcess
from funnel_gui.core.sql.sources.clickhouse_sql import (
    SETTINGS,
    exact_quantiles,
    refusal,
    signed_integers,
)
from funnel_gui.core.sql.sources.urls import SourceError, SourceURL, require

_FORMATS = {
    ".parquet": "Parquet",
    ".csv": "CSVWithNames",
    ".tsv": "TSVWithNames",
    ".jsonl": "JSONEachRow",
    ".ndjson": "JSONEachRow",
    ".json": "JSONEachRow",
}
_LIST_TABLES = "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name"


def file_relation(path: Path) -> str:
    """ClickHouse's `file()` over one export file or every file of one format in a folder."""
    if path.is_dir():
        found = sorted({p.suffix.lower() for p in path.rglob("*") if p.suffix.lower() in _FORMATS})
        if not found:
            raise SourceError(f"{path} holds no Parquet, CSV or JSON-lines files.")
        suffix = ".parquet" if ".parquet" in found else found[0]
        pattern = f"{path.as_posix().rstrip('/')}/**{suffix}"
    elif path.is_file():
        suffix = path.suffix.lower()
        if suffix not in _FORMATS:
            raise SourceError(f"{path.name}: chdb reads .parquet, .csv, .tsv and .jsonl files.")
        pattern = path.as_posix()
    else:
        raise SourceError(f"{path} does not exist.")
    literal = pattern.replace("\\", "\\\\").replace("'", "\\'")
    return f"file('{literal}', '{_FORMATS[suffix]}')"


class ChdbSource(ClientSource):
    dialect = "clickhouse"
    engine = "ClickHouse (chdb)"

    def __init__(self, url: SourceURL) -> None:
        path = Path(url.path or "/")
        if url.table:
            self._process = ChdbProcess(path.as_posix())
            super().__init__(quote_table(url.table, self.dialect), url.table)
        else:
            relation = file_relation(path)
            self._process = ChdbProcess(":memory:")
            super().__init__(relation, path.name)

    def execute(self, sql: str) -> pa.Table:
        return signed_integers(self._process.query(exact_quantiles(sql)))

    def cancel(self) -> None:
        self._process.cancel()

    def close(self) -> None:
        self._process.close()

    def list_tables(self) -> list[str]:
        if self.relation.startswith("file("):
            return []
        return [str(n) for n in self.execute(_LIST_TABLES)["name"].to_pylist()]


class ClickHouseServerSource(ClientSource):
    dialect = "clickhouse"
    engine = "ClickHouse"

    def __init__(self, url: SourceURL) -> None:
        connect = require("clickhouse_connect", "clickhouse")
        self._options: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or None,
            "username": url.user or os.environ.get("CLICKHOUSE_USER") or None,
            "password": os.environ.get("CLICKHOUSE_PASSWORD", ""),
            "database": url.database or None,
            "secure": url.params.get("secure", "") in {"1", "true"},
            "settings": dict(SETTINGS),
        }
        self._connect = connect.get_client
        self._client = self._open()
        self._query_id: str | None = None
        table = url.table or ""
        super().__init__(quote_table(table, self.dialect) if table else "", table)

    def _open(self) -> Any:
        try:
            return self._connect(**self._options)
        except Exception as exc:  # the client raises its own and urllib3's errors
            raise SourceError(f"Cannot connect to ClickHouse: {exc}") from exc

    def execute(self, sql: str) -> pa.Table:
        self._query_id = query_id = uuid.uuid4().hex
        try:
            table: pa.Table = self._client.query_arrow(
                exact_quantiles(sql), settings={"query_id": query_id}
            )
        except Exception as exc:
            if "QUERY_WAS_CANCELLED" in str(exc) or "394" in str(exc).split():
                raise QueryCancelled("The query was cancelled.") from exc
            raise SourceError(refusal(str(exc))) from exc
        finally:
            self._query_id = None
        return signed_integers(table)

    def cancel(self) -> None:
        # KILL QUERY from a second connection: the first one is busy waiting for rows.
        query_id = self._query_id
        if query_id is not None:
            killer = self._open()
            try:
                killer.command(f"KILL QUERY WHERE query_id = '{query_id}' ASYNC")
            finally:
                killer.close()

    def close(self) -> None:
        self._client.close()

    def list_tables(self) -> list[str]:
        return [str(n) for n in self.execute(_LIST_TABLES)["name"].to_pylist()]
