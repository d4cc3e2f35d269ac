"""Who did what before the landmark (FUNNEL_SEMANTICS §12), for every candidate at once.

Each entrant's observation period [t1 − lookback, t1 + landmark) is a contiguous slice of
its working rows (rows are ordered by unit, then time), found by one vectorised binary
search per end. The slices' events, packed as (unit, event code) numbers, are in order
but within each unit's few events; a merge sort finishes the order in near-linear time,
so "unit u did event E n times" comes out as runs of equal numbers, for every event name
at once.

A candidate's exposure is a list of (candidate, unit, own count) entries; every count the
statistics need is a `bincount` over those entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NAT, NONE
from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition
from funnel_gui.core.engine.micro_macro import ReportedAttempts, macro_step
from funnel_gui.core.engine.prepared import UnitRows

_INT64_MAX = int(np.iinfo(np.int64).max)
# runs_of counts pairs in an array of every possible pair number when there are at most
# this many numbers per pair (memory: 8 bytes a number), and sorts them otherwise.
_COUNT_NOT_SORT = 4
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
    lo = _first_at_time(frame.time, unit_start, entry + 1, t1 - lookback)
    hi = _first_at_time(frame.time, entry, unit_end, t1 + landmark)
    m = macro_step(definition)
    furthest = reported.furthest[keep]
    converted = furthest >= m
    t_macro = _macro_time(frame.time, reported.positions[:, keep], m, definition.order == "any")
    if definition.steps[m - 1].optional:  # §15: an optional M counts who matched it
        converted &= t_macro != NAT
    # §15: an open funnel's attempt entering after M counts at M from its entry.
    t_macro = np.where(converted & (t_macro == NAT), t1, t_macro)
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


def _first_at_time(
    time: np.ndarray, lo: np.ndarray, hi: np.ndarray, not_before: np.ndarray
) -> np.ndarray:
    """Per query, the first index in [lo, hi) whose time is >= not_before (hi if none);
    `time` never decreases inside a query's range.

    `core.arrays.first_at_time`, faster on many short ranges: the ends are looked at
    first (many periods start at a unit's first row or run to its last), and each round
    of the binary search only touches the queries still open (a unit's rows are few).
    """
    out = hi.copy()
    live = np.flatnonzero(lo < hi)
    low, high, target = lo[live], hi[live], not_before[live]
    high -= 1
    at_low = time[low] >= target
    out[live[at_low]] = low[at_low]
    open_ = ~at_low & (time[high] >= target)  # the others have no such row: hi
    live, low, high, target = live[open_], low[open_] + 1, high[open_], target[open_]
    # The answer is in [low, high]: time[high] >= target.
    while len(live):
        mid = (low + high) >> 1
        early = time[mid] < target
        low = np.where(early, mid + 1, low)
        high = np.where(early, high, mid)
        done = low >= high
        if done.any():
            out[live[done]] = low[done]
            going = ~done
            live, low, high, target = live[going], low[going], high[going], target[going]
    return out


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
    starts = np.cumsum(lengths) - lengths
    # Lay the periods end to end, then drop each one's step-1 event by its position
    # (it is always inside but when the landmark had to be capped to nothing).
    inside = obs.hi > obs.entry
    keep = np.ones(int(lengths.sum()), dtype=bool)
    keep[(starts + (obs.entry - obs.lo))[inside]] = False
    row = np.flatnonzero(keep)
    row -= np.repeat(starts - obs.lo, lengths)[keep]
    owner = np.repeat(np.arange(len(lengths)), lengths - inside)
    return PeriodEvents(owner, row, rows.events[row].astype(np.int64))


@dataclass(frozen=True)
class Runs:
    """Distinct (key, unit) pairs with how often each occurred, by unit, then key."""

    key: np.ndarray
    unit: np.ndarray
    count: np.ndarray


def runs_of(keys: np.ndarray, units: np.ndarray, n_keys: int | None = None) -> Runs:
    """Count (key, unit) pairs; `units` must be non-decreasing and keys small integers
    (below `n_keys`, which defaults to the largest key + 1).

    Packed as unit × n_keys + key, the pairs are already in order but for the few events
    of each unit, so a merge sort (numpy's stable sort, which finds the sorted runs) puts
    them in order in near-linear time, and equal neighbours are the repeats.
    """
    width = (int(keys.max()) + 1 if len(keys) else 1) if n_keys is None else n_keys
    packed = units.astype(np.int64)
    packed *= width
    packed += keys
    return runs_of_packed(packed, width)


def runs_of_packed(packed: np.ndarray, width: int) -> Runs:
    """`runs_of` on pairs already packed as unit × width + key, non-decreasing in unit;
    sorts `packed` in place."""
    if not len(packed):
        empty = np.zeros(0, dtype=np.int64)
        return Runs(empty, empty, empty)
    # Units never decrease, so every number is below (last unit + 1) × width; when there
    # are not many more possible numbers than pairs, counting each beats sorting.
    span = (int(packed[-1]) // width + 1) * width
    if span <= _COUNT_NOT_SORT * len(packed):
        counts = np.bincount(packed, minlength=span)
        present = np.flatnonzero(counts)
        unit, key = np.divmod(present, width)
        return Runs(key, unit, counts[present])
    packed.sort(kind="stable")
    start = np.empty(len(packed), dtype=bool)
    start[0] = True
    np.not_equal(packed[1:], packed[:-1], out=start[1:])
    heads = np.flatnonzero(start)
    counts = np.diff(heads, append=len(packed))
    unit, key = np.divmod(packed[heads], width)
    return Runs(key, unit, counts)


def matcher_counts(rows: UnitRows, matcher: EventMatcher, obs: Observation) -> np.ndarray:
    """Per entrant, its events in the period that `matcher` accepts (the step-1 event not
    counted)."""
    positions = rows.matcher_rows(matcher).positions
    # Plain binary searches: `hi` may be one past the last row, which the rank bitmap
    # of RowSet does not cover.
    inside = np.searchsorted(positions, obs.hi) - np.searchsorted(positions, obs.lo)
    at_entry = np.searchsorted(positions, obs.entry + 1) - np.searchsorted(positions, obs.entry)
    return np.asarray(inside - at_entry, dtype=np.int64)
