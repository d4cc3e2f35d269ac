"""`funnel-gui compare A [B] --funnel DEF` (FUNNEL_SEMANTICS §19) on hand-counted data,
and `funnel-gui compute` with the counting options of §16–§18 and §20."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from funnel_gui.cli import main

# March: u1 view, cart, buy; u2 view, cart; u3 view       -> 3, 2, 1
# April: u4 view, cart, buy; u5 view, cart, buy; u6 view  -> 3, 2, 2
ROWS = [
    ("u1", "view", "2026-03-02T10:00:00Z", "mobile", "DE"),
    ("u1", "cart", "2026-03-02T10:01:00Z", "mobile", "DE"),
    ("u1", "buy", "2026-03-02T10:02:00Z", "mobile", "DE"),
    ("u2", "view", "2026-03-03T10:00:00Z", "desktop", "FR"),
    ("u2", "cart", "2026-03-03T10:05:00Z", "desktop", "FR"),
    ("u3", "view", "2026-03-04T10:00:00Z", "mobile", "FR"),
    ("u4", "view", "2026-04-02T10:00:00Z", "mobile", "DE"),
    ("u4", "cart", "2026-04-02T10:01:00Z", "mobile", "DE"),
    ("u4", "buy", "2026-04-02T10:02:00Z", "mobile", "DE"),
    ("u5", "view", "2026-04-03T10:00:00Z", "desktop", "FR"),
    ("u5", "cart", "2026-04-03T10:01:00Z", "desktop", "FR"),
    ("u5", "buy", "2026-04-03T10:02:00Z", "desktop", "FR"),
    ("u6", "view", "2026-04-04T10:00:00Z", "desktop", "DE"),
]


def _write(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device", "country"])
        writer.writerows(rows)
    return path


def _funnel(path: Path, **extra: Any) -> Path:
    body = {
        "format": "funnel-gui.funnel",
        "version": 2,
        "steps": [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}],
        **extra,
    }
    path.write_text(json.dumps(body))
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _write(tmp_path / "shop.csv", ROWS)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(list(args)) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def test_two_periods_of_one_export(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path / "f.funnel.json")
    out = _run(
        capsys,
        "compare",
        str(export),
        "--funnel",
        str(funnel),
        "--period-a",
        "2026-03-01..2026-04-01",
        "--period-b",
        "2026-04-01..2026-05-01",
        "--json",
    )
    assert set(out) == {"steps", "decomposition"}
    assert [(s["a"]["count"], s["b"]["count"]) for s in out["steps"]] == [(3, 3), (2, 2), (1, 2)]
    assert out["steps"][2]["a"]["from_start"] == pytest.approx(1 / 3)
    assert out["steps"][2]["diff"] == pytest.approx(1 / 3)
    assert out["steps"][0]["diff"] == 0
    assert out["steps"][0]["p"] == 1
    assert len(out["steps"][2]["ci"]) == 2
    assert out["decomposition"] is None


def test_two_exports_with_a_breakdown_split_the_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    march = _write(tmp_path / "march.csv", ROWS[:6])
    april = _write(tmp_path / "april.csv", ROWS[6:])
    funnel = _funnel(tmp_path / "f.funnel.json", breakdown={"property": "device"})
    out = _run(capsys, "compare", str(march), str(april), "--funnel", str(funnel), "--json")
    # A: mobile 2 enter, 1 buys; desktop 1, 0.  B: mobile 1, 1; desktop 2, 1.
    # shares A (2/3, 1/3), B (1/3, 2/3); rates A (1/2, 0), B (1, 1/2)
    # mix  = (1/3 − 2/3)(1/2 + 1)/2 + (2/3 − 1/3)(0 + 1/2)/2 = −1/4 + 1/12 = −1/6
    # rate = (1 − 1/2)(2/3 + 1/3)/2 + (1/2 − 0)(1/3 + 2/3)/2 = 1/4 + 1/4  =  1/2
    # total = 2/3 − 1/3 = 1/3
    d = out["decomposition"]
    assert d == pytest.approx({"total": 1 / 3, "mix": -1 / 6, "rate": 1 / 2})


def test_text_output(export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    funnel = _funnel(tmp_path / "f.funnel.json", breakdown={"property": "device"})
    args = ["compare", str(export), "--funnel", str(funnel)]
    assert main([*args, "--period-a", "2026-03-01..2026-04-01", "--period-b", "2026-04-01.."]) == 0
    text = capsys.readouterr().out
    assert "3. buy" in text
    assert "+33.3 pp" in text
    assert "mix" in text
    assert "counts are people" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "needs two periods"),
        (["--period-a", "2026-03-01..2026-04-01"], "both --period-a and --period-b"),
        (["--period-a", "2026-03-01", "--period-b", "2026-04-01.."], "not a period"),
        (["--period-a", "2026-04-01..2026-03-01", "--period-b", ".."], "FROM must be before TO"),
        (["--period-a", "March..", "--period-b", ".."], "not an ISO date"),
    ],
)
def test_bad_periods_are_exit_2(
    export: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    funnel = _funnel(tmp_path / "f.funnel.json")
    assert main(["compare", str(export), "--funnel", str(funnel), *extra]) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------ compute with the new keys


def test_compute_prints_groups_of_several_properties_as_lists(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path / "f.funnel.json", breakdown={"properties": ["device", "country"]})
    out = _run(capsys, "compute", str(export), "--funnel", str(funnel), "--json")
    groups = {tuple(g["value"]): g["counts"] for g in out["breakdown"]["groups"]}
    assert groups == {
        ("mobile", "DE"): [2, 2, 2],
        ("desktop", "FR"): [2, 2, 1],
        ("mobile", "FR"): [1, 0, 0],
        ("desktop", "DE"): [1, 0, 0],
    }
    assert out["breakdown"]["properties"] == ["device", "country"]


def test_compute_with_totals_hold_filters_and_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        # u1 converts twice an hour apart; with a 30-minute timeout these are 2 sessions.
        ("u1", "view", "2026-03-02T10:00:00Z", "mobile", "DE"),
        ("u1", "cart", "2026-03-02T10:01:00Z", "mobile", "DE"),
        ("u1", "buy", "2026-03-02T10:02:00Z", "mobile", "DE"),
        ("u1", "view", "2026-03-02T11:00:00Z", "mobile", "DE"),
        ("u1", "cart", "2026-03-02T11:01:00Z", "desktop", "DE"),  # another device
        ("u1", "cart", "2026-03-02T11:02:00Z", "mobile", "XX"),  # filtered out
        ("u1", "buy", "2026-03-02T11:03:00Z", "mobile", "DE"),
    ]
    export = _write(tmp_path / "e.csv", rows)
    funnel = _funnel(
        tmp_path / "f.funnel.json",
        count="totals",
        hold=["device"],
        filters=[{"property": "country", "op": "neq", "value": "XX"}],
    )
    out = _run(capsys, "compute", str(export), "--funnel", str(funnel), "--json")
    # Two attempts; the second's carts are another device or filtered out.
    assert [s["count"] for s in out["steps"]] == [2, 1, 1]
    assert (out["count"], out["counted"], out["hold_missing"]) == ("totals", "attempts", 0)
    sessions = _funnel(tmp_path / "s.funnel.json", unit="session", sessions={"inactivity": "30m"})
    out = _run(capsys, "compute", str(export), "--funnel", str(sessions), "--json")
    assert out["actors_entered"] == 2
    assert [s["count"] for s in out["steps"]] == [2, 2, 2]


def test_compute_refuses_totals_in_any_order(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path / "f.funnel.json", order="any", count="totals")
    assert main(["compute", str(export), "--funnel", str(funnel)]) == 2
    err = capsys.readouterr().err
    assert "count" in err
    assert "sequential and strict" in err
