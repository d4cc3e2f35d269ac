"""Drill-down: who dropped between two steps (§3.4, §4, §7) and what they did next.

Times are minutes after engine_fixtures.BASE; the window is 60 minutes. Every expected list
below is read off the rows by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from funnel_gui.core.analysis.drilldown import NOTHING_AFTER, OTHER_EVENTS, dropped_at, next_events
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from tests.core.engine_fixtures import definition, exclusion, make_table, ns
from tests.demo_generator import DEMO_DIR, DEMO_FILE_NAME

ROWS = [
    ("a", "view", 0),
    ("a", "cart", 5),
    ("a", "buy", 10),  # converts
    ("b", "view", 0),
    ("b", "page", 3),
    ("b", "cart", 20),  # drops at step 3 (buy); nothing after cart
    ("c", "view", 0),
    ("c", "page", 2),
    ("c", "scroll", 3),  # drops at 2; next: page
    ("d", "view", 0),
    ("d", "page", 1),  # drops at 2; next: page
    ("e", "view", 0),  # drops at 2; nothing after
    ("f", "page", 0),
    ("f", "view", 5),
    ("f", "scroll", 6),  # drops at 2 (reached view at 5); next: scroll
    ("g", "view", 0),
    ("g", "refund", 1),
    ("g", "cart", 2),  # excluded (refund between view and cart): listed nowhere
    ("h", "view", 0),
    ("h", "cart", 90),  # cart outside the 60-min window: drops at 2; next: cart
    ("j", "view", 0),
    ("j", "view", 30),
    ("j", "page", 31),  # two attempts at level 1: reported = the first; next: view
    ("i", "view", 1000),
    ("i", "page", 1010),  # the data's last event: i's window is still open; next: page
]


Funnel = tuple[EventTable, FunnelResult]


@pytest.fixture
def funnel(tmp_path: Path) -> Funnel:
    table = make_table(ROWS, tmp_path)
    defn = definition("view", "cart", "buy", exclusions=[exclusion("refund", between=(1, 2))])
    return table, compute(table, defn)


def test_dropped_at_lists_who_reached_the_previous_step_only(funnel: Funnel) -> None:
    _, result = funnel
    dropped = dropped_at(result, 2)
    # By time reached, then actor: everyone at minute 0 first, then f (5), then i (1000).
    assert dropped["actor"].tolist() == ["c", "d", "e", "h", "j", "f", "i"]
    assert dropped["reached_step"].tolist() == [1] * 7
    assert set(dropped["reached_label"]) == {"view"}
    times = [ns(0)] * 5 + [ns(5), ns(1000)]
    assert dropped["time_reached"].tolist() == [pd.Timestamp(t, tz="UTC") for t in times]
    assert dropped["still_open"].tolist() == [False] * 6 + [True]  # §7
    assert "session" not in dropped
    assert "breakdown" not in dropped


def test_dropped_at_a_later_step(funnel: Funnel) -> None:
    _, result = funnel
    dropped = dropped_at(result, 3)
    assert dropped["actor"].tolist() == ["b"]
    assert dropped["reached_label"].tolist() == ["cart"]
    assert dropped["time_reached"].tolist() == [pd.Timestamp(ns(20), tz="UTC")]


def test_dropped_agrees_with_the_step_table(funnel: Funnel) -> None:
    _, result = funnel
    for step in (2, 3):
        dropped = dropped_at(result, step)
        assert len(dropped) == result.steps[step - 1].drop_off
        assert int(dropped["still_open"].sum()) == result.steps[step - 1].still_open


def test_next_events_counts_the_event_right_after(funnel: Funnel) -> None:
    table, result = funnel
    nxt = next_events(result, table, 2)
    # page: c, d, i · (nothing after): e · cart: h · scroll: f · view: j. Ties by name.
    assert list(zip(nxt["event"], nxt["people"], strict=True)) == [
        ("page", 3),
        (NOTHING_AFTER, 1),
        ("cart", 1),
        ("scroll", 1),
        ("view", 1),
    ]
    assert nxt["share"].tolist() == pytest.approx([3 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7])
    assert next_events(result, table, 3)[["event", "people"]].values.tolist() == [
        [NOTHING_AFTER, 1]
    ]


def test_next_events_folds_the_rest(funnel: Funnel) -> None:
    table, result = funnel
    nxt = next_events(result, table, 2, top=2)
    # The two most frequent events (page, then cart by name), nothing-after always, and the
    # remaining scroll + view as one row, so the shares add up to 1.
    assert list(zip(nxt["event"], nxt["people"], strict=True)) == [
        ("page", 3),
        (NOTHING_AFTER, 1),
        ("cart", 1),
        (OTHER_EVENTS, 2),
    ]
    assert nxt["share"].sum() == pytest.approx(1.0)


def test_sessions_next_event_stays_in_the_session(tmp_path: Path) -> None:
    rows = [
        ("x", "view", 0, "s1"),
        ("x", "scroll", 1, "s2"),  # another session of x, in between
        ("x", "page", 2, "s1"),
        ("y", "view", 0, "s3"),
        ("y", "page", 5, "s4"),  # y's next event, but in another session
    ]
    table = make_table(rows, tmp_path, session=True)
    by_session = compute(table, definition("view", "cart", unit="session"))
    dropped = dropped_at(by_session, 2)
    assert list(zip(dropped["actor"], dropped["session"], strict=True)) == [
        ("x", "s1"),
        ("y", "s3"),
    ]
    nxt = next_events(by_session, table, 2)
    assert sorted(zip(nxt["event"], nxt["people"], strict=True)) == [
        (NOTHING_AFTER, 1),
        ("page", 1),
    ]
    by_actor = compute(table, definition("view", "cart"))
    nxt = next_events(by_actor, table, 2)
    assert sorted(zip(nxt["event"], nxt["people"], strict=True)) == [("page", 1), ("scroll", 1)]


def test_breakdown_value_is_listed(tmp_path: Path) -> None:
    rows = [
        ("p", "view", 0, "mobile"),
        ("q", "view", 1, "desktop"),
        ("q", "cart", 2, "desktop"),
        ("r", "view", 3, ""),
    ]
    table = make_table(rows, tmp_path, props=("device",))
    result = compute(table, definition("view", "cart", breakdown="device"))
    dropped = dropped_at(result, 2)
    assert dropped["actor"].tolist() == ["p", "r"]
    assert dropped["breakdown"].tolist() == ["mobile", "(none)"]


def test_any_order_drop(tmp_path: Path) -> None:
    rows = [
        ("p", "cart", 0),
        ("p", "view", 1),
        ("p", "page", 2),  # two of three steps, in any order; next after view: page
        ("q", "view", 0),
        ("q", "cart", 1),
        ("q", "buy", 2),  # all three
    ]
    table = make_table(rows, tmp_path)
    result = compute(table, definition("view", "cart", "buy", order="any"))
    dropped = dropped_at(result, 3)
    assert dropped["actor"].tolist() == ["p"]
    assert dropped["reached_label"].tolist() == ["2 steps"]
    assert dropped["time_reached"].tolist() == [pd.Timestamp(ns(0), tz="UTC")]  # entry
    nxt = next_events(result, table, 3)
    assert nxt[["event", "people"]].values.tolist() == [["page", 1]]


def test_nobody_dropped(tmp_path: Path) -> None:
    table = make_table([("a", "view", 0), ("a", "cart", 1)], tmp_path)
    result = compute(table, definition("view", "cart"))
    assert dropped_at(result, 2).empty
    assert list(dropped_at(result, 2).columns) == [
        "actor",
        "reached_step",
        "reached_label",
        "time_reached",
        "still_open",
        "reason",
        "unit",
    ]
    nxt = next_events(result, table, 2)
    assert nxt.empty
    assert list(nxt.columns) == ["event", "people", "share"]


@pytest.mark.parametrize("step", [0, 1, 4])
def test_a_step_without_a_drop_off_is_refused_clearly(funnel: Funnel, step: int) -> None:
    _, result = funnel
    with pytest.raises(ValueError, match="pick a step from 2 to 3"):
        dropped_at(result, step)


def test_demo_data_drop_matches_the_step_table() -> None:
    table = load_events(DEMO_DIR / DEMO_FILE_NAME)
    result = compute(table, load_funnel(DEMO_DIR / "checkout.funnel.json").definition)
    for step in range(2, result.definition.n_steps + 1):
        dropped = dropped_at(result, step)
        assert len(dropped) == result.steps[step - 1].drop_off
        assert int(dropped["still_open"].sum()) == result.steps[step - 1].still_open
        assert dropped["actor"].is_unique
        nxt = next_events(result, table, step)
        assert int(nxt["people"].sum()) == len(dropped)
        assert np.isclose(nxt["share"].sum(), 1.0)
