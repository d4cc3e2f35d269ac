"""Edge cases found in review: each pinned so it cannot come back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from funnel_gui.core.definition.model import Breakdown, FunnelDefinition, MicroConversion, Step
from funnel_gui.core.engine.compute import compute
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


def test_duplicate_header_names_keep_every_column(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("user_id,event,event_time,x,x,x_2\nu1,a,2026-01-01T00:00:00Z,1,2,3\n")
    row = load_events(path).properties.to_pylist()[0]
    assert sorted(row.values()) == ["1", "2", "3"]
    assert row["x"] == "1"
    assert row["x_2"] == "3"


def test_compact_dates_take_the_chosen_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("user_id,event,event_date\nu1,a,20260101\n")
    table = load_events(path, assume_tz="America/New_York")
    # Midnight in New York is 05:00 UTC in January.
    assert int(table.time[0]) == 1_767_243_600 * 1_000_000_000


def test_ga4_params_pivot_with_many_keys(tmp_path: Path) -> None:
    import json

    lines = []
    for i in range(200):
        params = [{"key": f"k{j}", "value": {"string_value": f"{i}-{j}"}} for j in range(i % 7)]
        params.append({"key": "k0", "value": {"string_value": f"last-{i}"}})  # repeated key
        lines.append(
            json.dumps(
                {
                    "event_name": "e",
                    "event_timestamp": str(1_600_000_000_000_000 + i),
                    "user_pseudo_id": f"u{i}",
                    "event_params": params,
                }
            )
        )
    path = tmp_path / "ga4.json"
    path.write_text("\n".join(lines) + "\n")
    table = load_events(path)
    values = table.properties.to_pydict()
    by_row = {i: {k: v[i] for k, v in values.items()} for i in range(200)}
    assert by_row[3]["k0"] == "last-3"  # a repeated key keeps its last value
    assert by_row[3]["k2"] == "3-2"
    assert by_row[3].get("k5") is None  # row 3 has only k0..k2


def test_filters_on_a_missing_property_warn_instead_of_a_silent_zero(tmp_path: Path) -> None:
    """Issue 15.10: an all-zero step from a filter on a property the data lacks says why."""
    from tests.core.engine_fixtures import step, where

    table = make_table(
        [("u1", "a", 0, "mobile"), ("u1", "b", 1, "mobile")], tmp_path, props=("device",)
    )
    defn = definition("a", step("b", where=[where("plan", "eq", "pro")]))
    result = compute(table, defn)
    assert [s.count for s in result.steps] == [1, 0]
    assert any("No property 'plan'" in w and "b" in w for w in result.warnings)


def test_a_filter_on_the_session_column_says_it_is_the_session_column(tmp_path: Path) -> None:
    from tests.core.engine_fixtures import step, where

    table = make_table([("u1", "a", 0, "s1"), ("u1", "b", 1, "s1")], tmp_path, session=True)
    mapped = table.report.mapping.primary("session")
    assert mapped is not None
    defn = definition("a", step("b", where=[where(mapped, "eq", "s1")]))
    warnings = compute(table, defn).warnings
    assert any(f"{mapped!r} is the file's session column" in w for w in warnings)
