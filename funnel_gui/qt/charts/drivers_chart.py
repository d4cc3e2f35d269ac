"""DriversChart: the ranked candidates of Drivers (§12), one row each, best first.

Per row the adjusted difference in macro rate (filled dot) with its 95% interval over the
raw one (hollow diamond); a solid line at zero and a dashed one at the engagement
baseline ("any activity"), so a lift no bigger than mere activity reads as such. Rows
"too few to judge" are grey. Labels are the left axis's ticks: one line per row, the axis
as wide as the longest, rows LINE_PX apart (the plot grows and scrolls, never squeezes).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from funnel_gui.core.analysis.drivers_result import Candidate, Comparison, DriversResult
from funnel_gui.qt.charts.base import muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.drivers_words import (
    ADJUSTED_HEX,
    RAW_HEX,
    TOO_FEW_HEX,
    candidate_hover_text,
    legend_html,
)
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    ChartScroller,
    NoteLabel,
    compact_chrome,
    rows_min_height,
    rows_y_range,
    shortened,
)
from funnel_gui.qt.charts.parts import background_colour, hover_tooltip

TOP_ROWS = 15  # shown at first; "Show all" lists every candidate
LABEL_CHARS = 30
_OFFSET = 0.18  # adjusted just above, raw just below the row's centre
_DOT_SIZE = 9
_AXIS_MARGIN_PX = 14


class PointsAxis(pg.AxisItem):  # type: ignore[misc]
    """Differences of rates (fractions) read as percentage points: "+5", "0", "-2"."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        digits = 0 if spacing * 100 >= 1 else 1
        return ["0" if abs(v) < 1e-12 else f"{v * 100:+.{digits}f}" for v in values]


class DriversChart(QWidget):
    # The row (0 = the best candidate) a person clicked.
    sig_row_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = ChartPlot(axisItems={"bottom": PointsAxis("bottom")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.invertY(True)
        self.plot.setLabel("bottom", "difference in macro rate (percentage points) · 95% interval")
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        self.scroller = ChartScroller(self.plot)
        # The key is a label above the plot, not its title: a title is as wide as its text
        # and would widen the plot past its pane.
        self.key = NoteLabel()
        self.key.setObjectName("driversKey")
        # Beside the key, so it never covers a row.
        self.more_button = QPushButton()
        self.more_button.setObjectName("driversShowMore")
        self.more_button.clicked.connect(self._toggle_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        key_row = QHBoxLayout()
        key_row.setContentsMargins(0, 0, 0, 0)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.more_button)
        layout.addLayout(key_row)
        layout.addWidget(self.scroller, 1)
        self.result: DriversResult | None = None
        self.rows: list[Candidate] = []
        self.show_all = False
        self.selected = -1
        self.baseline_line: pg.InfiniteLine | None = None
        self.plot.sig_resized.connect(self._fit)

    # ------------------------------------------------------------------ content

    def set_result(self, result: DriversResult | None) -> None:
        self.result = result
        self._draw()

    def select_row(self, row: int) -> None:
        """Highlight row `row` (-1: none); a row past the shown ones shows them all."""
        if row >= len(self.rows) and self.result is not None and not self.show_all:
            self.show_all = True
            self._draw()
        self.selected = row
        self._draw_selection()

    def _toggle_all(self) -> None:
        self.show_all = not self.show_all
        self._draw()

    def _draw(self) -> None:
        self.plot.clear()
        result = self.result
        candidates = result.candidates if result is not None else []
        limit = len(candidates) if self.show_all else TOP_ROWS
        self.rows = list(candidates[:limit])
        self._set_more_button(len(candidates))
        self._selection_band: pg.LinearRegionItem | None = None
        if result is None or not self.rows:
            self.key.setText("")
            self.plot.getAxis("left").setTicks([[]])
            return
        self.key.setText(legend_html(result))
        self._draw_bands()
        self._draw_references(result)
        adjusted = [(i, c.adjusted) for i, c in enumerate(self.rows) if c.adjusted is not None]
        raw = [(i, c.raw) for i, c in enumerate(self.rows)]
        self._draw_series(raw, +_OFFSET, RAW_HEX, "d", hollow=True)
        self._draw_series(adjusted, -_OFFSET, ADJUSTED_HEX, "o", hollow=False)
        self._set_labels()
        self._draw_selection()
        self.plot.setMinimumHeight(rows_min_height(self.plot, len(self.rows)))
        self.scroller.fit_minimum()
        self._fit()

    def _set_more_button(self, total: int) -> None:
        self.more_button.setVisible(total > TOP_ROWS)
        shown = f"Top {TOP_ROWS} only" if self.show_all else f"Show all {total:,}"
        self.more_button.setText(shown)

    def _set_labels(self) -> None:
        axis = self.plot.getAxis("left")
        labels = [shortened(c.label, LABEL_CHARS) for c in self.rows]
        axis.setTicks([[(float(i), text) for i, text in enumerate(labels)]])
        font = axis.style.get("tickFont") or self.plot.font()
        metrics = QFontMetrics(font)
        widest = max(metrics.horizontalAdvance(text) for text in labels)
        axis.setWidth(widest + _AXIS_MARGIN_PX)

    def _draw_bands(self) -> None:
        """A grey band behind each "too few to judge" row."""
        grey = QColor(TOO_FEW_HEX)
        grey.setAlpha(50)
        for i, c in enumerate(self.rows):
            if c.too_few:
                band = pg.LinearRegionItem(
                    (i - 0.5, i + 0.5),
                    orientation="horizontal",
                    movable=False,
                    brush=pg.mkBrush(grey),
                    pen=pg.mkPen(None),
                )
                band.setZValue(-20)
                self.plot.addItem(band)

    def _draw_references(self, result: DriversResult) -> None:
        zero = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(muted_colour(), width=1))
        self.plot.addItem(zero)
        base = result.baseline.shown_difference.diff
        self.baseline_line = None
        if not math.isnan(base):
            self.baseline_line = pg.InfiniteLine(
                base, angle=90, pen=pg.mkPen(text_colour(), style=Qt.PenStyle.DashLine)
            )
            self.plot.addItem(self.baseline_line)

    def _draw_series(
        self,
        series: list[tuple[int, Comparison]],
        offset: float,
        hex_colour: str,
        symbol: str,
        *,
        hollow: bool,
    ) -> None:
        shown = [(i, c) for i, c in series if not math.isnan(c.diff)]
        if not shown:
            return
        xs = np.array([c.diff for _, c in shown], dtype=float)
        ys = np.array([i + offset for i, _ in shown], dtype=float)
        lows = np.array([c.ci[0] for _, c in shown], dtype=float)
        highs = np.array([c.ci[1] for _, c in shown], dtype=float)
        colours = [QColor(TOO_FEW_HEX if self.rows[i].too_few else hex_colour) for i, _ in shown]
        for colour_hex in {c.name() for c in colours}:
            pick = np.array([c.name() == colour_hex for c in colours])
            whiskers = pg.ErrorBarItem(
                x=xs[pick],
                y=ys[pick],
                left=np.nan_to_num(xs[pick] - lows[pick]),
                right=np.nan_to_num(highs[pick] - xs[pick]),
                beam=0.12,
                pen=pg.mkPen(QColor(colour_hex), width=2),
            )
            self.plot.addItem(whiskers)
        base = background_colour()
        points = pg.ScatterPlotItem(
            x=xs,
            y=ys,
            size=_DOT_SIZE,
            symbol=symbol,
            useCache=False,  # cached pixmaps come out garbled in SVG exports
            pen=[pg.mkPen(c, width=2) for c in colours],
            brush=[pg.mkBrush(base if hollow else c) for c in colours],
        )
        points.setZValue(5)
        self.plot.addItem(points)

    def _draw_selection(self) -> None:
        band = getattr(self, "_selection_band", None)
        if band is not None:
            self.plot.removeItem(band)
            self._selection_band = None
        if not 0 <= self.selected < len(self.rows):
            return
        colour = QColor(ADJUSTED_HEX)
        colour.setAlpha(40)
        i = self.selected
        band = pg.LinearRegionItem(
            (i - 0.5, i + 0.5),
            orientation="horizontal",
            movable=False,
            brush=pg.mkBrush(colour),
            pen=pg.mkPen(None),
        )
        band.setZValue(-10)
        self.plot.addItem(band)
        self._selection_band = band

    # ------------------------------------------------------------------ fitting

    def x_range(self) -> tuple[float, float]:
        """Every interval shown, zero and the baseline, with a little air."""
        values = [0.0]
        for c in self.rows:
            for comparison in (c.raw, c.adjusted):
                if comparison is not None:
                    values += [v for v in (*comparison.ci, comparison.diff) if math.isfinite(v)]
        if self.baseline_line is not None:
            values.append(float(self.baseline_line.value()))
        low, high = min(values), max(values)
        pad = max(high - low, 0.01) * 0.05
        return low - pad, high + pad

    def _fit(self) -> None:
        if not self.rows:
            return
        self.plot.setXRange(*self.x_range(), padding=0)
        height = self.plot.plotItem.vb.height()
        self.plot.setYRange(*rows_y_range(-0.5, len(self.rows), height), padding=0)

    # ------------------------------------------------------------------ mouse

    def row_at(self, y: float) -> int:
        row = math.floor(y + 0.5)
        return row if 0 <= row < len(self.rows) else -1

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        def tooltip_at(_x: float, y: float) -> str:
            row = self.row_at(y)
            return candidate_hover_text(self.rows[row]) if row >= 0 else ""

        hover_tooltip(self.plot, scene_pos, tooltip_at)

    def _on_clicked(self, event: object) -> None:
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        view = self.plot.plotItem.vb
        if not view.sceneBoundingRect().contains(scene_pos):
            return
        row = self.row_at(view.mapSceneToView(scene_pos).y())
        if row >= 0:
            self.sig_row_clicked.emit(row)
