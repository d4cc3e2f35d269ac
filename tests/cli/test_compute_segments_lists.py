"""`funnel-gui compute --json` segments with a breakdown by a list of properties
(FUNNEL_SEMANTICS §18, §10): each group's `value` is the list of the properties' values,
also for one name in `properties`, the same lists the Python API gives."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from funnel_gui.cli import main
from funnel_gui.core.analysis.segments import segment_dicts, segments
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.io import load_events

# view → cart → buy, first_step attribution (the view carries the values):
#   u1 mobile/DE: view, cart, buy -> 3      u3 mobile/FR: view -> 1
#   u2 desktop/FR: view, cart     -> 2      u4 mobile/DE: view -> 1
ROWS = [
    ("u1", "view", "2026-03-02T10:00:00Z", "mobile", "DE"),
    ("u1", "cart", "2026-03-02T10:01:00Z", "mobile", "DE"),
    ("u1", "buy", "2026-03-02T10:02:00Z", "mobile", "DE"),
    ("u2", "view", "2026-03-03T10:00:00Z", "desktop", "FR"),
    ("u2", "cart", "2026-03-03T10:05:00Z", "desktop", "FR"),
    ("u3", "view", "2026-03-04T10:00:00Z", "mobile", "FR"),
    ("u4", "view", "2026-03-05T10:00:00Z", "mobile", "DE"),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user_id", "event_name", "event_time", "device", "country"])
        writer.writerows(ROWS)
    return path


def _funnel(tmp_path: Path, properties: list[str]) -> Path:
    path = tmp_path / "f.funnel.json"
    body = {
        "format": "funnel-gui.funnel",
        "version": 2,
        "steps": [{"events": ["view"]}, {"events": ["cart"]}, {"events": ["buy"]}],
        "breakdown": {"properties": properties},
    }
    path.write_text(json.dumps(body))
    return path


def _segments(capsys: pytest.CaptureFixture[str], export: Path, funnel: Path) -> Any:
    assert main(["compute", str(export), "--funnel", str(funnel), "--json"]) == 0
    return json.loads(capsys.readouterr().out)["segments"]


def test_18_segment_values_are_lists_of_the_properties_values(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, ["device", "country"])
    rows = _segments(capsys, export, funnel)
    # Groups by size, ties by their values: mobile/DE (u1, u4), desktop/FR (u2),
    # mobile/FR (u3). Reaching step 2: u1 and u2; step 3: u1.
    assert [(r["step"], r["value"], r["count"], r["entered"]) for r in rows] == [
        (1, ["mobile", "DE"], 2, 2),
        (1, ["desktop", "FR"], 1, 1),
        (1, ["mobile", "FR"], 1, 1),
        (2, ["mobile", "DE"], 1, 2),
        (2, ["desktop", "FR"], 1, 1),
        (2, ["mobile", "FR"], 0, 1),
        (3, ["mobile", "DE"], 1, 2),
        (3, ["desktop", "FR"], 0, 1),
        (3, ["mobile", "FR"], 0, 1),
    ]


def test_18_one_name_in_properties_still_gives_lists(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, ["device"])
    rows = _segments(capsys, export, funnel)
    # mobile: u1, u3, u4 reach [3, 1, 1]; desktop: u2 reaches [1, 1, 0].
    assert [(r["step"], r["value"], r["count"]) for r in rows] == [
        (1, ["mobile"], 3),
        (1, ["desktop"], 1),
        (2, ["mobile"], 1),
        (2, ["desktop"], 1),
        (3, ["mobile"], 1),
        (3, ["desktop"], 0),
    ]


def test_a_breakdown_by_one_property_keeps_text_values(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "one.funnel.json"
    path.write_text(
        json.dumps(
            {
                "format": "funnel-gui.funnel",
                "version": 1,
                "steps": [{"events": ["view"]}, {"events": ["cart"]}],
                "breakdown": {"property": "country"},
            }
        )
    )
    rows = _segments(capsys, export, path)
    # DE: u1, u4 (one reaches cart); FR: u2, u3 (one reaches cart). Ties by value.
    assert [(r["step"], r["value"], r["count"]) for r in rows] == [
        (1, "DE", 2),
        (1, "FR", 2),
        (2, "DE", 1),
        (2, "FR", 1),
    ]


def test_the_python_api_gives_the_same_lists(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    funnel = _funnel(tmp_path, ["device", "country"])
    cli_rows = _segments(capsys, export, funnel)
    result = compute(load_events([export]), load_funnel(funnel).definition)
    api_rows = segments(result)
    assert [r.values for r in api_rows[:3]] == [
        ("mobile", "DE"),
        ("desktop", "FR"),
        ("mobile", "FR"),
    ]
    assert segment_dicts(api_rows) == cli_rows
    groups = result.to_dict()["breakdown"]["groups"]
    assert [g["value"] for g in groups] == [r["value"] for r in cli_rows[:3]]
