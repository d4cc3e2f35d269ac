"""SegmentsView (§10): bars at the groups' rates, whiskers at the Wilson bounds, largest
groups first with the tail folded into "Other", significance marks, the target-step combo,
empty states, exports, and labels that stay apart at the size the view gets in the app.

The "src" log: view → cart → buy with groups d (1 entered), a (5), c (2), b (4) in file
order; a: 4 cart, 3 buy; b: 2 cart, 1 buy; c: 1 cart, 1 buy; d: nobody goes on.
Wilson bounds are recomputed here from the formula.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from funnel_gui import load_events
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.definition.model import Breakdown
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.fitting import MAX_CHART_MIN_PX
from funnel_gui.qt.charts.segments_chart import EMPTY_TEXT, ONE_STEP_TEXT, SegmentsView
from funnel_gui.qt.theme import segment_colour
from funnel_gui.resources import demo_data_path, resources_dir
from tests.core.engine_fixtures import definition, make_table
from tests.formulas import wilson
from tests.qt.charts.common import PNG_MAGIC, show_result
from tests.qt.charts.legibility import (
    assert_table_keeps_two_rows,
    outside,
    overlaps,
    show_in_app_size,
    view_box_rect,
)

# group: (entered, reached cart, reached buy)
PLAN = {"d": (1, 0, 0), "a": (5, 4, 3), "c": (2, 1, 1), "b": (4, 2, 1)}


def src_result(tmp_path: Path, plan: dict[str, tuple[int, int, int]] = PLAN) -> FunnelResult:
    rows: list[tuple[object, ...]] = []
    for group, (entered, cart, buy) in plan.items():
        for i in range(entered):
            rows.append((f"{group}{i}", "view", 0, group))
            if i < cart:
                rows.append((f"{group}{i}", "cart", 1, group))
            if i < buy:
                rows.append((f"{group}{i}", "buy", 2, group))
    table = make_table(rows, tmp_path, props=("src",))
    return compute(table, definition("view", "cart", "buy", breakdown="src"))


@functools.cache
def demo_result(prop: str) -> FunnelResult:
    table = load_events(demo_data_path())
    defn = load_funnel(resources_dir() / "demo" / "checkout.funnel.json").definition
    return compute(table, replace(defn, breakdown=Breakdown(prop)))


@pytest.fixture
def view(qtbot) -> SegmentsView:  # type: ignore[no-untyped-def]
    widget = SegmentsView()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def bar_widths(view: SegmentsView) -> list[float]:
    assert view.bars is not None
    return [float(w) for w in np.atleast_1d(view.bars.opts["width"])]


def whisker_ends(view: SegmentsView) -> list[tuple[float, float]]:
    assert view.whiskers is not None
    x = np.asarray(view.whiskers.opts["x"], dtype=float)
    left = np.asarray(view.whiskers.opts["left"], dtype=float)
    right = np.asarray(view.whiskers.opts["right"], dtype=float)
    return list(zip((x - left).tolist(), (x + right).tolist(), strict=True))


def test_bars_at_the_rates_whiskers_at_the_wilson_bounds(
    view: SegmentsView, tmp_path: Path
) -> None:
    show_result(view, src_result(tmp_path))
    assert not view.showing_empty_state
    assert view.target_step() == 3  # the macro step by default
    # Largest first: a (5), b (4), c (2), d (1); the one leftover group keeps its name.
    assert view.tick_labels == ["a (5)", "b (4)", "c (2)", "d (1)"]
    assert bar_widths(view) == pytest.approx([3 / 5, 1 / 4, 1 / 2, 0.0])
    assert np.atleast_1d(view.bars.opts["x0"]).tolist() == [0, 0, 0, 0]
    expected = [wilson(3, 5), wilson(1, 4), wilson(1, 2), (0.0, wilson(0, 1)[1])]
    for got, want in zip(whisker_ends(view), expected, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
    # Everyone: 5 of 12 bought.
    assert view.reference_line is not None
    line_x, _ = view.reference_line.getData()
    assert list(line_x) == pytest.approx([5 / 12, 5 / 12])


def test_other_folds_the_tail(qtbot, view: SegmentsView, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    show_result(view, src_result(tmp_path))
    with qtbot.waitSignal(view.sig_drawn, timeout=10000):  # its data is made in a worker
        view.top_n_spin.setValue(2)
    assert view.tick_labels == ["a (5)", "b (4)", "Other: 2 groups (3)"]
    # Other = c (2 entered, 1 bought) + d (1, 0): 1 of 3.
    assert bar_widths(view) == pytest.approx([3 / 5, 1 / 4, 1 / 3])
    assert whisker_ends(view)[2] == pytest.approx(wilson(1, 3))
    frame = view.tables()["segments"]
    assert list(frame["group"]) == ["a", "b", "Other"]
    assert list(frame["entered"]) == [5, 4, 3]
    assert list(frame["converted"]) == [3, 1, 1]


def test_target_step_combo_changes_the_bars(qtbot, view: SegmentsView, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    show_result(view, src_result(tmp_path))
    assert [view.step_combo.itemText(i) for i in range(view.step_combo.count())] == [
        "2. cart",
        "3. buy",
    ]
    with qtbot.waitSignal(view.sig_drawn, timeout=10000):
        view.set_target_step(2)
    assert bar_widths(view) == pytest.approx([4 / 5, 2 / 4, 1 / 2, 0.0])
    assert "Conversion to cart" in view.plot.plotItem.titleLabel.text
    # A new result keeps the user's choice.
    show_result(view, src_result(tmp_path))
    assert view.target_step() == 2


def test_significant_groups_are_marked(view: SegmentsView, tmp_path: Path) -> None:
    plan = {"low": (40, 0, 0), "high": (41, 41, 41)}
    show_result(view, src_result(tmp_path, plan))
    assert view.tick_labels == ["high (41) *", "low (40) *"]
    assert view.bars is not None
    colours = [pg.mkBrush(b).color() for b in view.bars.opts["brushes"]]
    # Each group keeps its funnel-chart colour (breakdown order: high 41, low 40); both
    # differ from the rest, so both are drawn at full strength.
    assert [c.name() for c in colours] == [segment_colour(0).name(), segment_colour(1).name()]
    assert {c.alpha() for c in colours} == {230}
    words = " ".join(t.toPlainText() for t in view.texts)
    assert "higher than the rest *" in words
    assert "lower than the rest *" in words
    assert "higher than the rest" in view.tooltip_for_row(0)


def test_not_significant_is_not_marked(view: SegmentsView, tmp_path: Path) -> None:
    show_result(view, src_result(tmp_path))
    assert not any(label.endswith("*") for label in view.tick_labels)
    assert view.bars is not None
    alphas = {pg.mkBrush(b).color().alpha() for b in view.bars.opts["brushes"]}
    assert alphas == {120}  # faded: no group differs from the rest


def test_table_rows(view: SegmentsView, tmp_path: Path) -> None:
    show_result(view, src_result(tmp_path))
    model = view.proxy
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "Group",
        "Entered",
        "Converted",
        "Rate",
        "95% CI from",
        "to",
        "p (Holm)",
        "Significant",
        "Against the rest",
    ]
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    low, high = wilson(3, 5)
    assert row[:6] == ["a", "5", "3", "60.0%", f"{low:.1%}", f"{high:.1%}"]
    assert row[7:] == ["no", "no clear difference"]


def test_empty_states(view: SegmentsView, tmp_path: Path) -> None:
    table = make_table([("a", "view", 0)], tmp_path, props=())
    show_result(view, compute(table, definition("view", "buy")))
    assert view.showing_empty_state
    assert view.empty_label.text() == EMPTY_TEXT
    assert view.tables() == {}
    show_result(view, compute(table, replace(definition("view"), breakdown=Breakdown("src"))))
    assert view.empty_label.text() == ONE_STEP_TEXT


def test_exports_are_valid_files(view: SegmentsView, tmp_path: Path) -> None:
    show_result(view, src_result(tmp_path))
    png, svg, csv = tmp_path / "s.png", tmp_path / "s.svg", tmp_path / "s.csv"
    view.export_png(png, 800, 400)
    assert png.read_bytes().startswith(PNG_MAGIC)
    view.export_csv(csv)
    frame = pd.read_csv(csv)
    assert list(frame["group"]) == ["a", "b", "c", "d"]
    assert frame["rate"].tolist() == pytest.approx([3 / 5, 1 / 4, 1 / 2, 0.0])
    view.export_svg(svg)
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_demo_screenshot_by_device(view: SegmentsView, tmp_path: Path) -> None:
    show_result(view, demo_result("device"))
    labels = view.tick_labels
    assert [label.split(" (")[0] for label in labels] == ["mobile", "desktop", "tablet"]
    assert labels[0].endswith("*")  # the demo's mobile users convert worse than the rest
    path = tmp_path / "breakdown.png"
    view.export_png(path, 1100, 520)
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_labels_stay_apart_with_nine_bars_at_the_size_the_app_gives(
    qtbot, view: SegmentsView, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Nine groups g1..g9 of 10..2 people, half of each (rounded down) reaching buy: the
    # top 8 keep their bar, the one left over keeps its name.
    plan = {f"g{i}": (12 - i, (12 - i) // 2, (12 - i) // 2) for i in range(1, 10)}
    view.top_n_spin.setValue(8)
    show_in_app_size(qtbot, view, src_result(tmp_path, plan))
    assert len(view.tick_labels) == 9
    assert view.tick_labels[0] == "g1 (11)"
    assert len(view.texts) == 9
    rects = [(i, text.sceneBoundingRect()) for i, text in enumerate(view.texts)]
    assert overlaps(rects) == []
    assert outside(view_box_rect(view.plot), view.texts) == []
    assert_table_keeps_two_rows(view.table)


def test_many_bars_scroll_rather_than_squeeze_the_window(
    qtbot, view: SegmentsView, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Thirty groups of 2 people, one of whom buys, all shown: thirty lines of labels.
    plan = {f"g{i:02d}": (2, 1, 1) for i in range(30)}
    view.top_n_spin.setValue(30)
    show_in_app_size(qtbot, view, src_result(tmp_path, plan))
    assert len(view.texts) == 30
    # The chart asks the window for a bounded height and scrolls within it ...
    assert view.scroller.minimumHeight() == MAX_CHART_MIN_PX
    assert view.plot.minimumHeight() > MAX_CHART_MIN_PX
    assert view.height() < view.plot.minimumHeight() + view.table.minimumHeight()
    # ... while its rows keep their lines.
    rects = [(i, text.sceneBoundingRect()) for i, text in enumerate(view.texts)]
    assert overlaps(rects) == []
