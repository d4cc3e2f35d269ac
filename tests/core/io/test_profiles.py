"""Every export profile end to end: fixtures are written here, then opened with `load_events`.

Each group builds a handful of events in the vendor's own shape (EXPORT_FORMATS.md),
writes them the way the vendor does (NDJSON, gzip, zip, Parquet, CSV), and checks the
EventTable against numbers that can be counted off the fixture by hand.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from funnel_gui.core.events import EventTable
from funnel_gui.core.io import ImportFailed, load_events
from tests.core.io.exportfixtures import (
    GA4_SCHEMA,
    POSTHOG_BATCH_SCHEMA,
    Record,
    amplitude_event,
    bigquery_json,
    ga4_event,
    ga4_item,
    ga4_param,
    mixpanel_event,
    ndjson_bytes,
    posthog_batch_event,
    posthog_batch_parquet_row,
    segment_call,
    utc_ns,
    write_delimited,
    write_ndjson,
    write_parquet,
    write_zip,
)

# --- helpers ----------------------------------------------------------------------------


def rows(table: EventTable, *props: str) -> list[tuple[Any, ...]]:
    """(actor id, event name, time ns, *property values) per row, in table order."""
    ids = table.actor_ids.to_pylist()
    columns = [table.properties[p].to_pylist() for p in props]
    return [
        (ids[a], table.event_names[e], int(t), *(col[r] for col in columns))
        for a, e, t, r in zip(table.actor, table.event, table.time, table.row, strict=True)
    ]


def sequences(table: EventTable) -> dict[str, list[str]]:
    """Each actor's event names in table order."""
    out: dict[str, list[str]] = {}
    for actor, event, *_ in rows(table):
        out.setdefault(actor, []).append(event)
    return out


def sessions_of(table: EventTable) -> dict[str, set[int]]:
    """The session codes each actor's rows carry."""
    assert table.session is not None
    ids = table.actor_ids.to_pylist()
    out: dict[str, set[int]] = {}
    for a, s in zip(table.actor, table.session, strict=True):
        out.setdefault(ids[a], set()).add(int(s))
    return out


def assert_vendor(table: EventTable, profile: str) -> None:
    assert table.report.profile == profile
    assert table.report.confidence >= 0.9


# --- GA4 BigQuery export (EXPORT_FORMATS §1) --------------------------------------------

GA_A = "1146540.1921992520"  # float-looking pseudo ids: float64 would change both
GA_B = "3868899112.4128253975"
GA_C = "27.1611700000"  # logged in: user_id "u-42" wins over this pseudo id
GA_D = "998877.1122334455"  # only on day 2
SHARED_SESSION = 3599645542  # the same ga_session_id under A and B: two sessions
T0 = 1611798022695757  # µs, 2021-01-28T01:40:22.695757Z
SECOND = 1_000_000  # µs
TEE, CAP = ga4_item("GGOEGXXX1", "Tee", 20.0), ga4_item("GGOEGXXX2", "Cap", 15.0)
LANDING = "https://shop.googlemerchandisestore.com/"


def ga4_day1() -> list[Record]:
    """3 users, 7 events, 3 sessions; file order is by arrival, not by user.

    A (no user_id): page_view, view_item (2 items), add_to_cart (1 item) in SHARED_SESSION
    B (no user_id): page_view, view_item (1 item) in SHARED_SESSION, on mobile from India
    C (user_id u-42): page_view, purchase (1 item, quantity 3) in session 1611800000;
      user properties customer_tier "gold" and newsletter_opt_in cleared (all slots null)
    `session_engaged` is a string_value on A's page_view and an int_value on A's view_item.
    """
    a = {"pseudo_id": GA_A, "session_id": SHARED_SESSION}
    b = {
        "pseudo_id": GA_B,
        "session_id": SHARED_SESSION,
        "device_category": "mobile",
        "country": "India",
        "source": "google",
    }
    c = {"pseudo_id": GA_C, "user_id": "u-42", "session_id": 1611800000}
    return [
        ga4_event(
            name="page_view",
            ts_us=T0,
            **a,
            params=[
                ga4_param("page_location", string=LANDING),
                ga4_param("session_engaged", string="1"),
            ],
        ),
        ga4_event(
            name="page_view",
            ts_us=T0 + 1 * SECOND,
            **c,
            user_properties=[("customer_tier", "gold"), ("newsletter_opt_in", None)],
        ),
        ga4_event(name="page_view", ts_us=T0 + 5 * SECOND, **b),
        ga4_event(
            name="view_item",
            ts_us=T0 + 10 * SECOND,
            **a,
            items=[TEE, CAP],
            params=[ga4_param("session_engaged", int_=1)],
        ),
        ga4_event(name="view_item", ts_us=T0 + 15 * SECOND, **b, items=[CAP]),
        ga4_event(name="add_to_cart", ts_us=T0 + 20 * SECOND, **a, items=[TEE]),
        ga4_event(
            name="purchase",
            ts_us=T0 + 60 * SECOND,
            **c,
            items=[ga4_item("GGOEGXXX1", "Tee", 20.0, quantity=3)],
            params=[ga4_param("value", double=60.0)],
            transaction_id="T-1001",
        ),
    ]


DAY = 86_400 * SECOND


def ga4_day2() -> list[Record]:
    """A comes back in a new session (2 events); D is new (1 event). No user_id or user
    properties anywhere in this file."""
    return [
        ga4_event(name="page_view", ts_us=T0 + DAY, pseudo_id=GA_A, session_id=3599731942),
        ga4_event(
            name="page_view", ts_us=T0 + DAY + 30 * SECOND, pseudo_id=GA_D, session_id=1611884453
        ),
        ga4_event(
            name="purchase",
            ts_us=T0 + DAY + 90 * SECOND,
            pseudo_id=GA_A,
            session_id=3599731942,
            items=[CAP],
        ),
    ]


def write_ga4_ndjson(path: Path, records: Sequence[Record], *, gz: bool = False) -> Path:
    return write_ndjson(path, [bigquery_json(r) for r in records], gz=gz)


@pytest.fixture
def ga4_file(tmp_path: Path) -> Path:
    return write_ga4_ndjson(tmp_path / "events_20210128.json", ga4_day1())


def test_ga4_fixture_has_int64_as_json_strings(ga4_file: Path) -> None:
    text = ga4_file.read_text()
    assert f'"event_timestamp": "{T0}"' in text
    assert '"int_value": "3599645542"' in text
    assert '"float_value": null' in text


def test_ga4_ndjson_is_detected_and_counted(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    assert_vendor(table, "ga4")
    report = table.report
    assert report.mapping.actor == ("user_id", "user_pseudo_id")
    assert report.mapping.event == ("event_name",)
    assert report.mapping.time == ("event_timestamp",)
    assert (report.rows_read, report.rows_kept, len(table)) == (7, 7, 7)
    assert report.actors == table.n_actors == 3
    assert set(table.event_names) == {"page_view", "view_item", "add_to_cart", "purchase"}


def test_ga4_timestamps_are_microseconds(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    first = {(actor, event): t for actor, event, t in rows(table)}
    assert first[GA_A, "page_view"] == T0 * 1000
    assert first["u-42", "purchase"] == (T0 + 60 * SECOND) * 1000
    assert table.report.time_span == ("2021-01-28T01:40:22.695757Z", "2021-01-28T01:41:22.695757Z")


def test_ga4_actor_is_user_id_else_pseudo_id_kept_exactly(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    assert sorted(table.actor_ids.to_pylist()) == sorted([GA_A, GA_B, "u-42"])
    assert sequences(table) == {
        GA_A: ["page_view", "view_item", "add_to_cart"],
        GA_B: ["page_view", "view_item"],
        "u-42": ["page_view", "purchase"],
    }


def test_ga4_session_id_shared_by_two_users_is_two_sessions(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    assert table.n_sessions == table.report.sessions == 3
    per_actor = sessions_of(table)
    assert all(len(codes) == 1 for codes in per_actor.values())
    assert per_actor[GA_A] != per_actor[GA_B]
    assert -1 not in set().union(*per_actor.values())


def test_ga4_params_and_nested_fields_are_properties(ga4_file: Path) -> None:
    names = set(load_events(ga4_file).property_names)
    assert {
        "page_location",
        "session_engaged",
        "value",
        "device.category",
        "geo.country",
        "traffic_source.source",
        "items.count",
        "user.customer_tier",
    } <= names
    assert not {n for n in names if n.startswith(("event_params.", "user_properties."))}
    # ga_session_id is the session, user ids are the actor: not repeated as properties
    assert not names & {"ga_session_id", "user_id", "user_pseudo_id", "event_name"}


def test_ga4_values_coalesced_across_slots(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    got = {
        (a, e): rest
        for a, e, _t, *rest in rows(
            table,
            "session_engaged",
            "page_location",
            "value",
            "device.category",
            "geo.country",
            "traffic_source.source",
            "user.customer_tier",
        )
    }
    assert got[GA_A, "page_view"] == [
        "1",
        LANDING,
        None,
        "desktop",
        "United States",
        "(direct)",
        None,
    ]
    assert got[GA_A, "view_item"][0] == "1"  # from int_value this time
    assert got[GA_B, "page_view"][3:6] == ["mobile", "India", "google"]
    assert got["u-42", "purchase"][2] == "60"
    assert got["u-42", "page_view"][6] == "gold"


def test_ga4_items_become_a_count_not_rows(ga4_file: Path) -> None:
    table = load_events(ga4_file)
    assert len(table) == 7
    counts = {(a, e): n for a, e, _t, n in rows(table, "items.count")}
    assert counts == {
        (GA_A, "page_view"): 0,
        (GA_A, "view_item"): 2,
        (GA_A, "add_to_cart"): 1,
        (GA_B, "page_view"): 0,
        (GA_B, "view_item"): 1,
        ("u-42", "page_view"): 0,
        ("u-42", "purchase"): 1,
    }


def test_ga4_parquet_loads_like_ndjson(tmp_path: Path, ga4_file: Path) -> None:
    parquet = write_parquet(tmp_path / "events_20210128.parquet", ga4_day1(), GA4_SCHEMA)
    assert parquet.read_bytes()[:4] == b"PAR1"
    from_json, from_parquet = load_events(ga4_file), load_events(parquet)
    assert_vendor(from_parquet, "ga4")
    assert len(from_parquet) == len(from_json) == 7
    assert from_parquet.n_actors == from_json.n_actors == 3
    assert from_parquet.n_sessions == from_json.n_sessions == 3
    assert rows(from_parquet) == rows(from_json)
    assert set(from_parquet.property_names) == set(from_json.property_names)
    shared = ["session_engaged", "page_location", "value", "items.count", "device.category"]
    assert [[str(v) for v in r] for r in rows(from_parquet, *shared)] == [
        [str(v) for v in r] for r in rows(from_json, *shared)
    ]


def ga4_two_days(tmp_path: Path) -> Path:
    folder = tmp_path / "bq_export"
    folder.mkdir()
    write_ga4_ndjson(folder / "events_20210128.json", ga4_day1())
    write_ga4_ndjson(folder / "events_20210129.json.gz", ga4_day2(), gz=True)
    return folder


@pytest.mark.parametrize("as_folder", [False, True], ids=["file-list", "folder"])
def test_ga4_daily_files_are_concatenated(tmp_path: Path, as_folder: bool) -> None:
    folder = ga4_two_days(tmp_path)
    target: Path | list[Path] = (
        folder
        if as_folder
        else [folder / "events_20210128.json", folder / "events_20210129.json.gz"]
    )
    table = load_events(target)
    assert_vendor(table, "ga4")
    assert len(table.report.sources) == 2
    # day 1: 7 events, 3 actors, 3 sessions; day 2: 3 events, A again plus new D, 2 sessions
    assert (table.report.rows_read, len(table)) == (10, 10)
    assert sorted(table.actor_ids.to_pylist()) == sorted([GA_A, GA_B, "u-42", GA_D])
    assert table.n_sessions == 5
    assert sequences(table)[GA_A] == [
        "page_view",
        "view_item",
        "add_to_cart",
        "page_view",
        "purchase",
    ]
    assert table.report.time_span == ("2021-01-28T01:40:22.695757Z", "2021-01-29T01:41:52.695757Z")


def test_ga4_file_without_user_properties_has_no_count_property(tmp_path: Path) -> None:
    # Every `user_properties` list in this file is empty: nothing to pivot, nothing to count.
    table = load_events(write_ga4_ndjson(tmp_path / "events_20210129.json", ga4_day2()))
    assert len(table) == 3
    assert not {n for n in table.property_names if n.startswith(("user.", "user_properties"))}
    assert "items.count" in table.property_names  # a real, all-zero-or-more count


def test_ga4_cut_short_file_reads_the_rest_the_same_way(tmp_path: Path, ga4_file: Path) -> None:
    # A download interrupted mid-line: the reader falls back to line-by-line parsing.
    broken = tmp_path / "events_20210128_partial.json"
    broken.write_bytes(ga4_file.read_bytes() + b'{"event_date": "20210128", "event_timest')
    clean, partial = load_events(ga4_file), load_events(broken)
    assert partial.report.dropped == {"malformed": 1}
    assert (partial.report.rows_read, len(partial)) == (8, 7)
    assert rows(partial) == rows(clean)
    # the cleared user property has no value in either path (not its set_timestamp_micros)
    assert set(partial.property_names) == set(clean.property_names)
    assert "user.newsletter_opt_in" not in clean.property_names
    for name in ("value", "items.count", "session_engaged", "user.customer_tier"):
        # the line-by-line path keeps text: compare as Arrow's typed path would print it
        assert [None if v is None else str(v) for v in partial.properties[name].to_pylist()] == [
            None if v is None else str(v) for v in clean.properties[name].to_pylist()
        ], name


# --- Mixpanel raw export (EXPORT_FORMATS §3) --------------------------------------------

MP_T = 1602611311  # seconds


def mixpanel_events(scale: int = 1) -> list[Record]:
    """2 users, 5 events; `scale=1000` writes `time` in milliseconds (Import API style)."""
    return [
        mixpanel_event(
            "Signed up",
            time=MP_T * scale,
            distinct_id="user123",
            insert_id="hpuDqcvpltpCjBsebtxwadtEBDnFAdycabFb",
            **{"Referred by": "Friend"},
        ),
        mixpanel_event(
            "Viewed Item",
            time=(MP_T + 60) * scale,
            distinct_id="user123",
            insert_id="ins-0002",
            **{"Item Name": "Red Shoes"},
        ),
        mixpanel_event(
            "Signed up",
            time=(MP_T + 89) * scale,
            distinct_id="user456",
            insert_id="ins-0003",
            **{"Referred by": "Ad"},
        ),
        mixpanel_event(
            "Viewed Item",
            time=(MP_T + 149) * scale,
            distinct_id="user456",
            insert_id="ins-0004",
            **{"Item Name": "Blue Hat"},
        ),
        mixpanel_event(
            "Purchased",
            time=(MP_T + 189) * scale,
            distinct_id="user123",
            insert_id="ins-0005",
            **{"Order Total": 49.5},
        ),
    ]


def test_mixpanel_jsonl_is_detected_and_counted(tmp_path: Path) -> None:
    table = load_events(write_ndjson(tmp_path / "export.json", mixpanel_events()))
    assert_vendor(table, "mixpanel")
    assert (table.report.rows_read, len(table), table.n_actors) == (5, 5, 2)
    assert table.report.duplicates_removed == 0
    assert sequences(table) == {
        "user123": ["Signed up", "Viewed Item", "Purchased"],
        "user456": ["Signed up", "Viewed Item"],
    }
    assert rows(table)[0][2] == utc_ns("2020-10-13T17:48:31Z")
    assert table.session is None


def test_mixpanel_time_in_ms_gives_the_same_instants(tmp_path: Path) -> None:
    seconds = load_events(write_ndjson(tmp_path / "s.json", mixpanel_events()))
    millis = load_events(write_ndjson(tmp_path / "ms.json", mixpanel_events(scale=1000)))
    assert rows(millis) == rows(seconds)


def test_mixpanel_properties_lose_their_prefix(tmp_path: Path) -> None:
    table = load_events(write_ndjson(tmp_path / "export.json", mixpanel_events()))
    names = set(table.property_names)
    assert {
        "Referred by",
        "Item Name",
        "Order Total",
        "$browser",
        "mp_processing_time_ms",
        "$insert_id",
    } <= names
    assert not {n for n in names if n.startswith("properties.")}
    assert not names & {"time", "distinct_id", "event"}
    referred = {(a, e): v for a, e, _t, v in rows(table, "Referred by")}
    assert referred["user456", "Signed up"] == "Ad"


def test_mixpanel_same_insert_id_at_another_time_is_not_a_duplicate(tmp_path: Path) -> None:
    events = mixpanel_events()
    retried = mixpanel_event(
        "Viewed Item",
        time=MP_T + 61,
        distinct_id="user123",
        insert_id="ins-0002",
        **{"Item Name": "Red Shoes"},
    )
    table = load_events(write_ndjson(tmp_path / "export.json", [*events, retried]))
    assert table.report.duplicates_removed == 0
    assert len(table) == 6


def test_mixpanel_repeated_line_is_removed_as_duplicate(tmp_path: Path) -> None:
    events = mixpanel_events()
    table = load_events(write_ndjson(tmp_path / "export.json", [*events, events[1]]))
    assert table.report.rows_read == 6
    assert table.report.duplicates_removed == 1
    assert len(table) == table.report.rows_kept == 5


def test_mixpanel_two_events_in_one_second_are_both_kept_in_file_order(tmp_path: Path) -> None:
    events = [
        mixpanel_event("Viewed Item", time=MP_T, distinct_id="user123", insert_id="i-1"),
        mixpanel_event("Added to Cart", time=MP_T, distinct_id="user123", insert_id="i-2"),
    ]
    table = load_events(write_ndjson(tmp_path / "export.json", events))
    assert sequences(table) == {"user123": ["Viewed Item", "Added to Cart"]}
    assert table.report.duplicates_removed == 0


# --- Amplitude export (EXPORT_FORMATS §4) -----------------------------------------------

S1, S2 = 1581728400000, 1581733800000  # session starts, epoch ms


def amplitude_hour1() -> list[Record]:
    return [
        amplitude_event(
            event_type="Open App",
            event_time="2020-02-15 01:00:00.123456",
            insert_id="i-1",
            user_id="alice",
            device_id="dev-a",
            session_id=S1,
            amplitude_id=500_000_001,
            event_properties={"source page": "home"},
            user_properties={"plan": "free"},
        ),
        amplitude_event(
            event_type="View Item",
            event_time="2020-02-15 01:05:00.000001",
            insert_id="i-2",
            user_id="alice",
            device_id="dev-a",
            session_id=S1,
            amplitude_id=500_000_001,
            event_properties={"item id": "sku-1", "price": 9.99},
        ),
        amplitude_event(
            event_type="Open App",
            event_time="2020-02-15 01:10:00.500000",
            insert_id="i-3",
            device_id="dev-x",
            session_id=-1,
            amplitude_id=500_000_002,
        ),
    ]


def amplitude_hour2() -> list[Record]:
    return [
        amplitude_event(
            event_type="Purchase",
            event_time="2020-02-15 02:00:00.250000",
            insert_id="i-4",
            user_id="alice",
            device_id="dev-a",
            session_id=S1,
            amplitude_id=500_000_001,
            event_properties={"item id": "sku-1", "price": 9.99},
        ),
        amplitude_event(
            event_type="Open App",
            event_time="2020-02-15 02:30:00.000000",
            insert_id="i-5",
            user_id="bob",
            device_id="dev-b",
            session_id=S2,
            amplitude_id=500_000_003,
            user_properties={"plan": "pro"},
        ),
        amplitude_event(
            event_type="View Item",
            event_time="2020-02-15 02:40:00.000000",
            insert_id="i-6",
            device_id="dev-x",
            session_id=-1,
            amplitude_id=500_000_002,
            event_properties={"item id": "sku-2"},
        ),
    ]


def write_amplitude_zip(path: Path, hour2: Sequence[Record]) -> Path:
    return write_zip(
        path,
        {
            "123/123_2020-02-15_1#0.json.gz": gzip.compress(ndjson_bytes(amplitude_hour1())),
            "123/123_2020-02-15_2#0.json.gz": gzip.compress(ndjson_bytes(hour2)),
        },
    )


# Saved exports are often named *.json.gz although the bytes are the outer zip.
@pytest.mark.parametrize("name", ["export.zip", "123_20200215T01-20200215T02.json.gz"])
def test_amplitude_zip_reads_every_hour_file(tmp_path: Path, name: str) -> None:
    archive = write_amplitude_zip(tmp_path / name, amplitude_hour2())
    assert archive.read_bytes()[:2] == b"PK"
    table = load_events(archive)
    assert_vendor(table, "amplitude")
    assert len(table.report.sources) == 2
    # hour 1: 3 events, hour 2: 3 events; alice 3, dev-x (anonymous) 2, bob 1
    assert (table.report.rows_read, len(table)) == (6, 6)
    assert sequences(table) == {
        "alice": ["Open App", "View Item", "Purchase"],
        "dev-x": ["Open App", "View Item"],
        "bob": ["Open App"],
    }


def test_amplitude_times_without_zone_are_utc(tmp_path: Path) -> None:
    table = load_events(write_amplitude_zip(tmp_path / "export.zip", amplitude_hour2()))
    times = {(a, e): t for a, e, t in rows(table)}
    assert times["alice", "Open App"] == utc_ns("2020-02-15T01:00:00.123456Z")
    assert times["dev-x", "Open App"] == utc_ns("2020-02-15T01:10:00.500000Z")
    assert times["bob", "Open App"] == utc_ns("2020-02-15T02:30:00Z")


def test_amplitude_sessions_skip_minus_one(tmp_path: Path) -> None:
    table = load_events(write_amplitude_zip(tmp_path / "export.zip", amplitude_hour2()))
    assert table.n_sessions == 2  # alice's S1 and bob's S2
    per_actor = sessions_of(table)
    assert per_actor["dev-x"] == {-1}
    assert len(per_actor["alice"]) == len(per_actor["bob"]) == 1
    assert per_actor["alice"] != per_actor["bob"]
    assert -1 not in per_actor["alice"] | per_actor["bob"]


def test_amplitude_properties_are_flattened(tmp_path: Path) -> None:
    table = load_events(write_amplitude_zip(tmp_path / "export.zip", amplitude_hour2()))
    names = set(table.property_names)
    assert {"source page", "item id", "price", "user.plan"} <= names
    assert not {n for n in names if n.startswith(("event_properties.", "user_properties."))}
    got = {(a, e): rest for a, e, _t, *rest in rows(table, "item id", "user.plan")}
    assert got["alice", "View Item"] == ["sku-1", None]
    assert got["alice", "Open App"] == [None, "free"]
    assert got["bob", "Open App"] == [None, "pro"]
    assert got["dev-x", "View Item"] == ["sku-2", None]


def test_amplitude_single_hour_file(tmp_path: Path) -> None:
    table = load_events(
        write_ndjson(tmp_path / "123_2020-02-15_1#0.json.gz", amplitude_hour1(), gz=True)
    )
    assert_vendor(table, "amplitude")
    assert (len(table), table.n_actors, table.n_sessions) == (3, 2, 1)


def test_amplitude_insert_id_repeated_across_files_is_removed(tmp_path: Path) -> None:
    redelivered = amplitude_hour1()[1]  # "View Item" i-2 again in the next hour's file
    table = load_events(
        write_amplitude_zip(tmp_path / "export.zip", [*amplitude_hour2(), redelivered])
    )
    assert table.report.rows_read == 7
    assert table.report.duplicates_removed == 1
    assert len(table) == 6


# --- PostHog (EXPORT_FORMATS §5) ----------------------------------------------------------

POSTHOG_HEADER = [
    "id",
    "distinct_id",
    "properties.$browser",
    "event",
    "timestamp",
    "person",
    "elements_chain",
    "properties.$session_id",
]
PH_S1, PH_S2 = "0181d5e0-7a4e-7000-8000-00000000aa01", "0181d5e0-7a4e-7000-8000-00000000bb02"


def posthog_csv_rows() -> list[list[str | None]]:
    """2 users ("2" and "7"), 4 events, one session each."""
    return [
        [
            "e9ca132e-400f-4854-a83c-16c151b2f145",
            "2",
            "Safari",
            "$pageview",
            "2022-07-06T19:37:43.095295+00:00",
            None,
            None,
            PH_S1,
        ],
        [
            "0181d5e1-0000-7000-8000-000000000002",
            "2",
            "Safari",
            "$autocapture",
            "2022-07-06T19:38:00.000001+00:00",
            None,
            'button.btn:text="Buy"nth-child="1"',
            PH_S1,
        ],
        [
            "0181d5e1-0000-7000-8000-000000000003",
            "7",
            "Chrome",
            "$pageview",
            "2022-07-06T19:40:00.500000+00:00",
            None,
            None,
            PH_S2,
        ],
        [
            "0181d5e1-0000-7000-8000-000000000004",
            "7",
            "Chrome",
            "checkout started",
            "2022-07-06T19:41:00.000000+00:00",
            None,
            None,
            PH_S2,
        ],
    ]


def test_posthog_csv_with_crlf(tmp_path: Path) -> None:
    path = write_delimited(
        tmp_path / "events.csv", POSTHOG_HEADER, posthog_csv_rows(), line_end="\r\n"
    )
    assert path.read_bytes().count(b"\r\n") == 5
    table = load_events(path)
    assert_vendor(table, "posthog")
    assert table.report.mapping.session == ("properties.$session_id",)
    assert (len(table), table.n_actors, table.n_sessions) == (4, 2, 2)
    assert sequences(table) == {
        "2": ["$pageview", "$autocapture"],
        "7": ["$pageview", "checkout started"],
    }
    assert rows(table)[0][2] == utc_ns("2022-07-06T19:37:43.095295Z")
    got = {(a, e): rest for a, e, _t, *rest in rows(table, "$browser", "elements_chain")}
    assert got["2", "$autocapture"] == ["Safari", 'button.btn:text="Buy"nth-child="1"']
    assert got["7", "$pageview"] == ["Chrome", None]
    assert "person" not in table.property_names  # empty everywhere


def test_posthog_csv_repeated_id_is_removed(tmp_path: Path) -> None:
    data = posthog_csv_rows()
    path = write_delimited(
        tmp_path / "events.csv", POSTHOG_HEADER, [*data, data[0]], line_end="\r\n"
    )
    table = load_events(path)
    assert (table.report.rows_read, table.report.duplicates_removed, len(table)) == (5, 1, 4)


def posthog_batch() -> list[Record]:
    """2 people, 4 events, 2 sessions; properties and person_properties are JSON text."""
    return [
        posthog_batch_event(
            uuid="018fa1b2-0001-7000-8000-000000000001",
            event="$pageview",
            distinct_id="anon-1",
            person_id="p-1",
            session_id="s-1",
            timestamp="2024-05-22T17:09:29.220Z",
        ),
        posthog_batch_event(
            uuid="018fa1b2-0002-7000-8000-000000000002",
            event="signed_up",
            distinct_id="anon-1",
            person_id="p-1",
            session_id="s-1",
            timestamp="2024-05-22T17:10:00.000Z",
        ),
        posthog_batch_event(
            uuid="018fa1b2-0003-7000-8000-000000000003",
            event="$pageview",
            distinct_id="anon-2",
            person_id="p-2",
            session_id="s-2",
            timestamp="2024-05-22T18:00:00.000Z",
            browser="Safari",
        ),
        posthog_batch_event(
            uuid="018fa1b2-0004-7000-8000-000000000004",
            event="$pageleave",
            distinct_id="anon-2",
            person_id="p-2",
            session_id="s-2",
            timestamp="2024-05-22T18:05:00.000Z",
            browser="Safari",
        ),
    ]


def write_posthog_batch(tmp_path: Path, fmt: str, records: Sequence[Record]) -> Path:
    if fmt == "parquet":
        rows_ = [posthog_batch_parquet_row(r) for r in records]
        return write_parquet(tmp_path / "export.parquet", rows_, POSTHOG_BATCH_SCHEMA)
    return write_ndjson(tmp_path / "export.jsonl.gz", records, gz=True)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_posthog_batch_export_parses_json_properties(tmp_path: Path, fmt: str) -> None:
    table = load_events(write_posthog_batch(tmp_path, fmt, posthog_batch()))
    assert_vendor(table, "posthog")
    assert (len(table), table.n_actors, table.n_sessions) == (4, 2, 2)
    assert sequences(table) == {
        "anon-1": ["$pageview", "signed_up"],
        "anon-2": ["$pageview", "$pageleave"],
    }
    assert rows(table)[0][2] == utc_ns("2024-05-22T17:09:29.220Z")
    names = set(table.property_names)
    assert {"$browser", "$current_url", "$lib", "$screen_width", "person.email"} <= names
    assert not names & {"properties", "person_properties", "$session_id"}
    got = {(a, e): rest for a, e, _t, *rest in rows(table, "$browser", "person.email")}
    assert got["anon-2", "$pageleave"] == ["Safari", "anon-2@example.com"]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_posthog_blank_person_properties_is_an_empty_object(tmp_path: Path, fmt: str) -> None:
    # Events captured without person processing carry "" instead of a JSON object.
    records = posthog_batch()
    records[2]["person_properties"] = ""
    table = load_events(write_posthog_batch(tmp_path, fmt, records))
    assert len(table) == 4
    got = {(a, e): email for a, e, _t, email in rows(table, "person.email")}
    assert got == {
        ("anon-1", "$pageview"): "anon-1@example.com",
        ("anon-1", "signed_up"): "anon-1@example.com",
        ("anon-2", "$pageview"): None,
        ("anon-2", "$pageleave"): "anon-2@example.com",
    }


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_posthog_batch_repeated_uuid_is_removed(tmp_path: Path, fmt: str) -> None:
    records = posthog_batch()
    table = load_events(write_posthog_batch(tmp_path, fmt, [*records, records[1]]))
    assert (table.report.rows_read, table.report.duplicates_removed, len(table)) == (5, 1, 4)


# --- Segment (EXPORT_FORMATS §6) ----------------------------------------------------------


def segment_calls() -> list[Record]:
    """anon-1 browses (page, track), is identified as user-1, then orders; anon-2 browses.

    5 calls: 4 events + 1 identify; actors anon-1, user-1, anon-2.
    """
    return [
        segment_call(
            "page",
            message_id="ajs-next-0001",
            anonymous_id="anon-1",
            name="Home",
            timestamp="2023-11-22T18:14:08.580Z",
            properties={"path": "/"},
        ),
        segment_call(
            "track",
            message_id="ajs-next-0002",
            anonymous_id="anon-1",
            event="Product Viewed",
            timestamp="2023-11-22T18:14:20.000Z",
            properties={"product_id": "p-9", "price": 19.5},
        ),
        segment_call(
            "identify",
            message_id="ajs-next-0003",
            anonymous_id="anon-1",
            user_id="user-1",
            timestamp="2023-11-22T18:15:00.000Z",
            traits={"email": "a@example.com"},
        ),
        segment_call(
            "track",
            message_id="ajs-next-0004",
            anonymous_id="anon-1",
            user_id="user-1",
            event="Order Completed",
            timestamp="2023-11-22T18:16:00.000Z",
            properties={"revenue": 19.5},
        ),
        segment_call(
            "track",
            message_id="ajs-next-0005",
            anonymous_id="anon-2",
            event="Product Viewed",
            timestamp="2023-11-22T19:00:00.000Z",
            properties={"product_id": "p-1", "price": 5},
        ),
    ]


def test_segment_calls(tmp_path: Path) -> None:
    calls = segment_calls()
    assert "userId" not in calls[0]  # absent, not null, before identify
    table = load_events(write_ndjson(tmp_path / "segment.jsonl", calls))
    assert_vendor(table, "segment")
    report = table.report
    assert report.rows_read == 5
    assert report.dropped == {"not_an_event": 1}
    assert len(table) == report.rows_kept == 4
    assert sequences(table) == {
        "anon-1": ["page", "Product Viewed"],
        "user-1": ["Order Completed"],
        "anon-2": ["Product Viewed"],
    }
    assert rows(table)[0][2] == utc_ns("2023-11-22T18:14:08.580Z")
    got = {(a, e): rest for a, e, _t, *rest in rows(table, "product_id", "name")}
    assert got["anon-2", "Product Viewed"] == ["p-1", None]
    assert got["anon-1", "page"] == [None, "Home"]


def test_segment_repeated_message_id_is_removed(tmp_path: Path) -> None:
    calls = segment_calls()
    table = load_events(write_ndjson(tmp_path / "segment.jsonl", [*calls, calls[3]]))
    assert (table.report.rows_read, table.report.duplicates_removed, len(table)) == (6, 1, 4)


# --- generic tables (EXPORT_FORMATS §8) ---------------------------------------------------

REES46_HEADER = [
    "event_time",
    "event_type",
    "product_id",
    "category_id",
    "category_code",
    "brand",
    "price",
    "user_id",
    "user_session",
]
CATEGORY = "2103807459595387724"  # 19 digits: float64 would change the last ones


def rees46_rows() -> list[list[str | None]]:
    """2 users, 2 sessions, 5 rows of which the 3rd repeats the 2nd exactly."""
    s1, s2 = "72d76fde-8bb3-4e00-8c23-a032dfed738c", "9333dfbd-b87a-4708-9857-6336556b0fcc"
    return [
        [
            "2019-10-01 00:00:00 UTC",
            "view",
            "44600062",
            CATEGORY,
            None,
            "shiseido",
            "35.79",
            "541312140",
            s1,
        ],
        [
            "2019-10-01 00:00:05 UTC",
            "cart",
            "44600062",
            CATEGORY,
            None,
            "shiseido",
            "35.79",
            "541312140",
            s1,
        ],
        [
            "2019-10-01 00:00:05 UTC",
            "cart",
            "44600062",
            CATEGORY,
            None,
            "shiseido",
            "35.79",
            "541312140",
            s1,
        ],
        [
            "2019-10-01 00:01:00 UTC",
            "view",
            "3900821",
            "2053013552326770905",
            "appliances.environment.water_heater",
            "aqua",
            "33.20",
            "554748717",
            s2,
        ],
        [
            "2019-10-01 00:02:30 UTC",
            "purchase",
            "44600062",
            CATEGORY,
            None,
            "shiseido",
            "35.79",
            "541312140",
            s1,
        ],
    ]


def test_rees46_csv(tmp_path: Path) -> None:
    table = load_events(write_delimited(tmp_path / "2019-Oct.csv", REES46_HEADER, rees46_rows()))
    report = table.report
    assert report.profile == "generic"
    assert (
        report.mapping.actor,
        report.mapping.event,
        report.mapping.time,
        report.mapping.session,
    ) == (("user_id",), ("event_type",), ("event_time",), ("user_session",))
    assert (len(table), table.n_actors, table.n_sessions) == (5, 2, 2)
    assert report.exact_duplicates == 1
    assert sequences(table)["541312140"] == ["view", "cart", "cart", "purchase"]
    assert rows(table)[0][2] == utc_ns("2019-10-01T00:00:00Z")
    assert table.property_kind("category_id") == "text"
    assert {c for *_, c in rows(table, "category_id")} == {CATEGORY, "2053013552326770905"}


def test_rees46_exact_duplicates_dropped_on_request(tmp_path: Path) -> None:
    path = write_delimited(tmp_path / "2019-Oct.csv", REES46_HEADER, rees46_rows())
    table = load_events(path, drop_exact_duplicates=True)
    assert (table.report.rows_read, len(table), table.report.exact_duplicates) == (5, 4, 1)
    assert sequences(table)["541312140"] == ["view", "cart", "purchase"]


def test_retailrocket_epoch_ms(tmp_path: Path) -> None:
    header = ["timestamp", "visitorid", "event", "itemid", "transactionid"]
    data = [
        ["1433221332117", "257597", "view", "355908", None],
        ["1433224214164", "992329", "view", "248676", None],
        ["1433221999827", "257597", "addtocart", "355908", None],
        ["1433222276276", "257597", "transaction", "355908", "4000"],
    ]
    table = load_events(write_delimited(tmp_path / "events.csv", header, data))
    report = table.report
    assert (report.mapping.actor, report.mapping.event, report.mapping.time) == (
        ("visitorid",),
        ("event",),
        ("timestamp",),
    )
    assert (len(table), table.n_actors, table.session) == (4, 2, None)
    assert rows(table, "transactionid") == [
        ("257597", "view", 1433221332117 * 10**6, None),
        ("257597", "addtocart", 1433221999827 * 10**6, None),
        ("257597", "transaction", 1433222276276 * 10**6, "4000"),
        ("992329", "view", 1433224214164 * 10**6, None),
    ]


SIMPLE_HEADER = ["user_id", "event_name", "event_time", "price"]
SIMPLE_ROWS = [
    ["u1", "open", "2024-01-01 10:00:00", "9,99"],
    ["u2", "open", "2024-01-01 10:00:30", "1,50"],
    ["u1", "buy", "2024-01-01 10:05:00", "19,90"],
]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("export.tsv", {"delimiter": "\t"}),
        ("export_eu.csv", {"delimiter": ";"}),
        ("excel_utf8.csv", {"bom": True, "line_end": "\r\n"}),
        (
            "report.csv",
            {
                "bom": True,
                "preamble": [
                    "# ----------------------------------------",
                    "# Events export",
                    "# Start date: 20240101",
                    "# ----------------------------------------",
                    "",
                ],
            },
        ),
    ],
    ids=["tsv", "semicolon", "bom", "bom-and-comments"],
)
def test_delimited_variants(tmp_path: Path, name: str, options: dict[str, Any]) -> None:
    path = write_delimited(tmp_path / name, SIMPLE_HEADER, SIMPLE_ROWS, **options)
    table = load_events(path)
    assert table.report.mapping.actor == ("user_id",)  # no BOM glued to the first name
    assert table.report.mapping.time == ("event_time",)
    assert rows(table, "price") == [
        ("u1", "open", utc_ns("2024-01-01T10:00:00Z"), "9,99"),
        ("u1", "buy", utc_ns("2024-01-01T10:05:00Z"), "19,90"),
        ("u2", "open", utc_ns("2024-01-01T10:00:30Z"), "1,50"),
    ]


def test_mixed_offsets_become_utc_instants(tmp_path: Path) -> None:
    data = [
        ["u1", "open", "2024-03-31T10:00:00+02:00"],  # 08:00Z
        ["u1", "view", "2024-03-31T08:30:00Z"],
        ["u1", "buy", "2024-03-31T05:00:00-04:00"],  # 09:00Z
    ]
    table = load_events(write_delimited(tmp_path / "e.csv", ["user_id", "event", "ts"], data))
    assert [(e, t) for _a, e, t in rows(table)] == [
        ("open", utc_ns("2024-03-31T08:00:00Z")),
        ("view", utc_ns("2024-03-31T08:30:00Z")),
        ("buy", utc_ns("2024-03-31T09:00:00Z")),
    ]


def test_naive_times_in_a_chosen_zone(tmp_path: Path) -> None:
    data = [["u1", "open", "2024-01-15 10:00:00"], ["u1", "buy", "2024-07-15 10:00:00"]]
    path = write_delimited(tmp_path / "e.csv", ["user_id", "event", "event_time"], data)
    table = load_events(path, assume_tz="Europe/Berlin")
    assert [t for *_, t in rows(table)] == [
        utc_ns("2024-01-15T09:00:00Z"),  # CET, UTC+1
        utc_ns("2024-07-15T08:00:00Z"),  # CEST, UTC+2
    ]
    assert table.report.timezone == "Europe/Berlin"


# --- overrides ------------------------------------------------------------------------------


def pages_file(tmp_path: Path) -> Path:
    header = ["user_id", "event_name", "page_path", "event_time"]
    data = [
        ["u1", "page_view", "/home", "2024-01-01T10:00:00Z"],
        ["u1", "page_view", "/cart", "2024-01-01T10:01:00Z"],
        ["u2", "page_view", "/home", "2024-01-01T10:02:00Z"],
    ]
    return write_delimited(tmp_path / "pages.csv", header, data)


def test_override_event_column(tmp_path: Path) -> None:
    path = pages_file(tmp_path)
    assert load_events(path).event_names == ("page_view",)
    table = load_events(path, mapping={"event": "page_path"})
    assert table.report.mapping.event == ("page_path",)
    assert sequences(table) == {"u1": ["/home", "/cart"], "u2": ["/home"]}
    assert "event_name" in table.property_names
    assert "page_path" not in table.property_names


def test_override_with_unknown_column_names_it(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no_such_column"):
        load_events(pages_file(tmp_path), mapping={"event": "no_such_column"})


# --- detection confidence -----------------------------------------------------------------


def test_ambiguous_time_columns_are_noted(tmp_path: Path) -> None:
    header = ["user_id", "event", "created_at", "updated_at"]
    data = [
        ["u1", "signup", "2024-01-15 10:00:00", "2024-01-16 08:00:00"],
        ["u1", "login", "2024-01-15 11:00:00", "2024-01-17 08:00:00"],
    ]
    table = load_events(write_delimited(tmp_path / "e.csv", header, data))
    report = table.report
    assert report.profile == "generic"
    assert report.confidence < 0.9
    assert report.mapping.time == ("created_at",)
    notes = [n for n in report.notes if "time" in n and "created_at" in n and "updated_at" in n]
    assert notes, report.notes
    assert "picked created_at" in notes[0]


def test_single_actor_file_uses_its_user_id(tmp_path: Path) -> None:
    # One person's own export: user_id never changes, and is still the actor.
    data = [
        ["u1", "signup", "2024-01-15T10:00:00Z"],
        ["u1", "login", "2024-01-15T11:00:00Z"],
        ["u1", "logout", "2024-01-15T12:00:00Z"],
    ]
    table = load_events(write_delimited(tmp_path / "me.csv", ["user_id", "event", "ts"], data))
    assert table.report.mapping.actor == ("user_id",)
    assert sequences(table) == {"u1": ["signup", "login", "logout"]}
    assert any("u1" in n and "single actor" in n for n in table.report.notes), table.report.notes


def test_constant_id_column_loses_to_a_varying_one(tmp_path: Path) -> None:
    # The app writes user_id "anonymous" until login; visitor_id tells people apart.
    header = ["user_id", "visitor_id", "event_name", "event_time"]
    data = [
        ["anonymous", "v-1", "page_view", "2024-01-15T10:00:00Z"],
        ["anonymous", "v-1", "search", "2024-01-15T10:00:20Z"],
        ["anonymous", "v-2", "page_view", "2024-01-15T10:01:00Z"],
    ]
    table = load_events(write_delimited(tmp_path / "visits.csv", header, data))
    assert table.report.mapping.actor == ("visitor_id",)
    assert sequences(table) == {"v-1": ["page_view", "search"], "v-2": ["page_view"]}
    assert not any("single actor" in n for n in table.report.notes)


# --- order of rows --------------------------------------------------------------------------


def test_rows_sorted_by_actor_then_time_ties_in_file_order(tmp_path: Path) -> None:
    data = [
        ["u2", "open", "2024-01-01T10:00:00Z"],  # row 0
        ["u1", "view", "2024-01-01T10:00:05Z"],  # row 1
        ["u1", "add_to_cart", "2024-01-01T10:00:07Z"],  # row 2
        ["u1", "begin_checkout", "2024-01-01T10:00:07Z"],  # row 3, same instant as row 2
        ["u2", "view", "2024-01-01T09:59:00Z"],  # row 4, earlier than row 0
        ["u1", "open", "2024-01-01T10:00:00Z"],  # row 5
        ["u1", "purchase", "2024-01-01T10:00:07Z"],  # row 6, third at 10:00:07
    ]
    table = load_events(write_delimited(tmp_path / "e.csv", ["user_id", "event", "ts"], data))
    ids = table.actor_ids.to_pylist()
    by_actor: dict[str, list[int]] = {}
    for a, r in zip(table.actor, table.row, strict=True):
        by_actor.setdefault(ids[a], []).append(int(r))
    assert by_actor == {"u1": [5, 1, 2, 3, 6], "u2": [4, 0]}
    # each actor's rows are one contiguous block
    assert list(table.actor) == sorted(table.actor)
    assert sequences(table)["u1"] == ["open", "view", "add_to_cart", "begin_checkout", "purchase"]
