"""Read delimited text (CSV, TSV, semicolon and pipe) into an Arrow table of text columns.

Every column is read as text so that ids keep every digit (EXPORT_FORMATS §0). The
layout (delimiter, comment lines, header) is sniffed from the head with Python's csv
module, which knows quoting, so a header cell holding a line break is one header; the
rows themselves are parsed by Arrow's multithreaded reader.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv

from funnel_gui.core.io.archives import size_text
from funnel_gui.core.io.encoding import as_utf8
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.raw import ReadResult, check_width
from funnel_gui.core.io.sources import RawSource
from funnel_gui.core.io.timeparse import parse_times
from funnel_gui.core.textforms import TIME_NAME, clip

_DELIMITERS = (",", "\t", ";", "|")
_TYPE_SAMPLE_ROWS = 200
_DICT_TEXT = pa.dictionary(pa.int32(), pa.string())
_SNIFF_BYTES = 65536
_BLOCK = 8 << 20
# Arrow needs a whole row in one block: a row longer than the usual block gets one retry
# with this block, and past it the file is refused (no export has 64 MB rows).
_BIG_BLOCK = 64 << 20
_LINE_BREAK = re.compile(r"[\r\n]")


@dataclass(frozen=True)
class _TextLayout:
    delimiter: str
    preamble_lines: int  # "#" comment and blank lines before the header
    header: list[str]
    quoted: bool
    sample_rows: tuple[tuple[str, ...], ...] = ()
    header_lines: int = 1  # physical lines of the header: a quoted cell may hold a break
    has_rows: bool = True  # False when the whole file was sniffed and held no data row


def read_delimited(source: RawSource) -> ReadResult:
    source, encoding_note = as_utf8(source)
    notes = [encoding_note] if encoding_note else []
    layout = _layout_of(source)
    if not layout.has_rows:
        # A header and nothing else; Arrow would fail to "skip initial rows" when the
        # header has no final line break. The loader says the file has no data rows.
        empty = pa.table({n: pa.array([], pa.string()) for n in _unique_names(layout.header)})
        return ReadResult(empty, notes=notes)
    table, skipped = _arrow_csv(source, layout, use_threads=True)
    if skipped:
        # Threaded reads do not know row numbers; malformed rows are rare, so re-read
        # single-threaded to say where they are.
        table, skipped = _arrow_csv(source, layout, use_threads=False)
    data_start = layout.preamble_lines + layout.header_lines
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


def _layout_of(source: RawSource) -> _TextLayout:
    head = source.head(_SNIFF_BYTES)
    whole = len(head) < _SNIFF_BYTES
    if not whole and not _LINE_BREAK.search(head.decode("utf-8", errors="ignore")):
        # A first line longer than the sniffing window: look as far as Arrow would.
        head = source.head(_BLOCK)
        whole = len(head) < _BLOCK
        if not whole and not _LINE_BREAK.search(head.decode("utf-8", errors="ignore")):
            raise ImportFailed(
                f"{source.name} has a first line longer than {size_text(_BLOCK)}, which "
                "cannot be a header row: it is not a CSV export Funnel Explorer can read."
            )
    try:
        return _sniff_layout(source.name, head, whole=whole)
    except csv.Error as exc:
        raise ImportFailed(
            f"{source.name} could not be read as CSV: its first lines do not parse ({exc})."
        ) from exc


def _arrow_csv(
    source: RawSource, layout: _TextLayout, *, use_threads: bool
) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    try:
        return _arrow_csv_blocks(source, layout, use_threads=use_threads, block=_BLOCK)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
    try:
        return _arrow_csv_blocks(source, layout, use_threads=use_threads, block=_BIG_BLOCK)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
        raise ImportFailed(
            f"{source.name} has a row longer than {size_text(_BIG_BLOCK)}: that is not a "
            "row of events. The file may be damaged, or a cell holds a whole document."
        ) from exc


def _arrow_csv_blocks(
    source: RawSource, layout: _TextLayout, *, use_threads: bool, block: int
) -> tuple[pa.Table, list[pacsv.InvalidRow]]:
    skipped: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        skipped.append(row)
        return "skip"

    names = _unique_names(layout.header)
    table = pacsv.read_csv(
        source.open(),
        read_options=pacsv.ReadOptions(
            skip_rows=layout.preamble_lines + layout.header_lines,
            column_names=names,
            block_size=block,
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


def _sniff_layout(name: str, head: bytes, *, whole: bool = False) -> _TextLayout:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    # Lines as Arrow counts them (\n, \r\n or \r), each with its line break.
    lines = io.StringIO(text, newline="").readlines()
    if not whole and lines:
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
    reader = csv.reader(body, delimiter=delimiter)
    header = next(reader)
    header_lines = reader.line_num
    if not any(h.strip() for h in header):
        raise ImportFailed(f"{name} has an empty header row.")
    check_width(name, len(header))
    sample = []
    for row in reader:
        if any(cell.strip() for cell in row):
            sample.append(tuple(row))
        if len(sample) >= _TYPE_SAMPLE_ROWS:
            break
    # A header cell may hold a line break ("user\nid"): one space, as a person reads it.
    names = [" ".join(h.split()) if "\n" in h or "\r" in h else h.strip() for h in header]
    has_rows = bool(sample) or not whole
    return _TextLayout(
        delimiter, preamble, names, '"' in text, tuple(sample), header_lines, has_rows
    )


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
    for delim in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim) if r]
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
