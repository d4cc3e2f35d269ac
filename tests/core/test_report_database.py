"""The report of a funnel computed by a database (§21): it says where (engine, URL
without credentials or parameters, table, which column played which role), has no
import report, and no table or column name can inject markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.report.database_words import DatabaseOrigin, origin_rows, shown_url
from funnel_gui.core.report.page import report_page
from funnel_gui.core.sql.source import ColumnMap
from tests.core.engine_fixtures import make_table

HOSTILE_TABLE = "<script>alert('t')</script>"
HOSTILE_COLUMN = "<img src=x onerror=alert(1)>&amp;"


def test_shown_url_drops_user_password_and_parameters() -> None:
    assert (
        shown_url("postgresql://ana:secret@db.example:5433/shop?table=events&sslkey=/k")
        == "postgresql://db.example:5433/shop?table=events"
    )
    assert shown_url("bigquery://proj/ds?table=ev&token=abc") == "bigquery://proj/ds?table=ev"
    assert shown_url("duckdb:///home/ana/x.duckdb?table=events") == (
        "duckdb:///home/ana/x.duckdb?table=events"
    )
    assert shown_url("/home/ana/exports/events.parquet") == "events.parquet"  # as files are


class _Text(HTMLParser):
    """The page's text and the tags it opens, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_says_where_and_escapes_every_name(tmp_path: Path) -> None:
    # One person, view then buy: 1 entered, 1 converted (hand count).
    table = make_table([("u1", "view", 0), ("u1", "buy", 60)], tmp_path)
    result = compute(table, FunnelDefinition(steps=(Step(("view",)), Step(("buy",)))))
    columns = ColumnMap(HOSTILE_COLUMN, "event", "time", properties=(HOSTILE_COLUMN + "2",))
    origin = DatabaseOrigin("DuckDB", "duckdb:///x.duckdb?table=t", HOSTILE_TABLE, columns)
    page = report_page(result, data_files=[], import_report=None, origin=origin)
    parsed = _Text()
    parsed.feed(page)
    assert "img" not in parsed.tags
    assert parsed.tags.count("script") == 1  # the embedded funnel file, nothing else
    text = "".join(parsed.text)
    assert "Data: read where it lives" in text
    assert f"computed in DuckDB · {HOSTILE_TABLE}" in text  # the first line, as text
    assert "Import report" not in text
    assert "Rows read" not in text
    for term, value in origin_rows(origin):
        assert f"{term}{value}" in text
    # To reproduce: the same funnel computed on the same source.
    assert 'funnel-gui compute "duckdb:///x.duckdb?table=t" --funnel NAME.funnel.json' in text
    assert "funnel-gui report FILE" not in text
    assert HOSTILE_TABLE not in page  # only its escaped form is in the markup
    assert HOSTILE_COLUMN not in page
