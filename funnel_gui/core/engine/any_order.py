"""Any-order funnels' attempts (FUNNEL_SEMANTICS §3.3): an attempt per event matching any
step, its level the number of distinct steps matched within the window.
"""

from __future__ import annotations

import numpy as np

from funnel_gui.core.arrays import NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts, Tier
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.row_sets import RowSet

# Whether levels are found only for the attempts that may be reported (tests switch it
# off to check that the others change nothing).
PRUNE = True


class AnyOrderSteps:
    """What any order needs to find an attempt's match for a step (§3.3).

    `steps` are searched in the unit's own layout, or with properties held (§17) in the
    held layout (`held`), whose rows map back to the unit's. The matches found while
    working out levels are kept, so the reported attempts' matches are not searched
    twice.
    """

    def __init__(
        self,
        steps: list[RowSet],
        entries: RowSet,
        tie_start: np.ndarray,
        window: int,
        held: HeldSearch | None = None,
    ) -> None:
        self.steps = steps
        self.entries = entries
        self.window = window
        self._tie_start = tie_start  # per row of the layout searched
        self._held = held
        self._slot: np.ndarray | None = None  # per attempt, where its matches are kept
        self._kept = np.zeros((len(steps), 0), dtype=np.int64)  # per step, their rows

    def _searched(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the attempts `at`: where their ties begin and their unit, in the layout
        searched, and the end of their window."""
        rows = self.entries.positions[at]
        limit = self.entries.frame.time[rows] + self.window
        if self._held is None:
            return self._tie_start[rows], self.entries.frame.unit[rows], limit
        held_rows = self._held.to_held(rows)
        units = self._held.layout.rows.frame.unit[held_rows]
        return self._tie_start[held_rows], units, limit

    def levels(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the attempts `at` (ascending): their level (§3.3); the steps with a match
        from e's ties on at any time, a bound on the level of every later attempt of the
        unit (their matches lie from their own, later, ties on); and (steps, attempts)
        the working row of each step's first match in the window (NONE if none)."""
        level = np.zeros(len(at), dtype=np.int32)
        bound = np.zeros(len(at), dtype=np.int32)
        rows = np.full((len(self.steps), len(at)), NONE, dtype=np.int64)
        ties, units, limit = self._searched(at)
        for k, step in enumerate(self.steps):
            if not len(step):
                continue
            # From e's ties on, positions and times rise together: the first match by
            # row is the first by time, and a match at all in the window if it is in it.
            found, idx = step.first_at_or_after(ties, units)
            bound += found
            found &= step.time[idx] <= limit
            level += found
            rows[k] = np.where(found, self._base(step.positions[idx]), NONE)
        return level, bound, rows

    def keep(self, at: np.ndarray, rows: np.ndarray) -> None:
        """Keep the matches `rows` (as `levels` gives them) of the attempts `at`."""
        self._slot = np.full(len(self.entries), -1, dtype=np.int64)
        self._slot[at] = np.arange(len(at))
        self._kept = rows

    def _base(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._held is None else self._held.to_base(rows)

    def matches(self, k: int, at: slice | np.ndarray, window: int) -> np.ndarray:
        """For the attempts `at`, the working row of step k's first match, NONE if none."""
        ids = np.arange(len(self.entries))[at] if isinstance(at, slice) else at
        return np.asarray(self.all_matches(ids, steps=[k])[0])

    def all_matches(self, at: np.ndarray, steps: list[int] | None = None) -> np.ndarray:
        """(steps, attempts): for the attempts `at`, the working row of each step's first
        match (NONE if none); kept ones are not searched again."""
        wanted = list(range(len(self.steps))) if steps is None else steps
        out = np.full((len(wanted), len(at)), NONE, dtype=np.int64)
        todo = np.arange(len(at))
        if self._slot is not None:
            slot = self._slot[at]
            n_kept = self._kept.shape[1]
            if len(at) == n_kept and np.array_equal(slot, np.arange(n_kept)):
                # The very attempts kept (every unit reported its first one): no gather.
                return np.array(self._kept[wanted])
            kept = np.flatnonzero(slot >= 0)
            where = slot[kept]
            for i, k in enumerate(wanted):
                out[i, kept] = self._kept[k][where]
            todo = np.flatnonzero(slot < 0)
        if not len(todo):
            return out
        ties, units, limit = self._searched(at[todo])
        for i, k in enumerate(wanted):
            step = self.steps[k]
            if len(step):
                found, idx = step.first_at_or_after(ties, units)
                found &= step.time[idx] <= limit
                out[i, todo] = np.where(found, self._base(step.positions[idx]), NONE)
        return out


def any_order_attempts(
    steps: list[RowSet],
    entries: RowSet,
    tie_start: np.ndarray,
    *,
    window: int,
    held: tuple[HeldSearch, np.ndarray] | None = None,
    void: np.ndarray | None = None,
) -> Attempts:
    """§3.3: an attempt per event matching any step; its level counts the distinct steps
    with a match whose time is in [t(e), t(e) + window] (by time, so ties count).

    "By time" is turned into "by position": `tie_start` (per working row, the first row
    of its unit with its time) is where e's ties begin, and from there on positions and
    times rise together. With held properties (§17), `held` gives the held search and
    the held layout's `tie_start`, and every step is searched in e's held unit.

    Only the reported attempt of each unit matters (§3.4: the earliest non-void one of
    the highest level), so levels are found for each unit's first non-void attempt, and
    for its later ones only when that first one misses a step the unit does later:
    attempts left out keep level 0 and sit in no tier above the first. `void`
    (exclusions, §4) is known beforehand for that reason.
    """
    n = len(entries)
    if held is None:
        lookup = AnyOrderSteps(steps, entries, tie_start, window)
    else:
        lookup = AnyOrderSteps(held[0].steps, entries, held[1], window, held[0])
    void = np.zeros(n, dtype=bool) if void is None else void
    live = np.flatnonzero(~void) if void.any() else np.arange(n)
    unit = entries.unit if len(live) == n else entries.unit[live]
    # With held properties a later attempt may search other held values: no bound.
    evaluated, level = _levels(lookup, live, unit, bounded=held is None and PRUNE)
    # Tier k: the attempts with more than k steps done (§3.4 counts by level). Every
    # attempt does at least its own step, so tier 0 holds them all, evaluated or not.
    tiers = [Tier(live, None, unit, None, None, None)]
    for k in range(1, len(steps)):
        member = evaluated[level > k]
        tiers.append(Tier(member, None, entries.unit[member], None, None, None))
    all_levels = np.zeros(n, dtype=np.int32)
    all_levels[evaluated] = level
    return Attempts(entries.frame, entries, window, void, tiers, lookup, all_levels)


def _levels(
    lookup: AnyOrderSteps, live: np.ndarray, unit: np.ndarray, *, bounded: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The attempts (ids, ascending) that may be reported and their levels: each unit's
    first live attempt, and its later live ones when the first one's level is below its
    bound (`bounded`; else every live attempt). Their matches are kept in `lookup`."""
    if not bounded:
        level, _, rows = lookup.levels(live)
        lookup.keep(live, rows)
        return live, level
    heads = first_of_run(unit)
    level, bound, rows = lookup.levels(live[heads])
    open_ = np.flatnonzero(level < bound)
    if not len(open_):
        lookup.keep(live[heads], rows)
        return np.asarray(live[heads]), level
    ends = np.append(heads[1:], len(live))
    start, stop = heads[open_] + 1, ends[open_]
    lengths = stop - start
    offset = np.cumsum(lengths) - lengths
    later = np.repeat(start - offset, lengths) + np.arange(int(lengths.sum()))
    later_level, _, later_rows = lookup.levels(live[later])
    merged = np.concatenate((heads, later))
    order = np.argsort(merged, kind="stable")
    evaluated = np.asarray(live[merged[order]])
    lookup.keep(evaluated, np.concatenate((rows, later_rows), axis=1)[:, order])
    return evaluated, np.concatenate((level, later_level))[order]
