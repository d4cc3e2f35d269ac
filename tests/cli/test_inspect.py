"""`funnel-gui inspect`: the detected profile, mapping and import report, as text or JSON."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from funnel_gui.cli import main


def _shop_csv(path: Path) -> Path:
    rows = [
        ("u1", "view", "2026-03-01T10:00:00Z", "s1"),
        ("u1", "cart", "2026-03-01T10:01:00Z", "s1"),
        ("u1", "buy", "2026-03-01T10:02:00Z", "s1"),
        ("u2", "view", "2026-03-02T08:00:00Z", "s2"),
        ("u2", "view", "not a time", "s2"),
        ("u3", "", "2026-03-03T08:00:00Z", "s3"),
    ]
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["visitor", "action", "ts", "visit"])
        writer.writerows(rows)
    return path


def test_json_report_has_the_documented_keys(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _shop_csv(tmp_path / "log.csv")
    code = main(["inspect", str(path), "--json", "--actor", "visitor", "--session", "visit"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mapping"] == {
        "actor": "visitor",
        "event": "action",
        "time": "ts",
        "session": "visit",
    }
    assert isinstance(out["profile"], str)
    assert out["rows_read"] == 6
    assert out["rows_kept"] == 4
    assert out["dropped"] == {"missing_event": 1, "unparsable_time": 1}
    assert out["duplicates_removed"] == 0
    assert out["actors"] == 2
    assert out["sessions"] == 2
    assert out["events"] == {
        "view": {"count": 2, "actors": 2},
        "cart": {"count": 1, "actors": 1},
        "buy": {"count": 1, "actors": 1},
    }
    assert out["time_span"] == ["2026-03-01T10:00:00Z", "2026-03-02T08:00:00Z"]


def test_text_report_names_mapping_and_drops(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _shop_csv(tmp_path / "log.csv")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Rows read: 6" in out
    assert "dropped 1: no event name" in out
    assert "log.csv: row 6" in out  # the row without an event name


def test_errors_go_to_stderr_with_exit_code_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["inspect", str(tmp_path / "missing.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "does not exist" in captured.err
    assert "Traceback" not in captured.err


def test_unknown_column_override_is_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _shop_csv(tmp_path / "log.csv")
    assert main(["inspect", str(path), "--event", "nope"]) == 2
    assert "'nope'" in capsys.readouterr().err


def test_unknown_time_zone_is_a_clear_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _shop_csv(tmp_path / "log.csv")
    assert main(["inspect", str(path), "--tz", "Mars/Olympus"]) == 2
    assert "not a time zone" in capsys.readouterr().err


@pytest.mark.parametrize("entry", [["-m", "funnel_gui"]])
def test_module_entry_point_runs(entry: list[str], tmp_path: Path) -> None:
    path = _shop_csv(tmp_path / "log.csv")
    result = subprocess.run(
        [sys.executable, *entry, "inspect", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows_kept"] == 4
