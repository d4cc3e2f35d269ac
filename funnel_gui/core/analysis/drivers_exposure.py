"""Who did what before the landmark (FUNNEL_SEMANTICS §12), for every candidate at once.

Each entrant's observation period [t1 − lookback, t1 + landmark) is a contiguous slice of
its working rows (rows are ordered by unit, then time), found by one vectorised binary
search per end. The slices' events are then sorted by event code with a counting sort,
which keeps each code's units in order, so "unit u did event E n times" comes out as
runs of equal (code, unit) pairs in linear time, for every event name at once.

A candidate's exposure is a list of (candidate, unit, own count) entries; every count the
statistics need is a `bincount` over those entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition
from funnel_gui.core.engine.attempts import NAT, NONE, first_at_time
from funnel_gui.core.engine.micro_macro import ReportedAttempts, macro_step
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.io.rowcodes import stable_order_of_codes

_INT64_MAX = int(np.iinfo(np.int64).max)
_INT64_MIN = int(np.iinfo(np.int64).min)


@dataclass(frozen=True)
class Observation:
    """Per entrant (a unit that entered and is not excluded), in unit order."""

    entry: np.ndarray  # working row of the reported attempt's step-1 event
    t1: np.ndarray  # its time
    lo: np.ndarray  # observation rows are [lo, hi), the entry row among them
    hi: np.ndarray
    n_other: np.ndarray  # events in the period other than the step-1 event
    converted: np.ndarray  # Y: furthest step >= M
    t_macro: np.ndarray  # time the reported attempt reached M, NAT if it did not
    window_end: np.ndarray
    converted_before_landmark: np.ndarray
    window_closed: np.ndarray
    actor: np.ndarray  # actor code
    furthest: np.ndarray

    @property
    def eligible(self) -> np.ndarray:
        return np.asarray(~self.converted_before_landmark & self.window_closed)

    @property
    def still_open(self) -> np.ndarray:
        """Entrants left out because their window has not closed (and not converted early)."""
        return np.asarray(~self.converted_before_landmark & ~self.window_closed)


def observe(
    rows: UnitRows,
    reported: ReportedAttempts,
    definition: FunnelDefinition,
    unit_actor: np.ndarray,
    *,
    landmark: int,
    lookback: int,
    last_time: int,
) -> Observation:
    """The observation periods and outcomes of every entrant."""
    frame = rows.frame
    # Times lie within the data, so capping the period at the int64 range changes
    # nothing but keeps `t1 ± duration` from wrapping around.
    if len(frame.time):
        landmark = min(landmark, _INT64_MAX - int(frame.time.max()))
        lookback = min(lookback, int(frame.time.min()) - _INT64_MIN)
    keep = np.flatnonzero(~reported.excluded)
    entry = reported.entry[keep]
    unit = frame.unit[entry]
    t1 = frame.time[entry]
    unit_end = frame.unit_end[unit]
    unit_start = np.where(unit > 0, frame.unit_end[np.maximum(unit - 1, 0)], 0)
    lo = first_at_time(frame.time, unit_start, entry + 1, t1 - lookback)
    hi = first_at_time(frame.time, entry, unit_end, t1 + landmark)
    m = macro_step(definition)
    furthest = reported.furthest[keep]
    converted = furthest >= m
    t_macro = _macro_time(frame.time, reported.positions[:, keep], m, definition.order == "any")
    t_macro = np.where(converted, t_macro, NAT)
    window_end = reported.window_end[keep]
    return Observation(
        entry=entry,
        t1=t1,
        lo=lo,
        hi=hi,
        n_other=hi - lo - 1,
        converted=converted,
        t_macro=t_macro,
        window_end=window_end,
        converted_before_landmark=converted & (t_macro < t1 + landmark),
        window_closed=window_end <= last_time,
        actor=unit_actor[unit].astype(np.int64),
        furthest=furthest,
    )


def _macro_time(time: np.ndarray, positions: np.ndarray, m: int, any_order: bool) -> np.ndarray:
    """When each reported attempt reached step M (§3.1), or completed M steps (§3.3)."""
    if not any_order:
        at = positions[m - 1]
        return np.where(at != NONE, time[np.maximum(at, 0)], NAT)
    times = np.where(positions != NONE, time[np.maximum(positions, 0)], np.iinfo(np.int64).max)
    return np.sort(times, axis=0)[m - 1] if len(times) else np.zeros(0, np.int64)


@dataclass(frozen=True)
class PeriodEvents:
    """The events of every observation period but the step-1 events themselves."""

    unit: np.ndarray  # entrant index, ascending
    row: np.ndarray  # working row
    code: np.ndarray  # event code


def period_events(rows: UnitRows, obs: Observation) -> PeriodEvents:
    lengths = obs.hi - obs.lo
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    row = np.arange(total, dtype=np.int64) - np.repeat(starts - obs.lo, lengths)
    keep = row != obs.entry[owner]
    return PeriodEvents(owner[keep], row[keep], rows.events[row[keep]].astype(np.int64))


@dataclass(frozen=True)
class Runs:
    """Distinct (key, unit) pairs with how often each occurred, grouped by key."""

    key: np.ndarray
    unit: np.ndarray
    count: np.ndarray


def runs_of(keys: np.ndarray, units: np.ndarray) -> Runs:
    """Count (key, unit) pairs; `units` must be non-decreasing and keys small integers."""
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return Runs(empty, empty, empty)
    order = stable_order_of_codes(keys)  # stable: each key's units stay ascending
    k, u = keys[order], units[order]
    start = np.empty(len(k), dtype=bool)
    start[0] = True
    start[1:] = (k[1:] != k[:-1]) | (u[1:] != u[:-1])
    heads = np.flatnonzero(start)
    counts = np.diff(np.append(heads, len(k)))
    return Runs(k[heads], u[heads], counts)


def matcher_counts(rows: UnitRows, matcher: EventMatcher, obs: Observation) -> np.ndarray:
    """Per entrant, its events in the period that `matcher` accepts (the step-1 event not
    counted)."""
    positions = rows.matcher_rows(matcher).positions
    # Plain binary searches: `hi` may be one past the last row, which the rank bitmap
    # of RowSet does not cover.
    inside = np.searchsorted(positions, obs.hi) - np.searchsorted(positions, obs.lo)
    at_entry = np.searchsorted(positions, obs.entry + 1) - np.searchsorted(positions, obs.entry)
    return np.asarray(inside - at_entry, dtype=np.int64)
