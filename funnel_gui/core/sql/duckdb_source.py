"""DuckDB as a SqlSource: Parquet/CSV/JSON files and folders read straight from disk (so
they may be larger than memory, under an optional memory limit), a table of a .duckdb
database, or an in-memory pandas/Arrow table (tests, the app's loaded data).

Ties in time keep file order (§1): Parquet rows are numbered by their file and
`file_row_number`; CSV and JSON, which DuckDB cannot number while scanning, are copied
into a temporary table first (spilled to disk past the memory limit), whose rowid is
their order; an in-memory table gets its row positions as a column.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.predicates import literal, quote_name
from funnel_gui.core.sql.source import ColumnMap, QueryCancelled

ROW_COLUMN = "__funnel_row"
_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")
_JSON = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_FILE_SHIFT = 2**40  # row numbers of file i start at i * 2**40: a trillion rows per file


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, ends in (("parquet", _PARQUET), ("csv", _CSV), ("json", _JSON)):
        if name.endswith(ends):
            return kind
    return None


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; a folder's readable files in name order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            if not found:
                raise UserFacingError(f"{path} holds no Parquet, CSV or JSON file.")
            out += found
        elif path.is_file():
            if _kind(path) is None:
                raise UserFacingError(
                    f"{path.name}: DuckDB reads Parquet, CSV and JSON files; use the "
                    "in-memory engine for other formats."
                )
            out.append(path)
        else:
            raise UserFacingError(f"No such file or folder: {path}")
    kinds = {_kind(p) for p in out}
    if len(kinds) > 1:
        raise UserFacingError("Mixing Parquet, CSV and JSON files in one source is not supported.")
    return out


class DuckDBSource:
    """A SqlSource computed by an embedded DuckDB connection."""

    dialect = "duckdb"

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        relation: str,
        columns: ColumnMap,
    ) -> None:
        self._con = connection
        self._lock = threading.Lock()
        self.relation = relation
        self.columns = columns
        # Set by cancel(); the query running then (or, if none, the next one) is stopped.
        self._cancel_pending = threading.Event()
        self.running = threading.Event()  # a query is executing (tests wait on it)
        self._idle = threading.Event()
        self._idle.set()

    # --- constructors -------------------------------------------------------------
    @staticmethod
    def connect(memory_limit: str | None = None, database: str = ":memory:") -> Any:
        con = duckdb.connect(database, read_only=database != ":memory:")
        con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            try:
                con.execute(f"SET memory_limit = {literal(memory_limit)}")
            except duckdb.Error as exc:
                raise UserFacingError(
                    f"Memory limit {memory_limit!r} not understood: {exc}"
                ) from exc
            spill = Path(tempfile.gettempdir()) / "funnel-gui-duckdb"
            con.execute(f"SET temp_directory = {literal(str(spill))}")
        return con

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | Path],
        columns: ColumnMap | None = None,
        memory_limit: str | None = None,
    ) -> DuckDBSource:
        files = expand_paths(paths)
        con = cls.connect(memory_limit)
        if _kind(files[0]) == "parquet":
            relation = _parquet_relation(files)
        else:
            reader = "read_csv_auto" if _kind(files[0]) == "csv" else "read_json_auto"
            listed = "[" + ", ".join(literal(str(p)) for p in files) + "]"
            options = ", all_varchar = true" if reader == "read_csv_auto" else ""
            try:
                con.execute(
                    f"CREATE TEMP TABLE funnel_events AS SELECT * FROM {reader}({listed}{options})"
                )
            except duckdb.Error as exc:
                raise UserFacingError(f"DuckDB could not read {files[0].name}: {exc}") from exc
            relation = f"(SELECT *, rowid AS {ROW_COLUMN} FROM funnel_events)"
        # Row order is carried by the row column now: DuckDB may read out of order,
        # which keeps less in memory.
        con.execute("SET preserve_insertion_order = false")
        return cls._with_columns(con, relation, columns)

    @classmethod
    def from_table(cls, table: pa.Table | Any, columns: ColumnMap) -> DuckDBSource:
        """An in-memory pandas DataFrame or Arrow table; row order breaks ties."""
        arrow = (
            table
            if isinstance(table, pa.Table)
            else pa.Table.from_pandas(table, preserve_index=False)
        )
        arrow = arrow.append_column(ROW_COLUMN, pa.array(range(arrow.num_rows), pa.int64()))
        con = cls.connect()
        con.register("funnel_events", arrow)
        order = columns.order_key or ROW_COLUMN
        return cls(con, "funnel_events", _with_order(columns, order))

    @classmethod
    def from_database(
        cls, path: str, table: str, columns: ColumnMap | None, memory_limit: str | None = None
    ) -> DuckDBSource:
        if not Path(path).is_file():
            raise UserFacingError(f"No such DuckDB database: {path}")
        con = cls.connect(memory_limit, database=path)
        relation = ".".join(quote_name(part) for part in table.split("."))
        source = cls._with_columns(
            con, f"(SELECT *, rowid AS {ROW_COLUMN} FROM {relation})", columns
        )
        return source

    @classmethod
    def _with_columns(cls, con: Any, relation: str, columns: ColumnMap | None) -> DuckDBSource:
        if columns is None:
            sample = con.sql(f"SELECT * FROM {relation} LIMIT 1000").to_arrow_table()
            columns = detect_columns(sample.drop_columns([ROW_COLUMN]))
        order = columns.order_key or ROW_COLUMN
        return cls(con, relation, _with_order(columns, order))

    @property
    def connection(self) -> Any:
        """The DuckDB connection (for catalogs, and tests that watch it work)."""
        return self._con

    # --- SqlSource ---------------------------------------------------------------
    def execute(self, sql: str) -> pa.Table:
        with self._lock:
            if self._cancel_pending.is_set():
                self._cancel_pending.clear()
                raise QueryCancelled("The query was cancelled.")
            self._idle.clear()
            self.running.set()
            try:
                return self._con.sql(sql).to_arrow_table()
            except duckdb.InterruptException as exc:
                self._cancel_pending.clear()
                raise QueryCancelled("The query was cancelled.") from exc
            except duckdb.OutOfMemoryException as exc:
                raise UserFacingError(
                    f"DuckDB ran out of memory ({exc}); raise --memory-limit or free memory."
                ) from exc
            except duckdb.Error as exc:  # a value the table cannot convert, a bad type...
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise UserFacingError(f"DuckDB could not compute the funnel: {first}") from exc
            finally:
                self.running.clear()
                self._idle.set()

    def cancel(self) -> None:
        """Interrupt the running query (DuckDB's interrupt is safe from any thread); with
        none running, the next query is refused, so a cancel between two queries of one
        computation stops it too."""
        self._cancel_pending.set()
        # An interrupt that lands just before DuckDB starts the query is lost, so repeat
        # it until the query has stopped (briefly: DuckDB checks often), at most 10 s.
        for _ in range(200):
            self._con.interrupt()
            if self._idle.wait(0.05):
                break

    def close(self) -> None:
        self._con.close()


def _with_order(columns: ColumnMap, order: str) -> ColumnMap:
    return ColumnMap(
        columns.actor,
        columns.event,
        columns.time,
        columns.session,
        order,
        tuple(p for p in columns.properties if p != ROW_COLUMN),
    )


def _parquet_relation(files: list[Path]) -> str:
    """Every file's rows numbered in file order without loading them."""
    parts = [
        f"SELECT * EXCLUDE (file_row_number), {i * _FILE_SHIFT} + file_row_number AS {ROW_COLUMN} "
        f"FROM read_parquet({literal(str(p))}, file_row_number = true)"
        for i, p in enumerate(files)
    ]
    return "(" + " UNION ALL ".join(parts) + ")"


def detect_columns(sample: pa.Table, overrides: dict[str, str | None] | None = None) -> ColumnMap:
    """Roles from a sample of the table, as files are detected (core/io/detect)."""
    from funnel_gui.core.io.detect import detect

    mapping = detect(sample).mapping
    if overrides:
        mapping = mapping.with_overrides(overrides)
    missing = mapping.missing_roles()
    if missing:
        raise UserFacingError(
            f"Could not tell which column holds the {', '.join(missing)} (columns: "
            f"{', '.join(sample.column_names[:12])}); name it with --actor/--event/--time."
        )
    roles = {r: mapping.primary(r) for r in ("actor", "event", "time", "session")}
    used = set(roles.values())
    props = tuple(n for n in sample.column_names if n not in used)
    return ColumnMap(
        actor=str(roles["actor"]),
        event=str(roles["event"]),
        time=str(roles["time"]),
        session=roles["session"],
        properties=props,
    )
