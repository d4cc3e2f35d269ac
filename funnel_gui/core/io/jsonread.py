"""Read JSON lines and JSON documents into an Arrow table.

JSON lines go through Arrow's multithreaded reader, and fall back to a line-by-line
reader when a file mixes types or has broken lines, and also when Arrow's table would
lose something: numbers a float64 cannot hold exactly (20-digit ids written as JSON
numbers, which Arrow reads as doubles and so merges) or nesting deeper than any export
has. The line-by-line reader keeps such numbers as the text written, and counts a line
nested too deeply as malformed instead of running out of stack.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from funnel_gui.core.io.encoding import as_utf8
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.flatten import type_depth
from funnel_gui.core.io.raw import ReadResult
from funnel_gui.core.io.records import (
    MAX_NESTING,
    NestedTooDeep,
    loads,
    records_to_table,
    too_deep_for_arrow,
)
from funnel_gui.core.io.sources import RawSource
from funnel_gui.core.textforms import clip

_UTF8_BOM = b"\xef\xbb\xbf"
_JSON_BLOCK = 16 << 20  # Arrow needs a whole line per block; GA4 lines can be long.
_LIST_KEYS = ("data", "events", "results", "rows", "records", "items")
_EXACT_FLOAT_MAX = 2.0**53
_EXACT_DIGITS = 15


def read_ndjson(source: RawSource) -> ReadResult:
    source, encoding_note = as_utf8(source)
    notes = [encoding_note] if encoding_note else []
    table = None
    # Mixed value types across lines or a broken line (ArrowInvalid): read line by line
    # instead, so one bad line costs one row, not the file.
    with contextlib.suppress(pa.ArrowInvalid):
        if not _too_deep_for_arrow(source):
            table = pajson.read_json(
                source.open(), read_options=pajson.ReadOptions(block_size=_JSON_BLOCK)
            )
    if table is not None and _arrow_kept_everything(table):
        return ReadResult(table, notes=notes)
    result = _read_lines(source)
    result.notes[:0] = notes
    return result


def _too_deep_for_arrow(source: RawSource) -> bool:
    if source.data is not None:
        return too_deep_for_arrow(source.data)
    assert source.path is not None
    with pa.memory_map(str(source.path)) as mapped:  # scanned in place, not copied
        return too_deep_for_arrow(mapped.read_buffer())


def _arrow_kept_everything(table: pa.Table) -> bool:
    """Nothing nested past the limit, and no double that may stand for other digits."""
    if any(type_depth(f.type) > MAX_NESTING for f in table.schema):
        return False
    return not any(
        _may_have_lost_digits(leaf)
        for column in table.columns
        for chunk in column.chunks
        for leaf in _float_leaves(chunk)
    )


def _float_leaves(arr: pa.Array) -> Iterator[pa.Array]:
    stack = [arr]
    while stack:
        current = stack.pop()
        kind = current.type
        if pa.types.is_floating(kind):
            yield current
        elif pa.types.is_struct(kind):
            stack.extend(current.field(i) for i in range(kind.num_fields))
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            stack.append(current.flatten())


def _may_have_lost_digits(arr: pa.Array) -> bool:
    """Whether some double may differ from the number written: past 2**53 (where not every
    integer exists as a double), or with more significant digits than a double keeps."""
    values = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
    values = values[np.isfinite(values)]
    if not len(values):
        return False
    if bool(np.any(np.abs(values) >= _EXACT_FLOAT_MAX)):
        return True
    # Fast, and enough for nearly every column (prices, durations, scores): below 1e9 with
    # at most six decimals makes at most 15 significant digits.
    short = (np.abs(values) < 1e9) & (np.round(values * 1e6) / 1e6 == values)
    rest = values[~short]
    if not len(rest):
        return False
    # The shortest text that reads back as each double: longer than 15 digits means the
    # written number may have had digits the double does not keep.
    text = pc.cast(pa.array(rest), pa.string())
    mantissa = pc.replace_substring_regex(text, r"[eE].*$", "")
    digits = pc.replace_substring_regex(pc.replace_substring_regex(mantissa, r"\D", ""), "^0+", "")
    return bool(pc.max(pc.utf8_length(digits)).as_py() > _EXACT_DIGITS)


def _read_lines(source: RawSource) -> ReadResult:
    data = source.read_all()
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    records: list[dict[str, Any]] = []
    bad: list[str] = []
    positions: list[int] = []
    position = 0
    # Split on "\n" only: str.splitlines() would also break at U+2028 and other
    # separators that JSON allows unescaped inside strings.
    for number, raw_line in enumerate(data.split(b"\n"), 1):
        line = raw_line.decode("utf-8", errors="replace").strip()
        if not line:
            continue
        position += 1
        try:
            value = loads(line)
        except NestedTooDeep as exc:
            bad.append(f"{source.name}: line {number}: {exc}")
            positions.append(position)
            continue
        except ValueError:
            bad.append(f"{source.name}: line {number}: {clip(line, 60)}")
            positions.append(position)
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            bad.append(f"{source.name}: line {number}: not a JSON object")
            positions.append(position)
    if not records:
        first = f" (first: {bad[0].split(': ', 1)[1]})" if bad else ""
        raise ImportFailed(
            f"{source.name} looks like JSON lines, but none of its {len(bad):,} lines is a "
            f"readable JSON object{first}, so there are no events to read."
        )
    return ReadResult(records_to_table(records), len(bad), bad[:5], malformed_rows=positions)


def read_json_document(source: RawSource) -> ReadResult:
    source, encoding_note = as_utf8(source)
    notes = [encoding_note] if encoding_note else []
    data = source.read_all()
    try:
        doc = loads(data.decode("utf-8-sig"))
    except NestedTooDeep as exc:
        raise ImportFailed(
            f"{source.name} is JSON {exc}: that is not the shape of an event export, so "
            "it was not read."
        ) from exc
    except ValueError as exc:
        if data.lstrip().startswith(b"{"):
            result = read_ndjson(RawSource(source.name, "ndjson", data=data))
            result.notes[:0] = notes
            return result
        raise ImportFailed(
            f"{source.name} starts like JSON but is not valid JSON ({_short(exc)}). "
            "It may be cut short: export or download it again."
        ) from exc
    records = _records_in(doc)
    if records is None:
        raise ImportFailed(
            f"{source.name} is JSON ({_describe_json(doc)}), but not a list of events: "
            "expected an array of objects (or an object holding one under a key such as "
            '"data" or "events").'
        )
    if not records:
        raise ImportFailed(f"{source.name} is a JSON array with no events in it.")
    skipped = [r for r in records if not isinstance(r, dict)]
    objects = [r for r in records if isinstance(r, dict)]
    if not objects:
        kinds = sorted({_JSON_KINDS.get(type(r), type(r).__name__) for r in records})
        raise ImportFailed(
            f"{source.name} is a JSON array of {len(records):,} items ({', '.join(kinds)}), "
            "but none of them is an object, so there are no events to read."
        )
    examples = [f"{source.name}: item is {type(r).__name__}, not an object" for r in skipped[:5]]
    return ReadResult(records_to_table(objects), len(skipped), examples, notes)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_JSON_KINDS: dict[type, str] = {
    str: "text",
    int: "numbers",
    float: "numbers",
    bool: "true/false",
    list: "arrays",
    type(None): "nulls",
}
_SINGLE_KINDS: dict[type, str] = {
    str: "a piece of text",
    int: "a number",
    float: "a number",
    bool: "true or false",
    type(None): "null",
}


def _describe_json(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = list(doc)
        shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
        return f"an object with the keys {shown}" if keys else "an empty object"
    return _SINGLE_KINDS.get(type(doc), "a single value")


def _records_in(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in _LIST_KEYS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
        if all(not isinstance(v, list | dict) for v in doc.values()):
            return [doc]
    return None
