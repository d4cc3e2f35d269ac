"""TimeView: the time-to-convert histogram, its median/p90 markers and the timing table.

In the shop log (tests/core/test_chart_data.py) a converts 2 min and g 30 min after their
product view; the window is 60 min, so the bins are 0, 10 s, 30 s, 1, 2, 5, 10, 30, 60 min.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetrics

from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.time_chart import ANY_ORDER, NOBODY_CONVERTED, ONE_STEP, TimeView
from funnel_gui.qt.models.step_table import VALUE_ROLE
from tests.core.engine_fixtures import definition, make_table
from tests.core.test_chart_data import SHOP_ROWS, shop_result
from tests.qt.charts.common import show_result
from tests.qt.charts.legibility import (
    assert_table_keeps_two_rows,
    outside,
    overlaps,
    show_in_app_size,
    view_box_rect,
)
from tests.qt.charts.test_funnel_chart import (
    PNG_MAGIC,
    demo_checkout_result,
    heights,
    xs,
)


@pytest.fixture
def view(qtbot) -> TimeView:  # type: ignore[no-untyped-def]
    widget = TimeView()
    qtbot.addWidget(widget)
    widget.resize(900, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_histogram_bars_are_the_bin_counts(view: TimeView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    assert not view.showing_empty_state
    assert view.bars is not None
    # a (120 s) in 2–5 min, bin 4; g (1800 s) in 30–60 min, bin 7.
    assert heights(view.bars) == [0, 0, 0, 0, 1, 0, 0, 1]
    # Every bin as wide as the others, drawn by index.
    assert xs(view.bars) == [i + 0.5 for i in range(8)]
    ticks = [label for _, label in view.plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == ["0 s", "10 s", "30 s", "1 min", "2 min", "5 min", "10 min", "30 min", "1 h"]
    assert view.plot.getAxis("left").labelText == "people"


def test_median_and_p90_markers_sit_where_the_stats_fall(view: TimeView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    # Times 120 s and 1800 s: median 960 s, p90 120 + 0.9 * 1680 = 1632 s (linear).
    # Both in bin 6 (600 s – 1800 s): 360/1200 and 1032/1200 of the way through.
    median, p90 = view.markers["median"], view.markers["p90"]
    assert median.value() == pytest.approx(6 + 360 / 1200)
    assert p90.value() == pytest.approx(6 + 1032 / 1200)
    assert median.label.textItem.toPlainText() == "median 16 min"
    assert p90.label.textItem.toPlainText() == "90% within 27.2 min"


def test_hover_names_the_bin(view: TimeView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    assert view.tooltip_at(4.5, 0.5) == ("2 min – 5 min\n1 person (50.0% of those who converted)")
    assert view.tooltip_at(0.5, 0.1).startswith("0 s – 10 s\n0 people")


def test_timing_table_per_step(view: TimeView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    model = view.timing_model
    assert model.rowCount() == 3
    keys = [c.key for c in model.columns]

    def cell(row: int, key: str, role: int = VALUE_ROLE) -> object:
        return model.index(row, keys.index(key)).data(role)

    assert cell(0, "name", 0) == "1. view"
    assert cell(0, "from_previous_median_s", 0) == "–"
    assert [cell(r, "count") for r in range(3)] == [7, 4, 2]
    # buy: a 1 min and g 28 min after cart -> median 14.5 min; from view 2 and 30 -> 16 min.
    assert cell(2, "from_previous_median_s") == pytest.approx(870)
    assert cell(2, "from_previous_median_s", 0) == "14.5 min"
    assert cell(2, "from_start_median_s", 0) == "16 min"
    assert cell(2, "from_start_p90_s") == pytest.approx(1632)


def test_nobody_converted(view: TimeView, tmp_path: Path) -> None:
    rows = [("a", "view", 0), ("a", "cart", 1), ("b", "view", 0)]
    show_result(view, compute(make_table(rows, tmp_path), definition("view", "cart", "buy")))
    assert view.showing_empty_state
    assert view.empty_label.text() == NOBODY_CONVERTED
    assert view.bars is None
    # The numbers behind it are still there for CSV.
    assert view.tables()["histogram"]["count"].sum() == 0


def test_other_empty_states(view: TimeView, tmp_path: Path) -> None:
    table = make_table(SHOP_ROWS, tmp_path, props=["device"])
    show_result(view, compute(table, definition("view", "cart", "buy", order="any")))
    assert view.showing_empty_state
    assert view.empty_label.text() == ANY_ORDER
    show_result(view, compute(table, definition("view")))
    assert view.empty_label.text() == ONE_STEP
    show_result(view, shop_result(tmp_path))
    assert not view.showing_empty_state
    show_result(view, None)
    assert view.showing_empty_state
    assert view.markers == {}


def test_exports(view: TimeView, tmp_path: Path) -> None:
    show_result(view, shop_result(tmp_path))
    png, svg, csv = tmp_path / "t.png", tmp_path / "t.svg", tmp_path / "t.csv"
    view.export_png(png, 800, 500)
    assert png.read_bytes()[:8] == PNG_MAGIC
    view.export_csv(csv)
    histogram = pd.read_csv(csv)
    assert histogram["count"].tolist() == [0, 0, 0, 0, 1, 0, 0, 1]
    assert histogram["bin_end_s"].tolist()[-1] == 3600
    view.export_csv(csv, "timings")
    timings = pd.read_csv(csv)
    assert timings["from_start_median_s"].tolist()[-1] == pytest.approx(960)
    view.export_svg(svg)
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_demo_screenshot(view: TimeView, tmp_path: Path) -> None:
    result: FunnelResult = demo_checkout_result()
    show_result(view, result)
    assert result.time_to_convert_histogram is not None
    assert view.bars is not None
    assert heights(view.bars) == result.time_to_convert_histogram.counts
    view.export_png(tmp_path / "time.png", 1100, 520)
    assert (tmp_path / "time.png").read_bytes()[:8] == PNG_MAGIC


def test_marker_words_stay_apart_at_the_size_the_app_gives(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = TimeView()
    qtbot.addWidget(view)
    # The median (16 min) and p90 (27.2 min) fall in the same bin: their words would sit on
    # top of each other unless they get a row each.
    show_in_app_size(qtbot, view, shop_result(tmp_path))
    labels = [marker.label for marker in view.markers.values()]
    rects = [(i, label.sceneBoundingRect()) for i, label in enumerate(labels)]
    assert overlaps(rects) == []
    assert outside(view_box_rect(view.plot), labels) == []
    # Above the highest bar: the words never cover a bar.
    assert view.bars is not None
    top = max(heights(view.bars))
    bar_top = view.plot.plotItem.vb.mapViewToScene(QRectF(0, top, 1, 0).topLeft()).y()
    assert all(label.sceneBoundingRect().bottom() <= bar_top for label in labels)
    assert_table_keeps_two_rows(view.timing_table)


def test_bin_edge_labels_stay_apart_at_the_size_the_app_gives(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = TimeView()
    qtbot.addWidget(view)
    result = demo_checkout_result()
    show_in_app_size(qtbot, view, result)
    axis = view.plot.getAxis("bottom")
    shown = [(x, text) for x, text in axis._tickLevels[0] if text]
    assert shown[0] == (0, "0 s")
    metrics = QFontMetrics(view.plot.font())
    vb = view.plot.plotItem.vb
    rects = []
    for x, text in shown:
        centre = vb.mapViewToScene(QRectF(x, 0, 0, 0).topLeft()).x()
        width = metrics.horizontalAdvance(text)
        rects.append((text, QRectF(centre - width / 2, 0, width, 10)))
    assert overlaps(rects) == []
    # The unlabelled edges keep a bare tick; all edges are there.
    assert result.time_to_convert_histogram is not None
    edges = len(result.time_to_convert_histogram.edges_s)
    assert len(axis._tickLevels[0]) + len(axis._tickLevels[1]) == edges
