"""StepInspector: the right-hand panel that edits the selected step's label, events, kind,
filters and time limits, each change one undoable edit through the session.

The document stays the source of truth: the panel reads it on every change (undo and
redo included) and never pushes while it is refreshing itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.model import (
    Filter,
    Kind,
    Step,
    keeps_macro,
    optional_step_problem,
    shown_kinds,
)
from funnel_gui.core.editing.commands import (
    AddStepEvent,
    ChangeEvent,
    Command,
    RemoveStepEvent,
    RenameStep,
    SetStepFilters,
    SetStepGaps,
    SetStepKind,
    SetStepOptional,
    StepChanged,
    StepMoved,
    StepsInserted,
    StepsRemoved,
)
from funnel_gui.qt.document import refusals
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.filter_row import PROBLEM_STYLE, FilterRow, catalog_text

NO_STEP_HINT = "Select a step to edit it"
FIRST_STEP_GAPS = "The first step has no previous step"
ADD_EVENT = "Add event…"
OPTIONAL_TIP = (
    "People may skip this step: the funnel goes on to a later step without it, and the "
    "chart shows how many skipped it"
)


MACRO_FIXED_TIP = "A funnel always has a macro step: mark another step macro first"


class StepInspector(QWidget):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._row = -1
        self._shown: Step | None = None  # the step the fields show, to follow it on moves
        self._refreshing = False
        self._values: dict[str, list[str]] = {}
        self._properties: list[str] = []
        self.rows: list[FilterRow] = []
        self._build()
        session.sig_definition_changed.connect(self._on_document_changed)
        session.sig_catalogs_changed.connect(self.set_table)
        self.set_table(session.catalogs)
        self.set_step(-1)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        self.hint = QLabel(NO_STEP_HINT)
        self.hint.setWordWrap(True)
        self.label_edit = QLineEdit()
        self.events_list = QListWidget()
        self.events_list.setMaximumHeight(96)
        self.remove_event_button = QPushButton("Remove")
        self.remove_event_button.setToolTip("Remove the selected event from this step")
        self.add_event_box = QComboBox()
        # Wide enough to read "Add event…" and most event names; the popup shows long ones.
        self.add_event_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.add_event_box.setMinimumContentsLength(12)
        self.micro_button = QRadioButton("Micro")
        self.macro_button = QRadioButton("Macro")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.micro_button)
        self.kind_group.addButton(self.macro_button)
        self.optional_box = QCheckBox("Optional step")  # §15
        self.filters_box = QVBoxLayout()
        self.add_filter_button = QPushButton("Add filter")
        self.min_gap_edit = QLineEdit()
        self.max_gap_edit = QLineEdit()
        for edit in (self.min_gap_edit, self.max_gap_edit):
            edit.setPlaceholderText('none, or like "30s", "90m", "1h"')
        self.gap_problem = QLabel()
        self.gap_problem.setStyleSheet(PROBLEM_STYLE)
        self.gap_problem.setWordWrap(True)
        self.gap_problem.hide()
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.addRow("Label", self.label_edit)
        buttons = _boxed(QHBoxLayout(), self.add_event_box, self.remove_event_button)
        buttons.setStretch(0, 1)
        form.addRow("Events", _boxed(QVBoxLayout(), self.events_list, buttons))
        kinds = _boxed(QHBoxLayout(), self.micro_button, self.macro_button)
        kinds.addStretch(1)
        form.addRow("Kind", kinds)
        form.addRow("", self.optional_box)
        form.addRow("Where", _boxed(QVBoxLayout(), self.filters_box, self.add_filter_button))
        form.addRow("Min gap", self.min_gap_edit)
        form.addRow("Max gap", self.max_gap_edit)
        form.addRow(self.gap_problem)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.hint)
        self.pages.addWidget(self.form)
        outer = _boxed(QVBoxLayout(self), self.pages)
        outer.addStretch(1)

    def _connect(self) -> None:
        self.label_edit.editingFinished.connect(self._on_label_edited)
        self.remove_event_button.clicked.connect(self._on_remove_event)
        self.events_list.currentRowChanged.connect(lambda _row: self._update_remove_button())
        self.add_event_box.activated.connect(self._on_add_event)
        self.kind_group.buttonClicked.connect(self._on_kind_clicked)
        self.optional_box.toggled.connect(self._on_optional_toggled)
        self.add_filter_button.clicked.connect(self._on_add_filter)
        self.min_gap_edit.editingFinished.connect(self._on_gaps_edited)
        self.max_gap_edit.editingFinished.connect(self._on_gaps_edited)

    # ------------------------------------------------------------------ public

    @property
    def row(self) -> int:
        return self._row

    def set_step(self, row: int) -> None:
        """Edit step `row` (0-based); -1 shows the hint."""
        steps = self.session.definition.steps
        self._row = row if 0 <= row < len(steps) else -1
        self._shown = steps[self._row] if self._row >= 0 else None
        for draft in [r for r in self.rows if r.draft]:
            self._drop_row(draft)
        self._refresh()

    def set_table(self, table: DataCatalogs | None) -> None:
        """Where the pickers' property names, values and event names come from."""
        self._values, self._properties, events = {}, [], []
        if table is not None:
            catalog = table.property_catalog
            self._properties = [str(p) for p in catalog["property"]]
            for name, top in zip(catalog["property"], catalog["top_values"], strict=True):
                self._values[str(name)] = [catalog_text(value) for value, _count in top]
            events = [str(e) for e in table.event_catalog["event"]]
        with self._quiet():
            self.add_event_box.clear()
            self.add_event_box.addItem(ADD_EVENT)
            self.add_event_box.addItems(events)
            self.add_event_box.setEnabled(bool(events))
            for filter_row in self.rows:
                filter_row.set_properties(self._properties)

    # ------------------------------------------------------------------ refresh

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        before, self._refreshing = self._refreshing, True
        try:
            yield
        finally:
            self._refreshing = before

    def _on_document_changed(self, event: ChangeEvent) -> None:
        steps = self.session.definition.steps
        row = self._row
        if isinstance(event, StepChanged | StepsInserted | StepsRemoved | StepMoved):
            still_here = 0 <= row < len(steps) and steps[row] == self._shown
            if not still_here and not isinstance(event, StepChanged):
                row = _follow(row, event)
        elif row >= len(steps):  # replaced, or settings
            row = -1
        self._row = row if 0 <= row < len(steps) else -1
        self._shown = steps[self._row] if self._row >= 0 else None
        self._refresh()

    def _refresh(self) -> None:
        with self._quiet():
            step = self._shown
            self.pages.setCurrentWidget(self.form if step is not None else self.hint)
            if step is None:
                return
            if self.label_edit.text() != step.label:
                self.label_edit.setText(step.label)
            self.label_edit.setPlaceholderText(" or ".join(step.events))
            self.events_list.clear()
            self.events_list.addItems(list(step.events))
            self._update_remove_button()
            steps = self.session.definition.steps
            kind = shown_kinds(steps)[self._row] if self._row < len(steps) else step.kind
            button = self.macro_button if kind == "macro" else self.micro_button
            button.setChecked(True)
            fixed = self._row < len(steps) and keeps_macro(steps, self._row)
            self.micro_button.setEnabled(not fixed)
            self.micro_button.setToolTip(MACRO_FIXED_TIP if fixed else "")
            self._show_optional(step)
            self._show_filters(step)
            self._show_gaps(step)

    def _update_remove_button(self) -> None:
        removable = self.events_list.count() > 1 and self.events_list.currentRow() >= 0
        self.remove_event_button.setEnabled(removable)

    def _show_filters(self, step: Step) -> None:
        committed = [r for r in self.rows if not r.draft]
        while len(committed) > len(step.where):
            self._drop_row(committed.pop())
        while len(committed) < len(step.where):
            committed.append(self._new_row(draft=False, at=len(committed)))
        for filter_row, flt in zip(committed, step.where, strict=True):
            filter_row.set_filter(flt)

    def _show_optional(self, step: Step) -> None:
        """§15: not for step 1, the last step or any order (the reason as tooltip); an
        optional step left so by a later edit can still be made required."""
        defn = self.session.definition
        problem = optional_step_problem(self._row, defn.n_steps, defn.order)
        self.optional_box.setChecked(step.optional)
        self.optional_box.setEnabled(problem is None or step.optional)
        tip = OPTIONAL_TIP if problem is None else problem[:1].upper() + problem[1:]
        self.optional_box.setToolTip(tip)

    def _show_gaps(self, step: Step) -> None:
        first = self._row == 0
        gaps = (step.min_gap_ns, step.max_gap_ns)
        for edit, ns in zip((self.min_gap_edit, self.max_gap_edit), gaps, strict=True):
            edit.setEnabled(not first)
            edit.setToolTip(FIRST_STEP_GAPS if first else "From the previous step's event")
            edit.setText("" if ns is None else format_duration(ns))
        self._show_gap_problem("")

    def _show_gap_problem(self, message: str) -> None:
        self.gap_problem.setText(message[:1].upper() + message[1:])
        self.gap_problem.setVisible(bool(message))

    # ------------------------------------------------------------------ commits

    def _edit(self, command: Command) -> bool:
        """Run `command` as one undo entry; False when refreshing, refused or a no-op."""
        if self._refreshing or self._row < 0:
            return False
        return self.session.edit(command)

    def _on_label_edited(self) -> None:
        self._edit(RenameStep(self._row, self.label_edit.text().strip()))

    def _on_kind_clicked(self) -> None:
        kind: Kind = "macro" if self.macro_button.isChecked() else "micro"
        self._edit(SetStepKind(self._row, kind))

    def _on_optional_toggled(self, checked: bool) -> None:
        self._edit(SetStepOptional(self._row, checked))

    def _on_add_event(self, index: int) -> None:
        if index > 0:
            self._edit(AddStepEvent(self._row, self.add_event_box.itemText(index)))
        with self._quiet():
            self.add_event_box.setCurrentIndex(0)

    def _on_remove_event(self) -> None:
        item = self.events_list.currentItem()
        if item is not None:
            self._edit(RemoveStepEvent(self._row, item.text()))

    def _on_gaps_edited(self) -> None:
        if self._refreshing or self._row <= 0:
            return
        try:
            low = _gap(self.min_gap_edit.text(), "minimum gap", allow_zero=True)
            high = _gap(self.max_gap_edit.text(), "maximum gap", allow_zero=False)
        except ValueError as error:
            self._show_gap_problem(str(error))
            return
        with refusals(self.session) as refused:  # e.g. the minimum above the maximum
            self._edit(SetStepGaps(self._row, low, high))
        self._show_gap_problem(refused[0] if refused else "")

    # ------------------------------------------------------------------ filters

    def _new_row(self, *, draft: bool, at: int | None = None) -> FilterRow:
        filter_row = FilterRow(lambda name: self._values.get(name, []), self.form)
        filter_row.draft = draft
        filter_row.set_properties(self._properties)
        filter_row.sig_edited.connect(lambda: self._on_filter_edited(filter_row))
        filter_row.sig_remove_requested.connect(lambda: self._on_filter_removed(filter_row))
        position = len(self.rows) if at is None else at
        self.rows.insert(position, filter_row)
        self.filters_box.insertWidget(position, filter_row)
        filter_row.show()  # now, not when the layout gets round to it
        return filter_row

    def _drop_row(self, filter_row: FilterRow) -> None:
        self.rows.remove(filter_row)
        self.filters_box.removeWidget(filter_row)
        filter_row.hide()
        filter_row.deleteLater()  # may be inside one of its own signals

    def _on_add_filter(self) -> None:
        filter_row = self._new_row(draft=True)
        if self._properties:
            filter_row.property_box.setCurrentIndex(0)
        filter_row.value_box.setFocus()

    def _on_filter_edited(self, filter_row: FilterRow) -> None:
        if self._refreshing or filter_row not in self.rows:
            return
        try:
            filter_row.current_filter()
        except ValueError as error:
            filter_row.show_problem(str(error))
            return
        filter_row.show_problem("")
        filter_row.draft = False
        self._commit_filters()

    def _on_filter_removed(self, filter_row: FilterRow) -> None:
        draft = filter_row.draft
        self._drop_row(filter_row)
        if not draft:
            self._commit_filters()

    def _commit_filters(self) -> None:
        """One SetStepFilters with every complete row; incomplete ones keep the old filter."""
        where: list[Filter] = []
        for filter_row in self.rows:
            try:
                where.append(filter_row.current_filter())
            except ValueError:
                if filter_row.committed is not None:
                    where.append(filter_row.committed)
        self._edit(SetStepFilters(self._row, tuple(where)))


def _boxed(box: QBoxLayout, *items: QWidget | QLayout) -> QBoxLayout:
    for item in items:
        if isinstance(item, QWidget):
            box.addWidget(item)
        else:
            box.addLayout(item)
    return box


def _gap(text: str, what: str, *, allow_zero: bool) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_duration(text.strip(), allow_zero=allow_zero)
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None


def _follow(row: int, event: ChangeEvent) -> int:
    """Where the step at `row` went after a structural change; -1 when it was removed."""
    if isinstance(event, StepsInserted):
        return row + 1 if event.index <= row else row
    if isinstance(event, StepsRemoved):
        if event.index == row:
            return -1
        return row - 1 if event.index < row else row
    if isinstance(event, StepMoved):
        if event.source == row:
            return event.destination
        if event.source < row <= event.destination:
            return row - 1
        if event.destination <= row < event.source:
            return row + 1
    return row
