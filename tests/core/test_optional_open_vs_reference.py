"""Optional steps and open funnels (FUNNEL_SEMANTICS §15) agree between the vectorised
engine and the plain reference (tests/reference_engine.py, tests/reference_flexible.py)
on random small event logs, with every option of §2–§7 they go with: strict order
(optional steps), exclusions, breakdowns of every attribution, date ranges, min_gap and
max_gap, sessions, and held properties (optional steps, §17).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import FunnelDefinition, shape_problem
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.prepared import prepare
from funnel_gui.core.engine.results import TimingStats
from tests.core.engine_fixtures import make_table
from tests.core.test_engine_vs_reference import (
    Log,
    _describe,
    _props,
    compare,
    definitions,
    event_logs,
)
from tests.core.test_paths_reasons_vs_reference import _unit_keys, ordered_scenarios
from tests.reference_engine import RefResult, reference_compute
from tests.reference_paths import reference_reason_counts, reference_reasons


@st.composite
def flexible_scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition]:
    """A random definition made open (sequential) or given optional middle steps (or both)."""
    log = draw(event_logs())
    defn = draw(definitions(log))
    n = defn.n_steps
    opened = draw(st.booleans())
    order = "sequential" if opened else draw(st.sampled_from(("sequential", "strict")))
    steps = tuple(
        replace(s, optional=0 < k < n - 1 and draw(st.booleans())) for k, s in enumerate(defn.steps)
    )
    hold = ("p",) if not opened and log.has_prop and draw(st.integers(0, 3)) == 0 else ()
    defn = replace(defn, steps=steps, order=order, open=opened, hold=hold)
    assert shape_problem(defn) is None
    return log, defn


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=flexible_scenarios())
def test_optional_and_open_match_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    note(_describe(log, defn))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    ref = reference_compute(table, defn)
    compare(prepare(table), defn, ref)
    steps = compute(table, defn).steps
    assert [s.skipped for s in steps] == _skipped(defn, ref)
    assert [s.flow for s in steps] == _flows(defn, ref)
    for k, (since_previous, since_entry) in enumerate(_timings(defn, ref)):
        for got, want in (
            (steps[k].time_from_previous, since_previous),
            (steps[k].time_to_convert, since_entry),
        ):
            expected = TimingStats.of(np.array(want, dtype=np.int64))
            if expected is None:
                assert got is None, f"step {k + 1}"
            else:
                assert got is not None, f"step {k + 1}"
                assert got.n == expected.n, f"step {k + 1}"
                assert got.to_dict() == pytest.approx(expected.to_dict()), f"step {k + 1}"


def _timings(defn: FunnelDefinition, ref: RefResult) -> list[tuple[list[int], list[int]]]:
    """§6 with §15, from the reference's units: per step the durations from the reported
    attempt's previous matched event (a skipped step is no event; an open attempt's entry
    step has none) and from its entry event."""
    out: list[tuple[list[int], list[int]]] = []
    for k in range(defn.n_steps):
        since_previous, since_entry = [], []
        for u in ref.units.values():
            t = u.step_times[k] if not u.excluded else None
            earlier = [x for x in u.step_times[:k] if x is not None]
            if k == 0 or t is None or not earlier:
                continue
            since_previous.append(t - earlier[-1])
            since_entry.append(t - earlier[0])
        out.append((since_previous, since_entry))
    return out


def _skipped(defn: FunnelDefinition, ref: RefResult) -> list[int | None]:
    """§15: per optional step, the counted units whose reported attempt went past it
    without matching it."""
    units = [u for u in ref.units.values() if not u.excluded]
    return [
        sum(1 for u in units if u.furthest > k + 1 and u.step_times[k] is None)
        if s.optional
        else None
        for k, s in enumerate(defn.steps)
    ]


def _flows(defn: FunnelDefinition, ref: RefResult) -> list[dict[str, int] | None]:
    """§15, open funnels: reached / entered / proceeded / exited, from each unit's
    reported attempt (which steps it covers and where it started)."""
    if not defn.open:
        return [None] * defn.n_steps
    units = [u for u in ref.units.values() if not u.excluded]
    n = defn.n_steps
    out: list[dict[str, int] | None] = []
    for k in range(n):
        reached = [u for u in units if u.step_times[k] is not None]
        # Proceeded: matched a later step (the next, or one past an optional step).
        on = [u for u in reached if any(t is not None for t in u.step_times[k + 1 :])]
        out.append(
            {
                "reached": len(reached),
                "entered": sum(1 for u in units if u.entry_step == k + 1),
                "proceeded": len(on),
                "exited": len(reached) - len(on),
            }
        )
    return out


@st.composite
def flexible_reason_scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition]:
    """§14 with §15: the ordered scenarios of the reasons test (filters and tight gaps on
    later steps, windows often closed), made open or given optional steps."""
    log, defn = draw(ordered_scenarios())
    n = defn.n_steps
    opened = defn.order == "sequential" and draw(st.booleans())
    steps = tuple(
        replace(s, optional=0 < k < n - 1 and draw(st.booleans())) for k, s in enumerate(defn.steps)
    )
    return log, replace(defn, steps=steps, open=opened)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=flexible_reason_scenarios())
def test_reasons_with_optional_and_open_match_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    note(_describe(log, defn))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    result = compute(table, defn)
    frame = result.actors_frame()
    got = {
        key: None if pd.isna(reason) else str(reason)
        for key, reason in zip(_unit_keys(frame, defn), frame["reason"], strict=True)
    }
    assert got == reference_reasons(table, defn)
    for reason in set(got.values()) - {None}:
        event(f"reason {reason}")
    assert [s.reasons for s in result.steps] == reference_reason_counts(table, defn)
    for s in result.steps[1:]:
        assert s.reasons is not None
        # §14: the reasons at step k + 1 count the units whose furthest step is k, which
        # is the drop-off as §15 leaves it (units at or past k, less those past it).
        assert sum(s.reasons.values()) == s.drop_off
        assert s.reasons["still_open"] == s.still_open
