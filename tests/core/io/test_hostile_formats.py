"""Hostile content inside files of a known format (issue 15, import side).

MAP columns, deep nesting, ids beyond what a double holds, invalid UTF-8 in JSON,
damaged Parquet, a header cell with a line break, and files that are a header or a
single JSON value. Each case writes its own small file into tmp_path; each ends in a
table whose counts add up or in one `ImportFailed` that names the file.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from funnel_gui.core.io import ImportFailed, load_events, read_raw
from tests.core.io.test_bad_input import check_message

MAPPING = {"actor": "user_id", "event": "event", "time": "timestamp"}
TIMES = [f"2024-03-01T09:{m:02d}:00Z" for m in range(60)]


def _events(n: int) -> dict[str, list[str]]:
    return {
        "user_id": [f"u{i % 4}" for i in range(n)],
        "event": [f"step_{i % 3}" for i in range(n)],
        "timestamp": TIMES[:n],
    }


def _counts_add_up(path: Path) -> None:
    report = load_events(path).report
    assert report.rows_read == report.rows_kept + report.rows_removed


# --- 1. MAP columns, in a child process: an abort there fails these tests, not pytest ---

_MAP_CHILD = textwrap.dedent(
    """
    import json, sys
    from funnel_gui.core.io import load_events
    out = {}
    for path in sys.argv[1:]:
        table = load_events(path)
        assert table.report.rows_kept == table.report.rows_read
        props = table.properties  # in input order: every row was kept
        out[path] = {name: props[name].to_pylist() for name in props.column_names}
    print(json.dumps(out))
    """
)


def _map_files(folder: Path) -> dict[str, pa.Table]:
    maps = [[("plan", "pro"), ("seats", "3")], None, [], [("plan", "free")], [("seats", "9")]]
    counts = [[(1, 10)], [(2, 20)], None, [(1, 11)], []]
    value = pa.struct([("string_value", pa.string()), ("int_value", pa.int64())])
    ctx = pa.array(
        [{"tags": [("a", {"string_value": "x", "int_value": None})]}, {"tags": None}],
        pa.struct([("tags", pa.map_(pa.string(), value))]),
    )
    wide = [[(f"k{i}-{j}", j) for j in range(400)] for i in range(6)]  # 2,400 distinct keys
    map_type = pa.map_(pa.string(), pa.string())
    return {
        "map": pa.table(
            {
                **_events(5),
                "params": pa.array(maps, pa.map_(pa.string(), pa.string())),
                "counts": pa.array(counts, pa.map_(pa.int32(), pa.int64())),
            }
        ),
        "nested_map": pa.table({**_events(2), "ctx": ctx}),
        "wide_map": pa.table({**_events(6), "m": pa.array(wide, pa.map_(pa.string(), pa.int64()))}),
        # Sliced before writing: the map's offsets no longer start at zero in memory.
        "sliced_map": pa.table(
            {**_events(6), "params": pa.array([*maps, [("plan", "x")]], map_type)}
        ).slice(1),
    }  # fmt: skip


@pytest.fixture(scope="module")
def map_properties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[object]]]:
    """Each MAP file's properties, loaded in one child process (one interpreter start)."""
    folder = tmp_path_factory.mktemp("maps")
    paths = {}
    for name, table in _map_files(folder).items():
        paths[name] = folder / f"{name}.parquet"
        pq.write_table(table, paths[name])
    done = subprocess.run(
        [sys.executable, "-c", _MAP_CHILD, *map(str, paths.values())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    loaded = json.loads(done.stdout)
    return {name: loaded[str(path)] for name, path in paths.items()}


def test_parquet_map_column_becomes_one_property_per_key(
    map_properties: dict[str, dict[str, list[object]]],
) -> None:
    props = map_properties["map"]
    assert props["params.plan"] == ["pro", None, None, "free", None]
    assert props["params.seats"] == ["3", None, None, None, "9"]
    assert props["counts.1"] == ["10", None, None, "11", None]
    assert props["counts.2"] == [None, "20", None, None, None]


def test_sliced_map_column(map_properties: dict[str, dict[str, list[object]]]) -> None:
    props = map_properties["sliced_map"]
    assert props["params.plan"] == [None, None, "free", None, "x"]


def test_parquet_map_of_structs_inside_a_struct(
    map_properties: dict[str, dict[str, list[object]]],
) -> None:
    assert map_properties["nested_map"]["ctx.tags.a"] == ["x", None]


def test_map_with_more_keys_than_columns_allowed_is_kept_as_json(
    map_properties: dict[str, dict[str, list[object]]],
) -> None:
    props = map_properties["wide_map"]
    assert set(props) == {"m"}
    first = props["m"][0]
    assert isinstance(first, str)
    assert json.loads(first)["k0-7"] == "7"  # values as text, as in the per-key columns


# --- 2. deep nesting -------------------------------------------------------------------


def test_json_array_nested_ten_thousand_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 10_000, encoding="ascii")
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "nested")


@pytest.mark.parametrize("depth", [100, 5_000], ids=["arrow-reads-it", "past-recursion-limit"])
def test_ndjson_line_nested_too_deep_is_one_malformed_row(tmp_path: Path, depth: int) -> None:
    lines = [
        json.dumps({"user_id": f"u{i}", "event": "view", "timestamp": TIMES[i]}) for i in range(6)
    ]
    deep = '{"a":' * depth + "1" + "}" * depth
    lines[3] = f'{{"user_id": "x", "event": "view", "timestamp": "{TIMES[3]}", "p": {deep}}}'
    path = tmp_path / "deep.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    report = load_events(path).report
    assert report.dropped == {"malformed": 1}
    assert report.rows_kept == 5
    [example] = report.drop_examples["malformed"]
    assert example.startswith(f"{path.name}: line 4")
    assert "nested" in example


def test_single_deep_ndjson_line_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "one.ndjson"
    deep = '{"a":' * 3_000 + "1" + "}" * 3_000
    path.write_text(f'{{"user_id": "u", "p": {deep}}}\n', encoding="ascii")
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "nested")


def test_parquet_struct_nested_past_the_limit_is_refused(tmp_path: Path) -> None:
    deep = pa.array([1, 2])
    for _ in range(80):
        deep = pa.StructArray.from_arrays([deep], ["a"])
    path = tmp_path / "deep.parquet"
    pq.write_table(pa.table({**_events(2), "deep": deep}), path)
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    check_message(info.value, path.name, "nested more than 64 levels")


# --- 4. ids a double cannot hold -------------------------------------------------------


def _ndjson(path: Path, ids: list[object]) -> Path:
    rows = [{"user_id": uid, "event": "view", "timestamp": TIMES[i]} for i, uid in enumerate(ids)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _actor_per_row(path: Path) -> Counter[str]:
    table = load_events(path, mapping=MAPPING)
    assert table.report.dropped == {}
    return Counter(table.actor_ids.take(table.actor).to_pylist())


@pytest.mark.parametrize("digits", [20, 30])
def test_long_integer_ids_in_json_lines_stay_distinct(tmp_path: Path, digits: int) -> None:
    ids: list[object] = [10 ** (digits - 1) + k for k in range(5)]
    assert len({float(uid) for uid in ids}) == 1  # what a double would make of them
    path = _ndjson(tmp_path / "ids.ndjson", ids)
    assert _actor_per_row(path) == Counter(str(uid) for uid in ids)


def test_id_column_mixing_json_ints_and_floats(tmp_path: Path) -> None:
    ids: list[object] = [3418334011779872055, 3418334011779872056, 1.5, 42, 2**63 - 1]
    path = _ndjson(tmp_path / "mixed.ndjson", ids)
    assert _actor_per_row(path) == Counter(str(uid) for uid in ids)


def test_float_looking_pseudo_id_written_as_a_number_keeps_its_digits(tmp_path: Path) -> None:
    path = tmp_path / "ga4.ndjson"
    lines = [
        f'{{"user_id": {uid}, "event": "view", "timestamp": "{TIMES[i]}"}}'
        for i, uid in enumerate(["3868899112.4128253975", "3868899112.4128253976", "7.25"])
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    assert _actor_per_row(path) == Counter(
        ["3868899112.4128253975", "3868899112.4128253976", "7.25"]
    )


def test_long_integer_ids_in_a_json_array(tmp_path: Path) -> None:
    ids = [10**25 + k for k in range(3)]
    path = tmp_path / "ids.json"
    rows = [{"user_id": uid, "event": "view", "timestamp": TIMES[i]} for i, uid in enumerate(ids)]
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert _actor_per_row(path) == Counter(str(uid) for uid in ids)


# --- 5. invalid UTF-8 inside JSON values -------------------------------------------------


def test_invalid_utf8_in_json_lines_is_replaced_and_noted_at_import(tmp_path: Path) -> None:
    good = [
        json.dumps(
            {"user_id": f"Zoë-{i}", "event": "view", "timestamp": TIMES[i]}, ensure_ascii=False
        )
        for i in range(5)
    ]
    raw = [line.encode("utf-8") for line in good]
    raw[2] = raw[2].replace(b"Zo\xc3\xab-2", b"Zo\xff-2")  # a broken byte on line 3
    path = tmp_path / "broken.ndjson"
    path.write_bytes(b"\n".join(raw) + b"\n")
    table = load_events(path)
    report = table.report
    assert report.rows_kept == 5
    ids = sorted(table.actor_ids.to_pylist())
    assert ids == sorted(["Zo\ufffd-2", "Zoë-0", "Zoë-1", "Zoë-3", "Zoë-4"])  # the rest untouched
    [note] = [n for n in report.notes if "UTF-8" in n]
    assert note.startswith(f"{path.name}: 1 line(s)")
    assert "line 3" in note


def test_cp1252_json_lines_are_read_as_windows_1252(tmp_path: Path) -> None:
    rows = [{"user_id": "Zürich", "event": "view", "timestamp": TIMES[i]} for i in range(3)]
    path = tmp_path / "legacy.ndjson"
    path.write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("cp1252")
    )
    table = load_events(path)
    assert table.actor_ids.to_pylist() == ["Zürich"]
    assert any("Windows-1252" in n and "line 1" in n for n in table.report.notes)


def test_invalid_utf8_in_a_json_document(tmp_path: Path) -> None:
    rows = [{"user_id": f"用户-{i}", "event": "view", "timestamp": TIMES[i]} for i in range(3)]
    blob = json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8").replace(b"-1", b"\xfe1")
    path = tmp_path / "broken.json"
    path.write_bytes(blob)
    table = load_events(path)
    assert "用户\ufffd1" in table.actor_ids.to_pylist()
    assert any(path.name in n and "UTF-8" in n for n in table.report.notes)


# --- 6. damaged Parquet --------------------------------------------------------------------


def _parquet_blob(compression: str) -> bytes:
    n = 200
    table = pa.table(
        {
            "user_id": [f"u{i % 50}" for i in range(n)],
            "event": [f"e{i % 7}" for i in range(n)],
            "timestamp": pa.array(
                [1_709_280_000_000_000 + i * 10**6 for i in range(n)], pa.timestamp("us", tz="UTC")
            ),
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=compression)
    return buf.getvalue()


@pytest.mark.parametrize("compression", ["none", "snappy", "zstd"])
def test_damaged_parquet_is_one_clear_message(tmp_path: Path, compression: str) -> None:
    # Single-byte changes all over the file: whatever Arrow makes of them (broken text,
    # codec errors, bad page headers), the outcome is a table or one ImportFailed.
    good = _parquet_blob(compression)
    path = tmp_path / "damaged.parquet"
    for position in range(8, len(good) - 8, 11):
        blob = bytearray(good)
        blob[position] ^= 0x5A
        path.write_bytes(bytes(blob))
        try:
            _counts_add_up(path)
        except ImportFailed as exc:
            check_message(exc, path.name)


def test_parquet_with_out_of_range_dictionary_codes_is_refused(tmp_path: Path) -> None:
    # The user ids' dictionary holds u0..u49 and is followed by their data page: codes
    # are bit-packed 6 bits wide, so 0xFF bytes there make codes of 63 (issue 15: an
    # ArrowIndexError from deep in the loader before).
    good = _parquet_blob("none")
    start = good.index(b"u49") + 3
    path = tmp_path / "codes.parquet"
    refused = 0
    for position in range(start, start + 80):
        blob = bytearray(good)
        blob[position] = 0xFF
        path.write_bytes(bytes(blob))
        try:
            _counts_add_up(path)
        except ImportFailed as exc:
            refused += 1
            check_message(exc, path.name)
    assert refused


# --- 11. a header cell with a line break ----------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_header_with_a_quoted_line_break(tmp_path: Path, newline: str) -> None:
    lines = ['"user\nid",event,"event\ntime"'] + [
        f'u{i},"step{newline}{i % 2}",{TIMES[i]}' if i == 2 else f"u{i},step_{i % 2},{TIMES[i]}"
        for i in range(5)
    ]
    path = tmp_path / "header.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    raw = read_raw([path])
    assert raw.table.column_names == ["user id", "event", "event time"]
    assert raw.malformed == 0
    assert raw.table["user id"].to_pylist() == [f"u{i}" for i in range(5)]
    table = load_events(path)
    assert table.report.mapping.describe("actor") == "user id"
    assert table.report.rows_kept == 5


# --- 12. messages for files with no rows -----------------------------------------------------


@pytest.mark.parametrize("text", ["user_id,event,timestamp", "# export\nuser_id,event,timestamp"])
def test_header_only_without_final_newline(tmp_path: Path, text: str) -> None:
    path = tmp_path / "header.csv"
    path.write_text(text, encoding="ascii")
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    message = check_message(info.value, path.name, "header", "no data rows", "user_id")
    assert "skip" not in message


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("42", "a number"),
        ("null", "null"),
        ("-1.5e3\n", "a number"),
        ('"hello"', "text"),
        ("true", "true or false"),
    ],
)
def test_a_single_json_value_is_not_events(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / "value.json"
    path.write_text(text, encoding="ascii")
    with pytest.raises(ImportFailed) as info:
        load_events(path)
    message = check_message(info.value, path.name, "expected JSON objects", kind)
    assert "skip" not in message
