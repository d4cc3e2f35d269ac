"""Any-order funnels' attempts (FUNNEL_SEMANTICS §3.3): an attempt per event matching any
step, its level the number of distinct steps matched within the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.engine.attempts import Attempts, Tier
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.row_sets import RowSet


@dataclass(frozen=True)
class AnyOrderSteps:
    """What any order needs to find an attempt's match for a step again (§3.3).

    `steps`, `ties` and `units` are in the layout searched: the unit's own, or with
    properties held (§17) the held layout, whose rows `to_base` maps back.
    """

    steps: list[RowSet]
    entries: RowSet
    ties: np.ndarray  # per attempt, the first row of its (held) unit with its entry's time
    units: np.ndarray  # per attempt, the (held) unit searched
    to_base: np.ndarray | None = None

    def found(self, k: int, at: slice | np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
        """For the attempts `at`: whether step k has a match timed in [t(e), t(e) + window],
        and the index in the step's rows of the first match from e's ties on."""
        step = self.steps[k]
        # From e's ties on, positions and times rise together: the first match by row
        # is the first by time, and a match at all in the window if it is in the window.
        found, idx = step.first_at_or_after(self.ties[at], self.units[at])
        found &= step.time[idx] <= self.entries.time[at] + window
        return found, idx

    def matches(self, k: int, at: slice | np.ndarray, window: int) -> np.ndarray:
        """For the attempts `at`, the working row of step k's first match, NONE if none."""
        step = self.steps[k]
        if not len(step):
            return np.full(len(self.ties[at]), NONE, dtype=np.int64)
        found, idx = self.found(k, at, window)
        rows = step.positions[idx]
        if self.to_base is not None:
            rows = self.to_base[rows].astype(np.int64)
        return np.where(found, rows, NONE)


def any_order_attempts(
    steps: list[RowSet],
    entries: RowSet,
    tie_start: np.ndarray,
    *,
    window: int,
    held: tuple[HeldSearch, np.ndarray] | None = None,
) -> Attempts:
    """§3.3: an attempt per event matching any step; its level counts the distinct steps
    with a match whose time is in [t(e), t(e) + window] (by time, so ties count).

    "By time" is turned into "by position": `tie_start` (per working row, the first row
    of its unit with its time) is where e's ties begin, and from there on positions and
    times rise together. With held properties (§17), `held` gives the held search and
    the held layout's `tie_start`, and every step is searched in e's held unit.
    """
    n = len(entries)
    if held is None:
        lookup = AnyOrderSteps(steps, entries, tie_start[entries.positions], entries.unit)
    else:
        search, held_ties = held
        at = search.to_held(entries.positions)
        units = np.asarray(search.layout.rows.frame.unit[at], dtype=np.int64)
        lookup = AnyOrderSteps(search.steps, entries, held_ties[at], units, search.layout.to_base)
    level = np.zeros(n, dtype=np.int32)
    for k, step in enumerate(lookup.steps):
        if len(step):
            level += lookup.found(k, slice(None), window)[0]
    # Tier k: the attempts with more than k steps done (§3.4 counts by level).
    tiers = []
    for k in range(len(steps)):
        member = np.flatnonzero(level > k)
        tiers.append(Tier(member, None, entries.unit[member], None, None, None))
    void = np.zeros(n, dtype=bool)
    return Attempts(entries.frame, entries, window, void, tiers, lookup, level)
