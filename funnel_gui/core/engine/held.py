"""Holding properties constant (FUNNEL_SEMANTICS §17): the working rows regrouped so that
"the next event of this unit with the same held values" is one rank lookup away.

A `HeldRows` layout puts each (unit, held values) pair, a *held unit*, in one contiguous
slice, rows in their §1 order inside it. An attempt then searches its steps in the held
unit of its step-1 event, exactly as an attempt without hold searches its unit, and maps
what it found back to the unit's own rows, where exclusions (never held), strict order
and the rest of the engine work unchanged. Built once per layout and held properties and
kept with the layout, like the layout's own event rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnel_gui.core.arrays import NONE
from funnel_gui.core.definition.model import EventMatcher
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.row_sets import RowSet
from funnel_gui.core.io.rowcodes import stable_order_of_codes

# Combined codes past this are made dense again, so three properties of many values each
# never overflow int64.
_DENSE_AFTER = 1 << 40
# Whether a hold that changes nothing skips the held search (tests switch it off to run
# the search on such data too).
SKIP_WHEN_UNCHANGED = True


class HeldRows:
    """The working rows of `base` that carry every held property, grouped by held unit.

    `rows` is a unit layout whose units are the held units; `to_base` maps its rows to
    the base layout's, `of_base` the other way (NONE where a held property is missing),
    and `held_unit` gives each base row its held unit (-1 where one is missing).
    """

    def __init__(self, base: UnitRows, names: Sequence[str]) -> None:
        key = held_values(base, names)
        present = np.flatnonzero(key >= 0)
        width = int(key.max()) + 1 if len(present) else 1
        pair = base.frame.unit[present].astype(np.int64) * width + key[present]
        # Numbered in order of first appearance: after the counting sort below, held
        # units follow one another in that order and their ids never decrease.
        codes, pairs = pd.factorize(pair)
        index = np.int32 if len(key) < 2**31 else np.int64
        self.base_events = base.events
        self.all_present = len(present) == len(key)
        # Per event code, its rows lacking a held property (for `hold_missing`).
        self.missing_by_code = np.bincount(
            base.events[key < 0], minlength=len(base.prepared.table.event_names)
        )
        # Every event carries the held values and each unit has one set of them (a
        # device fixed per user): holding them changes nothing, and the engine skips
        # the search, so the layout itself is not built.
        units_with_rows = int(np.count_nonzero(np.diff(base.frame.unit_end, prepend=0)))
        self.changes_nothing = (
            SKIP_WHEN_UNCHANGED and self.all_present and len(pairs) == units_with_rows
        )
        if self.changes_nothing:
            return
        order = stable_order_of_codes(np.asarray(codes, dtype=np.int64))
        self.to_base = present[order].astype(index)
        held_unit = np.asarray(codes, dtype=index)[order]
        self.of_base = np.full(len(key), NONE, dtype=index)
        self.of_base[self.to_base] = np.arange(len(present), dtype=index)
        self.held_unit: np.ndarray = np.full(len(key), -1, dtype=index)
        self.held_unit[self.to_base] = held_unit
        self.rows = UnitRows(
            base.prepared,
            base.table_rows(self.to_base.astype(np.int64)),
            held_unit,
            last_time_ns=base.last_time_ns,
        )


def held_rows(base: UnitRows, names: Sequence[str]) -> HeldRows:
    """The held layout of `base` for `names`, built once and kept with the layout."""
    return base.derived("hold", tuple(names), lambda: HeldRows(base, names))


def held_values(base: UnitRows, names: Sequence[str]) -> np.ndarray:
    """Per working row, one code for the combination of the held properties' values
    (compared as text, §17), -1 where any of them is missing."""
    n = len(base.frame.time)
    key = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    table_rows = base.table_rows(np.arange(n))
    width = 1
    for name in names:
        prop = base.prepared.property_text(name)
        if prop is None:
            return np.full(n, -1, dtype=np.int64)
        codes = prop.codes[table_rows]
        missing |= codes < 0
        key = key * max(len(prop.values), 1) + np.maximum(codes, 0)
        width *= max(len(prop.values), 1)
        if width > _DENSE_AFTER:
            dense, uniques = pd.factorize(key)
            key, width = np.asarray(dense, dtype=np.int64), len(uniques)
    key[missing] = -1
    return key


@dataclass(frozen=True)
class HeldSearch:
    """What ordered and any-order attempts need to search the steps in held units: the
    layout and each step's rows in it."""

    layout: HeldRows
    steps: list[RowSet]

    # Rows stay int32 on tables under 2**31 rows: every use indexes or compares them.
    def entry_units(self, positions: np.ndarray) -> np.ndarray:
        """The held unit of each base row (-1: it lacks a held property)."""
        return np.asarray(self.layout.held_unit[positions])

    def to_held(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.layout.of_base[positions])

    def to_base(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.layout.to_base[positions])


def hold_missing(held: HeldRows, matchers: Sequence[EventMatcher], steps: Sequence[RowSet]) -> int:
    """§17: the events matching any step (§2) that lack at least one held property.

    Steps without `where` filters cover whole event names, counted once per name from
    the layout's per-name counts; only filtered steps' rows of other names are looked at.
    """
    if held.all_present:
        return 0
    table = held.rows.prepared.table
    whole = {
        code
        for matcher in matchers
        if not matcher.where
        for code in (table.event_code(name) for name in matcher.events)
        if code is not None
    }
    total = int(held.missing_by_code[sorted(whole)].sum()) if whole else 0
    covered = np.zeros(len(held.missing_by_code), dtype=bool)
    covered[sorted(whole)] = True
    lacking = [
        rs.positions[(held.held_unit[rs.positions] < 0) & ~covered[held.base_events[rs.positions]]]
        for matcher, rs in zip(matchers, steps, strict=True)
        if matcher.where
    ]
    if lacking:
        total += len(np.unique(np.concatenate(lacking)))
    return total
