"""MatcherDialog: the small popup behind "+ Exclude event" and the micro-conversion tray's
"+": events picked from the data's catalog and optional where-filters; the exclusion and
micro-conversion dialogs add their own fields (a step range, a label).

The dialog never edits the funnel itself: on OK it hands its value to a `submit` callback
(which pushes one command); an error that callback returns is shown and the dialog stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.core.definition.model import Filter
from funnel_gui.qt.widgets.filter_row import PROBLEM_STYLE, FilterRow, catalog_text

NOT_IN_DATA = "Not in the loaded data"
_Item = TypeVar("_Item")
MUTED_STYLE = "color: palette(placeholder-text);"


@dataclass(frozen=True)
class MatcherChoices:
    """What the pickers offer: the data's events (busiest first), properties and values."""

    events: tuple[str, ...] = ()
    event_tips: Mapping[str, str] = field(default_factory=dict)
    properties: tuple[str, ...] = ()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: DataCatalogs | None) -> MatcherChoices:
        if table is None:
            return cls()
        events = table.event_catalog
        names = tuple(str(e) for e in events["event"])
        tips = {
            str(name): f"{int(count):,} events by {int(actors):,} users"
            for name, count, actors in zip(
                events["event"], events["count"], events["actors"], strict=True
            )
        }
        properties = table.property_catalog
        values = {
            str(name): tuple(catalog_text(value) for value, _count in top)
            for name, top in zip(properties["property"], properties["top_values"], strict=True)
        }
        return cls(names, tips, tuple(str(p) for p in properties["property"]), values)

    def missing(self, events: Sequence[str]) -> str:
        """Which of `events` the loaded data lacks, said for a chip; "" without data."""
        lacking = [f'"{e}"' for e in events if self.events and e not in self.events]
        if not lacking:
            return ""
        return f"The loaded data has no {' or '.join(lacking)} events"


class MatcherDialog(QDialog):
    def __init__(
        self,
        title: str,
        accept_text: str,
        choices: MatcherChoices,
        events: Sequence[str] = (),
        where: Sequence[Filter] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("matcherDialog")
        self.setWindowTitle(title)
        self.choices = choices
        self._original_events = tuple(events)
        self.rows: list[FilterRow] = []
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._build_events(events)
        self._build_filters(where)
        self.problem = QLabel()
        self.problem.setObjectName("dialogProblem")
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(accept_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    # ------------------------------------------------------------------ events

    def _build_events(self, events: Sequence[str]) -> None:
        self.search = QLineEdit(placeholderText="Search events…", clearButtonEnabled=True)
        self.search.setToolTip("Type to narrow the list; Enter ticks the first match")
        self.event_list = QListWidget()
        self.event_list.setObjectName("eventPicker")
        # Ticks are the choice; a selection highlight beside them would read as a second one.
        self.event_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.event_list.setStyleSheet("QListWidget#eventPicker::item { padding: 2px; }")
        self.event_list.setAccessibleName("Events")
        self.event_list.setToolTip("Tick one or more events; any of them matches")
        self.event_list.setMinimumHeight(120)
        self.event_list.setMaximumHeight(170)
        missing = [e for e in dict.fromkeys(events) if e not in self.choices.events]
        for name in (*missing, *self.choices.events):
            item = QListWidgetItem(name, self.event_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = name in events
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            item.setToolTip(self.choices.event_tips.get(name, NOT_IN_DATA))
        first = next((i for i in range(self.event_list.count()) if self._checked(i)), 0)
        self.event_list.setCurrentRow(first)
        self.search.textChanged.connect(self._on_search)
        self.search.installEventFilter(self)
        self.form.addRow("Events", _stacked(self.search, self.event_list))

    def _checked(self, row: int) -> bool:
        item = self.event_list.item(row)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def _on_search(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.event_list.count()):
            item = self.event_list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def _tick_first_match(self) -> None:
        for row in range(self.event_list.count()):
            item = self.event_list.item(row)
            if not item.isHidden():
                item.setCheckState(Qt.CheckState.Checked)
                self.event_list.setCurrentItem(item)
                return

    def set_event_checked(self, name: str, checked: bool = True) -> None:
        """Tick or untick `name` (as a click on its box does)."""
        for item in self.event_list.findItems(name, Qt.MatchFlag.MatchExactly):
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def events(self) -> tuple[str, ...]:
        """The ticked events: those the matcher had keep their order, new ones follow."""
        ticked = [self.event_list.item(r).text() for r in range(self.event_list.count())]
        ticked = [name for row, name in enumerate(ticked) if self._checked(row)]
        kept = [e for e in self._original_events if e in ticked]
        events = tuple(dict.fromkeys([*kept, *ticked]))
        if not events:
            raise ValueError("tick at least one event")
        return events

    # ------------------------------------------------------------------ filters

    def _build_filters(self, where: Sequence[Filter]) -> None:
        self.filters_box = QVBoxLayout()
        self.filters_box.setSpacing(4)
        self.add_filter_button = QPushButton("Add filter")
        self.add_filter_button.setToolTip("Only events whose property matches count")
        self.add_filter_button.clicked.connect(self._on_add_filter)
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(self.filters_box)
        box.addWidget(self.add_filter_button, 0, Qt.AlignmentFlag.AlignLeft)
        holder = QWidget()
        holder.setLayout(box)
        self.form.addRow("Where", holder)
        for flt in where:
            self.add_filter_row().set_filter(flt)

    def add_filter_row(self) -> FilterRow:
        row = FilterRow(lambda name: self.choices.values.get(name, ()), self)
        row.set_properties(self.choices.properties)
        row.sig_edited.connect(lambda: row.show_problem(""))
        row.sig_remove_requested.connect(lambda: self._remove_row(row))
        self.rows.append(row)
        self.filters_box.addWidget(row)
        row.show()  # now, not when the layout gets round to it
        return row

    def _on_add_filter(self) -> None:
        row = self.add_filter_row()
        if self.choices.properties:
            row.property_box.setCurrentIndex(0)
        row.value_box.setFocus()

    def _remove_row(self, row: FilterRow) -> None:
        self.rows.remove(row)
        self.filters_box.removeWidget(row)
        row.hide()
        row.deleteLater()  # inside its own signal

    def filters(self) -> tuple[Filter, ...]:
        """Every filled-in row; an untouched empty row is ignored, a half-done one refused."""
        where: list[Filter] = []
        for row in self.rows:
            blank = not row.property_box.currentText().strip()
            if blank and not row.value_box.currentText().strip():
                continue
            try:
                where.append(row.current_filter())
            except ValueError as error:
                row.show_problem(str(error))
                raise ValueError(f"finish or remove the filter: {error}") from None
        return tuple(where)

    # ------------------------------------------------------------------ submitting

    def _send(self) -> str | None:
        """Hand the value to the owner; an error message, or None when it was taken.

        Raises ValueError (a message for a person) when the fields are incomplete.
        """
        raise NotImplementedError  # each dialog sends its own kind of value

    def accept(self) -> None:
        try:
            error = self._send()
        except ValueError as exc:
            error = str(exc)
        if error:
            self.show_problem(error)
            return
        super().accept()

    def show_problem(self, message: str) -> None:
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.setVisible(bool(message))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in the search box ticks the first match; it must not also press OK.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._tick_first_match()
                return True
        return super().eventFilter(watched, event)


def _stacked(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    box = QVBoxLayout(holder)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(4)
    for widget in widgets:
        box.addWidget(widget)
    return holder


def muted_note(text: str) -> QLabel:
    """A wrapped explanation under a field, in the placeholder colour."""
    note = QLabel(text)
    note.setWordWrap(True)
    note.setStyleSheet(MUTED_STYLE)
    return note


def replaced_item(
    current: tuple[_Item, ...], index: int | None, item: _Item, duplicate: str
) -> tuple[_Item, ...] | str:
    """`current` with `item` appended (index None) or put at `index`; the `duplicate`
    message when that would repeat another item, another when the item at `index` is gone."""
    others = current if index is None else current[:index] + current[index + 1 :]
    if item in others:
        return duplicate
    if index is None:
        return (*current, item)
    if not 0 <= index < len(current):
        return "it is no longer in the funnel (was the change undone?)"
    return (*current[:index], item, *current[index + 1 :])
