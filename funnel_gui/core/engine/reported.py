"""The reported attempt (FUNNEL_SEMANTICS §3.4): per unit, its furthest step over the
non-void attempts and the earliest attempt reaching it, found by touching each tier once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NAT, NONE, first_of_run
from funnel_gui.core.engine.attempts import Attempts, known


@dataclass(frozen=True)
class BestAttempts:
    """Per unit that entered (in unit order), its furthest step and reported attempt (§3.4).

    The reported attempt is the earliest non-void one reaching the furthest step; a unit
    whose attempts are all void is excluded (furthest 0, attempt NONE).
    """

    unit: np.ndarray  # unit id
    furthest: np.ndarray  # int64
    excluded: np.ndarray  # bool
    attempt: np.ndarray  # reported attempt id, NONE when excluded
    entry: np.ndarray  # its entry event's working row, NONE when excluded
    positions: np.ndarray  # (n_steps, n_units) working rows of its events, NONE if not
    times: np.ndarray  # (n_steps, n_units) their times, NAT if not (step 1 only: any order)
    # §15, open funnels: the 0-based step the reported attempt started at, and its entry
    # event's time (step 1's is not the entry's there). None: step 1 and times[0].
    start_step: np.ndarray | None = None
    entry_time: np.ndarray | None = None


def best_attempts(attempts: Attempts, n_steps: int) -> BestAttempts:
    """Reduce the tiers to one reported attempt per unit, touching each tier once
    (ordered funnels; any order reduces its levels in `any_order.any_order_best`)."""
    tiers, entries = attempts.tiers, attempts.entries
    void = attempts.void if attempts.void.any() else None
    heads = first_of_run(entries.unit)
    units = entries.unit[heads]
    n_units = len(units)
    slot: np.ndarray | None = None  # where each unit id sits among the entered units
    if n_units < len(attempts.frame.unit_end):
        slot = np.full(len(attempts.frame.unit_end), NONE, dtype=np.int64)
        slot[units] = np.arange(n_units)
    # furthest - 1 is the tier of the reported attempt, rep_index its index there.
    # Tiers are nested, so going up overwrites each unit with a higher level, and within
    # a tier the first member of each unit is its earliest attempt at that level.
    if void is None:
        # With nothing void, the entry tier's first members are the units' first attempts.
        furthest = np.ones(n_units, dtype=np.int64)
        rep_index = heads.astype(np.int64)
    else:
        furthest = np.zeros(n_units, dtype=np.int64)
        rep_index = np.zeros(n_units, dtype=np.int64)
    for k in range(0 if void is not None else 1, len(tiers)):
        tier = tiers[k]
        unit_k = tier.unit
        candidates = None
        if void is not None:
            candidates = np.flatnonzero(~(void if tier.member is None else void[tier.member]))
            unit_k = unit_k[candidates]
        head = first_of_run(unit_k)
        where = unit_k[head] if slot is None else slot[unit_k[head]]
        furthest[where] = k + 1
        rep_index[where] = head if candidates is None else candidates[head]
    excluded = furthest == 0
    positions = np.full((n_steps, n_units), NONE, dtype=np.int64)
    times = np.full((n_steps, n_units), NAT, dtype=np.int64)
    # Indexing by a slice when no unit is excluded saves a pass over every unit.
    counted: slice | np.ndarray = np.flatnonzero(~excluded) if excluded.any() else slice(None)
    attempt = np.full(n_units, NONE, dtype=np.int64)
    # Walk each reported attempt down from its top tier to the entry tier; the units stay
    # in order, so every read and write runs forward through memory.
    index = rep_index
    for k in range(len(tiers) - 1, 0, -1):
        tier = tiers[k]
        at = np.flatnonzero(furthest > k)
        i = index[at]
        positions[k, at] = known(tier.position)[i]
        times[k, at] = known(tier.time)[i]
        index[at] = known(tier.parent)[i]
    attempt[counted] = index[counted]
    positions[0, counted] = entries.positions[attempt[counted]]
    times[0, counted] = entries.time[attempt[counted]]
    return BestAttempts(units, furthest, excluded, attempt, positions[0], positions, times)
