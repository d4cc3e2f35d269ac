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

_DELIMITERS = (",", "\t", ";", "|")
_JSON_BLOCK = 16 << 20  # Arrow needs a whole line per block; GA4 lines can be long.
_LIST_KEYS = ("data", "events", "results", "rows", "records", "items")


@dataclass
class ReadResult:
    """A source's table plus what was skipped while reading it."""

    table: pa.Table
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
    return pq.read_table(target)


# --- delimited text -----------------------------------------------------------------


@dataclass(frozen=True)
class _TextLayout:
    delimiter: str
    preamble_lines: int  # "#" comment and blank lines before the header
    header: list[str]
    quoted: bool


def _read_delimited(source: RawSource) -> ReadResult:
    data = source.data if source.data is not None else None
    head = source.head()
    if not _is_utf8(head):
        # Not UTF-8: Excel on Windows writes cp1252; transcode so Arrow can read it.
        raw = data if data is not None else source.head(1 << 62)
        data = raw.decode("cp1252", errors="replace").encode("utf-8")
        head = data[:65536]
        source = RawSource(source.name, "csv", data=data)
    layout = _sniff_layout(source.name, head)
    skipped: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append(row.text)
        return "skip"

    names = _unique_names(layout.header)
    table = pacsv.read_csv(
        source.open(),
        read_options=pacsv.ReadOptions(
            skip_rows=layout.preamble_lines + 1, column_names=names, block_size=8 << 20
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=layout.delimiter,
            newlines_in_values=layout.quoted,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    notes = []
    if layout.preamble_lines:
        notes.append(f"{source.name}: skipped {layout.preamble_lines} comment line(s) at the top")
    examples = [f"{source.name}: {_clip(text)}" for text in skipped[:5]]
    return ReadResult(table, len(skipped), examples, notes)


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still UTF-8.
        return exc.start >= len(head) - 3
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
    return _TextLayout(delimiter, preamble, [h.strip() for h in header], '"' in text)


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
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(header):
        name = raw or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
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
    data = source.data if source.data is not None else source.head(1 << 62)
    records: list[dict[str, Any]] = []
    bad: list[str] = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            bad.append(f"{source.name}: line {number}: {_clip(line.strip(), 60)}")
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            bad.append(f"{source.name}: line {number}: not a JSON object")
    if not records:
        raise ImportFailed(
            f"{source.name} looks like JSON lines, but none of its {len(bad):,} lines is a "
            "readable JSON object."
        )
    return ReadResult(records_to_table(records), len(bad), bad[:5])


def _read_json_document(source: RawSource) -> ReadResult:
    data = source.data if source.data is not None else source.head(1 << 62)
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
            f"{source.name} is JSON, but not a list of events: expected an array of objects "
            "(or an object holding one under a key such as \"data\" or \"events\")."
        )
    if not records:
        raise ImportFailed(f"{source.name} is a JSON array with no events in it.")
    skipped = [r for r in records if not isinstance(r, dict)]
    objects = [r for r in records if isinstance(r, dict)]
    if not objects:
        raise ImportFailed(f"{source.name} is a JSON array, but none of its items is an object.")
    examples = [f"{source.name}: item is {type(r).__name__}, not an object" for r in skipped[:5]]
    return ReadResult(records_to_table(objects), len(skipped), examples)


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
