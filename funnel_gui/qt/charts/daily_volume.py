"""DailyVolumeChart: events per UTC day of the loaded data, so gaps in an export stand out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

import funnel_gui.qt.charts  # noqa: F401  (selects the Qt binding before pyqtgraph loads)
from funnel_gui.qt.charts.base import style_plot

_DAY_S = 86_400


class DailyVolumeChart(pg.PlotWidget):  # type: ignore[misc]
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        style_plot(self)
        self.setLabel("left", "events per day")
        self.showGrid(x=False, y=True, alpha=0.15)
        self._bars: pg.BarGraphItem | None = None
        self.heights: np.ndarray = np.zeros(0)
        self.setMinimumHeight(160)

    def set_volume(self, volume: pd.DataFrame) -> None:
        """One bar per day: `volume` has `day` (UTC midnight) and `events` (see core)."""
        if self._bars is not None:
            self.removeItem(self._bars)
            self._bars = None
        self.heights = volume["events"].to_numpy(dtype=float)
        if not len(volume):
            return
        days = volume["day"].astype("int64").to_numpy() // 1_000_000_000
        colour = QColor(QApplication.palette().color(QPalette.ColorRole.Highlight))
        colour.setAlpha(200)
        self._bars = pg.BarGraphItem(
            x=days + _DAY_S / 2,
            height=self.heights,
            width=_DAY_S * 0.8,
            brush=colour,
            pen=pg.mkPen(None),
        )
        self.addItem(self._bars)
        self.setXRange(days[0], days[-1] + _DAY_S, padding=0.01)
        self.setYRange(0, max(1.0, float(self.heights.max())) * 1.08, padding=0)
        empty = int((self.heights == 0).sum())
        note = f" · {empty} day(s) without any events" if empty else ""
        self.setTitle(
            f"Events per day (UTC){note}",
            color=QApplication.palette().color(QPalette.ColorRole.Text),
            size="10pt",
        )
