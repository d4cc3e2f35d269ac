"""EventTable catalogs and daily volume, checked against hand-counted fixtures."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.core.io import load_events

ROWS = [
    # user, event, time (UTC)
    ("u1", "view", "2026-05-01T23:59:59Z"),
    ("u1", "view", "2026-05-02T00:00:00Z"),
    ("u2", "view", "2026-05-02T08:00:00Z"),
    ("u2", "buy", "2026-05-02T08:05:00Z"),
    ("u3", "view", "2026-05-04T10:00:00Z"),  # nothing on 05-03: a gap
]


@pytest.fixture
def table_path(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "plan"])
        for i, row in enumerate(ROWS):
            writer.writerow([*row, "pro" if i % 2 else "free"])
    return path


def test_event_catalog_counts_events_and_actors(table_path: Path) -> None:
    catalog = load_events(table_path).event_catalog.set_index("event")
    assert catalog.loc["view", "count"] == 4
    assert catalog.loc["view", "actors"] == 3
    assert catalog.loc["buy", "count"] == 1
    assert catalog.loc["buy", "actors"] == 1
    assert catalog.loc["view", "first_seen"] == pd.Timestamp("2026-05-01T23:59:59Z")
    assert catalog.loc["view", "last_seen"] == pd.Timestamp("2026-05-04T10:00:00Z")
    assert list(catalog.index) == ["view", "buy"]  # most frequent first


def test_daily_volume_has_every_day_including_gaps(table_path: Path) -> None:
    volume = load_events(table_path).daily_volume
    assert [d.strftime("%m-%d") for d in volume["day"]] == ["05-01", "05-02", "05-03", "05-04"]
    assert volume["events"].tolist() == [1, 3, 0, 1]
    assert volume["actors"].tolist() == [1, 2, 0, 1]


def test_property_catalog_top_values(table_path: Path) -> None:
    catalog = load_events(table_path).property_catalog.set_index("property")
    assert catalog.loc["plan", "kind"] == "text"
    assert catalog.loc["plan", "distinct"] == 2
    assert catalog.loc["plan", "top_values"] == [("free", 3), ("pro", 2)]
