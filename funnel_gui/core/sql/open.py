"""open_sql_source(text): what the command line and the app accept as a SQL source.

A plain path (a Parquet/CSV/JSON file or a folder of them) or `duckdb:///file.duckdb?
table=events` opens in DuckDB here; other URL schemes are added by their own modules
through `SCHEMES` (scheme -> opener), so this stays the one place that parses SOURCE.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.registry import client_openers

# An opener gets the whole text, the memory limit and the columns (None: detect them).
Opener = Callable[[str, "str | None", "ColumnMap | None"], SqlSource]


def _open_duckdb_url(text: str, memory_limit: str | None, columns: ColumnMap | None) -> SqlSource:
    parts = urlsplit(text)
    path = unquote(parts.path)
    if parts.netloc:  # duckdb://relative/path.duckdb
        path = parts.netloc + path
    table = parse_qs(parts.query).get("table", [None])[0]
    if not table:
        raise UserFacingError(f"Name the table in the URL: {text}?table=events")
    return DuckDBSource.from_database(path, table, columns, memory_limit)


SCHEMES: dict[str, Opener] = {"duckdb": _open_duckdb_url, **client_openers()}


def is_url(text: str) -> bool:
    scheme = urlsplit(text).scheme
    return len(scheme) > 1 and "://" in text  # a Windows drive letter is no scheme


def open_sql_source(
    text: str, memory_limit: str | None = None, columns: ColumnMap | None = None
) -> SqlSource:
    """The source named by `text`: a path computed by DuckDB, or a URL whose scheme a
    source module registered in SCHEMES."""
    if not is_url(text):
        return DuckDBSource.from_paths([text], columns, memory_limit)
    scheme = urlsplit(text).scheme.lower()
    opener = SCHEMES.get(scheme)
    if opener is None:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UserFacingError(
            f"Unknown source {scheme}://: use a file or folder path, or one of {known}."
        )
    return opener(text, memory_limit, columns)
