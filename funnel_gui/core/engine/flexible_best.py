"""The reported attempt with optional steps and open funnels (FUNNEL_SEMANTICS §3.4 with
§15), from the rounds of `flexible.flexible_attempts`: per unit the non-void attempt
with the highest last step, ties to the lower start step, then to the earlier entry.

Open funnels' attempts are grouped by start step, each group in row order (so by unit):
each group is ranked by itself, and the groups' winners are then compared per unit.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts
from funnel_gui.core.engine.reported import BestAttempts


def last_steps(attempts: Attempts) -> np.ndarray:
    """Per attempt, the 0-based last step it matched."""
    assert attempts.start_step is not None
    assert attempts.rounds is not None
    last = attempts.start_step.copy()
    for step_round in attempts.rounds:  # later rounds fill later steps
        last[step_round.member] = step_round.step
    return last


def flexible_best(attempts: Attempts, n_steps: int) -> BestAttempts:
    """§3.4 with §15: per unit the non-void attempt with the highest last step, ties to
    the lower start step (open funnels), then to the earlier entry event."""
    assert attempts.start_step is not None
    assert attempts.rounds is not None
    start = attempts.start_step
    unit = attempts.unit
    entered = np.zeros(len(attempts.frame.unit_end), dtype=bool)
    entered[unit] = True
    units = np.flatnonzero(entered)
    slot = np.full(len(entered), NONE, dtype=np.int64)
    slot[units] = np.arange(len(units))
    if start.any():
        rep, furthest = _open_choice(attempts, slot, len(units), n_steps)
    else:
        rep, furthest = _closed_choice(attempts, slot, len(units))
    excluded = rep == NONE
    counted = np.flatnonzero(~excluded)
    chosen = rep[counted]
    positions = np.full((n_steps, len(units)), NONE, dtype=np.int64)
    times = np.full((n_steps, len(units)), NAT, dtype=np.int64)
    entries = attempts.entries
    entry, entry_time = entries.positions[chosen], entries.time[chosen]
    chosen_start = start[chosen]
    positions[chosen_start, counted] = entry
    times[chosen_start, counted] = entry_time
    # Each reported attempt's later events, written at its unit's slot.
    slot_of = np.full(len(unit), NONE, dtype=np.int32 if len(units) < 2**31 else np.int64)
    slot_of[chosen] = counted
    for step_round in attempts.rounds:
        at = slot_of[step_round.member]
        filled = np.flatnonzero(at != NONE)
        at = at[filled]
        positions[step_round.step[filled], at] = step_round.position[filled]
        times[step_round.step[filled], at] = step_round.time[filled]
    entry_of = np.full(len(units), NONE, dtype=np.int64)
    entry_of[counted] = entry
    time_of = np.full(len(units), NAT, dtype=np.int64)
    time_of[counted] = entry_time
    start_of = np.zeros(len(units), dtype=np.int64)
    start_of[counted] = chosen_start
    return BestAttempts(
        units, furthest, excluded, rep, entry_of, positions, times, start_of, time_of
    )


def _closed_choice(
    attempts: Attempts, slot: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit its reported attempt (NONE: all void) and furthest step, every attempt
    starting at step 1 (so in row order, grouped by unit). An attempt in no round
    stopped at step 1, so only the few in rounds are ranked; the others leave each unit
    its first non-void attempt."""
    assert attempts.rounds is not None
    unit, void = attempts.unit, attempts.void
    if void.any():
        live = np.flatnonzero(~void)
        rep = np.full(n_units, NONE, dtype=np.int64)
        first_live = live[first_of_run(unit[live])]
        rep[slot[unit[first_live]]] = first_live
    else:  # each unit's first attempt, the units in order
        rep = first_of_run(unit).astype(np.int64)
    furthest = np.where(rep != NONE, 1, 0).astype(np.int64)
    rounds = attempts.rounds
    if not rounds:
        return rep, furthest
    members = np.concatenate([r.member for r in rounds])
    steps = np.concatenate([r.step for r in rounds]).astype(np.int64)
    if void.any():
        clean = ~void[members]
        members, steps = members[clean], steps[clean]
    # Per unit the highest step filled, by the earliest attempt filling it; an attempt
    # that filled a step went on from every lower one, so its last step ranks it.
    # Attempt ids run unit by unit, so in id order each unit's are together.
    order = np.argsort(members, kind="stable")
    members, steps = members[order], steps[order]
    owner = unit[members]
    runs = first_of_run(owner)
    top = np.maximum.reduceat(steps, runs)
    best = np.flatnonzero(steps == np.repeat(top, np.diff(np.append(runs, len(owner)))))
    win = best[first_of_run(owner[best])]  # the earliest at its unit's highest step
    at = slot[owner[win]]
    rep[at] = members[win]
    furthest[at] = steps[win] + 1
    return rep, furthest


def _open_choice(
    attempts: Attempts, slot: np.ndarray, n_units: int, n_steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit its reported attempt (NONE: all void) and furthest step in an open
    funnel: the highest last step, then the lower start step, then the earlier entry.

    The score (last step, then lower start step) ranks attempts and never ties between
    two start steps. Most attempts stop where they started (in no round): in each start
    step's group (in row order) a unit's first non-void one stands for all of those, and
    a higher start step's scores higher. Only the attempts that went on are ranked one
    by one, each group's per unit, and beat the others where they score higher.
    """
    assert attempts.start_step is not None
    assert attempts.rounds is not None
    start, unit, void = attempts.start_step, attempts.unit, attempts.void
    scale = n_steps + 1
    best = np.full(n_units, -1, dtype=np.int64)
    rep = np.full(n_units, NONE, dtype=np.int64)
    bounds = np.searchsorted(start, np.arange(n_steps + 1, dtype=np.int8))
    has_void = bool(void.any())
    for s, (lo, hi) in enumerate(pairwise(bounds.tolist())):
        if hi == lo:
            continue
        if has_void:
            ids = lo + np.flatnonzero(~void[lo:hi])
            first = ids[first_of_run(unit[ids])]
        else:
            first = lo + first_of_run(unit[lo:hi])
        at = slot[unit[first]]
        best[at] = s * scale + (n_steps - s)  # higher than every lower group's
        rep[at] = first
    if attempts.rounds:
        went_on = np.zeros(len(unit), dtype=bool)
        went_on[attempts.rounds[0].member] = True  # every later round's are in the first
        if has_void:
            went_on &= ~void
        members = np.flatnonzero(went_on)  # in id order: by start step, then by unit
        score = last_steps(attempts)[members].astype(np.int64) * scale
        score += n_steps - start[members]
        cut = np.searchsorted(members, bounds)
        for lo, hi in pairwise(cut.tolist()):
            if hi > lo:
                _take_better(best, rep, slot, members[lo:hi], score[lo:hi], unit)
    furthest = np.where(best < 0, 0, best // scale + 1).astype(np.int64)
    return rep, furthest


def _take_better(
    best: np.ndarray,
    rep: np.ndarray,
    slot: np.ndarray,
    members: np.ndarray,
    score: np.ndarray,
    unit: np.ndarray,
) -> None:
    """Per unit the earliest of `members` (one start step's, in row order) at its best
    score; it replaces the unit's reported attempt where it scores higher."""
    owner = unit[members]
    heads = first_of_run(owner)
    top = np.maximum.reduceat(score, heads)
    ties = np.flatnonzero(score == np.repeat(top, np.diff(np.append(heads, len(owner)))))
    win = ties[first_of_run(owner[ties])]
    at = slot[owner[win]]
    better = np.flatnonzero(top > best[at])
    best[at[better]] = top[better]
    rep[at[better]] = members[win[better]]
