"""Paths (FUNNEL_SEMANTICS §13): hand-checked fixtures, one tiny log per rule, run on the
plain reference (tests/reference_paths.py) and on the engine (`funnel_gui.core.analysis
.paths`), both read back as the JSON of `funnel-gui paths --json`.

Times are minutes after engine_fixtures.BASE; windows and lookbacks are minutes too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from funnel_gui.core.analysis.paths import PathsError, paths
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.events import EventTable
from tests.core.engine_fixtures import Row, definition, duration, exclusion, make_table
from tests.formulas import wilson
from tests.reference_paths import reference_paths

Paths = Callable[..., dict[str, Any]]
FUNNEL = definition("view", "cart", "pay", window=60)


def _engine(table: EventTable, defn: FunnelDefinition, **options: Any) -> dict[str, Any]:
    return paths(table, defn, **options).to_dict()


@pytest.fixture(params=["reference", "engine"])
def run(request: pytest.FixtureRequest) -> Paths:
    """Every hand-checked case runs on both implementations."""
    return reference_paths if request.param == "reference" else _engine


def _paths_of(
    run: Paths,
    rows: Sequence[Row],
    tmp_path: Path,
    defn: FunnelDefinition = FUNNEL,
    group: str | None = None,
    session: bool = False,
    **options: Any,
) -> dict[tuple[str, ...], int]:
    """{path: units} of one group (the only one into step 1)."""
    out = run(make_table(rows, tmp_path, session=session), defn, **options)
    chosen = next(g for g in out["groups"] if group is None or g["name"] == group)
    return {tuple(p["events"]): p["units"] for p in chosen["paths"]}


# ------------------------------------------------------------------- into the funnel


def test_into_collapses_repeats_unless_kept(run: Paths, tmp_path: Path) -> None:
    # §13: a, b, b, c before the view: collapsed a, b, c; kept, the last 3 are b, b, c.
    rows = [("u1", "a", 0), ("u1", "b", 1), ("u1", "b", 2), ("u1", "c", 3), ("u1", "view", 10)]
    assert _paths_of(run, rows, tmp_path) == {("a", "b", "c"): 1}
    assert _paths_of(run, rows, tmp_path, keep_repeats=True) == {("b", "b", "c"): 1}


def test_into_collapses_the_whole_sequence_before_taking_l(run: Paths, tmp_path: Path) -> None:
    # §13: b, c, c, c collapses to b, c first; then the 2 nearest are b, c (taking 2
    # first would give c, c and then one c).
    rows = [("u1", "b", 0), ("u1", "c", 1), ("u1", "c", 2), ("u1", "c", 3), ("u1", "view", 10)]
    assert _paths_of(run, rows, tmp_path, length=2) == {("b", "c"): 1}


def test_into_start_when_fewer_than_l(run: Paths, tmp_path: Path) -> None:
    # §13: one event (x) where L = 3 were asked: "(start)" first; none at all: "(start)".
    rows = [("u1", "x", 5), ("u1", "view", 10), ("u2", "view", 10)]
    assert _paths_of(run, rows, tmp_path) == {("(start)",): 1, ("(start)", "x"): 1}


def test_into_lookback_is_inclusive(run: Paths, tmp_path: Path) -> None:
    # §13: lookback 5 minutes before the view at 10: b at 5 is in (inclusive), a at 4 out.
    rows = [("u1", "a", 4), ("u1", "b", 5), ("u1", "view", 10)]
    assert _paths_of(run, rows, tmp_path, lookback=duration(5)) == {("(start)", "b"): 1}
    assert _paths_of(run, rows, tmp_path) == {("(start)", "a", "b"): 1}  # default: 1 day


def test_into_before_means_earlier_in_file_order_at_a_tie(run: Paths, tmp_path: Path) -> None:
    # §1/§13: t shares the view's instant but comes first in the file: it is before;
    # after (same instant, later in the file) is not.
    rows = [("u1", "t", 10), ("u1", "view", 10), ("u1", "after", 10)]
    assert _paths_of(run, rows, tmp_path) == {("(start)", "t"): 1}


def test_into_anchors_on_the_reported_attempt(run: Paths, tmp_path: Path) -> None:
    # §3.4: with a 2-minute window the attempt at view 3 reaches cart (4), the one at
    # view 1 does not: the path leads into view 3, and the earlier view is one of its events.
    rows = [("u1", "a", 0), ("u1", "view", 1), ("u1", "b", 2), ("u1", "view", 3), ("u1", "cart", 4)]
    defn = definition("view", "cart", "pay", window=2)
    assert _paths_of(run, rows, tmp_path, defn) == {("a", "view", "b"): 1}


def test_into_session_unit_uses_only_that_sessions_events(run: Paths, tmp_path: Path) -> None:
    # §13: with the session unit, a (session s1) is not before s2's view.
    rows = [("u1", "a", 0, "s1"), ("u1", "b", 1, "s2"), ("u1", "view", 2, "s2")]
    by_session = definition("view", "cart", unit="session")
    got = _paths_of(run, rows, tmp_path, by_session, session=True)
    assert got == {("(start)", "b"): 1}
    by_actor = _paths_of(run, rows, tmp_path, definition("view", "cart"), session=True)
    assert by_actor == {("(start)", "a", "b"): 1}


def test_excluded_units_have_no_path(run: Paths, tmp_path: Path) -> None:
    # §4: u2's only attempt is void (refund between 1 and 2): it is in no group.
    defn = definition("view", "cart", exclusions=[exclusion("refund", between=(1, 2))])
    rows = [("u1", "view", 0), ("u2", "view", 0), ("u2", "refund", 1)]
    out = run(make_table(rows, tmp_path), defn)
    assert out["groups"][0]["units"] == 1


# -------------------------------------------------------------------- between steps


def test_between_converted_first_l_collapsed(run: Paths, tmp_path: Path) -> None:
    # §13: strictly between view and cart: x, x, y, z -> x, y, z; the first 2: x, y.
    rows = [("u1", "view", 0), ("u1", "x", 1), ("u1", "x", 2), ("u1", "y", 3)]
    rows += [("u1", "z", 4), ("u1", "cart", 5)]
    got = _paths_of(run, rows, tmp_path, group="converted", where=("between", 1), length=2)
    assert got == {("x", "y"): 1}


def test_between_direct(run: Paths, tmp_path: Path) -> None:
    # §13: nothing between view and cart: "(direct)".
    rows = [("u1", "view", 0), ("u1", "cart", 1), ("u1", "x", 2)]
    got = _paths_of(run, rows, tmp_path, group="converted", where=("between", 1))
    assert got == {("(direct)",): 1}


def test_between_dropped_inside_the_window(run: Paths, tmp_path: Path) -> None:
    # §13: window 10 from the view at 0: x at 3 and z at exactly 10 are inside, y at 12
    # is not; u2 has nothing inside the window: "(nothing)".
    defn = definition("view", "cart", window=10)
    rows = [("u1", "view", 0), ("u1", "x", 3), ("u1", "z", 10), ("u1", "y", 12)]
    rows += [("u2", "view", 0), ("u2", "y", 12)]
    got = _paths_of(run, rows, tmp_path, defn, group="dropped", where=("between", 1))
    assert got == {("x", "z"): 1, ("(nothing)",): 1}


def test_between_window_runs_from_step_1(run: Paths, tmp_path: Path) -> None:
    # §13 "inside the window" = at most `window` after the step-1 event: between cart (5)
    # and pay, window 10 from the view at 0: w at 9 is in, y at 12 is not.
    defn = definition("view", "cart", "pay", window=10)
    rows = [("u1", "view", 0), ("u1", "cart", 5), ("u1", "w", 9), ("u1", "y", 12)]
    got = _paths_of(run, rows, tmp_path, defn, group="dropped", where=("between", 2))
    assert got == {("w",): 1}


def test_between_groups(run: Paths, tmp_path: Path) -> None:
    # §13: between 2 and 3, converted = reached pay (u1), dropped = furthest exactly cart
    # (u2); u3 never reached cart and is in neither group.
    rows = [("u1", "view", 0), ("u1", "cart", 1), ("u1", "pay", 2)]
    rows += [("u2", "view", 0), ("u2", "cart", 1), ("u3", "view", 0)]
    out = run(make_table(rows, tmp_path), FUNNEL, where=("between", 2))
    assert out["where"] == "between"
    assert out["step"] == 2
    assert [(g["name"], g["units"]) for g in out["groups"]] == [("converted", 1), ("dropped", 1)]


# ---------------------------------------------------------------- counting and ranking


def test_share_macro_rate_top_and_other(run: Paths, tmp_path: Path) -> None:
    # §13: u1, u2, u3 come in by a; u4 by b; u5 by c; only u1 reaches pay (M = 3).
    # Top 2: (start, a) 3 units, share 3/5, macro 1/3; then b before c (a tie in units
    # is ranked by the names); c is "other paths".
    rows = [("u1", "a", 0), ("u1", "view", 1), ("u1", "cart", 2), ("u1", "pay", 3)]
    rows += [(u, "a", 0) for u in ("u2", "u3")] + [(u, "view", 1) for u in ("u2", "u3")]
    rows += [("u5", "c", 0), ("u5", "view", 1), ("u4", "b", 0), ("u4", "view", 1)]
    out = run(make_table(rows, tmp_path), FUNNEL, top=2)
    assert out["where"] == "into"
    assert out["step"] is None
    (group,) = out["groups"]
    assert group["name"] == "all"
    assert group["units"] == 5
    first, second = group["paths"]
    assert first["events"] == ["(start)", "a"]
    assert first["units"] == 3
    assert first["share"] == pytest.approx(3 / 5)
    assert first["macro_rate"] == pytest.approx(1 / 3)
    assert first["ci"] == pytest.approx(list(wilson(1, 3)))
    assert second["events"] == ["(start)", "b"]
    assert second["macro_rate"] == 0
    assert group["other"] == {"units": 1}


def test_macro_rate_uses_the_last_macro_step(run: Paths, tmp_path: Path) -> None:
    # §13: M is the last macro step; here cart (step 2) is macro, pay (step 3) micro.
    from dataclasses import replace

    steps = list(FUNNEL.steps)
    steps[1], steps[2] = replace(steps[1], kind="macro"), replace(steps[2], kind="micro")
    defn = replace(FUNNEL, steps=tuple(steps))
    rows = [("u1", "view", 0), ("u1", "cart", 1), ("u2", "view", 0)]
    out = run(make_table(rows, tmp_path), defn)
    assert out["groups"][0]["paths"][0]["macro_rate"] == pytest.approx(1 / 2)


def test_engine_errors_say_what_to_do(tmp_path: Path) -> None:
    table = make_table([("u1", "view", 0)], tmp_path)
    with pytest.raises(PathsError, match="any-order"):
        paths(table, definition("view", "cart", order="any"), ("between", 1))
    with pytest.raises(PathsError, match="k in 1 to 2"):
        paths(table, FUNNEL, ("between", 3))
    with pytest.raises(PathsError, match="length"):
        paths(table, FUNNEL, length=0)
    with pytest.raises(PathsError, match="lookback"):
        paths(table, FUNNEL, lookback=-1)


def test_members_list_each_paths_units(tmp_path: Path) -> None:
    # For a drill-down: the units on a path, as rows of the funnel's per-unit table.
    rows = [("u1", "a", 0), ("u1", "view", 1), ("u2", "b", 0), ("u2", "view", 1)]
    rows += [("u3", "b", 0), ("u3", "view", 1)]
    from funnel_gui.core.engine.compute import compute_with_rows

    table = make_table(rows, tmp_path)
    computed = compute_with_rows(table, FUNNEL)
    group = paths(table, FUNNEL, top=1, computed=computed).group("all")
    actors = computed.result.actors_frame()["actor"]
    assert group.paths[0].events == ("(start)", "b")
    assert sorted(actors[group.members_of(0)]) == ["u2", "u3"]
    assert list(actors[group.members_of(-1)]) == ["u1"]
