"""`funnel-gui compute`: a saved funnel on an export, as text, JSON or CSV (hand-counted data)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from funnel_gui.cli import main
from tests.formulas import wilson

# Three users, times in minutes from 2026-03-01T10:00Z:
#   u1: view 0, cart 1, buy 2          -> reaches step 3
#   u2: view 0, cart 5                 -> reaches step 2
#   u3: cart 0, view 1                 -> step 1 only (cart came before view)
ROWS = [
    ("u1", "view", 0, "mobile"),
    ("u1", "cart", 1, "mobile"),
    ("u1", "buy", 2, "mobile"),
    ("u2", "view", 0, "desktop"),
    ("u2", "cart", 5, "desktop"),
    ("u3", "cart", 0, "mobile"),
    ("u3", "view", 1, "mobile"),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device"])
        for user, event, minute, device in ROWS:
            writer.writerow([user, event, f"2026-03-01T10:{minute:02d}:00Z", device])
    return path


@pytest.fixture
def funnel(tmp_path: Path) -> Path:
    path = tmp_path / "f.funnel.json"
    path.write_text(
        json.dumps(
            {
                "format": "funnel-gui.funnel",
                "version": 1,
                "name": "Shop",
                "steps": [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}],
                "breakdown": {"property": "device"},
            }
        )
    )
    return path


def test_json_output(export: Path, funnel: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["compute", str(export), "--funnel", str(funnel), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "Shop"
    assert out["unit"] == "actor"
    assert out["actors_entered"] == 3
    assert out["excluded"] == 0
    assert [s["count"] for s in out["steps"]] == [3, 2, 1]
    assert [s["drop_off"] for s in out["steps"]] == [0, 1, 1]
    assert out["steps"][1]["from_previous"] == pytest.approx(2 / 3)
    assert out["steps"][2]["from_start"] == pytest.approx(1 / 3)
    # u1: cart 1 min after view; u2: 5 min -> median 3 min.
    assert out["steps"][1]["time_from_previous"]["median"] == pytest.approx(180.0)
    assert out["steps"][0]["time_from_previous"] is None
    groups = {g["value"]: g["counts"] for g in out["breakdown"]["groups"]}
    assert groups == {"mobile": [2, 1, 1], "desktop": [1, 1, 0]}
    assert isinstance(out["micro_macro"], list)
    assert isinstance(out["trend"], list)
    assert out["trend"][0]["counts"] == [3, 2, 1]


def test_json_segments_every_group_at_every_step(export: Path, funnel: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["compute", str(export), "--funnel", str(funnel), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["segments"]
    # Per step, the groups largest first: mobile (u1, u3) reach [2, 1, 1], desktop [1, 1, 0].
    assert [(r["step"], r["value"], r["count"], r["entered"]) for r in rows] == [
        (1, "mobile", 2, 2),
        (1, "desktop", 1, 1),
        (2, "mobile", 1, 2),
        (2, "desktop", 1, 1),
        (3, "mobile", 1, 2),
        (3, "desktop", 0, 1),
    ]
    assert all(
        set(r) == {"value", "step", "count", "entered", "rate", "ci", "p_value"} for r in rows
    )
    assert [r["rate"] for r in rows] == pytest.approx([1, 1, 0.5, 1, 0.5, 0])
    assert rows[4]["ci"] == pytest.approx(list(wilson(1, 2)))
    assert rows[0]["p_value"] is None  # everyone converts to step 1: nothing to test
    # Steps 2 and 3: 1 of 2 against 1 of 1 (and 0 of 1), pooled z = 0.5 / sqrt(1/3) either
    # way; Holm doubles the two equal p-values.
    z = 0.5 / math.sqrt(1 / 3)
    assert [r["p_value"] for r in rows[2:]] == pytest.approx([2 * math.erfc(z / math.sqrt(2))] * 4)


def test_csv_and_actor_export(export: Path, funnel: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    actors = tmp_path / "actors.csv"
    code = main(["compute", str(export), "--funnel", str(funnel), "--csv", "--actors", str(actors)])
    assert code == 0
    steps = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert steps["count"].tolist() == [3, 2, 1]
    frame = pd.read_csv(actors).set_index("actor")
    assert frame.loc["u1", "furthest_step"] == 3
    assert frame.loc["u2", "furthest_step"] == 2
    assert frame.loc["u3", "furthest_step"] == 1
    assert frame.loc["u2", "breakdown"] == "desktop"


def test_bad_definition_is_exit_2(export: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.funnel.json"
    bad.write_text('{"format": "funnel-gui.funnel", "version": 1, "steps": [], "colour": 1}')
    assert main(["compute", str(export), "--funnel", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("funnel-gui: ")
    assert "Traceback" not in err


def test_unknown_event_is_a_warning_not_an_error(export: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "typo.funnel.json"
    path.write_text(
        json.dumps(
            {
                "format": "funnel-gui.funnel",
                "version": 1,
                "steps": [{"events": ["view"]}, {"events": ["checkout"]}],
            }
        )
    )
    assert main(["compute", str(export), "--funnel", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert [s["count"] for s in json.loads(captured.out)["steps"]] == [3, 0]
    assert "checkout" in captured.err
