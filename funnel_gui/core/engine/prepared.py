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
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np

from funnel_gui.core.definition.model import EventMatcher, Filter, FunnelDefinition
from funnel_gui.core.engine.matching import PropertyText, decode_property, event_codes, filter_holds
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame
from funnel_gui.core.events import EventTable
from funnel_gui.core.io.rowcodes import stable_order_of_codes

# Layouts beside the plain actor and session ones (funnel-wide filters, sessions from
# inactivity, §18, §20) kept for recomputes; each costs about as much memory as the table.
_KEPT_LAYOUTS = 2


@dataclass(frozen=True)
class LayoutKey:
    """What decides a unit layout: the unit, the funnel-wide filters (§18) and, for the
    session unit, the inactivity timeout that makes the sessions (§20)."""

    unit: str
    filters: tuple[Filter, ...] = ()
    inactivity_ns: int | None = None

    @classmethod
    def of(cls, defn: FunnelDefinition) -> LayoutKey:
        return cls.make(defn.unit, defn.filters, defn.inactivity_ns)

    @classmethod
    def make(
        cls, unit: str, filters: Sequence[Filter] = (), inactivity_ns: int | None = None
    ) -> LayoutKey:
        # With the actor unit the timeout changes nothing (§20): one layout serves both.
        return cls(unit, tuple(filters), inactivity_ns if unit == "session" else None)


class PreparedTable:
    """An `EventTable` with its unit layouts and decoded properties, built on first use."""

    def __init__(self, table: EventTable) -> None:
        self.table = table
        self._lock = threading.RLock()
        self._unit_rows: dict[LayoutKey, UnitRows] = {}
        self._other_rows: OrderedDict[LayoutKey, UnitRows] = OrderedDict()
        self._property_text: dict[str, PropertyText | None] = {}

    def unit_rows(
        self, unit: str, filters: Sequence[Filter] = (), inactivity_ns: int | None = None
    ) -> UnitRows:
        """The working rows for `unit` ("actor" or "session"), after the funnel-wide
        `filters` (§18), with sessions from inactivity when `inactivity_ns` is set (§20)."""
        return self.layout(LayoutKey.make(unit, filters, inactivity_ns))

    def layout(self, key: LayoutKey) -> UnitRows:
        with self._lock:
            if key == LayoutKey(key.unit):
                if key not in self._unit_rows:
                    self._unit_rows[key] = build_unit_rows(self, key)
                return self._unit_rows[key]
            found = self._other_rows.pop(key, None)
            if found is None:
                found = build_unit_rows(self, key)
            self._other_rows[key] = found
            while len(self._other_rows) > _KEPT_LAYOUTS:
                self._other_rows.popitem(last=False)
            return found

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
# Layouts derived from one (held layouts, §17); each weighs about as much as the layout.
_KEPT_DERIVED = 2
_D = TypeVar("_D")


def build_unit_rows(prepared: PreparedTable, key: LayoutKey) -> UnitRows:
    """The unit layout of `key`: the rows the funnel-wide filters keep, grouped by unit.

    The table is sorted by actor, then time, then input order, so keeping a subset keeps
    that order, and sessions from inactivity are runs of it: only imported sessions
    need a sort.
    """
    table = prepared.table
    kept: np.ndarray | None = None
    if key.filters:
        kept = np.flatnonzero(prepared.filters_hold(key.filters, np.arange(len(table))))
    last_time = table.last_time_ns
    if kept is not None:
        last_time = int(table.time[kept].max()) if len(kept) else 0
    if key.unit != "session":
        actor = table.actor if kept is None else table.actor[kept]
        return UnitRows(prepared, kept, actor, last_time_ns=last_time, actor_units=True)
    if key.inactivity_ns is not None:
        unit_ids, ends, ordinal = inactivity_sessions(table, kept, key.inactivity_ns)
        rows = UnitRows(prepared, kept, unit_ids, last_time_ns=last_time, ends=ends)
        rows.unit_session = ordinal
        return rows
    if table.session is None:
        empty = np.zeros(0, dtype=np.int64)
        return UnitRows(prepared, empty, empty, last_time_ns=last_time)
    has_session = table.session >= 0
    valid = np.flatnonzero(has_session) if kept is None else kept[has_session[kept]]
    pair = table.actor[valid].astype(np.int64) * (int(table.session.max()) + 1)
    pair += table.session[valid]
    _, dense = np.unique(pair, return_inverse=True)
    order = stable_order_of_codes(dense.astype(np.int64))
    rows = UnitRows(prepared, valid[order], dense[order].astype(np.int64), last_time_ns=last_time)
    rows.unit_session = rows.take(table.session)[rows.first_row]
    rows.session_ids = table.session_ids
    return rows


def inactivity_sessions(
    table: EventTable, kept: np.ndarray | None, inactivity_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """§20: per kept row its session (a new one where the actor changes or the gap to the
    actor's previous event exceeds the timeout; a gap equal to it stays), numbered in row
    order; where each session ends (exclusive); and per session its number within its
    actor (0, 1, ...)."""
    actor = table.actor if kept is None else table.actor[kept]
    time = table.time if kept is None else table.time[kept]
    if not len(time):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    new = np.empty(len(time), dtype=bool)
    new[0] = True
    np.not_equal(actor[1:], actor[:-1], out=new[1:])
    new[1:] |= np.subtract(time[1:], time[:-1]) > inactivity_ns
    # int32 codes, like the table's own actor codes, when there are fewer than 2**31.
    session: np.ndarray = np.cumsum(new, dtype=np.int32 if len(time) < 2**31 else np.int64)
    np.subtract(session, 1, out=session)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(time))
    # A session's number within its actor: its index minus that of the actor's first one.
    first_of_actor = np.ones(len(starts), dtype=bool)
    first_of_actor[1:] = actor[starts[1:]] != actor[starts[:-1]]
    heads = np.flatnonzero(first_of_actor)
    ordinal = np.arange(len(starts)) - np.repeat(heads, np.diff(np.append(heads, len(starts))))
    return session, ends, ordinal.astype(np.int64)


class UnitRows:
    """The working rows: table positions ordered by unit, then time, then input order.

    `positions` maps working rows to table rows (None: the same, every row of an
    actor-ordered table). Per unit id, `unit_actor` is its actor and `unit_session` its
    session code (imported sessions) or its number within the actor (§20), None for the
    actor unit. `last_time_ns` is the last timestamp of the events the funnel-wide
    filters keep (§7, §18).
    """

    def __init__(
        self,
        prepared: PreparedTable,
        positions: np.ndarray | None,
        unit_ids: np.ndarray,
        *,
        last_time_ns: int,
        actor_units: bool = False,
        ends: np.ndarray | None = None,
    ) -> None:
        table = prepared.table
        self.prepared = prepared
        self.positions = positions
        self.last_time_ns = last_time_ns
        n_units = int(unit_ids[-1]) + 1 if len(unit_ids) else 0
        if ends is None:
            ends = np.cumsum(np.bincount(unit_ids, minlength=n_units))
        self.frame = UnitFrame(self.take(table.time), unit_ids, ends)
        self.events = self.take(table.event)
        self.first_row = np.concatenate(([0], ends[:-1])).astype(np.int64)[:n_units]
        if actor_units:
            self.unit_actor = np.arange(n_units, dtype=np.int64)
        else:
            self.unit_actor = self.take(table.actor)[self.first_row] if n_units else self.first_row
        self.unit_session: np.ndarray | None = None
        self.session_ids: Any = None  # the export's session ids, for imported sessions
        self._event_rows: OrderedDict[int, RowSet] = OrderedDict()
        self._derived: dict[str, OrderedDict[Hashable, object]] = {}

    def derived(self, kind: str, key: Hashable, build: Callable[[], _D]) -> _D:
        """What another module builds from this layout (the held layout of §17, the rows
        of any step of §3.3), kept for recomputes: the most recently used few of each
        kind, so that one kind never pushes another out."""
        with self.prepared._lock:
            kept = self._derived.setdefault(kind, OrderedDict())
            found = kept.pop(key, None)
            if found is None:
                found = build()
            kept[key] = found
            while len(kept) > _KEPT_DERIVED:
                kept.popitem(last=False)
            return cast(_D, found)

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
