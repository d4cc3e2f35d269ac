"""ExclusionsEditor: the settings bar's "Exclude" section (FUNNEL_SEMANTICS §4).

One chip per exclusion (its events, filters and step range); "+ Exclude event" and a click
on a chip open the ExclusionDialog, × or Delete removes. Every change is one SetExclusions
on the session's undo stack; the chips only mirror the document (`refresh`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from funnel_gui.core.definition.model import Exclusion, FunnelDefinition
from funnel_gui.core.editing.commands import SetExclusions
from funnel_gui.qt.document import FunnelEditing
from funnel_gui.qt.text import filter_summary
from funnel_gui.qt.widgets.chips import CHIP_QSS, ChipSpec
from funnel_gui.qt.widgets.matcher_dialog import MatcherChoices, MatcherDialog, muted_note
from funnel_gui.qt.widgets.matcher_items import MatcherItemsSection

ADD_TIP = (
    "Leave out attempts in which an event (say, a refund) happens between two steps;\n"
    "people left with no attempt are counted as excluded"
)
NEEDS_STEPS = "An exclusion sits between two steps: add a second step first"
NEEDS_DATA = "Open data first: the events to exclude are picked from it"
BETWEEN_NOTE = (
    "An attempt is left out when the event happens after the first of these steps and "
    "before the second (or before the window ends, if it never gets that far)."
)
ANY_ORDER_NOTE = (
    "In an any-order funnel the event is excluded anywhere in the window; the steps "
    "chosen here count again if the order changes."
)


def exclusion_text(exclusion: Exclusion, defn: FunnelDefinition) -> str:
    """`refund where value > 100 · steps 1–4`: what an exclusion chip says."""
    text = " or ".join(exclusion.events)
    if exclusion.where:
        text += f" where {filter_summary(exclusion.where)}"
    a, b = exclusion.between
    return text + (" · anywhere" if defn.order == "any" else f" · steps {a}–{b}")


def exclusion_tip(exclusion: Exclusion, defn: FunnelDefinition) -> str:
    events = " or ".join(f'"{e}"' for e in exclusion.events)
    lines = [f"Exclude {events}"]
    if exclusion.where:
        lines.append(f"where {filter_summary(exclusion.where)}")
    if defn.order == "any":
        lines.append("anywhere in the window (the steps may come in any order)")
    else:
        a, b = exclusion.between
        lines.append(f"between step {a} {_step_name(defn, a)} and step {b} {_step_name(defn, b)}")
    return "\n".join(lines)


def _step_name(defn: FunnelDefinition, number: int) -> str:
    if 1 <= number <= defn.n_steps:
        return f'"{defn.steps[number - 1].display_label}"'
    return "(no such step)"


class ExclusionDialog(MatcherDialog):
    """Events, filters and the two steps an exclusion sits between."""

    def __init__(
        self,
        choices: MatcherChoices,
        definition: FunnelDefinition,
        exclusion: Exclusion | None,
        submit: Callable[[Exclusion], str | None],
        parent: QWidget | None = None,
    ) -> None:
        adding = exclusion is None
        super().__init__(
            "Exclude an event" if adding else "Edit exclusion",
            "Exclude" if adding else "Save",
            choices,
            exclusion.events if exclusion is not None else (),
            exclusion.where if exclusion is not None else (),
            parent,
        )
        self._submit = submit
        n = definition.n_steps
        a, b = exclusion.between if exclusion is not None else (1, n)
        self.from_box, self.to_box = QComboBox(), QComboBox()
        for number, step in enumerate(definition.steps, start=1):
            for box in (self.from_box, self.to_box):
                box.addItem(f"{number} · {step.display_label}", number)
        self.from_box.setCurrentIndex(max(0, self.from_box.findData(a)))
        self.to_box.setCurrentIndex(max(0, self.to_box.findData(b)))
        self.from_box.setAccessibleName("After step")
        self.to_box.setAccessibleName("Before step")
        steps = QWidget()
        row = QHBoxLayout(steps)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.from_box, 1)
        row.addWidget(QLabel("and"))
        row.addWidget(self.to_box, 1)
        any_order = definition.order == "any"
        for box in (self.from_box, self.to_box):
            box.setEnabled(not any_order)
        self.form.addRow("Between steps", steps)
        self.note = muted_note(ANY_ORDER_NOTE if any_order else BETWEEN_NOTE)
        self.form.addRow("", self.note)
        self.event_list.setFocus()

    def set_between(self, a: int, b: int) -> None:
        self.from_box.setCurrentIndex(self.from_box.findData(a))
        self.to_box.setCurrentIndex(self.to_box.findData(b))

    def between(self) -> tuple[int, int]:
        a, b = int(self.from_box.currentData()), int(self.to_box.currentData())
        if a >= b:
            raise ValueError("the second step must come after the first")
        return a, b

    def exclusion(self) -> Exclusion:
        return Exclusion(self.events(), self.between(), self.filters())

    def _send(self) -> str | None:
        return self._submit(self.exclusion())


class ExclusionsEditor(MatcherItemsSection[Exclusion, ExclusionDialog]):
    def __init__(self, editing: FunnelEditing, parent: QWidget | None = None) -> None:
        super().__init__(editing, "Exclude", "exclusion", parent)
        self.setObjectName("exclusionsEditor")
        self.setStyleSheet(CHIP_QSS)
        self.add_button.setText("+ Exclude event")
        self.add_button.setAccessibleName("Exclude an event")
        self.chips.add_trailing(self.add_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.caption)
        column.addWidget(self.chips)
        self.refresh()

    def items(self) -> tuple[Exclusion, ...]:
        return self.editing.definition.exclusions

    def command(self, items: tuple[Exclusion, ...]) -> SetExclusions:
        return SetExclusions(items)

    def make_dialog(
        self, item: Exclusion | None, submit: Callable[[Exclusion], str | None]
    ) -> ExclusionDialog:
        return ExclusionDialog(self.choices, self.editing.definition, item, submit, self)

    def duplicate_text(self, item: Exclusion) -> str:
        return "this exclusion is already in the funnel"

    def refresh(self) -> None:
        defn = self.editing.definition
        self.chips.set_chips(
            [
                ChipSpec(
                    exclusion_text(e, defn),
                    exclusion_tip(e, defn),
                    f'Remove exclusion "{" or ".join(e.events)}"',
                    self.choices.missing(e.events),
                )
                for e in defn.exclusions
            ]
        )
        reason = NEEDS_STEPS if defn.n_steps < 2 else NEEDS_DATA if not self.choices.events else ""
        self.add_button.setEnabled(not reason)
        self.add_button.setToolTip(reason or ADD_TIP)
