"""Edge cases found in review: each pinned so it cannot come back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from funnel_gui.core.definition import Breakdown, FunnelDefinition, MicroConversion, Step
from funnel_gui.core.engine import compute
from funnel_gui.core.io import load_events
from tests.core.engine_fixtures import definition, make_table


def test_float_property_with_nan_breaks_down_without_crashing(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "user_id": ["u1", "u2"],
                "event": ["a", "a"],
                "time": pa.array([1_700_000_000_000, 1_700_000_001_000]),
                "score": [float("nan"), 1.0],
            }
        ),
        tmp_path / "x.parquet",
    )
    table = load_events(tmp_path / "x.parquet")
    result = compute(table, FunnelDefinition(steps=(Step(("a",)),), breakdown=Breakdown("score")))
    assert result.breakdown is not None
    assert {g.value: g.counts for g in result.breakdown.groups} == {"(none)": [1], "1": [1]}


def test_same_actor_across_files_with_float_and_int_ids(tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array([123456789012.0, None]),
                "event": ["a", "a"],
                "time": pa.array([1_700_000_000_000, 1_700_000_001_000]),
            }
        ),
        tmp_path / "day1.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array([123456789012]),
                "event": ["b"],
                "time": pa.array([1_700_000_002_000]),
            }
        ),
        tmp_path / "day2.parquet",
    )
    table = load_events(tmp_path)
    assert table.actor_ids.to_pylist() == ["123456789012"]
    steps = (Step(("a",)), Step(("b",)))
    assert [s.count for s in compute(table, FunnelDefinition(steps=steps)).steps] == [1, 1]


def test_any_order_micro_macro_counts_reaching_m_steps(tmp_path: Path) -> None:
    # u1 does b (1 step) then n; u2 does a then b (2 steps). Only u2 reaches "2 steps".
    table = make_table([("u1", "b", 0), ("u1", "n", 1), ("u2", "a", 0), ("u2", "b", 1)], tmp_path)
    defn = replace(definition("a", "b", order="any"), micro_conversions=(MicroConversion(("n",)),))
    result = compute(table, defn)
    assert [s.count for s in result.steps] == [2, 1]
    impact = next(m for m in result.micro_macro if m.label == "n")
    assert (impact.n_a, impact.macro_a, impact.n_b, impact.macro_b) == (1, 0, 1, 1)


def test_breakdown_with_many_groups(tmp_path: Path) -> None:
    rows = [(f"u{i}", "a", 0, f"v{i % 5_000}") for i in range(10_000)]
    table = make_table(rows, tmp_path, props=("p",))
    result = compute(table, definition("a", breakdown="p"))
    assert result.breakdown is not None
    assert len(result.breakdown.groups) == 5_000
    assert all(g.counts == [2] for g in result.breakdown.groups)


def test_session_funnel_exports_session_ids_and_warns_about_loose_events(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "user_id,event_name,event_time,session_id\n"
        "u1,a,2026-03-02T00:00:00Z,S-9001\n"
        "u1,b,2026-03-02T00:01:00Z,\n"
        "u2,a,2026-03-02T00:00:00Z,S-7777\n"
        "u2,b,2026-03-02T00:01:00Z,S-7777\n"
    )
    table = load_events(path)
    result = compute(table, definition("a", "b", unit="session"))
    assert [s.count for s in result.steps] == [2, 1]
    frame = result.actors_frame().set_index("actor")
    assert frame.loc["u1", "session_id"] == "S-9001"
    assert frame.loc["u2", "session_id"] == "S-7777"
    assert any("1 event (25.0%) has no session" in w for w in result.warnings)


def test_session_funnel_on_data_without_sessions_says_so(tmp_path: Path) -> None:
    table = make_table([("u1", "a", 0), ("u1", "b", 1)], tmp_path)
    result = compute(table, definition("a", "b", unit="session"))
    assert [s.count for s in result.steps] == [0, 0]
    assert any("no sessions" in w for w in result.warnings)
