"""Breakdown values (FUNNEL_SEMANTICS §5, §18): each unit's group, from one event of its
reported attempt, as integer codes into a few names.

Millions of units cost one lookup per property each, and the groups are counted from the
codes without hashing any text. With several properties (§18) one event supplies every
value and a group is a combination; its name is the tuple of the values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnel_gui.core.arrays import NONE
from funnel_gui.core.definition.model import Breakdown, FunnelDefinition
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.reported import BestAttempts

NO_VALUE = "(none)"
NOT_REACHED = "(not reached)"
# How a combination of values (§18) reads where one text is wanted: tables, legends.
JOINER = " · "
# Combinations counted through a table of this many entries at most, else by hashing.
_TABLE_UP_TO = 1 << 22


@dataclass(frozen=True)
class BreakdownCodes:
    """Each unit's breakdown value as a code into `names` (object array; None = excluded).

    A name is a text, or with a list breakdown (§18) a tuple of texts. `values` is the
    per-unit object array of texts the results carry (combinations joined); counting
    groups from the codes spares hashing a string per unit.
    """

    codes: np.ndarray
    names: np.ndarray

    @property
    def values(self) -> np.ndarray:
        return np.asarray(display_names(self.names).take(self.codes))

    def combination(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(codes, names) when the names are combinations of values (§18), else None."""
        if not any(isinstance(n, tuple) for n in self.names):
            return None
        return self.codes, self.names


def display_names(names: np.ndarray) -> np.ndarray:
    """Names as texts: a combination's values joined."""
    if not any(isinstance(n, tuple) for n in names):
        return names
    return np.array([JOINER.join(n) if isinstance(n, tuple) else n for n in names], dtype=object)


def breakdown_codes(rows: UnitRows, defn: FunnelDefinition, best: BestAttempts) -> BreakdownCodes:
    """§5: the properties on the reported attempt's step-1 / furthest / step-N event."""
    breakdown = defn.breakdown
    assert breakdown is not None
    pick = _picked_rows(defn, breakdown, best)
    reached = pick != NONE
    not_reached = breakdown.step_number() is not None and not reached.all()
    per_property = [
        _property_codes(rows, name, pick, reached, not_reached) for name in breakdown.names()
    ]
    if not breakdown.is_list():
        codes, names = per_property[0]
    else:
        codes, names = _combined(per_property)
    excluded = len(names)
    names = np.concatenate((names, np.array([None], dtype=object)))
    codes[best.excluded] = excluded
    return BreakdownCodes(codes, names)


def _picked_rows(defn: FunnelDefinition, breakdown: Breakdown, best: BestAttempts) -> np.ndarray:
    """Per unit, the working row whose values it takes (NONE: step N not reached)."""
    furthest = best.furthest
    n = breakdown.step_number()
    if defn.order == "any":
        # Any order has no per-step events: the entry event e stands for every step
        # (§3.3), and "step N" means "N steps done".
        pick = best.entry
        return np.where(furthest >= n, pick, NONE) if n is not None else pick
    positions = best.positions
    if breakdown.attribution == "first_step":
        # §15: in an open funnel the entry event plays step 1's part.
        return np.asarray(best.entry if defn.open else positions[0])
    if breakdown.attribution == "last_step":
        last = np.maximum(furthest - 1, 0)
        return np.asarray(positions[last, np.arange(positions.shape[1])])
    assert n is not None
    return np.asarray(positions[n - 1])


def _property_codes(
    rows: UnitRows, name: str, pick: np.ndarray, reached: np.ndarray, not_reached: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One property's code per unit and the names they index ((none), (not reached))."""
    prop = rows.prepared.property_text(name)
    known = [] if prop is None else prop.values
    none = len(known)
    names = np.array([*known, NO_VALUE, NOT_REACHED], dtype=object)
    if prop is None:
        codes = np.full(len(pick), none, dtype=np.int64)
    elif reached.all():
        codes = prop.codes[rows.table_rows(pick)].astype(np.int64)
        codes[codes < 0] = none
    else:
        codes = np.full(len(pick), none, dtype=np.int64)
        found = prop.codes[rows.table_rows(pick[reached])]
        codes[reached] = np.where(found < 0, none, found)
    if not_reached:
        codes[~reached] = none + 1
    return codes, names


def _dense(combined: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The codes numbered 0.. over the combinations that occur, and those combinations.
    Few possible combinations (devices × countries): a presence table, no hashing."""
    if width > _TABLE_UP_TO:
        dense, uniques = pd.factorize(combined)
        return np.asarray(dense, dtype=np.int64), np.asarray(uniques, dtype=np.int64)
    present = np.zeros(width, dtype=bool)
    present[combined] = True
    uniques = np.flatnonzero(present)
    number = np.cumsum(present) - 1
    return np.asarray(number[combined], dtype=np.int64), uniques


def _combined(per_property: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """§18: one code per combination that occurs, named by the tuple of its values."""
    # Mixed-radix codes; a few properties of up to a million values each stay in int64.
    combined = np.zeros(len(per_property[0][0]), dtype=np.int64)
    width = 1
    for codes, names in per_property:
        combined = combined * len(names) + codes
        width *= len(names)
    dense, uniques = _dense(combined, width)
    parts = []
    rest = np.asarray(uniques, dtype=np.int64)
    for _, names in reversed(per_property):
        parts.append(names[rest % len(names)])
        rest = rest // len(names)
    tuples = np.empty(len(uniques), dtype=object)
    for i, combination in enumerate(zip(*reversed(parts), strict=True)):
        tuples[i] = tuple(str(v) for v in combination)
    return np.asarray(dense, dtype=np.int64), tuples
