"""The Paths view (§13), the gap click in the funnel chart, a path's people in the
drill-down and one person's timeline, on the hand-counted log of tests/core/test_drilldown.

Between view and cart (window 60 min): a went on directly, b after a page; of the seven
who stopped, e and h did nothing more inside the window, d and i a page, c page then
scroll, f a scroll, j view then page. Into view: everyone but f had nothing before
("(start)"); f had a page. g is excluded and on no path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont
from PySide6.QtTest import QTest

from funnel_gui.core.analysis.reason_words import REASON_SHORT, REASON_WORDS
from funnel_gui.core.events import EventTable
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.charts.paths_view import PathsView
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.session import AppSession
from tests.core.engine_fixtures import definition, exclusion, make_table
from tests.core.test_drilldown import ROWS

DEFINITION = definition("view", "cart", "buy", exclusions=[exclusion("refund", between=(1, 2))])


@pytest.fixture
def table(tmp_path: Path) -> EventTable:
    return make_table(ROWS, tmp_path)


@pytest.fixture
def session(qtbot, table: EventTable) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    s = AppSession(debounce_ms=0)
    s.replace_definition(DEFINITION)
    with qtbot.waitSignal(s.sig_result_ready, timeout=30_000):
        s.set_table(table, ["rows.csv"])
    yield s
    s.shutdown()


def shown_paths(view: PathsView, group: str) -> list[tuple[str, int]]:
    frame = view.frame[view.frame["group"] == group]
    return list(zip(frame["path"], frame["units"], strict=True))


def make_view(qtbot, session: AppSession) -> PathsView:  # type: ignore[no-untyped-def]
    view = PathsView()
    qtbot.addWidget(view)
    view.connect_session(session)
    view.resize(1000, 600)
    with qtbot.waitSignal(view.sig_drawn, timeout=30_000):
        view.show()
        view.set_result(session.result)
    return view


def test_paths_into_step_one_are_drawn(qtbot, session: AppSession) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    assert not view.showing_empty_state
    assert shown_paths(view, "all") == [("(start)", 8), ("(start) → page", 1)]
    assert view.frame["share"].tolist() == pytest.approx([8 / 9, 1 / 9])
    # One flow, a band per path, as thick as its units (the flow's height is 1 + a gap).
    flows = view.flows
    assert len(flows.placed) == 1
    assert [(g, b.path, b.units) for g, b, _ in flows.band_items] == [(0, 0, 8), (0, 1, 1)]
    text = flows.tooltip_at(flows.band_point(0, 1).x(), flows.band_point(0, 1).y())
    assert "(start) → page" in text
    assert "1 person · 11.1% of the group" in text
    assert "reached 3. buy: 0.0%" in text  # f never bought
    # The 8 with nothing before their view: a "(start)" node just before it, explained.
    start = next(n for _, n, _ in flows.node_items if n.name == "(start)" and n.units == 8)
    rect = next(item.rect() for _, n, item in flows.node_items if n is start)
    text = flows.tooltip_at(rect.center().x(), rect.center().y())
    assert "(start) (just before)" in text
    assert "8 people · 88.9%" in text
    assert "fewer events than the path's length" in text


def test_paths_between_two_steps_show_both_groups(qtbot, session: AppSession) -> None:  # type: ignore[no-untyped-def]
    view = make_view(qtbot, session)
    with qtbot.waitSignal(view.sig_drawn, timeout=30_000):
        view.show_gap(1)
    assert view.controls.options().step == 1
    assert shown_paths(view, "converted") == [("(direct)", 1), ("page", 1)]
    assert shown_paths(view, "dropped") == [
        ("(nothing)", 2),
        ("page", 2),
        ("page → scroll", 1),
        ("scroll", 1),
        ("view → page", 1),
    ]
    # a (direct) bought: macro rate 1 with its Wilson interval; b (page) did not.
    converted = view.frame[view.frame["group"] == "converted"]
    assert converted["macro_rate"].tolist() == [1.0, 0.0]
    assert converted["ci_low"].iloc[0] == pytest.approx(0.2065, abs=1e-4)  # Wilson, n = 1
    assert [at.flow.group for at in view.flows.placed] == ["converted", "dropped"]
    assert "2 people" in view.flows.group_labels[0].textItem.toPlainText()
    assert "7 people" in view.flows.group_labels[1].textItem.toPlainText()


def test_empty_states_are_sentences(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = AppSession(debounce_ms=0)
    s.replace_definition(definition("nothing", "cart"))
    with qtbot.waitSignal(s.sig_result_ready, timeout=30_000):
        s.set_table(make_table(ROWS, tmp_path), ["rows.csv"])
    view = make_view(qtbot, s)
    assert view.showing_empty_state
    assert "Nobody did step 1" in view.empty_label.text()
    s.shutdown()


def _click_plot(plot, x: float, y: float) -> None:  # type: ignore[no-untyped-def]
    point = plot.mapFromScene(plot.plotItem.vb.mapViewToScene(QPointF(x, y)))
    QTest.mouseClick(
        plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


@pytest.fixture
def loaded(qtbot, window: MainWindow, table: EventTable) -> MainWindow:  # type: ignore[no-untyped-def]
    window.session.analysis.set_debounce_ms(0)
    window.session.replace_definition(DEFINITION)
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000):
        window.session.set_table(table, ["rows.csv"])
    window.show()
    qtbot.waitExposed(window)
    return window


def test_gap_click_opens_the_paths_and_a_path_click_lists_its_people(
    qtbot, loaded: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    panel = loaded.workspace.analysis_panel
    panel.show_view("funnel")
    funnel = panel.views["funnel"]
    assert isinstance(funnel, FunnelView)
    funnel.ensure_drawn()
    paths = panel.views["paths"]
    assert isinstance(paths, PathsView)
    # The space between the view and cart bars: the gap after step 1.
    with qtbot.waitSignal(paths.sig_drawn, timeout=30_000):
        _click_plot(funnel.plot, 1.5, 1)
    assert panel.current_view is paths
    assert paths.controls.gap.currentData() == 1
    qtbot.waitUntil(lambda: paths.data is not None and paths.data.result.step == 1)
    # A click on the band of "page" among those who stopped lists d and i.
    hit = paths.flows.band_point(1, 1)
    drill = loaded.drilldown
    with qtbot.waitSignal(drill.sig_listed, timeout=30_000):
        _click_plot(paths.flows, hit.x(), hit.y())
    assert loaded.drilldown_shown()
    listed = drill.shown_units()
    assert listed["actor"].tolist() == ["d", "i"]
    assert "2 people on the path page" in drill.title.text()
    reasons = [
        drill.units_model.index(r, drill.units_model.column_of("reason")).data() for r in (0, 1)
    ]
    assert reasons == [REASON_WORDS["never"], REASON_WORDS["still_open"]]
    # Selecting d shows d's events: view (step 1) in bold, then page.
    timeline = drill.timeline
    with qtbot.waitSignal(timeline.sig_shown, timeout=30_000):
        drill.units_view.setCurrentIndex(drill.units_model.index(0, 0))
    model = timeline.model
    assert [model.value(r, "event") for r in range(model.rowCount())] == ["view", "page"]
    assert model.value(0, "step_label") == "1. view"
    font = model.index(0, 0).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    assert drill.side_tabs.currentWidget() is timeline


def test_reasons_split_the_drop_off_and_add_up(qtbot, loaded: MainWindow) -> None:  # type: ignore[no-untyped-def]
    # §14 into cart: c, d, e, j, f never did it; h did it after its window; i still open.
    # Into buy: b never did it.
    panel = loaded.workspace.analysis_panel
    panel.show_view("funnel")
    view = panel.views["funnel"]
    assert isinstance(view, FunnelView)
    view.ensure_drawn()
    bars = view.drop_bars
    assert sorted(bars) == ["reason:never", "reason:window", "still_open"]
    never, window = bars["reason:never"].opts, bars["reason:window"].opts
    assert (list(never["x"]), list(never["height"])) == ([2, 3], [5, 1])
    assert (list(window["x"]), list(window["height"])) == ([2], [1])
    # Over cart: 1 still open, 1 window, 5 never (the 7 who stopped); over buy: b's never.
    assert list(bars["still_open"].opts["height"]) == [1, 0]
    steps = loaded.session.result.steps
    for k in (2, 3):
        parts = sum(
            float(b.opts["height"][list(b.opts["x"]).index(k)])
            for b in bars.values()
            if k in list(b.opts["x"])
        )
        assert parts == steps[k - 1].drop_off
    legend = {label.text: label.toolTip() for _, label in view.legend.items}
    assert REASON_WORDS["never"] in legend[REASON_SHORT["never"]].lower()
    assert REASON_WORDS["window"] in legend[REASON_SHORT["window"]].lower()
    assert "Left" not in legend
    text = view.tooltip_at(2, 8)
    assert f"{REASON_WORDS['never']}: 5" in text
    assert f"{REASON_WORDS['window']}: 1" in text
    assert f"{REASON_WORDS['still_open']}: 1" in text
