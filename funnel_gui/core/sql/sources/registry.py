"""From a source URL to a connected, column-mapped SqlSource (any scheme but duckdb/files).

Each client is imported only when its scheme is used, so a missing optional extra costs
nothing until then, and then says which extra to install.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.base import ClientSource
from funnel_gui.core.sql.sources.urls import SourceError, SourceURL, parse_source_url


def _postgres(url: SourceURL, text: str) -> ClientSource:
    from funnel_gui.core.sql.sources.postgres import PostgresSource

    return PostgresSource(url, text)


def _clickhouse(url: SourceURL, text: str) -> ClientSource:
    from funnel_gui.core.sql.sources.clickhouse import ClickHouseServerSource

    return ClickHouseServerSource(url)


def _chdb(url: SourceURL, text: str) -> ClientSource:
    from funnel_gui.core.sql.sources.clickhouse import ChdbSource

    return ChdbSource(url)


def _spark(url: SourceURL, text: str) -> ClientSource:
    from funnel_gui.core.sql.sources.spark import SparkSource

    return SparkSource(url)


def _bigquery(url: SourceURL, text: str) -> ClientSource:
    from funnel_gui.core.sql.sources.bigquery import BigQuerySource

    return BigQuerySource(url)


OPENERS: dict[str, Callable[[SourceURL, str], ClientSource]] = {
    "postgresql": _postgres,
    "postgres": _postgres,
    "clickhouse": _clickhouse,
    "chdb": _chdb,
    "spark": _spark,
    "sc": _spark,
    "bigquery": _bigquery,
}
# What the Open dialog and --help show as examples, one per engine.
EXAMPLES = (
    "postgresql://user@host/db?table=events",
    "clickhouse://host:8123/db?table=events",
    "chdb:///path/to/files",
    "spark://local?table=events",
    "bigquery://project/dataset?table=events_*",
)


def is_client_url(text: str) -> bool:
    scheme = text.strip().split("://", 1)[0].lower() if "://" in text else ""
    return scheme in OPENERS


def connect(text: str) -> ClientSource:
    """Connect without mapping columns (the app picks a table first)."""
    url = parse_source_url(text)
    opener = OPENERS.get(url.scheme)
    if opener is None:
        known = ", ".join(sorted({*OPENERS, "duckdb"}))
        raise SourceError(f"Unknown source {url.scheme or text!r}: use one of {known}.")
    return opener(url, text)


def open_client_source(
    text: str, overrides: Mapping[str, str] | None = None, columns: ColumnMap | None = None
) -> ClientSource:
    """Connect, and map the columns of the URL's table: `columns` as given, else from its
    schema plus `overrides`."""
    from funnel_gui.core.sql.sources.schema import map_columns

    source = connect(text)
    try:
        if not source.relation:
            raise SourceError(f"Name the table in the URL (?table=NAME), e.g. {EXAMPLES[0]}")
        source.columns = columns or map_columns(source, overrides or {})
    except BaseException:
        source.close()
        raise
    return source


def _open_for_sql(text: str, memory_limit: str | None, columns: ColumnMap | None) -> SqlSource:
    # The memory limit is DuckDB's; servers have their own.
    return open_client_source(text, None, columns)


def client_openers() -> dict[str, Callable[[str, str | None, ColumnMap | None], SqlSource]]:
    """core/sql/open.py's SCHEMES entries for every client here."""
    return dict.fromkeys(OPENERS, _open_for_sql)
