"""The working rows the engine searches (FUNNEL_SEMANTICS §3): a `UnitFrame` (the table's
rows ordered by unit, then time, then input order) and `RowSet`s, the rows an event
matcher accepts, with the rank lookups that let every attempt find its next event at once.

Each unit is one contiguous slice of the frame, so "after" means a larger position and
a unit's next match of a step is one rank lookup away.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from funnel_gui.core.arrays import NONE, first_of_run

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

    def ends_unit(self, rows: np.ndarray) -> np.ndarray:
        """Whether each row (a valid position) is the last of its unit: one bit read per
        row, which stays in cache, where reading each row's unit and its end does not."""
        bits = self.last_bits
        return np.asarray((bits[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1, dtype=bool)

    def next_within(self, rows: np.ndarray, gap: int) -> np.ndarray:
        """Whether each row (a valid position) has a next row at most `gap` ns later (the
        frame's last row has none): one bit read, the bitmap kept per gap for recomputes."""
        bits = self._gap_bits.get(gap)
        if bits is None:
            within = np.zeros(len(self.time), dtype=bool)
            np.less_equal(np.diff(self.time), gap, out=within[:-1])
            bits = self._gap_bits[gap] = np.packbits(within, bitorder="little")
        return np.asarray((bits[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1, dtype=bool)

    @cached_property
    def _gap_bits(self) -> dict[int, np.ndarray]:
        return {}

    @cached_property
    def last_time(self) -> np.ndarray:
        """Per unit id, the time of its last row (kept with the frame: a unit whose last
        row lies inside a bound needs none of its rows' times read)."""
        return np.asarray(self.time[np.maximum(self.unit_end - 1, 0)])

    @cached_property
    def last_bits(self) -> np.ndarray:
        """Bit r (little-endian packed): row r is the last of its unit."""
        last = np.zeros(len(self.time), dtype=bool)
        last[self.unit_end[self.unit_end > 0] - 1] = True
        return np.packbits(last, bitorder="little")


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
    def unit_heads(self) -> np.ndarray:
        """Where each unit's members begin (indices into the members)."""
        return first_of_run(self.unit)

    @cached_property
    def firsts(self) -> RowSet:
        """Each unit's first member (a subset in unit order)."""
        return self.subset(self.unit_heads)

    @cached_property
    def first_in_unit(self) -> np.ndarray:
        """Per unit id of the frame, the index of its first member (len where none)."""
        out = np.full(len(self.frame.unit_end), len(self.positions), dtype=np.int64)
        heads = self.unit_heads
        out[self.unit[heads]] = heads
        return out

    @cached_property
    def time_or_last(self) -> np.ndarray:
        """The members' times, plus the last one's again at index len (any time where
        there are none): a gather at "no member" then needs no clipping."""
        return np.append(self.time, self.time[-1:] if len(self.time) else 0)

    @cached_property
    def positions_or_none(self) -> np.ndarray:
        """The members' positions, plus NONE at index len."""
        return np.append(self.positions, NONE)

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

    def followed_by_other(self, rows: np.ndarray) -> np.ndarray:
        """Whether each row (a valid working position) has a next row in its unit that is
        not a member (strict order's "something else came next", §3.2): one bit read."""
        bits = self._followed_bits
        return np.asarray((bits[rows >> 3] >> (rows & 7).astype(np.uint8)) & 1, dtype=bool)

    @cached_property
    def _followed_bits(self) -> np.ndarray:
        """Bit r: row r is not its unit's last and row r + 1 is not a member."""
        member, _ = self._bits
        following = member >> 1  # bit r of the result is bit r + 1 of the rows
        following[:-1] |= member[1:] << 7
        return np.asarray(~self.frame.last_bits & ~following)

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
