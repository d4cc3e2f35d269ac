"""CompareTableModel: the step table in compare mode (FUNNEL_SEMANTICS §19): per step A's
and B's counts and conversion from step 1, the difference B − A with its 95% interval,
and the Holm-corrected p-value."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from funnel_gui.core.analysis.compare import StepChange
from funnel_gui.core.analysis.compare_periods import ComparisonRun
from funnel_gui.core.analysis.unit_words import unit_word
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.models.table_base import RowTableModel
from funnel_gui.qt.text import NOT_APPLICABLE, format_percent

Index = QModelIndex | QPersistentModelIndex


def points(value: float) -> str:
    """A difference of two rates in percentage points: "+2.3 pp"."""
    return NOT_APPLICABLE if math.isnan(value) else f"{100 * value:+.1f} pp"


def interval(ci: tuple[float, float]) -> str:
    low, high = ci
    if math.isnan(low) or math.isnan(high):
        return NOT_APPLICABLE
    return f"{100 * low:+.1f} to {100 * high:+.1f} pp"


def p_text(p: float) -> str:
    if math.isnan(p):
        return NOT_APPLICABLE
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


class CompareTableModel(RowTableModel):
    COLUMNS = (
        "Step",
        "A",
        "A from start",
        "B",
        "B from start",
        "B − A",
        "95% interval",
        "p (Holm)",
    )
    STEP, A, A_RATE, B, B_RATE, DIFF, CI, P = range(8)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StepChange] = []
        self.TOOLTIPS = self._tooltips("A", "B", "people")

    @staticmethod
    def _tooltips(label_a: str, label_b: str, counted: str) -> tuple[str, ...]:
        return (
            "Step number and label",
            f"{unit_word(counted).capitalize()} at this step in A: {label_a}",
            "Conversion from step 1 in A",
            f"{unit_word(counted).capitalize()} at this step in B: {label_b}",
            "Conversion from step 1 in B",
            "B's conversion from step 1 minus A's, in percentage points",
            "Newcombe 95% interval of the difference",
            "Two-proportion test, Holm-corrected across steps 2 to the last",
        )

    def set_run(self, run: ComparisonRun | None) -> None:
        self.beginResetModel()
        self._rows = list(run.comparison.steps) if run is not None else []
        if run is not None:
            self.TOOLTIPS = self._tooltips(run.label_a, run.label_b, run.counted)
            word = unit_word(run.counted)
            self.COLUMNS = ("Step", f"A {word}", *self.COLUMNS[2:3], f"B {word}", *self.COLUMNS[4:])
        self.endResetModel()

    @property
    def changes(self) -> list[StepChange]:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        change = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(change, col)
        if role == VALUE_ROLE:
            return self._value(change, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col > self.STEP:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, s: StepChange, col: int) -> str:
        first = s.number == 1
        return (
            f"{s.number}. {s.label}",
            f"{s.a.count:,}",
            format_percent(s.a.from_start),
            f"{s.b.count:,}",
            format_percent(s.b.from_start),
            NOT_APPLICABLE if first else points(s.diff),
            NOT_APPLICABLE if first else interval(s.ci),
            NOT_APPLICABLE if first else p_text(s.p_holm),
        )[col]

    def _value(self, s: StepChange, col: int) -> Any:
        return (
            s.number,
            s.a.count,
            s.a.from_start,
            s.b.count,
            s.b.from_start,
            s.diff,
            s.ci,
            s.p_holm,
        )[col]


def comparison_frame(run: ComparisonRun) -> pd.DataFrame:
    """The comparison as a table for CSV and the report."""
    rows = [
        {
            "step": s.number,
            "label": s.label,
            "a": run.label_a,
            "a_count": s.a.count,
            "a_from_start": s.a.from_start,
            "b": run.label_b,
            "b_count": s.b.count,
            "b_from_start": s.b.from_start,
            "diff": s.diff,
            "ci_low": s.ci[0],
            "ci_high": s.ci[1],
            "p": s.p,
            "p_holm": s.p_holm,
        }
        for s in run.comparison.steps
    ]
    return pd.DataFrame(rows)
