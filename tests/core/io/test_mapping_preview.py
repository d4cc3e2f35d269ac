"""The mapping dialog's logic without Qt: load-or-ask, live drop counts, overrides.

The fixture is eight rows written here; every expected count is read off it by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from funnel_gui.core.events import EventTable
from funnel_gui.core.io import ImportFailed, read_raw
from funnel_gui.core.io.detect import detect
from funnel_gui.core.io.mapping import ColumnMapping
from funnel_gui.core.io.mapping_preview import (
    MappingPreview,
    MappingRequest,
    missing_roles_problem,
    open_or_ask,
    overrides_for,
    preview_mapping,
    preview_rows,
)

# `when` is the real time; `created` is half garbage. Neither name says "time", so
# detection finds the user and the action but no timestamp.
ROWS = [
    ["user", "action", "when", "created", "sid"],
    ["u1", "view", "2026-01-01T10:00:00Z", "soon", "s1"],
    ["u1", "buy", "2026-01-01T10:05:00Z", "2026-01-01 10:05:00", "s1"],
    ["u2", "view", "2026-01-02T09:00:00Z", "", "s2"],
    ["", "view", "2026-01-02T09:01:00Z", "later", "s2"],  # no user
    ["u3", "view", "", "2026-01-03 12:00:00", "s3"],  # no time in `when`
    ["u3", "", "2026-01-03T12:01:00Z", "never", "s3"],  # no event
    ["u4", "buy", "not a time", "2026-01-04 00:00:00", "s4"],  # `when` unreadable
    ["u4", "view", "2026-01-04T08:00:00Z", "x", "s4"],
]
BY_HAND = {"actor": "user", "event": "action", "time": "when"}


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "mixed.csv", ROWS)


def test_drop_count_follows_the_loader_rules(mixed: Path) -> None:
    raw = read_raw([mixed])
    detection = detect(raw.table)
    preview = preview_mapping(raw, detection, BY_HAND, "UTC")
    # Rows 4 (no user), 6 (no event), 5 and 7 (no time / unreadable time in `when`).
    assert preview.usable
    assert preview.rows_read == 8
    assert preview.rows_dropped == 4
    assert preview.summary() == (
        "4 of 8 rows would be dropped: 2 without a timestamp that can be read, "
        "1 without a user id, 1 without an event name"
    )
    assert "with a zone" in preview.time_description


def test_garbage_time_column_drops_more(mixed: Path) -> None:
    raw = read_raw([mixed])
    preview = preview_mapping(raw, detect(raw.table), {**BY_HAND, "time": "created"}, "UTC")
    # `created`: rows 1 and 8 unreadable, row 3 blank; rows 4 and 6 go for user and event
    # first (each row counts once, under the first reason).
    assert preview.rows_dropped == 5
    assert preview.summary().startswith("5 of 8 rows would be dropped: 3 without a timestamp")
    assert "taken as UTC" in preview.time_description


def test_the_preview_leaves_the_rows_read_alone(mixed: Path) -> None:
    raw = read_raw([mixed])
    columns = raw.table.column_names
    preview_mapping(raw, detect(raw.table), BY_HAND, "UTC")
    assert raw.table.column_names == columns
    assert raw.table.num_rows == 8


def test_a_clean_mapping_drops_nothing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "clean.csv",
        [["user_id", "event_name", "event_time"], ["a", "x", "2026-01-01T00:00:00Z"]],
    )
    raw = read_raw([path])
    assert preview_mapping(raw, detect(raw.table), {}, "UTC").summary() == (
        "1 rows · 0 would be dropped"
    )


def test_impossible_mappings_say_why(mixed: Path) -> None:
    raw = read_raw([mixed])
    detection = detect(raw.table)
    no_time = preview_mapping(raw, detection, {}, "UTC")  # detection found no time
    assert not no_time.usable
    assert no_time.problem == "Choose a column for the timestamp."
    assert no_time.summary() == "8 rows"
    nothing = preview_mapping(raw, detection, {**BY_HAND, "time": "sid"}, "UTC")
    assert nothing.all_dropped
    assert nothing.rows_dropped == 8
    assert nothing.summary() == "All 8 rows would be dropped"
    assert "mixed.csv" in (nothing.problem or "")
    bad_zone = preview_mapping(raw, detection, BY_HAND, "Mars/Olympus")
    assert "not a time zone" in (bad_zone.problem or "")


def test_missing_roles_problem_reads_as_a_sentence() -> None:
    assert missing_roles_problem(["event"]) == "Choose a column for the event name."
    assert missing_roles_problem(["actor", "event", "time"]) == (
        "Choose a column for the user id, the event name and the timestamp."
    )


def test_summary_merges_the_two_time_reasons_and_sorts_by_count() -> None:
    preview = MappingPreview(
        46_676, {"missing_actor": 24, "missing_time": 1_000, "unparsable_time": 180}
    )
    assert preview.summary() == (
        "1,204 of 46,676 rows would be dropped: 1,180 without a timestamp that can be read, "
        "24 without a user id"
    )


def test_overrides_keep_what_detection_knows() -> None:
    ga4 = ColumnMapping(
        actor=("user_id", "user_pseudo_id"),
        event=("event_name",),
        time=("event_timestamp",),
        session=("event_params.ga_session_id",),
        session_per_actor=True,
    )
    same = {
        "actor": ("user_id", "user_pseudo_id"),
        "event": ("event_name",),
        "session": ("event_params.ga_session_id",),
    }
    assert overrides_for(ga4, same) == {}
    assert overrides_for(ga4, {**same, "actor": ("user_pseudo_id",), "session": ()}) == {
        "actor": "user_pseudo_id",
        "session": None,
    }
    with pytest.raises(ValueError, match="one column"):
        overrides_for(ga4, {"time": ("a", "b")})


def test_preview_rows_are_text(mixed: Path) -> None:
    rows = preview_rows(read_raw([mixed]), limit=3)
    assert rows == [row for row in ROWS[1:4]]


def test_missing_time_asks_with_the_loader_message(mixed: Path) -> None:
    outcome = open_or_ask([mixed])
    assert isinstance(outcome, MappingRequest)
    assert outcome.problem is not None
    assert "no column with a timestamp" in outcome.problem
    assert outcome.current.time == ()
    assert outcome.current.actor == ("user",)
    assert outcome.files == [str(mixed)]


def test_overrides_load_and_a_stale_remembered_column_is_ignored(mixed: Path) -> None:
    table = open_or_ask([mixed], BY_HAND)
    assert isinstance(table, EventTable)
    assert len(table) == 4  # 8 rows, 4 dropped (see above)
    stale = open_or_ask([mixed], {**BY_HAND, "session": "gone"}, remembered=True)
    assert isinstance(stale, EventTable)
    assert stale.session is None
    explicit = open_or_ask([mixed], {**BY_HAND, "session": "gone"})
    assert isinstance(explicit, MappingRequest)  # the user can pick a column that exists
    assert "'gone'" in (explicit.problem or "")
    assert explicit.current.time == ("when",)


def test_unsure_detection_asks_only_when_told_to(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "odd.csv",
        [
            ["visitor", "type", "created_at"],
            ["a", "view", "2026-01-01T00:00:00Z"],
            ["b", "buy", "2026-01-01T00:01:00Z"],
        ],
    )
    raw = read_raw([path])
    assert detect(raw.table).confidence < 0.7  # names it knows, but not the usual ones
    asked = open_or_ask([path], ask="if_unsure")
    assert isinstance(asked, MappingRequest)
    assert asked.problem is None
    assert asked.current == asked.detection.mapping
    assert isinstance(open_or_ask([path]), EventTable)


def test_always_ask_preselects_a_full_mapping(mixed: Path) -> None:
    chosen = ColumnMapping(actor=("user",), event=("action",), time=("created",))
    asked = open_or_ask([mixed], chosen, ask="always", assume_tz="Europe/Berlin")
    assert isinstance(asked, MappingRequest)
    assert asked.current == chosen
    assert asked.assume_tz == "Europe/Berlin"


def test_rows_at_hand_are_not_read_again(mixed: Path) -> None:
    raw = read_raw([mixed])
    table = open_or_ask([mixed.with_name("not_read.csv")], BY_HAND, raw=raw)
    assert isinstance(table, EventTable)
    assert len(table) == 4


def test_unreadable_files_still_fail_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no_such"):
        open_or_ask([tmp_path / "no_such.csv"], ask="always")
    with pytest.raises(ImportFailed, match="not a time zone"):
        open_or_ask([tmp_path / "x.csv"], assume_tz="Nowhere/Town")


def test_a_load_that_keeps_nothing_asks_with_every_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "notes.csv",
        [
            ["user_id", "event_name", "event_time", "note"],
            ["a", "view", "2026-01-01T00:00:00Z", "call back"],
            ["b", "buy", "2026-01-01T00:01:00Z", "vip"],
        ],
    )
    asked = open_or_ask([path], {"time": "note"})  # no row has a time in `note`
    assert isinstance(asked, MappingRequest)
    assert "None of the 2 rows" in (asked.problem or "")
    assert asked.current.time == ("note",)
    # The build had let the role columns go; the dialog gets every column back.
    assert asked.raw.table.column_names == ["user_id", "event_name", "event_time", "note"]
    again = open_or_ask([path], {}, raw=asked.raw)
    assert isinstance(again, EventTable)
    assert len(again) == 2
