"""FunnelView: bars, drop-off stacks, grouped bars, clicks and exports on hand-counted logs.

The shop log (tests/core/test_chart_data.py) has 7 people at view, 4 at cart, 2 at buy;
the drop-off into cart is 3 (c, d left; e still open), into buy 2 (b left; f still open).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import NO_STEPS_TEXT
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.theme import LEFT_HEX, MACRO_HEX, MICRO_HEX, STILL_OPEN_HEX
from tests.core.engine_fixtures import definition, make_table
from tests.core.test_chart_data import SHOP_ROWS, shop_result
from tests.qt.charts.common import PNG_MAGIC, demo_checkout_result, show_result
from tests.qt.charts.legibility import (
    assert_table_keeps_two_rows,
    outside,
    overlaps,
    show_in_app_size,
    view_box_rect,
)


@pytest.fixture
def demo_result() -> FunnelResult:
    return demo_checkout_result()


@pytest.fixture
def view(qtbot) -> FunnelView:  # type: ignore[no-untyped-def]
    widget = FunnelView()
    qtbot.addWidget(widget)
    widget.resize(900, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def heights(bars) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(h) for h in np.atleast_1d(bars.opts["height"])]


def xs(bars) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(x) for x in np.atleast_1d(bars.opts["x"])]


def bottoms(bars) -> list[float]:  # type: ignore[no-untyped-def]
    return [float(y) for y in np.atleast_1d(bars.opts["y0"])]


def colour_name(bars) -> str:  # type: ignore[no-untyped-def]
    return str(pg.mkBrush(bars.opts["brush"]).color().name())


def text_of(item) -> str:  # type: ignore[no-untyped-def]
    return str(item.textItem.toPlainText())


def test_bars_are_the_step_counts_coloured_by_kind(view: FunnelView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    assert not view.showing_empty_state
    micro, macro = view.kind_bars["micro"], view.kind_bars["macro"]
    assert (xs(micro), heights(micro)) == ([1, 2], [7, 4])
    assert (xs(macro), heights(macro)) == ([3], [2])
    assert colour_name(micro) == MICRO_HEX
    assert colour_name(macro) == MACRO_HEX
    axis = view.plot.getAxis("bottom")
    assert [label for _, label in axis._tickLevels[0]] == ["1. view", "2. cart", "3. buy"]
    assert view.plot.getAxis("left").labelText == "people"
    assert not view.split_box.isVisibleTo(view)  # no breakdown, nothing to split by


def test_drop_off_is_stacked_still_open_then_left(view: FunnelView, tmp_path: Path) -> None:
    result = shop_result(tmp_path)
    show_result(view, result)
    # §14: c, d and b never did the next step; the part is "never", in the grey of "left".
    still_open, left = view.drop_bars["still_open"], view.drop_bars["reason:never"]
    assert colour_name(still_open) == STILL_OPEN_HEX
    assert colour_name(left) == LEFT_HEX
    # Into cart: 4 reached it; e (1) still open from 4 to 5; c, d (2) left from 5 to 7.
    # Into buy: 2 reached it; f (1) still open from 2 to 3; b (1) left from 3 to 4.
    assert xs(still_open) == [2, 3]
    assert (bottoms(still_open), heights(still_open)) == ([4, 2], [1, 1])
    assert (bottoms(left), heights(left)) == ([5, 3], [2, 1])
    # The same split as the result says, and the stacks reach count_{k-1}.
    assert heights(still_open) == [s.still_open for s in result.steps[1:]]
    tops = [b + h for b, h in zip(bottoms(left), heights(left), strict=True)]
    assert tops == [7, 4]
    assert text_of(view.drop_labels[2]) == "−3 (42.9%)"  # 3 of 7
    assert text_of(view.drop_labels[3]) == "−2 (50.0%)"  # 2 of 4
    assert 1 not in view.drop_labels


def test_conversion_labels_follow_the_toggle(view: FunnelView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    assert view.conversion_mode == "previous"
    assert text_of(view.count_labels[1]) == "7"
    assert text_of(view.count_labels[2]) == "4 · 57.1%"  # 4 of 7
    assert text_of(view.count_labels[3]) == "2 · 50.0%"  # 2 of 4
    view.conversion_box.setCurrentIndex(view.conversion_box.findData("start"))
    assert text_of(view.count_labels[1]) == "7 · 100.0%"
    assert text_of(view.count_labels[3]) == "2 · 28.6%"  # 2 of 7


def test_hover_shows_exact_numbers(view: FunnelView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    text = view.tooltip_at(2, 6)  # in the "left" part above cart
    for line in ("2. cart", "4 people", "from previous: 57.1%", "from start: 57.1%"):
        assert line in text
    assert "drop-off: 3 (42.9%)" in text
    assert "left: 2" in text
    assert "still open (may yet convert): 1" in text
    assert "Click to see the paths between these steps" in view.tooltip_at(2.5, 1)  # a gap
    # The pointer really sets it: through the scene's mouse-move signal.
    vb = view.plot.plotItem.vb
    view._on_mouse_moved(vb.mapViewToScene(QPointF(3, 1)))
    assert "3. buy" in vb.toolTip()
    assert "drop-off: 2 (50.0%)" in vb.toolTip()


def _click(view: FunnelView, x: float, y: float) -> None:
    scene_point = view.plot.plotItem.vb.mapViewToScene(QPointF(x, y))
    point = view.plot.mapFromScene(scene_point)
    QTest.mouseClick(
        view.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


@pytest.mark.parametrize(
    ("x", "y", "step"),
    [
        (2, 2, 2),  # the cart bar
        (2, 4.5, 2),  # still open above cart: the drop-off between view and cart
        (2, 6, 2),  # left above cart
        (3, 3.5, 3),  # left above buy: between cart and buy
        (3, 1, 3),  # the buy bar
    ],
)
def test_clicking_a_bar_or_its_drop_off_asks_for_that_step(
    qtbot, view: FunnelView, tmp_path: Path, x: float, y: float, step: int
) -> None:  # type: ignore[no-untyped-def]
    show_result(view, shop_result(tmp_path))
    with qtbot.waitSignal(view.sig_drill_down) as blocker:
        _click(view, x, y)
    assert blocker.args == [step]


def test_clicking_step_one_or_empty_space_does_nothing(
    qtbot, view: FunnelView, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    show_result(view, shop_result(tmp_path))
    with qtbot.assertNotEmitted(view.sig_drill_down):
        _click(view, 1, 3)  # step 1's bar: nobody dropped before it
        _click(view, 2.5, 1)  # between bars
        _click(view, 3, 6)  # above buy's stack
    assert view.drill_step_at(1, 3) is None


def test_grouped_bars_are_the_breakdown_counts(view: FunnelView, tmp_path: Path) -> None:
    result = shop_result(tmp_path, breakdown="device")
    show_result(view, result)
    assert [s.value for s in view.segments] == ["desktop", "mobile", "tablet"]
    assert [heights(b) for b in view.segment_bars] == [[3, 2, 2], [3, 1, 0], [1, 1, 0]]
    # Side by side within each step, in the breakdown's order.
    per_step = list(zip(*(xs(b) for b in view.segment_bars), strict=True))
    for bars, step_x in zip(per_step, [1, 2, 3], strict=True):
        assert list(bars) == sorted(bars)
        assert np.mean(bars) == pytest.approx(step_x)
    assert view.drop_bars == {}  # no drop-off shading with a breakdown
    legend_names = [label.text for _, label in view.legend.items]
    assert legend_names == ["desktop", "mobile", "tablet"]
    text = view.tooltip_at(xs(view.segment_bars[1])[1], 0.5)
    assert "device = mobile" in text
    assert "1 person" in text
    assert "from previous: 33.3%" in text
    frames = view.tables()
    assert list(frames) == ["steps", "breakdown"]
    # Unticking "Split by device" shows the whole funnel with its drop-off again.
    assert view.split_box.isVisibleTo(view)
    assert view.split_box.text() == "Split by device"
    view.split_box.setChecked(False)
    assert view.segment_bars == []
    assert heights(view.kind_bars["micro"]) == [7, 4]
    assert heights(view.drop_bars["reason:never"]) == [2, 1]
    view.split_box.setChecked(True)
    assert len(view.segment_bars) == 3
    long = frames["breakdown"]
    assert long.loc[(long.value == "tablet") & (long.step == 2), "count"].item() == 1


def test_more_than_eight_groups_fold_into_other(view: FunnelView, tmp_path: Path) -> None:
    # Nine people, each their own country; p1..p3 also add to cart.
    rows = [(f"p{i}", "view", i, f"c{i}") for i in range(1, 10)]
    rows += [(f"p{i}", "cart", 20 + i, f"c{i}") for i in range(1, 4)]
    table = make_table(rows, tmp_path, props=["country"])
    show_result(view, compute(table, definition("view", "cart", breakdown="country")))
    # Groups of one sort by name: c1..c7 kept; c8 and c9 (nobody at cart) summed.
    assert [s.value for s in view.segments] == [*(f"c{i}" for i in range(1, 8)), "Other"]
    assert heights(view.segment_bars[-1]) == [2, 0]
    assert heights(view.segment_bars[0]) == [1, 1]
    assert view.legend.items[-1][1].text == "Other (2 groups)"


def test_step_table_below_the_chart(view: FunnelView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    model = view.step_table.model()
    assert model.rowCount() == 3
    assert model.index(1, model.DROP_OFF).data() == "3"
    assert model.index(2, model.STILL_OPEN).data() == "1"
    assert view.splitter.indexOf(view.plot) == 0
    assert view.splitter.indexOf(view.step_table) == 1


def test_empty_states(view: FunnelView, tmp_path: Path) -> None:
    assert view.showing_empty_state
    assert view.empty_label.text() == NO_STEPS_TEXT
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    nobody = compute(table, definition("signup", "buy"))
    show_result(view, nobody)
    assert view.showing_empty_state
    assert "Nobody did step 1 (signup)" in view.empty_label.text()
    assert not view.export_buttons["png"].isEnabled()
    show_result(view, shop_result(tmp_path))
    assert not view.showing_empty_state
    assert view.export_buttons["png"].isEnabled()
    show_result(view, None)
    assert view.showing_empty_state
    assert view.regions == []


def test_exports(view: FunnelView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path, breakdown="device"))
    png, svg, csv = tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "f.csv"
    view.export_png(png, 800, 500)
    assert png.read_bytes()[:8] == PNG_MAGIC
    view.export_csv(csv)
    steps = pd.read_csv(csv)
    assert steps["count"].tolist() == [7, 4, 2]
    assert steps["still_open"].tolist() == [0, 1, 1]
    view.export_csv(csv, "breakdown")
    assert pd.read_csv(csv).groupby("step")["count"].sum().tolist() == [7, 4, 2]
    view.export_svg(svg)
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_hidden_view_draws_when_exported(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hidden = FunnelView()
    qtbot.addWidget(hidden)
    show_result(hidden, shop_result(tmp_path))
    assert hidden.kind_bars == {}  # deferred while hidden
    hidden.export_png(tmp_path / "h.png", 600, 400)
    assert heights(hidden.kind_bars["micro"]) == [7, 4]


def test_one_step_funnel_has_no_drop_off(view: FunnelView, tmp_path: Path) -> None:
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    show_result(view, compute(table, definition("cart")))
    assert not view.showing_empty_state
    assert heights(view.kind_bars["macro"]) == [4]  # a, b, f, g; a lone step is the macro
    assert list(view.drop_bars) == ["still_open"]
    assert view.drop_labels == {}


def test_any_order_bars_count_steps_done(view: FunnelView, tmp_path: Path) -> None:
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    show_result(view, compute(table, definition("view", "cart", "buy", order="any")))
    axis = view.plot.getAxis("bottom")
    assert [label for _, label in axis._tickLevels[0]] == ["1 step", "2 steps", "3 steps"]
    # Any 1 of the steps: a-g; any 2: a, b, f, g; all 3 within the hour: a, g.
    assert heights(view.kind_bars["micro"]) == [7, 4]
    assert heights(view.kind_bars["macro"]) == [2]


def test_session_unit_labels_the_axis(view: FunnelView, tmp_path: Path) -> None:
    rows = [("a", "view", 0, "s1"), ("a", "buy", 1, "s1"), ("a", "view", 30, "s2")]
    table = make_table(rows, tmp_path, session=True)
    show_result(view, compute(table, definition("view", "buy", unit="session")))
    assert view.plot.getAxis("left").labelText == "sessions"
    assert heights(view.kind_bars["micro"]) == [2]
    assert heights(view.kind_bars["macro"]) == [1]


def test_demo_screenshot(view: FunnelView, tmp_path: Path, demo_result: FunnelResult) -> None:
    plain = dataclasses.replace(demo_result, breakdown=None)
    show_result(view, plain)
    assert heights(view.kind_bars["micro"]) == [s.count for s in plain.steps[:-1]]
    view.export_png(tmp_path / "funnel.png", 1100, 520)
    show_result(view, demo_result)
    view.export_png(tmp_path / "funnel-by-device.png", 1100, 520)
    for name in ("funnel.png", "funnel-by-device.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_MAGIC


def test_labels_fit_above_the_bars_at_the_size_the_app_gives(
    qtbot, demo_result: FunnelResult
) -> None:  # type: ignore[no-untyped-def]
    view = FunnelView()
    qtbot.addWidget(view)
    show_in_app_size(qtbot, view, dataclasses.replace(demo_result, breakdown=None))
    labels = [*view.count_labels.values(), *view.drop_labels.values()]
    assert len(labels) == 4 + 3
    assert all(label.isVisible() for label in labels)
    rects = [(id(label), label.sceneBoundingRect()) for label in labels]
    assert overlaps(rects) == []
    # None is cut off at the top of the plot, above the tallest stacks.
    assert outside(view_box_rect(view.plot), labels) == []
    # The legend fits the width of the view: nothing of the chart is pushed out of it.
    assert view.legend is not None
    assert view.plot.plotItem.width() <= view.plot.width()
    assert outside(view.plot.sceneRect(), [view.legend]) == []
    assert_table_keeps_two_rows(view.step_table)


def test_grouped_labels_never_collide(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Five devices d1..d5, each with three people who view, two of whom add to cart and
    # one buys: fifteen bars, whose labels are wider than a bar at 690 px.
    rows = []
    for d in range(1, 6):
        for p in range(3):
            who = f"u{d}{p}"
            rows.append((who, "view", 0, f"d{d}"))
            if p < 2:
                rows.append((who, "cart", 1, f"d{d}"))
            if p < 1:
                rows.append((who, "buy", 2, f"d{d}"))
    table = make_table(rows, tmp_path, props=["device"])
    view = FunnelView()
    qtbot.addWidget(view)
    show_in_app_size(
        qtbot, view, compute(table, definition("view", "cart", "buy", breakdown="device"))
    )
    assert [heights(b) for b in view.segment_bars] == [[3, 2, 1]] * 5
    shown = [label for label in view.bar_labels if label.isVisible()]
    rects = [(id(label), label.sceneBoundingRect()) for label in shown]
    assert overlaps(rects) == []
    assert outside(view_box_rect(view.plot), shown) == []
    # Wider, every bar has room for its label again.
    view.resize(1400, 600)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in view.bar_labels))
    QApplication.processEvents()  # the labels follow the new scale when painted
    rects = [(id(label), label.sceneBoundingRect()) for label in view.bar_labels]
    assert overlaps(rects) == []
