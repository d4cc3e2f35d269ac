"""Hand-checked fixtures for optional steps and open funnels (FUNNEL_SEMANTICS §15), one
tiny event log per rule, run on the plain reference AND the engine (read back in the
reference's shape), like tests/core/test_reference_engine.py. Times are minutes after
engine_fixtures.BASE; windows and gaps are minutes too. The per-step numbers only the
engine's result carries (skipped, reached/entered/proceeded/exited, reasons) are checked
on the engine, from the same hand counts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine import compute as engine
from funnel_gui.core.engine.compute import UnsupportedDefinition
from tests.core.engine_fixtures import definition, exclusion, make_table, ns, step
from tests.core.test_engine_vs_reference import engine_result
from tests.reference_engine import NOT_REACHED, RefResult
from tests.reference_engine import reference_compute as _reference
from tests.reference_paths import reference_reasons

reference_compute = _reference  # replaced per test by the fixture below


@pytest.fixture(autouse=True, params=["reference", "engine"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    chosen = _reference if request.param == "reference" else engine_result
    monkeypatch.setitem(globals(), "reference_compute", chosen)
    return str(request.param)


def optional(s: str | Step) -> Step:
    return replace(step(s) if isinstance(s, str) else s, optional=True)


def opened(defn: FunnelDefinition) -> FunnelDefinition:
    return replace(defn, open=True)


def minutes(result: RefResult, actor: str) -> tuple[float | None, ...]:
    return tuple(
        None if t is None else (t - ns(0)) / 60e9 for t in result.units[(actor, None)].step_times
    )


def furthest(result: RefResult) -> dict[str, int]:
    return {actor: unit.furthest for (actor, _), unit in result.units.items()}


def test_15_optional_step_jumped_over_or_matched(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "pay", 2),  # cart jumped over
            ("u2", "view", 0),
            ("u2", "cart", 1),
            ("u2", "pay", 2),
            ("u3", "view", 0),  # stops at step 1
        ],
        tmp_path,
    )
    defn = definition("view", optional("cart"), "pay")
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 3, "u2": 3, "u3": 1}
    assert minutes(result, "u1") == (0, None, 2)
    # Required steps count furthest >= k (3, 2); the optional one those who matched it (1).
    assert result.counts == [3, 1, 2]
    steps = engine.compute(table, defn).steps
    assert (steps[1].optional, steps[1].skipped) == (True, 1)  # u1 skipped cart
    # Drop-off at pay: the units whose furthest step is cart or earlier: u3 (stopped at 1).
    assert [s.drop_off for s in steps] == [0, 1, 0]


def test_15_on_one_event_the_lowest_step_wins(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "x", 1),  # matches optional step 2 and step 3: step 2 takes it
            ("u2", "view", 0),
            ("u2", "x", 1),
            ("u2", "x", 2),  # then step 3
        ],
        tmp_path,
    )
    result = reference_compute(table, definition("view", optional("x"), "x"))
    assert furthest(result) == {"u1": 2, "u2": 3}
    assert minutes(result, "u1") == (0, 1, None)


def test_15_each_candidate_has_its_own_min_gap(tmp_path: Path) -> None:
    # cart is 1 minute after the view, sooner than its min_gap of 5: not a candidate
    # event; pay (no min_gap) at 2 is the next matched event, cart is skipped.
    table = make_table([("u1", "view", 0), ("u1", "cart", 1), ("u1", "pay", 2)], tmp_path)
    result = reference_compute(table, definition("view", optional(step("cart", min_gap=5)), "pay"))
    assert minutes(result, "u1") == (0, None, 2)


def test_15_the_chosen_steps_max_gap_decides(tmp_path: Path) -> None:
    # The first candidate event is cart at 3; cart's max_gap (1) is exceeded, so the
    # attempt ends at step 1: it does not look on for pay at 4. (u9's late event closes
    # the window, so the reason is not "still open".)
    rows = [("u1", "view", 0), ("u1", "cart", 3), ("u1", "pay", 4), ("u9", "promo", 30)]
    table = make_table(rows, tmp_path)
    defn = definition("view", optional(step("cart", max_gap=1)), "pay", window=5)
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 1}
    assert reference_reasons(table, defn)[("u1", None)] == "max_gap"  # §14 with §15
    frame = engine.compute(table, defn).actors_frame()
    assert frame.set_index("actor")["reason"]["u1"] == "max_gap"


def test_15_strict_optional_next_event_must_be_a_candidate(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "pay", 1),  # the very next event fills pay; cart skipped
            ("u2", "view", 0),
            ("u2", "promo", 1),  # something else in between: the attempt ends
            ("u2", "pay", 2),
            ("u9", "promo", 30),  # closes every window: no one is still open
        ],
        tmp_path,
    )
    defn = definition("view", optional("cart"), "pay", order="strict", window=3)
    result = reference_compute(table, defn)
    assert furthest(result)["u1"] == 3
    assert furthest(result)["u2"] == 1
    assert reference_reasons(table, defn)[("u2", None)] == "interrupted"


def test_15_a_skipped_step_was_not_reached_for_exclusions(tmp_path: Path) -> None:
    table = make_table([("u1", "view", 0), ("u1", "refund", 1), ("u1", "pay", 2)], tmp_path)
    # between [2, 3]: cart (step 2) was skipped, so never reached: no void.
    after_cart = exclusion("refund", between=(2, 3))
    result = reference_compute(
        table, definition("view", optional("cart"), "pay", exclusions=[after_cart])
    )
    assert furthest(result) == {"u1": 3}
    # between [1, 2]: step 2 not reached, so up to the window's end: refund voids it.
    before_cart = exclusion("refund", between=(1, 2))
    result = reference_compute(
        table, definition("view", optional("cart"), "pay", exclusions=[before_cart])
    )
    assert result.excluded == 1
    assert result.counts == [0, 0, 0]


def test_15_step_n_attribution_of_a_skipped_step(tmp_path: Path) -> None:
    table = make_table([("u1", "view", 0, "a"), ("u1", "pay", 2, "b")], tmp_path, props=("p",))
    defn = replace(definition("view", optional("cart"), "pay", breakdown="p", attribution="step_2"))
    assert reference_compute(table, defn).units[("u1", None)].breakdown == NOT_REACHED


def test_15_open_funnel_enters_at_a_later_step(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "cart", 0),
            ("u1", "pay", 1),  # entered at cart, converted
            ("u2", "view", 0),
            ("u2", "cart", 1),  # entered at view, exited at cart
        ],
        tmp_path,
    )
    defn = opened(definition("view", "cart", "pay"))
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 3, "u2": 2}
    assert minutes(result, "u1") == (None, 0, 1)
    assert result.units[("u1", None)].entry_step == 2
    # §3.4 on the last step: step 1 counts both, as does step 2; step 3 u1.
    assert result.counts == [2, 2, 1]
    flows = [
        (s.flow or {}) for s in engine.compute(table, defn).steps
    ]  # reached, entered, proceeded, exited
    assert [f["reached"] for f in flows] == [1, 2, 1]
    assert [f["entered"] for f in flows] == [1, 1, 0]
    assert [f["proceeded"] for f in flows] == [1, 1, 0]
    assert [f["exited"] for f in flows] == [0, 1, 1]


def test_15_open_reported_attempt_highest_last_step_then_fuller_path(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),  # starts at 1, ends at 1
            ("u1", "cart", 5),  # starts at 2 ... and the view's attempt goes on here: 1-2
            ("u2", "cart", 0),
            ("u2", "pay", 1),  # 2-3: the highest last step
            ("u2", "view", 5),  # 1 only
        ],
        tmp_path,
    )
    result = reference_compute(table, opened(definition("view", "cart", "pay", window=10)))
    # u1: attempts 1-2 (from view) and 2 (from cart) end at 2: the lower start wins.
    assert result.units[("u1", None)].entry_step == 1
    assert minutes(result, "u1") == (0, 5, None)
    # u2: 2-3 ends higher than 1 (the later view), so it is reported.
    assert result.units[("u2", None)].entry_step == 2
    assert furthest(result) == {"u1": 2, "u2": 3}


def test_15_open_event_matching_several_steps_starts_one_at_each(tmp_path: Path) -> None:
    # The view matches step 1 and step 3 ("pay or view"): the attempt started at step 3
    # ends highest, so it is reported; step 1 and 2 count it by its last step (§3.4).
    table = make_table([("u1", "view", 0)], tmp_path)
    defn = opened(definition("view", "cart", ("pay", "view")))
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 3}
    assert result.units[("u1", None)].entry_step == 3
    assert result.counts == [1, 1, 1]


def test_15_open_exclusion_before_the_entry_never_voids(tmp_path: Path) -> None:
    table = make_table([("u1", "cart", 0), ("u1", "refund", 1), ("u1", "pay", 2)], tmp_path)
    defn = opened(
        definition("view", "cart", "pay", exclusions=[exclusion("refund", between=(1, 3))])
    )
    result = reference_compute(table, defn)
    assert result.excluded == 0
    assert furthest(result) == {"u1": 3}
    # between [2, 3]: the attempt entering at cart has the refund before pay: void. The
    # attempt pay itself starts (at step 3) is clean, so it is reported (§4, §15).
    defn = opened(
        definition("view", "cart", "pay", exclusions=[exclusion("refund", between=(2, 3))])
    )
    result = reference_compute(table, defn)
    assert result.excluded == 0
    assert result.units[("u1", None)].entry_step == 3
    assert minutes(result, "u1") == (None, None, 2)


def test_15_open_first_step_attribution_from_the_entry_event(tmp_path: Path) -> None:
    table = make_table([("u1", "cart", 0, "a"), ("u1", "pay", 1, "b")], tmp_path, props=("p",))
    defn = opened(definition("view", "cart", "pay", breakdown="p"))
    assert reference_compute(table, defn).units[("u1", None)].breakdown == "a"


def test_15_open_window_runs_from_the_entry(tmp_path: Path) -> None:
    table = make_table(
        [("u1", "view", 0), ("u1", "cart", 20), ("u1", "pay", 29), ("u2", "view", 40)],
        tmp_path,
    )
    # The view's attempt ends at view (cart is 20 after it, window 10); the cart's own
    # attempt reaches pay 9 minutes after its entry.
    result = reference_compute(table, opened(definition("view", "cart", "pay", window=10)))
    assert furthest(result)["u1"] == 3
    assert minutes(result, "u1") == (None, 20, 29)


@pytest.mark.parametrize(
    ("defn", "words"),
    [
        (definition(optional("view"), "cart", "pay"), "step 1 cannot be optional"),
        (definition("view", "cart", optional("pay")), "last step cannot be optional"),
        (definition("view", optional("cart"), "pay", order="any"), 'not in order "any"'),
        (opened(definition("view", "cart", order="strict")), "sequential order only"),
        (opened(definition("view", "cart", order="any")), "sequential order only"),
        (replace(opened(definition("view", "cart")), count="totals"), "open funnel"),
        (replace(definition("view", optional("cart"), "pay"), count="totals"), "optional"),
        (replace(opened(definition("view", "cart")), hold=("p",)), "hold"),
    ],
)
def test_15_combinations_it_does_not_define_are_refused(
    tmp_path: Path, implementation: str, defn: FunnelDefinition, words: str
) -> None:
    if implementation == "reference":
        pytest.skip("refusals are the engine's")
    table = make_table([("u1", "view", 0)], tmp_path)
    with pytest.raises(UnsupportedDefinition, match=f"(?i){words}"):
        engine.compute(table, defn)


def test_15_chart_drop_off_sits_on_the_bar_after_an_optional_step(
    tmp_path: Path, implementation: str
) -> None:
    if implementation == "reference":
        pytest.skip("chart data is the engine's")
    from funnel_gui.core.analysis.chart_data import drop_offs

    # u1 view -> pay (skips cart), u2 view -> cart (stops), u3 view (stops).
    rows = [("u1", "view", 0), ("u1", "pay", 1), ("u2", "view", 0), ("u2", "cart", 1)]
    table = make_table([*rows, ("u3", "view", 0)], tmp_path)
    result = engine.compute(table, definition("view", optional("cart"), "pay"))
    assert [s.count for s in result.steps] == [3, 1, 1]  # cart: u2 did it; pay: u1
    # Drop-off at cart: u3 (stopped at view); at pay: u2 (stopped at cart).
    assert [s.drop_off for s in result.steps] == [0, 1, 1]
    # Each stack rises from its own step's bar: 1 + 1, 1 + 1 (count_{k-1} would be
    # 3 and 1: the first stack would float above cart's bar).
    assert [d.previous_count for d in drop_offs(result)] == [2, 2]
