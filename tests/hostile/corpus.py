"""A hostile corpus: files a careless tool or an attacker could hand to the importer.

Each `Case` writes one input into a folder: the cases of issue 15 and more of the
same families (empty, garbage, truncated and nested archives, bombs, deep nesting,
huge lines, mixed encodings, extreme numbers and odd times, NUL bytes, odd headers).
All are small and made on the fly; nothing is committed. Write them out to look at:

    uv run python -m tests.hostile.corpus /tmp/hostile
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import random
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

Expect = Literal["ok", "refused", "either"]
HEADER = "user_id,event,timestamp\n"


@dataclass(frozen=True)
class Case:
    name: str  # the file (or folder) written; unique
    family: str
    write: Callable[[Path], None]  # writes `folder / name`
    expect: Expect = "either"
    # Run through `python -m funnel_gui` in a child process: an abort or a hang there
    # would take the test run down with it in-process.
    isolate: bool = False
    # Only a problem above the expansion cap: the test lowers the cap for these.
    low_cap: bool = False
    check: Callable[[dict[str, Any]], None] | None = None  # more for an "ok" report


def rows(n: int, prefix: str = "u", start: int = 0) -> str:
    return "".join(
        f"{prefix}{i % 7},step_{i % 3},2024-03-01T{10 + i // 3600 % 10:02d}:{i // 60 % 60:02d}:"
        f"{i % 60:02d}Z\n"
        for i in range(start, start + n)
    )


GOOD_CSV = (HEADER + rows(60)).encode()
GOOD_NDJSON = "".join(
    json.dumps({"user_id": f"u{i % 7}", "event": f"step_{i % 3}", "timestamp": 1_709_280_000 + i})
    + "\n"
    for i in range(60)
).encode()


def _bytes(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data() if callable(data) else data)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _parquet(columns: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def _events(n: int) -> dict[str, Any]:
    return {
        "user_id": [f"u{i % 4}" for i in range(n)],
        "event": [f"step_{i % 3}" for i in range(n)],
        "timestamp": [f"2024-03-01T09:{i % 60:02d}:00Z" for i in range(n)],
    }


def _ndjson(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _times_csv(values: list[str]) -> bytes:
    lines = [f"u{i % 3},step_{i % 2},{v}" for i, v in enumerate(values)]
    return (HEADER + "\n".join(lines) + "\n").encode()


def _corrupt_dictionary_parquet() -> bytes:
    blob = bytearray(_parquet({**_events(200), "user_id": [f"u{i % 50}" for i in range(200)]}))
    start = blob.index(b"u49") + 3  # the codes' data page follows the dictionary
    blob[start + 20 : start + 60] = b"\xff" * 40  # codes of 63 into 50 values
    return bytes(blob)


def _exotic_parquet() -> bytes:
    n = 4
    return _parquet(
        {
            **_events(n),
            "fixed": pa.array([[1, 2]] * n, pa.list_(pa.int8(), 2)),
            "big": pa.array([[1], [], None, [2, 3]], pa.large_list(pa.int64())),
            "codes": pa.array([1, 2, 1, 2]).dictionary_encode(),
            "wait": pa.array([1, 2, 3, 4], pa.duration("s")),
            "clock": pa.array([1, 2, 3, 4], pa.time64("us")),
            "money": pa.array([1, 2, 3, 4], pa.int64()).cast(pa.decimal128(22, 2)),
            "far": pa.array([2**62, 0, -(2**62), 1], pa.int64()).cast(pa.timestamp("us")),
        }
    )


def _fifo(path: Path) -> None:
    if hasattr(os, "mkfifo"):
        os.mkfifo(path)
    else:  # no named pipes on this system: an ordinary file stands in
        path.write_bytes(GOOD_CSV)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "a.csv").write_bytes(GOOD_CSV)
    (path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (path / "nested").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(path / "pipe.csv")


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _gzip_bomb() -> bytes:
    return gzip.compress(HEADER.encode() + bytes(40 * 1024**2), compresslevel=9)


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _deep_ndjson() -> bytes:
    deep = '{"a":' * 20_000 + "1" + "}" * 20_000
    good = GOOD_NDJSON.decode().splitlines()
    return ("\n".join([*good[:3], f'{{"user_id": "x", "p": {deep}}}', *good[3:]]) + "\n").encode()


def _expect_actors(n: int) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert report["actors"] == n, report["actors"]

    return check


def _expect_dropped(reason: str, n: int) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert report["dropped"].get(reason) == n, report["dropped"]

    return check


def _expect_duplicates(n: int) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert report["duplicates_removed"] == n, report

    return check


def _expect_note(*words: str) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert any(all(w in n for w in words) for n in report["notes"]), report["notes"]

    return check


EPOCHS = [str(1_709_280_000 + 60 * i) for i in range(30)]
ISO_TIMES = [f"2024-03-01T10:{i:02d}:00Z" for i in range(30)]
BIG_IDS = [10**19 + k for k in range(5)] + [10**29 + k for k in range(5)]
ZIP_NAMES = [".hidden.csv", "../up.csv", "..\\..\\win.csv", "/abs.csv", ".x/deep.csv"]

CASES: list[Case] = [
    # --- the cases of issue 15 -----------------------------------------------------------------
    Case("map_column.parquet", "issue", _bytes(lambda: _parquet({**_events(5), "m": pa.array([[("k", "v")], None, [], [("k", "w"), ("j", "x")], [("j", "y")]], pa.map_(pa.string(), pa.string()))})), "ok", isolate=True),  # noqa: E501
    Case("deep_array.json", "issue", _bytes(b"[" * 10_000), "refused"),
    Case("deep_value.ndjson", "issue", _bytes(_deep_ndjson), "ok"),
    Case("big_int_ids.ndjson", "issue", _bytes(_ndjson([{"user_id": u, "event": "e", "timestamp": 1_709_280_000 + i} for i, u in enumerate(BIG_IDS)])), "ok", check=_expect_actors(10)),  # noqa: E501
    Case("mixed_int_float_ids.ndjson", "issue", _bytes(_ndjson([{"user_id": u, "event": "e", "timestamp": 1_709_280_000 + i} for i, u in enumerate([2**60 + 1, 2**60 + 2, 1.5, 7])])), "ok", check=_expect_actors(4)),  # noqa: E501
    Case("invalid_utf8.ndjson", "issue", _bytes(GOOD_NDJSON.replace(b'"u3"', b'"u\xff3"', 1)), "ok", check=_expect_note("invalid_utf8.ndjson", "line")),  # noqa: E501
    Case("dictionary_codes.parquet", "issue", _bytes(_corrupt_dictionary_parquet), isolate=True),
    Case("fifo.csv", "issue", _fifo, "refused", isolate=True),
    Case("gzip_bomb.csv.gz", "issue", _bytes(_gzip_bomb), "refused", low_cap=True),
    Case("zip_bomb.zip", "issue", _bytes(lambda: _zip({f"p{i}.csv": HEADER.encode() + bytes(8 * 1024**2) for i in range(6)})), "refused", low_cap=True),  # noqa: E501
    Case("member_names.zip", "issue", _bytes(lambda: _zip({**{n: GOOD_CSV for n in ZIP_NAMES}, "__MACOSX/._a.csv": b"\x00\x05", "docs/": b""})), "ok", check=_expect_note("__MACOSX/._a.csv", "docs/")),  # noqa: E501
    Case("header_newline.csv", "issue", _bytes(b'"user\nid",event,timestamp\n' + rows(30).encode()), "ok"),  # noqa: E501
    Case("header_only_no_newline.csv", "issue", _bytes(b"user_id,event,timestamp"), "refused"),
    Case("json_42.json", "issue", _bytes(b"42"), "refused"),
    Case("json_null.json", "issue", _bytes(b"null"), "refused"),
    # --- empty and blank -----------------------------------------------------------------------
    Case("empty.csv", "empty", _bytes(b""), "refused"),
    Case("empty.csv.gz", "empty", _bytes(gzip.compress(b"")), "refused"),
    Case("empty.zip", "empty", _bytes(_zip({})), "refused"),
    Case("blank.ndjson", "empty", _bytes(b" \n\t\r\n" * 100), "refused"),
    Case("only_bom.csv", "empty", _bytes(b"\xef\xbb\xbf"), "refused"),
    Case("empty_folder", "empty", lambda p: p.mkdir(), "refused"),
    Case("folder_with_pipe", "empty", _folder, "ok"),
    Case("symlink_loop.csv", "empty", _symlink_loop, "refused"),
    # --- garbage -------------------------------------------------------------------------------
    Case("random.bin", "garbage", _bytes(_noise(10_000, 1)), "refused"),
    Case("random_named.csv", "garbage", _bytes(_noise(3_000, 2)), "refused"),
    Case("gzip_magic_junk.gz", "garbage", _bytes(b"\x1f\x8b\x08" + _noise(500, 3)), "refused"),
    Case("zip_magic_junk.zip", "garbage", _bytes(b"PK\x03\x04" + _noise(500, 4)), "refused"),
    Case("parquet_magic_junk.parquet", "garbage", _bytes(b"PAR1" + _noise(500, 5) + b"PAR1"), "refused"),  # noqa: E501
    Case("printable_noise.csv", "garbage", _bytes(bytes(random.Random(6).choices(range(32, 127), k=20_000))), "refused"),  # noqa: E501
    # --- truncated -----------------------------------------------------------------------------
    Case("truncated.csv.gz", "truncated", _bytes(lambda: gzip.compress(GOOD_CSV * 50)[:-400]), "refused"),  # noqa: E501
    Case("truncated.csv.bz2", "truncated", _bytes(lambda: bz2.compress(GOOD_CSV * 50)[:-100]), "refused"),  # noqa: E501
    Case("truncated.csv.zst", "truncated", _bytes(lambda: pa.compress(GOOD_CSV * 50, "zstd", asbytes=True)[:-50]), "refused"),  # noqa: E501
    Case("truncated.zip", "truncated", _bytes(lambda: _zip({"a.csv": GOOD_CSV * 50})[:-300]), "refused"),  # noqa: E501
    Case("truncated.parquet", "truncated", _bytes(lambda: _parquet(_events(200))[:-100]), "refused"),  # noqa: E501
    Case("parquet_no_footer.parquet", "truncated", _bytes(lambda: _parquet(_events(200))[:300]), "refused"),  # noqa: E501
    Case("truncated_last_line.ndjson", "truncated", _bytes(GOOD_NDJSON[:-20]), "ok"),
    Case("truncated_json_array.json", "truncated", _bytes(json.dumps([{"user_id": "u", "event": "e"}] * 20).encode()[:-30]), "refused"),  # noqa: E501
    # --- nested archives -----------------------------------------------------------------------
    Case("zip_in_zip.zip", "nested", _bytes(lambda: _zip({"inner.zip": _zip({"a.csv": GOOD_CSV})})), "ok"),  # noqa: E501
    Case("gz_in_zip.zip", "nested", _bytes(lambda: _zip({"a.csv.gz": gzip.compress(GOOD_CSV)})), "ok"),  # noqa: E501
    Case("zip_in_gz.zip.gz", "nested", _bytes(lambda: gzip.compress(_zip({"a.csv": GOOD_CSV}))), "ok"),  # noqa: E501
    Case("gz_x6.gz", "nested", _bytes(lambda: _nest_gzip(GOOD_CSV, 6)), "refused"),
    Case("zip_of_junk.zip", "nested", _bytes(lambda: _zip({"README.md": b"hi", "x.bin": bytes(99)})), "refused"),  # noqa: E501
    Case("zip_many_members.zip", "nested", _bytes(lambda: _zip({f"part/{i:04d}.csv": (HEADER + rows(2, start=i)).encode() for i in range(300)})), "ok"),  # noqa: E501
    Case("zip_empty_inner_zip.zip", "nested", _bytes(lambda: _zip({"a.csv": GOOD_CSV, "b.zip": _zip({})})), "ok"),  # noqa: E501
    # --- deep nesting --------------------------------------------------------------------------
    Case("deep_object.json", "deep", _bytes(b'{"a":' * 50_000), "refused"),
    Case("deep_records.json", "deep", _bytes(lambda: json.dumps([{"user_id": "u", "p": _nest_dict(200)}]).encode()), "refused"),  # noqa: E501
    Case("deep_properties_text.ndjson", "deep", _bytes(lambda: _ndjson([{"user_id": f"u{i}", "event": "e", "timestamp": 1_709_280_000 + i, "properties": json.dumps(_nest_dict(300))} for i in range(5)])), "ok"),  # noqa: E501
    Case("deep_arrow.ndjson", "deep", _bytes(lambda: _ndjson([{"user_id": f"u{i}", "event": "e", "timestamp": 1_709_280_000 + i, "p": _nest_dict(500)} for i in range(3)])), "refused"),  # noqa: E501
    # --- huge lines ----------------------------------------------------------------------------
    Case("huge_first_line.csv", "huge", _bytes(b"x" * (9 * 1024**2)), "refused"),
    Case("huge_cell.csv", "huge", _bytes(lambda: (HEADER + rows(10) + "u1,step_1," + "9" * (9 * 1024**2) + "\n" + rows(10)).encode()), "ok"),  # noqa: E501
    Case("huge_line.ndjson", "huge", _bytes(lambda: GOOD_NDJSON + json.dumps({"user_id": "u", "event": "e", "timestamp": 1_709_280_000, "blob": "x" * (17 * 1024**2)}).encode() + b"\n"), "ok"),  # noqa: E501
    Case("wide_header.csv", "huge", _bytes(lambda: (",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join("1" for _ in range(20_000)) + "\n").encode()), "refused"),  # noqa: E501
    Case("wide_400_columns.csv", "huge", _bytes(lambda: _wide_csv(400, 30)), "ok"),
    # --- encodings -----------------------------------------------------------------------------
    Case("mixed_utf8_cp1252.csv", "encoding", _bytes(GOOD_CSV + "u1,Zoë,2024-03-01T10:00:00Z\n".encode() + "u2,Zoë,2024-03-01T10:00:01Z\n".encode("cp1252")), "ok"),  # noqa: E501
    Case("utf16.csv", "encoding", _bytes(b"\xff\xfe" + GOOD_CSV.decode().encode("utf-16-le")), "ok"),  # noqa: E501
    Case("bom_in_middle.csv", "encoding", _bytes(GOOD_CSV[:200] + b"\xef\xbb\xbf" + GOOD_CSV[200:]), "ok"),  # noqa: E501
    Case("bom_between_lines.ndjson", "encoding", _bytes(GOOD_NDJSON[:300] + b"\xef\xbb\xbf" + GOOD_NDJSON[300:])),  # noqa: E501
    Case("utf16_odd_length.csv", "encoding", _bytes(b"\xff\xfe" + GOOD_CSV.decode().encode("utf-16-le") + b"\x00"), "ok"),  # noqa: E501
    Case("lone_surrogate.ndjson", "encoding", _bytes(GOOD_NDJSON + b'{"user_id": "\\ud800", "event": "e", "timestamp": 1709280000}\n')),  # noqa: E501
    # --- extreme numbers in the time column ----------------------------------------------------
    Case("time_numbers.csv", "numbers", _bytes(_times_csv(["1e300", "-1", str(2**63), "NaN", "inf", "-0", "1709280000", "1709280001"]))),  # noqa: E501
    Case("time_numbers.ndjson", "numbers", _bytes(lambda: _ndjson([{"user_id": "u", "event": "e", "timestamp": t} for t in [1e300, -1, 2**63, 1_709_280_000, 10**400]]))),  # noqa: E501
    Case("time_numbers_among_good.csv", "numbers", _bytes(_times_csv([*EPOCHS, "1e300", "-1", str(2**63), "9" * 5000])), "ok", check=_expect_dropped("unparsable_time", 3)),  # noqa: E501
    Case("time_5000_digits.csv", "numbers", _bytes(_times_csv(["9" * 5000, "1709280000", "1709280001"]))),  # noqa: E501
    Case("time_extremes.parquet", "numbers", _bytes(lambda: _parquet({"user_id": ["a", "b", "c"], "event": ["e"] * 3, "timestamp": pa.array([2**63 - 1, -(2**63) + 1, 1_709_280_000 * 10**6], pa.int64()).cast(pa.timestamp("us"))}))),  # noqa: E501
    Case("exotic_types.parquet", "numbers", _bytes(_exotic_parquet), isolate=True),
    # --- odd times -----------------------------------------------------------------------------
    Case("odd_times.csv", "times", _bytes(_times_csv(["9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2024-03-01T10:00:00.123456789012Z", "2024-02-30T10:00:00Z", "2024-03-01T10:00:00+99:99", "2024-03-01T10:00:00Z"]))),  # noqa: E501
    Case("odd_times_among_good.csv", "times", _bytes(_times_csv([*ISO_TIMES, "0000-01-01T00:00:00Z", "2024-02-30T10:00:00Z", "2024-03-01T10:00:00+99:99", "9999-12-31T23:59:59Z", "2016-12-31T23:59:60Z", "2024-03-01T10:00:00.123456789012Z"])), "ok", check=_expect_dropped("unparsable_time", 5)),  # noqa: E501
    Case("only_odd_times.csv", "times", _bytes(_times_csv(["0000-01-01T00:00:00Z", "2016-12-31T23:59:60Z"] * 3))),  # noqa: E501
    # --- NUL bytes, odd headers ----------------------------------------------------------------
    Case("nul_late.csv", "headers", _bytes(GOOD_CSV * 80 + b"u1,st\x00ep,2024-03-01T10:00:00Z\n"), "ok"),  # noqa: E501
    Case("nul_in_json.ndjson", "headers", _bytes(GOOD_NDJSON + b'{"user_id": "u\\u0000x", "event": "e", "timestamp": 1709280000}\n'), "ok"),  # noqa: E501
    Case("duplicate_headers.csv", "headers", _bytes(b"user_id,user_id,event,timestamp,event\n" + b"a,b,x,2024-03-01T10:00:00Z,y\n" * 10)),  # noqa: E501
    Case("only_headers.csv", "headers", _bytes(HEADER.encode()), "refused"),
    Case("one_column.csv", "headers", _bytes(b"user_id\n" + b"u1\nu2\n" * 20), "refused"),
    Case("empty_header_names.csv", "headers", _bytes(b",,\n" + rows(5).encode()), "refused"),
    Case("cr_line_endings.csv", "headers", _bytes(GOOD_CSV.replace(b"\n", b"\r")), "ok"),
    Case("tsv_quoted_tabs.tsv", "headers", _bytes(GOOD_CSV.replace(b",", b"\t").replace(b"step_1", b'"step\t1"')), "ok"),  # noqa: E501
    Case("plain_text_named.gz", "headers", _bytes(GOOD_CSV), "ok"),
    Case("zero_rows.parquet", "headers", _bytes(lambda: _parquet({k: pa.array([], pa.string()) for k in _events(0)})), "refused"),  # noqa: E501
    Case("empty_objects.json", "headers", _bytes(b"[" + b",".join([b"{}"] * 10_000) + b"]"), "refused"),  # noqa: E501
    Case("duplicate_keys.ndjson", "headers", _bytes(b'{"user_id": "a", "user_id": "b", "event": "e", "timestamp": 1709280000}\n' * 5), "ok"),  # noqa: E501
    Case("id_5000_digits.ndjson", "numbers", _bytes(b"".join(b'{"user_id": 1%s%d, "event": "e", "timestamp": 1709280000}\n' % (b"0" * 4999, i) for i in range(3)) + GOOD_NDJSON), "ok", check=_expect_actors(10)),  # noqa: E501
    Case("repeated_insert_ids.csv", "headers", _bytes(b"event_type,event_time,user_id,$insert_id\n" + b"".join(b"view,2024-03-01T10:00:%02dZ,u%d,id%d\n" % (i % 3, i % 2, i % 3) for i in range(12))), "ok", check=_expect_duplicates(6)),  # noqa: E501
    Case("unbalanced_quote.csv", "headers", _bytes(HEADER.encode() + b'u1,"step,2024-03-01T10:00:00Z\n' + rows(20).encode())),  # noqa: E501
]  # fmt: skip


def _wide_csv(columns: int, n: int) -> bytes:
    names = ["user_id", "event", "timestamp", *(f"p{i}" for i in range(columns))]
    lines = [",".join(names)]
    for r in range(n):
        lines.append(",".join([f"u{r % 5}", f"e{r % 3}", f"2024-03-01T10:00:{r % 60:02d}Z"]))
        lines[-1] += "," + ",".join(str(r * i % 97) for i in range(columns))
    return ("\n".join(lines) + "\n").encode()


def _nest_gzip(data: bytes, times: int) -> bytes:
    for _ in range(times):
        data = gzip.compress(data)
    return data


def _nest_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


def write_corpus(folder: Path) -> dict[str, Path]:
    """Every case written into `folder`; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in CASES:
        path = folder / case.name
        case.write(path)
        paths[case.name] = path
    return paths


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for name in write_corpus(out):
        print(out / name)
