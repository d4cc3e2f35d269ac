"""Bad input ends in one ImportFailed with a readable message, never a traceback.

Each case builds its file in a temporary folder (or uses a real export from
../shared/realdata) and checks what the person who picked it is told: one
paragraph that names the file, says what was found and what is missing.
Partly bad files load, and the report counts every row left out and says where
it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from funnel_gui.core.io import ImportFailed, load_events

UCI = "uci_online_shoppers_semicolon/online_shoppers_intention.csv"
GA4 = "ga4_obfuscated_items_slice/ga4_sample.csv"

GOOD_HEADER = ["user_id", "event", "event_time"]


def good_rows(n: int) -> list[list[str]]:
    return [[f"u{i % 7}", f"step_{i % 3}", f"2024-03-01T10:{i % 60:02d}:00Z"] for i in range(n)]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def check_message(exc: ImportFailed, file_name: str, *patterns: str) -> str:
    """One paragraph for a person: names the file, matches every pattern, no internals."""
    message = exc.message
    assert str(exc) == message
    assert message, "empty message"
    assert message.strip() == message, "padded message"
    assert "\n" not in message, f"more than one paragraph: {message!r}"
    assert "Traceback" not in message, message
    assert "Error:" not in message, message
    assert file_name in message, f"{file_name!r} not named in {message!r}"
    for pattern in patterns:
        assert re.search(pattern, message, re.IGNORECASE), f"{pattern!r} not in {message!r}"
    return message


# --- whole files that cannot be read ---------------------------------------------------


def _nonexistent(tmp: Path) -> Path:
    return tmp / "no_such_export.csv"


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path


def _whitespace(tmp: Path) -> Path:
    path = tmp / "blank.csv"
    path.write_bytes(b"   \n\t\n\r\n   \n")
    return path


def _binary(tmp: Path) -> Path:
    path = tmp / "events.csv"  # the name promises text; the bytes are not
    noise = random.Random(20240301).randbytes(4096)
    path.write_bytes(noise[:100] + b"\x00\x00\x00" + noise[100:] + b"\x00" * 64)
    return path


def _truncated_gzip(tmp: Path) -> Path:
    blob = gzip.compress(csv_bytes(GOOD_HEADER, good_rows(3000)))
    path = tmp / "events.csv.gz"
    path.write_bytes(blob[: int(len(blob) * 0.7)])  # the last 30% is gone
    return path


def _zip_with(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _truncated_zip(tmp: Path) -> Path:
    blob = _zip_with({"events.csv": csv_bytes(GOOD_HEADER, good_rows(3000))})
    path = tmp / "export.zip"
    path.write_bytes(blob[: len(blob) // 2])  # the central directory is gone
    return path


def _damaged_zip(tmp: Path) -> Path:
    blob = bytearray(_zip_with({"events.csv": csv_bytes(GOOD_HEADER, good_rows(3000))}))
    start = 30 + len("events.csv")  # local header, then the compressed member data
    for i in range(start + 50, start + 150):
        blob[i] ^= 0xFF
    path = tmp / "damaged.zip"
    path.write_bytes(bytes(blob))
    return path


def _empty_zip(tmp: Path) -> Path:
    path = tmp / "nothing.zip"
    path.write_bytes(_zip_with({}))
    return path


def _header_only(tmp: Path) -> Path:
    path = tmp / "header_only.csv"
    path.write_bytes(csv_bytes(GOOD_HEADER, []))
    return path


def _avro(tmp: Path) -> Path:
    path = tmp / "events.avro"
    path.write_bytes(b"Obj\x01\x04\x14avro.codec\x08null\x16avro.schema" + bytes(200))
    return path


def _json_document(tmp: Path) -> Path:
    path = tmp / "report.json"
    doc = {
        "name": "Weekly summary",
        "generated": "2024-03-04T08:00:00Z",
        "summary": {"visits": 1200, "orders": 31},
    }
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _json_array_of_numbers(tmp: Path) -> Path:
    path = tmp / "numbers.json"
    path.write_text(json.dumps([1, 2, 3, 4]), encoding="utf-8")
    return path


def _broken_ndjson(tmp: Path) -> Path:
    path = tmp / "events.ndjson"
    lines = ['{"user_id": "u1", "event": "view",', "{user_id: u2}", '{"user_id": "u3" "event"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _bad_utf16(tmp: Path) -> Path:
    path = tmp / "unicode.txt"
    # A UTF-16 byte-order mark, then a lone low surrogate: not UTF-16 text.
    path.write_bytes(b"\xff\xfe" + "user_id\tevent\n".encode("utf-16-le") + b"\x00\xdc\x41\x00")
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "nonexistent path": (_nonexistent, ("does not exist",)),
    "empty file": (_empty, (r"empty|0 bytes", "nothing to read")),
    "whitespace only": (_whitespace, ("blank", "nothing to read")),
    "binary garbage": (_binary, ("binary", "CSV|JSON|Parquet")),
    "truncated gzip": (_truncated_gzip, ("gzip", "cut short|damaged")),
    "truncated zip": (_truncated_zip, ("zip", "cannot be opened|damaged|incomplete")),
    "damaged zip member": (_damaged_zip, ("zip", "cannot be opened|damaged|incomplete")),
    "empty zip": (_empty_zip, ("zip", "no files")),
    "header without rows": (_header_only, ("no data rows", "user_id", "event_time")),
    "avro": (_avro, ("Avro", "Parquet|CSV|JSON")),
    "json document": (_json_document, ("JSON", "name, generated, summary", "not a list of events")),
    "json array of numbers": (_json_array_of_numbers, ("JSON", "numbers", "object")),
    "ndjson all broken": (_broken_ndjson, ("JSON", "none of its")),
    "invalid utf-16": (_bad_utf16, ("UTF-16",)),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message(tmp_path: Path, case: str) -> None:
    build, patterns = BAD_FILES[case]
    path = build(tmp_path)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, *patterns)


def _unparsable_times(tmp: Path) -> Path:
    path = tmp / "bad_times.csv"
    rows = [[f"u{i}", "view", f"sometime around {i} o'clock"] for i in range(30)]
    path.write_bytes(csv_bytes(GOOD_HEADER, rows))
    return path


def test_timestamps_that_never_parse_are_refused(tmp_path: Path) -> None:
    path = _unparsable_times(tmp_path)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    # Found: a user id and an event name; missing: a usable timestamp.
    check_message(info.value, path.name, "user_id", "event", "timestamp")


def test_unparsable_time_column_is_named_in_the_message(tmp_path: Path) -> None:
    path = _unparsable_times(tmp_path)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "event_time")


def test_unparsable_mapped_time_column_is_named_with_examples(tmp_path: Path) -> None:
    path = _unparsable_times(tmp_path)
    with pytest.raises(ImportFailed) as info:
        load_events(path, mapping={"time": "event_time"})
    message = check_message(info.value, path.name, "event_time", "timestamp")
    assert f"{path.name}: row 1" in message  # where to look
    assert "ISO 8601" not in message  # nothing parsed, so it was not read as ISO 8601


def test_uci_sessions_file_is_not_an_event_log(realdata: Path) -> None:
    path = realdata / UCI
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    header = path.read_text(encoding="ascii").splitlines()[0].split(";")
    message = check_message(
        info.value, path.name, "not look like an event log", "user id", "timestamp", "event"
    )
    assert header[0] in message  # what was found: its columns
    assert str(len(header)) in message


def test_ga4_items_without_event_name_offers_a_mapping(realdata: Path) -> None:
    path = realdata / GA4
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    exc = info.value
    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert "event_name" not in header  # the premise: the file has no event name
    message = check_message(exc, path.name, "event name")
    # What it found, for actor and time, and what the person can do.
    assert "user_pseudo_id" in message
    assert "event_timestamp" in message
    assert "map" in message.lower()
    assert "item_name" in exc.mappable["event"]
    assert set(exc.mappable["event"]) <= set(header)


@pytest.mark.parametrize(
    "blob",
    [
        b"\xff\xfe" + bytes(range(7)),
        b"\xfe\xff\xd8\x00",
        b"PAR1" + bytes(100),
        b"\x1f\x8b" + bytes(50),
        b"\x28\xb5\x2f\xfd" + b"not zstd at all",
        b"BZh9" + b"not bz2",
        b"PK\x03\x04" + bytes(40),
        b"\xef\xbb\xbf" + bytes(40),
        b"[" + b"{" * 30,
        b'{"a": 1}\n' + bytes([0xFF, 0xFE]) * 20,
    ],
    ids=[
        "utf16-odd-bytes",
        "utf16-lone-surrogate",
        "parquet-magic",
        "gzip-magic",
        "zstd-magic",
        "bz2-magic",
        "zip-magic",
        "bom-then-nul",
        "json-unclosed",
        "ndjson-then-binary",
    ],
)
def test_magic_bytes_followed_by_junk(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "junk.dat"
    path.write_bytes(blob)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name)


# --- files that are partly bad ---------------------------------------------------------

# Data rows (1-based, after the header) and what is wrong with them.
MISSING_ACTOR = {3, 17}
MISSING_EVENT = {5, 21}
BLANK_TIME = {8: "", 30: "   "}
BAD_TIME = {9: "yesterday", 33: "2024-13-45T99:00:00Z"}
TWO_PROBLEMS = 25  # no user id and an unparsable time: still one dropped row
N_ROWS = 40


def _partial_rows() -> list[list[str]]:
    rows = []
    for n in range(1, N_ROWS + 1):
        user, event, when = f"user-{n % 6}", f"step_{n % 3}", f"2024-03-01T09:{n:02d}:00Z"
        if n in MISSING_ACTOR or n == TWO_PROBLEMS:
            user = ""
        if n in MISSING_EVENT:
            event = ""
        if n in BLANK_TIME:
            when = BLANK_TIME[n]
        if n in BAD_TIME:
            when = BAD_TIME[n]
        if n == TWO_PROBLEMS:
            when = "not a date"
        rows.append([user, event, when, f"plan-{n % 2}"])
    return rows


def _located_rows(examples: list[str], file_name: str) -> set[int]:
    rows = set()
    for example in examples:
        match = re.fullmatch(r"(.+): row (\d+)", example)
        assert match, f"not a 'file: row N' location: {example!r}"
        assert match.group(1) == file_name
        rows.add(int(match.group(2)))
    return rows


def test_rows_with_missing_values_are_dropped_counted_and_located(tmp_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_bytes(csv_bytes([*GOOD_HEADER, "plan"], _partial_rows()))
    table = load_events(path)
    report = table.report

    # The reference: read the file back with the csv module and classify every row.
    with path.open(newline="", encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    assert len(data) == N_ROWS
    no_actor = {n for n, r in enumerate(data, 1) if not r["user_id"].strip()}
    no_event = {n for n, r in enumerate(data, 1) if not r["event"].strip()}
    no_time = {n for n, r in enumerate(data, 1) if not r["event_time"].strip()}
    bad_time = {
        n for n, r in enumerate(data, 1) if r["event_time"] in {*BAD_TIME.values(), "not a date"}
    }
    assert no_actor == {*MISSING_ACTOR, TWO_PROBLEMS}
    defective = no_actor | no_event | no_time | bad_time

    # Every defective row is dropped once, under one reason.
    assert report.rows_read == N_ROWS
    assert sum(report.dropped.values()) == len(defective) == 9
    assert report.dropped["missing_event"] == len(MISSING_EVENT)
    assert report.dropped["missing_time"] == len(BLANK_TIME)
    # The row with two problems counts under exactly one of its two reasons.
    assert report.dropped["missing_actor"] + report.dropped["unparsable_time"] == 5
    assert report.dropped["missing_actor"] >= len(MISSING_ACTOR)
    assert report.dropped["unparsable_time"] >= len(BAD_TIME)
    assert report.rows_kept == len(table) == N_ROWS - len(defective)
    assert report.rows_read == report.rows_kept + report.rows_removed

    # Each "file: row N" points at a row that really has that problem.
    located = {
        reason: _located_rows(report.drop_examples[reason], path.name) for reason in report.dropped
    }
    assert located["missing_actor"] <= no_actor
    assert located["missing_event"] == no_event
    assert located["missing_time"] == no_time
    assert located["unparsable_time"] <= bad_time
    assert located["missing_actor"] | located["unparsable_time"] == no_actor | bad_time
    assert not located["missing_actor"] & located["unparsable_time"]

    # What is left is exactly the good rows.
    kept_users = sorted(table.actor_ids.take(table.actor).to_pylist())
    expected_users = sorted(r["user_id"] for n, r in enumerate(data, 1) if n not in defective)
    assert kept_users == expected_users


def test_ragged_row_is_counted_as_malformed(tmp_path: Path) -> None:
    lines = ["user_id,event,event_time,plan"]
    for n in range(1, 21):
        line = f"u{n % 4},step_{n % 3},2024-03-01T09:{n:02d}:00Z,basic"
        if n == 7:
            line += ",surplus,fields"
        if n == 14:
            line = f"u{n % 4},step_1"
        lines.append(line)
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load_events(path)
    report = table.report
    assert report.rows_read == 20
    assert report.dropped == {"malformed": 2}
    assert report.rows_kept == len(table) == 18
    assert report.rows_read == report.rows_kept + report.rows_removed
    examples = report.drop_examples["malformed"]
    assert len(examples) == 2
    assert examples[0].startswith(f"{path.name}: row 7")
    assert "surplus" in examples[0]
    assert examples[1].startswith(f"{path.name}: row 14")


def test_locations_after_a_malformed_row_still_point_at_the_right_row(tmp_path: Path) -> None:
    lines = ["user_id,event,event_time"]
    for n in range(1, 21):
        user = "" if n == 15 else f"u{n % 4}"
        line = f"{user},step_{n % 3},2024-03-01T09:{n:02d}:00Z"
        if n == 4:
            line += ",one,too,many"
        lines.append(line)
    path = tmp_path / "shifted.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_events(path).report
    assert report.dropped == {"malformed": 1, "missing_actor": 1}
    assert report.drop_examples["missing_actor"] == [f"{path.name}: row 15"]


def test_locations_in_the_second_file_after_malformed_rows_in_the_first(
    tmp_path: Path,
) -> None:
    first = ["user_id,event,event_time"] + [
        f"a{n},view,2024-03-01T09:{n:02d}:00Z" + (",x,y" if n in (2, 3) else "")
        for n in range(1, 6)
    ]
    second = ["user_id,event,event_time"] + [
        f"{'' if n == 1 else f'b{n}'},view,2024-03-02T09:{n:02d}:00Z" for n in range(1, 6)
    ]
    (tmp_path / "a.csv").write_text("\n".join(first) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("\n".join(second) + "\n", encoding="utf-8")
    report = load_events([tmp_path / "a.csv", tmp_path / "b.csv"]).report
    assert report.dropped == {"malformed": 2, "missing_actor": 1}
    assert report.drop_examples["missing_actor"] == ["b.csv: row 1"]


def test_ndjson_with_one_broken_line_loads_the_rest(tmp_path: Path) -> None:
    lines = [
        json.dumps({"user_id": f"u{n % 5}", "event": "view", "timestamp": 1709280000 + n})
        for n in range(1, 22)
    ]
    lines[10] = '{"user_id": "u1", "event": "view", "timestamp": 17092'  # line 11, cut off
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load_events(path)
    report = table.report
    assert report.rows_read == 21
    assert report.dropped == {"malformed": 1}
    assert report.rows_kept == len(table) == 20
    assert report.rows_read == report.rows_kept + report.rows_removed
    [example] = report.drop_examples["malformed"]
    assert example.startswith(f"{path.name}: line 11")
    expected = sorted(json.loads(line)["timestamp"] for i, line in enumerate(lines) if i != 10)
    assert sorted((table.time // 1_000_000_000).tolist()) == expected


# --- odd time values: counted as unparsable, never a crash -----------------------------


def test_parquet_sentinel_dates_are_unparsable_rows(tmp_path: Path) -> None:
    # 0001-01-01 and 9999-12-31 are common "no date" sentinels; nanoseconds cannot hold them.
    times = [dt.datetime(2024, 3, 1, 9, n) for n in range(20)]
    times[1] = dt.datetime(1, 1, 1)
    times[4] = dt.datetime(9999, 12, 31, 23, 59, 59)
    path = tmp_path / "sentinels.parquet"
    pq.write_table(
        pa.table(
            {
                "user_id": [f"u{n % 2}" for n in range(20)],
                "event": ["view"] * 20,
                "event_time": pa.array(times, pa.timestamp("us")),
            }
        ),
        path,
    )
    report = load_events(path).report
    assert report.dropped == {"unparsable_time": 2}
    assert sorted(report.drop_examples["unparsable_time"]) == [
        f"{path.name}: row 2",
        f"{path.name}: row 5",
    ]
    assert report.rows_kept == 18


@pytest.mark.parametrize(
    ("values", "bad_rows"),
    [
        # epoch seconds with one value no unit can hold
        (["1709280000", "1709280060", "99999999999999999999999", "1709280120"], {3}),
        # epoch seconds with an outlier that would overflow int64 nanoseconds
        (["1709280000", "1709280060", "1709280120", "92233720368"], {4}),
    ],
    ids=["23-digit", "overflowing-seconds"],
)
def test_numeric_times_out_of_range_are_unparsable_rows(
    tmp_path: Path, values: list[str], bad_rows: set[int]
) -> None:
    path = tmp_path / "epochs.csv"
    path.write_bytes(csv_bytes(GOOD_HEADER, [[f"u{i}", "view", v] for i, v in enumerate(values)]))
    report = load_events(path, mapping={"time": "event_time"}).report
    assert report.dropped == {"unparsable_time": len(bad_rows)}
    assert _located_rows(report.drop_examples["unparsable_time"], path.name) == bad_rows


def test_time_values_pandas_finds_mixed_zones_in_do_not_crash(tmp_path: Path) -> None:
    # pandas raises "Mixed timezones detected" on such a column instead of coercing.
    values = ["10:00 UTC+1", "11:00", "12:30 UTC+1", "junk"]
    path = tmp_path / "mixed_zones.csv"
    path.write_bytes(csv_bytes(GOOD_HEADER, [[f"u{i}", "view", v] for i, v in enumerate(values)]))
    try:
        table = load_events(path, mapping={"time": "event_time"})
    except ImportFailed as exc:
        check_message(exc, path.name)
    else:
        report = table.report
        assert report.rows_read == report.rows_kept + report.rows_removed
        assert report.dropped.get("unparsable_time", 0) >= 1  # "junk" at least
