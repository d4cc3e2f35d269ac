"""Counting attempts (FUNNEL_SEMANTICS §16, `"count": "totals"`): which attempts of each
unit count, vectorised over all units at once.

Attempts are taken in time order; one counts when its step-1 event comes after the end
of the unit's last counted attempt: its last-step event (later in §1 order) when it
reached the last step, else strictly after its window's end instant. Void attempts
neither count nor block. Each counted attempt then stands as a row of its own, like a
unit in §3.4, with its level as its "furthest step".

The rule is a chain per unit: the first attempt, then the first one past its end, and
so on. Each round follows the chains one link for every unit at once; the few units
with long chains (a bot converting every minute) are finished by pointer doubling, so
no unit costs a round per attempt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts, known
from funnel_gui.core.engine.reported import BestAttempts

# Chain links followed one round at a time before the rest is doubled.
_ROUNDS_BEFORE_DOUBLING = 24
# Candidates looked at one by one before a binary search.
_LOOKS_BEFORE_SEARCH = 3


def counted_attempts(attempts: Attempts, n_steps: int) -> tuple[BestAttempts, np.ndarray]:
    """The counted attempts (§16) as rows of a `BestAttempts`, in unit then entry order,
    plus one excluded row per unit whose attempts are all void; and per row the number of
    the counted attempt within its unit (0, 1, ...; NONE on excluded rows)."""
    live = np.flatnonzero(~attempts.void) if attempts.void.any() else None
    ordinal = _Links(attempts, live, n_steps).ordinals()
    picked = np.flatnonzero(ordinal >= 0)
    counted = picked if live is None else live[picked]
    rows = _rows_of(attempts, counted, n_steps)
    numbers = ordinal[picked].astype(np.int64)
    if live is None:
        return rows, numbers
    excluded_units = _units_all_void(attempts, live)
    if not len(excluded_units):
        return rows, numbers
    return _with_excluded(rows, numbers, excluded_units, n_steps)


class _Links:
    """The non-void attempts (indices 0..m-1 here, in entry order) and, for any of them,
    the next one that would count after it."""

    def __init__(self, attempts: Attempts, live: np.ndarray | None, n_steps: int) -> None:
        entries = attempts.entries
        # Nothing void (the usual case): the entries' own arrays, no copies.
        self.time = entries.time if live is None else entries.time[live]
        self.unit = entries.unit if live is None else entries.unit[live]
        self.m = m = len(self.time)
        self.single = n_steps == 1
        self.window = attempts.window
        self.heads = first_of_run(self.unit)
        # Complete attempts end at their last-step event: the next one starts after it.
        self.complete = np.zeros(m, dtype=bool)
        self.complete_at = np.zeros(0, dtype=np.int64)  # ascending
        self.complete_next = np.zeros(0, dtype=np.int64)
        if len(attempts.tiers) == n_steps and n_steps > 1 and m:
            last = attempts.tiers[-1]
            done, ends = last.members(), known(last.position)
            if live is not None:
                at = np.searchsorted(live, done)
                ok = live[np.minimum(at, m - 1)] == done
                done, ends = at[ok], ends[ok]
            starts = entries.positions if live is None else entries.positions[live]
            after = np.searchsorted(starts, ends, side="right")
            inside = after < m
            inside[inside] = self.unit[after[inside]] == self.unit[done[inside]]
            self.complete[done] = True
            self.complete_at = done
            self.complete_next = np.where(inside, after, m)

    def ordinals(self) -> np.ndarray:
        """Per non-void attempt, its number among its unit's counted ones (0, 1, ...),
        -1 when it does not count (§16)."""
        if self.single or not self.m:
            # One step: every attempt ends at its own step-1 event; the next is after it.
            return _number_within_runs(self.heads, self.m)
        last = np.append(self.heads[1:], self.m) - 1
        return _follow_chains(self.next_of, self.heads, last, self.m)

    def next_of(self, at: np.ndarray, last: np.ndarray) -> np.ndarray:
        """The next attempt to count after each of `at` (m when its unit has none), given
        the last attempt of each one's unit."""
        found = np.full(len(at), self.m, dtype=np.int64)
        bound = self.time[at] + self.window
        # Most units' attempts all lie inside the first one's window: nothing follows
        # (the unit's last attempt itself never lies past its own window).
        beyond = np.flatnonzero(self.time[last] > bound)
        if len(self.complete_at):
            done = np.flatnonzero(self.complete[at])
            if len(done):
                which = np.searchsorted(self.complete_at, at[done])
                found[done] = self.complete_next[which]
                beyond = beyond[~self.complete[at[beyond]]]
        found[beyond] = _first_later(self.time, at[beyond] + 1, last[beyond], bound[beyond])
        return found


def _first_later(
    time: np.ndarray, a: np.ndarray, last: np.ndarray, bound: np.ndarray
) -> np.ndarray:
    """Per query, the first index in [a, last] whose time is > bound; times rise within
    each range and time[last] > bound. Windows hold few attempts, so the candidates are
    first looked at one by one; a binary search settles the rest."""
    out = np.empty(len(a), dtype=np.int64)
    todo = np.arange(len(a))
    b = last
    for _ in range(_LOOKS_BEFORE_SEARCH):
        found = time[a] > bound
        out[todo[found]] = a[found]
        keep = np.flatnonzero(~found)
        if not len(keep):
            return out
        todo, a, b, bound = todo[keep], a[keep] + 1, b[keep], bound[keep]
    # Binary search for the first time > bound in [a, b] (time[b] is past it).
    while len(todo):
        mid = (a + b) // 2
        early = time[mid] <= bound
        a = np.where(early, mid + 1, a)
        b = np.where(early, b, mid)
        settled = a >= b
        out[todo[settled]] = a[settled]
        going = ~settled
        todo, a, b, bound = todo[going], a[going], b[going], bound[going]
    return out


def _follow_chains(
    next_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    heads: np.ndarray,
    last: np.ndarray,
    m: int,
) -> np.ndarray:
    """Per index, its place on the chain from its unit's head (0 for the head), -1 when
    no chain reaches it. `last`: each head's unit's last index."""
    ordinal = np.full(m, -1, dtype=np.int32)
    ordinal[heads] = 0
    frontier = heads
    for depth in range(1, _ROUNDS_BEFORE_DOUBLING + 1):
        after = next_of(frontier, last)
        going = np.flatnonzero(after < m)
        if not len(going):
            return ordinal
        frontier, last = after[going], last[going]
        ordinal[frontier] = depth
    nodes, depth_of = _chains_by_doubling(next_of, frontier, last, m)
    ordinal[nodes] = _ROUNDS_BEFORE_DOUBLING + depth_of
    return ordinal


def _chains_by_doubling(
    next_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    starts: np.ndarray,
    last: np.ndarray,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The chains from `starts` (each start included, at depth 0) and each node's depth,
    by pointer doubling over every attempt from each start to the end of its unit:
    log2(length) rounds."""
    lengths = last + 1 - starts
    offset = np.cumsum(lengths) - lengths
    owner = np.repeat(np.arange(len(starts)), lengths)
    nodes = starts[owner] + np.arange(len(owner)) - offset[owner]
    after = next_of(nodes, last[owner])
    # Links stay in the unit, whose attempts are all among `nodes`, so a link's local
    # index is its distance from the unit's start plus that start's local index.
    local_end = len(nodes)
    jump = np.where(after < m, after - starts[owner] + offset[owner], local_end)
    jump = np.append(jump, local_end)
    found, depth, step = offset.copy(), np.zeros(len(starts), dtype=np.int64), 1
    while True:
        reached = jump[found]
        keep = reached < local_end
        if not keep.any():
            return nodes[found], depth
        found = np.concatenate((found, reached[keep]))
        depth = np.concatenate((depth, depth[keep] + step))
        jump, step = jump[jump], 2 * step


def _number_within_runs(heads: np.ndarray, m: int) -> np.ndarray:
    """0, 1, ... along each run starting at `heads`."""
    lengths = np.diff(np.append(heads, m))
    return np.asarray(np.arange(m) - np.repeat(heads, lengths), dtype=np.int32)


def _rows_of(attempts: Attempts, counted: np.ndarray, n_steps: int) -> BestAttempts:
    """The counted attempts' levels, matched rows and times, tier by tier."""
    n = len(counted)
    positions = np.full((n_steps, n), NONE, dtype=np.int64)
    times = np.full((n_steps, n), NAT, dtype=np.int64)
    entries = attempts.entries
    positions[0] = entries.positions[counted]
    times[0] = entries.time[counted]
    level = np.ones(n, dtype=np.int64)
    # Rank of each counted attempt among the counted: where its row goes.
    rank = np.full(len(attempts), NONE, dtype=np.int64)
    rank[counted] = np.arange(n)
    for k in range(1, len(attempts.tiers)):
        tier = attempts.tiers[k]
        row = rank[tier.members()]
        at = np.flatnonzero(row != NONE)
        row = row[at]
        positions[k, row] = known(tier.position)[at]
        times[k, row] = known(tier.time)[at]
        level[row] = k + 1
    excluded = np.zeros(n, dtype=bool)
    unit = entries.unit[counted]
    return BestAttempts(unit, level, excluded, counted, positions[0], positions, times)


def _units_all_void(attempts: Attempts, live: np.ndarray) -> np.ndarray:
    """Units with attempts but none that is not void (§4: excluded; §16: still per unit)."""
    unit = attempts.entries.unit
    has_live = np.zeros(len(attempts.frame.unit_end), dtype=bool)
    has_live[unit[live]] = True
    entered = unit[first_of_run(unit)]
    return np.asarray(entered[~has_live[entered]], dtype=np.int64)


def _with_excluded(
    rows: BestAttempts, numbers: np.ndarray, units: np.ndarray, n_steps: int
) -> tuple[BestAttempts, np.ndarray]:
    """`rows` plus one excluded row per unit of `units`, all in unit order."""
    n = len(units)
    unit = np.concatenate((rows.unit, units))
    order = np.argsort(unit, kind="stable")
    none = np.full(n, NONE, dtype=np.int64)
    merged = BestAttempts(
        unit=unit[order],
        furthest=np.concatenate((rows.furthest, np.zeros(n, dtype=np.int64)))[order],
        excluded=np.concatenate((rows.excluded, np.ones(n, dtype=bool)))[order],
        attempt=np.concatenate((rows.attempt, none))[order],
        entry=np.concatenate((rows.entry, none))[order],
        positions=np.concatenate((rows.positions, np.full((n_steps, n), NONE)), axis=1)[:, order],
        times=np.concatenate((rows.times, np.full((n_steps, n), NAT)), axis=1)[:, order],
    )
    return merged, np.concatenate((numbers, none))[order]
