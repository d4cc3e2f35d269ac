"""The column-mapping dialog, alone and in the window: preselection, the live drop count,
OK loading with the choice, the choice remembered per file, and when the dialog opens.

Every file is written here; the expected counts are read off its rows by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel

from funnel_gui.core.io.mapping_preview import MappingRequest, open_or_ask
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.mapping_dialog import MappingDialog
from funnel_gui.resources import demo_data_path, resources_dir

SHOTS = Path("/tmp/shots")
WAIT = 20_000

# Detected with confidence; `comment` holds readable times in three rows of six.
GENERIC = [
    ["user_id", "event_name", "event_time", "session_id", "comment"],
    ["u1", "view", "2026-03-01T10:00:00Z", "s1", "fine"],
    ["u1", "cart", "2026-03-01T10:02:00Z", "s1", "2026-03-01 10:02:00"],
    ["u2", "view", "2026-03-01T11:00:00Z", "s2", "???"],
    ["u2", "cart", "2026-03-01T11:05:00Z", "s2", "2026-03-01 11:05:00"],
    ["u3", "view", "2026-03-02T09:00:00Z", "s3", "2026-03-02 09:00:00"],
    ["u3", "buy", "2026-03-02T09:10:00Z", "s3", ""],
]
# Nothing is named like a time, so the load fails until `when` is mapped by hand. The
# times have no zone; the last row has no user.
NO_TIME_FOUND = [
    ["user", "action", "when"],
    ["u1", "view", "2026-03-01 10:00:00"],
    ["u1", "buy", "2026-03-01 10:30:00"],
    ["u2", "view", "2026-03-01 12:00:00"],
    ["", "view", "2026-03-01 13:00:00"],
]


def write_csv(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def make_dialog(qtbot, request: MappingRequest) -> MappingDialog:  # type: ignore[no-untyped-def]
    dialog = MappingDialog(request)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        pass  # the first count starts with the dialog
    return dialog


def pick(qtbot, dialog: MappingDialog, role: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the combo item reading `text`, as a person would, and wait for the count."""
    combo = dialog.combos[role]
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered for {role}"
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        combo.setCurrentIndex(index)


@pytest.fixture
def generic(tmp_path: Path) -> str:
    return write_csv(tmp_path / "generic.csv", GENERIC)


@pytest.fixture
def no_time(tmp_path: Path) -> str:
    return write_csv(tmp_path / "no_time.csv", NO_TIME_FOUND)


def test_dialog_preselects_the_detected_columns(qtbot, generic: str) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, open_or_ask([generic], ask="always"))
    assert dialog.chosen_columns() == {
        "actor": ("user_id",),
        "event": ("event_name",),
        "time": ("event_time",),
        "session": ("session_id",),
    }
    assert dialog.combos["event"].currentText() == "event_name  (detected)"
    assert dialog.overrides() == {}  # nothing changed: detection stands
    assert dialog.live.text() == "6 rows · 0 would be dropped"
    assert dialog.ok_button.isEnabled()
    assert dialog.model.rowCount() == 6
    assert dialog.model.role_of("event_time") == "time"
    assert dialog.model.role_of("comment") is None
    header = dialog.model.headerData(2, Qt.Orientation.Horizontal)
    assert header == "event_time\ntimestamp"


def test_a_garbage_time_column_updates_the_drop_count(qtbot, generic: str) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, open_or_ask([generic], ask="always"))
    pick(qtbot, dialog, "time", "comment")
    # `comment`: "fine" and "???" cannot be read, row 6 is blank.
    assert dialog.live.text() == (
        "3 of 6 rows would be dropped: 3 without a timestamp that can be read"
    )
    assert dialog.ok_button.isEnabled()
    assert dialog.overrides() == {"time": "comment"}
    assert dialog.model.role_of("comment") == "time"
    assert dialog.model.role_of("event_time") is None
    pick(qtbot, dialog, "time", "event_name")  # no row has a time there
    assert dialog.live.text() == "All 6 rows would be dropped"
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason.isVisibleTo(dialog)
    assert "None of the 6 rows" in dialog.reason.text()


def test_ok_is_disabled_with_the_reason_for_an_unknown_time_zone(qtbot, generic: str) -> None:  # type: ignore[no-untyped-def]
    dialog = make_dialog(qtbot, open_or_ask([generic], ask="always"))
    assert dialog.combos["event"].findText("(none)") == -1  # required: no way to clear it
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        dialog.tz_combo.setCurrentText("Nowhere/Town")
    assert "not a time zone" in dialog.reason.text()
    assert not dialog.ok_button.isEnabled()
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        dialog.tz_combo.setCurrentText("Europe/Berlin")
    assert dialog.ok_button.isEnabled()
    assert not dialog.reason.isVisibleTo(dialog)


def test_a_mappable_failure_opens_the_dialog_and_ok_loads_the_choice(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, no_time: str
) -> None:
    failures: list[str] = []
    window.sig_load_failed.connect(failures.append)
    with qtbot.waitSignal(window.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        window.mapping.open_files([no_time])
    dialog = opened.args[0]
    assert isinstance(dialog, MappingDialog)
    assert "no column with a timestamp" in failures[0]
    assert dialog.combos["time"].currentIndex() == -1  # nothing to preselect
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        pass
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason.text() == "Choose a column for the timestamp."
    pick(qtbot, dialog, "time", "when  (suggested)")  # the loader's message names it too
    assert dialog.live.text() == "1 of 4 rows would be dropped: 1 without a user id"
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        dialog.tz_combo.setCurrentText("Europe/Berlin")
    chosen: list[tuple[object, str]] = []
    dialog.sig_mapping_chosen.connect(lambda o, z: chosen.append((o, z)))
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT) as loaded:
        dialog.ok_button.click()
    assert chosen == [({"time": "when"}, "Europe/Berlin")]
    table = loaded.args[0]
    assert len(table) == 3
    assert table.n_actors == 2
    assert table.report.mapping.time == ("when",)
    assert table.report.timezone == "Europe/Berlin"
    # 10:00 in Berlin in March (CET, UTC+1) is 09:00 UTC.
    assert int(table.time.min()) == int(np.datetime64("2026-03-01T09:00:00", "ns").astype(int))
    assert list(window.session.data_files) == [no_time]
    assert window.mapping.act_change_mapping.isEnabled()


def test_the_choice_is_remembered_and_preselected_next_time(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, no_time: str
) -> None:
    with qtbot.waitSignal(window.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        window.mapping.open_files([no_time])
    dialog = opened.args[0]
    pick(qtbot, dialog, "time", "when  (suggested)")
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT):
        dialog.ok_button.click()
    recent = window.persistence.recent
    assert recent.last_mapping(no_time) == {"time": "when", "assume_tz": "UTC"}
    # Reopening (from Recent, a drop, File > Open) uses it without asking.
    dialogs: list[object] = []
    window.mapping.sig_mapping_dialog.connect(dialogs.append)
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT) as loaded:
        window.mapping.open_files([no_time])
    assert loaded.args[0].report.mapping.time == ("when",)
    assert dialogs == []
    # Asked for, the dialog preselects it.
    with qtbot.waitSignal(window.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        window.mapping.open_files([no_time], ask_mapping=True)
    again = opened.args[0]
    assert again.chosen_columns()["time"] == ("when",)
    assert again.request.problem is None
    again.reject()


def test_change_mapping_cancelled_keeps_the_data(qtbot, window: MainWindow, generic: str) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT):
        window.mapping.open_files([generic])
    table = window.session.table
    with qtbot.waitSignal(window.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        window.mapping.act_change_mapping.trigger()
    dialog = opened.args[0]
    assert dialog.chosen_columns()["time"] == ("event_time",)
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        pass
    dialog.reject()
    QApplication.processEvents()
    assert window.session.table is table
    assert not window.session.loader.busy
    assert window.persistence.recent.last_mapping(generic) is None  # nothing was chosen
    assert list(window.session.data_files) == [generic]


def test_change_mapping_reloads_with_the_new_choice(
    qtbot, window: MainWindow, generic: str
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT):
        window.mapping.open_files([generic])
    with qtbot.waitSignal(window.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        window.mapping.change_mapping()
    dialog = opened.args[0]
    pick(qtbot, dialog, "session", "(none)")
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=WAIT) as loaded:
        dialog.ok_button.click()
    assert loaded.args[0].session is None
    assert len(loaded.args[0]) == 6


def test_unsure_detection_asks_first(qtbot, settings: QSettings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "odd.csv",
        [
            ["visitor", "type", "created_at"],
            ["a", "view", "2026-01-01T00:00:00Z"],
            ["b", "buy", "2026-01-01T00:01:00Z"],
        ],
    )
    win = MainWindow(settings)  # dialogs: a person is there to ask
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.mapping.sig_mapping_dialog, timeout=WAIT) as opened:
        win.mapping.open_files([path])
    dialog = opened.args[0]
    assert dialog.request.problem is None
    assert dialog.chosen_columns()["actor"] == ("visitor",)
    assert "only 60% sure" in dialog.findChild(QLabel, "mappingProblem").text()
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT):
        pass
    dialog.reject()
    assert win.session.table is None


def test_unreadable_files_give_a_message_not_a_dialog(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    dialogs: list[object] = []
    window.mapping.sig_mapping_dialog.connect(dialogs.append)
    with qtbot.waitSignal(window.sig_load_failed, timeout=WAIT) as failed:
        window.mapping.open_files([str(empty)], ask_mapping=True)
    assert "empty.csv" in failed.args[0]
    assert dialogs == []


def test_screenshot_with_the_demo_data(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = MappingDialog(open_or_ask([demo_data_path()], ask="always"))
    qtbot.addWidget(dialog)
    dialog.setStyleSheet((resources_dir() / "style.qss").read_text() + dialog.styleSheet())
    dialog.show()
    with qtbot.waitSignal(dialog.sig_preview_ready, timeout=WAIT) as ready:
        pass
    assert ready.args[0].rows_read == 46_676
    assert dialog.live.text() == "46,676 rows · 0 would be dropped"
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "mapping_dialog.png"))
    pick(qtbot, dialog, "time", "page")
    assert dialog.grab().save(str(SHOTS / "mapping_dialog_impossible.png"))
