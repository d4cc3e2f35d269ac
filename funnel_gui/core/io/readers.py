"""Read one `RawSource` into an Arrow table, counting (never hiding) rows it had to skip.

CSV-like text is read with every column as text so that ids keep every digit
(EXPORT_FORMATS §0); JSON lines go through Arrow's multithreaded reader and fall
back to a line-by-line reader when a file mixes types or has broken lines.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.flatten import records_to_table
from funnel_gui.core.io.sources import RawSource
from funnel_gui.core.io.timeparse import parse_times
from funnel_gui.core.textforms import TIME_NAME, clip

_DELIMITERS = (",", "\t", ";", "|")
_TYPE_SAMPLE_ROWS = 200
_DICT_TEXT = pa.dictionary(pa.int32(), pa.string())
_UTF8_BOM = b"\xef\xbb\xbf"
_JSON_BLOCK = 16 << 20  # Arrow needs a whole line per block; GA4 lines can be long.
_LIST_KEYS = ("data", "events", "results", "rows", "records", "items")


@dataclass
class ReadResult:
    """A source's table plus what was skipped while reading it."""

    table: pa.Table
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where the skipped rows were: 1-based positions among all of the source's rows,
    # skipped ones included (data rows for CSV, non-blank lines for JSON lines).
    malformed_rows: list[int] = field(default_factory=list)


def read_source(source: RawSource) -> ReadResult:
    try:
        if source.fmt == "parquet":
            return ReadResult(_read_parquet(source))
        if source.fmt == "ndjson":
            return _read_ndjson(source)
        if source.fmt == "json":
            return _read_json_document(source)
        return _read_delimited(source)
    except ImportFailed:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeError) as exc:
        raise ImportFailed(
            f"{source.name} could not be read as {source.fmt.upper()}: {_short(exc)}. "
            "The file may be damaged or not what its name says."
        ) from exc


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_parquet(source: RawSource) -> pa.Table:
    target: Any = str(source.path) if source.path is not None else pa.BufferReader(source.data)
    schema = pq.read_schema(target)
    # Read repeated text (names, ids, categories) dictionary-encoded, straight from
    # Parquet's own dictionary pages: several times faster and leaner than plain strings.
    as_dictionary = [
        f.name
        for f in schema
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
        and not TIME_NAME.search(f.name)
    ]
    if source.path is None:
        target = pa.BufferReader(source.data)
    return pq.read_table(target, read_dictionary=as_dictionary)


# --- delimited text -----------------------------------------------------------------


@dataclass(frozen=True)
class _TextLayout:
    delimiter: str
    preamble_lines: int  # "#" comment and blank lines before the header
    header: list[str]
    quoted: bool
    sample_rows: tuple[tuple[str, ...], ...] = ()


def _read_delimited(source: RawSource) -> ReadResult:
    notes = []
    if not _is_utf8(source):
        source = _transcoded(source)
        notes.append(f"{source.name}: not UTF-8 text; read as Windows-1252 (Western European)")
    layout = _sniff_layout(source.name, source.head())
    table, skipped = _arrow_csv(source, layout, use_threads=True)
    if skipped:
        # Threaded reads do not know row numbers; malformed rows are rare, so re-read
        # single-threaded to say where they are.
        table, skipped = _arrow_csv(source, layout, use_threads=False)
    data_start = layout.preamble_lines + 1
    rows = [
        (row.number - data_start if row.number is not None else None, row.text) for row in skipped
    ]
    if layout.preamble_lines:
        notes.append(f"{source.name}: skipped {layout.preamble_lines} comment line(s) at the top")
    examples = [
        f"{source.name}: row {number}: {clip(text, 80)}"
        if number is not None
        else f"{source.name}: {clip(text, 80)}"
        for number, text in rows[:5]
    ]
    positions = [number for number, _ in rows if number is not None]
    return ReadResult(table, len(rows), examples, notes, positions)


def _transcoded(source: RawSource) -> RawSource:
    """Not UTF-8: Excel on Windows writes cp1252; transcode so Arrow can read it."""
    data = source.read_all().decode("cp1252", errors="replace").encode("utf-8")
    return RawSource(source.name, "csv", data=data)


def _arrow_csv(
    source: RawSource, layout: _TextLayout, *, use_threads: bool
) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    skipped: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append(row)
        return "skip"

    names = _unique_names(layout.header)
    table = pacsv.read_csv(
        source.open(),
        read_options=pacsv.ReadOptions(
            skip_rows=layout.preamble_lines + 1,
            column_names=names,
            block_size=8 << 20,
            use_threads=use_threads,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=layout.delimiter,
            newlines_in_values=layout.quoted,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=_column_types(names, layout),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table, skipped


def _is_utf8(source: RawSource) -> bool:
    """Whether every byte of the source is UTF-8, checked by Arrow without copying the file.

    The whole file is checked, not just its head: one Windows-1252 byte deep in a file
    would otherwise fail the read (or, inside a malformed row, break Arrow's row handler).
    """
    if source.data is not None:
        return _buffer_is_utf8(pa.py_buffer(source.data))
    assert source.path is not None
    with pa.memory_map(str(source.path)) as mapped:
        return _buffer_is_utf8(mapped.read_buffer())


def _buffer_is_utf8(buf: pa.Buffer) -> bool:
    offsets = pa.array([0, buf.size], pa.int64()).buffers()[1]
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _sniff_layout(name: str, head: bytes) -> _TextLayout:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()
    if len(head) >= 65536 and lines:
        lines = lines[:-1]  # the last line of the window may be cut
    preamble = 0
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            break
        preamble += 1
    body = lines[preamble:]
    if not body:
        raise ImportFailed(f"{name} has no header row: it holds only comments or blank lines.")
    delimiter = _pick_delimiter(body[:50])
    header = next(csv.reader([body[0]], delimiter=delimiter))
    if not any(h.strip() for h in header):
        raise ImportFailed(f"{name} has an empty header row.")
    sample = tuple(
        tuple(row) for row in csv.reader(body[1 : _TYPE_SAMPLE_ROWS + 1], delimiter=delimiter)
    )
    return _TextLayout(delimiter, preamble, [h.strip() for h in header], '"' in text, sample)


def _column_types(names: list[str], layout: _TextLayout) -> dict[str, pa.DataType]:
    """Text everywhere (ids keep every digit), dictionary-encoded except for timestamps.

    Most export columns repeat a few values (event names, devices, even user ids), so
    Arrow's dictionary encoding while parsing saves both memory and the later coding
    step; timestamps are nearly all distinct, so they stay plain strings.
    """
    types: dict[str, pa.DataType] = {}
    for i, name in enumerate(names):
        values = [row[i] for row in layout.sample_rows if i < len(row) and row[i].strip()]
        timeish = bool(TIME_NAME.search(name)) or _mostly_times(values)
        types[name] = pa.string() if timeish else _DICT_TEXT
    return types


def _mostly_times(values: list[str]) -> bool:
    if not values:
        return False
    parsed = parse_times(pa.array(values, pa.string()))
    return bool((~parsed.unparsable).sum() >= 0.8 * len(values))


def _pick_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the header into most fields and the rows consistently."""
    best, best_score = ",", (-1, -1)
    sample = "\n".join(lines)
    for delim in _DELIMITERS:
        counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique without ever taking a name another column has ("x, x,
    x_2" becomes "x, x_3, x_2", not two columns called x_2)."""
    taken = set(header)
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(header):
        name = raw or f"column_{i + 1}"
        if name in seen:
            n = 2
            while f"{name}_{n}" in taken or f"{name}_{n}" in seen:
                n += 1
            name = f"{name}_{n}"
        seen.add(name)
        out.append(name)
    return out


# --- JSON -----------------------------------------------------------------------------


def _read_ndjson(source: RawSource) -> ReadResult:
    try:
        table = pajson.read_json(
            source.open(), read_options=pajson.ReadOptions(block_size=_JSON_BLOCK)
        )
        return ReadResult(table)
    except pa.ArrowInvalid:
        # Mixed value types across lines or a broken line: read line by line instead,
        # so one bad line costs one row, not the file.
        pass
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
            value = json.loads(line)
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
        raise ImportFailed(
            f"{source.name} looks like JSON lines, but none of its {len(bad):,} lines is a "
            "readable JSON object, so there are no events to read."
        )
    return ReadResult(records_to_table(records), len(bad), bad[:5], malformed_rows=positions)


def _read_json_document(source: RawSource) -> ReadResult:
    data = source.read_all()
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        if data.lstrip().startswith(b"{"):
            return _read_ndjson(RawSource(source.name, "ndjson", data=data))
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
    return ReadResult(records_to_table(objects), len(skipped), examples)


_JSON_KINDS: dict[type, str] = {
    str: "text",
    int: "numbers",
    float: "numbers",
    bool: "true/false",
    list: "arrays",
    type(None): "nulls",
}


def _describe_json(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = list(doc)
        shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
        return f"an object with the keys {shown}" if keys else "an empty object"
    return "a single value"


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
