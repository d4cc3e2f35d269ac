"""GA4's BigQuery export flattened by UNNEST (sources/ga4.py). BigQuery cannot run here:
the relation is pinned by a golden file that SQLGlot must parse as BigQuery, and the same
text translated to DuckDB runs on a two-row table of GA4's nested shape, with the values
read off by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from funnel_gui.core.sql.sources.ga4 import ga4_relation

GOLDEN = Path(__file__).parent / "golden" / "ga4_events.bigquery.sql"
_PARAM = "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
_PARAM += "float_value DOUBLE, double_value DOUBLE))[]"


def _relation() -> str:
    relation, _ = ga4_relation("`p.d.events_*`", ("page_location", "value"), ("plan",))
    return relation


def test_golden_relation_parses_as_bigquery() -> None:
    assert _relation() + "\n" == GOLDEN.read_text()
    tree = sqlglot.parse_one(f"SELECT * FROM {_relation()} AS g", read="bigquery")
    unnested = [u.expressions[0].sql("bigquery") for u in tree.find_all(exp.Unnest)]
    # ga_session_id, two event params and one user property, each through UNNEST.
    assert sorted(unnested) == ["event_params"] * 3 + ["user_properties"]


def test_columns_name_the_flat_fields() -> None:
    _, columns = ga4_relation("t", ("page_location",), ("plan",))
    assert (columns.actor, columns.event, columns.time, columns.session) == (
        "actor",
        "event_name",
        "event_time",
        "session_id",
    )
    assert columns.properties[-2:] == ("page_location", "user.plan")


def _param(
    key: str, text: str | None = None, number: int | None = None, real: float | None = None
) -> str:
    s = "NULL" if text is None else f"'{text}'"
    i = "NULL" if number is None else str(number)
    d = "NULL" if real is None else str(real)
    value = f"{{'string_value': {s}, 'int_value': {i}, 'float_value': NULL, 'double_value': {d}}}"
    return f"{{'key': '{key}', 'value': {value}}}"


def test_relation_translated_to_duckdb_reads_nested_params() -> None:
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE events (user_id VARCHAR, user_pseudo_id VARCHAR, event_name VARCHAR, "
        f"event_timestamp BIGINT, event_params {_PARAM}, user_properties {_PARAM}, "
        "platform VARCHAR, device STRUCT(category VARCHAR), geo STRUCT(country VARCHAR), "
        "traffic_source STRUCT(source VARCHAR, medium VARCHAR))"
    )
    first = f"[{_param('ga_session_id', number=77)}, {_param('page_location', '/home')}]"
    second = f"[{_param('value', real=12.5)}]"
    con.execute(
        f"INSERT INTO events VALUES (NULL, 'p1', 'page_view', 1700000000000000, {first}, "
        f"[{_param('plan', 'pro')}], 'WEB', {{'category': 'mobile'}}, {{'country': 'DE'}}, "
        "{'source': 'google', 'medium': 'cpc'}), "
        f"('u9', 'p2', 'purchase', 1700000060000000, {second}, [], 'WEB', "
        "{'category': 'desktop'}, {'country': 'FR'}, {'source': '(direct)', 'medium': '(none)'})"
    )
    text = sqlglot.transpile(f"SELECT * FROM {_relation()} AS g", read="bigquery", write="duckdb")
    rows = con.sql(text[0].replace('"p"."d"."events_*"', "events")).fetchall()
    start = dt.datetime(2023, 11, 14, 22, 13, 20)
    assert rows == [
        # user_id missing → user_pseudo_id; session made unique per actor.
        (
            "p1",
            "page_view",
            start,
            "p1:77",
            "WEB",
            "mobile",
            "DE",
            "google",
            "cpc",
            "/home",
            None,
            "pro",
        ),
        # no ga_session_id → no session; a double param read as text.
        (
            "u9",
            "purchase",
            start + dt.timedelta(minutes=1),
            None,
            "WEB",
            "desktop",
            "FR",
            "(direct)",
            "(none)",
            None,
            "12.5",
            None,
        ),
    ]
