"""Attempts (FUNNEL_SEMANTICS §3–§4), vectorised over all units at once.

Works on a `UnitFrame`: the table's rows ordered by unit, then time, then input order,
so each unit is one contiguous slice and "after" means a larger position. Every
step-1 match starts an attempt; each step is then one vectorised search for all
attempts still going, never a Python loop over units or events.

An ordered funnel keeps its attempts as tiers: tier k holds the attempts that got to
step k + 1, with the event that filled it. An attempt stops at the first step it
misses, so each tier is a subset of the one before and costs in proportion to the
attempts that got that far; most attempts of a big table stop at step 1 and are never
copied again. `best_attempts` then reduces the tiers to one reported attempt per unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

NONE = -1
NAT = np.iinfo(np.int64).min

# Fewer lookups than this per row: a binary search each beats building the bitmap.
_LOOKUPS_PER_ROW_FOR_BITMAP = 1 / 64
# _BITS_THROUGH[byte << 3 | b]: set bits of `byte` at bit positions 0..b; _BITS_BEFORE:
# at positions 0..b-1.
_BITS_THROUGH = np.array(
    [bin(v & ((2 << b) - 1)).count("1") for v in range(256) for b in range(8)], dtype=np.uint8
)
_BITS_BEFORE = np.array(
    [bin(v & ((1 << b) - 1)).count("1") for v in range(256) for b in range(8)], dtype=np.uint8
)
_BYTE_BITS = _BITS_THROUGH[7::8].copy()


@dataclass(frozen=True)
class UnitFrame:
    time: np.ndarray  # int64 ns per working row
    unit: np.ndarray  # dense unit id per working row, non-decreasing
    unit_end: np.ndarray  # per unit id: exclusive end position of its rows

    def end_of(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.unit_end[self.unit[positions]])


class RowSet:
    """Working rows an event matcher accepts: ascending positions, with their units and
    times, and a rank index (how many members lie at or before a row) built on first use.

    Made once per event name and kept with the unit layout, so a recompute after an
    edit looks nothing up in the whole table again.
    """

    def __init__(
        self,
        frame: UnitFrame,
        positions: np.ndarray,
        unit: np.ndarray | None = None,
        time: np.ndarray | None = None,
    ) -> None:
        self.frame = frame
        self.positions = positions
        if unit is not None:
            self.__dict__["unit_or_none"] = np.append(unit, -1)
        if time is not None:
            self.__dict__["time"] = time

    def __len__(self) -> int:
        return len(self.positions)

    @cached_property
    def unit_or_none(self) -> np.ndarray:
        """The members' units, plus -1 at index len: the unit of "no member after this"."""
        return np.append(self.frame.unit[self.positions], -1)

    @property
    def unit(self) -> np.ndarray:
        return self.unit_or_none[:-1]

    @cached_property
    def time(self) -> np.ndarray:
        return np.asarray(self.frame.time[self.positions])

    def subset(self, keep: np.ndarray) -> RowSet:
        return RowSet(self.frame, self.positions[keep], self.unit[keep], self.time[keep])

    def count_through(self, rows: np.ndarray) -> np.ndarray:
        """Per row, how many members lie at or before it: the index of the first member
        after it (len when none)."""
        return self._rank(rows, "right", _BITS_THROUGH)

    def count_before(self, rows: np.ndarray) -> np.ndarray:
        """Per row, how many members lie before it: the index of the first member at or
        after it (len when none)."""
        return self._rank(rows, "left", _BITS_BEFORE)

    def _rank(
        self, rows: np.ndarray, side: Literal["left", "right"], bits_in: np.ndarray
    ) -> np.ndarray:
        """`rows` must be working positions (0 <= row < number of rows)."""
        if "_bits" not in self.__dict__ and len(rows) < _LOOKUPS_PER_ROW_FOR_BITMAP * len(
            self.frame.time
        ):
            return np.searchsorted(self.positions, rows, side=side)
        bits, before = self._bits
        byte = rows >> 3
        key = bits[byte].astype(np.intp) << 3
        key |= rows & 7
        return np.asarray(before[byte] + bits_in[key])

    def first_at_or_after(
        self, rows: np.ndarray, units: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per row (of unit `units`): whether its unit has a member at or after it, and the
        index of that member (of the last member where there is none; needs a member)."""
        idx = self.count_before(rows)
        found = self.unit_or_none[idx] == units
        np.minimum(idx, len(self.positions) - 1, out=idx)
        return np.asarray(found), idx

    def contains(self, rows: np.ndarray) -> np.ndarray:
        """Whether each row (a valid working position) is a member."""
        bits, _ = self._bits
        return np.asarray((bits[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1, dtype=bool)

    @cached_property
    def _bits(self) -> tuple[np.ndarray, np.ndarray]:
        """Membership as a bitmap (bit r of the table is row r), and per byte the number of
        members in the bytes before it: a rank lookup is then two reads, not a search."""
        mask = np.zeros(len(self.frame.time), dtype=bool)
        mask[self.positions] = True
        bits = np.packbits(mask, bitorder="little")
        before = np.zeros(len(bits), dtype=np.int64 if len(mask) >= 2**31 else np.int32)
        np.cumsum(_BYTE_BITS[bits[:-1]], dtype=before.dtype, out=before[1:])
        return bits, before


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


@dataclass(eq=False)
class Attempts:
    """Every attempt of every unit, in entry order (so grouped by unit).

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
    any_order: AnyOrderSteps | None = None
    level: np.ndarray | None = None  # any order only

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
        if k < len(self.tiers):
            tier = self.tiers[k]
            out[tier.members()] = _known(tier.position)
        return out


def first_after(matches: np.ndarray, after: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Index into `matches` (sorted positions) of the first match > after and < end."""
    lo = np.searchsorted(matches, after, side="right")
    hi = np.searchsorted(matches, end, side="left")
    return np.where(lo < hi, lo, NONE)


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


def sequential_attempts(
    steps: list[RowSet],
    entries: RowSet,
    *,
    window: int,
    strict: bool,
    min_gaps: list[int | None],
    max_gaps: list[int | None],
) -> Attempts:
    """Chain every attempt step by step (§3.1, §3.2); an attempt stops at the first
    step it misses: no later event fills it, or the one that does is past the window
    or the step's max gap."""
    frame = entries.frame
    tiers = [Tier(None, entries.positions, entries.unit, None, None, None)]
    for k in range(1, len(steps)):
        if not len(tiers[-1].unit):
            break
        tiers.append(
            _next_tier(
                tiers[-1],
                entries,
                steps[k],
                window,
                strict=strict,
                min_gap=min_gaps[k],
                max_gap=max_gaps[k],
            )
        )
    void = np.zeros(len(entries), dtype=bool)
    return Attempts(frame, entries, window, void, tiers)


def _next_tier(
    tier: Tier,
    entries: RowSet,
    step: RowSet,
    window: int,
    *,
    strict: bool,
    min_gap: int | None,
    max_gap: int | None,
) -> Tier:
    """The members of `tier` that fill the next step, and with which event."""
    frame = step.frame
    prev, unit = _known(tier.position), tier.unit
    # The entry tier's times are the entries' (kept with them); later tiers carry theirs.
    prev_time = entries.time if tier.time is None else tier.time
    if strict:
        # The very next row of the unit, which must match the step.
        nxt = prev + 1
        inside = nxt < frame.unit_end[unit]
        inside[inside] = step.contains(nxt[inside])
        sel = np.flatnonzero(inside)
        pos = nxt[sel]
        t = np.asarray(frame.time[pos])
    elif min_gap:
        lo = step.count_through(prev)
        hi = step.count_through(frame.unit_end[unit] - 1)
        lo = first_at_time(step.time, lo, hi, prev_time + min_gap)
        sel = np.flatnonzero(lo < hi)
        pos, t = step.positions[lo[sel]], step.time[lo[sel]]
    else:
        idx = step.count_through(prev)
        # Rows are grouped by unit, so the next match is this unit's or a later one's.
        sel = np.flatnonzero(step.unit_or_none[idx] == unit)
        idx = idx[sel]
        pos, t = step.positions[idx], step.time[idx]
    window_end = prev_time[sel] + window if tier.window_end is None else tier.window_end[sel]
    ok = t <= window_end
    if strict and min_gap:
        ok &= t >= prev_time[sel] + min_gap
    if max_gap is not None:
        ok &= t - prev_time[sel] <= max_gap
    keep = sel[ok]
    return Tier(
        member=keep if tier.member is None else tier.member[keep],
        position=pos[ok],
        unit=unit[keep],
        time=t[ok],
        window_end=window_end[ok],
        parent=keep,
    )


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


def tie_group_start(frame: UnitFrame) -> np.ndarray:
    """For each working row, the first row of its unit holding the same time."""
    time, unit = frame.time, frame.unit
    new_group = np.ones(len(time), dtype=bool)
    new_group[1:] = (time[1:] != time[:-1]) | (unit[1:] != unit[:-1])
    return np.asarray(np.maximum.accumulate(np.where(new_group, np.arange(len(time)), 0)))


def void_by_exclusion(
    frame: UnitFrame, attempts: Attempts, excluded_rows: np.ndarray, between: tuple[int, int]
) -> np.ndarray:
    """§4: an exclusion event after the step-a event and before the step-b event (or, if
    step b was never reached, no later than the window's end) voids the attempt."""
    a, b = between
    since = attempts.step_positions(a - 1)
    reached_a = since != NONE
    safe_since = np.where(reached_a, since, attempts.start)
    idx = first_after(excluded_rows, safe_since, frame.end_of(safe_since))
    hit = reached_a & (idx != NONE)
    where = excluded_rows[np.maximum(idx, 0)] if len(excluded_rows) else idx
    until = attempts.step_positions(b - 1)
    before_b = where < until
    in_window = frame.time[np.where(hit, where, 0)] <= attempts.window_end
    return np.asarray(hit & np.where(until != NONE, before_b, in_window))


def void_any_order(frame: UnitFrame, attempts: Attempts, excluded_rows: np.ndarray) -> np.ndarray:
    """§3.3: in any-order funnels an exclusion anywhere in the window after e voids it."""
    start = attempts.start
    idx = first_after(excluded_rows, start, frame.end_of(start))
    hit = idx != NONE
    where = excluded_rows[np.maximum(idx, 0)] if len(excluded_rows) else idx
    return np.asarray(hit & (frame.time[np.where(hit, where, 0)] <= attempts.window_end))


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


def best_attempts(attempts: Attempts, n_steps: int) -> BestAttempts:
    """Reduce the tiers to one reported attempt per unit, touching each tier once."""
    tiers, entries = attempts.tiers, attempts.entries
    void = attempts.void if attempts.void.any() else None
    heads = _first_of_run(entries.unit)
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
        head = _first_of_run(unit_k)
        where = unit_k[head] if slot is None else slot[unit_k[head]]
        furthest[where] = k + 1
        rep_index[where] = head if candidates is None else candidates[head]
    excluded = furthest == 0
    positions = np.full((n_steps, n_units), NONE, dtype=np.int64)
    times = np.full((n_steps, n_units), NAT, dtype=np.int64)
    # Indexing by a slice when no unit is excluded saves a pass over every unit.
    counted: slice | np.ndarray = np.flatnonzero(~excluded) if excluded.any() else slice(None)
    attempt = np.full(n_units, NONE, dtype=np.int64)
    if attempts.any_order is not None:
        # Any order: look the reported attempts' matches up again.
        rep = _any_order_reported(tiers, furthest[counted] - 1, rep_index[counted])
        attempt[counted] = rep
        for k in range(n_steps):
            positions[k, counted] = attempts.any_order.matches(k, rep, attempts.window)
        times[0, counted] = entries.time[rep]
        entry = np.full(n_units, NONE, dtype=np.int64)
        entry[counted] = entries.positions[rep]
        return BestAttempts(units, furthest, excluded, attempt, entry, positions, times)
    # Walk each reported attempt down from its top tier to the entry tier; the units stay
    # in order, so every read and write runs forward through memory.
    index = rep_index
    for k in range(len(tiers) - 1, 0, -1):
        tier = tiers[k]
        at = np.flatnonzero(furthest > k)
        i = index[at]
        positions[k, at] = _known(tier.position)[i]
        times[k, at] = _known(tier.time)[i]
        index[at] = _known(tier.parent)[i]
    attempt[counted] = index[counted]
    positions[0, counted] = entries.positions[attempt[counted]]
    times[0, counted] = entries.time[attempt[counted]]
    return BestAttempts(units, furthest, excluded, attempt, positions[0], positions, times)


def _known(values: np.ndarray | None) -> np.ndarray:
    """A tier array that is None only where it is never read (entry tier, any order)."""
    assert values is not None
    return values


def _any_order_reported(
    tiers: list[Tier], rep_tier: np.ndarray, rep_index: np.ndarray
) -> np.ndarray:
    """Attempt ids of the reported attempts, given their tier and index there."""
    out = np.empty(len(rep_tier), dtype=np.int64)
    for k, tier in enumerate(tiers):
        at = rep_tier == k
        out[at] = tier.members()[rep_index[at]]
    return out


def _first_of_run(values: np.ndarray) -> np.ndarray:
    """Indices where a run of equal values begins (values grouped, e.g. unit ids)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    change = np.empty(len(values), dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    return np.flatnonzero(change)
