"""Flatten JSON parsed in Python the way `flatten_table` flattens Arrow tables.

The fallback path for irregular JSON (types that change between lines, broken lines).
Every parse here goes through `loads`, which guards two things a hostile file could
abuse: numbers are kept exactly as written when a float64 cannot hold them (ids written
as JSON numbers), and nesting is limited, so that nothing downstream runs out of stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

# Columns that hold a JSON object as text in some exports (PostHog batch, Segment dumps).
JSON_TEXT_CONTAINERS = frozenset(
    {
        "properties",
        "person_properties",
        "event_properties",
        "user_properties",
        "context",
        "traits",
        "group_properties",
        "groups",
    }
)
GA4_SLOTS = ("string_value", "int_value", "float_value", "double_value")
# Key/value lists (GA4): when every list in a file is empty there is no key to pivot on,
# and a count of the empty lists would be a meaningless property.
KEY_VALUE_LISTS = frozenset({"event_params", "user_properties"})
# Real exports nest a handful of levels (GA4: event_params.value.string_value); thousands
# of levels are an attack on the stack, in Python's json module and in flattening alike.
MAX_NESTING = 64
# Integers from 19 digits on may pass int64; longer floats than 15 significant digits may
# not survive float64. Both are kept as the text written, like ids in CSV.
_EXACT_INT_DIGITS = 18
_EXACT_FLOAT_DIGITS = 15
_EXACT_FLOAT_MAX = 2.0**53


class NestedTooDeep(ValueError):
    """JSON (or an Arrow type) nested deeper than `MAX_NESTING` levels."""

    def __init__(self) -> None:
        super().__init__(f"nested more than {MAX_NESTING} levels deep")


def last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def loads(text: str | bytes) -> Any:
    """`json.loads` with numbers kept exact and nesting limited.

    Raises ValueError for text that is not JSON, `NestedTooDeep` (a ValueError too) for
    JSON nested more than `MAX_NESTING` levels.
    """
    try:
        value = json.loads(text, parse_int=_exact_int, parse_float=_exact_float)
    except RecursionError as exc:  # deeper than Python's own recursion limit
        raise NestedTooDeep from exc
    depth = nesting_depth(value)
    if depth > MAX_NESTING:
        raise NestedTooDeep
    return value


def _exact_int(text: str) -> int | str:
    # Short integers as numbers; long ones as text, which also keeps Python from
    # refusing integers of more than 4,300 digits with a message naming no file.
    return int(text) if len(text.lstrip("-")) <= _EXACT_INT_DIGITS else text


def _exact_float(text: str) -> float | str:
    mantissa = text.lstrip("-").lower().split("e")[0].replace(".", "").strip("0")
    value = float(text)
    if len(mantissa) <= _EXACT_FLOAT_DIGITS and abs(value) < _EXACT_FLOAT_MAX:
        return value
    return text  # 3868899112.4128253975 or 1.0e30: float64 would change the digits


def nesting_depth(value: Any) -> int:
    """Levels of objects and arrays in a parsed JSON value, counted without recursion;
    stops counting once past `MAX_NESTING`."""
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            return depth
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


# Arrow's JSON reader parses recursively: a line nested ~20,000 deep overflows its stack
# (a segfault, not an error). A line with fewer opening brackets than this cannot nest
# deeper, and is safe even on the small stacks of macOS threads; lines with more (rare:
# wide GA4 events) are parsed once in Python to see how deep they really are.
_ARROW_SAFE_OPENS = 256
_SCAN_CHUNK = 64 << 20


def too_deep_for_arrow(data: bytes | pa.Buffer) -> bool:
    """Whether a JSON-lines buffer may hold a line nested past `MAX_NESTING` (or one that
    is not JSON and has many brackets): then it must not reach Arrow's JSON reader.

    Vectorised per 64 MB of whole lines; only lines with many brackets are looked at in
    Python. Brackets inside strings count too, which can only err on the safe side.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    start = 0
    while start < len(arr):
        stop = min(len(arr), start + _SCAN_CHUNK)
        if stop < len(arr):
            breaks = np.flatnonzero(arr[start:stop] == 0x0A)
            stop = start + int(breaks[-1]) + 1 if len(breaks) else _line_end(arr, stop)
        part = arr[start:stop]
        opens = (part == 0x7B) | (part == 0x5B)  # { and [
        if int(opens.sum()) > _ARROW_SAFE_OPENS:
            starts = np.concatenate(([0], np.flatnonzero(part[:-1] == 0x0A) + 1))
            counts = np.add.reduceat(opens, starts, dtype=np.int64)
            for i in np.flatnonzero(counts > _ARROW_SAFE_OPENS):
                begin = start + int(starts[i])
                if _deep_or_broken(arr[begin : _line_end(arr, begin)].tobytes()):
                    return True
        start = stop
    return False


def _line_end(arr: np.ndarray, begin: int) -> int:
    """The position after the line break ending the line at `begin` (or the end)."""
    step = 1 << 20
    for at in range(begin, len(arr), step):
        found = np.flatnonzero(arr[at : at + step] == 0x0A)
        if len(found):
            return at + int(found[0]) + 1
    return len(arr)


def _deep_or_broken(line: bytes) -> bool:
    try:
        loads(line)
    except ValueError:  # NestedTooDeep included
        return True
    return False


def loads_object(text: str | None) -> dict[str, Any]:
    """A JSON object held as text (PostHog `properties`); anything else is no properties."""
    if not text:
        return {}
    try:
        value = loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def records_to_table(records: Iterable[dict[str, Any]]) -> pa.Table:
    """Flatten Python dicts the same way as `flatten_table`; values become text.

    Used when Arrow cannot read a file in one go (types that change between lines),
    so every value is kept as text; types are inferred later, per column.
    """
    rows: list[dict[str, str | None]] = []
    empty_lists: list[list[str]] = []
    for record in records:
        empty: list[str] = []
        rows.append(_flatten_record(record, "", empty))
        empty_lists.append(empty)
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    fills = {name: _empty_list_fill(name, names) for empty in empty_lists for name in empty}
    for row, empty in zip(rows, empty_lists, strict=True):
        for name in empty:
            fill = fills[name]
            if fill is not None:
                row[fill[0]] = fill[1]
                names[fill[0]] = None
    return pa.table({_utf8(n): _text_array([row.get(n) for row in rows]) for n in names})


def _text_array(values: list[str | None]) -> pa.Array:
    try:
        return pa.array(values, pa.string())
    except UnicodeEncodeError:
        # JSON may escape half a surrogate pair ("\ud800"), which is no character.
        return pa.array([None if v is None else _utf8(v) for v in values], pa.string())


def _utf8(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD (pairs become their character)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _empty_list_fill(name: str, names: dict[str, None]) -> tuple[str, str] | None:
    """What an empty list becomes, as Arrow would type the column from the other rows:
    "" for a list of strings, nothing for key/value lists, else a count of 0."""
    if name in names:
        return name, ""
    inner = f"{name}."
    if last_part(name) in KEY_VALUE_LISTS or any(
        n.startswith(inner) and n != f"{name}.count" for n in names
    ):
        return None
    return f"{name}.count", "0"


def _flatten_record(
    record: dict[str, Any], prefix: str, empty_lists: list[str]
) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten_record(value, f"{name}.", empty_lists))
        elif isinstance(value, list):
            if value:
                out.update(_flatten_list_value(name, value))
            else:
                empty_lists.append(name)
        elif isinstance(value, str) and key in JSON_TEXT_CONTAINERS and value.startswith("{"):
            out.update(_flatten_record(loads_object(value), f"{name}.", empty_lists))
        else:
            out[name] = _scalar_text(value)
    return out


def _flatten_list_value(name: str, value: list[Any]) -> dict[str, str | None]:
    if all(isinstance(v, dict) and "key" in v and "value" in v for v in value):
        out: dict[str, str | None] = {}
        for entry in value:
            inner = entry["value"]
            if isinstance(inner, dict):
                # Only the value slots: a GA4 user property also has set_timestamp_micros.
                slots = [s for s in GA4_SLOTS if s in inner] or list(inner)
                inner = next((inner[s] for s in slots if inner[s] is not None), None)
            out[f"{name}.{entry['key']}"] = _scalar_text(inner)
        return out
    if all(isinstance(v, str) for v in value):
        return {name: ", ".join(value)}
    return {f"{name}.count": str(len(value))}


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))  # as Arrow writes a whole double: 60.0 -> "60"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
