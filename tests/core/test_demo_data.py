"""The demo export: reproducible bytes, the documented schema, and the behaviour it promises.

Schema and behaviour are checked on the committed file, read with the csv module and plain
loops, so the checks do not share code with the generator.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import stat
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest

from tests.demo_generator import DEMO_DIR, generate_demo_events, write_demo_csv

COMMITTED = DEMO_DIR / "shop_events.csv.gz"
EXPECTED_COLUMNS = [
    "event_time",
    "event_name",
    "user_id",
    "session_id",
    "device",
    "source",
    "country",
    "page",
    "value",
]
EVENT_NAMES = {
    "page_view",
    "scroll_50",
    "scroll_90",
    "cta_click",
    "newsletter_signup",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "refund",
}
VALUED = {"add_to_cart", "begin_checkout", "purchase", "refund"}
FIRST_DAY = datetime(2026, 9, 1, tzinfo=UTC)
AFTER_LAST_DAY = datetime(2026, 10, 14, tzinfo=UTC)
NEVER = datetime.max.replace(tzinfo=UTC)  # later than anything: a missing event fails `<`
TIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class Row(NamedTuple):
    time: datetime
    raw: dict[str, str]

    @property
    def event(self) -> str:
        return self.raw["event_name"]

    @property
    def user(self) -> str:
        return self.raw["user_id"]

    @property
    def session(self) -> str:
        return self.raw["session_id"]


@pytest.fixture(scope="module")
def csv_text() -> str:
    return gzip.decompress(COMMITTED.read_bytes()).decode("utf-8")


@pytest.fixture(scope="module")
def rows(csv_text: str) -> list[Row]:
    return [
        Row(datetime.fromisoformat(r["event_time"]), r)
        for r in csv.DictReader(io.StringIO(csv_text))
    ]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate_demo_events()


def _users_with(rows: Iterable[Row], event: str) -> set[str]:
    return {r.user for r in rows if r.event == event}


def _rate(buyers: set[str], group: set[str]) -> float:
    return len(buyers & group) / len(group)


def _session_purchase_rate(rows: list[Row], attribute: str) -> dict[str, float]:
    """Share of sessions with a purchase, per value of a session attribute."""
    attribute_of: dict[str, str] = {}
    bought: set[str] = set()
    for r in rows:
        attribute_of[r.session] = r.raw[attribute]
        if r.event == "purchase":
            bought.add(r.session)
    sessions: dict[str, int] = defaultdict(int)
    buying: dict[str, int] = defaultdict(int)
    for session, value in attribute_of.items():
        sessions[value] += 1
        buying[value] += session in bought
    return {value: buying[value] / sessions[value] for value in sessions}


# --- reproducibility -------------------------------------------------------------------


def test_default_seed_regenerates_the_committed_file_byte_for_byte(tmp_path: Path) -> None:
    target = tmp_path / COMMITTED.name  # same name: gzip stores it in the header
    write_demo_csv(target)
    fresh = target.read_bytes()
    committed = COMMITTED.read_bytes()
    # Compare the CSV first: a difference there is a generator change, not a zlib one.
    assert gzip.decompress(fresh) == gzip.decompress(committed)
    assert fresh == committed
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temp file left behind
    assert target.stat().st_mode & stat.S_IROTH


def test_same_seed_twice_gives_identical_frames(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(generate_demo_events(2026), frame)


def test_different_seed_gives_different_data(frame: pd.DataFrame) -> None:
    other = generate_demo_events(seed=7)
    assert list(other.columns) == list(frame.columns)
    assert not other.equals(frame)
    assert other["event_time"].head(100).tolist() != frame["event_time"].head(100).tolist()


# --- schema ----------------------------------------------------------------------------


def test_columns_are_exactly_the_documented_ones(csv_text: str, frame: pd.DataFrame) -> None:
    assert csv_text.split("\n", 1)[0] == ",".join(EXPECTED_COLUMNS)
    assert list(frame.columns) == EXPECTED_COLUMNS


def test_file_holds_the_generated_frame(rows: list[Row], frame: pd.DataFrame) -> None:
    assert len(rows) == len(frame)
    assert [r.raw["event_time"] for r in rows[:50]] == frame["event_time"].head(50).tolist()


def test_event_times_are_utc_millisecond_iso_in_range_and_sorted(rows: list[Row]) -> None:
    previous = FIRST_DAY
    for r in rows:
        assert TIME_TEXT.fullmatch(r.raw["event_time"]), r.raw["event_time"]
        assert r.time.utcoffset() == timedelta(0)
        assert FIRST_DAY <= r.time < AFTER_LAST_DAY
        assert r.time >= previous  # written in time order, like a real export
        previous = r.time


def test_event_names_are_the_documented_ones(rows: list[Row]) -> None:
    seen = {r.event for r in rows}
    assert seen <= EVENT_NAMES
    assert seen == EVENT_NAMES  # every kind shows up, refunds included


def test_user_and_session_ids_are_well_formed(rows: list[Row]) -> None:
    for r in rows:
        assert re.fullmatch(r"u\d{6}", r.user), r.user
        assert re.fullmatch(r"s\d{7}", r.session), r.session


def test_session_belongs_to_one_user_with_fixed_device_source_country(rows: list[Row]) -> None:
    first_seen: dict[str, tuple[str, str, str, str]] = {}
    for r in rows:
        key = (r.user, r.raw["device"], r.raw["source"], r.raw["country"])
        assert first_seen.setdefault(r.session, key) == key, r.session
    assert {k[1] for k in first_seen.values()} == {"desktop", "mobile", "tablet"}
    sources = {"google", "direct", "newsletter", "facebook", "instagram", "bing"}
    assert {k[2] for k in first_seen.values()} == sources
    assert 8 <= len({k[3] for k in first_seen.values()}) <= 12


def test_value_is_a_positive_amount_exactly_on_money_events(rows: list[Row]) -> None:
    for r in rows:
        value = r.raw["value"]
        if r.event in VALUED:
            assert re.fullmatch(r"\d+\.\d{2}", value), (r.event, value)
            assert float(value) > 0
        else:
            assert value == "", (r.event, value)


def test_pages_are_url_paths(rows: list[Row]) -> None:
    for r in rows:
        page = r.raw["page"]
        assert page.startswith("/"), page
        if r.event in {"view_item", "add_to_cart"}:
            assert page.startswith("/products/"), (r.event, page)
    assert {r.raw["page"] for r in rows} >= {"/", "/cart", "/checkout", "/thank-you"}


def test_size_sessions_and_returning_users(rows: list[Row]) -> None:
    sessions_of: dict[str, set[str]] = defaultdict(set)
    session_start: dict[str, datetime] = {}
    for r in rows:
        sessions_of[r.user].add(r.session)
        session_start.setdefault(r.session, r.time)
    assert 40_000 <= len(rows) <= 80_000
    assert 3_000 <= len(sessions_of) <= 4_000
    assert all(1 <= len(s) <= 5 for s in sessions_of.values())
    returning = 0
    for sessions in sessions_of.values():
        starts = sorted(session_start[s] for s in sessions)
        returning += starts[-1] - starts[0] >= timedelta(days=1)
    assert 0.15 <= returning / len(sessions_of) <= 0.35


def test_sessions_last_seconds_to_minutes(rows: list[Row]) -> None:
    span: dict[str, list[datetime]] = {}
    for r in rows:
        span.setdefault(r.session, [r.time, r.time])[1] = r.time
    durations = sorted(end - start for start, end in span.values())
    assert durations[-1] < timedelta(hours=2)
    assert timedelta(seconds=10) < durations[len(durations) // 2] < timedelta(minutes=10)


# --- behaviour -------------------------------------------------------------------------


def test_funnel_narrows_at_every_step(rows: list[Row]) -> None:
    steps = ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase"]
    counts = [len(_users_with(rows, step)) for step in steps]
    assert all(a > b for a, b in pairwise(counts)), counts


def test_overall_purchase_rate_is_6_to_12_percent(rows: list[Row]) -> None:
    users = {r.user for r in rows}
    assert 0.06 <= len(_users_with(rows, "purchase")) / len(users) <= 0.12


def test_every_purchase_follows_an_add_to_cart_of_the_same_user(rows: list[Row]) -> None:
    first_add: dict[str, datetime] = {}
    purchases = 0
    for r in rows:
        if r.event == "add_to_cart":
            first_add.setdefault(r.user, r.time)
        elif r.event == "purchase":
            purchases += 1
            assert first_add.get(r.user, NEVER) < r.time, r.raw
    assert purchases > 0


def test_refunds_are_rare_and_follow_a_purchase(rows: list[Row]) -> None:
    first_purchase: dict[str, datetime] = {}
    refunds = purchases = 0
    for r in rows:
        if r.event == "purchase":
            purchases += 1
            first_purchase.setdefault(r.user, r.time)
        elif r.event == "refund":
            refunds += 1
            assert first_purchase.get(r.user, NEVER) < r.time, r.raw
    assert 1 <= refunds <= 0.1 * purchases


def test_newsletter_signups_buy_clearly_more_often(rows: list[Row]) -> None:
    users = {r.user for r in rows}
    buyers = _users_with(rows, "purchase")
    signed_up = _users_with(rows, "newsletter_signup")
    assert len(signed_up) >= 50
    assert _rate(buyers, signed_up) > 1.5 * _rate(buyers, users - signed_up)


def test_desktop_converts_better_than_mobile(rows: list[Row]) -> None:
    rate = _session_purchase_rate(rows, "device")
    assert rate["desktop"] > rate["mobile"]


def test_newsletter_traffic_converts_best(rows: list[Row]) -> None:
    rate = _session_purchase_rate(rows, "source")
    assert max(rate, key=rate.__getitem__) == "newsletter", rate


def test_at_least_50_users_buy_in_a_later_session_than_their_first(rows: list[Row]) -> None:
    first_session: dict[str, str] = {}
    later_buyers: set[str] = set()
    for r in rows:
        first_session.setdefault(r.user, r.session)
        if r.event == "purchase" and r.session != first_session[r.user]:
            later_buyers.add(r.user)
    assert len(later_buyers) >= 50


def test_some_events_of_one_user_share_a_millisecond(rows: list[Row]) -> None:
    seen: set[tuple[str, str]] = set()
    ties = 0
    for r in rows:
        key = (r.user, r.raw["event_time"])
        ties += key in seen
        seen.add(key)
    assert ties >= 1
