"""StepTableModel: one row per funnel step of a FunnelResult (counts, rates, timings)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from funnel_gui.core.analysis.chart_data import steps_done
from funnel_gui.core.analysis.unit_words import counted_text, unit_title
from funnel_gui.core.engine.results import FunnelResult, StepResult, TimingStats
from funnel_gui.qt.models.table_base import RowTableModel
from funnel_gui.qt.text import NOT_APPLICABLE, format_percent, format_seconds

Index = QModelIndex | QPersistentModelIndex
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # the raw number behind a cell (sorting, charts)


def _timing_tooltip(title: str, stats: TimingStats | None, counted: str) -> str:
    if stats is None:
        return f"{title}: no one got here"
    return (
        f"{title} ({counted_text(stats.n, counted)})\n"
        f"median {format_seconds(stats.median)} · mean {format_seconds(stats.mean)}\n"
        f"p25 {format_seconds(stats.p25)} · p75 {format_seconds(stats.p75)}"
        f" · p90 {format_seconds(stats.p90)}"
    )


class StepTableModel(RowTableModel):
    COLUMNS = (
        "Step",
        "Kind",
        "People",
        "From prev.",
        "From start",
        "Drop-off",
        "Still open",
        "Median time",
    )
    TOOLTIPS = (
        "Step number and label",
        "Micro or macro conversion",
        "How many reached this step (excluded ones are in no step)",
        "Share of the previous step that reached this one",
        "Share of step 1 that reached this one",
        "How many reached the previous step but not this one",
        "Of the drop-off: still inside the conversion window, so they may yet convert",
        "Median time from the previous step's event to this one's",
    )
    STEP, KIND, COUNT, FROM_PREVIOUS, FROM_START, DROP_OFF, STILL_OPEN, MEDIAN_TIME = range(8)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StepResult] = []
        self._unit_word = "People"
        self._any_order = False  # §3.3: row k counts any k steps, named "k steps"
        self._counted = "people"  # what the shown result counts, for its words

    @property
    def result_steps(self) -> list[StepResult]:
        return list(self._rows)

    def set_result(self, result: FunnelResult | None) -> None:
        """Show `result`'s steps. Rows are updated in place, added or removed at the end
        (never a reset), so a selection survives the recompute after every edit."""
        new = list(result.steps) if result is not None else []
        self._any_order = result is not None and result.definition.order == "any"
        old_n, new_n = len(self._rows), len(new)
        if new_n < old_n:
            self.beginRemoveRows(QModelIndex(), new_n, old_n - 1)
            self._rows = new
            self.endRemoveRows()
        elif new_n > old_n:
            self.beginInsertRows(QModelIndex(), old_n, new_n - 1)
            self._rows = new
            self.endInsertRows()
        else:
            self._rows = new
        kept = min(old_n, new_n)
        if kept:
            last = self.index(kept - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        self._counted = result.counted if result is not None else "people"
        self._set_unit_word(unit_title(self._counted))

    def _set_unit_word(self, word: str) -> None:
        if word != self._unit_word:
            self._unit_word = word
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.COUNT, self.COUNT)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and section == self.COUNT
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return self._unit_word
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        step = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(step, col)
        if role == VALUE_ROLE:
            return self._value(step, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= self.COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(step, col)
        return None

    def _display(self, step: StepResult, col: int) -> str:
        first = step.number == 1
        timing = step.time_from_previous
        return (
            steps_done(step.number) if self._any_order else f"{step.number}. {step.label}",
            step.kind.capitalize(),
            f"{step.count:,}",
            format_percent(step.from_previous),
            format_percent(step.from_start),
            NOT_APPLICABLE if first else f"{step.drop_off:,}",
            NOT_APPLICABLE if first else f"{step.still_open:,}",
            NOT_APPLICABLE if timing is None else format_seconds(timing.median),
        )[col]

    def _value(self, step: StepResult, col: int) -> Any:
        timing = step.time_from_previous
        return (
            step.number,
            step.kind,
            step.count,
            step.from_previous,
            step.from_start,
            step.drop_off,
            step.still_open,
            None if timing is None else timing.median,
        )[col]

    def _tooltip(self, step: StepResult, col: int) -> str | None:
        if col == self.MEDIAN_TIME or (col == self.STEP and step.number > 1):
            return (
                _timing_tooltip(
                    "Time from the previous step", step.time_from_previous, self._counted
                )
                + "\n"
                + _timing_tooltip("Time from step 1", step.time_to_convert, self._counted)
            )
        if col == self.DROP_OFF and step.number > 1:
            rate = format_percent(step.drop_off_rate)
            return f"{step.drop_off:,} ({rate}) of the previous step did not reach this one"
        if col == self.STILL_OPEN and step.number > 1:
            return (
                f"{step.still_open:,} of the drop-off can still convert: "
                "their conversion window has not closed at the end of the data"
            )
        return None
