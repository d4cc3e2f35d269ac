"""RemapDialog: the funnel names events this data does not have (a funnel saved on another
export of the same site). For each one, pick the data's event to use instead; the closest
names come first, the best one chosen (core/definition/remap.py)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.definition.remap import suggestions

KEEP_TEXT = "(keep: not in this data)"
INTRO = (
    "This funnel names events that this data does not have, so its steps would count "
    "nobody. Pick the event of this data to use for each (closest names first); the "
    "change is one undoable edit."
)


class RemapDialog(QDialog):
    def __init__(
        self, missing: Sequence[str], available: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remap events to this data")
        self.setObjectName("remapDialog")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        form = QFormLayout()
        self.choices: dict[str, QComboBox] = {}
        names = sorted(dict.fromkeys(available))
        for name in missing:
            combo = QComboBox()
            combo.setObjectName(f"remap-{name}")
            combo.setAccessibleName(f"Event to use for {name}")
            close = suggestions(name, names)
            combo.addItem(KEEP_TEXT, None)
            for candidate in close:
                combo.addItem(f"{candidate} (similar)", candidate)
            combo.insertSeparator(combo.count())
            for candidate in names:
                combo.addItem(candidate, candidate)
            combo.setCurrentIndex(1 if close else 0)
            combo.setMaxVisibleItems(15)
            self.choices[name] = combo
            form.addRow(QLabel(name), combo)
        buttons = QDialogButtonBox()
        self.remap_button = buttons.addButton("Remap", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Keep as is", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def choose(self, old: str, new: str | None) -> None:
        """Pick `new` (or keep, for None) for the funnel's event `old`."""
        combo = self.choices[old]
        combo.setCurrentIndex(max(combo.findData(new), 0))

    def mapping(self) -> dict[str, str]:
        """The funnel's event → the data's event, for each one given a new name."""
        out = {}
        for old, combo in self.choices.items():
            new = combo.currentData()
            if isinstance(new, str) and new != old:
                out[old] = new
        return out
