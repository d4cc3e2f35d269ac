"""TrendView (§8): lines of conversion from step 1 per period, incomplete periods dashed.

Fixture (minutes after Monday 2026-03-02 00:00 UTC, window 60 minutes), counted by hand:

    Mon 03-02: a view→cart→buy, b view→cart, c view, d view    4 entered, 2 cart, 1 buy
    Tue 03-03: e view→cart→buy, f view                         2 entered, 1 cart, 1 buy
    Tue 03-10: g view→cart, h view→cart→buy, i view            3 entered, 2 cart, 1 buy

The data ends at 03-10 01:40, so only 03-10 is incomplete (its last instant + 60 min is
later). By week: 03-02 has 6 entered, 3 cart, 2 buy; 03-09 has 3, 2, 1 and is incomplete.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from funnel_gui.core.analysis.trends import trend
from funnel_gui.core.arrays import NAT
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io import load_events
from funnel_gui.qt.charts.trend_chart import (
    INCOMPLETE_TEXT,
    NO_ENTRIES_TEXT,
    ONE_STEP_TEXT,
    TrendView,
)
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.theme import MACRO_HEX
from tests.core.engine_fixtures import definition, make_table
from tests.demo_generator import DEMO_DIR, DEMO_FILE_NAME
from tests.qt.charts.common import show_result
from tests.qt.charts.legibility import (
    assert_table_keeps_two_rows,
    outside,
    overlaps,
    show_in_app_size,
)

DAY = 24 * 60
ROWS = [
    ("a", "view", 0),
    ("a", "cart", 5),
    ("a", "buy", 10),
    ("b", "view", 30),
    ("b", "cart", 40),
    ("c", "view", 60),
    ("d", "view", 120),
    ("e", "view", DAY),
    ("e", "cart", DAY + 1),
    ("e", "buy", DAY + 2),
    ("f", "view", DAY + 10),
    ("g", "view", 8 * DAY),
    ("g", "cart", 8 * DAY + 1),
    ("h", "view", 8 * DAY + 5),
    ("h", "cart", 8 * DAY + 6),
    ("h", "buy", 8 * DAY + 7),
    ("i", "view", 8 * DAY + 100),
]


def seconds(day: str) -> float:
    return pd.Timestamp(day, tz="UTC").value / 1e9


@pytest.fixture
def result(tmp_path: Path) -> FunnelResult:
    return compute(make_table(ROWS, tmp_path), definition("view", "cart", "buy"))


@pytest.fixture
def view(qtbot, result: FunnelResult) -> TrendView:  # type: ignore[no-untyped-def]
    chart = TrendView()
    qtbot.addWidget(chart)
    chart.resize(900, 520)
    show_result(chart, result)
    chart.ensure_drawn()
    return chart


def choose_period(view: TrendView, period: str) -> None:
    view.period_combo.setCurrentIndex(view.period_combo.findData(period))
    view.ensure_drawn()


def test_lines_are_the_hand_counted_rates(view: TrendView) -> None:
    assert not view.showing_empty_state
    assert view.period == "day"
    assert view.period_combo.itemText(0) == "Auto (day)"
    assert sorted(view.lines) == [2, 3]
    days = [seconds("2026-03-02"), seconds("2026-03-03"), seconds("2026-03-10")]
    cart, buy = view.lines[2], view.lines[3]
    assert cart.x.tolist() == days
    assert cart.y == pytest.approx([50.0, 50.0, 200 / 3])
    assert buy.y == pytest.approx([25.0, 50.0, 100 / 3])
    assert (cart.label, buy.label) == ("cart", "buy")


def test_incomplete_periods_are_dashed_and_hollow(view: TrendView) -> None:
    buy = view.lines[3]
    x, y = buy.solid.getData()
    assert y.tolist() == pytest.approx([25.0, 50.0])  # the two complete days
    assert buy.solid.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert buy.dashed is not None
    assert buy.hollow is not None
    x, y = buy.dashed.getData()
    # From the last complete day into the incomplete one.
    assert x.tolist() == [seconds("2026-03-03"), seconds("2026-03-10")]
    assert y.tolist() == pytest.approx([50.0, 100 / 3])
    assert buy.dashed.opts["pen"].style() == Qt.PenStyle.DashLine
    hx, hy = buy.hollow.getData()
    assert hx.tolist() == [seconds("2026-03-10")]
    assert hy.tolist() == pytest.approx([100 / 3])
    background = view.plot.backgroundBrush().color()
    assert buy.hollow.opts["brush"].color() == background
    assert INCOMPLETE_TEXT in [label.text for _, label in view.legend.items]


def test_macro_line_in_the_macro_colour(view: TrendView) -> None:
    assert view.lines[3].solid.opts["pen"].color() == QColor(MACRO_HEX)
    assert view.lines[2].solid.opts["pen"].color() != QColor(MACRO_HEX)


def test_switching_to_weeks_redraws(view: TrendView) -> None:
    choose_period(view, "week")
    assert view.period == "week"
    weeks = [seconds("2026-03-02"), seconds("2026-03-09")]
    assert view.lines[3].x.tolist() == weeks
    assert view.lines[3].y == pytest.approx([100 * 2 / 6, 100 / 3])
    assert view.lines[2].y == pytest.approx([100 * 3 / 6, 100 * 2 / 3])
    assert [p.incomplete for p in view.points] == [False, True]
    assert view.table_model.rowCount() == 2
    assert view.period_label(0).startswith("Week of 2 Mar 2026")
    choose_period(view, "auto")
    assert view.period == "day"
    assert len(view.lines[3].x) == 3


def test_volume_bars_are_the_people_who_entered(view: TrendView) -> None:
    assert view.bars is not None
    heights = np.asarray(view.bars.opts["height"]) * view.people_per_y
    assert heights.tolist() == pytest.approx([4, 2, 3])


def test_table_and_csv_hold_the_counts(view: TrendView, tmp_path: Path) -> None:
    frame = view.tables()["trend"]
    assert frame["entered"].tolist() == [4, 2, 3]
    assert frame["2. cart"].tolist() == [2, 1, 2]
    assert frame["3. buy"].tolist() == [1, 1, 1]
    assert frame["2. cart rate"].tolist() == pytest.approx([0.5, 0.5, 2 / 3])
    assert frame["conversion"].tolist() == pytest.approx([0.25, 0.5, 1 / 3])
    assert frame["incomplete"].tolist() == [False, False, True]
    model = view.table_model
    assert model.rowCount() == 3
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [
        "Period",
        "Entered",
        "2. cart",
        "3. buy",
        "Conversion to buy",
        "Incomplete",
    ]
    assert model.index(0, 0).data() == "Mon 2 Mar 2026"
    assert model.index(0, 4).data() == "25.0%"
    assert model.index(0, 1).data(VALUE_ROLE) == 4
    assert model.index(2, 5).data() == "window still open"
    path = tmp_path / "trend.csv"
    view.export_csv(path)
    again = pd.read_csv(path)
    assert again["entered"].tolist() == [4, 2, 3]
    assert again["period_start"].tolist()[0].startswith("2026-03-02")


def test_hover_tells_the_numbers(view: TrendView) -> None:
    text = view.hover_text(0)
    assert "Mon 2 Mar 2026" in text
    assert "Entered: 4" in text
    assert "cart: 2 · 50.0% from step 1" in text
    assert "buy: 1 · 25.0% from step 1" in text
    assert "Incomplete" not in text
    assert "Incomplete" in view.hover_text(2)
    assert view.index_at(seconds("2026-03-03") + 3600) == 1
    assert view.index_at(seconds("2026-03-06")) is None  # between periods, nothing
    # The pointer really sets it, through the scene's mouse-move signal.
    box = view.plot.plotItem.vb
    view._on_mouse_moved(box.mapViewToScene(QPointF(seconds("2026-03-10") + 600, 10)))
    assert "Entered: 3" in box.toolTip()
    assert view.hover_line.isVisible()
    assert view.hover_line.value() == seconds("2026-03-10")


def test_no_dashes_when_every_window_has_closed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [*ROWS, ("z", "page", 30 * DAY)]  # the data runs on long after the last entry
    result = compute(make_table(rows, tmp_path), definition("view", "cart", "buy"))
    chart = TrendView()
    qtbot.addWidget(chart)
    show_result(chart, result)
    chart.ensure_drawn()
    assert all(line.dashed is None and line.hollow is None for line in chart.lines.values())
    assert INCOMPLETE_TEXT not in [label.text for _, label in chart.legend.items]


def test_macro_step_that_is_not_the_last(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    defn = definition("view", "cart", "buy")
    steps = (
        defn.steps[0],
        replace(defn.steps[1], kind="macro"),
        replace(defn.steps[2], kind="micro"),
    )
    result = compute(make_table(ROWS, tmp_path), replace(defn, steps=steps))
    chart = TrendView()
    qtbot.addWidget(chart)
    show_result(chart, result)
    chart.ensure_drawn()
    assert chart.lines[2].solid.opts["pen"].color() == QColor(MACRO_HEX)
    assert chart.tables()["trend"]["conversion"].tolist() == pytest.approx([0.5, 0.5, 2 / 3])


def test_empty_states(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = make_table(ROWS, tmp_path)
    chart = TrendView()
    qtbot.addWidget(chart)
    show_result(chart, compute(table, definition("view")))
    chart.ensure_drawn()
    assert chart.showing_empty_state
    assert chart.empty_label.text() == ONE_STEP_TEXT
    show_result(chart, compute(table, definition("checkout", "buy")))
    chart.ensure_drawn()
    assert chart.empty_label.text() == NO_ENTRIES_TEXT
    assert chart.tables() == {}
    assert not chart.export_buttons["png"].isEnabled()


def test_png_export(view: TrendView, tmp_path: Path) -> None:
    png = tmp_path / "trend.png"
    view.export_png(png, 800, 400)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_export(view: TrendView, tmp_path: Path) -> None:
    svg = tmp_path / "trend.svg"
    view.export_svg(svg)
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_trend_counts_match_a_plain_loop(tmp_path: Path) -> None:
    """insights.trend is vectorised; group the same units with plain Python dates."""
    rng = np.random.default_rng(7)
    rows = []
    for n in range(120):
        start = int(rng.integers(0, 75 * DAY))  # across three months and many weeks
        rows.append((f"u{n}", "view", start))
        if rng.random() < 0.6:
            rows.append((f"u{n}", "cart", start + int(rng.integers(1, 50))))
            if rng.random() < 0.5:
                rows.append((f"u{n}", "buy", start + 55))
    result = compute(make_table(rows, tmp_path), definition("view", "cart", "buy"))
    units = result.units
    entries = [
        (dt.datetime.fromtimestamp(t // 10**9, dt.UTC), int(f))
        for t, f, x in zip(units.step_time[:, 0], units.furthest, units.excluded, strict=True)
        if t != NAT and not x
    ]
    starts = {
        "day": lambda d: d.date(),
        "week": lambda d: d.date() - dt.timedelta(days=d.weekday()),
        "month": lambda d: d.date().replace(day=1),
    }
    for period, start_of in starts.items():
        expected: dict[dt.date, Counter[int]] = {}
        for when, furthest in entries:
            counter = expected.setdefault(start_of(when), Counter())
            for k in range(1, furthest + 1):
                counter[k] += 1
        got = trend(result, period)  # type: ignore[arg-type]
        assert [p.start.date() for p in got] == sorted(expected)
        assert [p.counts for p in got] == [
            [expected[day][k] for k in (1, 2, 3)] for day in sorted(expected)
        ]


def test_demo_screenshot(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = load_events(DEMO_DIR / DEMO_FILE_NAME)
    result = compute(table, load_funnel(DEMO_DIR / "checkout.funnel.json").definition)
    chart = TrendView()
    qtbot.addWidget(chart)
    chart.resize(1100, 520)
    show_result(chart, result)
    chart.ensure_drawn()
    assert chart.period == "day"  # 43 days of data
    assert sum(p.counts[0] for p in chart.points) == result.steps[0].count
    path = tmp_path / "trend.png"
    chart.export_png(path, 1100, 520)
    assert path.stat().st_size > 10_000


def test_legend_fits_the_width_the_app_gives(qtbot) -> None:  # type: ignore[no-untyped-def]
    table = load_events(DEMO_DIR / DEMO_FILE_NAME)
    result = compute(table, load_funnel(DEMO_DIR / "checkout.funnel.json").definition)
    chart = TrendView()
    qtbot.addWidget(chart)
    show_in_app_size(qtbot, chart, result)
    names = [label.text for _, label in chart.legend.items]
    assert names == ["Add to cart", "Checkout", "Purchase", INCOMPLETE_TEXT, "people entered"]
    # The legend wraps instead of pushing the chart (and its right axis) out of the view.
    assert chart.plot.plotItem.width() <= chart.plot.width()
    labels = [label for _, label in chart.legend.items]
    assert outside(chart.plot.sceneRect(), labels) == []
    rects = [(label.text, label.sceneBoundingRect()) for label in labels]
    assert overlaps(rects) == []
    right = chart.plot.getAxis("right")
    assert chart.plot.sceneRect().contains(right.sceneBoundingRect())
    # Too short for the long axis titles: the short ones, which fit along the axes.
    assert chart.plot.getAxis("left").labelText == "conversion (%)"
    assert_table_keeps_two_rows(chart.table_view)
