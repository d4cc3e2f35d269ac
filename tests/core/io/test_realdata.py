"""Real exports from ../shared/realdata: counts from its README, checked against the csv module.

Every expected value comes from realdata/README.md or from reading the file with
Python's csv module, never from the loader itself.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from funnel_gui.core.io import ImportFailed, load_events
from funnel_gui.core.io.readers import read_source
from funnel_gui.core.io.sources import open_sources

REES46 = "rees46_oct2019_5k/user_behavior_sample.csv"
GA4 = "ga4_obfuscated_items_slice/ga4_sample.csv"
UCI = "uci_online_shoppers_semicolon/online_shoppers_intention.csv"

pytestmark = pytest.mark.realdata


def csv_rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        return header, list(reader)


# --- REES46: a real event log ----------------------------------------------------------


def test_rees46_loads_with_the_readme_counts(realdata: Path) -> None:
    table = load_events(realdata / REES46)
    report = table.report
    assert report.rows_read == 4_999
    assert report.rows_kept == len(table) == 4_999
    assert report.dropped == {}
    catalog = dict(zip(table.event_catalog["event"], table.event_catalog["count"], strict=True))
    assert catalog == {"view": 4_895, "cart": 50, "purchase": 54}
    assert table.n_actors == report.actors == 1_747
    assert table.n_sessions == report.sessions == 1_898
    assert report.mapping.to_dict() == {
        "actor": "user_id",
        "event": "event_type",
        "time": "event_time",
        "session": "user_session",
    }


def test_rees46_time_span_matches_the_file(realdata: Path) -> None:
    report = load_events(realdata / REES46).report
    _, rows = csv_rows(realdata / REES46)
    # "2019-10-01 00:00:00 UTC" parsed by hand, independent of the loader.
    stamps = [datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC) for r in rows]
    first, last = min(stamps), max(stamps)
    assert report.time_span is not None
    assert report.time_span[0] == "2019-10-01T00:00:00Z"
    assert report.time_span == (
        first.strftime("%Y-%m-%dT%H:%M:%SZ"),
        last.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def test_rees46_exact_duplicates_are_counted_not_dropped(realdata: Path) -> None:
    _, rows = csv_rows(realdata / REES46)
    copies = Counter(tuple(r) for r in rows)
    repeated = {row: n for row, n in copies.items() if n > 1}
    assert list(repeated.values()) == [4]  # one row appears four times
    extra_copies = sum(n - 1 for n in copies.values())
    assert extra_copies == 3

    kept = load_events(realdata / REES46)
    assert kept.report.exact_duplicates == extra_copies
    assert not kept.report.exact_duplicates_removed
    assert len(kept) == len(rows)

    dropped = load_events(realdata / REES46, drop_exact_duplicates=True)
    assert dropped.report.exact_duplicates == extra_copies
    assert dropped.report.exact_duplicates_removed
    assert len(dropped) == len(rows) - extra_copies
    assert dropped.report.rows_read == dropped.report.rows_kept + dropped.report.rows_removed


def test_rees46_category_ids_keep_all_19_digits(realdata: Path) -> None:
    header, rows = csv_rows(realdata / REES46)
    col = header.index("category_id")
    expected = [r[col] for r in rows]
    assert any(len(v) == 19 for v in expected)
    assert any(int(float(v)) != int(v) for v in expected)  # float64 would change them

    table = load_events(realdata / REES46)
    # Properties are stored in input order: row i is the file's data row i.
    assert table.properties["category_id"].to_pylist() == expected
    # Typed for analysis, they stay text (exact), in the table's sorted row order.
    assert table.property_kind("category_id") == "text"
    in_table_order = [expected[i] for i in table.row.tolist()]
    assert table.property_values("category_id").to_pylist() == in_table_order


def test_rees46_actor_ids_are_the_files_user_ids(realdata: Path) -> None:
    header, rows = csv_rows(realdata / REES46)
    col = header.index("user_id")
    table = load_events(realdata / REES46)
    assert set(table.actor_ids.to_pylist()) == {r[col] for r in rows}
    per_row = table.actor_ids.take(table.actor).to_pylist()
    assert per_row == [rows[i][col] for i in table.row.tolist()]


# --- GA4 items slice: float-looking ids, no event name -----------------------------------


def test_ga4_is_refused_without_an_event_mapping(realdata: Path) -> None:
    with pytest.raises(ImportFailed) as info:
        load_events(realdata / GA4)
    assert "item_name" in info.value.mappable["event"]


def test_ga4_user_pseudo_ids_survive_exactly(realdata: Path) -> None:
    header, rows = csv_rows(realdata / GA4)
    col = header.index("user_pseudo_id")
    ids = [r[col] for r in rows]
    # The test has teeth: float64 would change most of these ids (README: 15,485 of 16,003).
    changed = sum(1 for v in ids if repr(float(v)) != v)
    assert (changed, len(ids)) == (15_485, 16_003)

    table = load_events(realdata / GA4, mapping={"event": "item_name"})
    assert table.report.mapping.actor == ("user_pseudo_id",)
    assert len(table) == len(rows)
    assert set(table.actor_ids.to_pylist()) == set(ids)
    assert table.n_actors == len(set(ids)) == 4_418
    per_row = table.actor_ids.take(table.actor).to_pylist()
    assert per_row == [ids[i] for i in table.row.tolist()]


def test_ga4_event_timestamp_is_read_as_epoch_microseconds(realdata: Path) -> None:
    header, rows = csv_rows(realdata / GA4)
    col = header.index("event_timestamp")
    table = load_events(realdata / GA4, mapping={"event": "item_name"})
    assert table.report.mapping.time == ("event_timestamp",)
    # µs to ns by integer arithmetic: exact, unlike float64 for 16-digit values.
    assert table.time.tolist() == [int(rows[i][col]) * 1_000 for i in table.row.tolist()]


# --- UCI: semicolons and CRLF, and not an event log ------------------------------------


def test_uci_is_refused_as_not_an_event_log(realdata: Path) -> None:
    with pytest.raises(ImportFailed) as info:
        load_events(realdata / UCI)
    assert "not look like an event log" in info.value.message


def test_uci_semicolon_crlf_is_parsed(realdata: Path) -> None:
    path = realdata / UCI
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 12_000  # every line ends in CRLF
    header, rows = csv_rows(path, delimiter=";")
    assert (len(header), len(rows)) == (18, 12_330)

    [source] = open_sources([path])
    result = read_source(source)
    table = result.table
    assert result.malformed == 0
    assert table.num_columns == 18
    assert table.num_rows == 12_330
    assert table.column_names == header
    assert not any(v.endswith("\r") for v in table[header[-1]].to_pylist())
    assert table.to_pylist()[0] == dict(zip(header, rows[0], strict=True))
    assert table.to_pylist()[-1] == dict(zip(header, rows[-1], strict=True))
