"""The vectorised engine agrees with the plain reference on random small event logs.

Hypothesis draws tiny logs (a few actors, coarse times so ties are common, optional
sessions and a property "p") and random definitions covering every option of
FUNNEL_SEMANTICS §2–§7; for every unit the furthest step, exclusion, still-open flag,
step times and breakdown value must match tests/reference_engine.py, and so must the
step counts, entered and excluded.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import (
    FILTER_OPS,
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    Step,
    default_kinds,
)
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import duration, make_table, ns, write_csv
from tests.reference_engine import RefResult, RefUnit, UnitKey, reference_compute

engine = pytest.importorskip("funnel_gui.core.engine.compute")

NAMES = ("view", "cart", "pay", "promo", "refund")
# Property texts: empty (missing), case variants, numbers that sort differently as text
# ("10" < "9"), a float, a negative, and a leading-zero code that stays text.
P_VALUES = ("", "a", "ab", "B", "10", "9", "2.5", "-1", "007")
FILTER_TEXTS = ("a", "ab", "b", "B", "10", "9", "2.5", "007", "0")
FILTER_NUMBERS = (-1, 0, 2.5, 9, 9.5, 10)
LAST_MINUTE = 15  # event times are whole minutes up to 15: ties are common


@dataclass(frozen=True)
class Log:
    rows: tuple[tuple[object, ...], ...]  # (actor, event, minute, [session,] [p])
    names: tuple[str, ...]
    has_session: bool
    has_prop: bool


@st.composite
def event_logs(draw: st.DrawFn) -> Log:
    names = NAMES[: draw(st.integers(3, 5))]
    has_session = draw(st.booleans())
    has_prop = draw(st.booleans())
    # A short span now and then packs events together: deep funnels and many ties.
    span = draw(st.sampled_from((3, 8, LAST_MINUTE)))
    rows: list[tuple[object, ...]] = []
    for a in range(draw(st.integers(1, 6))):
        n_sessions = draw(st.integers(1, 3))
        for _ in range(draw(st.integers(0, 12))):
            row: list[object] = [f"u{a + 1}", draw(st.sampled_from(names))]
            row.append(draw(st.integers(0, span)))
            if has_session:
                # Mostly a session; now and then none (belongs to no session unit).
                s = draw(st.integers(0, 3 * n_sessions))
                row.append("" if s == 0 else f"s{(s - 1) % n_sessions + 1}")
            if has_prop:
                row.append(draw(st.sampled_from(P_VALUES)))
            rows.append(tuple(row))
    if not rows:
        rows.append(("u1", names[0], 0, *(["s1"] if has_session else []), *([""] * has_prop)))
    if has_session and all(r[3] == "" for r in rows):
        rows[0] = (*rows[0][:3], "s1", *rows[0][4:])
    # File order is not time order: the loader sorts, ties keep file order.
    rows = draw(st.permutations(rows))
    return Log(tuple(rows), names, has_session, has_prop)


@st.composite
def filters(draw: st.DrawFn) -> Filter:
    # Mostly "p"; sometimes a property that is never in the table.
    prop = draw(st.sampled_from(("p", "p", "p", "q")))
    op = draw(st.sampled_from(FILTER_OPS))
    value: Any
    if op in ("eq", "neq", "contains"):
        value = draw(st.sampled_from(FILTER_TEXTS))
    elif op in ("in", "not_in"):
        value = tuple(draw(st.lists(st.sampled_from(FILTER_TEXTS), min_size=1, max_size=2)))
    elif op in ("gt", "lt"):
        value = draw(st.sampled_from(FILTER_NUMBERS))
    else:
        value = None
    return Filter(prop, op, value)


def _maybe_minutes(draw: st.DrawFn, low: int, high: int) -> int | None:
    return draw(st.one_of(st.none(), st.integers(low, high)))


@st.composite
def definitions(draw: st.DrawFn, log: Log) -> FunnelDefinition:
    n_steps = draw(st.integers(1, 4))
    kinds = default_kinds(n_steps)
    steps = []
    for k in range(n_steps):
        events = draw(st.lists(st.sampled_from(log.names), min_size=1, max_size=2, unique=True))
        where = tuple(draw(st.lists(filters(), max_size=1))) if draw(st.integers(0, 4)) == 0 else ()
        # Gaps only from step 2 on: step 1 has no previous step to measure from.
        min_gap = _maybe_minutes(draw, 0, 3) if k else None
        max_gap = _maybe_minutes(draw, 0, 5) if k else None
        steps.append(
            Step(
                events=tuple(events),
                kind=kinds[k],
                where=where,
                min_gap_ns=None if min_gap is None else duration(min_gap),
                max_gap_ns=None if max_gap is None else duration(max_gap),
            )
        )
    exclusions: tuple[Exclusion, ...] = ()
    if n_steps >= 2 and draw(st.booleans()):
        a = draw(st.integers(1, n_steps - 1))
        b = draw(st.integers(a + 1, n_steps))
        name = draw(st.sampled_from(log.names))
        where = tuple(draw(st.lists(filters(), max_size=1)))
        exclusions = (Exclusion((name,), (a, b), where),)
    breakdown = None
    if draw(st.booleans()):
        attributions = ["first_step", "last_step"] + [f"step_{n}" for n in range(1, n_steps + 1)]
        breakdown = Breakdown("p", draw(st.sampled_from(attributions)))
    date_range = None
    if draw(st.integers(0, 3)) == 0:
        start = _maybe_minutes(draw, 0, 10)
        end = _maybe_minutes(draw, (start or 0) + 1, LAST_MINUTE + 1)
        date_range = DateRange(
            start_ns=None if start is None else ns(start),
            end_ns=None if end is None else ns(end),
        )
    by_session = log.has_session and draw(st.booleans())
    return FunnelDefinition(
        steps=tuple(steps),
        order=draw(st.sampled_from(("sequential", "strict", "any"))),
        window_ns=duration(draw(st.integers(1, 10))),
        unit="session" if by_session else "actor",
        exclusions=exclusions,
        breakdown=breakdown,
        date_range=date_range,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition]:
    log = draw(event_logs())
    return log, draw(definitions(log))


def _props(log: Log) -> tuple[str, ...]:
    return ("p",) if log.has_prop else ()


def engine_result(table: EventTable, defn: FunnelDefinition) -> RefResult:
    """The engine's result in the reference's shape, for the hand-checked cases that run
    on both implementations."""
    result = engine.compute(table, defn)
    return RefResult(
        units=engine_units(defn, result.actors_frame()),
        counts=[s.count for s in result.steps],
        entered=result.actors_entered,
        excluded=result.excluded,
        hold_missing=result.hold_missing,
    )


def engine_units(defn: FunnelDefinition, frame: pd.DataFrame) -> dict[UnitKey, RefUnit]:
    """The engine's actors_frame() as reference-shaped units."""
    units: dict[UnitKey, RefUnit] = {}
    for rec in frame.to_dict("records"):
        key: UnitKey = (str(rec["actor"]), int(rec["session"]) if defn.unit == "session" else None)
        if defn.count == "totals":
            # §16: one row per counted attempt, numbered within the unit.
            key = (*key, None if pd.isna(rec["attempt"]) else int(rec["attempt"]))
        excluded = bool(rec["excluded"])
        times = []
        for k in range(1, defn.n_steps + 1):
            value = rec[f"step_{k}_time"]
            times.append(None if pd.isna(value) else int(value))
        # An excluded unit is in no breakdown group (§5): its value is not compared.
        breakdown: Any = None if defn.breakdown is None or excluded else str(rec["breakdown"])
        if breakdown is not None and defn.breakdown is not None and defn.breakdown.is_list():
            breakdown = tuple(str(rec[f"breakdown.{name}"]) for name in defn.breakdown.names())
        units[key] = RefUnit(
            furthest=int(rec["furthest_step"]),
            excluded=excluded,
            still_open=bool(rec["still_open"]),
            step_times=tuple(times),
            breakdown=breakdown,
            # §15: an open funnel's entry step (an excluded unit has none to compare).
            entry_step=int(rec["entry_step"]) if "entry_step" in rec and not excluded else 1,
        )
    return units


def _describe(log: Log, defn: FunnelDefinition) -> str:
    """The failing case as CSV text plus the definition, for a readable report."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(log.rows, Path(tmp) / "case.csv", log.has_session, _props(log))
        csv_text = path.read_text(encoding="utf-8")
    return f"{csv_text}\n{defn!r}"


def compare(table: EventTable | PreparedTable, defn: FunnelDefinition, ref: RefResult) -> None:
    result = engine.compute(table, defn)
    got = engine_units(defn, result.actors_frame())
    assert set(got) == set(ref.units), "units that entered differ"
    for key, expected in ref.units.items():
        assert got[key] == expected, f"unit {key}"
    assert [s.count for s in result.steps] == ref.counts
    assert result.actors_entered == ref.entered
    assert result.excluded == ref.excluded
    assert result.hold_missing == ref.hold_missing


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_engine_matches_reference(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
    log, defn = scenario
    note(_describe(log, defn))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    compare(table, defn, reference_compute(table, defn))
