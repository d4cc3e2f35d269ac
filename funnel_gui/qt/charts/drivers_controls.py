"""DriversControls: the Drivers settings (landmark, lookback, adjust for) and the
computation's progress with Cancel and Compute.

Layout only: a valid change goes out as the whole new `DriversSettings` on
`sig_settings_changed` (the view saves it in the funnel through an undoable command); a
duration that does not parse is marked and says why, and changes nothing."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.drivers_details import AdjustSuggestion
from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.model import DriversSettings
from funnel_gui.qt.charts.drivers_words import suggestions_text
from funnel_gui.qt.theme import ERROR_HEX

LANDMARK_PRESETS = ("1h", "6h", "1d", "3d", "7d")
LOOKBACK_PRESETS = ("0s", "1h", "1d")
SUGGESTED_MARK = " (suggested)"
_INVALID_STYLE = f"QComboBox {{ border: 1px solid {ERROR_HEX}; }}"


def _duration_box(presets: tuple[str, ...], name: str, tip: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setEditable(True)
    box.addItems(list(presets))
    box.setToolTip(tip)
    box.setWhatsThis(tip)  # the tip to restore once a bad duration is fixed
    box.setMinimumContentsLength(4)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return box


class DriversControls(QWidget):
    sig_settings_changed = Signal(object)  # DriversSettings
    sig_cancel = Signal()
    sig_compute = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = DriversSettings()
        self.landmark = _duration_box(
            LANDMARK_PRESETS,
            "driversLandmark",
            "What people do in this time after entering is their early signal (e.g. 1d, 6h)",
        )
        self.lookback = _duration_box(
            LOOKBACK_PRESETS,
            "driversLookback",
            "Also count what they did this long before entering (0s: from entry on)",
        )
        self.adjust_button = QToolButton()
        self.adjust_button.setObjectName("driversAdjustFor")
        self.adjust_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.adjust_menu = QMenu(self)
        self.adjust_menu.setToolTipsVisible(True)
        self.adjust_button.setMenu(self.adjust_menu)
        self.adjust_actions: dict[str, QAction] = {}
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.status = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.sig_cancel)
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Work the Drivers out again for these settings")
        self.compute_button.clicked.connect(self.sig_compute)
        self.suggestions = QLabel()
        self.suggestions.setObjectName("driversSuggestions")
        self.suggestions.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for text, box in (("Landmark", self.landmark), ("Lookback", self.lookback)):
            label = QLabel(text)
            label.setBuddy(box)
            row.addWidget(label)
            row.addWidget(box)
        row.addWidget(self.adjust_button)
        row.addStretch(1)
        for widget in (self.status, self.progress, self.cancel_button, self.compute_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.suggestions)
        for box in (self.landmark, self.lookback):
            box.activated.connect(self._on_duration_edited)
            line = box.lineEdit()
            if line is not None:
                line.editingFinished.connect(self._on_duration_edited)
        self.set_busy(False)

    # ------------------------------------------------------------------ state

    def set_state(
        self,
        settings: DriversSettings,
        properties: tuple[str, ...] = (),
        suggestions: tuple[AdjustSuggestion, ...] = (),
    ) -> None:
        """Show `settings` and the adjust-for choices (without sending anything)."""
        self.settings = settings
        self.landmark.setCurrentText(format_duration(settings.landmark_ns))
        self.lookback.setCurrentText(format_duration(settings.lookback_ns))
        for box in (self.landmark, self.lookback):
            box.setStyleSheet("")
        explained = {s.property: s.explanation for s in suggestions}
        self.adjust_menu.clear()
        self.adjust_actions = {}
        for name in dict.fromkeys([*properties, *settings.adjust_for]):
            suggested = name in explained
            action = QAction(name + (SUGGESTED_MARK if suggested else ""), self.adjust_menu)
            action.setCheckable(True)
            action.setChecked(name in settings.adjust_for)
            action.setToolTip(f"suggested: {explained[name]}" if suggested else "")
            action.toggled.connect(self._on_adjust_toggled)
            self.adjust_menu.addAction(action)
            self.adjust_actions[name] = action
        self._show_adjust_text()
        self.suggestions.setText(suggestions_text(suggestions))
        self.suggestions.setVisible(bool(suggestions))

    def _show_adjust_text(self) -> None:
        chosen = ", ".join(self.settings.adjust_for) or "nothing (raw only)"
        self.adjust_button.setText(f"Adjust for: {chosen}")
        self.adjust_button.setEnabled(bool(self.adjust_actions))

    def set_busy(self, busy: bool, message: str = "") -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.compute_button.setVisible(not busy)
        if busy:
            self.progress.setValue(0)
        self.status.setText(message)

    def set_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.status.setText(message)

    # ------------------------------------------------------------------ edits

    def _on_duration_edited(self) -> None:
        landmark = self._read(self.landmark, allow_zero=False)
        lookback = self._read(self.lookback, allow_zero=True)
        if landmark is None or lookback is None:
            return
        self._send(DriversSettings(landmark, lookback, self.settings.adjust_for))

    def _read(self, box: QComboBox, *, allow_zero: bool) -> int | None:
        try:
            value = parse_duration(box.currentText().strip(), allow_zero=allow_zero)
        except ValueError as error:
            box.setStyleSheet(_INVALID_STYLE)
            box.setToolTip(str(error))
            return None
        box.setStyleSheet("")
        box.setToolTip(box.whatsThis())
        return value

    def _on_adjust_toggled(self) -> None:
        chosen = tuple(name for name, a in self.adjust_actions.items() if a.isChecked())
        s = self.settings
        self._send(DriversSettings(s.landmark_ns, s.lookback_ns, chosen))

    def _send(self, settings: DriversSettings) -> None:
        if settings != self.settings:
            self.settings = settings
            self._show_adjust_text()
            self.sig_settings_changed.emit(settings)
