"""Drivers (FUNNEL_SEMANTICS §12) agree with the plain reference on random small logs.

Hypothesis draws the shape of a log (units, event names, one property "p", time span,
sometimes sessions) and a definition (sequential, strict or any order; actor or session
unit; sometimes a filtered step, a macro step before the last, an exclusion, a date
range and a micro-conversion), a landmark, a lookback and whether to adjust for "p"; numpy, seeded
by Hypothesis, writes the rows. For the counts of eligible and left-out units, every
candidate's exposure, and every candidate shown (exposed/unexposed, conversions, raw and
adjusted differences with their intervals and p-values, q-values, informative share,
conversions at stake), `drivers()` must equal tests/reference_drivers.py.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from funnel_gui.core.analysis.drivers import drivers_analysis
from funnel_gui.core.analysis.drivers_result import Candidate, Comparison
from funnel_gui.core.definition.model import (
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Order,
    Step,
    Unit,
    default_kinds,
)
from tests.core.engine_fixtures import duration, make_table, ns, write_csv
from tests.reference_drivers import (
    BASELINE,
    RefCandidate,
    RefComparison,
    RefDrivers,
    bh_q_values,
)

P_VALUES = ("a", "b", "c", "")  # "" is a missing value
TOL = 1e-9

Row = tuple[object, ...]


@dataclass(frozen=True)
class Case:
    rows: tuple[Row, ...]
    sessions: bool  # rows carry a session column
    definition: FunnelDefinition
    landmark: int
    lookback: int
    adjust_for: tuple[str, ...]


def _rows(
    seed: int, n_units: int, span: int, p_weights: tuple[int, ...], sessions: bool
) -> list[Row]:
    """Each unit enters with a view, goes on to cart and buy now and then, and does a few
    other events around its entry (before it too), at whole minutes: ties are common.
    With `sessions`, a quarter of the other events fall in a second session."""
    rng = np.random.default_rng(seed)
    p_probs = np.array(p_weights, dtype=float) / sum(p_weights)
    noise_names = ("x", "y", "z", "view", "cart", "buy")
    noise_probs = np.array([5.0, 3.0, 2.0, 1.0, 1.0, 0.5])
    noise_probs /= noise_probs.sum()
    rows: list[Row] = []

    def add(actor: str, name: str, minute: int, session: str = "s1") -> None:
        p = P_VALUES[rng.choice(len(P_VALUES), p=p_probs)]
        rows.append((actor, name, max(0, minute), *([session] if sessions else []), p))

    for u in range(n_units):
        actor = f"u{u:03d}"
        start = int(rng.integers(0, span + 1))
        add(actor, "view", start)
        if rng.random() < 0.6:
            cart = start + int(rng.integers(0, 8))
            add(actor, "cart", cart)
            if rng.random() < 0.6:
                add(actor, "buy", cart + int(rng.integers(1, 11)))
        for _ in range(int(rng.integers(0, 10))):
            name = noise_names[rng.choice(len(noise_names), p=noise_probs)]
            add(actor, name, start + int(rng.integers(-2, 6)), rng.choice(["s1", "s1", "s1", "s2"]))
    order = rng.permutation(len(rows))  # file order is not time order
    return [rows[i] for i in order]


@st.composite
def cases(draw: st.DrawFn, order: Order, unit: Unit) -> Case:
    seed = draw(st.integers(0, 2**32 - 1))
    n_units = draw(st.integers(150, 250))
    span = draw(st.sampled_from((10, 25, 40)))
    p_weights = draw(st.sampled_from(((1, 1, 1, 1), (4, 2, 1, 1), (1, 1, 0, 0))))
    sessions = unit == "session" or draw(st.booleans())
    rows = _rows(seed, n_units, span, p_weights, sessions)
    n_steps = draw(st.integers(2, 3))
    events = [("view",), ("cart", "buy") if n_steps == 2 else ("cart",), ("buy",)][:n_steps]
    if draw(st.booleans()):
        # A filtered step: its name is still a step event, never an (a) candidate.
        where: tuple[Filter, ...] = (Filter("p", "neq", "c"),)
    else:
        where = ()
    kinds = list(default_kinds(n_steps))
    if n_steps == 3 and draw(st.booleans()):
        kinds = ["micro", "macro", "micro"]  # M = 2, not the last step
    steps = tuple(
        Step(events=e, kind=k, where=where if i == 1 else ())
        for i, (e, k) in enumerate(zip(events, kinds, strict=True))
    )
    exclusions: tuple[Exclusion, ...] = ()
    if draw(st.integers(0, 3)) == 0:
        exclusions = (Exclusion(("z",), (1, 2)),)
    micro: tuple[MicroConversion, ...] = ()
    pick = draw(st.integers(0, 3))
    if pick == 1:
        micro = (MicroConversion(("x",), where=(Filter("p", "eq", "a"),)),)
    elif pick == 2:
        micro = (MicroConversion(("view", "y")),)  # a step event: the step-1 row never counts
    date_range = None
    if draw(st.integers(0, 3)) == 0:
        date_range = DateRange(start_ns=ns(draw(st.integers(0, 10))), end_ns=ns(span - 2))
    defn = FunnelDefinition(
        steps=steps,
        unit=unit,
        date_range=date_range,
        order=order,
        window_ns=duration(draw(st.sampled_from((10, 15, 20)))),
        exclusions=exclusions,
        micro_conversions=micro,
    )
    return Case(
        rows=tuple(rows),
        sessions=sessions,
        definition=defn,
        landmark=duration(draw(st.sampled_from((2, 4, 6)))),
        lookback=duration(draw(st.sampled_from((0, 0, 1, 3)))),
        adjust_for=draw(st.sampled_from((("p",), (), ("p",)))),
    )


def _key(c: Candidate) -> tuple[str, str | None, int, str | None, str | None]:
    return (c.kind, c.event, c.min_count, c.property_name, c.value)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= TOL


def _same(got: Comparison, want: RefComparison, what: str) -> None:
    assert _close(got.diff, want.diff), f"{what} diff {got.diff} != {want.diff}"
    assert _close(got.ci[0], want.ci[0]), f"{what} ci low {got.ci} != {want.ci}"
    assert _close(got.ci[1], want.ci[1]), f"{what} ci high {got.ci} != {want.ci}"
    assert _close(got.p, want.p), f"{what} p {got.p} != {want.p}"
    if want.informative_share is not None:
        assert got.informative_share is not None
        assert _close(got.informative_share, want.informative_share), f"{what} share"


def check(case: Case, tmp_path: Path) -> None:
    table = make_table(case.rows, tmp_path, session=case.sessions, props=("p",))
    analysis = drivers_analysis(
        table,
        case.definition,
        landmark=case.landmark,
        lookback=case.lookback,
        adjust_for=list(case.adjust_for),
    )
    result = analysis.result
    ref = RefDrivers(
        table,
        case.definition,
        landmark=case.landmark,
        lookback=case.lookback,
        adjust_for=case.adjust_for,
    )
    assert result.eligible == len(ref.eligible)
    assert result.eligible_converted == sum(u.converted for u in ref.eligible)
    assert result.left_out_still_open == ref.left_out_still_open
    assert result.left_out_converted_before_landmark == ref.left_out_converted_before_landmark

    # Every candidate the core built: the same eligible units exposed as the reference
    # (by actor id: with the session unit an actor may be several units).
    obs, ex = analysis.observation, analysis.exposures
    actor_of = [str(table.actor_ids[int(a)].as_py()) for a in obs.actor]
    by_key = {c.key: c for c in ref.candidates()}
    for j, spec in enumerate(ex.specs):
        key = (spec.kind, spec.event, spec.min_count, spec.property, spec.value)
        assert key in by_key, f"core candidate {key} is not a §12 candidate"
        units = ex.unit[ex.candidate == j]
        got = Counter(actor_of[u] for u in units if obs.eligible[u])
        cand = by_key[key]
        want = Counter(u.key[0] for u in ref.eligible if ref.exposed(cand, u))
        assert got == want, f"exposed to {key}"

    # The candidates shown, and each one's numbers.
    shown = [result.baseline, *result.candidates]
    ref_shown = ref.shown()
    assert sorted(_key(c) for c in shown) == sorted(c.key for c in ref_shown)
    by_key = {c.key: c for c in ref_shown}
    for c in shown:
        cand: RefCandidate = by_key[_key(c)]
        t = ref.counts(cand)
        assert (c.exposed, c.unexposed) == (t.n1, t.n0), c.label
        assert (c.exposed_converted, c.unexposed_converted) == (t.x1, t.x0), c.label
        _same(c.raw, ref.raw(cand), f"{c.label} raw")
        adj = ref.adjusted(cand)
        if adj is None:
            assert c.adjusted is None
        else:
            assert c.adjusted is not None
            _same(c.adjusted, adj, f"{c.label} adjusted")
        assert _close(c.at_stake, ref.at_stake(cand)), c.label
        assert c.too_few == (min(t.x1, t.x0) < 5)
    # q-values over the candidates shown, the baseline left out.
    others = [by_key[_key(c)] for c in result.candidates]
    raw_q = bh_q_values([ref.raw(c).p for c in others])
    for c, q in zip(result.candidates, raw_q, strict=True):
        assert _close(c.raw.q, q), c.label
    if case.adjust_for:
        adj_q = bh_q_values([ref.adjusted(c).p for c in others])  # type: ignore[union-attr]
        for c, q in zip(result.candidates, adj_q, strict=True):
            assert c.adjusted is not None
            assert _close(c.adjusted.q, q), c.label
    assert math.isnan(result.baseline.raw.q)
    stakes = [c.at_stake for c in result.candidates]
    assert stakes == sorted(stakes, reverse=True)
    assert BASELINE.key == _key(result.baseline)


def _describe(case: Case) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(case.rows, Path(tmp) / "case.csv", case.sessions, props=("p",))
        text = path.read_text(encoding="utf-8")
    return (
        f"{text}\n{case.definition!r}\nlandmark={case.landmark} lookback={case.lookback} "
        f"adjust_for={case.adjust_for}"
    )


# Every order and unit gets its share of examples (Hypothesis' own choices would favour
# the first of each).
@pytest.mark.parametrize("unit", ["actor", "session"])
@pytest.mark.parametrize("order", ["sequential", "strict", "any"])
def test_drivers_match_reference(tmp_path: Path, order: Order, unit: Unit) -> None:
    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=cases(order, unit))
    def matches(case: Case) -> None:
        note(_describe(case))
        check(case, tmp_path)

    matches()
