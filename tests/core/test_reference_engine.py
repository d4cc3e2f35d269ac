"""Hand-checked fixtures, one per rule of FUNNEL_SEMANTICS, run on the reference AND the engine.

Every expected number is worked out by hand in the comment above it. Each test runs
twice: on the plain reference (tests/reference_engine.py) and on the vectorised engine
(its results read back in the reference's shape), so both are pinned to the hand counts.
Times are minutes after engine_fixtures.BASE; windows and gaps are minutes too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.definition.model import Filter
from tests.core.engine_fixtures import (
    definition,
    exclusion,
    make_table,
    ns,
    session_of,
    step,
    where,
)
from tests.core.test_engine_vs_reference import engine_result
from tests.reference_engine import NO_VALUE, NOT_REACHED, RefResult
from tests.reference_engine import reference_compute as _reference

CHECKOUT = ("view", "cart", "pay")


reference_compute = _reference  # replaced per test by the fixture below


@pytest.fixture(autouse=True, params=["reference", "engine"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every hand-checked case on both implementations."""
    chosen = _reference if request.param == "reference" else engine_result
    monkeypatch.setitem(globals(), "reference_compute", chosen)
    return str(request.param)


def furthest(result: RefResult) -> dict[str, int]:
    """Furthest step per actor (unit="actor" results)."""
    return {actor: unit.furthest for (actor, _), unit in result.units.items()}


def times(result: RefResult, actor: str, session: int | None = None) -> tuple[float | None, ...]:
    """The reported attempt's step times, back in minutes after BASE."""
    return tuple(
        None if t is None else (t - ns(0)) / 60e9 for t in result.units[(actor, session)].step_times
    )


def test_3_1_first_match_after_step_is_used(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 5),
            ("u1", "cart", 10),
            ("u1", "pay", 12),
        ],
        tmp_path,
    )
    # Step 2 is the FIRST cart after the view (minute 5), not the later one at 10.
    result = reference_compute(table, definition(*CHECKOUT))
    assert times(result, "u1") == (0, 5, 12)
    assert result.counts == [1, 1, 1]
    # With max_gap 5 on pay: pay@12 is 7 min after cart@5, so the attempt ends at level 2,
    # even though cart@10 would have been within 2 minutes: no search for a better step 2.
    gapped = definition("view", "cart", step("pay", max_gap=5))
    result = reference_compute(table, gapped)
    assert furthest(result) == {"u1": 2}
    assert times(result, "u1") == (0, 5, None)


def test_3_1_window_from_step_1_end_inclusive(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 30),
            ("u1", "pay", 60),  # exactly t1 + window: inside
            ("u2", "view", 0),
            ("u2", "cart", 30),
            ("u2", "pay", 61),  # one minute past the window from step 1 (not from cart)
        ],
        tmp_path,
    )
    result = reference_compute(table, definition(*CHECKOUT, window=60))
    assert furthest(result) == {"u1": 3, "u2": 2}
    assert result.counts == [2, 2, 1]


def test_3_1_other_events_in_between_are_fine(tmp_path: Path) -> None:
    table = make_table(
        [("u1", "view", 0), ("u1", "promo", 1), ("u1", "cart", 2), ("u1", "pay", 3)],
        tmp_path,
    )
    assert furthest(reference_compute(table, definition(*CHECKOUT))) == {"u1": 3}


def test_3_1_one_event_cannot_fill_two_steps(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            # u2 has two views at the same instant: the second is "after" the first (§1).
            ("u2", "view", 0),
            ("u2", "view", 0),
        ],
        tmp_path,
    )
    result = reference_compute(table, definition("view", "view"))
    # u1's single view is step 1 of its attempt and cannot also be step 2.
    assert furthest(result) == {"u1": 1, "u2": 2}
    assert times(result, "u2") == (0, 0)


def test_1_ties_in_time_kept_in_file_order(tmp_path: Path) -> None:
    table = make_table(
        [
            # Same instant; file order decides which comes first. Rows of u1 and u2 are
            # interleaved so the loader's sort by actor must keep file order within each.
            ("u1", "cart", 0),
            ("u2", "view", 0),
            ("u1", "view", 0),
            ("u2", "cart", 0),
        ],
        tmp_path,
    )
    result = reference_compute(table, definition("view", "cart"))
    # u1: cart comes before view in the file, so no cart follows the view: level 1.
    # u2: view then cart: level 2, both at minute 0.
    assert furthest(result) == {"u1": 1, "u2": 2}
    assert times(result, "u2") == (0, 0)


def test_3_2_strict_breaks_on_event_in_between(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0),
        ("u1", "cart", 1),
        ("u1", "promo", 2),  # any other event between cart and pay ends the attempt
        ("u1", "pay", 3),
        ("u2", "view", 0),
        ("u2", "cart", 1),
        ("u2", "pay", 2),
        # u3: the attempt from view@0 is broken by view@1 (not a cart); the one from
        # view@1 reaches cart@2, so furthest 2 and the reported attempt starts at 1.
        ("u3", "view", 0),
        ("u3", "view", 1),
        ("u3", "cart", 2),
    ]
    table = make_table(rows, tmp_path)
    result = reference_compute(table, definition(*CHECKOUT, order="strict"))
    assert furthest(result) == {"u1": 2, "u2": 3, "u3": 2}
    assert times(result, "u3") == (1, 2, None)
    assert result.counts == [3, 3, 1]
    # The same data, sequential: u1 reaches pay despite the promo.
    assert reference_compute(table, definition(*CHECKOUT)).counts == [3, 3, 2]


def test_3_2_strict_gaps_and_window_still_apply(tmp_path: Path) -> None:
    table = make_table(
        [
            ("u1", "view", 0),
            ("u1", "cart", 1),  # the very next event, but only 1 min later: min_gap 2 fails
            ("u1", "cart", 5),
            ("u2", "view", 0),
            ("u2", "cart", 3),
            ("u3", "view", 0),
            ("u3", "cart", 11),  # next event, but outside the 10-minute window
        ],
        tmp_path,
    )
    defn = definition("view", step("cart", min_gap=2), order="strict", window=10)
    # u1: strict cannot skip cart@1 to use cart@5 -> level 1. u2: gap 3 >= 2 -> level 2.
    assert furthest(reference_compute(table, defn)) == {"u1": 1, "u2": 2, "u3": 1}


def test_3_3_any_order_counts_distinct_steps_in_window(tmp_path: Path) -> None:
    rows = [
        # u1: from pay@0 the window [0, 10] holds pay and view -> 2 steps; from view@5,
        # [5, 15] holds only view (pay@0 is before it) -> 1; from cart@20 -> 1.
        ("u1", "pay", 0),
        ("u1", "view", 5),
        ("u1", "cart", 20),
        # u2: from cart@0, [0, 10] holds cart, pay and view (10 is inclusive) -> 3.
        ("u2", "cart", 0),
        ("u2", "pay", 3),
        ("u2", "view", 10),
        # u3: three views are one distinct step -> 1.
        ("u3", "view", 0),
        ("u3", "view", 1),
        ("u3", "view", 2),
    ]
    table = make_table(rows, tmp_path)
    result = reference_compute(table, definition(*CHECKOUT, order="any", window=10))
    assert furthest(result) == {"u1": 2, "u2": 3, "u3": 1}
    assert result.counts == [3, 2, 1]
    # The reported attempt's entry event e is the step-1 event; no other step times.
    assert times(result, "u1") == (0, None, None)
    assert times(result, "u2") == (0, None, None)


def test_3_3_any_order_same_time_earlier_rows_do_not_count_and_exclusion_after_e(
    tmp_path: Path,
) -> None:
    # §3.3: "an event at the same instant but earlier in file order does not count";
    # the level counts matches from e itself on in §1 order (time, then file row).
    table = make_table(
        [
            ("u1", "cart", 0, "c"),
            ("u1", "refund", 0, None),
            ("u1", "view", 0, "v"),
            ("u2", "view", 3, "v2"),
            ("u2", "cart", 3, "c2"),
        ],
        tmp_path,
        props=("p",),
    )
    defn = definition(
        "view",
        "cart",
        order="any",
        window=10,
        exclusions=[exclusion("refund", between=(1, 2))],
        breakdown="p",
    )
    result = reference_compute(table, defn)
    # u1, e = cart@0 (row 0): from it on, cart and view@0 (row 2) -> 2 steps, but
    # refund@0 (row 1) is after it and inside the window -> void.
    # u1, e = view@0 (row 2): refund is before it in row order, so not void; cart@0 is at
    # the same instant but earlier in the file, so it does not count -> 1 step.
    # Reported: the only non-void attempt, view@0 at level 1.
    u1 = result.units[("u1", None)]
    assert (u1.furthest, u1.excluded) == (1, False)
    assert u1.breakdown == "v"  # first_step attributes to e = view@0
    # u2, e = view@3 (row 3): cart@3 is at the same instant and later in the file -> 2.
    # (e = cart@3 would only see itself -> 1; the earliest of the highest level is view.)
    u2 = result.units[("u2", None)]
    assert (u2.furthest, u2.excluded, u2.breakdown) == (2, False, "v2")
    assert result.counts == [2, 1]


def test_3_3_any_order_date_range_bounds_e(tmp_path: Path) -> None:
    table = make_table([("u1", "cart", 0), ("u1", "view", 5)], tmp_path)
    # Only view@5 may enter; from it [5, 15] holds just the view -> 1 step.
    defn = definition("view", "cart", order="any", window=10, date_range=(1, None))
    assert furthest(reference_compute(table, defn)) == {"u1": 1}


def test_3_4_reported_attempt_is_earliest_reaching_furthest(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0, "first"),
        ("u1", "cart", 10, None),
        ("u1", "view", 40, "second"),
        ("u1", "cart", 50, None),
        ("u1", "pay", 60, None),
        ("u1", "view", 100, "third"),
        ("u1", "cart", 105, None),
        ("u1", "pay", 110, None),
    ]
    table = make_table(rows, tmp_path, props=("p",))
    result = reference_compute(table, definition(*CHECKOUT, window=30, breakdown="p"))
    # Attempt @0: cart@10, then the first pay (@60) is past 0 + 30 -> level 2.
    # Attempt @40: cart@50, pay@60 <= 70 -> level 3. Attempt @100: level 3 too.
    # Furthest 3; reported = the earliest reaching 3, the one from view@40.
    unit = result.units[("u1", None)]
    assert unit.furthest == 3
    assert times(result, "u1") == (40, 50, 60)
    assert unit.breakdown == "second"


def test_4_void_attempt_does_not_hide_clean_attempt(tmp_path: Path) -> None:
    rows = [
        # Attempt @0 reaches pay but refund@5 is between step 1 and step 3 -> void.
        # Attempt @40 reaches cart (no pay after it) and is clean -> furthest 2, not 3.
        ("u1", "view", 0),
        ("u1", "refund", 5),
        ("u1", "cart", 10),
        ("u1", "pay", 20),
        ("u1", "view", 40),
        ("u1", "cart", 45),
        # u2: refund after the step-3 event does not void (it must be before step b).
        ("u2", "view", 0),
        ("u2", "cart", 5),
        ("u2", "pay", 10),
        ("u2", "refund", 12),
        # u3: never reached pay; refund@31 is after the window end (0 + 30) -> clean.
        ("u3", "view", 0),
        ("u3", "cart", 5),
        ("u3", "refund", 31),
    ]
    table = make_table(rows, tmp_path)
    defn = definition(*CHECKOUT, window=30, exclusions=[exclusion("refund", between=(1, 3))])
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 2, "u2": 3, "u3": 2}
    assert times(result, "u1") == (40, 45, None)
    assert (result.entered, result.excluded) == (3, 0)


def test_4_all_void_means_excluded(tmp_path: Path) -> None:
    rows = [
        # u1: never reached pay; refund@30 is exactly at the window end (inclusive) -> void.
        ("u1", "view", 0),
        ("u1", "cart", 5),
        ("u1", "refund", 30),
        # u2: both attempts see the refund@8 within their windows -> all void, excluded.
        ("u2", "view", 0),
        ("u2", "view", 6),
        ("u2", "refund", 8),
        # u3: clean, level 1.
        ("u3", "view", 0),
    ]
    table = make_table(rows, tmp_path)
    defn = definition(*CHECKOUT, window=30, exclusions=[exclusion("refund", between=(1, 3))])
    result = reference_compute(table, defn)
    assert {k[0]: u.excluded for k, u in result.units.items()} == {
        "u1": True,
        "u2": True,
        "u3": False,
    }
    assert furthest(result) == {"u1": 0, "u2": 0, "u3": 1}
    # Excluded actors entered but are counted in no step.
    assert (result.entered, result.excluded, result.counts) == (3, 2, [1, 0, 0])


def test_4_exclusion_only_after_step_a(tmp_path: Path) -> None:
    rows = [
        # u1: refund before the step-2 event: between (2, 3) does not look there -> clean.
        ("u1", "view", 0),
        ("u1", "refund", 1),
        ("u1", "cart", 2),
        ("u1", "pay", 3),
        # u2: never reached step 2, so the (2, 3) exclusion cannot void it.
        ("u2", "view", 0),
        ("u2", "refund", 1),
        # u3: refund between cart and pay -> void -> excluded.
        ("u3", "view", 0),
        ("u3", "cart", 1),
        ("u3", "refund", 2),
        ("u3", "pay", 3),
    ]
    table = make_table(rows, tmp_path)
    defn = definition(*CHECKOUT, exclusions=[exclusion("refund", between=(2, 3))])
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 3, "u2": 1, "u3": 0}
    assert result.excluded == 1


def test_2_date_range_bounds_entry_only(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 5),  # entry before the range: no attempt at all
        ("u1", "cart", 12),
        ("u2", "view", 10),  # start is inclusive
        ("u2", "cart", 60),  # after the range end, but inside the window: counts
        ("u3", "view", 50),  # end is exclusive: no attempt
        ("u4", "view", 0),  # outside: not an attempt
        ("u4", "view", 20),  # inside: the attempt
        ("u4", "cart", 25),
    ]
    table = make_table(rows, tmp_path)
    result = reference_compute(table, definition("view", "cart", date_range=(10, 50)))
    assert furthest(result) == {"u2": 2, "u4": 2}
    assert times(result, "u4") == (20, 25)
    assert (result.entered, result.counts) == (2, [2, 2])


def test_2_min_and_max_gap(tmp_path: Path) -> None:
    rows = [
        # u1: cart@2 is too soon (min 5), cart@6 is the first far enough; pay@16 is
        # exactly max_gap 10 after it -> level 3.
        ("u1", "view", 0),
        ("u1", "cart", 2),
        ("u1", "cart", 6),
        ("u1", "pay", 16),
        # u2: cart@5 is exactly min_gap later (ok); pay@16 is 11 > 10 after it -> level 2.
        ("u2", "view", 0),
        ("u2", "cart", 5),
        ("u2", "pay", 16),
        # u3: no cart at least 5 minutes after the view -> level 1.
        ("u3", "view", 0),
        ("u3", "cart", 1),
    ]
    table = make_table(rows, tmp_path)
    defn = definition("view", step("cart", min_gap=5), step("pay", max_gap=10), window=100)
    result = reference_compute(table, defn)
    assert furthest(result) == {"u1": 3, "u2": 2, "u3": 1}
    assert times(result, "u1") == (0, 6, 16)


FILTER_ROWS = [
    ("ua", "view", 0, "abc"),
    ("ub", "view", 0, "Abc"),
    ("uc", "view", 0, "10"),
    ("ud", "view", 0, "9"),
    ("ue", "view", 0, None),  # missing
    ("uf", "view", 0, "2.5"),
    ("ug", "view", 0, "x10"),
]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (where("p", "eq", "10"), "c"),
        # A missing property passes neq, not_in and not_set only.
        (where("p", "neq", "10"), "abdefg"),
        (where("p", "in", ("abc", "9")), "ad"),
        (where("p", "not_in", ("abc", "9")), "bcefg"),
        (where("p", "contains", "bc"), "ab"),
        (where("p", "contains", "Ab"), "b"),  # case-sensitive
        # gt/lt compare numbers: 10 > 9 (as text "10" < "9"); "x10" is not a number.
        (where("p", "gt", 9), "c"),
        (where("p", "lt", 9.5), "df"),
        (where("p", "gt", -100), "cdf"),
        (where("p", "is_set"), "abcdfg"),
        (where("p", "not_set"), "e"),
        # eq compares text: "10.0" is not "10".
        (where("p", "eq", "10.0"), ""),
    ],
    ids=lambda v: v.op if hasattr(v, "op") else str(v),
)
def test_2_filters_each_op(tmp_path: Path, flt: Filter, expected: str) -> None:
    table = make_table(FILTER_ROWS, tmp_path, props=("p",))
    defn = definition(step("view", where=[flt]))
    result = reference_compute(table, defn)
    assert sorted(a for a, _ in result.units) == [f"u{c}" for c in expected]


@pytest.mark.parametrize(
    ("op", "passes"),
    [
        ("eq", False),
        ("neq", True),
        ("in", False),
        ("not_in", True),
        ("contains", False),
        ("gt", False),
        ("lt", False),
        ("is_set", False),
        ("not_set", True),
    ],
)
def test_2_absent_property_column_is_missing(tmp_path: Path, op: str, passes: bool) -> None:
    table = make_table([("u1", "view", 0)], tmp_path)
    value = {"in": ("a",), "not_in": ("a",), "gt": 0, "lt": 0, "is_set": None, "not_set": None}
    flt = where("q", op, value.get(op, "a"))  # type: ignore[arg-type]
    result = reference_compute(table, definition(step("view", where=[flt])))
    assert (result.entered == 1) == passes


def test_2_events_ored_and_filters_anded(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0, "web", "de"),
        ("u2", "screen", 0, "web", "de"),  # second event name of the step: OR
        ("u3", "view", 0, "web", "fr"),  # country fails: filters are AND'd
        ("u4", "view", 0, "app", "de"),  # device fails
        ("u5", "click", 0, "web", "de"),  # name fails
    ]
    table = make_table(rows, tmp_path, props=("device", "country"))
    first = step(
        "view", "screen", where=[where("device", "eq", "web"), where("country", "eq", "de")]
    )
    result = reference_compute(table, definition(first))
    assert sorted(a for a, _ in result.units) == ["u1", "u2"]


BREAKDOWN_ROWS = [
    ("u1", "view", 0, "a"),
    ("u1", "cart", 5, "b"),
    ("u1", "pay", 10, "c"),
    ("u2", "view", 0, "d"),
    ("u2", "cart", 5, None),
    ("u3", "view", 0, None),
]


@pytest.mark.parametrize(
    ("attribution", "expected"),
    [
        # step-1 event of each actor's reported attempt
        ("first_step", {"u1": "a", "u2": "d", "u3": NO_VALUE}),
        # furthest matched event: pay for u1, cart for u2 (empty), view for u3 (empty)
        ("last_step", {"u1": "c", "u2": NO_VALUE, "u3": NO_VALUE}),
        ("step_2", {"u1": "b", "u2": NO_VALUE, "u3": NOT_REACHED}),
        ("step_3", {"u1": "c", "u2": NOT_REACHED, "u3": NOT_REACHED}),
    ],
)
def test_5_breakdown_attributions(
    tmp_path: Path, attribution: str, expected: dict[str, str]
) -> None:
    table = make_table(BREAKDOWN_ROWS, tmp_path, props=("p",))
    defn = definition(*CHECKOUT, breakdown="p", attribution=attribution)
    result = reference_compute(table, defn)
    assert {a: u.breakdown for (a, _), u in result.units.items()} == expected


def test_5_no_breakdown_means_none(tmp_path: Path) -> None:
    table = make_table(BREAKDOWN_ROWS, tmp_path, props=("p",))
    result = reference_compute(table, definition(*CHECKOUT))
    assert {u.breakdown for u in result.units.values()} == {None}


def test_7_still_open(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 80),  # window ends at 110, after the last timestamp (100): open
        ("u2", "view", 70),  # window ends at 100, not after 100: closed
        ("u3", "view", 90),  # converted: never open
        ("u3", "cart", 95),
        ("u4", "promo", 100),  # no attempt, but it sets the table's last timestamp
        # u5 is excluded (refund within its window): never open either.
        ("u5", "view", 85),
        ("u5", "refund", 86),
    ]
    table = make_table(rows, tmp_path)
    defn = definition("view", "cart", window=30, exclusions=[exclusion("refund", between=(1, 2))])
    result = reference_compute(table, defn)
    assert {a: u.still_open for (a, _), u in result.units.items()} == {
        "u1": True,
        "u2": False,
        "u3": False,
        "u5": False,
    }


def test_session_unit_splits_actors_into_sessions(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0, "s1"),
        ("u1", "cart", 5, "s2"),  # another session: does not continue the s1 attempt
        ("u1", "view", 10, "s2"),
        ("u1", "cart", 12, "s2"),
        ("u1", "view", 20, None),  # no session: part of no unit
        ("u2", "view", 0, "s1"),  # same session text as u1's, but another actor: own unit
        ("u2", "cart", 1, "s1"),
    ]
    table = make_table(rows, tmp_path, session=True)
    s1, s2 = session_of(table, "u1", 0), session_of(table, "u1", 10)
    result = reference_compute(table, definition("view", "cart", unit="session"))
    assert {k: u.furthest for k, u in result.units.items()} == {
        ("u1", s1): 1,
        ("u1", s2): 2,
        ("u2", session_of(table, "u2", 0)): 2,
    }
    assert (result.entered, result.counts) == (3, [3, 2])
    # By actor: u1's view@0 is followed by cart@5 -> 2; two units.
    by_actor = reference_compute(table, definition("view", "cart"))
    assert (by_actor.entered, by_actor.counts) == (2, [2, 2])


def test_session_unit_strict_looks_only_inside_the_session(tmp_path: Path) -> None:
    rows = [
        ("u1", "view", 0, "s1"),
        ("u1", "promo", 1, "s2"),  # another unit's event: not "in between" for s1
        ("u1", "cart", 2, "s1"),
    ]
    table = make_table(rows, tmp_path, session=True)
    s1 = session_of(table, "u1", 0)
    by_session = reference_compute(
        table, definition("view", "cart", order="strict", unit="session")
    )
    assert by_session.units[("u1", s1)].furthest == 2
    by_actor = reference_compute(table, definition("view", "cart", order="strict"))
    assert by_actor.units[("u1", None)].furthest == 1


def test_3_4_counts_never_increase_and_units_without_entry_are_left_out(
    tmp_path: Path,
) -> None:
    rows = [
        ("u1", "view", 0),
        ("u1", "cart", 1),
        ("u2", "cart", 0),  # never did step 1: not in the funnel at all
        ("u3", "view", 0),
    ]
    table = make_table(rows, tmp_path)
    result = reference_compute(table, definition("view", "cart"))
    assert set(result.units) == {("u1", None), ("u3", None)}
    assert (result.entered, result.excluded, result.counts) == (2, 0, [2, 1])


def test_4_step_events_themselves_are_not_between(tmp_path: Path) -> None:
    # "After" and "before" never include the same row (§1), so an exclusion that matches
    # the step-a or step-b event itself does not void the attempt.
    rows = [
        # Attempt @0: view@1 is after its step-1 event and before cart -> void.
        # Attempt @1: its own step-1 event is not after itself -> clean, level 2.
        ("u1", "view", 0),
        ("u1", "view", 1),
        ("u1", "cart", 2),
    ]
    table = make_table(rows, tmp_path)
    result = reference_compute(
        table, definition("view", "cart", exclusions=[exclusion("view", between=(1, 2))])
    )
    assert furthest(result) == {"u1": 2}
    assert times(result, "u1") == (1, 2)
    # The step-b event matching the exclusion is not before itself either.
    result = reference_compute(
        table, definition("view", "cart", exclusions=[exclusion("cart", between=(1, 2))])
    )
    assert times(result, "u1") == (0, 2)


def test_3_3_any_order_exclusion_is_after_e_never_e_itself(tmp_path: Path) -> None:
    table = make_table([("u1", "cart", 0), ("u2", "view", 0), ("u2", "cart", 1)], tmp_path)
    defn = definition("view", "cart", order="any", exclusions=[exclusion("cart", between=(1, 2))])
    result = reference_compute(table, defn)
    # u1: e = cart@0 matches the exclusion itself, but nothing comes after it -> 1 step.
    # u2: e = view@0 has cart@1 after it -> void; e = cart@1 -> clean, 1 step.
    assert furthest(result) == {"u1": 1, "u2": 1}
    assert times(result, "u2") == (1, None)


def test_3_3_any_order_one_event_may_serve_two_steps(tmp_path: Path) -> None:
    # §3.3 counts, per step, whether it has a matching event in the window; unlike
    # §3.1 nothing says one event fills one step, so a view matching both steps counts
    # for both: 2 steps. (Sequential: the single view fills step 1 only.)
    table = make_table([("u1", "view", 0)], tmp_path)
    steps = ("view", ("view", "cart"))
    assert furthest(reference_compute(table, definition(*steps, order="any"))) == {"u1": 2}
    assert furthest(reference_compute(table, definition(*steps))) == {"u1": 1}
