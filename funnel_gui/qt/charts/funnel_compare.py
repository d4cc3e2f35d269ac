"""The funnel chart in compare mode (FUNNEL_SEMANTICS §19): per step two bars side by side,
A (what the funnel is compared with) and B (the funnel as it stands), each labelled with
its count and conversion from step 1; the banner above says what is compared, the mix/rate
split of a breakdown in words, and offers the way back.
"""

from __future__ import annotations

import html
import math
from typing import Any, Protocol

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.chart_data import Region
from funnel_gui.core.analysis.compare import Decomposition
from funnel_gui.core.analysis.compare_periods import ComparisonRun
from funnel_gui.core.analysis.unit_words import counted_text, unit_word
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import text_colour
from funnel_gui.qt.charts.fitting import set_title, table_min_height
from funnel_gui.qt.charts.parts import add_bars, legend_below, stacked_label
from funnel_gui.qt.models.compare_table import (
    CompareTableModel,
    comparison_frame,
    interval,
    p_text,
    points,
)
from funnel_gui.qt.text import format_percent

A_HEX = "#93c5fd"  # light blue: the earlier or other side
B_HEX = "#1d4ed8"  # the funnel's own blue: the side as it stands
PAIR_WIDTH = 0.38  # each of the two bars of a step
BANNER_STYLE = "QWidget#compareBanner { background: palette(alternate-base); border-radius: 4px; }"


def decomposition_text(d: Decomposition | None) -> str:
    """The Kitagawa split in words and numbers, or "" without a breakdown."""
    if d is None:
        return ""
    return (
        f"Overall {points(d.total)} = mix {points(d.mix)} (the groups' shares) + rate "
        f"{points(d.rate)} (their own conversion)."
    )


def pair_hover_text(run: ComparisonRun, step: int, side: str) -> str:
    """A bar of the pair: its side, count and conversion, and the step's difference."""
    change = run.comparison.steps[step - 1]
    own = change.a if side == "a" else change.b
    label = run.label_a if side == "a" else run.label_b
    lines = [
        f"{change.number}. {change.label}",
        f"{side.upper()}: {label}",
        counted_text(own.count, run.counted),
        f"from start: {format_percent(own.from_start)}",
    ]
    if step > 1:
        lines.append(
            f"B − A: {points(change.diff)} (95% {interval(change.ci)}), "
            f"p (Holm) {p_text(change.p_holm)}"
        )
    return "\n".join(lines)


class ComparePlot:
    """What a comparison draws into the funnel chart's plot, kept for hover and tests."""

    def __init__(self) -> None:
        self.bars: dict[str, pg.BarGraphItem] = {}  # "a", "b"
        self.labels: dict[tuple[str, int], pg.TextItem] = {}  # (side, step) -> label
        self.regions: list[Region] = []
        self.legend: pg.LegendItem | None = None

    def draw(self, plot: pg.PlotWidget, run: ComparisonRun) -> float:
        """Draw the pairs; the highest bar (for the y range)."""
        steps = run.comparison.steps
        xs = [float(s.number) for s in steps]
        half = PAIR_WIDTH / 2
        for side, offset, hex_colour in (("a", -half, A_HEX), ("b", half, B_HEX)):
            counts = [(s.a if side == "a" else s.b).count for s in steps]
            self.bars[side] = add_bars(
                plot, [x + offset for x in xs], counts, QColor(hex_colour), PAIR_WIDTH * 0.94
            )
            for s, x, count in zip(steps, xs, counts, strict=True):
                rate = (s.a if side == "a" else s.b).from_start
                text = f"{count:,}" if rate is None or s.number == 1 else format_percent(rate)
                self.labels[(side, s.number)] = stacked_label(
                    plot, text, x + offset, count, text_colour(), rows_up=1, size="8pt"
                )
                x0 = x + offset - half
                index = 0 if side == "a" else 1
                self.regions.append(Region(x0, x0 + PAIR_WIDTH, 0, count, s.number, side, index))
        self.legend = legend_below(
            plot,
            [
                (QColor(A_HEX), f"A: {html.escape(run.label_a)}"),
                (QColor(B_HEX), f"B: {html.escape(run.label_b)}"),
            ],
        )
        plot.setLabel("left", unit_word(run.counted))
        return float(max(max(s.a.count, s.b.count) for s in steps) or 1)


COMPARE_TEXT, STOP_TEXT = "Compare with…", "Stop comparing"
COMPARE_TIP = "Compare this funnel with the previous period, a chosen period or another export"


class CompareBanner(QWidget):
    """ "Comparing B: … with A: …" and the mix/rate split; and the one button that starts
    comparing ("Compare with…") or stops it ("Stop comparing"), placed by the window."""

    sig_requested = Signal()
    sig_stop = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.text = QLabel()
        self.text.setObjectName("compareText")
        self.text.setWordWrap(True)
        # Wraps to the width it is given rather than widening the window.
        self.text.setMinimumWidth(200)
        self.button = QPushButton(COMPARE_TEXT)
        self.button.setObjectName("compareWith")
        self.button.setToolTip(COMPARE_TIP)
        self.button.clicked.connect(self._on_button)
        self._shown = ""  # the last comparison's words
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.text, 1)
        self.hide()

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        # Shown while comparing (or telling why it cannot): the button then stops.
        self.button.setText(STOP_TEXT if visible else COMPARE_TEXT)
        self.button.setToolTip("Back to the funnel on its own" if visible else COMPARE_TIP)

    def _on_button(self) -> None:
        if not self.isHidden():  # shown in its tab, whichever tab is in front
            self.sig_stop.emit()
        else:
            self.sig_requested.emit()

    def show_busy(self, what: str) -> None:
        """Working: the last comparison's words stay, marked as being updated."""
        shown = self._shown
        self.text.setText(f"{shown} <i>(updating…)</i>" if shown else f"Comparing with {what}…")
        self.show()

    def show_run(self, run: ComparisonRun) -> None:
        steps, last = run.comparison.steps, run.comparison.steps[-1]
        # Short, so that the chart and the table keep their room at 1280×720: the
        # differences are in the table, the last step's one in the tooltip too.
        extra = decomposition_text(run.comparison.decomposition)
        for side, label, first in (("A", run.label_a, steps[0].a), ("B", run.label_b, steps[0].b)):
            if first.count == 0:
                extra = f"Nobody entered in {side} ({html.escape(label)}): no difference to show."
        last_step = ""
        if len(steps) > 1 and not math.isnan(last.diff):
            last_step = (
                f"To the last step: {format_percent(last.a.from_start)} in A, "
                f"{format_percent(last.b.from_start)} in B, {points(last.diff)} (95% "
                f"{interval(last.ci)}, p (Holm) {p_text(last.p_holm)}).\n"
            )
        self._shown = (
            f"<b>Comparing</b> B: {html.escape(run.label_b)} <b>with</b> "
            f"A: {html.escape(run.label_a)}"
            + (f" ({html.escape(run.what)})." if run.what else ".")
            + (f"<br>{extra}" if extra else "")
        )
        self.text.setText(self._shown)
        self.text.setToolTip(
            last_step
            + "B − A: the difference of the conversions from step 1, in percentage points, "
            "with its Newcombe 95% interval;\np-values are two-proportion tests, "
            "Holm-corrected across the steps."
            + (
                "\nMix and rate (Kitagawa) add up to the overall change: mix is what the "
                "change of the groups' sizes alone would do,\nrate what the change of their "
                "conversion alone would do."
                if run.comparison.decomposition is not None
                else ""
            )
        )
        self.show()

    def show_problem(self, message: str) -> None:
        self._shown = ""
        self.text.setText(f"Cannot compare: {html.escape(message)}")
        self.show()


class FunnelView(Protocol):
    """What compare mode uses of the funnel view (named here, not imported: the view
    imports this module)."""

    content: QVBoxLayout
    step_table: QTableView
    splitter: QSplitter
    split_box: QCheckBox
    conversion_box: QComboBox
    plot: pg.PlotWidget
    result: FunnelResult | None
    legend: pg.LegendItem | None
    regions: list[Region]
    bar_labels: list[pg.TextItem]
    _top: float
    _bar_slot: float
    _label_rows: int

    def refresh(self) -> None: ...
    def _set_step_ticks(self, width: int) -> None: ...
    def _fit(self) -> None: ...


class CompareMode(QObject):
    """The funnel view's compare mode: the "Compare with…" button, the banner, the step
    table's comparison model, and the pairs drawn in place of the funnel's bars."""

    sig_requested = Signal()  # "Compare with…" was clicked
    sig_stop = Signal()

    def __init__(self, view: Any) -> None:
        super().__init__(view)  # the view is a QWidget (a Protocol cannot say so)
        self.view: FunnelView = view
        self.banner = CompareBanner()
        self.banner.sig_stop.connect(self.sig_stop)
        self.banner.sig_requested.connect(self.sig_requested)
        self.button = self.banner.button
        view.content.insertWidget(0, self.banner)
        # The window places the button (the analysis header has room for it at 1280×720;
        # the chart's toolbar does not).
        self.step_model = view.step_table.model()
        self.model = CompareTableModel(self)
        self.run: ComparisonRun | None = None
        self.plot = ComparePlot()

    @property
    def active(self) -> bool:
        return self.run is not None

    def fits(self, result: FunnelResult) -> bool:
        """A comparison to draw for `result` (the same steps: a new step waits for the
        comparison that has it)."""
        run = self.run
        return run is not None and len(run.comparison.steps) == len(result.steps)

    def set_run(self, run: ComparisonRun | None) -> None:
        """Show `run` (A and B side by side, the differences in the table), or leave
        compare mode with None."""
        self.run = run
        self.model.set_run(run)
        table = self.view.step_table
        table.setModel(self.model if run is not None else self.step_model)
        # The pairs are labelled with the conversion from step 1, whatever the picker says.
        self.view.conversion_box.setEnabled(run is None)
        table.setMinimumHeight(table_min_height(table))
        splitter = self.view.splitter
        # The differences are in the table: it gets as much room as the chart.
        share = 1 if run is not None else 4
        splitter.setStretchFactor(0, share)
        splitter.setSizes([share * 1000, 1000])
        if run is not None:
            self.banner.show_run(run)
        else:
            self.banner.hide()
            self.banner._shown = ""
        if self.view.result is not None:
            self.view.refresh()

    def draw_into(self, view: FunnelView) -> str | None:
        """The pairs in the view's plot, in the view's own fitting (labels, y range)."""
        assert self.run is not None
        view.split_box.setVisible(False)
        view._set_step_ticks(30)
        self.plot = ComparePlot()
        view._top = self.plot.draw(view.plot, self.run)
        view.legend = self.plot.legend
        view.regions = list(self.plot.regions)
        view.bar_labels = list(self.plot.labels.values())
        view._bar_slot, view._label_rows = 0.5, 1
        set_title(view.plot, None)  # the legend and the banner name A and B
        view.plot.setXRange(0.5, len(self.run.comparison.steps) + 0.5, padding=0.02)
        view._fit()
        return None

    def show_problem(self, message: str) -> None:
        """The comparison failed: the funnel on its own, and why in the banner."""
        self.set_run(None)
        self.banner.show_problem(message)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"comparison": comparison_frame(self.run)} if self.run is not None else {}

    def tooltip(self, region: Region) -> str:
        if self.run is None or region.part not in ("a", "b"):
            return ""
        return pair_hover_text(self.run, region.step, region.part)
