"""The analysis views, in tab order. Their names are what `--view NAME` accepts."""

from __future__ import annotations

from typing import Any

from funnel_gui.qt.charts.base import ChartView
from funnel_gui.views import VIEW_NAMES


def make_views() -> list[ChartView[Any, Any]]:
    from funnel_gui.qt.charts.drivers_view import DriversView
    from funnel_gui.qt.charts.funnel_chart import FunnelView
    from funnel_gui.qt.charts.micro_macro_chart import MicroMacroView
    from funnel_gui.qt.charts.paths_view import PathsView
    from funnel_gui.qt.charts.segments_chart import SegmentsView
    from funnel_gui.qt.charts.time_chart import TimeView
    from funnel_gui.qt.charts.trend_chart import TrendView

    views: list[ChartView[Any, Any]] = [
        FunnelView(),
        MicroMacroView(),
        TimeView(),
        TrendView(),
        SegmentsView(),
        DriversView(),
        PathsView(),
    ]
    assert tuple(v.name for v in views) == VIEW_NAMES, "funnel_gui.views lists every view"
    return views
