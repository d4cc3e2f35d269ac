"""PathsControls: which gap the Paths view looks at, and how long and how many paths.

Layout only: any change goes out as the whole new `PathsOptions` on `sig_changed`.
The gap list follows the funnel's steps (`set_steps`); an any-order funnel has paths into
step 1 only (its steps have no order, §13), so the gap list then holds that alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from funnel_gui.core.analysis.paths import DEFAULT_LENGTH, DEFAULT_TOP
from funnel_gui.qt.charts.paths_data import MAX_LENGTH, MAX_TOP, PathsOptions


class PathsControls(QWidget):
    sig_changed = Signal(object)  # PathsOptions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gap = QComboBox()
        self.gap.setObjectName("pathsGap")
        self.gap.setToolTip(
            "Paths into step 1, or between two steps (also: click the space between two "
            "bars of the funnel chart)"
        )
        self.gap.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.gap.setMinimumContentsLength(26)
        self.length = QSpinBox()
        self.length.setObjectName("pathsLength")
        self.length.setRange(1, MAX_LENGTH)
        self.length.setValue(DEFAULT_LENGTH)
        self.length.setToolTip("How many events make a path")
        self.top = QSpinBox()
        self.top.setObjectName("pathsTop")
        self.top.setRange(1, MAX_TOP)
        self.top.setValue(DEFAULT_TOP)
        self.top.setToolTip("How many paths to show; the rest are one band, “other paths”")
        self.keep_repeats = QCheckBox("Keep repeats")
        self.keep_repeats.setObjectName("pathsKeepRepeats")
        self.keep_repeats.setToolTip(
            "Keep an event repeated in a row (view, view, cart) instead of counting it once"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, widget in (("Paths", self.gap), ("Length", self.length), ("Top", self.top)):
            layout.addWidget(QLabel(text))
            layout.addWidget(widget)
        layout.addWidget(self.keep_repeats)
        layout.addStretch(1)
        self.gap.currentIndexChanged.connect(self._emit)
        self.length.valueChanged.connect(self._emit)
        self.top.valueChanged.connect(self._emit)
        self.keep_repeats.toggled.connect(self._emit)
        self._quiet = False

    def options(self) -> PathsOptions:
        step = self.gap.currentData()
        return PathsOptions(
            step if isinstance(step, int) else None,
            self.length.value(),
            self.top.value(),
            self.keep_repeats.isChecked(),
        )

    def set_steps(self, names: Sequence[str], ordered: bool, opened: bool = False) -> None:
        """The gaps of a funnel whose steps are called `names` ("1. Product view", …);
        an open funnel (§15) is entered at any step."""
        wanted = self.gap.currentData()
        into = "Into the funnel (at any step)" if opened else f"Into {names[0]}"
        items: list[tuple[str, int | None]] = [(into if names else "Into step 1", None)]
        if ordered:
            items += [(f"{a} → {b}", k) for k, (a, b) in enumerate(pairwise(names), 1)]
        have = [(self.gap.itemText(i), self.gap.itemData(i)) for i in range(self.gap.count())]
        if have == items:
            return
        self._quiet = True
        self.gap.clear()
        for text, step in items:
            self.gap.addItem(text, step)
        at = self.gap.findData(wanted) if wanted is not None else 0
        self.gap.setCurrentIndex(max(at, 0))
        self._quiet = False

    def select_gap(self, step: int | None) -> bool:
        """Choose the gap after step `step` (None: into step 1); False if there is none."""
        at = 0 if step is None else self.gap.findData(step)
        if at < 0:
            return False
        self.gap.setCurrentIndex(at)
        return True

    def _emit(self) -> None:
        if not self._quiet:
            self.sig_changed.emit(self.options())
