"""Paths (FUNNEL_SEMANTICS §13) and reasons (§14) agree with the plain reference on random
small event logs.

The logs and definitions are those of test_engine_vs_reference (every option of §2–§7:
gaps, filters, exclusions, date ranges, sessions, ties). Paths: into step 1 or between
two steps, lengths 1–3, repeats kept or collapsed, a few lookbacks and top N; the JSON of
the result and every unit's path must match tests/reference_paths.py. Reasons:
sequential and strict funnels; every unit's reason and every step's reason counts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.analysis.paths import paths
from funnel_gui.core.definition.model import Filter, FunnelDefinition
from funnel_gui.core.engine.compute import compute, compute_with_rows
from tests.core.engine_fixtures import duration, make_table
from tests.core.test_engine_vs_reference import (
    Log,
    _describe,
    _props,
    definitions,
    event_logs,
    filters,
)
from tests.reference_engine import UnitKey
from tests.reference_paths import (
    DAY_NS,
    reference_paths,
    reference_reason_counts,
    reference_reasons,
    unit_paths,
)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def path_scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition, dict[str, Any]]:
    log = draw(event_logs())
    defn = draw(definitions(log))
    where: Any = "into"
    if defn.n_steps >= 2 and defn.order != "any" and draw(st.integers(0, 3)):
        # Mostly k = 1: deeper gaps are reached by fewer units of these tiny logs.
        k = draw(st.one_of(st.just(1), st.integers(1, defn.n_steps - 1)))
        where = ("between", k)
    options = {
        "where": where,
        "length": draw(st.integers(1, 3)),
        "top": draw(st.integers(1, 4)),
        "keep_repeats": draw(st.booleans()),
        # Logs span 16 minutes: 0 to 16 minutes back, or the default day.
        "lookback": draw(st.one_of(st.just(DAY_NS), st.integers(0, 16).map(duration))),
    }
    return log, defn, options


def _unit_keys(frame: pd.DataFrame, defn: FunnelDefinition) -> list[UnitKey]:
    session = defn.unit == "session"
    return [
        (str(rec["actor"]), int(rec["session"]) if session else None)
        for rec in frame.to_dict("records")
    ]


@SETTINGS
@given(scenario=path_scenarios())
def test_paths_match_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition, dict[str, Any]]
) -> None:
    log, defn, options = scenario
    check_paths(tmp_path, log, defn, options)


def check_paths(tmp_path: Path, log: Log, defn: FunnelDefinition, options: dict[str, Any]) -> None:
    """The engine's paths of `options` are the reference's, and so is every unit's path."""
    note(_describe(log, defn))
    note(repr(options))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    computed = compute_with_rows(table, defn)
    got = paths(table, defn, computed=computed, **options)
    assert got.to_dict() == reference_paths(table, defn, **options)
    # Every unit on a listed path is the unit the reference puts there.
    keys = _unit_keys(computed.result.actors_frame(), defn)
    expected = unit_paths(
        table,
        defn,
        options["where"],
        options["length"],
        options["keep_repeats"],
        options["lookback"],
    )
    for group in got.groups:
        listed = {(row.events, row.skipped) for row in group.paths}
        on_path = {
            keys[i]: (group.paths[p].events, group.paths[p].skipped)
            for i, p in zip(group.member, group.path_of, strict=True)
            if p >= 0
        }
        want = {key: path for key, (path, _) in expected[group.name].items() if path in listed}
        assert on_path == want, group.name
        assert {keys[i] for i in group.member} == set(expected[group.name]), group.name
        event(f"{group.name}: {'some' if group.units else 'no'} units")
        if group.other_units:
            event("other paths")
        if any(row.skipped for row in group.paths):
            event("a path past skipped optional steps")  # §15


@st.composite
def ordered_scenarios(draw: st.DrawFn) -> tuple[Log, FunnelDefinition]:
    log = draw(event_logs())
    if draw(st.booleans()):
        # A late event elsewhere closes most windows (§7), so the other reasons show.
        late = ("late", log.names[0], 40, *(["s1"] * log.has_session), *(["a"] * log.has_prop))
        log = replace(log, rows=(*log.rows, late))
    defn = draw(definitions(log))
    steps = list(defn.steps)
    if len(steps) >= 2 and draw(st.booleans()):
        # A filter on a later step, so that `filter` (a name without the filter) shows.
        k = draw(st.integers(1, len(steps) - 1))
        # Mostly an eq, which most events fail (all of them when the log has no "p").
        eq = st.sampled_from(("a", "B", "10")).map(lambda v: Filter("p", "eq", v))
        steps[k] = replace(steps[k], where=(draw(st.one_of(eq, eq, filters())),))
    if len(steps) >= 2 and draw(st.booleans()):
        # Tight gaps, so that `max_gap` and `min_gap` show.
        k = draw(st.integers(1, len(steps) - 1))
        gap = duration(draw(st.integers(0, 2)))
        steps[k] = replace(steps[k], **{draw(st.sampled_from(("min_gap_ns", "max_gap_ns"))): gap})
    order = draw(st.sampled_from(("sequential", "strict")))
    return log, replace(defn, order=order, steps=tuple(steps))


@SETTINGS
@given(scenario=ordered_scenarios())
def test_reasons_match_reference(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
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
        event(f"reason {reason}")  # --hypothesis-show-statistics: each one is exercised
    assert [s.reasons for s in result.steps] == reference_reason_counts(table, defn)
    for s in result.steps[1:]:
        assert s.reasons is not None
        assert sum(s.reasons.values()) == s.drop_off  # §14: no optional steps here
        assert s.reasons["still_open"] == s.still_open
