"""Why they stopped (FUNNEL_SEMANTICS §14): hand-checked fixtures, one tiny log per rule,
run on the plain reference (tests/reference_paths.py) and on the engine.

Times are minutes after engine_fixtures.BASE; windows and gaps are minutes too. A late
event of another actor ("late", minute 1000) closes every window (§7) where a fixture
is about a reason other than `still_open`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import Row, definition, exclusion, make_table, step, where
from tests.reference_paths import reference_reason_counts, reference_reasons

LATE: Row = ("late", "other", 1000)
Reasons = Callable[[EventTable, FunnelDefinition], dict[str, str | None]]


def _engine(table: EventTable, defn: FunnelDefinition) -> dict[str, str | None]:
    frame = compute(table, defn).actors_frame()
    key = "session" if defn.unit == "session" else "actor"
    return {
        str(k): None if pd.isna(r) else str(r)
        for k, r in zip(frame[key], frame["reason"], strict=True)
    }


def _reference(table: EventTable, defn: FunnelDefinition) -> dict[str, str | None]:
    return {
        str(actor if session is None else session): reason
        for (actor, session), reason in reference_reasons(table, defn).items()
    }


@pytest.fixture(params=["reference", "engine"])
def reasons(request: pytest.FixtureRequest) -> Reasons:
    """Every hand-checked case runs on both implementations."""
    return _reference if request.param == "reference" else _engine


def _reason_of(
    reasons: Reasons,
    rows: Sequence[Row],
    defn: FunnelDefinition,
    tmp_path: Path,
    props: Sequence[str] = (),
) -> str | None:
    return reasons(make_table(rows, tmp_path, props=props), defn)["u1"]


FUNNEL = definition("view", "cart", "pay", window=60)
STRICT = definition("view", "cart", "pay", window=60, order="strict")


def test_1_still_open_comes_first(reasons: Reasons, tmp_path: Path) -> None:
    # §14.1 / §7: the window (0..60) ends after the data's last instant (5): still open,
    # although in strict order the next event (x) also interrupts the attempt.
    rows = [("u1", "view", 0), ("u1", "x", 5)]
    assert _reason_of(reasons, rows, FUNNEL, tmp_path) == "still_open"
    assert _reason_of(reasons, rows, STRICT, tmp_path) == "still_open"


def test_2_interrupted_strict(reasons: Reasons, tmp_path: Path) -> None:
    # §14.2: in strict order the next event after view (x at 1) lies inside the window
    # and is no cart; the cart at 2 comes too late for strict order.
    rows = [("u1", "view", 0), ("u1", "x", 1), ("u1", "cart", 2), LATE]
    assert _reason_of(reasons, rows, STRICT, tmp_path) == "interrupted"
    # Sequential order passes over x: u1 reaches cart, stops before pay (never, §14.8).
    assert _reason_of(reasons, rows, FUNNEL, tmp_path) == "never"


def test_2_next_event_outside_the_window_is_no_interruption(
    reasons: Reasons, tmp_path: Path
) -> None:
    # §14.2 needs the next event inside the window: x at 61 is past 0 + 60. The first
    # cart (at 70) lies outside the window too: §14.4.
    rows = [("u1", "view", 0), ("u1", "x", 61), ("u1", "cart", 70), LATE]
    assert _reason_of(reasons, rows, STRICT, tmp_path) == "window"


def test_2_session_unit_sees_only_its_session(reasons: Reasons, tmp_path: Path) -> None:
    # §2 unit = session: the x of session s2 does not sit between s1's view and cart.
    rows = [("u1", "view", 0, "s1"), ("u1", "x", 1, "s2"), ("u1", "cart", 2, "s1")]
    rows += [("late", "other", 1000, "s9")]
    table = make_table(rows, tmp_path, session=True)
    by_session = definition("view", "cart", window=60, order="strict", unit="session")
    got = reasons(table, by_session)
    assert list(got.values()) == [None]  # s1 converted; s2 never entered the funnel
    by_actor = definition("view", "cart", window=60, order="strict")
    assert reasons(table, by_actor)["u1"] == "interrupted"


def test_3_min_gap_strict(reasons: Reasons, tmp_path: Path) -> None:
    # §14.3: the next event matches cart but comes 1 minute after view, sooner than the
    # 5-minute min_gap; the later cart at 10 does not count in strict order.
    defn = definition("view", step("cart", min_gap=5), window=60, order="strict")
    rows = [("u1", "view", 0), ("u1", "cart", 1), ("u1", "cart", 10), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "min_gap"


def test_4_window(reasons: Reasons, tmp_path: Path) -> None:
    # §14.4: the first cart after view comes at 20, past the 10-minute window.
    defn = definition("view", "cart", window=10)
    rows = [("u1", "view", 0), ("u1", "cart", 20), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "window"


def test_4_window_before_min_gap(reasons: Reasons, tmp_path: Path) -> None:
    # §14.4 before §14.6: carts at 3 and 5 are sooner than the 10-minute min_gap, the
    # first one far enough (70) lies outside the window: window, not min_gap.
    defn = definition("view", step("cart", min_gap=10), window=60)
    rows = [("u1", "view", 0), ("u1", "cart", 3), ("u1", "cart", 5), ("u1", "cart", 70), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "window"


def test_5_max_gap(reasons: Reasons, tmp_path: Path) -> None:
    # §14.5: the cart at 8 is inside the window (60) but 8 > 5 minutes after the view.
    defn = definition("view", step("cart", max_gap=5), window=60)
    rows = [("u1", "view", 0), ("u1", "cart", 8), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "max_gap"


def test_5_max_gap_from_the_previous_step_not_from_entry(reasons: Reasons, tmp_path: Path) -> None:
    # §14.5 measures from the step-k event: cart at 2, pay at 9 is 7 > 5 after the cart.
    defn = definition("view", "cart", step("pay", max_gap=5), window=60)
    rows = [("u1", "view", 0), ("u1", "cart", 2), ("u1", "pay", 9), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "max_gap"


def test_6_min_gap(reasons: Reasons, tmp_path: Path) -> None:
    # §14.6: carts follow (3, 5) but all sooner than the 10-minute min_gap.
    defn = definition("view", step("cart", min_gap=10), window=60)
    rows = [("u1", "view", 0), ("u1", "cart", 3), ("u1", "cart", 5), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "min_gap"


def test_7_filter(reasons: Reasons, tmp_path: Path) -> None:
    # §14.7: a cart follows, but on plan "free" where the step wants "pro"; "later" looks
    # past the window too (the cart at 500 is also free).
    defn = definition("view", step("cart", where=[where("plan", "eq", "pro")]), window=60)
    rows = [("u1", "view", 0, ""), ("u1", "cart", 500, "free"), ("late", "other", 1000, "")]
    assert _reason_of(reasons, rows, defn, tmp_path, props=["plan"]) == "filter"


def test_8_never(reasons: Reasons, tmp_path: Path) -> None:
    # §14.8: no cart after the view; the cart before it is not "later".
    rows = [("u1", "cart", -5), ("u1", "view", 0), ("u1", "x", 5), LATE]
    assert _reason_of(reasons, rows, FUNNEL, tmp_path) == "never"


def test_reason_is_the_reported_attempts(reasons: Reasons, tmp_path: Path) -> None:
    # §3.4 / §14: attempts at view 0 (cart at 15 is past the 10-minute window) and at
    # view 30 (nothing after) both stop at step 1; the reported one is the earliest.
    defn = definition("view", "cart", window=10)
    rows = [("u1", "view", 0), ("u1", "cart", 15), ("u1", "view", 30), LATE]
    assert _reason_of(reasons, rows, defn, tmp_path) == "window"


def test_no_reason_for_converted_or_excluded(reasons: Reasons, tmp_path: Path) -> None:
    # u1 reaches the last step; u2's only attempt is void (refund between 1 and 2, §4).
    defn = definition("view", "cart", window=60, exclusions=[exclusion("refund", between=(1, 2))])
    rows = [("u1", "view", 0), ("u1", "cart", 1), ("u2", "view", 0), ("u2", "refund", 1), LATE]
    got = reasons(make_table(rows, tmp_path), defn)
    assert got["u1"] is None
    assert got["u2"] is None


def test_counts_per_step_add_up_to_the_drop_off(tmp_path: Path) -> None:
    # §14: at step k+1, the reasons of the units whose furthest step is k.
    # u1 never carts (never, at step 2); u2 carts too late (window, step 2);
    # u3 carts, never pays (never, step 3); u4 pays; u5's window is open (still_open, 2).
    rows = [
        ("u1", "view", 0),
        ("u2", "view", 0),
        ("u2", "cart", 70),
        ("u3", "view", 0),
        ("u3", "cart", 1),
        ("u4", "view", 0),
        ("u4", "cart", 1),
        ("u4", "pay", 2),
        ("u5", "view", 990),
        LATE,
    ]
    table = make_table(rows, tmp_path)
    result = compute(table, FUNNEL)
    zero = dict.fromkeys(
        ("still_open", "interrupted", "window", "max_gap", "min_gap", "filter", "never"), 0
    )
    assert result.steps[0].reasons is None
    assert result.steps[1].reasons == {**zero, "still_open": 1, "window": 1, "never": 1}
    assert result.steps[2].reasons == {**zero, "never": 1}
    assert [s.drop_off for s in result.steps] == [0, 3, 1]
    assert [s.reasons for s in result.steps] == reference_reason_counts(table, FUNNEL)
    payload = result.to_dict()["steps"]
    assert "reasons" not in payload[0]
    assert payload[1]["reasons"] == result.steps[1].reasons


def test_any_order_has_no_reasons(tmp_path: Path) -> None:
    # §14 is for sequential and strict funnels: any order has no "next step".
    table = make_table([("u1", "view", 0), LATE], tmp_path)
    result = compute(table, definition("view", "cart", order="any"))
    assert all(s.reasons is None for s in result.steps)
    assert "reason" not in result.actors_frame().columns
    with pytest.raises(ValueError, match="any-order"):
        reference_reasons(table, definition("view", "cart", order="any"))


def test_reported_attempts_without_unit_ids(tmp_path: Path) -> None:
    # A ReportedAttempts built without `unit` (its default) gives the same reasons.
    from dataclasses import replace

    from funnel_gui.core.engine.compute import compute_with_rows
    from funnel_gui.core.engine.reasons import unit_reasons

    rows = [("u1", "view", 0), ("u1", "x", 1), ("u2", "view", 0), ("u2", "cart", 70), LATE]
    computed = compute_with_rows(make_table(rows, tmp_path), STRICT)
    steps = [computed.rows.matcher_rows(s.matcher) for s in STRICT.steps]
    units = computed.result.units
    kept = unit_reasons(computed.rows, steps, computed.reported, units, STRICT)
    bare = replace(computed.reported, unit=None)
    again = unit_reasons(computed.rows, steps, bare, units, STRICT)
    assert kept[0].tolist() == again[0].tolist()
    assert kept[1].tolist() == again[1].tolist()
