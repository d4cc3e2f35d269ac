"""The funnel split by a breakdown, in percent mode: each group's conversion from step 1,
so later steps are readable; the axis and the tooltips say %."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnel_gui.core.analysis.chart_data import Segment
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.charts.funnel_grouped import PERCENT_AXIS_LABEL, segment_heights
from tests.core.test_chart_data import shop_result
from tests.qt.charts.common import show_result
from tests.qt.charts.test_funnel_chart import heights, text_of, view, xs  # noqa: F401


def test_segment_heights_are_conversion_from_step_one() -> None:
    assert segment_heights(Segment("a", (4, 2, 1)), percent=True) == [1.0, 0.5, 0.25]
    assert segment_heights(Segment("a", (4, 2, 1)), percent=False) == [4.0, 2.0, 1.0]
    assert segment_heights(Segment("none", (0, 0)), percent=True) == [0.0, 0.0]  # no rate


def test_percent_mode_draws_each_groups_conversion(view: FunnelView, tmp_path: Path) -> None:  # noqa: F811
    show_result(view, shop_result(tmp_path, breakdown="device"))
    assert view.percent_box.isVisibleTo(view)
    assert not view.axis.percent
    # Counts by group (desktop, mobile, tablet): 3,2,2 / 3,1,0 / 1,1,0 (hand count in
    # tests/core/test_chart_data.py); as shares of each group's step 1:
    view.percent_box.setChecked(True)
    expected = [[1.0, 2 / 3, 2 / 3], [1.0, 1 / 3, 0.0], [1.0, 1.0, 0.0]]
    for bars, want in zip(view.segment_bars, expected, strict=True):
        assert heights(bars) == pytest.approx(want)
    assert view.axis.percent
    assert not view.conversion_box.isEnabled()  # every bar is from step 1 here
    assert view.plot.getAxis("left").labelText == PERCENT_AXIS_LABEL
    assert view.axis.tickStrings([0.0, 0.5, 1.0], 1.0, 0.5) == ["0%", "50%", "100%"]
    assert [text_of(t) for t in view.bar_labels[:3]] == ["100.0%", "66.7%", "66.7%"]
    tip = view.tooltip_at(xs(view.segment_bars[1])[1], 0.2)
    assert "33.3% of the group's step 1" in tip
    assert "1 person" in tip
    # Back to counts: the same bars as before.
    view.percent_box.setChecked(False)
    assert [heights(b) for b in view.segment_bars] == [[3, 2, 2], [3, 1, 0], [1, 1, 0]]
    assert view.plot.getAxis("left").labelText == "people"
    assert view.conversion_box.isEnabled()


def test_percent_is_offered_only_for_grouped_bars(view: FunnelView, tmp_path: Path) -> None:  # noqa: F811
    show_result(view, shop_result(tmp_path))
    assert not view.percent_box.isVisibleTo(view)
    show_result(view, shop_result(tmp_path, breakdown="device"))
    view.split_box.setChecked(False)
    assert not view.percent_box.isVisibleTo(view)
    assert not view.axis.percent
