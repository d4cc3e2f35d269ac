"""Reading text, compressed and JSON exports into a flat table, whatever their shape.

Each fixture is written here byte by byte; the expected table is the list of
records that was written, so the reader is checked against plain Python.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from funnel_gui.core.io import ImportFailed, load_events, read_raw
from funnel_gui.core.io.readers import read_source
from funnel_gui.core.io.sources import open_sources

HEADER = ["user_id", "event", "event_time", "note"]
RECORDS: list[dict[str, str]] = [
    {"user_id": "u1", "event": "view", "event_time": "2024-03-01T09:00:00Z", "note": "first"},
    {"user_id": "u2", "event": "cart", "event_time": "2024-03-01T09:01:00Z", "note": "x"},
    {"user_id": "u1", "event": "buy", "event_time": "2024-03-01T09:02:00Z", "note": "last"},
]


def delimited(records: list[dict[str, str]], delimiter: str = ",", newline: str = "\n") -> str:
    lines = [delimiter.join(HEADER)]
    lines += [delimiter.join(r[c] for c in HEADER) for r in records]
    return newline.join(lines) + newline


def read_table(path: Path) -> pa.Table:
    return read_raw([path]).table


def as_records(table: pa.Table, columns: list[str] = HEADER) -> list[dict[str, Any]]:
    return table.select(columns).to_pylist()


# --- delimited text ---------------------------------------------------------------------

# Each file holds values with the other candidate delimiters in them, unquoted, as
# exports do: a comma in a tab file, a decimal comma in a semicolon file, and so on.
DELIMITER_NOTES = {
    ",": ["a;b", "c|d", "e;f"],
    "\t": ["Paris, FR", "a;b", "Rome, IT"],
    ";": ["3,50", "12,00", "0,99"],
    "|": ["a,b;c", "d,e", "f;g"],
}


@pytest.mark.parametrize("delimiter", list(DELIMITER_NOTES), ids=["comma", "tab", "semi", "pipe"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    records = [
        {**r, "note": note} for r, note in zip(RECORDS, DELIMITER_NOTES[delimiter], strict=True)
    ]
    path = tmp_path / "events.txt"
    path.write_text(delimited(records, delimiter), encoding="utf-8")
    table = read_table(path)
    assert table.column_names == HEADER
    assert as_records(table) == records


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + delimited(RECORDS).encode("utf-8"))
    table = read_table(path)
    assert table.column_names == HEADER
    assert as_records(table) == RECORDS


def test_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    path.write_bytes(delimited(RECORDS, newline="\r\n").encode("utf-8"))
    table = read_table(path)
    assert as_records(table) == RECORDS  # no "\r" left on the last column


def test_comment_preamble_is_skipped_and_noted(tmp_path: Path) -> None:
    preamble = "# Exported by Example Analytics\n# Range: 2024-03-01 to 2024-03-07\n\n"
    path = tmp_path / "with_preamble.csv"
    path.write_text(preamble + delimited(RECORDS), encoding="utf-8")
    raw = read_raw([path])
    assert raw.table.column_names == HEADER
    assert as_records(raw.table) == RECORDS
    assert any("3 comment line(s)" in note for note in raw.notes)


def test_preamble_does_not_shift_malformed_row_numbers(tmp_path: Path) -> None:
    lines = delimited(RECORDS).splitlines()
    lines.insert(2, "u9,view,2024-03-01T09:00:30Z,too,many,fields")  # data row 2
    path = tmp_path / "preamble_ragged.csv"
    path.write_text("# comment\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = read_source(open_sources([path])[0])
    assert result.table.to_pylist() == RECORDS
    assert result.malformed == 1
    assert result.malformed_rows == [2]
    assert result.malformed_examples[0].startswith(f"{path.name}: row 2: u9,view")


def test_quoted_fields_with_delimiter_and_newline(tmp_path: Path) -> None:
    text = (
        "user_id,event,event_time,note\n"
        'u1,view,2024-03-01T09:00:00Z,"Paris, France"\n'
        'u2,"add, to cart",2024-03-01T09:01:00Z,"line one\nline two"\n'
        'u3,buy,2024-03-01T09:02:00Z,"said ""hi"""\n'
    )
    path = tmp_path / "quoted.csv"
    path.write_text(text, encoding="utf-8")
    table = read_table(path)
    assert table.num_rows == 3
    assert table["note"].to_pylist() == ["Paris, France", "line one\nline two", 'said "hi"']
    assert table["event"].to_pylist() == ["view", "add, to cart", "buy"]


CP1252_NOTES = ["Zürich café", "naïve – ‘quoted’", "price €12"]


def test_cp1252_text_is_transcoded(tmp_path: Path) -> None:
    records = [{**r, "note": n} for r, n in zip(RECORDS, CP1252_NOTES, strict=True)]
    blob = delimited(records).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        blob.decode("utf-8")  # the premise: this is not UTF-8
    path = tmp_path / "windows_1252.csv"
    path.write_bytes(blob)
    raw = read_raw([path])
    assert as_records(raw.table) == records
    assert any("Windows-1252" in note for note in raw.notes)


def test_cp1252_byte_far_past_the_start_is_transcoded(tmp_path: Path) -> None:
    # 100 KB of ASCII first: a reader that only sniffs the head would take it for UTF-8.
    filler = [
        {"user_id": f"u{i}", "event": "view", "event_time": "2024-03-01T09:00:00Z", "note": "-"}
        for i in range(3000)
    ]
    records = [*filler, {**RECORDS[0], "note": "Zürich"}]
    blob = delimited(records).encode("cp1252")
    assert blob.index("ü".encode("cp1252")) > 65_536
    path = tmp_path / "late_cp1252.csv"
    path.write_bytes(blob)
    table = read_table(path)
    assert table.num_rows == len(records)
    assert table["note"].to_pylist()[-1] == "Zürich"


def test_malformed_row_with_a_non_utf8_byte_is_counted(tmp_path: Path) -> None:
    filler = delimited([RECORDS[0]] * 3000).encode("ascii")
    bad = b"u9,view,2024-03-01T09:00:00Z,caf\xe9,extra\n"  # cp1252 byte in a ragged row
    path = tmp_path / "ragged_cp1252.csv"
    path.write_bytes(filler + bad + b"u2,cart,2024-03-01T09:01:00Z,ok\n")
    result = read_source(open_sources([path])[0])
    assert result.table.num_rows == 3001
    assert result.malformed == 1
    assert result.malformed_rows == [3001]
    assert "café" in result.malformed_examples[0]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated.
    records = [{**r, "note": n} for r, n in zip(RECORDS, ["Zoë", "用户", "😀"], strict=True)]
    bom = "\ufeff".encode(encoding)
    path = tmp_path / "unicode.txt"
    path.write_bytes(bom + delimited(records, "\t", "\r\n").encode(encoding))
    table = read_table(path)
    assert table.column_names == HEADER
    assert as_records(table) == records


def test_utf16_cut_short_by_one_byte_keeps_whole_rows(tmp_path: Path) -> None:
    blob = "\ufeff".encode("utf-16-le") + delimited(RECORDS, "\t").encode("utf-16-le")
    path = tmp_path / "cut.txt"
    path.write_bytes(blob[:-1])  # the final "\n" loses its second byte
    assert as_records(read_table(path)) == RECORDS


# --- compression, by magic bytes --------------------------------------------------------


def test_gzip_named_csv_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(gzip.compress(delimited(RECORDS).encode("utf-8")))
    assert as_records(read_table(path)) == RECORDS


def test_plain_csv_named_gz_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "events.csv.gz"
    path.write_text(delimited(RECORDS), encoding="utf-8")
    assert as_records(read_table(path)) == RECORDS


def test_bz2_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "events.dat"
    path.write_bytes(bz2.compress(delimited(RECORDS).encode("utf-8")))
    assert as_records(read_table(path)) == RECORDS


def test_zip_of_several_csv_files_is_concatenated(tmp_path: Path) -> None:
    second = [{**r, "user_id": r["user_id"] + "-b"} for r in RECORDS]
    third = [{**r, "user_id": r["user_id"] + "-c"} for r in RECORDS[:2]]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("day2.csv", delimited(second))
        archive.writestr("day1.csv", delimited(RECORDS))
        archive.writestr("nested/day3.csv.gz", gzip.compress(delimited(third).encode()))
        archive.writestr("__MACOSX/._day1.csv", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("empty_folder/", b"")
    path = tmp_path / "export.zip"
    path.write_bytes(buf.getvalue())
    raw = read_raw([path])
    assert raw.sources == [
        "export.zip:day1.csv",
        "export.zip:day2.csv",
        "export.zip:nested/day3.csv.gz",
    ]
    assert raw.source_rows == [3, 3, 2]
    assert as_records(raw.table) == [*RECORDS, *second, *third]

    table = load_events(path)
    assert table.report.rows_kept == 8
    expected_actors = {r["user_id"] for r in [*RECORDS, *second, *third]}
    assert set(table.actor_ids.to_pylist()) == expected_actors


def test_zstd_ndjson(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson.zst"
    with pa.output_stream(str(path), compression="zstd") as out:
        for record in RECORDS:
            out.write((json.dumps(record) + "\n").encode("utf-8"))
    assert path.read_bytes()[:4] == b"\x28\xb5\x2f\xfd"  # really zstd on disk
    table = read_table(path)
    assert as_records(table, ["user_id", "event", "note"]) == [
        {k: r[k] for k in ("user_id", "event", "note")} for r in RECORDS
    ]
    assert load_events(path).report.rows_kept == 3


# --- JSON shapes -------------------------------------------------------------------------


def _json_shapes() -> dict[str, str]:
    lines = "\n".join(json.dumps(r) for r in RECORDS) + "\n"
    return {
        "array": json.dumps(RECORDS, indent=2),
        "array-one-line": json.dumps(RECORDS),
        "ndjson": lines,
        "ndjson-crlf-blank-lines": lines.replace("\n", "\r\n\r\n"),
        "data-wrapper": json.dumps({"data": RECORDS, "page": 1}, indent=2),
        "data-wrapper-one-line": json.dumps({"data": RECORDS, "page": 1}),
        "events-wrapper": json.dumps({"status": "ok", "events": RECORDS}),
    }


@pytest.mark.parametrize("shape", list(_json_shapes()))
def test_json_shapes_give_the_same_events(tmp_path: Path, shape: str) -> None:
    path = tmp_path / "events.json"
    path.write_text(_json_shapes()[shape], encoding="utf-8")
    table = read_table(path)
    assert as_records(table, ["user_id", "event", "note"]) == [
        {k: r[k] for k in ("user_id", "event", "note")} for r in RECORDS
    ]
    loaded = load_events(path)
    assert loaded.report.rows_kept == 3
    assert loaded.report.dropped == {}


def test_json_array_items_that_are_not_objects_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([RECORDS[0], 42, RECORDS[1], "text", RECORDS[2]]))
    raw = read_raw([path])
    assert raw.table.num_rows == 3
    assert raw.malformed == 2


def test_ndjson_fallback_keeps_line_separators_inside_strings(tmp_path: Path) -> None:
    # U+2028 may appear unescaped inside a JSON string; a broken line forces the
    # line-by-line reader, which must not split there.
    first = {**RECORDS[0], "note": "one\u2028two"}
    lines = [json.dumps(first, ensure_ascii=False), "{broken", json.dumps(RECORDS[1])]
    path = tmp_path / "separators.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_source(open_sources([path])[0])
    assert result.table["note"].to_pylist() == ["one\u2028two", "x"]
    assert result.malformed == 1
    assert result.malformed_rows == [2]


def test_ndjson_with_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.ndjson"
    body = "\n".join(json.dumps(r) for r in RECORDS).encode("utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + body)
    raw = read_raw([path])
    assert raw.malformed == 0
    assert raw.table["user_id"].to_pylist() == [r["user_id"] for r in RECORDS]


def test_folder_reads_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(delimited(RECORDS[:2]), encoding="utf-8")
    (tmp_path / "b.ndjson").write_text(json.dumps(RECORDS[2]) + "\n", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    raw = read_raw([tmp_path])
    assert raw.sources == ["a.csv", "b.ndjson"]
    assert raw.table["user_id"].to_pylist() == [r["user_id"] for r in RECORDS]


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="empty"):
        read_raw([tmp_path])
