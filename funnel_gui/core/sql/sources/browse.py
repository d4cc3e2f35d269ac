"""Browse a database before opening it: its tables, one table's columns and their detected
roles, then the SqlSource for the table and columns a person picked (the app's "Open
database or warehouse…" dialog runs each step in a worker).

`duckdb:///file.duckdb` URLs are opened here with DuckDB itself; every other scheme goes
through the client registry (sources/registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.base import ClientSource
from funnel_gui.core.sql.sources.registry import connect
from funnel_gui.core.sql.sources.schema import columns_from_sample, sample_rows


@dataclass(frozen=True)
class TableColumns:
    """A table's column names and the roles detected for them (None: none detected)."""

    names: tuple[str, ...]
    detected: ColumnMap | None
    problem: str | None = None  # why detection failed, for the dialog


class Browser:
    """One connection, listed and then opened on the table picked."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self._client: ClientSource | None = None
        self._duckdb_path: str | None = None
        self.preselected: str | None = None
        if urlsplit(self.text).scheme.lower() == "duckdb":
            parts = urlsplit(self.text)
            path = (parts.netloc + unquote(parts.path)) if parts.netloc else unquote(parts.path)
            if not Path(path).is_file():
                raise UserFacingError(f"No such DuckDB database: {path}")
            self._duckdb_path = path
            self.preselected = parse_qs(parts.query).get("table", [None])[0]
        else:
            self._client = connect(self.text)
            self.preselected = self._client.table_label or None
        # A client opened on files (chdb on a Parquet file or folder) has no tables to
        # list: the files it was opened on are its one table, under their own name.
        self._own = (self._client.relation, self._client.table_label) if self._client else None
        self._files_only = False

    def tables(self) -> list[str]:
        if self._client is not None:
            listed = self._client.list_tables()
            own = self._own[1] if self._own is not None else ""
            self._files_only = not listed and bool(own)
            return [own] if self._files_only else listed
        con = DuckDBSource.connect(database=str(self._duckdb_path))
        try:
            rows = con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
        finally:
            con.close()
        return [str(r[0]) for r in rows]

    def columns(self, table: str) -> TableColumns:
        if self._client is not None:
            self._use(self._client, table)
            sample = sample_rows(self._client)
        else:
            con = DuckDBSource.connect(database=str(self._duckdb_path))
            try:
                sample = con.sql(f"SELECT * FROM {_quoted(table)} LIMIT 5000").to_arrow_table()
            finally:
                con.close()
        names = tuple(sample.column_names)
        try:
            return TableColumns(names, columns_from_sample(sample, {}))
        except UserFacingError as error:
            return TableColumns(names, None, error.message)

    def open(self, table: str, columns: ColumnMap) -> tuple[SqlSource, str]:
        """The source computing on `table` with `columns`, and its label for the badge."""
        if self._client is not None:
            self._use(self._client, table)
            self._client.columns = columns
            return self._client, self._client.label
        source = DuckDBSource.from_database(str(self._duckdb_path), table, columns)
        return source, f"DuckDB · {table}"

    def _use(self, client: ClientSource, table: str) -> None:
        if self._files_only and self._own is not None and table == self._own[1]:
            client.relation, client.table_label = self._own
        else:
            client.use_table(table)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def with_roles(detected: ColumnMap, names: tuple[str, ...], **roles: str | None) -> ColumnMap:
    """`detected` with the roles a person picked; every other column is a property."""
    chosen = replace(detected, **roles)  # type: ignore[arg-type]
    used = {chosen.actor, chosen.event, chosen.time, chosen.session, chosen.order_key}
    return replace(chosen, properties=tuple(n for n in names if n not in used))


def _quoted(table: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))
