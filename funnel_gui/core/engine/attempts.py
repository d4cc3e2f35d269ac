"""Attempts (FUNNEL_SEMANTICS §3–§4), vectorised over all units at once: what an attempt
set is, as the builders (`sequential`, `any_order`) make it and `reported` reads it.

Works on a `UnitFrame` (`row_sets`): the table's rows ordered by unit, then time, then
input order, so each unit is one contiguous slice and "after" means a larger position.
Every step-1 match starts an attempt; each step is then one vectorised search for all
attempts still going, never a Python loop over units or events.

An ordered funnel keeps its attempts as tiers: tier k holds the attempts that got to
step k + 1, with the event that filled it. An attempt stops at the first step it
misses, so each tier is a subset of the one before and costs in proportion to the
attempts that got that far; most attempts of a big table stop at step 1 and are never
copied again. `reported.best_attempts` then reduces the tiers to one reported attempt
per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from funnel_gui.core.arrays import NONE
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame


@dataclass(frozen=True)
class Tier:
    """The attempts that got to one step, in attempt order, and the event that filled it.

    Arrays run over the tier's members. `member` is None on the entry tier (every
    attempt, in order); `time` and `window_end` are None there too, because most
    entries stop at once and their times are looked up only for those that go on.
    Any-order tiers have only `member` and `unit`: there no one event fills a step.
    """

    member: np.ndarray | None  # attempt ids, ascending
    position: np.ndarray | None  # working row of the event filling this step
    unit: np.ndarray  # the attempt's unit
    time: np.ndarray | None  # time of that event
    window_end: np.ndarray | None  # the attempt's entry time + window
    parent: np.ndarray | None  # each member's index in the previous tier

    def members(self) -> np.ndarray:
        return np.arange(len(self.unit)) if self.member is None else self.member


@dataclass(frozen=True)
class Round:
    """Optional steps and open funnels (§15): the attempts that matched one more event in
    one round of the search, which step it filled and with which event. Unlike tiers, a
    round's members may fill different steps (an optional step jumped over, an attempt
    started further on)."""

    member: np.ndarray  # attempt ids, each at most once per round (not sorted)
    step: np.ndarray  # 0-based step filled
    position: np.ndarray
    time: np.ndarray


class StepMatches(Protocol):
    """How any order finds an attempt's match for a step again (`any_order.AnyOrderSteps`):
    its attempts keep no per-step events, so they are looked up when needed."""

    def matches(self, k: int, at: slice | np.ndarray, window: int) -> np.ndarray:
        """For the attempts `at`, the working row of step k's first match, NONE if none."""
        ...

    def all_matches(self, at: np.ndarray) -> np.ndarray:
        """(steps, attempts): every step's first match of the attempts `at`."""
        ...


@dataclass(eq=False)
class Attempts:
    """Every attempt of every unit, in entry order (so grouped by unit); an open
    funnel's (§15) are grouped by start step first, each group in entry order.

    Ordered funnels fill `tiers` (tier k: the attempts that reached step k + 1). Any
    order fills `any_order` (the steps and where each attempt's ties begin, to look its
    matches up again) and `level`; its tiers carry only `member` and `unit` (attempts
    with level > k), since only the reported attempts' matches are ever needed.
    """

    frame: UnitFrame
    entries: RowSet  # the entry event of each attempt (step 1, or any step in any order)
    window: int
    void: np.ndarray  # bool per attempt
    tiers: list[Tier]
    any_order: StepMatches | None = None
    level: np.ndarray | None = None  # any order only
    # §15: per attempt its 0-based start step (open funnels; else all 0), and the rounds
    # that replace `tiers` when steps may be jumped over or attempts start anywhere.
    start_step: np.ndarray | None = None
    rounds: list[Round] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def start(self) -> np.ndarray:
        """Position of each attempt's entry event."""
        return self.entries.positions

    @property
    def unit(self) -> np.ndarray:
        return self.entries.unit

    @cached_property
    def window_end(self) -> np.ndarray:
        """Per attempt, its entry time + window (inclusive)."""
        return np.asarray(self.entries.time + self.window)

    def step_positions(self, k: int) -> np.ndarray:
        """Per attempt, the working row filling step k + 1, NONE when not reached."""
        if self.any_order is not None:
            return self.any_order.matches(k, slice(None), self.window)
        out = np.full(len(self.start), NONE, dtype=np.int64)
        if self.rounds is not None:
            assert self.start_step is not None
            entered = self.start_step == k
            out[entered] = self.start[entered]
            for step_round in self.rounds:
                filled = step_round.step == k
                out[step_round.member[filled]] = step_round.position[filled]
            return out
        if k < len(self.tiers):
            tier = self.tiers[k]
            out[tier.members()] = known(tier.position)
        return out


def known(values: np.ndarray | None) -> np.ndarray:
    """A tier array that is None only where it is never read (entry tier, any order)."""
    assert values is not None
    return values
