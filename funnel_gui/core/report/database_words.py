"""Where a funnel computed by a database was computed, as the report says it: the engine,
the source URL without credentials, the table and which columns played which role. The
rows never came into memory, so there is no import report: this says "read where it
lives" instead (FUNNEL_SEMANTICS.md §21)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from funnel_gui.core.sql.duckdb_source import ROW_COLUMN
from funnel_gui.core.sql.source import ColumnMap, SqlSource

_ENGINES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "clickhouse": "ClickHouse"}


@dataclass(frozen=True)
class DatabaseOrigin:
    """What the report names: `url` is already safe to show (no user, no password, no
    query parameter but the table)."""

    engine: str
    url: str
    table: str
    columns: ColumnMap

    @property
    def summary(self) -> str:
        """ "DuckDB · events", for the page's first line."""
        return f"{self.engine} · {self.table}" if self.table else self.engine


def shown_url(text: str) -> str:
    """A source as it may be printed: a URL without its user, password or parameters
    (they may hold tokens) other than `table`; a path by its file name, as files are."""
    text = text.strip()
    parts = urlsplit(text)
    if len(parts.scheme) <= 1 or "://" not in text:
        return Path(text).name or text
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    table = [v for k, v in parse_qsl(parts.query) if k == "table"]
    query = f"?table={table[0]}" if table else ""
    return f"{parts.scheme}://{host}{parts.path}{query}"


def database_origin(source: SqlSource, text: str, label: str) -> DatabaseOrigin:
    """The origin of `source`, opened from `text` and shown in the app as `label`
    ("DuckDB · events")."""
    engine = str(getattr(source, "engine", "") or "") or _ENGINES.get(
        source.dialect, source.dialect
    )
    table = str(getattr(source, "table_label", "") or "")
    if not table:
        table = label.split(" · ", 1)[1] if " · " in label else ""
    return DatabaseOrigin(engine, shown_url(text) if text else "", table, source.columns)


def origin_rows(origin: DatabaseOrigin) -> list[tuple[str, str]]:
    cols = origin.columns
    rows = [("Engine", origin.engine), ("Source", origin.url or "–"), ("Table", origin.table)]
    rows += [
        ("Actor column", cols.actor),
        ("Event column", cols.event),
        ("Time column", cols.time),
        ("Session column", cols.session or "(none)"),
        ("Order of equal times", _order(cols.order_key)),
    ]
    if cols.properties:
        rows.append(("Property columns", ", ".join(cols.properties)))
    return rows


def _order(key: str | None) -> str:
    # DuckDB numbers the rows itself when no column was picked.
    return key if key and key != ROW_COLUMN else "(the table's row order)"


def origin_html(origin: DatabaseOrigin) -> str:
    """The report's "Read where it lives" section body; every name escaped."""
    rows = "".join(
        f"<tr><th scope='row'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in origin_rows(origin)
    )
    return (
        f"<p>Computed in {escape(origin.engine)}, where the table lives: only aggregates "
        "came back, so no rows were imported and no import report applies.</p>"
        f"<table class='facts'><tbody>{rows}</tbody></table>"
    )
