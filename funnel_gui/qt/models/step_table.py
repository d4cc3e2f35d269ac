"""StepTableModel: one row per funnel step of a FunnelResult (counts, rates, timings), and
when the funnel has them (§15) an optional step's skipped count and an open funnel's
reached / entered / went on / exited, in the words of what it counts (`unit_words`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from funnel_gui.core.analysis.chart_data import steps_done
from funnel_gui.core.analysis.unit_words import counted_text, unit_title, unit_word
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


# §15: columns shown only when the funnel has them: an optional step's skipped count, and
# an open funnel's reached / entered / proceeded / exited. key -> (header, header tooltip
# with "{units}" for the unit word, cell tooltip with "{count}" for "12 people").
_EXTRA: dict[str, tuple[str, str, str]] = {
    "skipped": (
        "Skipped",
        "Optional steps: {units} whose attempt went on past this step without it",
        "{count} went on past this optional step without it",
    ),
    "reached": (
        "Reached",
        "Open funnel: {units} whose attempt covers this step (entered here or before)",
        "{count} reached this step (their attempt covers it)",
    ),
    "entered": (
        "Entered",
        "Open funnel: {units} whose attempt started at this step",
        "{count} entered the funnel at this step",
    ),
    "proceeded": (
        "Went on",
        "Open funnel: {units} who reached this step and went on to a later one",
        "{count} went on from this step to a later one",
    ),
    "exited": (
        "Exited",
        "Open funnel: {units} who reached this step and went no further",
        "{count} went no further than this step",
    ),
}
_FLOW_KEYS = ("reached", "entered", "proceeded", "exited")


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
    # The columns every funnel has, in this order; the §15 ones (`extra_columns`) come in
    # after the count, so the later columns' indices are properties.
    STEP, KIND, COUNT = range(3)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StepResult] = []
        self._unit_word = "People"
        self._any_order = False  # §3.3: row k counts any k steps, named "k steps"
        self._counted = "people"  # what the shown result counts, for its words
        self._extra: tuple[str, ...] = ()  # §15 columns after the base ones

    @property
    def result_steps(self) -> list[StepResult]:
        return list(self._rows)

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The §15 columns shown after the count: "skipped" when a step is optional;
        "reached", "entered", "proceeded", "exited" in an open funnel."""
        return self._extra

    def column_of(self, key: str) -> int:
        """The index of a §15 column (ValueError when it is not shown)."""
        return self.COUNT + 1 + self._extra.index(key)

    # The base columns after the count, wherever the §15 ones put them.
    @property
    def FROM_PREVIOUS(self) -> int:
        return 3 + len(self._extra)

    @property
    def FROM_START(self) -> int:
        return 4 + len(self._extra)

    @property
    def DROP_OFF(self) -> int:
        return 5 + len(self._extra)

    @property
    def STILL_OPEN(self) -> int:
        return 6 + len(self._extra)

    @property
    def MEDIAN_TIME(self) -> int:
        return 7 + len(self._extra)

    def _key(self, col: int) -> int | str:
        """What column `col` shows: a base column's index in COLUMNS, or a §15 key."""
        extra = col - self.COUNT - 1
        if 0 <= extra < len(self._extra):
            return self._extra[extra]
        return col - len(self._extra) if extra >= 0 else col

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS) + len(self._extra)

    def set_result(self, result: FunnelResult | None) -> None:
        """Show `result`'s steps. Rows are updated in place, added or removed at the end
        (never a reset), so a selection survives the recompute after every edit; only
        making a step optional or the funnel open adds or removes columns (at the end)."""
        new = list(result.steps) if result is not None else []
        self._any_order = result is not None and result.definition.order == "any"
        self._set_extra(_extra_columns(new))
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

    def _set_extra(self, extra: tuple[str, ...]) -> None:
        """Add or remove the §15 columns after the count, keeping the rows (and a
        selection)."""
        old, base = self._extra, self.COUNT + 1
        if extra == old:
            return
        if old:
            self.beginRemoveColumns(QModelIndex(), base, base + len(old) - 1)
            self._extra = ()
            self.endRemoveColumns()
        if extra:
            self.beginInsertColumns(QModelIndex(), base, base + len(extra) - 1)
            self._extra = extra
            self.endInsertColumns()

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
        if orientation != Qt.Orientation.Horizontal:
            return None
        key = self._key(section)
        if isinstance(key, str):
            header, tip, _ = _EXTRA[key]
            if role == Qt.ItemDataRole.DisplayRole:
                return header
            if role == Qt.ItemDataRole.ToolTipRole:
                return tip.format(units=unit_word(self._counted).capitalize())
            return None
        return super().headerData(key, orientation, role)

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

    @staticmethod
    def _extra_value(step: StepResult, key: str) -> int | None:
        """A §15 column's number for `step`; None where it has none (a required step's
        skipped count)."""
        if key == "skipped":
            return step.skipped if step.optional else None
        return step.flow.get(key) if step.flow is not None else None

    def _display(self, step: StepResult, col: int) -> str:
        key = self._key(col)
        if isinstance(key, str):
            value = self._extra_value(step, key)
            return NOT_APPLICABLE if value is None else f"{value:,}"
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
        )[key]

    def _value(self, step: StepResult, col: int) -> Any:
        key = self._key(col)
        if isinstance(key, str):
            return self._extra_value(step, key)
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
        )[key]

    def _tooltip(self, step: StepResult, col: int) -> str | None:
        key = self._key(col)
        if isinstance(key, str):
            value = self._extra_value(step, key)
            if value is None:
                return "A required step: nobody goes on without it"
            return _EXTRA[key][2].format(count=counted_text(value, self._counted))
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


def _extra_columns(steps: list[StepResult]) -> tuple[str, ...]:
    """§15: "skipped" when any step is optional, the flow counts when the funnel is open."""
    extra: tuple[str, ...] = ()
    if any(s.optional for s in steps):
        extra += ("skipped",)
    if any(s.flow is not None for s in steps):
        extra += _FLOW_KEYS
    return extra
