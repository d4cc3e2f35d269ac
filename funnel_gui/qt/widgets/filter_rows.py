"""FilterRowsEditor: a list of `where` filter rows (FilterRow) with "Add filter", for the
funnel-wide filters (§18); a step's own filters use the same rows in the StepInspector.

The editor only collects: every complete row goes to `commit` as one tuple, so a change
is always one undo entry; a row still being filled in keeps the filter it had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from funnel_gui.core.definition.model import Filter
from funnel_gui.qt.widgets.filter_row import FilterRow

Commit = Callable[[tuple[Filter, ...]], None]


class FilterRowsEditor(QWidget):
    def __init__(self, commit: Commit, add_text: str = "Add filter", parent: QWidget | None = None):
        super().__init__(parent)
        self._commit = commit
        self._properties: list[str] = []
        self._values: Mapping[str, Sequence[str]] = {}
        self._showing = False
        self.rows: list[FilterRow] = []
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(add_text)
        self.add_button.clicked.connect(self.add_row)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.rows_box)
        outer.addWidget(self.add_button)

    def set_choices(self, properties: Sequence[str], values: Mapping[str, Sequence[str]]) -> None:
        """The property names the rows offer, and each one's frequent values."""
        self._properties, self._values = list(properties), values
        for row in self.rows:
            row.set_properties(self._properties)

    def show_filters(self, filters: tuple[Filter, ...]) -> None:
        """Mirror the funnel's filters; rows being added (drafts) stay."""
        self._showing = True
        try:
            committed = [r for r in self.rows if not r.draft]
            while len(committed) > len(filters):
                self._drop(committed.pop())
            while len(committed) < len(filters):
                committed.append(self._new_row(draft=False, at=len(committed)))
            for row, flt in zip(committed, filters, strict=True):
                row.set_filter(flt)
        finally:
            self._showing = False

    def add_row(self) -> FilterRow:
        row = self._new_row(draft=True)
        if self._properties:
            row.property_box.setCurrentIndex(0)
        row.value_box.setFocus()
        return row

    def _new_row(self, *, draft: bool, at: int | None = None) -> FilterRow:
        row = FilterRow(lambda name: self._values.get(name, []), self)
        row.draft = draft
        row.set_properties(self._properties)
        row.sig_edited.connect(lambda: self._on_edited(row))
        row.sig_remove_requested.connect(lambda: self._on_removed(row))
        position = len(self.rows) if at is None else at
        self.rows.insert(position, row)
        self.rows_box.insertWidget(position, row)
        row.show()
        return row

    def _drop(self, row: FilterRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.hide()
        row.deleteLater()  # may be inside one of its own signals

    def _on_edited(self, row: FilterRow) -> None:
        if self._showing or row not in self.rows:
            return
        try:
            row.current_filter()
        except ValueError as error:
            row.show_problem(str(error))
            return
        row.show_problem("")
        row.draft = False
        self._commit(self.current_filters())

    def _on_removed(self, row: FilterRow) -> None:
        draft = row.draft
        self._drop(row)
        if not draft:
            self._commit(self.current_filters())

    def current_filters(self) -> tuple[Filter, ...]:
        """Every complete row; an incomplete one keeps the filter the funnel has for it."""
        filters: list[Filter] = []
        for row in self.rows:
            try:
                filters.append(row.current_filter())
            except ValueError:
                if row.committed is not None:
                    filters.append(row.committed)
        return tuple(filters)
