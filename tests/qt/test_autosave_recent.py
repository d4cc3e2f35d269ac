"""Autosave of the working funnel (offered back after a crash) and recent-files settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QMenu

from funnel_gui.core.definition.file import definition_to_dict
from funnel_gui.qt.autosave import (
    CORRUPT_NAME,
    FUNNEL_NAME,
    SIDECAR_NAME,
    Autosave,
    default_autosave_dir,
    pending_recovery,
)
from funnel_gui.qt.recent import MAX_ENTRIES, RecentFiles
from funnel_gui.qt.session import AppSession

# ---------------------------------------------------------------- autosave


@pytest.fixture
def session(qtbot) -> Iterator[AppSession]:  # type: ignore[no-untyped-def]
    app_session = AppSession()
    yield app_session
    app_session.shutdown()


@pytest.fixture
def autosave(session: AppSession, tmp_path: Path) -> Iterator[Autosave]:
    saver = Autosave(session, tmp_path / "app", delay_ms=0)
    yield saver
    saver.detach()


def test_an_edit_is_autosaved_and_offered_back(
    qtbot, session: AppSession, autosave: Autosave, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "app"
    autosave.set_context(tmp_path / "checkout.funnel.json", ["/data/day1.csv", "/data/day2.csv"])
    assert session.append_events(["view"])
    assert session.append_events(["buy", "order"])
    qtbot.waitUntil(lambda: (directory / FUNNEL_NAME).is_file(), timeout=5000)
    offer = pending_recovery(directory)
    assert offer is not None
    assert offer.definition == session.definition
    assert [s.events for s in offer.definition.steps] == [("view",), ("buy", "order")]
    assert offer.source_path == tmp_path / "checkout.funnel.json"
    assert offer.data_files == ["/data/day1.csv", "/data/day2.csv"]
    assert offer.saved_at is not None
    assert offer.saved_at.tzinfo is not None
    autosave.clear()
    assert not (directory / FUNNEL_NAME).exists()
    assert not (directory / SIDECAR_NAME).exists()
    assert pending_recovery(directory) is None


def test_edits_are_debounced_into_one_write(qtbot, session: AppSession, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    saver = Autosave(session, tmp_path, delay_ms=50)
    writes: list[None] = []
    saver.sig_saved.connect(lambda: writes.append(None))
    try:
        with qtbot.waitSignal(saver.sig_saved, timeout=5000):
            for name in ("a", "b", "c"):
                session.append_events([name])
        assert not saver._timer.isActive()  # nothing more is coming
        assert len(writes) == 1
        offer = pending_recovery(tmp_path)
        assert offer is not None
        assert len(offer.definition.steps) == 3
    finally:
        saver.detach()


def test_an_empty_funnel_removes_a_stale_autosave(
    qtbot, session: AppSession, autosave: Autosave, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / FUNNEL_NAME).write_text(
        json.dumps({"format": "funnel-gui.funnel", "version": 1, "steps": [{"events": ["x"]}]})
    )
    (directory / SIDECAR_NAME).write_text("{}")
    assert pending_recovery(directory) is not None
    assert session.append_events(["view"])
    session.undo_stack.undo()  # back to an empty funnel
    qtbot.waitUntil(lambda: not (directory / FUNNEL_NAME).exists(), timeout=5000)
    assert not (directory / SIDECAR_NAME).exists()
    assert pending_recovery(directory) is None
    autosave.flush()  # still empty: nothing is written
    assert not (directory / FUNNEL_NAME).exists()


def test_flush_writes_at_once(session: AppSession, tmp_path: Path) -> None:
    saver = Autosave(session, tmp_path, delay_ms=60_000)
    try:
        session.append_events(["view"])
        assert not (tmp_path / FUNNEL_NAME).exists()  # still waiting for the timer
        saver.flush()
        saved = json.loads((tmp_path / FUNNEL_NAME).read_text(encoding="utf-8"))
        assert saved == definition_to_dict(session.definition)
        sidecar = json.loads((tmp_path / SIDECAR_NAME).read_text(encoding="utf-8"))
        assert sidecar["source_path"] is None
        assert sidecar["data_files"] == []
    finally:
        saver.detach()


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"format": "funnel-gui.funnel", "version": 1, "steps": [], "bogus": 1}',
        '{"format": "funnel-gui.funnel", "version": 99, "steps": [{"events": ["x"]}]}',
        "[]",
    ],
)
def test_a_corrupt_autosave_is_moved_aside(tmp_path: Path, content: str) -> None:
    (tmp_path / FUNNEL_NAME).write_text(content, encoding="utf-8")
    (tmp_path / SIDECAR_NAME).write_text('{"source_path": null}', encoding="utf-8")
    assert pending_recovery(tmp_path) is None
    assert not (tmp_path / FUNNEL_NAME).exists()
    assert (tmp_path / CORRUPT_NAME).read_text(encoding="utf-8") == content
    assert pending_recovery(tmp_path) is None  # not offered again at the next start


def test_a_broken_sidecar_still_offers_the_funnel(tmp_path: Path) -> None:
    (tmp_path / FUNNEL_NAME).write_text(
        '{"format": "funnel-gui.funnel", "version": 1, "steps": [{"events": ["x"]}]}'
    )
    (tmp_path / SIDECAR_NAME).write_text('["not", "an", "object"]')
    offer = pending_recovery(tmp_path)
    assert offer is not None
    assert [s.events for s in offer.definition.steps] == [("x",)]
    assert offer.source_path is None
    assert offer.saved_at is None
    assert offer.data_files == []


def test_no_autosave_means_no_offer(tmp_path: Path) -> None:
    assert pending_recovery(tmp_path) is None
    assert pending_recovery(tmp_path / "missing") is None


def test_the_default_folder_exists(qtbot) -> None:  # type: ignore[no-untyped-def]
    QStandardPaths.setTestModeEnabled(True)  # a throwaway folder, not the user's own
    try:
        assert default_autosave_dir().is_dir()
    finally:
        QStandardPaths.setTestModeEnabled(False)


# ---------------------------------------------------------------- recent files


@pytest.fixture
def recent(tmp_path: Path) -> RecentFiles:
    return RecentFiles(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_files(folder: Path, *names: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        (folder / name).write_text("x")
        paths.append(str((folder / name).absolute()))
    return paths


def test_recent_entries_are_most_recent_first_without_duplicates(
    qtbot, recent: RecentFiles, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    shop, day1, day2 = make_files(tmp_path / "d", "shop.csv", "day1.json", "day2.json")
    with qtbot.waitSignal(recent.sig_changed, timeout=1000) as changed:
        recent.add("data", [shop])
    assert changed.args == ["data"]
    recent.add("data", [day1, day2])
    recent.add("data", [shop])  # again: moves to the front, not listed twice
    recent.add("data", [day2, day1])  # the same files in another order count once
    assert recent.entries("data") == [[day2, day1], [shop]]
    assert recent.entries("funnel") == []  # kinds are kept apart


def test_recent_entries_keep_at_most_ten(recent: RecentFiles, tmp_path: Path) -> None:
    files = make_files(tmp_path / "d", *(f"f{i}.csv" for i in range(MAX_ENTRIES + 3)))
    for path in files:
        recent.add("funnel", [path])
    assert recent.entries("funnel") == [[p] for p in reversed(files)][:MAX_ENTRIES]


def test_recent_entries_drop_missing_files(recent: RecentFiles, tmp_path: Path) -> None:
    keep, gone, other = make_files(tmp_path / "d", "keep.csv", "gone.csv", "other.csv")
    recent.add("data", [keep])
    recent.add("data", [gone])
    recent.add("data", [other, gone])
    Path(gone).unlink()
    assert recent.entries("data") == [[keep]]


def test_recent_paths_are_stored_absolute(
    recent: RecentFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (path,) = make_files(tmp_path / "d", "shop.csv")
    monkeypatch.chdir(tmp_path / "d")
    recent.add("data", ["shop.csv"])
    assert recent.entries("data") == [[path]]


def test_recent_survive_a_new_settings_object(tmp_path: Path) -> None:
    (path,) = make_files(tmp_path / "d", "a.funnel.json")
    ini = str(tmp_path / "settings.ini")
    first = QSettings(ini, QSettings.Format.IniFormat)
    RecentFiles(first).add("funnel", [path])
    first.sync()
    again = RecentFiles(QSettings(ini, QSettings.Format.IniFormat))
    assert again.entries("funnel") == [[path]]


def test_an_unknown_kind_is_refused(recent: RecentFiles) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        recent.add("images", ["/x.png"])  # type: ignore[arg-type]


def test_the_recent_menu_opens_the_right_files(qtbot, recent: RecentFiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shop, day1, day2, day3 = make_files(
        tmp_path / "d", "shop.csv", "day1.json", "day2.json", "day3.json"
    )
    recent.add("data", [shop])
    recent.add("data", [day1, day2, day3])
    menu = QMenu()
    opened: list[list[str]] = []
    recent.populate_menu(menu, "data", opened.append)
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert [a.text() for a in actions] == ["day1.json + 2 more", "shop.csv", "Clear recent"]
    actions[1].trigger()
    actions[0].trigger()
    assert opened == [[shop], [day1, day2, day3]]
    with qtbot.waitSignal(recent.sig_changed, timeout=1000):
        actions[2].trigger()
    assert recent.entries("data") == []
    recent.populate_menu(menu, "data", opened.append)  # filling again replaces the entries
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["No recent files", "Clear recent"]
    assert not any(a.isEnabled() for a in menu.actions() if not a.isSeparator())


def test_an_ampersand_in_a_name_is_shown_not_a_mnemonic(
    recent: RecentFiles, tmp_path: Path
) -> None:
    (path,) = make_files(tmp_path / "d", "a&b.csv")
    recent.add("data", [path])
    menu = QMenu()
    recent.populate_menu(menu, "data", lambda _paths: None)
    assert menu.actions()[0].text() == "a&&b.csv"


def test_last_mapping_round_trip(recent: RecentFiles, tmp_path: Path) -> None:
    path = tmp_path / "d" / "shop.csv"
    assert recent.last_mapping(path) is None
    mapping: dict[str, str | None] = {"event": "event_name", "actor": "user_id", "time": None}
    recent.set_last_mapping(path, mapping)
    assert recent.last_mapping(str(path)) == mapping
    assert recent.last_mapping(tmp_path / "d" / "other.csv") is None
    recent.set_last_mapping(path, {"event": "name"})  # the latest replaces the old one
    assert recent.last_mapping(path) == {"event": "name"}


def test_a_deeply_nested_autosave_is_moved_aside_and_start_up_goes_on(tmp_path: Path) -> None:
    """Issue 15.13: a corrupt, deeply nested autosave (and sidecar) never stops start-up."""
    from funnel_gui.qt.autosave import CORRUPT_NAME, FUNNEL_NAME, SIDECAR_NAME, pending_recovery

    (tmp_path / FUNNEL_NAME).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (tmp_path / SIDECAR_NAME).write_text("{" * 100_000, encoding="utf-8")
    assert pending_recovery(tmp_path) is None
    assert (tmp_path / CORRUPT_NAME).is_file()
    assert not (tmp_path / FUNNEL_NAME).exists()
