"""§21 in other dialects: the demo funnel's SQL for BigQuery and Snowflake (golden files,
checked by SQLGlot parsing), and the BigQuery text translated back to DuckDB and run on a
hand-checkable log gives the plain reference engine's numbers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import sqlglot

from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.sql.result_build import Aggregates, Levels, breakdown_result
from funnel_gui.resources import demo_data_path
from funnel_gui.sql_cli import funnel_sql, parse_columns
from tests.core.engine_fixtures import make_table, ns
from tests.core.sql.sql_fixtures import table_rows
from tests.reference_engine import reference_compute

GOLDEN = Path(__file__).parent / "golden"
COLUMNS = "actor=user_id,event=event_name,time=event_time,order=row_id"
DIALECTS = ("bigquery", "snowflake")

# Minutes from a Monday: u1 converts; u2 stops at checkout; u3 refunds between view and
# purchase, so its only attempt is void (excluded, §4); u4 views twice, then carts.
ROWS = [
    ("u1", "view_item", 0, "mobile"),
    ("u1", "add_to_cart", 2, "mobile"),
    ("u1", "newsletter_signup", 3, "mobile"),
    ("u1", "begin_checkout", 4, "desktop"),
    ("u1", "purchase", 9, "desktop"),
    ("u2", "view_item", 1, "desktop"),
    ("u2", "add_to_cart", 1, "desktop"),
    ("u2", "begin_checkout", 6, ""),
    ("u3", "view_item", 0, "tablet"),
    ("u3", "refund", 5, "tablet"),
    ("u3", "purchase", 7, "tablet"),
    ("u4", "view_item", 3, "mobile"),
    ("u4", "view_item", 4, "desktop"),
    ("u4", "add_to_cart", 8, "mobile"),
]


def _demo_definition():  # type: ignore[no-untyped-def]
    return load_funnel(demo_data_path().parent / "checkout.funnel.json").definition


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql_is_what_the_compiler_writes(dialect: str) -> None:
    text = funnel_sql(_demo_definition(), dialect, "events", parse_columns(COLUMNS))
    assert text == (GOLDEN / f"checkout_{dialect}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql_parses_in_its_dialect(dialect: str) -> None:
    text = (GOLDEN / f"checkout_{dialect}.sql").read_text(encoding="utf-8")
    statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    assert len(statements) == 1
    assert isinstance(statements[0], sqlglot.exp.Union)


def test_bigquery_text_run_back_in_duckdb_gives_the_reference(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path, props=["device"])
    defn = _demo_definition()
    rows = table_rows(table)
    events = pa.table(
        {
            "user_id": rows["actor"],
            "event_name": rows["event"],
            "event_time": rows["time"]
            .cast(pa.timestamp("ns", tz="UTC"))
            .cast(pa.timestamp("us", tz="UTC")),
            "row_id": pa.array(range(rows.num_rows), pa.int64()),
            "device": rows["device"],
        }
    )
    bigquery = (GOLDEN / "checkout_bigquery.sql").read_text(encoding="utf-8")
    back = sqlglot.transpile(bigquery, read="bigquery", write="duckdb")[0]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("events", events)
    agg = Aggregates.of(con.sql(back).to_arrow_table())
    levels = Levels.of(agg, defn.n_steps)
    ref = reference_compute(table, defn)
    assert levels.counts() == ref.counts == [3, 3, 2, 1]
    assert (levels.entered, levels.excluded) == (ref.entered, ref.excluded) == (4, 1)
    groups = breakdown_result(defn, agg)
    assert groups is not None
    got = {g.value: g.counts[0] for g in groups.groups}
    expected: dict[str, int] = {}
    for unit in ref.units.values():
        if not unit.excluded:
            expected[str(unit.breakdown)] = expected.get(str(unit.breakdown), 0) + 1
    assert got == expected == {"mobile": 2, "desktop": 1}
    last = agg.get("last")[0][0]
    assert last == ns(9)
