"""Optional steps and open funnels (FUNNEL_SEMANTICS §15) agree between the vectorised
engine and the plain reference (tests/reference_engine.py, tests/reference_flexible.py)
on random small event logs, with every option of §2–§7 they go with: strict order
(optional steps), exclusions, breakdowns of every attribution, date ranges, min_gap and
max_gap, sessions, and held properties (optional steps, §17).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import FunnelDefinition, shape_problem
from funnel_gui.core.engine.prepared import prepare
from tests.core.engine_fixtures import make_table
from tests.core.test_engine_vs_reference import (
    Log,
    _describe,
    _props,
    compare,
    definitions,
    event_logs,
)
from tests.reference_engine import reference_compute


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
    max_examples=400,
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
