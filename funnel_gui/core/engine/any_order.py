"""Any-order funnels' attempts (FUNNEL_SEMANTICS §3.3): an attempt per event matching any
step, its level the number of distinct steps matched within the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.engine.attempts import Attempts, Tier
from funnel_gui.core.engine.row_sets import RowSet


@dataclass(frozen=True)
class AnyOrderSteps:
    """What any order needs to find an attempt's match for a step again (§3.3)."""

    steps: list[RowSet]
    entries: RowSet
    ties: np.ndarray  # per attempt, the first row of its unit with its entry's time

    def found(self, k: int, at: slice | np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
        """For the attempts `at`: whether step k has a match timed in [t(e), t(e) + window],
        and the index in the step's rows of the first match from e's ties on."""
        step = self.steps[k]
        # From e's ties on, positions and times rise together: the first match by row
        # is the first by time, and a match at all in the window if it is in the window.
        found, idx = step.first_at_or_after(self.ties[at], self.entries.unit[at])
        found &= step.time[idx] <= self.entries.time[at] + window
        return found, idx

    def matches(self, k: int, at: slice | np.ndarray, window: int) -> np.ndarray:
        """For the attempts `at`, the working row of step k's first match, NONE if none."""
        step = self.steps[k]
        if not len(step):
            return np.full(len(self.ties[at]), NONE, dtype=np.int64)
        found, idx = self.found(k, at, window)
        return np.where(found, step.positions[idx], NONE)


def any_order_attempts(
    steps: list[RowSet], entries: RowSet, tie_start: np.ndarray, *, window: int
) -> Attempts:
    """§3.3: an attempt per event matching any step; its level counts the distinct steps
    with a match whose time is in [t(e), t(e) + window] (by time, so ties count).

    "By time" is turned into "by position": `tie_start` (per working row, the first row
    of its unit with its time) is where e's ties begin, and from there on positions and
    times rise together.
    """
    n = len(entries)
    lookup = AnyOrderSteps(steps, entries, tie_start[entries.positions])
    level = np.zeros(n, dtype=np.int32)
    for k, step in enumerate(steps):
        if len(step):
            level += lookup.found(k, slice(None), window)[0]
    # Tier k: the attempts with more than k steps done (§3.4 counts by level).
    tiers = []
    for k in range(len(steps)):
        member = np.flatnonzero(level > k)
        tiers.append(Tier(member, None, entries.unit[member], None, None, None))
    void = np.zeros(n, dtype=bool)
    return Attempts(entries.frame, entries, window, void, tiers, lookup, level)
