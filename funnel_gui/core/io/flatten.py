"""Flatten nested export records into plain columns with readable dotted names.

Structs become `parent.child`; GA4-style key/value lists (`event_params`,
`user_properties`) and maps become one column per key, the four GA4 value slots
coalesced; properties stored as a JSON string (PostHog batch exports) are
parsed. Lists of other things (GA4 `items`) become a count, since unnesting
them would multiply events (EXPORT_FORMATS §1). Types the rest of the import does
not know (unions, fixed-size lists, intervals...) become text.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.records import GA4_SLOTS as _GA4_SLOTS
from funnel_gui.core.io.records import JSON_TEXT_CONTAINERS as JSON_TEXT_CONTAINERS
from funnel_gui.core.io.records import KEY_VALUE_LISTS as KEY_VALUE_LISTS
from funnel_gui.core.io.records import (
    MAX_NESTING,
    NestedTooDeep,
    loads_object,
    too_deep_for_arrow,
)
from funnel_gui.core.io.records import last_part as _last_part
from funnel_gui.core.io.records import records_to_table as records_to_table
from funnel_gui.core.textforms import decode_bytes

# More distinct keys than this in one map or key/value list would make as many columns
# (each as long as the table): the values are kept as one JSON text column instead.
MAX_PIVOT_KEYS = 1000


def flattened(name: str, table: pa.Table) -> pa.Table:
    """`flatten_table`, with whatever a damaged or hostile file makes it fail on told as
    an `ImportFailed` naming the file."""
    try:
        return flatten_table(table)
    except NestedTooDeep as exc:
        raise ImportFailed(
            f"{name} holds data {exc}: that is not the shape of an event export, so it "
            "was not read."
        ) from exc
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
        raise ImportFailed(
            f"{name} was read, but its nested columns could not be flattened into "
            f"properties ({' '.join(str(exc).split())[:200]}). The file may be damaged."
        ) from exc


def type_depth(kind: pa.DataType) -> int:
    """Levels of structs, lists and maps in a type, counted without recursion (Arrow
    reads JSON nested thousands deep); stops counting once past `MAX_NESTING`."""
    deepest = 0
    stack = [(kind, 0)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            return depth
        stack.extend((current.field(i).type, depth + 1) for i in range(current.num_fields))
    return deepest


def flatten_table(table: pa.Table) -> pa.Table:
    """Every column flat; raises `NestedTooDeep` for types nested past `MAX_NESTING`."""
    table = _python_safe_times(table)
    if not any(
        _needs_flattening(n, c.type) for n, c in zip(table.column_names, table.columns, strict=True)
    ):
        return table  # the common case (CSV, flat Parquet): no copies at all
    columns: dict[str, pa.Array] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        depth = type_depth(column.type)
        if depth > MAX_NESTING:
            raise NestedTooDeep
        if _needs_flattening(name, column.type):
            _flatten_into(columns, name, column.combine_chunks())
        else:
            columns[name] = column
    if not columns:
        return table
    return pa.table(columns)


# Python's datetime holds years 1 to 9999 (as seconds since 1970); Arrow's timestamps hold
# far more, and every later `as_py()`/`to_pylist()` on such a value raises OverflowError.
_PY_SECONDS = (-62_135_596_800, 253_402_300_799)
_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000}


def _python_safe_times(table: pa.Table) -> pa.Table:
    """Time columns with a value outside years 1-9999 (damaged or hostile files) as text:
    Arrow writes such values out, and the time parser drops them as unparsable."""
    for i, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if _beyond_python_dates(column):
            table = table.set_column(i, name, pc.cast(column, pa.string()))
    return table


def _beyond_python_dates(column: pa.ChunkedArray) -> bool:
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit in _PER_SECOND:
        per = _PER_SECOND[kind.unit]
    elif pa.types.is_date64(kind):
        per = 1_000
    elif pa.types.is_date32(kind):
        column, per = pc.multiply(pc.cast(column, pa.int64()), 86_400), 1
    else:
        return False  # nanoseconds span 1677-2262 only: always within Python's range
    bounds = pc.min_max(pc.cast(column, pa.int64()))
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return low is not None and (low < _PY_SECONDS[0] * per or high > _PY_SECONDS[1] * per)


def _needs_flattening(name: str, kind: pa.DataType) -> bool:
    return not _is_plain(kind) or _last_part(name) in JSON_TEXT_CONTAINERS


def _is_plain(kind: pa.DataType) -> bool:
    """Types the rest of the import reads as they are."""
    if pa.types.is_dictionary(kind):
        return _is_plain(kind.value_type) and kind.num_fields == 0
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_float32(kind)
        or pa.types.is_float64(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_date(kind)
    )


def _flatten_into(out: dict[str, pa.Array], name: str, arr: pa.Array) -> None:
    kind = arr.type
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:
            return
        for i in range(kind.num_fields):
            child = arr.field(i)
            if arr.null_count:
                child = pc.if_else(pc.is_null(arr), pa.scalar(None, child.type), child)
            _flatten_into(out, f"{name}.{kind.field(i).name}", child)
    elif pa.types.is_map(kind):
        # As a list of key/value structs, like GA4's event_params. Not with Arrow's list
        # kernels on the map itself: `list_parent_indices` on a MapArray aborts the process.
        entries = pa.struct([kind.key_field.with_name("key"), kind.item_field.with_name("value")])
        _flatten_list(out, name, arr.cast(pa.list_(entries)))
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        _flatten_list(out, name, arr)
    elif pa.types.is_null(kind):
        out[name] = pa.nulls(len(arr), pa.string())
    elif pa.types.is_dictionary(kind) and _is_json_text(name, arr.dictionary_decode()):
        _flatten_json_text(out, name, arr.dictionary_decode())
    elif _is_json_text(name, arr):
        _flatten_json_text(out, name, arr)
    elif _is_plain(kind):
        out[name] = arr
    else:
        out[name] = _as_text(arr)


def _flatten_list(out: dict[str, pa.Array], name: str, arr: pa.Array) -> None:
    value_type = arr.type.value_type
    if pa.types.is_struct(value_type) and {"key", "value"} <= {
        value_type.field(i).name for i in range(value_type.num_fields)
    }:
        flat = pc.list_flatten(arr)
        value = flat.field("value")
        _pivot(out, name, flat.field("key"), value, pc.list_parent_indices(arr), len(arr))
    elif pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
        out[name] = pc.binary_join(arr, ", ")
    elif pa.types.is_null(value_type) and _last_part(name) in KEY_VALUE_LISTS:
        return
    else:
        out[f"{name}.count"] = pc.list_value_length(arr)


def _pivot(
    out: dict[str, pa.Array],
    name: str,
    keys: pa.Array,
    values: pa.Array,
    parents: pa.Array,
    length: int,
) -> None:
    """One column per distinct key; a row without that key gets null."""
    text = _coalesce_value(values)
    encoded = pc.dictionary_encode(_as_text(keys))
    if len(encoded.dictionary) > MAX_PIVOT_KEYS:
        out[name] = _as_json_text(_pairs_per_row(encoded, text, parents, length))
        return
    key_code = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
    parent_idx = np.asarray(parents.to_numpy(zero_copy_only=False), dtype=np.int64)
    # Group the key/value pairs by key once (stable, so a repeated key keeps the last
    # value per row), instead of scanning all pairs again for every key.
    order = np.argsort(key_code, kind="stable")
    bounds = np.searchsorted(key_code[order], np.arange(len(encoded.dictionary) + 1))
    for code, key in enumerate(encoded.dictionary.to_pylist()):
        pairs = order[bounds[code] : bounds[code + 1]]
        positions = np.full(length, -1, dtype=np.int64)
        positions[parent_idx[pairs]] = pairs
        out[f"{name}.{key}"] = text.take(pa.array(positions, mask=positions < 0))


def _coalesce_value(values: pa.Array) -> pa.Array:
    """GA4 keeps a value in one of four slots; the same key may use different slots."""
    if pa.types.is_struct(values.type):
        names = [values.type.field(i).name for i in range(values.type.num_fields)]
        slots = [n for n in _GA4_SLOTS if n in names] or names
        parts = [_as_text(values.field(n)) for n in slots]
        return pc.coalesce(*parts) if parts else pa.nulls(len(values), pa.string())
    return _as_text(values)


def _pairs_per_row(
    keys: pa.DictionaryArray, values: pa.Array, parents: pa.Array, length: int
) -> list[dict[str, Any] | None]:
    rows: list[dict[str, Any] | None] = [None] * length
    for key, value, parent in zip(
        keys.dictionary_decode().to_pylist(), values.to_pylist(), parents.to_pylist(), strict=True
    ):
        row = rows[parent]
        if row is None:
            row = rows[parent] = {}
        row[str(key)] = value
    return rows


def _as_json_text(values: list[Any]) -> pa.Array:
    # default=str: dates, decimals and bytes are not JSON types but have a readable form.
    return pa.array(
        [None if v is None else json.dumps(v, default=str) for v in values], pa.string()
    )


def _as_text(arr: pa.Array) -> pa.Array:
    """Any column as text: plain values cast, nested or exotic ones written as JSON."""
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
        return decode_bytes(arr)
    if pa.types.is_nested(arr.type):
        return _as_json_text(arr.to_pylist())
    try:
        return pc.cast(arr, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())


def _is_json_text(name: str, arr: pa.Array) -> bool:
    if _last_part(name) not in JSON_TEXT_CONTAINERS:
        return False
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    first = pc.drop_null(arr)[:1].to_pylist()
    return bool(first) and str(first[0]).lstrip().startswith("{")


def _flatten_json_text(out: dict[str, pa.Array], name: str, arr: pa.Array) -> None:
    # A blank value (e.g. "" person properties on an event without a person) is no object;
    # left as an empty line, the JSON reader would skip it and shift every later row.
    blank = pc.or_(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), pa.scalar("")))
    lines = pc.if_else(blank, "{}", pc.replace_substring(arr, "\n", " "))
    payload = "\n".join(lines.to_pylist()).encode("utf-8")
    try:
        if too_deep_for_arrow(payload):
            raise NestedTooDeep
        inner = flatten_table(pajson.read_json(pa.BufferReader(payload)))
        if inner.num_rows != len(arr):
            raise pa.ArrowInvalid("one JSON object per row expected")
    except (pa.ArrowInvalid, NestedTooDeep):
        inner = records_to_table([loads_object(v) for v in arr.to_pylist()])
    for col_name, col in zip(inner.column_names, inner.columns, strict=True):
        out[f"{name}.{col_name}"] = col.combine_chunks()
