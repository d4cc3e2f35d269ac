"""DriversDetails: the selected candidate (§12): Kaplan–Meier curves of time to the macro
step for those who did it and those who did not, the A/B test that would confirm it, the
people worth a nudge (CSV through the safe writer), and "Add as micro-conversion"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from funnel_gui.core.analysis.drivers_result import Candidate
from funnel_gui.core.analysis.survival import KaplanMeierCurve
from funnel_gui.core.safe_csv import write_frame_csv
from funnel_gui.qt.charts.base import style_plot
from funnel_gui.qt.charts.drivers_data import CandidateDetails
from funnel_gui.qt.charts.drivers_words import ab_test_text, nudge_text
from funnel_gui.qt.charts.fitting import ChartPlot, NoteLabel, compact_chrome, set_title, shortened
from funnel_gui.qt.charts.parts import PercentAxis
from funnel_gui.qt.save_dialog import save_with_dialog
from funnel_gui.qt.theme import LEFT_HEX, MICRO_HEX

DID_HEX = MICRO_HEX
DID_NOT_HEX = LEFT_HEX
HOUR_S = 3_600.0
DAY_S = 86_400.0


def time_scale(longest_s: float) -> tuple[float, str]:
    """Hours up to three days, days beyond: (seconds per unit, unit's name)."""
    return (HOUR_S, "hours") if longest_s <= 3 * DAY_S else (DAY_S, "days")


def step_xy(curve: KaplanMeierCurve, scale: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve as a staircase from (0, 0) to the last time anyone was followed: it rises
    at each conversion time and stays flat between them."""
    times = np.concatenate([[0.0], np.asarray(curve.times, dtype=float), [end_s]]) / scale
    shares = np.concatenate([[0.0], np.asarray(curve.conversion, dtype=float)])
    return np.repeat(times, 2)[1:-1], np.repeat(shares, 2)


class DriversDetails(QWidget):
    sig_add_micro = Signal()  # "Add as micro-conversion" for the shown candidate
    sig_exported = Signal(str)  # the nudge list was written there

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counted = "people"  # what the funnel counts (set with each result): its word
        self.plot = ChartPlot(axisItems={"left": PercentAxis("left")})
        style_plot(self.plot)
        compact_chrome(self.plot)
        self.plot.setMinimumHeight(90)  # a 1280×720 window leaves the curves little room
        self.title = QLabel()
        self.title.setObjectName("driversSelected")
        self.title.setWordWrap(True)
        self.ab_label = NoteLabel()
        self.ab_label.setObjectName("driversABTest")
        self.nudge_label = QLabel()
        self.nudge_label.setObjectName("driversNudge")
        self.nudge_label.setWordWrap(True)
        self.export_button = QPushButton("Export people…")
        self.export_button.setToolTip(
            "Save who did it, has not converted and is still inside the window (CSV)"
        )
        self.export_button.clicked.connect(self.export_nudge_dialog)
        self.micro_button = QPushButton("Add as micro-conversion")
        self.micro_button.setObjectName("driversAddMicro")
        self.micro_button.clicked.connect(self.sig_add_micro)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.micro_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.ab_label)
        layout.addWidget(self.nudge_label)
        layout.addLayout(buttons)
        self.candidate: Candidate | None = None
        self.details: CandidateDetails | None = None
        self.curves: dict[bool, pg.PlotDataItem] = {}
        self.show_candidate(None)

    def show_candidate(self, candidate: Candidate | None, micro_reason: str | None = None) -> None:
        """The words for `candidate` at once; its curves and people when they arrive.
        `micro_reason`: why it cannot be added as a micro-conversion (None: it can)."""
        self.candidate = candidate
        self.details = None
        self.plot.clear()
        self.curves = {}
        set_title(self.plot, None)
        self.nudge_label.setText("")
        self.export_button.setEnabled(False)
        if candidate is None:
            self.title.setText("Select a candidate to see its details")
            self.ab_label.setText("")
            self.micro_button.setEnabled(False)
            self.micro_button.setToolTip("")
            return
        self.title.setText(f"<b>{candidate.label}</b>")
        self.title.setToolTip(candidate.label)
        self.ab_label.setText(ab_test_text(candidate, self.counted))
        self.micro_button.setEnabled(micro_reason is None)
        self.micro_button.setToolTip(
            micro_reason or "Track it in the funnel's micro-conversions (§9), undoably"
        )

    def show_details(self, details: CandidateDetails) -> None:
        if self.candidate is None or details.label != self.candidate.label:
            return  # a late answer for a candidate no longer selected
        self.details = details
        exposed, unexposed = details.curves.exposed, details.curves.unexposed
        longest = max([0.0, *exposed.times, *unexposed.times])
        scale, unit = time_scale(longest)
        self.plot.setLabel("bottom", f"time from entry ({unit})")
        key = (
            f"<span style='color:{DID_HEX}'>━</span> did it ·"
            f" <span style='color:{DID_NOT_HEX}'>━</span> did not"
        )
        set_title(self.plot, f"Converted by then: {key}")
        for did, curve, hex_colour in ((True, exposed, DID_HEX), (False, unexposed, DID_NOT_HEX)):
            xs, ys = step_xy(curve, scale, max(longest, 1.0))
            item = pg.PlotDataItem(xs, ys, pen=pg.mkPen(QColor(hex_colour), width=2))
            self.plot.addItem(item)
            self.curves[did] = item
        self.plot.setXRange(0, max(longest, 1.0) / scale, padding=0.02)
        top = max([0.01, *exposed.conversion, *unexposed.conversion])
        self.plot.setYRange(0, top * 1.1, padding=0)
        self.nudge_label.setText(nudge_text(len(details.nudge), self.counted) + ": worth a nudge")
        self.export_button.setEnabled(len(details.nudge) > 0)

    # ------------------------------------------------------------------ export

    def nudge_frame(self) -> pd.DataFrame:
        return self.details.nudge if self.details is not None else pd.DataFrame()

    def export_nudge_csv(self, path: Path | str) -> None:
        """The people worth a nudge, through the spreadsheet-safe writer."""
        write_frame_csv(self.nudge_frame(), path)

    def export_nudge_dialog(self) -> None:
        stem = f"nudge - {shortened(self.candidate.label)}" if self.candidate else "nudge"
        path = save_with_dialog(
            self, "Export people", stem, "CSV (*.csv)", (".csv",), self.export_nudge_csv
        )
        if path is not None:
            self.sig_exported.emit(path)
