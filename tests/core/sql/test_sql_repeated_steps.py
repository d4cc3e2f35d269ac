"""§3.1 in SQL: one event that is several steps, repeated (each step's next match must lie
strictly after the previous step's row), and a later match past the window (§14
"window") beside none at all ("never"). Hand-checked, then held to the in-memory engine."""

from __future__ import annotations

from pathlib import Path

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.sql.runner import compute_sql
from tests.core.engine_fixtures import duration, make_table
from tests.core.sql.sql_fixtures import duckdb_of

# Minutes. u1 views three times within the window: 3 steps. u2's second view is past
# the 10-minute window: level 1, stopped by the window. u3 views once: level 1, never.
# u4 views, carts, views: level 2, never. u9's late event closes every window (§7).
ROWS = [
    ("u1", "view", 0),
    ("u1", "view", 1),
    ("u1", "view", 2),
    ("u2", "view", 0),
    ("u2", "view", 20),
    ("u3", "view", 0),
    ("u4", "view", 0),
    ("u4", "cart", 1),
    ("u4", "view", 5),
    ("u9", "other", 100),
]
FUNNEL = FunnelDefinition(
    steps=(Step(("view",)), Step(("view",)), Step(("view",))),
    window_ns=duration(10),
)


def test_a_repeated_step_event_counts_once_per_step(tmp_path: Path) -> None:
    table = make_table(ROWS, tmp_path)
    source = duckdb_of(table)
    got = compute_sql(source, FUNNEL)
    source.close()
    assert [s.count for s in got.steps] == [4, 2, 1]
    assert _given(got.steps[1].reasons) == {"window": 1, "never": 1}
    assert _given(got.steps[2].reasons) == {"never": 1}
    expected = compute(table, FUNNEL)
    assert [s.count for s in expected.steps] == [4, 2, 1]
    assert [s.reasons for s in got.steps] == [s.reasons for s in expected.steps]


def _given(reasons: dict[str, int] | None) -> dict[str, int]:
    return {name: n for name, n in (reasons or {}).items() if n}
