"""Each unit's path as a row of event codes (FUNNEL_SEMANTICS §13), for all units at once.

A path looks at one contiguous range of a unit's working rows (rows are ordered by unit,
then time, then input order): before the entry event within the lookback, strictly
between two matched events, or after the step-k event inside the window. Collapsing
consecutive repeats turns a range into the runs of equal names it overlaps, and the
runs of the whole table are found once (one comparison of neighbouring rows), so a
range's collapsed sequence is a span of run indices: its L events nearest the anchor
are L reads, never a walk over the rows in between. The runs are kept per unit layout,
like the layout's other caches, so a second paths question costs no pass over the rows.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame

PAD = -1  # no event at this place of the path (it is shorter)
_INT64_MAX = int(np.iinfo(np.int64).max)
_INT64_MIN = int(np.iinfo(np.int64).min)


@dataclass(frozen=True)
class Ranges:
    """Per unit, the working rows [lo, hi) a path is taken from."""

    lo: np.ndarray
    hi: np.ndarray


def before(frame: UnitFrame, entry: np.ndarray, lookback: int) -> Ranges:
    """Into step 1: the rows before each entry row (earlier in §1 order), at most
    `lookback` earlier in time (inclusive)."""
    if len(frame.time):
        # Capped so that `t1 - lookback` cannot wrap around; no row is earlier anyway.
        lookback = min(lookback, int(frame.time.min()) - _INT64_MIN)
    unit = frame.unit[entry]
    unit_start = np.where(unit > 0, frame.unit_end[np.maximum(unit - 1, 0)], 0)
    lo = first_at_time(frame.time, unit_start, entry, frame.time[entry] - lookback)
    return Ranges(lo, entry)


def between(start: np.ndarray, end: np.ndarray) -> Ranges:
    """The rows strictly between two matched events."""
    return Ranges(start + 1, end)


def after_within(frame: UnitFrame, start: np.ndarray, window_end: np.ndarray) -> Ranges:
    """The rows after each `start` row, up to and including the window's end instant."""
    unit_end = frame.unit_end[frame.unit[start]]
    past = np.minimum(window_end, _INT64_MAX - 1) + 1
    return Ranges(start + 1, first_at_time(frame.time, start + 1, unit_end, past))


@dataclass(frozen=True)
class Runs:
    """Runs of one event name in a row (a unit's first row always starts one)."""

    starts: RowSet  # the rows where a run begins; its rank lookups give a row's run
    code: np.ndarray  # each run's event code


_RUNS: weakref.WeakKeyDictionary[UnitRows, Runs] = weakref.WeakKeyDictionary()
_RUNS_LOCK = threading.Lock()


def runs_of(rows: UnitRows) -> Runs:
    """The runs of `rows`, found on first use and kept while the layout lives."""
    with _RUNS_LOCK:
        found = _RUNS.get(rows)
    if found is None:
        found = _find_runs(rows.events, rows.frame)
        with _RUNS_LOCK:
            _RUNS[rows] = found
    return found


def _find_runs(events: np.ndarray, frame: UnitFrame) -> Runs:
    n = len(events)
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        np.not_equal(events[1:], events[:-1], out=change[1:])
        ends = frame.unit_end[:-1]
        change[ends[ends < n]] = True
    starts = np.flatnonzero(change)
    return Runs(RowSet(frame, starts), np.asarray(events[starts]))


def nearest_events(
    events: np.ndarray,
    runs: Runs | None,
    ranges: Ranges,
    length: int,
    *,
    from_end: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per range, the codes of its (collapsed unless `runs` is None) events nearest the
    anchor: the range's end (`from_end`, into step 1) or its start (between steps).

    Returns (codes, found): codes is (n, length), column j the (j+1)-th nearest event,
    PAD past `found`, the number of events there were (at most `length`).
    """
    lo, hi = ranges.lo, ranges.hi
    some = np.flatnonzero(lo < hi)
    first, last = lo[some], hi[some] - 1
    code_of = events
    if runs is not None:
        # A row's run: the last run starting at or before it.
        first = runs.starts.count_through(first) - 1
        last = runs.starts.count_through(last) - 1
        code_of = runs.code
    n_found = np.minimum(last - first + 1, length)
    found = np.zeros(len(lo), dtype=np.int64)
    found[some] = n_found
    codes = np.full((len(lo), length), PAD, dtype=np.int64)
    for j in range(length):
        ok = np.flatnonzero(n_found > j)
        at = last[ok] - j if from_end else first[ok] + j
        codes[some[ok], j] = code_of[at]
    return codes, found


def first_at_time(
    time: np.ndarray, lo: np.ndarray, hi: np.ndarray, not_before: np.ndarray
) -> np.ndarray:
    """Per query, the first index in [lo, hi) whose time is >= not_before (hi if none).

    `arrays.first_at_time`, but each round looks only at the queries still searching: the
    ranges here are whole stretches of a unit's rows, mostly short and some very long,
    so most queries are done long before the last round.
    """
    lo, hi = lo.copy(), hi.copy()
    active = np.flatnonzero(lo < hi)
    while len(active):
        low, high = lo[active], hi[active]
        mid = (low + high) >> 1
        early = time[mid] < not_before[active]
        low = np.where(early, mid + 1, low)
        high = np.where(early, high, mid)
        lo[active], hi[active] = low, high
        active = active[low < high]
    return lo


def into_matrix(codes: np.ndarray, found: np.ndarray, start_code: int) -> np.ndarray:
    """Paths into step 1 in time order: "(start)" first when fewer than L events were
    found, then the events, oldest first; PAD after the end. Shape (n, L + 1)."""
    n, length = codes.shape
    out = np.full((n, length + 1), PAD, dtype=np.int64)
    short = found < length
    out[short, 0] = start_code
    offset = short.astype(np.int64)
    for j in range(length):
        ok = np.flatnonzero(found > j)
        # The (j+1)-th nearest event sits j places before the path's last event.
        out[ok, offset[ok] + found[ok] - 1 - j] = codes[ok, j]
    return out


def after_matrix(codes: np.ndarray, found: np.ndarray, none_code: int) -> np.ndarray:
    """Paths after a step in time order ("(direct)" or "(nothing)" when empty). (n, L)"""
    out = codes.copy()
    out[found == 0, 0] = none_code
    return out
