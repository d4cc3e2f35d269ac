"""Small numpy helpers the engine and the analyses share: missing-value sentinels for int64
arrays, where runs of equal values begin, and per-group counts of units reaching a step.
"""

from __future__ import annotations

import numpy as np

# "No row": a position, attempt or index array's entry where there is none (a step not
# reached, an excluded unit). Negative, so it can never be mistaken for a position.
NONE = -1
# "No time": int64 nanoseconds have no NaN, so the smallest int64 (pandas' NaT) stands in.
NAT = np.iinfo(np.int64).min


def first_of_run(values: np.ndarray) -> np.ndarray:
    """Indices where a run of equal values begins (values grouped, e.g. unit ids)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    change = np.empty(len(values), dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    return np.flatnonzero(change)


def counts_reaching(
    group: np.ndarray, n_groups: int, furthest: np.ndarray, n_steps: int
) -> np.ndarray:
    """(n_groups, n_steps) int64: [g, k - 1] counts the units of group g whose furthest step
    is k or more (§3.4), given per unit its group (0..n_groups-1) and furthest step
    (0..n_steps).

    One bincount over (group, furthest) finds the units stopping exactly at each step; a
    reversed cumulative sum turns "exactly k" into "at least k", so any number of groups
    costs one pass over the units.
    """
    width = n_steps + 1
    exactly = np.bincount(group * width + furthest, minlength=n_groups * width)
    exactly = exactly.reshape(n_groups, width)
    return np.asarray(np.cumsum(exactly[:, ::-1], axis=1)[:, ::-1][:, 1:])


def first_at_time(
    match_time: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    not_before: np.ndarray,
) -> np.ndarray:
    """Per query, the first index in [lo, hi) whose time is >= not_before (hi if none).

    Inside one unit, later positions never have earlier times, so a binary search over
    each query's own range works; it runs for all queries at once, log2(range) rounds.
    """
    lo, hi = lo.copy(), hi.copy()
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        early = np.zeros(len(lo), dtype=bool)
        early[active] = match_time[mid[active]] < not_before[active]
        lo = np.where(active & early, mid + 1, lo)
        hi = np.where(active & ~early, mid, hi)
        active = lo < hi
    return lo
