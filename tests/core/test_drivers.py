"""Drivers (FUNNEL_SEMANTICS §12), one hand-checked event log per rule.

Every log is a few groups of identical units (the support rule needs 30 a side), built
through a real CSV file like the other engine tests. The funnel is view → buy with a
60-minute window; units enter at minute 0 unless said otherwise, a conversion is a buy at
minute 30 (after the default 10-minute landmark, inside the window), and one extra actor
with a lone "end" event at minute 1000 makes the data's last timestamp late enough for
every window to have closed. Expected numbers are worked out in the comments (or, for
intervals, with the textbook formulas of tests/reference_drivers.py), never read back
from the code under test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest

from funnel_gui.core.analysis.driver_stats import ab_test_size
from funnel_gui.core.analysis.drivers import drivers, drivers_analysis
from funnel_gui.core.analysis.drivers_result import Candidate, DriversResult
from funnel_gui.core.analysis.power import ab_test_sizes
from funnel_gui.core.definition.model import (
    Filter,
    FunnelDefinition,
    MicroConversion,
)
from tests.core.engine_fixtures import definition, duration, make_table, step
from tests.reference_drivers import Counts, bh_q_values, mantel_haenszel, raw_comparison

Z95 = NormalDist().inv_cdf(0.975)
BUY_AT = 30  # minutes after entry: after the landmark, inside the window
END_AT = 1000  # the data's last timestamp
FUNNEL = definition("view", "buy", window=60)
PROPS = ("src",)

Row = tuple[object, ...]
Event = tuple[str, float] | tuple[str, float, str]  # (name, minute[, src])


def units(
    prefix: str,
    n: int,
    events: Sequence[Event] = (),
    *,
    converted: int = 0,
    src: str = "",
    enter: float = 0,
) -> list[Row]:
    """`n` identical units: a view at `enter`, `events` (minutes from entry), and for the
    first `converted` of them a buy at `enter + BUY_AT`. `src` is on every event unless an
    event names its own."""
    rows: list[Row] = []
    for i in range(n):
        actor = f"{prefix}{i:03d}"
        rows.append((actor, "view", enter, src))
        for name, minute, *own in events:
            rows.append((actor, name, enter + minute, own[0] if own else src))
        if i < converted:
            rows.append((actor, "buy", enter + BUY_AT, src))
    return rows


def run(
    rows: list[Row],
    tmp_path: Path,
    *,
    funnel: FunnelDefinition = FUNNEL,
    landmark: float = 10,
    lookback: float = 0,
    adjust_for: Sequence[str] = (),
    end_at: float = END_AT,
) -> DriversResult:
    """drivers() on `rows` plus the late "end" event; durations in minutes."""
    table = make_table([*rows, ("zz-end", "end", end_at, "")], tmp_path, props=PROPS)
    return drivers(
        table,
        funnel,
        landmark=duration(landmark),
        lookback=duration(lookback),
        adjust_for=list(adjust_for),
    )


def find(result: DriversResult, label: str) -> Candidate | None:
    return next((c for c in result.candidates if c.label == label), None)


def get(result: DriversResult, label: str) -> Candidate:
    found = find(result, label)
    assert found is not None, f"{label!r} not among {[c.label for c in result.candidates]}"
    return found


def counts(c: Candidate) -> tuple[int, int, int, int]:
    """(exposed converted, exposed, unexposed converted, unexposed)."""
    return (c.exposed_converted, c.exposed, c.unexposed_converted, c.unexposed)


# ------------------------------------------------------------ observation period


def test_landmark_cut_is_half_open(tmp_path: Path) -> None:
    """§12: the observation period is [t1 − lookback, t1 + landmark): an x one second
    before t1 + landmark counts, an x exactly at t1 + landmark does not."""
    rows = [
        *units("in", 40, [("x", 10 - 1 / 60)], converted=30),
        *units("at", 40, [("x", 10)], converted=10),
    ]
    x = get(run(rows, tmp_path, landmark=10), "x")
    assert counts(x) == (30, 40, 10, 40)
    assert x.raw.diff == pytest.approx(30 / 40 - 10 / 40, abs=1e-12)


def test_lookback_reaches_before_entry_inclusive(tmp_path: Path) -> None:
    """§12: with lookback 0 the period starts at t1, so an x 5 minutes before entry is not
    exposure; with lookback = 5 minutes it is (the start is inclusive); an x 6 minutes
    before stays out."""
    rows = [
        *units("five", 40, [("x", -5)], converted=30),
        *units("six", 40, [("x", -6)], converted=10),
    ]
    shifted = [(a, e, m + 100, s) for a, e, m, s in rows]  # keep every time after BASE
    assert find(run(shifted, tmp_path, lookback=0), "x") is None  # no one exposed
    x = get(run(shifted, tmp_path, lookback=5), "x")
    assert counts(x) == (30, 40, 10, 40)
    baseline = run(shifted, tmp_path, lookback=5).baseline
    assert (baseline.exposed, baseline.unexposed) == (40, 40)


def test_event_tied_with_entry_earlier_in_file_is_in_the_period(tmp_path: Path) -> None:
    """§12 (by time): an x at the very instant of the step-1 event is in the period even
    when it comes before it in file order; only the step-1 event's own row never counts."""
    rows: list[Row] = []
    for i in range(40):
        rows += [(f"t{i:03d}", "x", 0, ""), (f"t{i:03d}", "view", 0, "")]  # x first in file
        if i < 25:
            rows.append((f"t{i:03d}", "buy", BUY_AT, ""))
    rows += units("n", 40, converted=5)
    x = get(run(rows, tmp_path), "x")
    assert counts(x) == (25, 40, 5, 40)


# ------------------------------------------------------------------- eligibility


def test_still_open_unit_is_left_out_and_counted(tmp_path: Path) -> None:
    """§12: a unit whose window has not closed (t1 + window > last timestamp) is left out
    and counted as still open, even if it already converted after the landmark; a unit
    whose window ends exactly at the last timestamp is eligible."""
    rows = [
        *units("a", 40, [("x", 1)], converted=20),
        *units("b", 40, converted=10),
        *units("open", 3, [("x", 1)], converted=1, enter=END_AT - 59),  # ends at 1001
        *units("edge", 2, [("x", 1)], enter=END_AT - 60),  # window ends at 1000: closed
    ]
    result = run(rows, tmp_path)
    assert result.eligible == 82
    assert result.left_out_still_open == 3
    assert result.left_out_converted_before_landmark == 0
    assert counts(get(result, "x")) == (20, 42, 10, 40)


def test_unit_converting_before_the_landmark_is_left_out(tmp_path: Path) -> None:
    """§12: a unit whose reported attempt reached M strictly before t1 + landmark is left
    out and counted; one reaching M exactly at t1 + landmark stays eligible (and is Y = 1)."""
    rows = [
        *units("a", 40, [("x", 1)], converted=20),
        *units("b", 40, converted=10),
        *units("early", 4, [("x", 1), ("buy", 9)]),
        *units("atmark", 2, [("x", 1), ("buy", 10)]),
    ]
    result = run(rows, tmp_path, landmark=10)
    assert result.eligible == 82
    assert result.eligible_converted == 20 + 10 + 2
    assert result.left_out_converted_before_landmark == 4
    assert result.left_out_still_open == 0
    assert counts(get(result, "x")) == (22, 42, 10, 40)


def test_unit_failing_both_tests_counts_as_converted_before_landmark(tmp_path: Path) -> None:
    """§12: a unit that converted before the landmark and whose window is still open is
    counted once, as "converted before the landmark", not as still open."""
    rows = [
        *units("a", 40, [("x", 1)], converted=20),
        *units("b", 40, converted=10),
        *units("both", 3, [("buy", 5)], enter=END_AT - 30),  # open and converted early
        *units("open", 2, enter=END_AT - 30),  # open only
    ]
    result = run(rows, tmp_path)
    assert result.eligible == 80
    assert result.left_out_converted_before_landmark == 3
    assert result.left_out_still_open == 2
    assert result.to_dict()["left_out"] == {"still_open": 2, "converted_before_landmark": 3}


# -------------------------------------------------------------------- candidates


def test_step_1_event_itself_never_counts_as_exposure(tmp_path: Path) -> None:
    """§12: "the step-1 event itself never counts". A micro-conversion on the step-1 event
    ("view") is done only by units with a second view in their period; the baseline "any
    activity" is not done by units whose only event in the period is the step-1 event."""
    funnel = FunnelDefinition(
        steps=FUNNEL.steps,
        window_ns=FUNNEL.window_ns,
        micro_conversions=(MicroConversion(("view",), label="Viewed again"),),
    )
    rows = [
        *units("again", 40, [("view", 3)], converted=30),
        *units("once", 40, converted=10),
    ]
    result = run(rows, tmp_path, funnel=funnel)
    again = get(result, "Viewed again")
    assert again.kind == "matcher"
    assert counts(again) == (30, 40, 10, 40)
    assert (result.baseline.exposed, result.baseline.unexposed) == (40, 40)


def test_step_events_are_never_event_candidates(tmp_path: Path) -> None:
    """§12 (a): every event name that is not an event of any step. "cart" is step 2's
    event (with a filter that these carts fail, so they match no step) and "view" is step
    1's: neither becomes a candidate, however many units do them in the period."""
    funnel = definition("view", step("cart", where=[Filter("src", "eq", "ads")]), "buy", window=60)
    rows = [
        *units("a", 40, [("cart", 1, "organic"), ("view", 2), ("x", 3)], converted=20),
        *units("b", 40, converted=10),
    ]
    result = run(rows, tmp_path, funnel=funnel)
    events = {c.event for c in result.candidates}
    assert "x" in events
    assert not events & {"view", "cart", "buy"}


def test_at_least_k_times_candidates(tmp_path: Path) -> None:
    """§12 (b): "did E at least k times" for k = 2 and 3. Units did x once, twice, three
    times or not at all (40 each; 10, 20, 30, 5 of them convert)."""
    rows = [
        *units("one", 40, [("x", 1)], converted=10),
        *units("two", 40, [("x", 1), ("x", 2)], converted=20),
        *units("three", 40, [("x", 1), ("x", 2), ("x", 3)], converted=30),
        *units("none", 40, converted=5),
    ]
    result = run(rows, tmp_path)
    assert counts(get(result, "x")) == (60, 120, 5, 40)
    twice = get(result, "x (at least 2 times)")
    assert (twice.kind, twice.event, twice.min_count) == ("repeat", "x", 2)
    assert counts(twice) == (50, 80, 15, 80)
    assert counts(get(result, "x (at least 3 times)")) == (30, 40, 35, 120)


def test_activity_leaves_out_the_candidate_events_of_unexposed_units_too(
    tmp_path: Path,
) -> None:
    """§12 adjusted: the activity level counts the events "other than the step-1 event and
    the candidate's own". For "x at least 2 times" the x events are the candidate's own,
    also for a unit that did x only once (unexposed): it sits at activity 0 with the
    units that did nothing, so there is one stratum, (src = s, 0 events):
    exposed 20/40, unexposed (10 + 5)/80, difference 0.5 − 0.1875 = 0.3125."""
    rows = [
        *units("two", 40, [("x", 1), ("x", 2)], converted=20, src="s"),
        *units("one", 40, [("x", 1)], converted=10, src="s"),
        *units("none", 40, converted=5, src="s"),
    ]
    twice = get(run(rows, tmp_path, adjust_for=["src"]), "x (at least 2 times)")
    assert twice.adjusted is not None
    assert twice.adjusted.diff == pytest.approx(20 / 40 - 15 / 80, abs=1e-12)
    assert twice.adjusted.informative_share == pytest.approx(1.0)


def test_property_candidates(tmp_path: Path) -> None:
    """§12 (c): "E with P = v", for properties with 2 to 50 distinct values. x is done with
    src = ads by 40 units and with src = organic by 40 others; "seg" has one value only and
    "uid" 130 distinct values, so neither gives candidates."""
    rows = [
        *units("ads", 40, [("x", 1, "ads")], converted=30, src="ads"),
        *units("org", 40, [("x", 1, "organic")], converted=10, src="organic"),
        *units("none", 50, converted=5, src="organic"),
    ]
    with_more = [(*r, "one", f"id{i}") for i, r in enumerate(rows)]
    table = make_table(
        [*with_more, ("zz-end", "end", END_AT, "", "one", "id-end")],
        tmp_path,
        props=("src", "seg", "uid"),
    )
    result = drivers(table, FUNNEL, landmark=duration(10))
    ads = get(result, "x with src = ads")
    assert (ads.kind, ads.event, ads.property_name, ads.value) == ("property", "x", "src", "ads")
    assert counts(ads) == (30, 40, 15, 90)
    assert counts(get(result, "x with src = organic")) == (10, 40, 35, 90)
    assert {c.property_name for c in result.candidates} == {None, "src"}


def _considered(table_rows: list[Row], tmp_path: Path, props: Sequence[str]) -> set[str]:
    """Labels of every candidate drivers() built (shown or not)."""
    table = make_table(table_rows, tmp_path, props=props)
    analysis = drivers_analysis(table, FUNNEL, landmark=duration(10))
    return {spec.label for spec in analysis.exposures.specs}


def test_top_10_names_are_by_eligible_entrants(tmp_path: Path) -> None:
    """§12 (b), (c): only the 10 most frequent candidate names get "at least k times" and
    property candidates; frequent = done by the most eligible entrants. n00–n09 are done
    by 40 eligible units each, n10 by 5 eligible units only, but also three times each by
    60 units that converted before the landmark (left out): by rows or by all entrants
    n10 would be first, by eligible entrants it is 11th."""
    names = [(f"n{i:02d}", 1 + i / 10, "a" if i % 2 else "b") for i in range(10)]
    rows = [
        *units("all", 40, names, converted=10),
        *units("few", 5, [("n10", 1, "a")]),
        *units("early", 60, [("n10", 1, "a"), ("n10", 2, "b"), ("n10", 3, "a"), ("buy", 5)]),
        ("zz-end", "end", END_AT, ""),
    ]
    labels = _considered(rows, tmp_path, PROPS)
    assert {"n00 (at least 2 times)", "n09 (at least 3 times)", "n00 with src = b"} <= labels
    assert "n10" in labels  # (a) has every name
    assert not {label for label in labels if label.startswith("n10 ")}


def test_top_20_values_are_by_rows_in_the_table(tmp_path: Path) -> None:
    """§12 (c): a property's 20 most frequent values, counted over the rows of the whole
    table. v00–v19 are on x for 2 units each and on 3 more rows of a non-entrant, 5 rows
    each; v20 is on x for 4 units, 4 rows: most frequent in the periods, but 21st in the
    table, so "x with v = v20" is not a candidate."""
    rows: list[Row] = []
    for i in range(44):
        value = f"v{i % 20:02d}" if i < 40 else "v20"
        rows += [(f"u{i:03d}", "view", 0, ""), (f"u{i:03d}", "x", 1, value)]
    rows += [("zz", "page", 500 + i, f"v{i % 20:02d}") for i in range(60)]
    rows.append(("zz-end", "end", END_AT, ""))
    labels = _considered(rows, tmp_path, ("v",))
    assert {f"x with v = v{i:02d}" for i in range(20)} <= labels
    assert "x with v = v20" not in labels


def test_micro_conversion_matcher_candidate(tmp_path: Path) -> None:
    """§12 (d): the user's event matchers (the micro-conversions of §9): "x with src =
    ads or y", under its own label."""
    funnel = FunnelDefinition(
        steps=FUNNEL.steps,
        window_ns=FUNNEL.window_ns,
        micro_conversions=(
            MicroConversion(("x", "y"), label="Engaged", where=(Filter("src", "eq", "ads"),)),
        ),
    )
    rows = [
        *units("xa", 20, [("x", 1, "ads")], converted=15),
        *units("ya", 20, [("y", 1, "ads")], converted=10),
        *units("xo", 40, [("x", 1, "organic")], converted=10),
        *units("n", 40, converted=5),
    ]
    engaged = get(run(rows, tmp_path, funnel=funnel), "Engaged")
    assert (engaged.kind, engaged.event, engaged.min_count) == ("matcher", "x or y", 1)
    assert counts(engaged) == (25, 40, 15, 80)


def test_baseline_row(tmp_path: Path) -> None:
    """§12 baseline "any activity": exposed = any event other than the step-1 event in the
    period. It is reported apart (event null, no q-value) and never ranked."""
    rows = [
        *units("x", 40, [("x", 1)], converted=20),
        *units("y", 40, [("y", 1)], converted=20),
        *units("n", 40, converted=4),
    ]
    result = run(rows, tmp_path)
    base = result.baseline
    assert (base.kind, base.event, base.min_count) == ("baseline", None, 1)
    assert counts(base) == (40, 80, 4, 40)
    assert base.raw.diff == pytest.approx(0.5 - 0.1, abs=1e-12)
    assert math.isnan(base.raw.q)
    assert base not in result.candidates
    assert all(c.kind != "baseline" for c in result.candidates)
    assert result.to_dict()["baseline"]["event"] is None


# -------------------------------------------------------------- support and too few


def test_support_needs_30_exposed_and_30_unexposed(tmp_path: Path) -> None:
    """§12 support: shown only with ≥ 30 exposed and ≥ 30 unexposed eligible units. Of 90
    units, 29 did x, 30 did y, 61 did z (29 unexposed), 60 did w (30 unexposed)."""
    rows: list[Row] = []
    for i in range(90):
        events: list[Event] = []
        if i < 29:
            events.append(("x", 1))
        if 29 <= i < 59:
            events.append(("y", 1))
        if i < 61:
            events.append(("z", 2))
        if i >= 30:
            events.append(("w", 3))
        rows += units(f"u{i:03d}-", 1, events, converted=i % 2)
    result = run(rows, tmp_path)
    shown = {c.label: (c.exposed, c.unexposed) for c in result.candidates}
    assert "x" not in shown
    assert "z" not in shown
    assert shown["y"] == (30, 60)
    assert shown["w"] == (60, 30)


def test_too_few_to_judge_below_5_conversions_in_a_group(tmp_path: Path) -> None:
    """§12: "too few to judge" below 5 conversions in either group."""
    rows = [
        *units("x", 40, [("x", 1)], converted=4),  # x: 4 exposed conversions
        *units("y", 40, [("y", 1)], converted=5),  # y: 5 exposed conversions
        *units("n", 40, converted=30),
    ]
    result = run(rows, tmp_path)
    assert get(result, "x").too_few
    assert not get(result, "y").too_few


# ---------------------------------------------------------------------- adjusted

# The two-stratum example of tests/core/test_driver_stats.py, now as units:
#   src = ads:      exposed 20/50, unexposed 10/50;  src = organic: exposed 6/20, unexposed 16/80.
# Every unit's period holds at most its x, which is the candidate's own: activity 0.
# Weights n1·n0/N: 25 and 16; differences 0.2 and 0.1; MH = (25·0.2 + 16·0.1)/41 = 6.6/41.
# Greenland–Robins variance: (625·(0.4·0.6/50 + 0.2·0.8/50) + 256·(0.3·0.7/20 + 0.2·0.8/80))
#   / 41² = (5.0 + 3.2)/1681.  CMH: Σ(x1 − n1·m1/N) = 5 + 1.6 = 6.6,
#   Σ n1·n0·m1·(N − m1)/(N²(N − 1)) = (50·50·30·70 + 20·80·22·78)/(100²·99).
MH_DIFF = 6.6 / 41
MH_HALF = Z95 * math.sqrt(8.2 / 1681)
MH_CHI2 = 6.6**2 / ((50 * 50 * 30 * 70 + 20 * 80 * 22 * 78) / (100**2 * 99))


def two_strata(enter: float = 0) -> list[Row]:
    """The example above; src is on the step-1 event only (so no "x with src = v")."""
    return [
        *units(f"ax{enter}-", 50, [("x", 1, "")], converted=20, src="ads", enter=enter),
        *units(f"an{enter}-", 50, converted=10, src="ads", enter=enter),
        *units(f"ox{enter}-", 20, [("x", 1, "")], converted=6, src="organic", enter=enter),
        *units(f"on{enter}-", 80, converted=16, src="organic", enter=enter),
    ]


def test_mh_adjusted_difference_two_strata_by_hand(tmp_path: Path) -> None:
    """§12 adjusted: MH risk difference with the Greenland–Robins 95% interval and the CMH
    p-value, through the whole drivers() call; raw is 26/70 vs 26/130."""
    result = run(two_strata(), tmp_path, adjust_for=["src"])
    x = get(result, "x")
    assert counts(x) == (26, 70, 26, 130)
    assert x.raw.diff == pytest.approx(26 / 70 - 26 / 130, abs=1e-12)
    adj = x.adjusted
    assert adj is not None
    assert adj.diff == pytest.approx(MH_DIFF, abs=1e-12)
    assert adj.ci[0] == pytest.approx(MH_DIFF - MH_HALF, abs=1e-12)
    assert adj.ci[1] == pytest.approx(MH_DIFF + MH_HALF, abs=1e-12)
    assert adj.p == pytest.approx(math.erfc(math.sqrt(MH_CHI2 / 2)), rel=1e-9)
    assert adj.informative_share == pytest.approx(1.0)
    assert result.adjust_for == ["src"]


def test_without_adjust_for_there_is_no_adjusted_comparison(tmp_path: Path) -> None:
    """§12: adjust_for "default: none chosen = raw only"; conversions at stake then use
    the raw lower bound."""
    result = run(two_strata(), tmp_path)
    x = get(result, "x")
    assert x.adjusted is None
    assert result.to_dict()["candidates"][0]["adjusted"] is None
    low = raw_comparison(Counts(26, 70, 26, 130)).ci[0]
    assert x.at_stake == pytest.approx(max(0.0, low) * 130, abs=1e-9)


def test_stratum_without_exposed_units_adds_nothing(tmp_path: Path) -> None:
    """§12: "strata with no exposed or no unexposed unit add nothing; the share of eligible
    units in informative strata is reported". 30 units from src = email (none did x, 9
    convert) leave the MH difference as it was. Units with no src are a group of their own
    (here also without exposed units). The share is 200 / (200 + 30 + 5)."""
    rows = [
        *two_strata(),
        *units("mail", 30, converted=9, src="email"),
        *units("nosrc", 5, converted=1, src=""),
    ]
    adj = get(run(rows, tmp_path, adjust_for=["src"]), "x").adjusted
    assert adj is not None
    assert adj.diff == pytest.approx(MH_DIFF, abs=1e-12)
    assert adj.ci[0] == pytest.approx(MH_DIFF - MH_HALF, abs=1e-12)
    assert adj.informative_share == pytest.approx(200 / 235, abs=1e-12)


def test_activity_level_strata(tmp_path: Path) -> None:
    """§12 adjusted: strata also cross activity (events other than the step-1 event and the
    candidate's own) in bins 0, 1–2, 3–5, 6–10, >10. Exposed units with x and 2 other
    events sit in bin 1–2 with unexposed units with 2 events; exposed units with x alone
    sit in bin 0 with units that did nothing. The MH difference over the two bins is
    computed by the plain formula."""
    rows = [
        *units("x0", 40, [("x", 1)], converted=20, src="s"),
        *units("n0", 40, converted=8, src="s"),
        *units("x2", 40, [("x", 1), ("y", 2), ("y", 3)], converted=30, src="s"),
        *units("n2", 40, [("y", 2), ("z", 3)], converted=24, src="s"),
        *units("n3", 40, [("y", 2), ("z", 3), ("z", 4)], converted=36, src="s"),
    ]
    adj = get(run(rows, tmp_path, adjust_for=["src"]), "x").adjusted
    assert adj is not None
    want = mantel_haenszel([Counts(20, 40, 8, 40), Counts(30, 40, 24, 40), Counts(0, 0, 36, 40)])
    # By hand: w = 20 and 20, differences 0.3 and 0.15: MH = 0.225; n3 is alone in 3–5.
    assert want.diff == pytest.approx(0.225, abs=1e-12)
    assert adj.diff == pytest.approx(want.diff, abs=1e-12)
    assert adj.ci[0] == pytest.approx(want.ci[0], abs=1e-12)
    assert adj.informative_share == pytest.approx(160 / 200, abs=1e-12)


# ------------------------------------------------------------- ranking and A/B size


def test_ranking_by_conversions_at_stake(tmp_path: Path) -> None:
    """§12 ranking: by max(0, lower bound) × unexposed, not by the size of the lift.
    a (40 did x and y, 36 convert), b (160 did x only, 96), c (10 did y only, 5),
    d (40 did z only, 8):
      x: 132/200 vs 13/50, +0.40 but only 50 unexposed;
      y: 41/50 vs 104/200, +0.30 with 200 unexposed: more conversions at stake;
      z: 8/40 vs 137/210, negative: nothing at stake, last.
    q-values are Benjamini–Hochberg over the three shown (the baseline left out)."""
    rows = [
        *units("a", 40, [("x", 1), ("y", 2)], converted=36),
        *units("b", 160, [("x", 1)], converted=96),
        *units("c", 10, [("y", 1)], converted=5),
        *units("d", 40, [("z", 1)], converted=8),
    ]
    result = run(rows, tmp_path)
    assert [c.label for c in result.candidates] == ["y", "x", "z"]
    tables = {"x": Counts(132, 200, 13, 50), "y": Counts(41, 50, 104, 200)}
    tables["z"] = Counts(8, 40, 137, 210)
    for label, t in tables.items():
        c = get(result, label)
        assert counts(c) == (t.x1, t.n1, t.x0, t.n0)
        want = raw_comparison(t)
        assert c.at_stake == pytest.approx(max(0.0, want.ci[0]) * t.n0, abs=1e-9)
    assert get(result, "x").raw.diff > get(result, "y").raw.diff
    assert get(result, "z").at_stake == 0.0
    q = bh_q_values([raw_comparison(tables[c.label]).p for c in result.candidates])
    assert [c.raw.q for c in result.candidates] == pytest.approx(q, rel=1e-9)


def test_ab_test_size_for_the_top_candidate(tmp_path: Path) -> None:
    """§12 "to confirm it": units per arm to detect the adjusted difference from the
    unexposed rate (α = 0.05, power 0.8), and the days at the data's rate of eligible
    entrants: 400 eligible entries over 2 days = 200 a day, both arms filling from them."""
    day = 24 * 60
    rows = [*two_strata(0), *two_strata(2 * day)]
    result = run(rows, tmp_path, adjust_for=["src"], end_at=2 * day + END_AT)
    assert result.eligible == 400
    assert result.eligible_per_day == pytest.approx(200.0)
    top = result.candidates[0]
    assert top.label == "x"
    assert top.adjusted is not None
    assert top.adjusted.diff == pytest.approx(MH_DIFF, abs=1e-12)
    want = ab_test_size(52 / 260, top.adjusted.diff)
    assert want is not None
    assert top.ab_test is not None
    assert top.ab_test.per_arm == want
    assert top.ab_test.days == pytest.approx(2 * want / 200)


def test_vectorised_ab_sizes_agree_with_statsmodels() -> None:
    """power.ab_test_sizes (Newton on the normal power equation, all candidates at once)
    equals driver_stats.ab_test_size (statsmodels' NormalIndPower) on random pairs."""
    rng = np.random.default_rng(20260302)
    p = rng.uniform(0.01, 0.9, 200)
    diff = rng.uniform(-0.3, 0.3, 200) * rng.choice([1.0, 0.1, 0.01], 200)
    p[:5], diff[:5] = [0.10, 0.5, 0.02, 0.9, 0.3], [0.02, -0.4, 0.0, 0.2, 0.6]
    got = ab_test_sizes(p, diff)
    for i in range(len(p)):
        want = ab_test_size(float(p[i]), float(diff[i]))
        assert int(got[i]) == (0 if want is None else want), (p[i], diff[i])


# -------------------------------------------------------------------- JSON shape

CANDIDATE_KEYS = {
    "label",
    "event",
    "min_count",
    "property",
    "value",
    "exposed",
    "unexposed",
    "rate_exposed",
    "rate_unexposed",
    "raw",
    "adjusted",
    "at_stake",
    "too_few",
    "ab_test",
}


def _check_candidate(d: dict[str, object], adjusted: bool) -> None:
    assert set(d) == CANDIDATE_KEYS
    assert isinstance(d["label"], str)
    assert d["event"] is None or isinstance(d["event"], str)
    assert isinstance(d["min_count"], int)
    assert d["property"] is None or isinstance(d["property"], str)
    assert d["value"] is None or isinstance(d["value"], str)
    assert isinstance(d["exposed"], int)
    assert isinstance(d["unexposed"], int)
    for key in ("rate_exposed", "rate_unexposed", "at_stake"):
        assert isinstance(d[key], float)
    raw = d["raw"]
    assert isinstance(raw, dict)
    assert set(raw) == {"diff", "ci", "p", "q"}
    assert isinstance(raw["ci"], list)
    assert len(raw["ci"]) == 2
    if adjusted:
        adj = d["adjusted"]
        assert isinstance(adj, dict)
        assert set(adj) == {"diff", "ci", "p", "q", "informative_share"}
    else:
        assert d["adjusted"] is None
    assert isinstance(d["too_few"], bool)
    ab = d["ab_test"]
    assert ab is None or (isinstance(ab, dict) and set(ab) == {"per_arm", "days"})


def test_to_dict_has_the_shape_of_the_issue(tmp_path: Path) -> None:
    """The --json object of issue 10: eligible, left_out, adjust_for, baseline, candidates
    (ranked); rates and differences as fractions; no NaN (undefined numbers are null)."""
    rows = [*two_strata(), *units("y", 40, [("y", 1, "")], converted=20, src="ads")]
    result = run(rows, tmp_path, adjust_for=["src"])
    out = result.to_dict()
    assert set(out) == {"eligible", "left_out", "adjust_for", "baseline", "candidates"}
    assert out["eligible"] == 240
    assert out["left_out"] == {"still_open": 0, "converted_before_landmark": 0}
    assert out["adjust_for"] == ["src"]
    _check_candidate(out["baseline"], adjusted=True)
    assert out["baseline"]["event"] is None
    assert out["baseline"]["raw"]["q"] is None
    assert sorted(c["label"] for c in out["candidates"]) == ["x", "y"]
    for c in out["candidates"]:
        _check_candidate(c, adjusted=True)
    stakes = [c["at_stake"] for c in out["candidates"]]
    assert stakes == sorted(stakes, reverse=True)  # ranked, best first
    x = next(c for c in out["candidates"] if c["label"] == "x")
    assert x["rate_exposed"] == pytest.approx(26 / 70)
    assert x["adjusted"]["diff"] == pytest.approx(MH_DIFF)
    assert isinstance(x["ab_test"]["per_arm"], int)
    json.dumps(out, allow_nan=False)  # valid JSON as it stands
    plain = run(two_strata(), tmp_path).to_dict()
    _check_candidate(plain["candidates"][0], adjusted=False)


def test_drivers_analysis_returns_observation_and_exposures(tmp_path: Path) -> None:
    """drivers_analysis gives what the view needs to look a candidate up again: per
    entrant the observation period, and the exposure entries behind each candidate."""
    rows = [*units("x", 40, [("x", 1)], converted=20), *units("n", 40, converted=10)]
    table = make_table([*rows, ("zz-end", "end", END_AT, "")], tmp_path, props=PROPS)
    analysis = drivers_analysis(table, FUNNEL, landmark=duration(10))
    x = get(analysis.result, "x")
    exposed = analysis.exposures.exposed_units(x.index)
    actor_ids = analysis.actor_ids.to_pylist()  # type: ignore[attr-defined]
    actors = {actor_ids[int(analysis.observation.actor[u])] for u in exposed}
    assert actors == {f"x{i:03d}" for i in range(40)}
