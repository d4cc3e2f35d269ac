"""Why they stopped (FUNNEL_SEMANTICS §14): per unit whose furthest step k is below the
last, the first reason that holds for its reported attempt not reaching step k + 1.

Vectorised per level k: every unit stopping at k asks the same questions of step k + 1's
rows (the next row, the first later match, the first later match at least `min_gap`
after, any later row with one of the step's names), each one rank lookup or binary
search for all of them at once. Ordered funnels only; any order has no next step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from funnel_gui.core.arrays import first_at_time
from funnel_gui.core.definition.model import EventMatcher, FunnelDefinition, Step
from funnel_gui.core.engine.flexible import candidates
from funnel_gui.core.engine.held import HeldSearch
from funnel_gui.core.engine.micro_macro import ReportedAttempts
from funnel_gui.core.engine.prepared import UnitRows
from funnel_gui.core.engine.reasons_optional import (
    Asked,
    Candidate,
    later_accepted,
    strict_next_any,
)
from funnel_gui.core.engine.results import REASONS, FunnelResult, UnitResults
from funnel_gui.core.engine.row_sets import RowSet, UnitFrame

NO_REASON = -1
_UNKNOWN = np.int8(-1)  # not decided by this rule: a later one will say
_CODE = {name: np.int8(i) for i, name in enumerate(REASONS)}
_INT64_MAX = int(np.iinfo(np.int64).max)


def attach_reasons(
    result: FunnelResult,
    rows: UnitRows,
    steps: list[RowSet],
    reported: ReportedAttempts,
    held: HeldSearch | None = None,
) -> None:
    """Put each unit's reason (`units.reason`) and each step's reason counts
    (`StepResult.reasons`, from step 2 on) on an ordered funnel's result.

    Counting attempts (§16), each row of the result is a counted attempt with its own
    reported events, window and still-open flag, so the same rules give each counted
    attempt its reason. `held`: the held search of §17 (None when holding changes
    nothing, where a held match is a plain match)."""
    defn = result.definition
    if defn.order == "any":
        return  # §14 is about the next step: any order has none
    codes, counts = unit_reasons(rows, steps, reported, result.units, defn, held)
    result.units = replace(result.units, reason=codes)
    result.steps = [
        s if s.number == 1 else replace(s, reasons=_named(counts[s.number - 2]))
        for s in result.steps
    ]


def _named(counts: np.ndarray) -> dict[str, int]:
    return {name: int(c) for name, c in zip(REASONS, counts, strict=True)}


def unit_reasons(
    rows: UnitRows,
    steps: list[RowSet],
    reported: ReportedAttempts,
    units: UnitResults,
    defn: FunnelDefinition,
    held: HeldSearch | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per entered unit, its reason as an index into REASONS (int8; NO_REASON for units
    that reached the last step or are excluded), and per step k + 1 (row k - 1) the count
    of each reason over the units whose furthest step is k."""
    out = np.full(len(reported.furthest), NO_REASON, dtype=np.int8)
    counts = np.zeros((defn.n_steps - 1, len(REASONS)), dtype=np.int64)
    # Units by furthest step (0: excluded): one pass per step, cheaper than a sort.
    level = np.where(reported.excluded, 0, reported.furthest).astype(np.int8)
    # No event lies after the data's last instant, so capping min_gap there changes no
    # answer and keeps `time + min_gap` inside int64 (as compute does for attempts).
    room = _INT64_MAX - rows.prepared.table.last_time_ns
    unit = reported.unit
    if unit is None:  # a caller that did not keep the ids: one gather from the rows
        unit = rows.frame.unit[np.maximum(reported.entry, 0)]
    opened = np.flatnonzero(units.still_open)
    source = _Source(reported, units, unit, opened, level[opened])
    optional = [s.optional for s in defn.steps]
    for k in range(1, defn.n_steps):
        at = np.flatnonzero(level == k)
        if not len(at):
            continue
        nxt = defn.steps[k]
        following = candidates(optional, k - 1)
        if len(following) > 1 or held is not None:  # §15: the next step is optional; §17
            cands = [
                Candidate(
                    steps[s] if held is None else held.steps[s],
                    _capped(defn.steps[s].min_gap_ns, room),
                    defn.steps[s].max_gap_ns,
                )
                for s in following
            ]
            names = _named_any(rows, [defn.steps[s] for s in following], held is not None)
            counts[k - 1] = _stopped_at_any(
                out, rows.frame, cands, names, Stopped(source, k, at), defn.order, held
            )
            continue
        counts[k - 1] = _stopped_at(
            out,
            rows.frame,
            steps[k],
            _named_rows(rows, nxt),
            Stopped(source, k, at),
            strict=defn.order == "strict",
            # The window as the attempts had it (uncapped: no time near int64's end).
            window=defn.window_ns if defn.window_ns <= room else None,
            min_gap=_capped(nxt.min_gap_ns, room),
            max_gap=nxt.max_gap_ns,
        )
    return out, counts


def _capped(min_gap: int | None, room: int) -> int | None:
    return None if min_gap is None else min(min_gap, room)


@dataclass(frozen=True)
class _Source:
    reported: ReportedAttempts
    units: UnitResults
    unit: np.ndarray  # unit id per entered unit
    opened: np.ndarray  # the still-open units (§14.1), ascending
    opened_level: np.ndarray  # their furthest step


class Stopped:
    """Units stopping at step k whose reason is not known yet (`at`: their indices among
    the entered units), with their step-k event's row, time, unit id and window end,
    each gathered only if a rule needs it (most funnels have no gaps: no times needed).
    """

    def __init__(self, source: _Source, k: int, at: np.ndarray) -> None:
        self.source, self.k, self.at = source, k, at

    @cached_property
    def row(self) -> np.ndarray:
        return np.asarray(self.source.reported.positions[self.k - 1, self.at])

    @cached_property
    def time(self) -> np.ndarray:
        # From the results (one contiguous column), not gathered from the rows.
        return np.asarray(self.source.units.step_time[self.at, self.k - 1])

    @cached_property
    def unit(self) -> np.ndarray:
        return np.asarray(self.source.unit[self.at])

    @cached_property
    def window_end(self) -> np.ndarray:
        return np.asarray(self.source.reported.window_end[self.at])

    def still_open(self) -> np.ndarray:
        """Where the units still open (§14.1) are among `at`, all the units stopping at k:
        few, so found from the list of the still-open ones, not every unit's flag."""
        source = self.source
        return np.asarray(np.searchsorted(self.at, source.opened[source.opened_level == self.k]))

    def settle(self, out: np.ndarray, counts: np.ndarray, codes: np.ndarray) -> Stopped:
        """Write the reasons found (codes >= 0) to `out` and add them to `counts`; the
        units still to decide.

        Later rules then look only at the units no earlier rule decided: in strict order
        most are `interrupted`, and no later match is looked up for them.
        """
        # The undecided get _UNKNOWN, which is NO_REASON, until a later rule decides:
        # one write of every code, no compressing of the decided ones.
        out[self.at] = codes
        # A count per code of small ints: no widening copy for a bincount.
        for code in range(len(REASONS)):
            counts[code] += np.count_nonzero(codes == code)
        left = np.flatnonzero(codes == _UNKNOWN)
        if len(left) == len(codes):
            return self
        rest = Stopped(self.source, self.k, self.at[left])
        for name in ("row", "time", "unit", "window_end"):
            if name in self.__dict__:  # already gathered: compress, do not gather again
                rest.__dict__[name] = self.__dict__[name][left]
        return rest


def _named_any(rows: UnitRows, following: list[Step], holding: bool) -> RowSet | None:
    """`_named_rows` of several candidate steps (§15): the rows bearing any of their names
    (also when values are held, §17: a name without them is a `filter` too)."""
    if not holding and not any(s.where for s in following):
        return None
    names = tuple(dict.fromkeys(name for s in following for name in s.events))
    return rows.matcher_rows(EventMatcher(events=names))


def _stopped_at_any(
    out: np.ndarray,
    frame: UnitFrame,
    cands: list[Candidate],
    named: RowSet | None,
    units: Stopped,
    order: str,
    held: HeldSearch | None,
) -> np.ndarray:
    """§14's rules in priority order for units stopping at k before optional steps, or
    with values held."""
    asked = Asked(units.row, units.time, units.unit, units.window_end)
    conditions = [units.source.units.still_open[units.at]]  # 1.
    choices = [_CODE["still_open"]]
    if order == "strict":
        inside, matches, accepted = strict_next_any(frame, cands, asked, held)
        conditions += [inside & ~matches, matches & ~accepted]  # 2., 3.
        choices += [_CODE["interrupted"], _CODE["min_gap"]]
    any_later, found, t_far, limit = later_accepted(frame, cands, asked, held)
    conditions += [
        found & (t_far > asked.window_end),  # 4.
        found & (t_far - asked.time > limit),  # 5.
        any_later & ~found,  # 6.
    ]
    choices += [_CODE["window"], _CODE["max_gap"], _CODE["min_gap"]]
    if named is not None:  # 7.
        conditions.append(named.unit_or_none[named.count_through(asked.row)] == asked.unit)
        choices.append(_CODE["filter"])
    codes = np.select(conditions, choices, default=_CODE["never"]).astype(np.int8)  # 8.
    out[units.at] = codes
    return np.bincount(codes, minlength=len(REASONS)).astype(np.int64)


def _named_rows(rows: UnitRows, step: Step) -> RowSet | None:
    """The rows bearing one of the step's names whatever their properties (for `filter`);
    None when the step has no filters, so the names alone already match."""
    if not step.where:
        return None
    return rows.matcher_rows(EventMatcher(events=step.events))


def _stopped_at(
    out: np.ndarray,
    frame: UnitFrame,
    match: RowSet,
    named: RowSet | None,
    units: Stopped,
    *,
    strict: bool,
    window: int | None,
    min_gap: int | None,
    max_gap: int | None,
) -> np.ndarray:
    """§14's rules in priority order (the first that holds) for units stopping at k;
    writes each unit's reason to `out`, returns how many have each reason."""
    rules: list[Callable[[Stopped], np.ndarray]] = []
    if strict:
        rules.append(lambda units: _strict_next(frame, match, units, window, min_gap))
    rules.append(lambda units: _later_match(frame, match, units, min_gap, max_gap))
    if named is not None:
        names = named
        rules.append(lambda units: _later_name(names, units))
    counts = np.zeros(len(REASONS), dtype=np.int64)
    for i, rule in enumerate(rules):
        codes = rule(units)
        if i == 0:
            # Rule 1 (still open) is laid over the first rules' answers rather than
            # settled on its own: a few units looked at for nothing cost less than a pass.
            codes[units.still_open()] = _CODE["still_open"]
        if i == len(rules) - 1:
            codes[codes == _UNKNOWN] = _CODE["never"]  # rule 8: what no rule explained
        units = units.settle(out, counts, codes)
        if not len(units.at):
            break
    return counts


def _later_name(named: RowSet, units: Stopped) -> np.ndarray:
    """`filter` (§14.7): a later row bears one of the step's names, but none matched."""
    later = named.unit_or_none[named.count_through(units.row)] == units.unit
    return np.where(later, _CODE["filter"], _UNKNOWN)


def _strict_next(
    frame: UnitFrame, match: RowSet, units: Stopped, window: int | None, min_gap: int | None
) -> np.ndarray:
    """Strict order (§3.2): `interrupted` when the very next row lies inside the window and
    does not match; `min_gap` when it matches but comes sooner than min_gap."""
    row = units.row
    # Bitmaps hold one bit per row: a lookup stays in cache, unlike the row arrays. One
    # kept with the step's rows says whether a row's next row is in its unit and is not
    # a match, so most units are decided without reading any row's unit or time.
    interrupted = match.followed_by_other(row)
    if units.k == 1 and window is not None:
        # Stopped at step 1, the row is the entry the window runs from: one more bit,
        # kept with the rows per window, says whether the next row is inside it.
        interrupted &= frame.next_within(row, window)
    else:
        # Inside the window when the unit's last row is: most times are never read.
        late = frame.last_time[units.unit] > units.window_end
        unsure = np.flatnonzero(interrupted & late)
        interrupted[unsure] = frame.time[row[unsure] + 1] <= units.window_end[unsure]
    codes = np.where(interrupted, _CODE["interrupted"], _UNKNOWN)
    if min_gap:
        has_next = ~frame.ends_unit(row)
        # The row after a unit's last is the next unit's first: valid to read (the
        # frame's last row is some unit's last), and masked out by has_next.
        nxt = np.minimum(row + 1, len(frame.time) - 1)
        matches = has_next & match.contains(nxt) if len(match) else np.zeros_like(has_next)
        codes[matches & (frame.time[nxt] < units.time + min_gap)] = _CODE["min_gap"]
    return codes


def _later_match(
    frame: UnitFrame, match: RowSet, units: Stopped, min_gap: int | None, max_gap: int | None
) -> np.ndarray:
    """`window`, `max_gap` or `min_gap` from the unit's later matches (§14.4–6)."""
    if not len(match):
        return np.full(len(units.at), _UNKNOWN, dtype=np.int8)
    # The first later match, and the first later match at least min_gap after (§3.1).
    first = match.count_through(units.row)
    any_later = match.unit_or_none[first] == units.unit
    found, first_far = any_later, first
    if min_gap:
        end = match.count_through(frame.unit_end[units.unit] - 1)
        first_far = first_at_time(match.time, first, end, units.time + min_gap)
        found = first_far < end
    if max_gap is None:
        # The attempt stopped, and without a max gap only the window stops it at a match
        # far enough after (§3.1; in strict order the rules before took the next row's
        # cases): whatever was found lies past the window. No time to look up.
        conditions, choices = [found], [_CODE["window"]]
    else:
        t_far = match.time[np.minimum(first_far, len(match) - 1)]
        late = found & (t_far > units.window_end)
        too_far = found & (t_far - units.time > max_gap)
        conditions, choices = [late, too_far], [_CODE["window"], _CODE["max_gap"]]
    conditions.append(any_later & ~found)
    choices.append(_CODE["min_gap"])
    return np.asarray(np.select(conditions, choices, default=_UNKNOWN), dtype=np.int8)
