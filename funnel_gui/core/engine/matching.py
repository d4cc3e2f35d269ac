"""What an event matcher accepts (§2): its event names' codes, and whether its `where`
filters (AND'd) hold on given rows; the engine ORs the names' rows and applies the filters.

Property values compare as text, except `gt`/`lt`, which compare numbers and fail on
values that are not numbers. A missing property fails every op but neq, not_in and
not_set. Each property is decoded once per table and cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from funnel_gui.core.definition.model import EventMatcher, Filter
from funnel_gui.core.events import EventTable
from funnel_gui.core.io.rowcodes import as_text
from funnel_gui.core.textforms import NUMBER_TEXT


@dataclass(frozen=True)
class PropertyText:
    """A property as codes into its distinct text values, in the table's sorted row order."""

    codes: np.ndarray  # int32, -1 = missing
    values: list[str]
    numbers: np.ndarray  # float64 per distinct value, NaN when not a number


def decode_property(table: EventTable, name: str) -> PropertyText | None:
    """None when the table has no such property (every row is then 'missing').
    Costly on big tables: `PreparedTable.property_text` keeps the result."""
    if name not in table.property_names:
        return None
    column = table.properties[name]
    text = as_text(column)
    encoded = text if isinstance(text, pa.DictionaryArray) else pc.dictionary_encode(text)
    input_codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    values = [str(v) for v in encoded.dictionary.to_pylist()]
    numeric = pc.match_substring_regex(encoded.dictionary, NUMBER_TEXT).fill_null(False)
    numbers = np.full(len(values), np.nan)
    if len(values):
        mask = np.asarray(numeric.to_numpy(zero_copy_only=False), dtype=bool)
        as_float = pc.cast(encoded.dictionary.filter(numeric), pa.float64())
        numbers[mask] = as_float.to_numpy(zero_copy_only=False)
    return PropertyText(input_codes[table.row], values, numbers)


def filter_holds(prop: PropertyText | None, flt: Filter, rows: np.ndarray) -> np.ndarray:
    """Whether `flt` holds on each of `rows` (positions in the table's row order)."""
    missing_passes = flt.op in ("neq", "not_in", "not_set")
    if prop is None:
        return np.full(len(rows), missing_passes)
    codes = prop.codes[rows]
    per_value = _per_value(prop, flt)
    holds = per_value[np.maximum(codes, 0)] if len(per_value) else np.zeros(len(rows), bool)
    return np.where(codes < 0, missing_passes, holds)


def _per_value(prop: PropertyText, flt: Filter) -> np.ndarray:
    """The filter's outcome for each distinct value (evaluated once per value, not row)."""
    values, op, target = prop.values, flt.op, flt.value
    if op in ("is_set", "not_set"):
        return np.full(len(values), op == "is_set")
    if op in ("gt", "lt"):
        bound = float(target) if isinstance(target, int | float) else np.nan
        with np.errstate(invalid="ignore"):
            out = prop.numbers > bound if op == "gt" else prop.numbers < bound
        return np.asarray(out & ~np.isnan(prop.numbers), dtype=bool)
    if op in ("in", "not_in"):
        wanted = set(target) if isinstance(target, tuple) else {str(target)}
        inside = np.array([v in wanted for v in values], dtype=bool)
        return inside if op == "in" else ~inside
    text = str(target)
    if op == "contains":
        return np.array([text in v for v in values], dtype=bool)
    equal = np.array([v == text for v in values], dtype=bool)
    return equal if op == "eq" else ~equal


def event_codes(table: EventTable, matcher: EventMatcher) -> list[int]:
    """The table's codes of the matcher's event names (names the data lacks are left out)."""
    return [c for c in (table.event_code(name) for name in matcher.events) if c is not None]


def unknown_events(table: EventTable, matchers: Sequence[EventMatcher]) -> list[str]:
    """Event names a definition mentions that the data does not have (a warning, §3)."""
    seen: dict[str, None] = {}
    for matcher in matchers:
        for name in matcher.events:
            if table.event_code(name) is None:
                seen[name] = None
    return list(seen)
