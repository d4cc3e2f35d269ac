"""The meeting point of the SQL compiler and every database client: what a source must offer.

A source is a table (or subquery) in some SQL engine plus the names of its columns. The
compiler writes one query in the source's dialect and the source runs it and hands back
Arrow, so only aggregates cross the wire and the engine does the heavy work where the data
lives (FUNNEL_SEMANTICS.md §21).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pyarrow

from funnel_gui.core.progress import TaskCancelled


@dataclass(frozen=True)
class ColumnMap:
    """Names of the columns in the SQL table (as they are spelled there, unquoted)."""

    actor: str
    event: str
    time: str
    session: str | None = None
    order_key: str | None = None
    properties: tuple[str, ...] = ()


class SqlSource(Protocol):
    """One SQL table reachable through a client that returns Arrow."""

    # A SQLGlot dialect name: "duckdb", "postgres", "clickhouse", "spark", "bigquery",
    # "snowflake".
    dialect: str
    # SQL text usable in FROM: a quoted table name or a parenthesised subquery, already
    # written in `dialect`.
    relation: str
    columns: ColumnMap

    def execute(self, sql: str) -> pyarrow.Table:
        """Run one query written in this source's dialect and return its rows as Arrow."""
        ...

    def cancel(self) -> None:
        """Cancel the running query for real where the client allows (from another thread)."""
        ...

    def close(self) -> None:
        """Release the connection; the source is unusable afterwards."""
        ...


class QueryCancelled(TaskCancelled):
    """Raised by `SqlSource.execute` when `cancel()` stopped the query."""
