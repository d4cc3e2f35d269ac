"""Any-order funnels' attempts (FUNNEL_SEMANTICS §3.3): an attempt per event matching any
step, its level the number of distinct steps matched from it on within the window; and
the reported attempt of each unit (§3.4), reduced straight from the levels.
"""

from __future__ import annotations

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.reported import BestAttempts
from funnel_gui.core.engine.row_sets import RowSet

# Whether levels are found only for the attempts that may be reported (tests switch it
# off to check that the others change nothing).
PRUNE = True
# Whether each unit's first entry takes its steps' first matches from the steps' rows
# (tests switch it off to check that searching finds the same).
FIRST_MEMBERS = True


class AnyOrderSteps:
    """What any order needs to find an attempt's match for a step (§3.3).

    `steps` are searched in the unit's own layout, or with properties held (§17) in the
    held layout (`held`), whose rows map back to the unit's. The attempts whose levels
    were found are kept with their levels and matches, the reported attempts among them,
    so nothing is searched twice: `first`, each unit's first live attempt (in unit
    order), and `later`, the unit's later live attempts that may still beat it
    (ascending).
    """

    def __init__(
        self, steps: list[RowSet], entries: RowSet, window: int, held: HeldSearch | None = None
    ) -> None:
        self.steps = steps
        self.entries = entries
        self.window = window
        self._held = held
        none = np.zeros(0, dtype=np.int64)
        self.first = self.later = none
        self.first_level = self.later_level = none.astype(np.int32)
        self.first_rows = self.later_rows = np.zeros((len(steps), 0), dtype=np.int64)

    def levels(
        self, rows: np.ndarray, units: np.ndarray, times: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For attempts entering at working rows `rows` (ascending; of units `units`, at
        `times`): their level (§3.3); the steps with a match from e on at any time, a
        bound on the level of every later attempt of the unit (their matches lie from
        their own, later, rows on); and (steps, attempts) the working row of each step's
        first match in the window (NONE if none)."""
        level = np.zeros(len(rows), dtype=np.int32)
        bound = np.zeros(len(rows), dtype=np.int32)
        found_rows = np.empty((len(self.steps), len(rows)), dtype=np.int64)
        limit = times + self.window
        if self._held is not None:
            rows = self._held.to_held(rows)
            units = self._held.layout.rows.frame.unit[rows]
        for k, step in enumerate(self.steps):
            if not len(step):
                found_rows[k] = NONE
                continue
            # From e on (§1 order: an event at e's instant but earlier in the file does not
            # count), positions and times rise together: the first match by row is the
            # first by time, and a match at all in the window if it is in it.
            found, idx = step.first_at_or_after(rows, units)
            bound += found
            found &= step.time[idx] <= limit
            level += found
            found_rows[k] = np.where(found, self._base(step.positions[idx]), NONE)
        return level, bound, found_rows

    def first_levels(self, firsts: RowSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`levels` of each unit's first entry, when the entries are every row matching
        a step (no date range, nothing void, nothing held): then every match of the
        unit lies from that entry on, and the first one is simply the unit's first
        member of the step, kept with the step's rows."""
        level = np.zeros(len(firsts), dtype=np.int32)
        bound = np.zeros(len(firsts), dtype=np.int32)
        found_rows = np.empty((len(self.steps), len(firsts)), dtype=np.int64)
        limit = firsts.time + self.window
        for k, step in enumerate(self.steps):
            idx = step.first_in_unit[firsts.unit]
            found = idx < len(step)
            bound += found
            found &= step.time_or_last[idx] <= limit
            level += found
            found_rows[k] = np.where(found, step.positions_or_none[idx], NONE)
        return level, bound, found_rows

    def levels_of(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`levels` of the attempts `at` (ids, ascending)."""
        entries = self.entries
        return self.levels(entries.positions[at], entries.unit[at], entries.time[at])

    def _base(self, rows: np.ndarray) -> np.ndarray:
        return rows if self._held is None else self._held.to_base(rows)

    def matches(self, k: int, at: slice | np.ndarray, window: int) -> np.ndarray:
        """For the attempts `at`, the working row of step k's first match, NONE if none."""
        ids = np.arange(len(self.entries))[at] if isinstance(at, slice) else at
        return np.asarray(self.all_matches(ids)[k])

    def all_matches(self, at: np.ndarray) -> np.ndarray:
        """(steps, attempts): for the attempts `at`, the working row of each step's first
        match in the window (NONE if none), searched again."""
        return self.levels_of(at)[2]


def any_order_attempts(
    steps: list[RowSet],
    entries: RowSet,
    *,
    window: int,
    held: HeldSearch | None = None,
    void: np.ndarray | None = None,
    every_step_row: bool = False,
) -> Attempts:
    """§3.3: an attempt per event e matching any step; its level counts the distinct steps
    with a match from e itself on (§1 order) up to t(e) + window. With held properties
    (§17), `held` gives the held search, and every step is searched in e's held unit.

    Only the reported attempt of each unit matters (§3.4: the earliest non-void one of
    the highest level), so levels are found for each unit's first non-void attempt, and
    for its later ones only when that first one misses a step the unit does later: the
    attempts left out can reach no higher level, and are later than the first. `void`
    (exclusions, §4) is known beforehand for that reason. No tiers are built:
    `any_order_best` reduces the levels to the reported attempts directly.
    `every_step_row`: the entries are every row of the layout matching a step.
    """
    n = len(entries)
    lookup = AnyOrderSteps(steps if held is None else held.steps, entries, window, held)
    void = np.zeros(n, dtype=bool) if void is None else void
    if void.any():
        live = np.flatnonzero(~void)
        heads = first_of_run(entries.unit[live])
        lookup.first = live[heads]
        level, bound, rows = lookup.levels_of(lookup.first)
    else:
        live, heads = np.arange(n), entries.unit_heads
        lookup.first = heads
        firsts = entries.firsts  # kept with the entries: no gathers on a recompute
        if every_step_row and held is None and FIRST_MEMBERS:
            level, bound, rows = lookup.first_levels(firsts)
        else:
            level, bound, rows = lookup.levels(firsts.positions, firsts.unit, firsts.time)
    lookup.first_level, lookup.first_rows = level, rows
    # With held properties a later attempt may search other held values: no bound.
    bounded = held is None and PRUNE
    open_ = np.flatnonzero(level < bound) if bounded else np.arange(len(heads))
    if len(open_):
        ends = np.append(heads[1:], len(live))
        start, stop = heads[open_] + 1, ends[open_]
        lengths = stop - start
        offset = np.cumsum(lengths) - lengths
        later = np.repeat(start - offset, lengths) + np.arange(int(lengths.sum()))
        lookup.later = np.asarray(live[later])
        lookup.later_level, _, lookup.later_rows = lookup.levels_of(lookup.later)
    return Attempts(entries.frame, entries, window, void, [], lookup)


def any_order_best(attempts: Attempts) -> BestAttempts:
    """§3.4 for any order: per unit that entered, the furthest level over its non-void
    attempts and the earliest attempt reaching it; a unit whose attempts are all void is
    excluded. Every candidate is kept by `any_order_attempts`: the unit's first live
    attempt, or a later one with a higher level."""
    lookup = attempts.any_order
    assert isinstance(lookup, AnyOrderSteps)
    entries = attempts.entries
    n_steps = len(lookup.steps)
    units = entries.firsts.unit
    chosen, furthest_live = lookup.first, lookup.first_level
    positions = lookup.first_rows
    if len(lookup.later):
        chosen, furthest_live = chosen.copy(), furthest_live.copy()
        positions = positions.copy()
        slot, pick, level = _better_later(lookup)
        chosen[slot] = lookup.later[pick]
        furthest_live[slot] = level
        positions[:, slot] = lookup.later_rows[:, pick]
    if len(chosen) == len(units):  # every unit has a live attempt: none excluded
        counted: slice | np.ndarray = slice(None)
        excluded = np.zeros(len(units), dtype=bool)
    else:
        counted = np.searchsorted(units, entries.unit[chosen])
        excluded = np.ones(len(units), dtype=bool)
        excluded[counted] = False
        full = np.full((n_steps, len(units)), NONE, dtype=np.int64)
        full[:, counted] = positions
        positions = full
    furthest = np.zeros(len(units), dtype=np.int64)
    furthest[counted] = furthest_live
    attempt = np.full(len(units), NONE, dtype=np.int64)
    attempt[counted] = chosen
    entry = np.full(len(units), NONE, dtype=np.int64)
    entry[counted] = entries.positions[chosen]
    times = np.full((n_steps, len(units)), NAT, dtype=np.int64)
    times[0, counted] = entries.time[chosen]  # no per-step times in any order (§3.3)
    return BestAttempts(units, furthest, excluded, attempt, entry, positions, times)


def _better_later(lookup: AnyOrderSteps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The units whose later attempts beat their first one: each one's index among the
    first attempts, the index in `later` of its earliest attempt of the highest level,
    and that level."""
    unit = lookup.entries.unit
    later_unit = unit[lookup.later]
    level = lookup.later_level
    groups = first_of_run(later_unit)
    top = np.maximum.reduceat(level, groups)
    best = np.flatnonzero(level == np.repeat(top, np.diff(np.append(groups, len(level)))))
    pick = best[first_of_run(later_unit[best])]  # the earliest of the highest level
    slot = np.searchsorted(unit[lookup.first], later_unit[groups])
    better = top > lookup.first_level[slot]
    return slot[better], pick[better], top[better]
