"""Micro → macro impact (FUNNEL_SEMANTICS §9), on the engine's working rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnel_gui.core.analysis.stats import compare_proportions
from funnel_gui.core.arrays import NONE
from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition

# M lives with the definition (§2) so every view reads it from one place; re-exported here.
from funnel_gui.core.definition.model import macro_step as macro_step
from funnel_gui.core.engine.results import MicroMacroResult, TimingStats
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame

# Whether any order reuses the reported attempts' matches of a micro step (tests switch
# it off to check that searching again finds the same).
REUSE_KNOWN = True


@dataclass(frozen=True)
class ReportedAttempts:
    """Per entered unit, the reported attempt in working positions (NONE when excluded)."""

    entry: np.ndarray
    positions: np.ndarray  # (n_steps, n_units)
    window_end: np.ndarray
    excluded: np.ndarray
    furthest: np.ndarray
    unit: np.ndarray | None = None  # each one's unit id (its index in UnitFrame.unit_end)
    entry_time: np.ndarray | None = None  # its entry event's time (any time when excluded)


def micro_matchers(defn: FunnelDefinition) -> list[tuple[str, EventMatcher, bool]]:
    """(label, matcher, on_path) for each micro step before M and each extra micro conversion.

    A micro step before M in an ordered funnel is done by everyone who reaches M, so
    comparing on it says nothing (§9); it is flagged, not hidden.
    """
    m = macro_step(defn)
    out = []
    for i, step in enumerate(defn.steps, 1):
        if step.kind == "micro" and i != m:
            # Not with §15: an optional step or an open funnel's entry may be passed by.
            on_path = defn.order != "any" and i < m and not step.optional and not defn.open
            out.append((step.display_label, step.matcher, on_path))
    out += [(mc.display_label, mc.matcher, False) for mc in defn.micro_conversions]
    return out


def micro_macro_impact(
    frame: UnitFrame,
    reported: ReportedAttempts,
    micro_rows: RowSet,
    *,
    label: str,
    macro: int,
    on_path: bool,
    any_order: bool = False,
    known: np.ndarray | None = None,
    optional_macro: bool = False,
    base: SearchedBase | None = None,
) -> MicroMacroResult:
    """Group A did the micro conversion at or after the entry event and before the step-M
    event (or, not having reached M, by the end of the window); B is everyone else who
    entered. Excluded units are in neither group. Also A's time from entry to the micro
    conversion (§6 style: median, quartiles).

    In any order, reaching M means completing M steps (§3.3) and there is no single
    step-M event, so A is bounded by the window alone. There, for a micro conversion
    that is a step of the funnel, `known` can give each unit's first match of it from
    its entry on inside the window (the reported attempt's own, already found).
    `base`: what the searches of one compute's micro conversions share (built once).
    """
    if any_order and known is not None and REUSE_KNOWN and len(micro_rows):
        s_a, n_a, s_b, n_b, time_to_micro = _known_groups(frame, reported, macro, known)
    else:
        s_a, n_a, s_b, n_b, time_to_micro = _searched_groups(
            frame, reported, micro_rows, macro, any_order, optional_macro, base
        )
    return MicroMacroResult(
        label,
        macro,
        on_path,
        n_a,
        n_b,
        s_a,
        s_b,
        compare_proportions(s_a, n_a, s_b, n_b),
        time_to_micro,
    )


Groups = tuple[int, int, int, int, TimingStats | None]  # s_a, n_a, s_b, n_b, time to micro


def _known_groups(
    frame: UnitFrame, reported: ReportedAttempts, macro: int, known: np.ndarray
) -> Groups:
    """Any order, a micro conversion that is a funnel step: `known` is each reported
    attempt's first match of it from the entry on inside the window (§3.3), NONE for
    excluded units, so A is simply the units with one."""
    did = known != NONE
    reached = reported.furthest >= macro  # 0 for excluded units
    n_a = int(np.count_nonzero(did))
    s_a = int(np.count_nonzero(did & reached))
    n_b = int(np.count_nonzero(~reported.excluded)) - n_a
    s_b = int(np.count_nonzero(reached)) - s_a
    entry_time = reported.entry_time
    if entry_time is None:
        entry_time = frame.time[np.maximum(reported.entry, 0)]
    at = np.flatnonzero(did)
    return s_a, n_a, s_b, n_b, TimingStats.of(frame.time[known[at]] - entry_time[at])


@dataclass(frozen=True)
class SearchedBase:
    """What every searched micro conversion of one compute shares (§9): the counted
    units, their entry rows, units and times, and whether and where they reached M."""

    counted: np.ndarray | slice  # the counted units (a slice: all of them)
    entry: np.ndarray
    unit: np.ndarray
    entry_time: np.ndarray
    reached: np.ndarray
    macro_pos: np.ndarray | None  # the step-M row of those that reached it by one
    window_end: np.ndarray

    @classmethod
    def of(
        cls,
        frame: UnitFrame,
        reported: ReportedAttempts,
        macro: int,
        any_order: bool,
        optional_macro: bool = False,
    ) -> SearchedBase:
        counted: np.ndarray | slice = slice(None)
        if reported.excluded.any():
            counted = np.flatnonzero(~reported.excluded)
        entry = reported.entry[counted]
        unit = frame.unit[entry] if reported.unit is None else reported.unit[counted]
        entry_time = (
            frame.time[entry] if reported.entry_time is None else reported.entry_time[counted]
        )
        reached = reported.furthest[counted] >= macro
        macro_pos = None if any_order else reported.positions[macro - 1][counted]
        if optional_macro and macro_pos is not None:  # §15: the units that matched it
            reached &= macro_pos != NONE
        window_end = reported.window_end[counted]
        return cls(counted, entry, unit, entry_time, reached, macro_pos, window_end)


def _searched_groups(
    frame: UnitFrame,
    reported: ReportedAttempts,
    micro_rows: RowSet,
    macro: int,
    any_order: bool,
    optional_macro: bool = False,
    base: SearchedBase | None = None,
) -> Groups:
    """Group A found by one search from each reported attempt's entry on, over the
    counted units only."""
    if base is None:
        base = SearchedBase.of(frame, reported, macro, any_order, optional_macro)
    n_counted = len(base.entry)
    n_reached = int(np.count_nonzero(base.reached))
    if not len(micro_rows):
        return 0, 0, n_reached, n_counted, None
    same_unit, idx = micro_rows.first_at_or_after(base.entry, base.unit)
    cand_time = micro_rows.time[idx]
    in_time = cand_time <= base.window_end
    if base.macro_pos is not None:
        # Who reached M by an event: before that event, not by the window's end.
        by_macro = base.reached & (base.macro_pos != NONE)
        if by_macro.any():
            in_time[by_macro] = micro_rows.positions[idx[by_macro]] < base.macro_pos[by_macro]
    did = np.flatnonzero(same_unit & in_time)  # indices: one pass, then plain takes
    # The first match at or after entry is the one that put the unit in A.
    time_to_micro = TimingStats.of(cand_time[did] - base.entry_time[did])
    n_a = len(did)
    s_a = int(np.count_nonzero(base.reached[did]))
    return s_a, n_a, n_reached - s_a, n_counted - n_a, time_to_micro


def on_path_result(label: str, macro: int) -> MicroMacroResult:
    """A micro step on the funnel's path before M: everyone reaching M did it, so there is
    no comparison to make (§9). Nothing is computed; the view says so."""
    return MicroMacroResult(label, macro, True, 0, 0, 0, 0, compare_proportions(0, 0, 0, 0))
