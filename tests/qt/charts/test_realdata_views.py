"""Every analysis view and the drill-down draw the real REES46 slice (skips without it).

The slice has 1,747 users who all viewed a product (realdata README: view/cart/purchase
events, 1,747 users), 300+ brands (so the breakdown folds into "Other"), one day of data
(so every trend period is incomplete with a 1-day window).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.analysis.drilldown import dropped_at
from funnel_gui.core.definition.model import Breakdown, FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.io import load_events
from funnel_gui.qt.charts.registry import make_views
from funnel_gui.qt.widgets.drilldown_panel import DrillDownPanel
from tests.qt.charts.common import show_result

NS_PER_DAY = 86_400 * 10**9


@pytest.fixture
def rees46(realdata: Path):  # type: ignore[no-untyped-def]
    path = realdata / "rees46_oct2019_5k" / "user_behavior_sample.csv"
    if not path.exists():
        pytest.skip("REES46 slice missing")
    table = load_events(path)
    definition = FunnelDefinition(
        name="REES46",
        steps=(
            Step(events=("view",), label="Viewed"),
            Step(events=("cart",), label="Carted"),
            Step(events=("purchase",), label="Purchased", kind="macro"),
        ),
        window_ns=NS_PER_DAY,
        breakdown=Breakdown("brand"),
    )
    return table, compute(table, definition)


def test_every_view_draws_the_real_slice(qtbot, rees46, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _table, result = rees46
    assert result.steps[0].count == 1_747
    assert len(result.breakdown.groups) > 8  # folded in the charts
    for view in make_views():
        qtbot.addWidget(view)
        view.resize(900, 520)
        view.show()
        if view.name in ("drivers", "paths"):
            continue  # compute from the session's prepared table: their own realdata tests
        show_result(view, result)
        assert view.result is result
        if view.name == "micro-macro":
            continue  # no micro-conversion besides the on-path steps: a note, no chart
        assert not view.showing_empty_state, view.name
        view.export_png(tmp_path / f"{view.name}.png")
        assert (tmp_path / f"{view.name}.png").stat().st_size > 5_000
        frame = next(iter(view.tables().values()))
        assert len(frame) > 0


def test_drill_down_lists_everyone_who_dropped_on_the_real_slice(qtbot, rees46) -> None:  # type: ignore[no-untyped-def]
    table, result = rees46
    panel = DrillDownPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.sig_listed, timeout=60000):
        panel.show_drop(result, table, 2)
    listed = panel.shown_units()
    assert len(listed) == result.steps[1].drop_off
    assert listed["actor"].is_unique
    assert set(listed["actor"]) == set(dropped_at(result, 2)["actor"])
    # Nobody listed reached the cart: each one's cart time is missing in the unit table.
    frame = result.actors_frame()
    carted = set(frame.loc[frame["furthest_step"] >= 2, "actor"])
    assert not carted & set(listed["actor"])


@pytest.mark.realdata
def test_paths_and_reasons_on_the_real_slice(qtbot, rees46) -> None:  # type: ignore[no-untyped-def]
    from funnel_gui.qt.charts.funnel_chart import FunnelView
    from funnel_gui.qt.charts.paths_view import PathsView
    from funnel_gui.qt.session import AppSession

    table, result = rees46
    session = AppSession(debounce_ms=0)
    session.replace_definition(result.definition)
    with qtbot.waitSignal(session.sig_result_ready, timeout=60_000):
        session.set_table(table, ["user_behavior_sample.csv"])
    view = PathsView()
    qtbot.addWidget(view)
    view.connect_session(session)
    view.resize(900, 520)
    with qtbot.waitSignal(view.sig_drawn, timeout=60_000):
        view.show()
        view.set_result(session.result)
    with qtbot.waitSignal(view.sig_drawn, timeout=60_000):
        view.show_gap(1)
    assert not view.showing_empty_state
    # The two groups are everyone who viewed and then carted or stopped at viewing (§13).
    converted, dropped = view.data.result.groups
    assert converted.units == result.steps[1].count
    assert dropped.units == result.steps[1].drop_off
    for group, at in zip(view.data.result.groups, view.flows.placed, strict=True):
        assert sum(b.units for b in at.flow.bands) == group.units
    # The funnel chart splits each drop-off by reason, and the parts add up to it (§14).
    funnel = FunnelView()
    qtbot.addWidget(funnel)
    funnel.split_box.setChecked(False)
    funnel.resize(900, 520)
    funnel.show()
    show_result(funnel, session.result)
    for k in (2, 3):
        total = sum(
            float(bars.opts["height"][list(bars.opts["x"]).index(k)])
            for bars in funnel.drop_bars.values()
            if k in list(bars.opts["x"])
        )
        assert total == session.result.steps[k - 1].drop_off
    session.shutdown()
