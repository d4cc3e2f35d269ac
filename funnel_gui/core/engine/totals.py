"""Counting attempts (FUNNEL_SEMANTICS §16, `"count": "totals"`): which attempts of each
unit count, vectorised over all units at once.

Attempts are taken in time order; one counts when its step-1 event comes after the end
of the unit's last counted attempt: its last-step event (later in §1 order) when it
reached the last step, else strictly after its window's end instant. Void attempts
neither count nor block. Each counted attempt then stands as a row of its own, like a
unit in §3.4, with its level as its "furthest step".

The rule is a chain per unit: counted, then the first attempt past its end, and so on.
Each round follows the chain one link for every unit at once; the few units with long
chains (a bot converting every minute) are finished by pointer doubling, so no unit
costs a round per attempt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts, known
from funnel_gui.core.engine.reported import BestAttempts

# Chain links followed one round at a time before the rest is doubled.
_ROUNDS_BEFORE_DOUBLING = 24


def counted_attempts(attempts: Attempts, n_steps: int) -> tuple[BestAttempts, np.ndarray]:
    """The counted attempts (§16) as rows of a `BestAttempts`, in unit then entry order,
    plus one excluded row per unit whose attempts are all void; and per row the number of
    the counted attempt within its unit (0, 1, ...; NONE on excluded rows)."""
    level = attempt_levels(attempts)
    live = np.flatnonzero(~attempts.void) if attempts.void.any() else np.arange(len(attempts))
    counted = live[_counted_among(attempts, level[live], live, n_steps)]
    rows = _rows_of(attempts, counted, level[counted], n_steps)
    excluded_units = _units_all_void(attempts, live)
    if not len(excluded_units):
        return rows, _number_within_unit(rows.unit)
    merged = _with_excluded(rows, excluded_units, n_steps)
    ordinal = np.where(merged.excluded, NONE, _number_within_unit(merged.unit))
    return merged, ordinal


def attempt_levels(attempts: Attempts) -> np.ndarray:
    """Per attempt, the number of steps it matched (tiers are nested: the last wins)."""
    level = np.zeros(len(attempts), dtype=np.int64)
    for k, tier in enumerate(attempts.tiers):
        level[tier.members()] = k + 1
    return level


def _counted_among(
    attempts: Attempts, level: np.ndarray, live: np.ndarray, n_steps: int
) -> np.ndarray:
    """Indices into `live` (non-void attempt ids, ascending) of the counted ones."""
    m = len(live)
    if n_steps == 1 or not m:
        # One step: every attempt ends at its own step-1 event, so the next one is after it.
        return np.arange(m)
    entries = attempts.entries
    start = entries.positions[live]
    time = entries.time[live]
    unit = entries.unit[live]
    heads = first_of_run(unit)
    stop = np.repeat(np.append(heads[1:], m), np.diff(np.append(heads, m)))
    # End of each complete attempt: the working row of its last-step event.
    last = attempts.tiers[-1] if len(attempts.tiers) == n_steps else None
    last_row = np.full(len(attempts), NONE, dtype=np.int64)
    if last is not None:
        last_row[last.members()] = known(last.position)
    last_row = last_row[live]
    window_end = time + attempts.window

    def next_of(at: np.ndarray) -> np.ndarray:
        """The next counted attempt after each of `at` (m when the unit has none)."""
        out = np.empty(len(at), dtype=np.int64)
        complete = level[at] == n_steps
        done = at[complete]
        after = np.searchsorted(start, last_row[done], side="right")
        out[complete] = np.where(after < stop[done], after, m)
        rest = at[~complete]
        later = _first_later(time, rest + 1, stop[rest], window_end[rest])
        out[~complete] = np.where(later < stop[rest], later, m)
        return out

    return _follow_chains(next_of, heads, stop, m)


def _first_later(time: np.ndarray, lo: np.ndarray, hi: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Per query, the first index in [lo, hi) whose time is > bound (hi if none); times
    rise within each range. Mostly the first candidate settles it, so it is looked at
    before the binary search, which then runs only on the undecided queries."""
    out = hi.copy()
    open_ = np.flatnonzero(lo < hi)
    first_after = time[lo[open_]] > bound[open_]
    out[open_[first_after]] = lo[open_[first_after]]
    todo = open_[~first_after]
    # time[lo] <= bound on the undecided ones: search (lo, hi).
    a, b, limit = lo[todo] + 1, hi[todo], bound[todo]
    while len(todo):
        mid = (a + b) // 2
        live = a < b
        early = np.zeros(len(a), dtype=bool)
        early[live] = time[mid[live]] <= limit[live]
        a = np.where(live & early, mid + 1, a)
        b = np.where(live & ~early, mid, b)
        settled = a >= b
        out[todo[settled]] = a[settled]
        keep = ~settled
        todo, a, b, limit = todo[keep], a[keep], b[keep], limit[keep]
    return out


def _follow_chains(
    next_of: Callable[[np.ndarray], np.ndarray], heads: np.ndarray, stop: np.ndarray, m: int
) -> np.ndarray:
    """Every index on the chains from `heads` (one per unit; links stay in the unit)."""
    picked = [heads]
    frontier = heads
    for _ in range(_ROUNDS_BEFORE_DOUBLING):
        if not len(frontier):
            return np.sort(np.concatenate(picked))
        frontier = next_of(frontier)
        frontier = frontier[frontier < m]
        picked.append(frontier)
    if len(frontier):
        picked.append(_chains_by_doubling(next_of, frontier, stop, m))
    return np.sort(np.unique(np.concatenate(picked)))


def _chains_by_doubling(
    next_of: Callable[[np.ndarray], np.ndarray], starts: np.ndarray, stop: np.ndarray, m: int
) -> np.ndarray:
    """The chains from `starts` (the first link included), by pointer doubling over
    every attempt from each start to the end of its unit: log2(length) rounds."""
    lengths = stop[starts] - starts
    offset = np.cumsum(lengths) - lengths
    nodes = np.repeat(starts - offset, lengths) + np.arange(int(lengths.sum()))
    local_end = len(nodes)
    after = next_of(nodes)
    # Links stay in the unit, whose attempts are all among `nodes`, so a link's local
    # index is its distance from the unit's start plus that start's local index.
    unit_of = np.repeat(np.arange(len(starts)), lengths)
    jump = np.where(after < m, after - starts[unit_of] + offset[unit_of], local_end)
    jump = np.append(jump, local_end)
    found = offset.copy()
    while True:
        reached = jump[found]
        reached = reached[reached < local_end]
        if not len(reached):
            return np.asarray(nodes[found])
        found = np.concatenate((found, reached))
        jump = jump[jump]


def _number_within_unit(unit: np.ndarray) -> np.ndarray:
    """0, 1, ... along each run of equal units."""
    index = np.arange(len(unit))
    heads = np.zeros(len(unit), dtype=bool)
    heads[first_of_run(unit)] = True
    return np.asarray(index - np.maximum.accumulate(np.where(heads, index, 0)), dtype=np.int64)


def _rows_of(
    attempts: Attempts, counted: np.ndarray, level: np.ndarray, n_steps: int
) -> BestAttempts:
    """The counted attempts' matched rows and times, tier by tier."""
    n = len(counted)
    positions = np.full((n_steps, n), NONE, dtype=np.int64)
    times = np.full((n_steps, n), NAT, dtype=np.int64)
    entries = attempts.entries
    positions[0] = entries.positions[counted]
    times[0] = entries.time[counted]
    # Rank of each counted attempt among the counted: where its row goes.
    rank = np.full(len(attempts), NONE, dtype=np.int64)
    rank[counted] = np.arange(n)
    for k in range(1, len(attempts.tiers)):
        tier = attempts.tiers[k]
        row = rank[tier.members()]
        at = np.flatnonzero(row != NONE)
        positions[k, row[at]] = known(tier.position)[at]
        times[k, row[at]] = known(tier.time)[at]
    excluded = np.zeros(n, dtype=bool)
    unit = entries.unit[counted]
    return BestAttempts(unit, level, excluded, counted, positions[0], positions, times)


def _units_all_void(attempts: Attempts, live: np.ndarray) -> np.ndarray:
    """Units with attempts but none that is not void (§4: excluded; §16: still per unit)."""
    entered = attempts.entries.unit[first_of_run(attempts.entries.unit)]
    kept = attempts.entries.unit[live]
    return np.asarray(np.setdiff1d(entered, kept, assume_unique=False))


def _with_excluded(rows: BestAttempts, units: np.ndarray, n_steps: int) -> BestAttempts:
    """`rows` plus one excluded row per unit of `units`, all in unit order."""
    n = len(units)
    unit = np.concatenate((rows.unit, units))
    order = np.argsort(unit, kind="stable")
    none = np.full(n, NONE, dtype=np.int64)
    return BestAttempts(
        unit=unit[order],
        furthest=np.concatenate((rows.furthest, np.zeros(n, dtype=np.int64)))[order],
        excluded=np.concatenate((rows.excluded, np.ones(n, dtype=bool)))[order],
        attempt=np.concatenate((rows.attempt, none))[order],
        entry=np.concatenate((rows.entry, none))[order],
        positions=np.concatenate((rows.positions, np.full((n_steps, n), NONE)), axis=1)[:, order],
        times=np.concatenate((rows.times, np.full((n_steps, n), NAT)), axis=1)[:, order],
    )
