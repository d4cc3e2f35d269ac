"""User ids come out exactly as written, whatever the file format (EXPORT_FORMATS §0).

Fixtures are built here: the same ids written as CSV, NDJSON (as JSON strings and,
for integers, as JSON numbers up to 2**63 - 1), a JSON array, and Parquet (string
and int64 columns). The expected ids are the Python values that were written.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_gui.core.io import load_events

MAPPING = {"actor": "user_id", "event": "event", "time": "timestamp"}
BASE_SECONDS = 1_709_280_000  # 2024-03-01T08:00:00Z

TEXT_IDS = [
    "3418334011779872055",  # GA360 fullVisitorId, 19 digits
    "2103807459595387724",  # REES46 category_id style
    "9223372036854775807",  # 2**63 - 1
    "18446744073709551615",  # 2**64 - 1: beyond int64
    "007",
    "0000000000000000042",
    "3868899112.4128253975",  # GA4 user_pseudo_id
    "1.0",
    "1e5",
    "-0",
    "+49 30 1234567",
    "user 42",
    "  padded  ",
    "Zoë Ångström",
    "用户-七",
    "emoji-😀",
    "NA",
    "null",
    "NaN",
    "None",
    "true",
    'say "hi", then leave',
    "semi;colon|pipe\ttab",
]
INT_IDS = [
    0,
    7,
    2**53 + 1,  # the first integer float64 cannot hold
    3418334011779872055,
    2103807459595387724,
    2**63 - 1,
    -(2**63) + 1,
]

Writer = Callable[[Path, Sequence[object]], Path]


def _rows(ids: Sequence[object]) -> list[tuple[object, str, int]]:
    return [(uid, "view" if i % 2 else "purchase", BASE_SECONDS + i) for i, uid in enumerate(ids)]


def _iso(seconds: int) -> str:
    hours, rest = divmod(seconds - BASE_SECONDS, 3600)
    minutes, secs = divmod(rest, 60)
    return f"2024-03-{1 + (8 + hours) // 24:02d}T{(8 + hours) % 24:02d}:{minutes:02d}:{secs:02d}Z"


def write_csv(path: Path, ids: Sequence[object]) -> Path:
    path = path.with_suffix(".csv")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["timestamp", "user_id", "event"])
        for uid, event, seconds in _rows(ids):
            writer.writerow([_iso(seconds), uid, event])
    return path


def write_ndjson(path: Path, ids: Sequence[object]) -> Path:
    path = path.with_suffix(".ndjson")
    lines = [
        json.dumps({"user_id": uid, "event": event, "timestamp": seconds}, ensure_ascii=False)
        for uid, event, seconds in _rows(ids)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_json_array(path: Path, ids: Sequence[object]) -> Path:
    path = path.with_suffix(".json")
    records = [
        {"user_id": uid, "event": event, "timestamp": _iso(seconds)}
        for uid, event, seconds in _rows(ids)
    ]
    path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path


def write_parquet(path: Path, ids: Sequence[object]) -> Path:
    path = path.with_suffix(".parquet")
    rows = _rows(ids)
    id_type = pa.int64() if all(isinstance(uid, int) for uid in ids) else pa.string()
    table = pa.table(
        {
            "user_id": pa.array([r[0] for r in rows], id_type),
            "event": pa.array([r[1] for r in rows], pa.string()),
            "timestamp": pa.array([r[2] * 1_000_000 for r in rows], pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(table, path)
    return path


TEXT_WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "ndjson": write_ndjson,
    "json-array": write_json_array,
    "parquet-string": write_parquet,
}
INT_WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "ndjson-numbers": write_ndjson,
    "json-array-numbers": write_json_array,
    "parquet-int64": write_parquet,
}


def actor_ids_per_row(path: Path) -> Counter[str]:
    table = load_events(path, mapping=MAPPING)
    assert table.report.dropped == {}
    return Counter(table.actor_ids.take(table.actor).to_pylist())


@pytest.mark.parametrize("fmt", list(TEXT_WRITERS))
def test_text_ids_survive_exactly(tmp_path: Path, fmt: str) -> None:
    ids = [uid for uid in TEXT_IDS for _ in range(2)]  # each id twice, two events
    path = TEXT_WRITERS[fmt](tmp_path / "ids", ids)
    assert actor_ids_per_row(path) == Counter(ids)


@pytest.mark.parametrize("fmt", list(INT_WRITERS))
def test_integer_ids_survive_exactly(tmp_path: Path, fmt: str) -> None:
    ids = [uid for uid in INT_IDS for _ in range(2)]
    assert any(float(uid) != uid for uid in ids)  # float64 would merge or change some
    path = INT_WRITERS[fmt](tmp_path / "ids", ids)
    assert actor_ids_per_row(path) == Counter(str(uid) for uid in ids)


def test_ndjson_mixing_number_and_string_ids(tmp_path: Path) -> None:
    # Types that change between lines send the reader down its line-by-line path.
    ids: list[object] = [3418334011779872055, "3418334011779872056", 2**63 - 1, "007", 42]
    path = write_ndjson(tmp_path / "mixed", ids)
    assert actor_ids_per_row(path) == Counter(str(uid) for uid in ids)


def test_ndjson_ids_as_bigquery_int64_strings(tmp_path: Path) -> None:
    # BigQuery writes INT64 as JSON strings; a big number and its neighbour stay apart.
    ids = [str(2**62 + k) for k in range(5)]
    assert len({float(uid) for uid in ids}) == 1  # all the same to float64
    path = write_ndjson(tmp_path / "bq", ids)
    assert actor_ids_per_row(path) == Counter(ids)


# --- property-based: any id that is not blank -------------------------------------------

id_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=24,
).filter(lambda s: s.strip() != "")
digit_ids = st.integers(min_value=0, max_value=10**25).map(str)
leading_zero_ids = st.integers(min_value=0, max_value=10**20).map(lambda n: f"00{n}")
any_id = st.one_of(id_text, digit_ids, leading_zero_ids)
id_lists = st.lists(any_id, min_size=2, max_size=12)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(ids=id_lists, fmt=st.sampled_from(sorted(TEXT_WRITERS)))
def test_any_text_id_survives(ids: list[str], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = TEXT_WRITERS[fmt](Path(tmp) / "ids", ids)
        assert actor_ids_per_row(path) == Counter(ids)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    ids=st.lists(st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1), min_size=2, max_size=12),
    fmt=st.sampled_from(sorted(INT_WRITERS)),
)
def test_any_int64_id_survives(ids: list[int], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = INT_WRITERS[fmt](Path(tmp) / "ids", ids)
        assert actor_ids_per_row(path) == Counter(str(uid) for uid in ids)
