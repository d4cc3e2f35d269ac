"""Paths between two steps with optional steps and in open funnels (FUNNEL_SEMANTICS §13
with §15): hand-checked fixtures, one tiny log each, run on the plain reference
(tests/reference_paths.py) and on the engine, and a property test of the two on random
logs with optional steps and open funnels.

§13 follows "the two matched events" of step k and k + 1, and §15 lets an attempt jump
over an optional step or enter after step k; the spec does not say what the paths
between k and k + 1 are then. The definition here (README, "Paths and why people stop"):
the gap after step k holds the units whose reported attempt matched step k. Those whose
attempt matched a later step went on: their path is the first L events strictly between
the step-k event and the next step's event they reached, which may lie past optional
steps they jumped over (the path carries those steps' numbers, "skipped"). Those whose
furthest step is k stopped: the first L events after the step-k event inside the window
(which runs from the entry event, §15). A unit that skipped step k, or whose open attempt
entered after it, is in neither group: it is in the gap it left from. So in an open
funnel the two groups are exactly step k's `proceeded` and `exited` (§15).

Times are minutes after engine_fixtures.BASE; windows are minutes too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_gui.core.analysis.paths import paths
from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import Row, definition, make_table, step
from tests.core.test_engine_vs_reference import Log
from tests.core.test_optional_open_vs_reference import flexible_scenarios
from tests.core.test_paths_reasons_vs_reference import check_paths
from tests.reference_paths import DAY_NS, reference_paths

Paths = Callable[..., dict[str, Any]]
# {(events, skipped): units} of one group
Got = dict[tuple[tuple[str, ...], tuple[int, ...]], int]


def _engine(table: EventTable, defn: FunnelDefinition, **options: Any) -> dict[str, Any]:
    return paths(table, defn, **options).to_dict()


@pytest.fixture(params=["reference", "engine"])
def run(request: pytest.FixtureRequest) -> Paths:
    """Every hand-checked case runs on both implementations."""
    return reference_paths if request.param == "reference" else _engine


def optional(name: str) -> Step:
    return replace(step(name), optional=True)


def _groups(
    run: Paths, rows: list[Row], tmp_path: Path, defn: FunnelDefinition, k: int
) -> tuple[list[Got], list[int], list[list[tuple[str, ...]]]]:
    """Per group (converted, dropped) of the gap after step k: {(events, skipped): units},
    the group's units, and its paths in their ranked order."""
    out = run(make_table(rows, tmp_path), defn, where=("between", k))
    assert [g["name"] for g in out["groups"]] == ["converted", "dropped"]
    got = [
        {(tuple(p["events"]), tuple(p.get("skipped", ()))): p["units"] for p in g["paths"]}
        for g in out["groups"]
    ]
    order = [[tuple(p["events"]) for p in g["paths"]] for g in out["groups"]]
    return got, [g["units"] for g in out["groups"]], order


CART_OPTIONAL = definition("view", optional("cart"), "pay", window=60)


def test_optional_next_step_ends_at_the_step_reached_and_names_the_skipped(
    run: Paths, tmp_path: Path
) -> None:
    # §15: cart is optional. u1 views, does x, pays: it jumped over cart, so its path
    # after the view ends at pay, with cart (step 2) skipped. u2 carts right after the
    # view: "(direct)", nothing skipped. u4 pays right after the view: "(direct)", cart
    # skipped: another path than u2's. u3 only does z: stopped at the view (§13).
    rows: list[Row] = [("u1", "view", 0), ("u1", "x", 1), ("u1", "pay", 2)]
    rows += [("u2", "view", 0), ("u2", "cart", 1), ("u2", "y", 2), ("u2", "pay", 3)]
    rows += [("u3", "view", 0), ("u3", "z", 1)]
    rows += [("u4", "view", 0), ("u4", "pay", 1)]
    (went_on, stopped), units, order = _groups(run, rows, tmp_path, CART_OPTIONAL, 1)
    assert went_on == {
        (("x",), (2,)): 1,
        (("(direct)",), ()): 1,
        (("(direct)",), (2,)): 1,
    }
    assert stopped == {(("z",), ()): 1}
    assert units == [3, 1]
    # Ties in units rank by the events' names, then by the steps skipped (none first).
    assert order[0] == [("(direct)",), ("(direct)",), ("x",)]


def test_optional_step_k_holds_only_those_who_matched_it(run: Paths, tmp_path: Path) -> None:
    # §15: the gap after cart (optional) is u2's alone, from its cart event to its pay
    # event: y. u1 and u4 jumped over cart: their way to pay is in the gap after the view.
    rows: list[Row] = [("u1", "view", 0), ("u1", "x", 1), ("u1", "pay", 2)]
    rows += [("u2", "view", 0), ("u2", "cart", 1), ("u2", "y", 2), ("u2", "pay", 3)]
    rows += [("u4", "view", 0), ("u4", "pay", 1)]
    rows += [("u5", "view", 0), ("u5", "cart", 1), ("u5", "w", 2)]
    (went_on, stopped), units, _ = _groups(run, rows, tmp_path, CART_OPTIONAL, 2)
    assert went_on == {(("y",), ()): 1}
    assert stopped == {(("w",), ()): 1}  # u5 stopped at cart: w, inside the window
    assert units == [1, 1]


def test_two_optional_steps_jumped_over(run: Paths, tmp_path: Path) -> None:
    # §15: after the view the next step may be cart, ship (both optional) or pay; u1 goes
    # straight to pay past both (steps 2 and 3), u2 to ship past cart (step 2).
    defn = definition("view", optional("cart"), optional("ship"), "pay", window=60)
    rows: list[Row] = [("u1", "view", 0), ("u1", "a", 1), ("u1", "pay", 2)]
    rows += [("u2", "view", 0), ("u2", "ship", 1), ("u2", "pay", 2)]
    (went_on, stopped), units, _ = _groups(run, rows, tmp_path, defn, 1)
    assert went_on == {(("a",), (2, 3)): 1, (("(direct)",), (2,)): 1}
    assert stopped == {}
    assert units == [2, 0]


OPEN = replace(definition("view", "cart", "pay", window=60), open=True)
# u1 enters at cart (no view), does q, pays. u2 views, carts, then does r. u3 enters at
# cart at 10 and does s at 65 (inside its window, which runs from its entry: 10 + 60)
# and t at 75 (outside). u4 views and does w.
OPEN_ROWS: list[Row] = [("u1", "cart", 0), ("u1", "q", 1), ("u1", "pay", 2)]
OPEN_ROWS += [("u2", "view", 0), ("u2", "cart", 1), ("u2", "r", 5)]
OPEN_ROWS += [("u3", "cart", 10), ("u3", "s", 65), ("u3", "t", 75)]
OPEN_ROWS += [("u4", "view", 0), ("u4", "w", 3)]


def test_open_funnel_gap_after_step_1_leaves_out_later_entries(run: Paths, tmp_path: Path) -> None:
    # §15: u1 and u3 entered at cart, after step 1: not in this gap. u2's reported attempt
    # is the one from its view (the fuller path), straight to cart; u4 stopped at the view.
    (went_on, stopped), units, _ = _groups(run, OPEN_ROWS, tmp_path, OPEN, 1)
    assert went_on == {(("(direct)",), ()): 1}
    assert stopped == {(("w",), ()): 1}
    assert units == [1, 1]


def test_open_funnel_gap_after_step_2_counts_those_who_entered_there(
    run: Paths, tmp_path: Path
) -> None:
    # §15: at cart, u1 (entered there) went on to pay past q; u2 (from its view) and u3
    # (entered there) stopped: r, and s inside u3's window from its entry (t is not).
    (went_on, stopped), units, _ = _groups(run, OPEN_ROWS, tmp_path, OPEN, 2)
    assert went_on == {(("q",), ()): 1}
    assert stopped == {(("r",), ()): 1, (("s",), ()): 1}
    assert units == [1, 2]


def test_open_funnel_groups_are_proceeded_and_exited(tmp_path: Path) -> None:
    # §15: the groups of the gap after step k are its `proceeded` and `exited` counts.
    table = make_table(OPEN_ROWS, tmp_path)
    steps = compute(table, OPEN).steps
    for k in (1, 2):
        flow = steps[k - 1].flow
        assert flow is not None
        groups = paths(table, OPEN, ("between", k)).groups
        assert [g.units for g in groups] == [flow["proceeded"], flow["exited"]]
    assert [s.flow["exited"] for s in steps[:2] if s.flow] == [1, 2]  # hand count


def test_skipped_steps_in_the_path_text(tmp_path: Path) -> None:
    rows: list[Row] = [("u1", "view", 0), ("u1", "x", 1), ("u1", "pay", 2)]
    group = paths(make_table(rows, tmp_path), CART_OPTIONAL, ("between", 1)).groups[0]
    assert group.paths[0].text() == "x (skipped step 2)"


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=flexible_scenarios(), data=st.data())
def test_paths_with_optional_and_open_match_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition], data: st.DataObject
) -> None:
    log, defn = scenario
    where: Any = "into"
    if defn.n_steps >= 2 and data.draw(st.integers(0, 3)):
        where = ("between", data.draw(st.integers(1, defn.n_steps - 1)))
    options = {
        "where": where,
        "length": data.draw(st.integers(1, 3)),
        "top": data.draw(st.integers(1, 4)),
        "keep_repeats": data.draw(st.booleans()),
        "lookback": DAY_NS,
    }
    check_paths(tmp_path, log, defn, options)


def test_flow_ends_a_path_at_the_step_it_reached(tmp_path: Path) -> None:
    # §15 in the Paths view's layout: u1 jumped over cart to pay, u2 went to cart; the
    # last column has a node for each step reached, and the other paths would end at
    # "2. cart or later" (either may come next).
    from funnel_gui.core.analysis.path_flow import layout_flow, or_later

    rows: list[Row] = [("u1", "view", 0), ("u1", "pay", 2), ("u2", "view", 0), ("u2", "cart", 1)]
    result = paths(make_table(rows, tmp_path), CART_OPTIONAL, ("between", 1))
    anchors, after = ("1. view", "2. cart"), ["2. cart", "3. pay"]
    flow = layout_flow(result, result.groups[0], anchors, after)
    last = {n.name: n.units for n in flow.nodes if n.column == flow.columns - 1}
    assert last == {"2. cart": 1, "3. pay": 1}
    assert or_later(anchors, after) == "2. cart or later"
    assert or_later(anchors, after[:1]) == "2. cart"


def test_real_slice_with_cart_optional_and_open_matches_the_reference(realdata: Path) -> None:
    # The REES46 slice (view, cart, purchase; 1,747 users; skips without ../shared/
    # realdata): with cart optional, most buyers never carted, so most of the paths after
    # the view that went on end at purchase with step 2 skipped; open, people enter at
    # cart and purchase too. Engine and reference agree path for path.
    from funnel_gui.core.io import load_events

    source = realdata / "rees46_oct2019_5k" / "user_behavior_sample.csv"
    if not source.exists():
        pytest.skip("REES46 slice missing")
    table = load_events(source)
    base = definition("view", "cart", "purchase", window=60)
    optional_cart = replace(base, steps=(base.steps[0], optional("cart"), base.steps[2]))
    for defn in (optional_cart, replace(base, open=True)):
        for k in (1, 2):
            got = paths(table, defn, ("between", k)).to_dict()
            assert got == reference_paths(table, defn, where=("between", k))
    went_on = paths(table, optional_cart, ("between", 1)).groups[0]
    skipped = sum(p.units for p in went_on.paths if p.skipped == (2,))
    assert skipped > went_on.units / 2
