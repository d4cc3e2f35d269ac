"""Flatten nested export records into plain columns with readable dotted names.

Structs become `parent.child`; GA4-style key/value lists (`event_params`,
`user_properties`) and maps become one column per key, the four GA4 value slots
coalesced; properties stored as a JSON string (PostHog batch exports) are
parsed. Lists of other things (GA4 `items`) become a count, since unnesting
them would multiply events (EXPORT_FORMATS §1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

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
_GA4_SLOTS = ("string_value", "int_value", "float_value", "double_value")
# Key/value lists (GA4): when every list in a file is empty there is no key to pivot on,
# and a count of the empty lists would be a meaningless property.
KEY_VALUE_LISTS = frozenset({"event_params", "user_properties"})


def flatten_table(table: pa.Table) -> pa.Table:
    if not any(
        _needs_flattening(n, c.type) for n, c in zip(table.column_names, table.columns, strict=True)
    ):
        return table  # the common case (CSV, flat Parquet): no copies at all
    columns: dict[str, pa.Array] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if _needs_flattening(name, column.type):
            _flatten_into(columns, name, column.combine_chunks())
        else:
            columns[name] = column
    if not columns:
        return table
    return pa.table(columns)


def _needs_flattening(name: str, kind: pa.DataType) -> bool:
    nested = (
        pa.types.is_struct(kind)
        or pa.types.is_map(kind)
        or pa.types.is_list(kind)
        or pa.types.is_large_list(kind)
        or pa.types.is_null(kind)
    )
    return nested or name.rsplit(".", 1)[-1] in JSON_TEXT_CONTAINERS


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
        _pivot(out, name, arr.keys, arr.items, pc.list_parent_indices(arr), len(arr))
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        _flatten_list(out, name, arr)
    elif pa.types.is_null(kind):
        out[name] = pa.nulls(len(arr), pa.string())
    elif pa.types.is_dictionary(kind) and _is_json_text(name, arr.dictionary_decode()):
        _flatten_json_text(out, name, arr.dictionary_decode())
    elif _is_json_text(name, arr):
        _flatten_json_text(out, name, arr)
    else:
        out[name] = arr


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
    encoded = pc.dictionary_encode(pc.cast(keys, pa.string()))
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


def _as_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_struct(arr.type) or pa.types.is_list(arr.type):
        return pa.array(
            [None if v is None else json.dumps(v) for v in arr.to_pylist()], pa.string()
        )
    return pc.cast(arr, pa.string())


def _last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


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
        inner = flatten_table(pajson.read_json(pa.BufferReader(payload)))
        if inner.num_rows != len(arr):
            raise pa.ArrowInvalid("one JSON object per row expected")
    except pa.ArrowInvalid:
        inner = records_to_table([_loads_object(v) for v in arr.to_pylist()])
    for col_name, col in zip(inner.column_names, inner.columns, strict=True):
        out[f"{name}.{col_name}"] = col.combine_chunks()


def _loads_object(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- Python records (fallback path for irregular JSON) -------------------------------


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
    return pa.table({n: pa.array([row.get(n) for row in rows], pa.string()) for n in names})


def _empty_list_fill(name: str, names: dict[str, None]) -> tuple[str, str] | None:
    """What an empty list becomes, as Arrow would type the column from the other rows:
    "" for a list of strings, nothing for key/value lists, else a count of 0."""
    if name in names:
        return name, ""
    inner = f"{name}."
    if _last_part(name) in KEY_VALUE_LISTS or any(
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
            out.update(_flatten_record(_loads_object(value), f"{name}.", empty_lists))
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
                slots = [s for s in _GA4_SLOTS if s in inner] or list(inner)
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
