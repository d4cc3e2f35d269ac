"""`funnel-gui paths` (FUNNEL_SEMANTICS §13) and the reasons `compute` carries (§14), on a
hand-counted export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import funnel_gui as fg
from funnel_gui.cli import main
from tests.formulas import wilson

# Minutes from 2026-03-01T10:00Z; the funnel is view -> cart -> buy, 7-day window.
#   u1: promo 0, view 1, cart 2, buy 3      into: (start) promo; between 1: (direct)
#   u2: promo 0, promo 1, view 2, x 3, cart 4   into: (start) promo; between 1: x
#   u3: view 0, x 1                          into: (start); between 1 dropped: x
ROWS = [
    ("u1", "promo", 0),
    ("u1", "view", 1),
    ("u1", "cart", 2),
    ("u1", "buy", 3),
    ("u2", "promo", 0),
    ("u2", "promo", 1),
    ("u2", "view", 2),
    ("u2", "x", 3),
    ("u2", "cart", 4),
    ("u3", "view", 0),
    ("u3", "x", 1),
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


@pytest.fixture
def funnel(tmp_path: Path) -> Path:
    path = tmp_path / "f.funnel.json"
    steps = [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}]
    path.write_text(json.dumps({"format": "funnel-gui.funnel", "version": 1, "steps": steps}))
    return path


def test_into_json(export: Path, funnel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", str(export), "--funnel", str(funnel), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["where"] == "into"
    assert out["step"] is None
    (group,) = out["groups"]
    assert set(group) == {"name", "units", "paths", "other"}
    assert (group["name"], group["units"], group["other"]) == ("all", 3, {"units": 0})
    first, second = group["paths"]
    assert set(first) == {"events", "units", "share", "macro_rate", "ci"}
    # u2's two promos collapse to one (§13): u1 and u2 share a path, u1 bought.
    assert (first["events"], first["units"], first["share"]) == (["(start)", "promo"], 2, 2 / 3)
    assert first["macro_rate"] == 0.5
    assert first["ci"] == pytest.approx(list(wilson(1, 2)))
    assert (second["events"], second["units"]) == (["(start)"], 1)


def test_between_json(export: Path, funnel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["paths", str(export), "--funnel", str(funnel), "--between", "1", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["where"], out["step"]) == ("between", 1)
    converted, dropped = out["groups"]
    assert converted["name"] == "converted"
    assert {tuple(p["events"]): p["units"] for p in converted["paths"]} == {
        ("(direct)",): 1,
        ("x",): 1,
    }
    assert dropped["name"] == "dropped"
    assert [(p["events"], p["units"]) for p in dropped["paths"]] == [(["x"], 1)]


def test_options(export: Path, funnel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["paths", str(export), "--funnel", str(funnel), "--keep-repeats", "--top", "1"]
    assert main([*argv, "--length", "2", "--lookback", "90s", "--json"]) == 0
    (group,) = json.loads(capsys.readouterr().out)["groups"]
    # 90 s back, repeats kept: u2's promo at 0 is 120 s before its view, so only the one
    # at 1 is in; u1's promo is 60 s before: both (start) → promo. Top 1: u3 is other.
    assert group["paths"] == [
        {
            "events": ["(start)", "promo"],
            "units": 2,
            "share": 2 / 3,
            "macro_rate": 0.5,
            "ci": pytest.approx(list(wilson(1, 2))),
        }
    ]
    assert group["other"] == {"units": 1}


def test_text(export: Path, funnel: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", str(export), "--funnel", str(funnel), "--between", "1"]) == 0
    out = capsys.readouterr().out
    assert "Paths between step 1 (view) and step 2 (cart)" in out
    assert "converted (went on to the next step): 2 units" in out
    assert "dropped (stopped here): 1 units" in out
    assert "(direct)" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--between", "3"], "k in 1 to 2"),
        (["--length", "0"], "length"),
        (["--lookback", "soon"], "soon"),
    ],
)
def test_bad_options_are_exit_2(
    export: Path,
    funnel: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert main(["paths", str(export), "--funnel", str(funnel), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("funnel-gui: ")
    assert message in err
    assert "Traceback" not in err


def test_python_api(export: Path, funnel: Path) -> None:
    table = fg.load_events(export)
    definition = fg.load_funnel(funnel).definition
    result = fg.paths(table, definition, where=("between", 1))
    assert [g.name for g in result.groups] == ["converted", "dropped"]


def test_compute_carries_reasons(
    export: Path, funnel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # §14: the data ends at 10:04, so every window (7 days) is still open.
    actors = tmp_path / "actors.csv"
    argv = ["compute", str(export), "--funnel", str(funnel), "--json", "--actors", str(actors)]
    assert main(argv) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert "reasons" not in steps[0]
    keys = ["still_open", "interrupted", "window", "max_gap", "min_gap", "filter", "never"]
    assert list(steps[1]["reasons"]) == keys
    assert steps[1]["reasons"]["still_open"] == 1  # u3
    assert steps[2]["reasons"]["still_open"] == 1  # u2
    assert all(sum(s["reasons"].values()) == s["drop_off"] for s in steps[1:])
    frame = pd.read_csv(actors).set_index("actor")
    assert frame.loc["u3", "reason"] == "still_open"
    assert pd.isna(frame.loc["u1", "reason"])
