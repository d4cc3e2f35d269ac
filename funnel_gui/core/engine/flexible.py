"""Optional steps and open funnels (FUNNEL_SEMANTICS §15), vectorised over all attempts.

An attempt at step c looks for its next event among the candidate steps c + 1 up to the
first required step after c (only c + 1 without optional steps): per candidate one
search for all attempts at c at once (`sequential.find_next`), the earliest event wins
and, on one event, the lowest step. The window and that step's max gap then decide
whether the attempt goes on. An open funnel starts an attempt at every event matching
any step (one per step it matches). Each round keeps the attempts that went on, like
the tiers of a closed funnel, but a round's members may fill different steps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.attempts import Attempts, Round
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.reported import BestAttempts
from funnel_gui.core.engine.row_sets import RowSet
from funnel_gui.core.engine.sequential import find_next

_FAR = np.iinfo(np.int64).max


def candidates(optional: list[bool], c: int) -> range:
    """0-based steps an attempt at step c may fill next: c + 1 up to and including the
    first required step after c (§15)."""
    s = c + 1
    while s < len(optional) - 1 and optional[s]:
        s += 1
    return range(c + 1, s + 1)


def open_entries(
    steps: list[RowSet], first_only: Callable[[RowSet], RowSet]
) -> tuple[RowSet, np.ndarray]:
    """The attempts' entry events and start steps. Given only step 1's rows (a closed
    funnel), `first_only` of them, all starting at step 1. Open (§15): every event
    matching step s starts an attempt at s (an event matching several steps starts one
    at each), in row order, the lower step first on one row."""
    if len(steps) == 1:
        entries = first_only(steps[0])
        return entries, np.zeros(len(entries), dtype=np.int64)
    positions = np.concatenate([rs.positions for rs in steps])
    start = np.concatenate([np.full(len(rs), s, dtype=np.int64) for s, rs in enumerate(steps)])
    order = np.lexsort((start, positions))
    frame = steps[0].frame
    return RowSet(frame, positions[order].astype(np.int64, copy=False)), start[order]


def flexible_attempts(
    steps: list[RowSet],
    entries: RowSet,
    start_step: np.ndarray,
    defn: FunnelDefinition,
    *,
    window: int,
    room: int,
    held: HeldSearch | None = None,
) -> Attempts:
    """Chain every attempt event by event until it stops (§3.1, §3.2 with §15). `room`:
    how far past the data's last instant a min_gap may reach (longer ones are capped)."""
    n = len(steps)
    strict = defn.order == "strict"
    optional = [s.optional for s in defn.steps]
    min_gaps = [None if s.min_gap_ns is None else min(s.min_gap_ns, room) for s in defn.steps]
    max_gaps = [s.max_gap_ns for s in defn.steps]
    member = np.arange(len(entries), dtype=np.int64)
    cur, pos, unit = start_step, entries.positions, entries.unit
    time = entries.time
    window_end = time + window
    rounds: list[Round] = []
    while len(member):
        live = np.flatnonzero(cur < n - 1)
        member, cur, pos, unit = member[live], cur[live], pos[live], unit[live]
        time, window_end = time[live], window_end[live]
        best_pos = np.full(len(member), _FAR, dtype=np.int64)
        best_step = np.full(len(member), NONE, dtype=np.int64)
        best_time = np.zeros(len(member), dtype=np.int64)
        for c in np.unique(cur):
            at = np.flatnonzero(cur == c)
            for s in candidates(optional, int(c)):
                sel, found, t = find_next(
                    steps[s],
                    pos[at],
                    unit[at],
                    time[at],
                    strict=strict,
                    min_gap=min_gaps[s],
                    held=None if held is None else (held, held.steps[s]),
                )
                who = at[sel]
                # Strict order: the very next row must also be min_gap later (§3.2).
                earlier = found < best_pos[who]
                if strict and min_gaps[s]:
                    earlier &= t >= time[who] + min_gaps[s]
                who = who[earlier]
                best_pos[who], best_step[who], best_time[who] = found[earlier], s, t[earlier]
        ok = (best_step != NONE) & (best_time <= window_end)
        gap_limit = np.array([_FAR if g is None else g for g in max_gaps], dtype=np.int64)
        ok &= best_time - time <= gap_limit[np.maximum(best_step, 0)]
        go = np.flatnonzero(ok)
        member, cur, pos = member[go], best_step[go], best_pos[go]
        unit, time, window_end = unit[go], best_time[go], window_end[go]
        if len(member):
            rounds.append(Round(member, cur, pos, time))
    void = np.zeros(len(entries), dtype=bool)
    return Attempts(
        entries.frame, entries, window, void, [], start_step=start_step, rounds=rounds
    )


def last_steps(attempts: Attempts) -> np.ndarray:
    """Per attempt, the 0-based last step it matched."""
    assert attempts.start_step is not None and attempts.rounds is not None
    last = attempts.start_step.copy()
    for step_round in attempts.rounds:  # later rounds fill later steps
        last[step_round.member] = step_round.step
    return last


def flexible_best(attempts: Attempts, n_steps: int) -> BestAttempts:
    """§3.4 with §15: per unit the non-void attempt with the highest last step, ties to
    the lower start step (open funnels), then to the earlier entry event."""
    assert attempts.start_step is not None and attempts.rounds is not None
    start = attempts.start_step
    level = last_steps(attempts) + 1
    # Higher is better: the level first, then the lower start; void attempts lose to all.
    score = level * (n_steps + 1) + (n_steps - start)
    score[attempts.void] = -1
    unit = attempts.unit
    heads = first_of_run(unit)
    units = unit[heads]
    best = np.maximum.reduceat(score, heads) if len(heads) else score[:0]
    which = np.repeat(np.arange(len(heads)), np.diff(np.append(heads, len(unit))))
    top = np.flatnonzero(score == best[which])
    rep = top[first_of_run(which[top])]  # the earliest of the best, per unit
    excluded = best < 0
    rep = np.where(excluded, NONE, rep)
    counted = np.flatnonzero(~excluded)
    furthest = np.where(excluded, 0, level[np.maximum(rep, 0)])
    positions = np.full((n_steps, len(units)), NONE, dtype=np.int64)
    times = np.full((n_steps, len(units)), NAT, dtype=np.int64)
    entries = attempts.entries
    chosen = rep[counted]
    positions[start[chosen], counted] = entries.positions[chosen]
    times[start[chosen], counted] = entries.time[chosen]
    slot = np.full(len(unit), NONE, dtype=np.int64)
    slot[chosen] = counted
    for step_round in attempts.rounds:
        at = slot[step_round.member]
        mine = at != NONE
        positions[step_round.step[mine], at[mine]] = step_round.position[mine]
        times[step_round.step[mine], at[mine]] = step_round.time[mine]
    entry = np.full(len(units), NONE, dtype=np.int64)
    entry[counted] = entries.positions[chosen]
    entry_time = np.full(len(units), NAT, dtype=np.int64)
    entry_time[counted] = entries.time[chosen]
    start_of = np.zeros(len(units), dtype=np.int64)
    start_of[counted] = start[chosen]
    return BestAttempts(
        units, furthest, excluded, rep, entry, positions, times, start_of, entry_time
    )
