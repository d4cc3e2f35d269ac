"""A step's line in the trend chart: solid across the periods whose window has closed,
dashed with hollow points into and across those still open; and each step's look."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from funnel_gui.qt.theme import MACRO_HEX, MICRO_HEX

# The lightest shade of the micro blue, for the earliest micro step: still readable on white.
_LIGHT_MICRO_HEX = "#7fb2f0"
_MICRO_SYMBOLS = ("s", "t", "d", "h", "p", "t1", "star")


@dataclass
class TrendLine:
    """The drawn line of one step: every point, and the items that draw it."""

    step: int  # 1-based; conversion from step 1 to this step
    label: str
    x: np.ndarray  # period starts, seconds since the epoch (UTC)
    y: np.ndarray  # conversion from step 1, percent
    solid: pg.PlotDataItem  # the complete periods
    dashed: pg.PlotDataItem | None  # into and across the incomplete periods
    hollow: pg.ScatterPlotItem | None  # the incomplete periods' points

    def items(self) -> list[pg.GraphicsObject]:
        return [i for i in (self.solid, self.dashed, self.hollow) if i is not None]


def line_style(step: int, macro: int, micro_steps: list[int]) -> tuple[QColor, float, str]:
    """Colour, pen width and symbol of a step's line: the macro step bold in the macro
    colour, micro steps in shades of the micro blue, each with its own symbol."""
    if step == macro:
        return QColor(MACRO_HEX), 3.0, "o"
    i = micro_steps.index(step)
    return _micro_shade(i, len(micro_steps)), 2.0, _MICRO_SYMBOLS[i % len(_MICRO_SYMBOLS)]


def _micro_shade(index: int, count: int) -> QColor:
    """Earlier micro steps lighter, later ones closer to the micro blue."""
    light, dark = QColor(_LIGHT_MICRO_HEX), QColor(MICRO_HEX)
    t = 1.0 if count <= 1 else index / (count - 1)
    return QColor(
        round(light.red() + (dark.red() - light.red()) * t),
        round(light.green() + (dark.green() - light.green()) * t),
        round(light.blue() + (dark.blue() - light.blue()) * t),
    )


def draw_trend_line(
    plot: pg.PlotWidget,
    step: int,
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    style: tuple[QColor, float, str],
    first_open: int,
) -> TrendLine:
    """Draw the line through (x, y); points from `first_open` on are in open periods."""
    colour, width, symbol = style
    background = plot.backgroundBrush().color()
    solid = pg.PlotDataItem(
        x[:first_open],
        y[:first_open],
        pen=pg.mkPen(colour, width=width),
        symbol=symbol,
        symbolSize=7,
        symbolBrush=colour,
        symbolPen=pg.mkPen(colour),
    )
    solid.setZValue(2)
    plot.addItem(solid)
    dashed = hollow = None
    if first_open < len(x):
        # The segment leading into the first incomplete point is dashed too: the
        # change it shows is not final.
        lead = max(first_open - 1, 0)
        dashed = pg.PlotDataItem(
            x[lead:],
            y[lead:],
            pen=pg.mkPen(colour, width=width, style=Qt.PenStyle.DashLine),
        )
        hollow = pg.ScatterPlotItem(
            x[first_open:],
            y[first_open:],
            symbol=symbol,
            size=8,
            brush=pg.mkBrush(background),
            pen=pg.mkPen(colour, width=1.5),
        )
        for item in (dashed, hollow):
            item.setZValue(2)
            plot.addItem(item)
    return TrendLine(step, label, x, y, solid, dashed, hollow)
