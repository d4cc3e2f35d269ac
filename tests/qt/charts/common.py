"""What the chart tests share: the PNG signature and the demo's checkout funnel result."""

from __future__ import annotations

import functools
from typing import Any

from funnel_gui import load_events
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.resources import demo_data_path, resources_dir

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@functools.cache
def demo_checkout_result() -> FunnelResult:
    """The demo shop's data with its checkout funnel (broken down by device)."""
    table = load_events(demo_data_path())
    return compute(table, load_funnel(resources_dir() / "demo" / "checkout.funnel.json").definition)


def show_result(view: ChartView[Any, Any], result: FunnelResult | None) -> None:
    """Give `view` a result with its data computed here, as the analysis task does."""
    view.set_result(result, view.view_job()(result) if result is not None else None)
