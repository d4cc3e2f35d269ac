"""One `where` condition of a step as a row of pickers: property, operator, value, remove.

The row only edits and validates; the StepInspector collects every row into one
SetStepFilters command, so a change is always a single undo entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.definition.model import FILTER_OPS, Filter, FilterOp
from funnel_gui.qt.text import FILTER_OPERATORS

LIST_OPS: tuple[FilterOp, ...] = ("in", "not_in")
NUMBER_OPS: tuple[FilterOp, ...] = ("gt", "lt")
NO_VALUE_OPS: tuple[FilterOp, ...] = ("is_set", "not_set")
PROBLEM_STYLE = "color: #b91c1c;"  # red that stays readable on light and dark palettes

ValueFeed = Callable[[str], Sequence[str]]  # property name -> its most frequent values


def catalog_text(value: object) -> str:
    """A catalog value as the text filters compare against: 10.0 reads "10", True "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_text(value: str | float | tuple[str, ...] | None) -> str:
    """How a filter's value shows in the value editor."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(value)
    return catalog_text(value)


def parse_value(op: FilterOp, text: str) -> str | float | tuple[str, ...] | None:
    """The value `op` expects for `text` (§2); ValueError with a message for a person."""
    text = text.strip()
    if op in NO_VALUE_OPS:
        return None
    if op in NUMBER_OPS:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f'"{text}" is not a number; enter one like 10 or 2.5') from None
        if not math.isfinite(number):
            raise ValueError("enter a finite number, like 10 or 2.5")
        return number
    if op in LIST_OPS:
        items = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
        if not items:
            raise ValueError("enter one or more values separated by commas")
        return items
    if not text:
        raise ValueError("enter a value")
    return text


class FilterRow(QWidget):
    """Pickers for one filter. `draft` rows are new and not yet in the funnel."""

    sig_edited = Signal()  # the user changed something; the owner reads current_filter()
    sig_remove_requested = Signal()

    def __init__(self, values_for: ValueFeed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = False  # added by the user, not yet complete, so not in the funnel
        self.committed: Filter | None = None  # what the funnel holds for this row
        self._values_for = values_for
        self._loading = False
        self._typed = ""  # the value text before a pick from the list replaced it
        self.property_box = QComboBox(self)
        self.property_box.setEditable(True)
        self.property_edit = QLineEdit(self.property_box)
        self.property_box.setLineEdit(self.property_edit)
        self.property_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.property_box.setToolTip("The event property to test")
        self.op_box = QComboBox(self)
        for op in FILTER_OPS:
            self.op_box.addItem(FILTER_OPERATORS[op].words, op)
        self.value_box = QComboBox(self)
        self.value_box.setEditable(True)
        self.value_edit = QLineEdit(self.value_box)
        self.value_box.setLineEdit(self.value_edit)
        self.value_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)  # rows line up when "is set" hides the value
        self.value_box.setSizePolicy(policy)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("×")
        self.remove_button.setToolTip("Remove this filter")
        self.remove_button.setAccessibleName("Remove filter")
        self.problem = QLabel(self)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self._layout()
        self._connect()
        self._update_value_editor()

    def _layout(self) -> None:
        pickers = QHBoxLayout()
        pickers.setContentsMargins(0, 0, 0, 0)
        pickers.addWidget(self.property_box, 2)
        pickers.addWidget(self.op_box, 2)
        pickers.addWidget(self.value_box, 3)
        pickers.addWidget(self.remove_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addLayout(pickers)
        outer.addWidget(self.problem)

    def _connect(self) -> None:
        self.property_box.activated.connect(self._on_property_changed)
        self.property_edit.editingFinished.connect(self._on_property_changed)
        self.op_box.activated.connect(self._on_op_changed)
        self.value_box.activated.connect(self._on_value_picked)
        self.value_edit.textEdited.connect(self._on_value_typed)
        self.value_edit.editingFinished.connect(self._emit_edited)
        self.remove_button.clicked.connect(self.sig_remove_requested)

    # ------------------------------------------------------------------ state

    @property
    def op(self) -> FilterOp:
        op: FilterOp = self.op_box.currentData()
        return op

    def set_properties(self, names: Sequence[str]) -> None:
        """The property picker's choices; the typed or shown property stays."""
        with self._quiet():
            text = self.property_box.currentText()
            self.property_box.clear()
            self.property_box.addItems(list(names))
            self.property_box.setCurrentIndex(-1)
            self.property_box.setEditText(text)
            self._fill_values()

    def set_filter(self, flt: Filter) -> None:
        """Show `flt`, leaving untouched what already shows it (keeps the cursor put)."""
        self.committed = flt
        with self._quiet():
            if self.property_box.currentText() != flt.property:
                self.property_box.setEditText(flt.property)
                self._fill_values()
            self.op_box.setCurrentIndex(FILTER_OPS.index(flt.op))
            if not self._shows(flt):
                self.value_box.setEditText(value_text(flt.value))
            self._typed = self.value_box.currentText()
            self._update_value_editor()
            self.show_problem("")

    def current_filter(self) -> Filter:
        """The filter the pickers describe; ValueError (a message) when it is incomplete."""
        name = self.property_box.currentText().strip()
        if not name:
            raise ValueError("pick a property")
        return Filter(name, self.op, parse_value(self.op, self.value_box.currentText()))

    def show_problem(self, message: str) -> None:
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.setVisible(bool(message))

    def _shows(self, flt: Filter) -> bool:
        try:
            return parse_value(flt.op, self.value_box.currentText()) == flt.value
        except ValueError:
            return False

    # ------------------------------------------------------------------ user edits

    def _on_property_changed(self) -> None:
        if not self._loading:
            with self._quiet():
                self._fill_values()
            self._emit_edited()

    def _on_op_changed(self) -> None:
        self._update_value_editor()
        self._emit_edited()

    def _on_value_picked(self, index: int) -> None:
        if self.op in LIST_OPS and not self._loading:
            # Picking from the list adds to a one-of list rather than replacing it.
            chosen = self.value_box.itemText(index)
            before = [p.strip() for p in self._typed.split(",") if p.strip()]
            with self._quiet():
                self.value_box.setEditText(", ".join(dict.fromkeys([*before, chosen])))
        self._typed = self.value_box.currentText()
        self._emit_edited()

    def _on_value_typed(self, text: str) -> None:
        self._typed = text

    def _emit_edited(self) -> None:
        if not self._loading:
            self.sig_edited.emit()

    # ------------------------------------------------------------------ helpers

    def _fill_values(self) -> None:
        text = self.value_box.currentText()
        self.value_box.clear()
        self.value_box.addItems(list(self._values_for(self.property_box.currentText().strip())))
        self.value_box.setCurrentIndex(-1)
        self.value_box.setEditText(text)

    def _update_value_editor(self) -> None:
        op = self.op
        self.value_box.setVisible(op not in NO_VALUE_OPS)
        hints = {"in": "a, b, c", "not_in": "a, b, c", "gt": "a number", "lt": "a number"}
        self.value_edit.setPlaceholderText(hints.get(op, "value"))

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """While the row changes its own pickers, their signals are not user edits."""
        before, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = before
