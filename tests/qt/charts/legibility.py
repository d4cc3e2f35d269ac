"""Checks that a chart is legible at the size it really gets: in a 1440×900 window an
analysis view has about 690×330 px, its toolbar and table included."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QTableView

from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.qt.charts.fitting import table_min_height
from tests.qt.charts.common import show_result

APP_VIEW_SIZE = (690, 330)


def show_in_app_size(qtbot, view: ChartView, result: FunnelResult) -> None:  # type: ignore[no-untyped-def]
    """Show `view` at the size it gets in the app, draw `result`, and let the layout settle
    (the chart's minimum height changes with what it draws)."""
    view.resize(*APP_VIEW_SIZE)
    view.show()
    qtbot.waitExposed(view)
    show_result(view, result)
    plot = view.plot_widget()
    assert plot is not None
    # The splitter lays the new minimum height out on the next event loop turn.
    qtbot.waitUntil(lambda: plot.height() >= plot.minimumHeight())
    QApplication.processEvents()


def overlaps(rects: Sequence[tuple[object, QRectF]]) -> list[tuple[object, object]]:
    """Pairs of (key, rect) with different keys whose rectangles intersect (a shared edge
    is not an overlap)."""
    found = []
    for i, (key_a, a) in enumerate(rects):
        for key_b, b in rects[i + 1 :]:
            if (
                key_a != key_b
                and a.intersected(b).width() > 0.5
                and a.intersected(b).height() > 0.5
            ):
                found.append((key_a, key_b))
    return found


def scene_rect(item: pg.GraphicsObject) -> QRectF:
    return item.sceneBoundingRect()


def outside(container: QRectF, items: Iterable[pg.GraphicsObject]) -> list[str]:
    """The texts of items that stick out of `container` (by more than a pixel)."""
    grown = container.adjusted(-1, -1, 1, 1)
    return [_text(i) for i in items if not grown.contains(i.sceneBoundingRect())]


def view_box_rect(plot: pg.PlotWidget) -> QRectF:
    return plot.plotItem.vb.sceneBoundingRect()


def assert_table_keeps_two_rows(table: QTableView) -> None:
    assert table.height() >= table_min_height(table)


def _text(item: pg.GraphicsObject) -> str:
    text = getattr(item, "toPlainText", None)
    return str(text()) if text is not None else repr(item)
