"""EventTable: the coded, analysis-ready event table, plus its event and property catalogs.

Rows are sorted by actor, then time, then input order (FUNNEL_SEMANTICS §1:
ties keep file order), so the engine can walk each actor's events as one
contiguous slice. Actor, event and session are integer codes; properties stay
in a compact Arrow table in input order and are decoded on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.textforms import NUMBER_TEXT, decode_bytes

if TYPE_CHECKING:
    from funnel_gui.core.io.report import ImportReport

PropertyKind = Literal["text", "number", "boolean", "time"]
_TOP_VALUES = 10
_NS_PER_DAY = 86_400 * 1_000_000_000
_BOOL_TEXT = {"true", "false"}


@dataclass(frozen=True, eq=False)
class EventTable:
    actor: np.ndarray  # int32 code per row, index into actor_ids
    event: np.ndarray  # int32 code per row, index into event_names
    time: np.ndarray  # int64 ns since epoch, UTC
    row: np.ndarray  # int64 input-order position of the row; index into `properties`
    session: np.ndarray | None  # int32 code per row, -1 = no session
    actor_ids: pa.Array  # string
    event_names: tuple[str, ...]
    properties: pa.Table  # one row per kept event, input order
    report: ImportReport
    n_sessions: int | None = None
    session_ids: pa.Array | None = None  # string: session code -> the export's session id

    def __len__(self) -> int:
        return len(self.time)

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def property_names(self) -> list[str]:
        return list(self.properties.column_names)

    @cached_property
    def last_time_ns(self) -> int:
        """The last timestamp in the data: the horizon for still-open attempts (§7)."""
        return int(self.time.max()) if len(self.time) else 0

    @property
    def has_sessions(self) -> bool:
        return self.session is not None and bool(self.n_sessions)

    @property
    def time_span_ns(self) -> tuple[int, int] | None:
        return self.report.time_span_ns

    def event_code(self, name: str) -> int | None:
        return self._event_index.get(name)

    @cached_property
    def _event_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.event_names)}

    @cached_property
    def event_catalog(self) -> pd.DataFrame:
        """Per event name: count, unique actors, first and last seen; most frequent first."""
        n_events = len(self.event_names)
        counts = np.bincount(self.event, minlength=n_events)
        # Rows are grouped by actor, so (actor, event) pairs are unique once hashed.
        pairs = self.actor.astype(np.int64) * max(n_events, 1) + self.event
        unique_pairs = pd.unique(pairs)
        actors = np.bincount(unique_pairs % max(n_events, 1), minlength=n_events)
        frame = pd.DataFrame({"event": self.event_names, "count": counts, "actors": actors})
        times = pd.DataFrame({"e": self.event, "t": self.time}).groupby("e")["t"]
        first, last = times.min(), times.max()
        frame["first_seen"] = pd.to_datetime(first.reindex(range(n_events)).to_numpy(), utc=True)
        frame["last_seen"] = pd.to_datetime(last.reindex(range(n_events)).to_numpy(), utc=True)
        frame = frame[frame["count"] > 0]
        return frame.sort_values(["count", "event"], ascending=[False, True]).reset_index(drop=True)

    @cached_property
    def daily_volume(self) -> pd.DataFrame:
        """Events and distinct actors per UTC day, every day of the span (gaps show as 0):
        a missing day in an export is the first thing an analyst should see."""
        columns = {"day": pd.Series(dtype="datetime64[ns, UTC]"), "events": [], "actors": []}
        if len(self.time) == 0:
            return pd.DataFrame(columns)
        day = (self.time // _NS_PER_DAY).astype(np.int64)
        first = int(day.min())
        offset = day - first
        n_days = int(offset.max()) + 1
        events = np.bincount(offset, minlength=n_days)
        # Rows are grouped by actor, so unique (actor, day) pairs need only a hash pass.
        pairs = pd.unique(self.actor.astype(np.int64) * n_days + offset)
        actors = np.bincount(pairs % n_days, minlength=n_days)
        days = pd.to_datetime((first + np.arange(n_days)) * _NS_PER_DAY, utc=True)
        return pd.DataFrame({"day": days, "events": events, "actors": actors})

    def property_kind(self, name: str) -> PropertyKind:
        return self.typed_properties[name][0]

    def property_values(self, name: str) -> pa.Array:
        """The property's values in the table's (sorted) row order, typed."""
        return self.typed_properties[name][1].take(pa.array(self.row))

    @cached_property
    def typed_properties(self) -> dict[str, tuple[PropertyKind, pa.Array]]:
        """Each property's inferred kind and typed values (input row order).

        Built with the catalogs, in the loading worker, before the table is shared.
        """
        return {
            name: infer_property(self.properties[name].combine_chunks())
            for name in self.property_names
        }

    @cached_property
    def property_catalog(self) -> pd.DataFrame:
        """Per property: kind, distinct values, rows with a value, top values with counts."""
        records = []
        for name in self.property_names:
            kind, values = self.typed_properties[name]
            present = values.drop_null()
            top: list[tuple[Any, int]] = []
            distinct = 0
            if len(present):
                counts = pc.value_counts(present)
                distinct = len(counts)
                order = np.argsort(-counts.field("counts").to_numpy(), kind="stable")
                head = order[:_TOP_VALUES]
                vals = counts.field("values").take(pa.array(head)).to_pylist()
                nums = counts.field("counts").take(pa.array(head)).to_pylist()
                top = list(zip(vals, nums, strict=True))
            records.append(
                {
                    "property": name,
                    "kind": kind,
                    "distinct": distinct,
                    "present": len(present),
                    "top_values": top,
                }
            )
        columns = ["property", "kind", "distinct", "present", "top_values"]
        return pd.DataFrame.from_records(records, columns=columns)


def infer_property(values: pa.Array) -> tuple[PropertyKind, pa.Array]:
    """Numbers and booleans stored as text become typed; ids with many digits stay text."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return _infer_from_text(values)
    return _typed_kind(values)


def _typed_kind(values: pa.Array) -> tuple[PropertyKind, pa.Array]:
    """The kind of a column the file already typed (anything but text)."""
    kind = values.type
    if pa.types.is_boolean(kind):
        return "boolean", values
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number", pc.cast(values, pa.float64())
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return "time", values
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "text", decode_bytes(values)
    return "text", pc.cast(values, pa.string())


def _infer_from_text(values: pa.Array) -> tuple[PropertyKind, pa.Array]:
    """Text that is all booleans or all numbers (not ids or codes) becomes typed."""
    present = values.drop_null()
    if len(present) == 0:
        return "text", values
    lowered = pc.utf8_lower(present)
    if pc.all(pc.is_in(lowered, pa.array(sorted(_BOOL_TEXT)))).as_py():
        return "boolean", pc.equal(pc.utf8_lower(values), "true")
    # 16+ digits are ids (float64 would change them); a leading zero is a code ("00123").
    if (
        pc.all(pc.match_substring_regex(present, NUMBER_TEXT)).as_py()
        and not pc.any(pc.match_substring_regex(present, r"^-?(\d{16,}|0\d)")).as_py()
    ):
        if pc.all(pc.match_substring_regex(present, r"^-?\d{1,15}$")).as_py():
            return "number", pc.cast(values, pa.int64())
        return "number", pc.cast(values, pa.float64())
    return "text", values
