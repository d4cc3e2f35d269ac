"""The drill-down's reasons (§14), the people on one path (§13), one person's timeline
around the funnel (§3.4) and the layout of a paths flow.

Times are minutes after engine_fixtures.BASE; the window is 60 minutes. Every expected
value is read off the rows by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.analysis.drilldown import dropped_at
from funnel_gui.core.analysis.path_flow import column_titles, flow_columns, layout_flow
from funnel_gui.core.analysis.paths import paths
from funnel_gui.core.analysis.reason_words import REASON_DETAILS, REASON_WORDS, reason_word
from funnel_gui.core.analysis.timeline import unit_timeline
from funnel_gui.core.analysis.unit_lists import path_units
from funnel_gui.core.engine.compute import ComputedFunnel, compute_with_rows
from funnel_gui.core.engine.results import REASONS
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import definition, exclusion, make_table, ns
from tests.core.test_drilldown import ROWS

Funnel = tuple[EventTable, ComputedFunnel]


@pytest.fixture
def funnel(tmp_path: Path) -> Funnel:
    table = make_table(ROWS, tmp_path)
    defn = definition("view", "cart", "buy", exclusions=[exclusion("refund", between=(1, 2))])
    return table, compute_with_rows(table, defn)


def test_every_reason_has_plain_words() -> None:
    # §14: the seven keys, each worded (and explained) once.
    assert tuple(REASON_WORDS) == REASONS
    assert tuple(REASON_DETAILS) == REASONS
    assert len(set(REASON_WORDS.values())) == len(REASONS)
    assert reason_word("max_gap") == "took longer than the max gap"
    assert reason_word(None) == ""
    assert reason_word(pd.NA) == ""


def test_dropped_units_carry_their_reason(funnel: Funnel) -> None:
    # §14: c, d, e, j and f never did cart; h did it at minute 90, past the 60-minute
    # window; i's window is still open (the data ends at minute 1010). b never bought.
    _, computed = funnel
    dropped = dropped_at(computed.result, 2)
    assert dict(zip(dropped["actor"], dropped["reason"], strict=True)) == {
        "c": "never",
        "d": "never",
        "e": "never",
        "h": "window",
        "j": "never",
        "f": "never",
        "i": "still_open",
    }
    assert dropped_at(computed.result, 3)["reason"].tolist() == ["never"]


def test_the_people_on_one_path(funnel: Funnel) -> None:
    # §13 between view and cart, dropped: after the view inside the window, d and i did
    # page; e and h nothing (h's cart is past the window); c page, scroll; f scroll; j view,
    # page. Ranked by units, then names: (nothing), page, then the single ones.
    table, computed = funnel
    result = paths(table, computed.result.definition, ("between", 1), computed=computed)
    dropped = result.group("dropped")
    assert [p.events for p in dropped.paths[:2]] == [("(nothing)",), ("page",)]
    page = path_units(computed.result, dropped, 1)
    assert page["actor"].tolist() == ["d", "i"]  # by time reached: minute 0, then 1000
    assert page["reason"].tolist() == ["never", "still_open"]
    assert page["reached_label"].tolist() == ["view", "view"]
    nothing = path_units(computed.result, dropped, 0)
    assert nothing["actor"].tolist() == ["e", "h"]
    converted = result.group("converted")
    direct = path_units(computed.result, converted, 0)
    assert converted.paths[0].events == ("(direct)",)
    assert direct["actor"].tolist() == ["a"]
    assert direct["reached_label"].tolist() == ["buy"]  # a went on to the last step
    assert pd.isna(direct["reason"].iloc[0])


def _unit(computed: ComputedFunnel, actor: str) -> int:
    frame = computed.result.actors_frame()
    return int(frame.index[frame["actor"] == actor][0])


def test_timeline_marks_the_matched_events(funnel: Funnel) -> None:
    # f: page at 0 (before its view, outside the window), view at 5 (step 1), scroll at 6.
    table, computed = funnel
    line = unit_timeline(computed.result, table, _unit(computed, "f"))
    assert line["event"].tolist() == ["page", "view", "scroll"]
    assert line["step"].tolist() == [pd.NA, 1, pd.NA]
    assert line["step_label"].tolist() == [pd.NA, "1. view", pd.NA]
    assert line["time"].tolist() == [pd.Timestamp(ns(t), tz="UTC") for t in (0, 5, 6)]
    assert line["in_window"].tolist() == [False, True, True]
    # b: view (1), page, cart (2): both matched events marked, the one between not.
    line = unit_timeline(computed.result, table, _unit(computed, "b"))
    assert list(zip(line["event"], line["step"], strict=True)) == [
        ("view", 1),
        ("page", pd.NA),
        ("cart", 2),
    ]
    # h's cart came at minute 90: after its window (which ended at 60).
    line = unit_timeline(computed.result, table, _unit(computed, "h"))
    assert line["event"].tolist() == ["view", "cart"]
    assert line["in_window"].tolist() == [True, False]


def test_timeline_context_and_cut(tmp_path: Path) -> None:
    # 5 events before the view and 12 after: 3 before and 10 after are shown.
    rows = [("u", f"before{i}", i) for i in range(5)]
    rows += [("u", "view", 10)] + [("u", f"after{i:02}", 11 + i) for i in range(12)]
    rows += [("v", "view", 0)]
    table = make_table(rows, tmp_path)
    computed = compute_with_rows(table, definition("view", "cart"))
    line = unit_timeline(computed.result, table, _unit(computed, "u"))
    assert line["event"].tolist() == [
        "before2",
        "before3",
        "before4",
        "view",
        *(f"after{i:02}" for i in range(10)),
    ]
    # Cut to 6 rows: the first 3 and the last 3, and one row saying how many are left out.
    line = unit_timeline(computed.result, table, _unit(computed, "u"), max_rows=6)
    assert line["event"].tolist() == [
        "before2",
        "before3",
        "before4",
        "… 8 more events",
        "after07",
        "after08",
        "after09",
    ]
    assert line["time"].isna().tolist() == [False] * 3 + [True] + [False] * 3


def test_timeline_of_a_session_stays_in_it(tmp_path: Path) -> None:
    rows = [("x", "view", 0, "s1"), ("x", "scroll", 1, "s2"), ("x", "page", 2, "s1")]
    table = make_table(rows, tmp_path, session=True)
    computed = compute_with_rows(table, definition("view", "cart", unit="session"))
    line = unit_timeline(computed.result, table, 0)
    assert line["event"].tolist() == ["view", "page"]


def test_flow_layout_between_steps(funnel: Funnel) -> None:
    # Converted between view and cart: a (direct), b page. The longest path of either group
    # has 2 events (c: page, scroll), so 4 columns: view, 2 positions, cart.
    table, computed = funnel
    result = paths(table, computed.result.definition, ("between", 1), computed=computed)
    assert flow_columns(result) == 4
    anchors = ("1. view", "2. cart")
    assert column_titles(result, 4, anchors) == ["1. view", "just after", "2nd after", "2. cart"]
    flow = layout_flow(result, result.group("converted"), anchors)
    nodes = [(n.column, n.name, n.units, n.y0, n.y1) for n in flow.nodes]
    gap = 0.04 * 2
    assert nodes == [
        (0, "1. view", 2, 0, 2),
        (1, "(direct)", 1, 0, 1),
        (1, "page", 1, 1 + gap, 2 + gap),
        (3, "2. cart", 2, 0, 2),
    ]
    bands = [(b.path, b.units, b.stops) for b in flow.bands]
    assert bands == [
        (0, 1, ((0, 0, 1), (1, 0, 1), (3, 0, 1))),
        (1, 1, ((0, 1, 2), (1, 1 + gap, 2 + gap), (3, 1, 2))),
    ]
    assert flow.height == pytest.approx(2 + gap)


def test_flow_layout_into_step_one_aligns_on_the_entry(tmp_path: Path) -> None:
    # u: a, b then view; v: view with nothing before; other paths with top=1.
    rows = [("u", "a", 0), ("u", "b", 1), ("u", "view", 2), ("v", "view", 0), ("w", "c", 0)]
    rows += [("w", "view", 1)]
    table = make_table(rows, tmp_path)
    result = paths(table, definition("view", "cart"), "into", top=2)
    # Paths: (start) a b [u]; (start) [v]; (start) c [w]: by units then names: "(start)"
    # alone first, then "(start) a b"; w is one of the other paths.
    flow = layout_flow(result, result.group("all"), ("1. view", ""))
    assert flow.columns == 4
    assert column_titles(result, 4, ("1. view", "")) == [
        "3rd before",
        "2nd before",
        "just before",
        "1. view",
    ]
    stops = {b.path: [c for c, _, _ in b.stops] for b in flow.bands}
    assert stops == {0: [2, 3], 1: [0, 1, 2, 3], -1: [2, 3]}
    names = {(n.column, n.name) for n in flow.nodes}
    assert {(2, "other paths"), (0, "(start)"), (2, "b")} <= names
