"""Hand-checked fixtures for the counting options (FUNNEL_SEMANTICS §16–§18, §20), run on
the plain reference AND the engine, like tests/core/test_reference_engine.py.

Every expected number is worked out by hand in the comment above it. Times are minutes
after engine_fixtures.BASE; windows, gaps and timeouts are minutes too.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from funnel_gui.core.definition.model import Breakdown, Filter
from funnel_gui.core.engine import compute as engine
from tests.core.engine_fixtures import definition, duration, exclusion, make_table, ns, step
from tests.core.test_engine_vs_reference import engine_result
from tests.reference_engine import NOT_REACHED, RefResult
from tests.reference_engine import reference_compute as _reference

CHECKOUT = ("view", "cart", "pay")


reference_compute = _reference  # replaced per test by the fixture below


@pytest.fixture(autouse=True, params=["reference", "engine"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every hand-checked case on both implementations."""
    chosen = _reference if request.param == "reference" else engine_result
    monkeypatch.setitem(globals(), "reference_compute", chosen)
    return str(request.param)


def minutes(result: RefResult, *key: object) -> tuple[float | None, ...]:
    """A row's step times, back in minutes after BASE."""
    unit = result.units[tuple(key)]
    return tuple(None if t is None else (t - ns(0)) / 60e9 for t in unit.step_times)


def levels(result: RefResult) -> dict[tuple[object, ...], int]:
    return {key: unit.furthest for key, unit in result.units.items()}


# ------------------------------------------------------------------ §16 totals


def test_16_an_attempt_counts_after_the_end_of_the_last_counted_one(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 1),
            ("u1", "pay", 2),  # complete: the next attempt must start after pay@2
            ("u1", "view", 3),  # counted; reaches cart@5 only, window [3, 13]
            ("u1", "cart", 5),
            ("u1", "view", 8),  # inside the window of the attempt from view@3: not counted
            ("u1", "view", 14),  # after 13: counted, level 1
        ],
        tmp_path,
    )
    totals = replace(definition(*CHECKOUT, window=10), count="totals")
    result = reference_compute(table, totals)
    assert levels(result) == {("u1", None, 0): 3, ("u1", None, 1): 2, ("u1", None, 2): 1}
    assert minutes(result, "u1", None, 1) == (3, 5, None)
    assert result.counts == [3, 2, 1]
    assert result.entered == 3
    # Counting people, u1 is one unit whose best attempt is complete.
    assert reference_compute(table, definition(*CHECKOUT, window=10)).counts == [1, 1, 1]


def test_16_window_end_blocks_up_to_and_including_its_instant(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),  # window [0, 10], never reaches cart
            ("u1", "view", 10),  # at the window's end instant: blocked ("strictly after")
            ("u1", "view", 11),  # counted
            ("u1", "cart", 30),  # outside every window
        ],
        tmp_path,
    )
    result = reference_compute(
        table, replace(definition("view", "cart", window=10), count="totals")
    )
    assert sorted(minutes(result, *key)[0] for key in result.units) == [0, 11]
    assert result.counts == [2, 0]


def test_16_the_end_is_the_last_step_event_itself(tmp_path: Path) -> None:
    table = make_table([("u1", "view", 0), ("u1", "view", 2), ("u1", "view", 4)], tmp_path)
    # view -> view: the attempt from view@0 ends at view@2, so the one from view@2 does not
    # come after it and is not counted; the one from view@4 is (level 1: nothing follows).
    result = reference_compute(table, replace(definition("view", "view"), count="totals"))
    assert [minutes(result, "u1", None, i) for i in (0, 1)] == [(0, 2), (4, None)]
    assert result.counts == [2, 1]


def test_16_void_attempts_neither_count_nor_block(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "refund", 1),  # voids the attempt from view@0 (between steps 1 and 2)
            ("u1", "cart", 2),
            ("u1", "view", 3),  # inside view@0's window, but that attempt is void: counted
            ("u1", "cart", 4),
            ("u2", "view", 0),  # u2's only attempt is void: u2 is excluded, once
            ("u2", "refund", 1),
            ("u2", "view", 30),
            ("u2", "refund", 31),
        ],
        tmp_path,
    )
    defn = definition("view", "cart", exclusions=[exclusion("refund", between=(1, 2))])
    result = reference_compute(table, replace(defn, count="totals"))
    assert levels(result) == {("u1", None, 0): 2, ("u2", None, None): 0}
    assert minutes(result, "u1", None, 0) == (3, 4)
    assert result.counts == [1, 1]
    assert (result.entered, result.excluded) == (2, 1)


def test_16_strict_totals(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "promo", 1),  # ends the strict attempt from view@0 at level 1
            ("u1", "view", 2),  # inside view@0's window [0, 60]: not counted
            ("u1", "cart", 3),
            ("u2", "view", 0),
            ("u2", "cart", 1),  # complete at cart@1
            ("u2", "view", 2),  # after it: counted, and complete
            ("u2", "cart", 3),
        ],
        tmp_path,
    )
    result = reference_compute(table, definition("view", "cart", order="strict", window=60))
    assert result.counts == [2, 2]
    totals = reference_compute(
        table, replace(definition("view", "cart", order="strict", window=60), count="totals")
    )
    assert levels(totals) == {("u1", None, 0): 1, ("u2", None, 0): 2, ("u2", None, 1): 2}
    assert totals.counts == [3, 2]


# ------------------------------------------------------------------- §17 hold


def test_17_later_steps_need_the_step_1_values(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile"),
            ("u1", "cart", 1, "desktop"),  # passed over: not u1's step-1 device
            ("u1", "cart", 2, "mobile"),
            ("u2", "view", 0, "mobile"),
            ("u2", "cart", 1, "desktop"),
            ("u3", "view", 0, None),  # missing device: starts no attempt
            ("u3", "cart", 1, None),
            ("u4", "cart", 0, "tablet"),  # no step-1 event at all
        ],
        tmp_path,
        props=["device"],
    )
    held = replace(definition("view", "cart"), hold=("device",))
    result = reference_compute(table, held)
    assert levels(result) == {("u1", None): 2, ("u2", None): 1}
    assert minutes(result, "u1", None) == (0, 2)
    # Events matching a step and lacking the device: u3's view and cart.
    assert result.hold_missing == 2
    assert reference_compute(table, definition("view", "cart")).counts == [3, 3]
    assert reference_compute(table, definition("view", "cart")).hold_missing is None


def test_17_strict_order_treats_other_values_as_something_else(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile"),
            ("u1", "cart", 1, "desktop"),  # the very next event, other device: ends it
            ("u1", "cart", 2, "mobile"),
        ],
        tmp_path,
        props=["device"],
    )
    strict = replace(definition("view", "cart", order="strict"), hold=("device",))
    assert levels(reference_compute(table, strict)) == {("u1", None): 1}


def test_17_exclusions_are_not_held(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile"),
            ("u1", "refund", 1, "desktop"),  # another device, still voids the attempt
            ("u1", "cart", 2, "mobile"),
        ],
        tmp_path,
        props=["device"],
    )
    defn = definition("view", "cart", exclusions=[exclusion("refund", between=(1, 2))])
    result = reference_compute(table, replace(defn, hold=("device",)))
    assert (result.entered, result.excluded, result.counts) == (1, 1, [0, 0])


def test_17_several_held_properties_compare_as_text(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile", "10"),
            ("u1", "cart", 1, "mobile", "9"),  # same device, other plan
            ("u1", "cart", 2, "mobile", "10"),
            ("u1", "pay", 3, "desktop", "10"),  # other device
        ],
        tmp_path,
        props=["device", "plan"],
    )
    held = replace(definition(*CHECKOUT), hold=("device", "plan"))
    result = reference_compute(table, held)
    assert minutes(result, "u1", None) == (0, 2, None)
    assert result.hold_missing == 0


# ------------------------------------------------------- §18 several breakdowns


BY_TWO = Breakdown.several(("device", "country"))


def test_18_one_event_supplies_every_property(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile", "DE"),
            ("u1", "cart", 1, "desktop", None),
            ("u2", "view", 0, "mobile", None),
            ("u3", "view", 0, None, "FR"),
            ("u3", "cart", 2, "tablet", "FR"),
        ],
        tmp_path,
        props=["device", "country"],
    )
    first = replace(definition("view", "cart"), breakdown=BY_TWO)
    result = reference_compute(table, first)
    assert {key: u.breakdown for key, u in result.units.items()} == {
        ("u1", None): ("mobile", "DE"),
        ("u2", None): ("mobile", "(none)"),
        ("u3", None): ("(none)", "FR"),
    }
    last = replace(first, breakdown=Breakdown.several(("device", "country"), "last_step"))
    assert reference_compute(table, last).units[("u1", None)].breakdown == ("desktop", "(none)")
    step_2 = replace(first, breakdown=Breakdown.several(("device", "country"), "step_2"))
    # u2 never reached step 2: "(not reached)" for every property.
    assert reference_compute(table, step_2).units[("u2", None)].breakdown == (
        NOT_REACHED,
        NOT_REACHED,
    )


def test_18_groups_are_combinations_with_list_values(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "mobile", "DE"),
            ("u1", "cart", 1, "mobile", "DE"),
            ("u2", "view", 0, "mobile", "DE"),
            ("u3", "view", 0, "mobile", "FR"),
            ("u3", "cart", 1, "mobile", "FR"),
        ],
        tmp_path,
        props=["device", "country"],
    )
    result = engine.compute(table, replace(definition("view", "cart"), breakdown=BY_TWO))
    assert result.breakdown is not None
    assert result.breakdown.to_dict() == {
        "properties": ["device", "country"],
        "attribution": "first_step",
        "groups": [
            {"value": ["mobile", "DE"], "counts": [2, 1]},
            {"value": ["mobile", "FR"], "counts": [1, 1]},
        ],
    }
    # One name given as a list: values are still lists; given as `property`, texts.
    listed = Breakdown.several(("country",))
    one = engine.compute(table, replace(definition("view", "cart"), breakdown=listed))
    assert one.breakdown is not None
    assert [g["value"] for g in one.breakdown.to_dict()["groups"]] == [["DE"], ["FR"]]
    plain = engine.compute(
        table, replace(definition("view", "cart"), breakdown=Breakdown("country"))
    )
    assert plain.breakdown is not None
    assert [g["value"] for g in plain.breakdown.to_dict()["groups"]] == ["DE", "FR"]


# ---------------------------------------------------------- §18 funnel filters


def test_18_filtered_out_events_do_not_interrupt_strict_funnels(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "web"),
            ("u1", "promo", 1, "internal"),  # not in the data once filtered
            ("u1", "cart", 2, "web"),
        ],
        tmp_path,
        props=["source"],
    )
    strict = definition("view", "cart", order="strict")
    assert reference_compute(table, strict).counts == [1, 0]
    filtered = replace(strict, filters=(Filter("source", "neq", "internal"),))
    assert reference_compute(table, filtered).counts == [1, 1]


def test_18_filters_apply_to_steps_and_exclusions(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "internal"),  # filtered out: u1 enters at view@2
            ("u1", "view", 2, "web"),
            ("u1", "cart", 3, "web"),
            ("u2", "view", 0, "web"),
            ("u2", "refund", 1, "internal"),  # filtered out: voids nothing
            ("u2", "cart", 2, "web"),
        ],
        tmp_path,
        props=["source"],
    )
    defn = definition("view", "cart", exclusions=[exclusion("refund", between=(1, 2))])
    assert reference_compute(table, defn).counts == [1, 1]
    result = reference_compute(table, replace(defn, filters=(Filter("source", "eq", "web"),)))
    assert result.counts == [2, 2]
    assert minutes(result, "u1", None) == (2, 3)


def test_18_still_open_is_measured_against_the_last_remaining_event(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "web"),  # window [0, 10]
            ("u2", "view", 5, "web"),  # the last remaining event once filtered
            ("u3", "ping", 30, "internal"),  # the data's last event, filtered out
        ],
        tmp_path,
        props=["source"],
    )
    defn = definition("view", "cart", window=10)
    # Unfiltered the data ends at 30: u1's window closed. Filtered it ends at 5: open.
    assert not reference_compute(table, defn).units[("u1", None)].still_open
    filtered = replace(defn, filters=(Filter("source", "neq", "internal"),))
    assert reference_compute(table, filtered).units[("u1", None)].still_open


# ------------------------------------------------------- §20 sessions from inactivity


def test_20_a_gap_longer_than_the_timeout_starts_a_session(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 30),  # a gap equal to the timeout stays in the session
            ("u2", "view", 0),
            ("u2", "cart", 31),  # one minute more: a new session, without a view
            ("u2", "view", 40),
        ],
        tmp_path,
    )
    sessions = replace(
        definition("view", "cart", window=60, unit="session"), inactivity_ns=duration(30)
    )
    result = reference_compute(table, sessions)
    # Sessions are numbered within the actor: u2's view@0 is session 0, cart@31 and
    # view@40 session 1.
    assert levels(result) == {("u1", 0): 2, ("u2", 0): 1, ("u2", 1): 1}
    assert minutes(result, "u2", 1) == (40, None)
    # With the actor unit the timeout changes nothing.
    actors = replace(definition("view", "cart", window=60), inactivity_ns=duration(30))
    assert reference_compute(table, actors).counts == [2, 2]


def test_20_replaces_the_imported_sessions(tmp_path: Path) -> None:
    table = make_table(
        [("u1", "view", 0, "s1"), ("u1", "cart", 50, "s1"), ("u1", "view", 51, "s1")],
        tmp_path,
        session=True,
    )
    imported = definition("view", "cart", window=60, unit="session")
    assert reference_compute(table, imported).counts == [1, 1]
    timed = replace(imported, inactivity_ns=duration(45))
    # The 50-minute gap splits s1: view@0 alone, then cart@50 and view@51.
    assert levels(reference_compute(table, timed)) == {("u1", 0): 1, ("u1", 1): 1}


def test_20_filtered_out_events_do_not_keep_a_session_alive(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0, "web"),
            ("u1", "ping", 20, "internal"),
            ("u1", "cart", 40, "web"),
        ],
        tmp_path,
        props=["source"],
    )
    sessions = replace(
        definition("view", "cart", window=60, unit="session"), inactivity_ns=duration(30)
    )
    assert reference_compute(table, sessions).counts == [1, 1]
    filtered = replace(sessions, filters=(Filter("source", "eq", "web"),))
    assert reference_compute(table, filtered).counts == [1, 0]


def test_16_20_attempts_of_inactivity_sessions(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 1),
            ("u1", "view", 2),
            ("u1", "cart", 3),
            ("u1", "view", 100),  # a new session
        ],
        tmp_path,
    )
    defn = replace(
        definition("view", step("cart", max_gap=5), window=60, unit="session"),
        inactivity_ns=duration(30),
        count="totals",
    )
    result = reference_compute(table, defn)
    assert levels(result) == {("u1", 0, 0): 2, ("u1", 0, 1): 2, ("u1", 1, 0): 1}
