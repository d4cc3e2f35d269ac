"""PreparedTable: what computing on an event table builds once and reuses.

Arranging 10M rows per unit and decoding property columns takes about 0.4 s; a funnel
edit should not pay it again. The caches live here, owned by whoever prepared the table
(the app's session, a CLI run), instead of hidden on the immutable `EventTable`. Building
is guarded by a lock, so a superseded background compute and its successor can share one
prepared table safely.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property

import numpy as np

from funnel_gui.core.definition.model import EventMatcher, Filter
from funnel_gui.core.engine.matching import PropertyText, decode_property, event_codes, filter_holds
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame, tie_group_start
from funnel_gui.core.events import EventTable
from funnel_gui.core.io.rowcodes import stable_order_of_codes


class PreparedTable:
    """An `EventTable` with its unit layouts and decoded properties, built on first use."""

    def __init__(self, table: EventTable) -> None:
        self.table = table
        self._lock = threading.RLock()
        self._unit_rows: dict[str, UnitRows] = {}
        self._property_text: dict[str, PropertyText | None] = {}

    def unit_rows(self, unit: str) -> UnitRows:
        """The working rows for `unit` ("actor" or "session")."""
        with self._lock:
            if unit not in self._unit_rows:
                self._unit_rows[unit] = UnitRows(self, unit)
            return self._unit_rows[unit]

    def property_text(self, name: str) -> PropertyText | None:
        """The property as text codes; None when the table has no such property."""
        with self._lock:
            if name not in self._property_text:
                self._property_text[name] = decode_property(self.table, name)
            return self._property_text[name]

    def filters_hold(self, filters: Sequence[Filter], rows: np.ndarray) -> np.ndarray:
        """Whether every filter holds on each of `rows` (positions in the table's row order)."""
        holds = np.ones(len(rows), dtype=bool)
        for flt in filters:
            if not holds.any():
                break
            holds &= filter_holds(self.property_text(flt.property), flt, rows)
        return holds


def prepare(table: EventTable) -> PreparedTable:
    """A fresh prepared table; keep it for as long as the table is analysed."""
    return PreparedTable(table)


# Event names whose rows are kept per unit layout; more are looked up again when used.
_KEPT_EVENT_ROWS = 32


class UnitRows:
    """The working rows: table positions ordered by unit, then time, then input order."""

    def __init__(self, prepared: PreparedTable, unit: str) -> None:
        table = prepared.table
        self.prepared = prepared
        if unit == "session" and table.session is not None:
            valid = np.flatnonzero(table.session >= 0)
            pair = table.actor[valid].astype(np.int64) * (int(table.session.max()) + 1)
            pair += table.session[valid]
            _, dense = np.unique(pair, return_inverse=True)
            order = stable_order_of_codes(dense.astype(np.int64))
            self.positions: np.ndarray | None = valid[order]
            unit_ids = dense[order].astype(np.int64)
        elif unit == "session":
            self.positions, unit_ids = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        else:
            self.positions, unit_ids = None, table.actor
        n_units = int(unit_ids.max()) + 1 if len(unit_ids) else 0
        ends = np.cumsum(np.bincount(unit_ids, minlength=n_units))
        self.frame = UnitFrame(self.take(table.time), unit_ids, ends)
        self.events = self.take(table.event)
        first_row = np.concatenate(([0], ends[:-1])).astype(np.int64)
        self.unit_actor = self.take(table.actor)[first_row] if n_units else first_row
        self.unit_session = (
            self.take(table.session)[first_row]
            if unit == "session" and table.session is not None
            else None
        )
        self._event_rows: OrderedDict[int, RowSet] = OrderedDict()

    def take(self, values: np.ndarray) -> np.ndarray:
        return values if self.positions is None else values[self.positions]

    def table_rows(self, working: np.ndarray) -> np.ndarray:
        return working if self.positions is None else self.positions[working]

    def event_rows(self, code: int) -> RowSet:
        """The working rows of one event name; the most recently used ones are kept."""
        # pop and re-insert (not move_to_end): safe if two computes share the table.
        with self.prepared._lock:
            return self._event_rows_locked(code)

    def _event_rows_locked(self, code: int) -> RowSet:
        found = self._event_rows.pop(code, None)
        if found is None:
            found = RowSet(self.frame, np.flatnonzero(self.events == code))
        self._event_rows[code] = found
        while len(self._event_rows) > _KEPT_EVENT_ROWS:
            self._event_rows.popitem(last=False)
        return found

    def matcher_rows(self, matcher: EventMatcher) -> RowSet:
        """The working rows the matcher accepts (§2): its names OR'd, its filters AND'd."""
        codes = sorted(set(event_codes(self.prepared.table, matcher)))
        if len(codes) == 1 and not matcher.where:
            return self.event_rows(codes[0])
        parts = [self.event_rows(code).positions for code in codes]
        # Each part is sorted: the stable sort merges the runs in linear time.
        positions = np.sort(np.concatenate(parts), kind="stable") if parts else np.zeros(0, int)
        if matcher.where and len(positions):
            holds = self.prepared.filters_hold(matcher.where, self.table_rows(positions))
            positions = positions[holds]
        return RowSet(self.frame, positions.astype(np.int64, copy=False))

    @cached_property
    def tie_start(self) -> np.ndarray:
        return tie_group_start(self.frame)
