"""Drill-down lists and the per-unit table from a SQL engine, only on demand and with a
LIMIT: the same rows as the in-memory engine's (§3.4, §7), fetched without the rest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from funnel_gui.core.analysis.drilldown import dropped_at
from funnel_gui.core.analysis.trends import trend
from funnel_gui.core.definition.model import Breakdown, FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.sql.runner import compute_sql
from tests.core.engine_fixtures import make_table
from tests.core.sql.sql_fixtures import duckdb_of

# Minutes from a Monday. Dropped after view (step 2 missing): u2 (view 2), u4 (view 0),
# u5 (view 2, a tie with u2: ids decide); u1 and u3 reach cart; u6 never views.
ROWS = [
    ("u1", "view", 0, "a"),
    ("u1", "cart", 1, "a"),
    ("u2", "view", 2, "b"),
    ("u3", "view", 3, "a"),
    ("u3", "cart", 4, "b"),
    ("u4", "view", 0, "b"),
    ("u5", "view", 2, "a"),
    ("u6", "cart", 1, "a"),
]
FUNNEL = FunnelDefinition(
    steps=(Step(("view",)), Step(("cart",)), Step(("pay",), kind="macro")),
    breakdown=Breakdown("p"),
)


def test_dropped_list_matches_memory_and_obeys_the_limit(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path, props=["p"])
    expected = dropped_at(compute(table, FUNNEL), 2)
    assert list(expected["actor"]) == ["u4", "u2", "u5"]
    source = duckdb_of(table)
    got = compute_sql(source, FUNNEL, dropped_at=2)
    pd.testing.assert_frame_equal(dropped_at(got, 2), expected)
    first_two = compute_sql(source, FUNNEL, dropped_at=2, units_limit=2)
    assert list(dropped_at(first_two, 2)["actor"]) == ["u4", "u2"]
    source.close()


def test_only_aggregates_by_default_and_trends_from_days(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path, props=["p"])
    source = duckdb_of(table)
    got = compute_sql(source, FUNNEL)
    source.close()
    assert len(got.units.furthest) == 0  # nothing per unit crossed the wire
    expected = compute(table, FUNNEL)
    assert [p.to_dict() for p in trend(got)] == [p.to_dict() for p in trend(expected)]
    assert [p.to_dict() for p in trend(got, "month")] == [
        p.to_dict() for p in trend(expected, "month")
    ]
    assert trend(got)[0].counts == [5, 2, 0]
