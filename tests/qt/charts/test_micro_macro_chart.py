"""MicroMacroView (§9): dots at the macro rates, whiskers at the Wilson bounds, on-path
steps in a note under the chart, too-few rows in words, the side-by-side table, empty state,
exports, and rows that stay apart at the size the view gets in the app.

The "news" log: 100 people view; 40 of them sign up for the newsletter (12 of those buy),
60 do not (9 of those buy). Wilson bounds are recomputed here from the formula.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt

from funnel_gui.core.definition.model import MicroConversion
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.micro_macro_chart import (
    EMPTY_TEXT,
    ON_PATH_TEXT,
    TOO_FEW_TEXT,
    MicroMacroView,
)
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.theme import MICRO_HEX
from tests.core.engine_fixtures import definition, make_table
from tests.formulas import wilson
from tests.qt.charts.common import PNG_MAGIC, demo_checkout_result, show_result
from tests.qt.charts.legibility import (
    assert_table_keeps_two_rows,
    outside,
    overlaps,
    show_in_app_size,
    view_box_rect,
)


def news_result(tmp_path: Path) -> FunnelResult:
    rows: list[tuple[object, ...]] = []
    for i in range(100):
        user = f"u{i}"
        rows.append((user, "view", 0))
        signed_up = i < 40
        if signed_up:
            rows.append((user, "news", 1))
        if (signed_up and i < 12) or (not signed_up and i < 49):
            rows.append((user, "buy", 2))
    defn = definition("view", "buy")
    defn = replace(defn, micro_conversions=(MicroConversion(("news",), label="Newsletter"),))
    return compute(make_table(rows, tmp_path), defn)


def small_result(tmp_path: Path) -> FunnelResult:
    """Too few: 2 of 3 sign up (1 buys); the other one buys."""
    rows = [
        ("a", "view", 0),
        ("a", "news", 1),
        ("a", "buy", 2),
        ("b", "view", 0),
        ("b", "news", 1),
        ("c", "view", 0),
        ("c", "buy", 1),
    ]
    defn = definition("view", "buy")
    defn = replace(defn, micro_conversions=(MicroConversion(("news",), label="Newsletter"),))
    return compute(make_table(rows, tmp_path), defn)


@pytest.fixture
def view(qtbot) -> MicroMacroView:  # type: ignore[no-untyped-def]
    widget = MicroMacroView()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scatter_xy(item) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    x, y = item.getData()
    return [float(v) for v in x], [float(v) for v in y]


def whisker_ends(item) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    x = np.asarray(item.opts["x"], dtype=float)
    left = np.asarray(item.opts["left"], dtype=float)
    right = np.asarray(item.opts["right"], dtype=float)
    return list(zip((x - left).tolist(), (x + right).tolist(), strict=True))


def test_dots_at_the_rates_and_whiskers_at_the_wilson_bounds(
    view: MicroMacroView, tmp_path: Path
) -> None:
    show_result(view, news_result(tmp_path))
    assert not view.showing_empty_state
    assert view.did_points is not None
    assert view.did_not_points is not None
    did_x, _ = scatter_xy(view.did_points)
    did_not_x, _ = scatter_xy(view.did_not_points)
    assert did_x == pytest.approx([12 / 40])
    assert did_not_x == pytest.approx([9 / 60])
    assert whisker_ends(view.whiskers[True]) == [pytest.approx(wilson(12, 40))]
    assert whisker_ends(view.whiskers[False]) == [pytest.approx(wilson(9, 60))]
    # Everyone's rate, 21 of 100, is the dashed reference line.
    assert view.reference_rate == pytest.approx(0.21)
    # Words: the comparison's line, and its two rates next to the dots (did it first).
    header, rates = view.row_texts[0]
    assert header.startswith("Newsletter")
    assert "lift +15.0 pts (+100%)" in header
    assert TOO_FEW_TEXT not in header
    assert rates == "30.0% vs 15.0%"
    # The title is the key: the dots' colours and everyone's rate.
    title = view.plot.plotItem.titleLabel.text
    assert "did it" in title
    assert "did not" in title
    assert "everyone 21.0%" in title
    # Both dots on the comparison's second line, those who did it just above.
    did_y, did_not_y = view.drawn[0].y, view.drawn[1].y
    assert view.row_tops[0] + 1 < did_y < did_not_y < view.row_tops[1]


def test_filled_dots_in_the_theme_colours(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, news_result(tmp_path))
    assert view.did_points is not None
    spot = view.did_points.points()[0]
    assert spot.brush().color().name() == MICRO_HEX
    assert view.drawn[0].hollow is False


def test_on_path_step_says_so_in_a_note(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, news_result(tmp_path))
    # Step 1 ("view") is micro and on the path: no row of the plot, a note under it.
    assert [r.label for r in view.rows] == ["Newsletter"]
    assert [r.label for r in view.on_path_rows] == ["view"]
    assert view.on_path_note.isVisibleTo(view)
    assert view.on_path_note.text() == (
        "view is on the funnel's path: everyone who converts did it, so there is nothing to compare"
    )
    assert list(view.row_texts) == [0]
    assert all(g.row == 0 for g in view.drawn)
    # The table still lists it, and says why it has no comparison.
    model = view.proxy
    assert model.index(0, 0).data() == "view"
    assert ON_PATH_TEXT in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_only_on_path_steps_leave_just_the_note(view: MicroMacroView, tmp_path: Path) -> None:
    # view → cart → buy: view and cart are micro steps on the path; nothing to compare.
    rows = [("a", "view", 0), ("a", "cart", 1), ("a", "buy", 2), ("b", "view", 0)]
    show_result(view, compute(make_table(rows, tmp_path), definition("view", "cart", "buy")))
    assert not view.showing_empty_state
    assert view.rows == []
    assert view.on_path_note.text().startswith("view and cart are on the funnel's path")
    assert "did them" in view.on_path_note.text()
    assert not view.plot.isVisibleTo(view)
    assert not view.export_buttons["png"].isEnabled()
    assert view.export_buttons["csv"].isEnabled()
    assert view.proxy.rowCount() == 3


def test_too_few_is_marked(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, small_result(tmp_path))
    assert any(TOO_FEW_TEXT in t for t in view.row_texts[0])
    assert [g.hollow for g in view.drawn] == [True, True]
    assert TOO_FEW_TEXT in view.tooltip_for_row(0)
    did_x, _ = scatter_xy(view.did_points)
    assert did_x == pytest.approx([1 / 2])
    assert whisker_ends(view.whiskers[True]) == [pytest.approx(wilson(1, 2))]


def test_tooltip_and_hover_give_every_number(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, news_result(tmp_path))
    tip = view.tooltip_for_row(0)
    assert "did it: 12 of 40 converted (30.0%" in tip
    assert "did not: 9 of 60 converted (15.0%" in tip
    assert "odds ratio" in tip
    assert "median time from step 1 to it: 1 min" in tip
    # Hovering the comparison's band (its words or its dots) shows the same text.
    vb = view.plot.plotItem.vb
    scene_pos = vb.mapViewToScene(QPointF(0.2, 1.5))
    view._on_mouse_moved(scene_pos)
    assert view.plot.toolTip() == tip


def test_table_sets_micro_and_macro_side_by_side(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, news_result(tmp_path))
    model = view.proxy
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:5] == [
        "Conversion",
        "Type",
        "Reached",
        "From step 1",
        "Median time from step 1",
    ]
    column = {h: c for c, h in enumerate(headers)}

    def cell(row: int, header: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(row, column[header]), role)

    assert [cell(r, "Conversion") for r in range(3)] == ["view", "buy", "Newsletter"]
    assert [cell(r, "Reached") for r in range(3)] == ["100", "21", "40"]
    assert cell(2, "From step 1") == "40.0%"
    assert cell(2, "Macro rate if did") == "30.0%"
    assert cell(2, "Lift") == "+15.0 pts"
    assert cell(2, "Did (n)", VALUE_ROLE) == 40
    assert cell(2, "Median time from step 1") == "1 min"
    assert cell(0, "Macro rate if did") == "–"


def test_empty_state_without_micro_conversions(view: MicroMacroView, tmp_path: Path) -> None:
    defn = definition("view", "buy")
    defn = replace(defn, steps=tuple(replace(s, kind="macro") for s in defn.steps))
    show_result(view, compute(make_table([("a", "view", 0)], tmp_path), defn))
    assert view.showing_empty_state
    assert view.empty_label.text() == EMPTY_TEXT
    assert view.tables() == {}
    assert not view.export_buttons["png"].isEnabled()


def test_exports_are_valid_files(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, news_result(tmp_path))
    png, svg, csv = tmp_path / "c.png", tmp_path / "c.svg", tmp_path / "c.csv"
    view.export_png(png, 800, 400)
    assert png.read_bytes().startswith(PNG_MAGIC)
    view.export_csv(csv)
    frame = pd.read_csv(csv)
    news = frame[frame["conversion"] == "Newsletter"].iloc[0]
    assert (news["n_did"], news["macro_did"]) == (40, 12)
    assert news["rate_did_low"] == pytest.approx(wilson(12, 40)[0])
    view.export_svg(svg)
    assert ET.parse(svg).getroot().tag.endswith("svg")


def test_demo_screenshot(view: MicroMacroView, tmp_path: Path) -> None:
    show_result(view, demo_checkout_result())
    assert [r.label for r in view.rows if not r.on_path] == [
        "Newsletter sign-up",
        "Scrolled 90%",
        "CTA click",
    ]
    path = tmp_path / "micro-macro.png"
    view.export_png(path, 1100, 520)
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_rows_stay_apart_at_the_size_the_app_gives(qtbot, view: MicroMacroView) -> None:  # type: ignore[no-untyped-def]
    show_in_app_size(qtbot, view, demo_checkout_result())
    assert [r.label for r in view.rows] == ["Newsletter sign-up", "Scrolled 90%", "CTA click"]
    rects = [
        (row, text.sceneBoundingRect())
        for row, text in zip(view.text_rows, view.texts, strict=True)
    ]
    assert overlaps(rects) == []
    # Every word is inside the plot, none cut at an edge.
    assert outside(view_box_rect(view.plot), view.texts) == []
    # The on-path steps are in the note, which does not cover the chart, and the table
    # still shows its header and two rows.
    note = view.on_path_note.geometry()
    assert note.top() >= view.plot.geometry().bottom()
    assert_table_keeps_two_rows(view.table)
