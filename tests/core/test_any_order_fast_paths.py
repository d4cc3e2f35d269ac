"""Any-order funnels (FUNNEL_SEMANTICS §3.3) take three shortcuts: levels only for the
attempts that may be reported (a unit's first one, and its later ones only when the first
misses a step the unit does later), the first entry's matches taken as the unit's first
rows of each step, and micro→macro (§9) of a funnel step reusing the reported attempt's
matches. On random logs, every number must be what the engine gives
without them (and the units what the plain reference gives)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import FunnelDefinition, MicroConversion
from funnel_gui.core.engine import any_order, micro_macro
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from tests.core.engine_fixtures import make_table
from tests.core.test_engine_vs_reference import Log, compare, definitions, event_logs
from tests.reference_engine import reference_compute


@st.composite
def any_order_scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition]:
    log = draw(event_logs())
    defn = draw(definitions(log))
    micro = tuple(MicroConversion((name,)) for name in draw(st.sets(st.sampled_from(log.names))))
    return log, replace(defn, order="any", micro_conversions=micro)


def _numbers(result: FunnelResult) -> dict[str, Any]:
    out = result.to_dict()
    out["actors"] = result.actors_frame().to_dict("list")
    return out


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=any_order_scenarios())
def test_shortcuts_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    note(repr(log.rows))
    note(repr(defn))
    props = ("p",) if log.has_prop else ()
    table = make_table(log.rows, tmp_path, session=log.has_session, props=props)
    fast = _numbers(compute(table, defn))
    compare(table, defn, reference_compute(table, defn))
    with monkeypatch.context() as patch:
        patch.setattr(any_order, "PRUNE", False)
        patch.setattr(any_order, "FIRST_MEMBERS", False)
        patch.setattr(micro_macro, "REUSE_KNOWN", False)
        slow = _numbers(compute(table, defn))
    assert fast == slow
