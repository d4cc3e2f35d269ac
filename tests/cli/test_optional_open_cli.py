"""`funnel-gui compute` and `fg.compute` with optional steps and open funnels
(FUNNEL_SEMANTICS §15), on a hand-counted export."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import funnel_gui as fg
from funnel_gui.cli import main

# Minutes from 2026-03-01T10:00Z; view -> cart -> buy, 7-day window (every window is
# still open: the data ends at 10:02).
#   u1: view 0, cart 1, buy 2     optional cart: 1-2-3        open: enters at 1, 1-2-3
#   u2: view 0, buy 1             optional cart: 1-3 (skips)  open: enters at 3 (buy's own
#                                 attempt ends highest; the view's ends at 1)
#   u3: cart 0, buy 1             optional cart: no entry     open: enters at 2, 2-3
#   u4: view 0                    both: stops at 1, still open
ROWS = [
    ("u1", "view", 0),
    ("u1", "cart", 1),
    ("u1", "buy", 2),
    ("u2", "view", 0),
    ("u2", "buy", 1),
    ("u3", "cart", 0),
    ("u3", "buy", 1),
    ("u4", "view", 0),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time"])
        for user, event, minute in ROWS:
            writer.writerow([user, event, f"2026-03-01T10:{minute:02d}:00Z"])
    return path


def _funnel(tmp_path: Path, **extra: Any) -> Path:
    path = tmp_path / "f.funnel.json"
    steps: list[dict[str, Any]] = [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}]
    if extra.pop("optional_cart", False):
        steps[1]["optional"] = True
    body = {"format": "funnel-gui.funnel", "version": 2, "steps": steps, **extra}
    path.write_text(json.dumps(body))
    return path


def test_optional_step_json_text_and_actors(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, optional_cart=True)
    actors = tmp_path / "actors.csv"
    argv = ["compute", str(export), "--funnel", str(funnel), "--json", "--actors", str(actors)]
    assert main(argv) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    # §15: view 3 (u1 u2 u4); cart counts who did it (u1); buy furthest >= 3 (u1 u2).
    assert [s["count"] for s in steps] == [3, 1, 2]
    assert steps[1]["optional"] is True
    assert steps[1]["skipped"] == 1
    assert "optional" not in steps[0]
    assert "optional" not in steps[2]
    # Drop-off: u4 stopped at view; nobody stopped at cart.
    assert [s["drop_off"] for s in steps] == [0, 1, 0]
    assert steps[1]["reasons"]["still_open"] == 1
    frame = pd.read_csv(actors).set_index("actor")
    assert frame.loc["u4", "reason"] == "still_open"
    assert pd.isna(frame.loc["u2", "step_2_time"])  # skipped
    assert main(["compute", str(export), "--funnel", str(funnel)]) == 0
    assert "optional: 1 did it, 1 skipped it" in capsys.readouterr().out


def test_open_funnel_json_text_and_api(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, open=True)
    actors = tmp_path / "actors.csv"
    argv = ["compute", str(export), "--funnel", str(funnel), "--json", "--actors", str(actors)]
    assert main(argv) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    # Counts by the last step (§3.4): u1 3, u2 3, u3 3, u4 1.
    assert [s["count"] for s in steps] == [4, 3, 3]
    assert [s["reached"] for s in steps] == [2, 2, 3]  # u1 u4 | u1 u3 | u1 u2 u3
    assert [s["entered"] for s in steps] == [2, 1, 1]  # u1 u4 | u3 | u2
    assert [s["proceeded"] for s in steps] == [1, 2, 0]  # u1 | u1 u3 | -
    assert [s["exited"] for s in steps] == [1, 0, 3]  # u4 | - | all who reached it
    frame = pd.read_csv(actors).set_index("actor")
    assert frame["entry_step"].to_dict() == {"u1": 1, "u2": 3, "u3": 2, "u4": 1}
    assert "reason" in frame.columns
    assert main(["compute", str(export), "--funnel", str(funnel)]) == 0
    text = capsys.readouterr().out
    assert "open: entered at any step" in text
    assert "reached 2: entered here 1, proceeded 2, exited 0" in text
    # The Python API returns the same numbers.
    result = fg.compute(fg.load_events(export), fg.load_funnel(funnel).definition)
    assert [s.flow for s in result.steps] == [
        {k: s[k] for k in ("reached", "entered", "proceeded", "exited")} for s in steps
    ]


def test_refused_combination_is_one_line(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, open=True, order="strict")
    assert main(["compute", str(export), "--funnel", str(funnel)]) == 2
    err = capsys.readouterr().err.strip()
    assert "sequential order only" in err
    assert "\n" not in err
