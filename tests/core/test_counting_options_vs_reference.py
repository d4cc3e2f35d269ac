"""The counting options (FUNNEL_SEMANTICS §16 totals, §17 hold, §18 several breakdown
properties and funnel-wide filters, §20 sessions from inactivity) agree between the
vectorised engine and the plain reference on random small event logs, alone, together,
and with every option of §2–§7.

Logs carry two properties: "p" (texts, numbers, missing) and "c" (a few values, often
repeated), so that holding a property constant both passes and stops attempts, and a
breakdown by both makes real combinations. Some combinations get a test of their own so
that they are drawn often: totals with hold, filters with strict order, sessions from
inactivity with the session unit, several breakdown properties with step_N attribution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.definition.model import (
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    Step,
    default_kinds,
)
from funnel_gui.core.engine import held, totals
from funnel_gui.core.engine.compute import UnsupportedDefinition, compute
from funnel_gui.core.engine.prepared import prepare
from tests.core.engine_fixtures import duration, make_table, ns
from tests.core.test_engine_vs_reference import compare, filters
from tests.reference_engine import reference_compute

NAMES = ("view", "cart", "pay", "promo")
P_VALUES = ("", "a", "B", "10", "9", "2.5")
C_VALUES = ("x", "x", "y", "")
PROPS = ("p", "c")
COUNTS = ("uniques", "totals")
LAST_MINUTE = 20


@dataclass(frozen=True)
class Log:
    rows: tuple[tuple[object, ...], ...]  # (actor, event, minute, [session,] p, c)
    has_session: bool


@st.composite
def event_logs(draw: st.DrawFn) -> Log:
    has_session = draw(st.booleans())
    # Gaps of 0 to 6 minutes: sessions from a 1–5 minute timeout split often, and ties
    # (gap 0) are common.
    rows: list[tuple[object, ...]] = []
    # sampled_from rather than integers: hypothesis favours the small end of a range,
    # and a log of one short actor tests little.
    for a in range(draw(st.sampled_from((3, 4, 2, 5, 1)))):
        minute = draw(st.integers(0, 3))
        for _ in range(draw(st.sampled_from((6, 8, 10, 4, 12, 2, 0)))):
            minute = min(minute + draw(st.sampled_from((0, 0, 1, 2, 3, 6))), LAST_MINUTE)
            row: list[object] = [f"u{a + 1}", draw(st.sampled_from(NAMES)), minute]
            if has_session:
                row.append(draw(st.sampled_from(("", "s1", "s2"))))
            row += [draw(st.sampled_from(P_VALUES)), draw(st.sampled_from(C_VALUES))]
            rows.append(tuple(row))
    if not rows:
        rows.append(("u1", "view", 0, *(["s1"] if has_session else []), "a", "x"))
    return Log(tuple(draw(st.permutations(rows))), has_session)


@dataclass(frozen=True)
class Forced:
    """Options a test wants in every drawn definition (None: drawn at random)."""

    count: str | None = None
    order: str | None = None
    hold: bool | None = None
    filters: bool | None = None
    inactivity: bool | None = None
    several: bool | None = None
    step_n: bool = False


def _steps(draw: st.DrawFn, n_steps: int) -> tuple[Step, ...]:
    kinds = default_kinds(n_steps)
    steps = []
    for k in range(n_steps):
        events = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
        where = tuple(draw(st.lists(filters(), max_size=1))) if draw(st.integers(0, 5)) == 0 else ()
        min_gap = draw(st.one_of(st.none(), st.integers(0, 3))) if k else None
        max_gap = draw(st.one_of(st.none(), st.integers(0, 6))) if k else None
        steps.append(
            Step(
                events=tuple(events),
                kind=kinds[k],
                where=where,
                min_gap_ns=None if min_gap is None else duration(min_gap),
                max_gap_ns=None if max_gap is None else duration(max_gap),
            )
        )
    return tuple(steps)


def _breakdown(draw: st.DrawFn, n_steps: int, forced: Forced) -> Breakdown | None:
    several = forced.several if forced.several is not None else draw(st.booleans())
    if not several and (forced.several is None and draw(st.booleans())):
        return None
    attributions = ["first_step", "last_step"] + [f"step_{n}" for n in range(1, n_steps + 1)]
    if forced.step_n:
        attributions = [f"step_{n}" for n in range(2, n_steps + 1)] or ["step_1"]
    attribution = draw(st.sampled_from(attributions))
    if not several:
        return Breakdown(draw(st.sampled_from(PROPS)), attribution)
    # Sometimes a property the data lacks ("q": every value is "(none)").
    names = draw(st.lists(st.sampled_from(("p", "c", "q")), min_size=1, max_size=3, unique=True))
    return Breakdown.several(tuple(names), attribution)


def _flag(draw: st.DrawFn, forced: bool | None, odds: int = 3) -> bool:
    return forced if forced is not None else draw(st.integers(0, odds - 1)) == 0


@st.composite
def definitions(draw: st.DrawFn, log: Log, forced: Forced) -> FunnelDefinition:
    n_steps = draw(st.sampled_from((3, 2, 4) if forced.step_n else (3, 2, 4, 1)))
    # §16: totals only in ordered funnels.
    ordered = ("sequential", "strict")
    order = forced.order or draw(
        st.sampled_from(ordered if forced.count == "totals" else (*ordered, "any"))
    )
    count = forced.count or draw(st.sampled_from(("uniques",) if order == "any" else COUNTS))
    exclusions: tuple[Exclusion, ...] = ()
    if n_steps >= 2 and draw(st.integers(0, 2)) == 0:
        a = draw(st.integers(1, n_steps - 1))
        b = draw(st.integers(a + 1, n_steps))
        exclusions = (Exclusion((draw(st.sampled_from(NAMES)),), (a, b)),)
    date_range = None
    if draw(st.integers(0, 4)) == 0:
        start = draw(st.one_of(st.none(), st.integers(0, 10)))
        date_range = DateRange(None if start is None else ns(start), ns(LAST_MINUTE - 5))
    inactivity = _flag(draw, forced.inactivity, 2)
    by_session = inactivity or (log.has_session and draw(st.booleans()))
    hold: tuple[str, ...] = ()
    if _flag(draw, forced.hold):
        hold = tuple(
            draw(
                st.lists(st.sampled_from(("c", "c", "p", "q")), min_size=1, max_size=2, unique=True)
            )
        )
    funnel_filters: tuple[Filter, ...] = ()
    if _flag(draw, forced.filters):
        funnel_filters = tuple(draw(st.lists(_funnel_filters(), min_size=1, max_size=2)))
    return FunnelDefinition(
        steps=_steps(draw, n_steps),
        order=order,  # type: ignore[arg-type]
        window_ns=duration(draw(st.integers(1, 12))),
        unit="session" if by_session else "actor",
        exclusions=exclusions,
        breakdown=_breakdown(draw, n_steps, forced),
        date_range=date_range,
        count=count,  # type: ignore[arg-type]
        hold=hold,
        filters=funnel_filters,
        inactivity_ns=duration(draw(st.integers(1, 5))) if inactivity else None,
    )


@st.composite
def _funnel_filters(draw: st.DrawFn) -> Filter:
    """Mostly filters on "c", which keep a good share of the events; else any filter of
    the base test (on "p", or on "q", which the data lacks)."""
    if draw(st.booleans()):
        op = draw(st.sampled_from(("neq", "eq", "is_set", "not_set")))
        value = None if op in ("is_set", "not_set") else draw(st.sampled_from(("x", "y")))
        return Filter("c", op, value)
    return draw(filters())


def _check(tmp_path: Path, log: Log, defn: FunnelDefinition) -> None:
    note(repr(log.rows))
    note(repr(defn))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=PROPS)
    compare(table, defn, reference_compute(table, defn))


SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COMBINATION_SETTINGS = settings(SETTINGS, max_examples=40)


def scenarios(forced: Forced) -> st.SearchStrategy[tuple[Log, FunnelDefinition]]:
    return event_logs().flatmap(lambda log: definitions(log, forced).map(lambda d: (log, d)))


@SETTINGS
@given(scenario=scenarios(Forced()))
def test_counting_options_match_the_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(count="totals", hold=True)))
def test_totals_with_hold(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
    """§16 + §17."""
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(order="strict", filters=True)))
def test_filters_with_strict_order(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
    """§18 filters + §3.2: events filtered out do not interrupt."""
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(inactivity=True)))
def test_sessions_from_inactivity_with_the_session_unit(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    """§20 + §2 unit = session."""
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(several=True, step_n=True)))
def test_several_breakdowns_with_step_n_attribution(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    """§18 several properties + §5 step_N."""
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(order="any", hold=True)))
def test_any_order_with_hold(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
    """§3.3 + §17: every step is searched among e's held values."""
    _check(tmp_path, *scenario)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(count="totals", filters=True, inactivity=True, several=True)))
def test_everything_at_once(tmp_path: Path, scenario: tuple[Log, FunnelDefinition]) -> None:
    _check(tmp_path, *scenario)


def test_one_prepared_table_serves_every_layout(tmp_path: Path) -> None:
    """Layouts are kept per (unit, filters, timeout): computing others in between (and
    evicting some) changes no result."""
    log = Log(
        (
            ("u1", "view", 0, "a", "x"),
            ("u1", "cart", 2, "B", "y"),
            ("u1", "pay", 9, "a", "x"),
            ("u2", "view", 1, "", "x"),
            ("u2", "pay", 3, "9", ""),
        ),
        False,
    )
    table = make_table(log.rows, tmp_path, props=PROPS)
    base = FunnelDefinition(steps=(Step(("view",)), Step(("cart", "pay"), kind="macro")))
    variants = [
        base,
        replace(base, filters=(Filter("c", "eq", "x"),)),
        replace(base, unit="session", inactivity_ns=duration(3)),
        replace(base, unit="session", inactivity_ns=duration(5)),
        replace(base, hold=("c",)),
        replace(base, filters=(Filter("p", "is_set"),), hold=("p",)),
    ]
    prepared = prepare(table)
    for _ in range(2):
        for defn in variants:
            compare(prepared, defn, reference_compute(table, defn))


def test_totals_in_any_order_are_refused(tmp_path: Path) -> None:
    """§16: sequential and strict only; the message says why and what to do."""
    table = make_table([("u1", "view", 0, "a", "x")], tmp_path, props=PROPS)
    defn = FunnelDefinition(steps=(Step(("view",)),), order="any", count="totals")
    with pytest.raises(UnsupportedDefinition, match="sequential and strict") as info:
        compute(table, defn)
    assert "count people or sessions instead" in str(info.value)


@COMBINATION_SETTINGS
@given(scenario=scenarios(Forced(count="totals")))
def test_totals_by_pointer_doubling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: tuple[Log, FunnelDefinition]
) -> None:
    """Long chains of counted attempts are finished by pointer doubling: forced here
    after one round, it must count the same."""
    monkeypatch.setattr(totals, "_ROUNDS_BEFORE_DOUBLING", 1)
    _check(tmp_path, *scenario)


def test_a_long_chain_of_counted_attempts(tmp_path: Path) -> None:
    """§16 on a unit with 60 counted attempts (past the rounds done one at a time):
    every view is more than the 1-minute window after the last, every third completes."""
    rows: list[tuple[object, ...]] = []
    for i in range(60):
        rows.append(("u1", "view", 2 * i, "a", "x"))
        if i % 3 == 0:
            rows.append(("u1", "cart", 2 * i, "a", "x"))
    rows.append(("u2", "view", 0, "a", "x"))
    table = make_table(rows, tmp_path, props=PROPS)
    defn = FunnelDefinition(
        steps=(Step(("view",)), Step(("cart",), kind="macro")),
        window_ns=duration(1),
        count="totals",
    )
    result = compute(table, defn)
    assert [s.count for s in result.steps] == [61, 20]
    compare(table, defn, reference_compute(table, defn))


@pytest.mark.parametrize("skip", [True, False])
def test_hold_that_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skip: bool
) -> None:
    """§17 with a property every event carries, one value per unit: the engine skips the
    held search (and, forced not to, finds the same)."""
    rows = [
        ("u1", "view", 0, "a", "x"),
        ("u1", "cart", 1, "B", "x"),
        ("u1", "pay", 2, "a", "x"),
        ("u2", "view", 0, "", "y"),
        ("u2", "pay", 4, "9", "y"),
    ]
    table = make_table(rows, tmp_path, props=PROPS)
    defn = FunnelDefinition(
        steps=(Step(("view",)), Step(("cart", "pay")), Step(("pay",), kind="macro")),
        hold=("c",),
        order="strict",
    )
    monkeypatch.setattr(held, "SKIP_WHEN_UNCHANGED", skip)
    result = compute(table, defn)
    assert result.hold_missing == 0
    assert [s.count for s in result.steps] == [2, 2, 1]
    compare(table, defn, reference_compute(table, defn))
