"""`funnel-gui report` and `--map-event` on the funnel subcommands (hand-counted data)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from funnel_gui.cli import main

# u1: viewItem, addToCart, buy; u2: viewItem, addToCart; u3: viewItem.
# The funnel was saved on names "view_item" and "add_to_cart".
ROWS = [
    ("u1", "viewItem", 0),
    ("u1", "addToCart", 1),
    ("u1", "buy", 2),
    ("u2", "viewItem", 0),
    ("u2", "addToCart", 3),
    ("u3", "viewItem", 0),
]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "other-site.csv"
    lines = ["user_id,event_name,event_time"]
    lines += [f"{u},{e},2026-03-01T10:{m:02d}:00Z" for u, e, m in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def funnel(tmp_path: Path) -> Path:
    path = tmp_path / "checkout.funnel.json"
    steps = [{"events": ["view_item"]}, {"events": ["add_to_cart"]}, {"events": ["buy"]}]
    body = {"format": "funnel-gui.funnel", "version": 1, "name": "Checkout", "steps": steps}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


MAP = ["--map-event", "view_item=viewItem", "--map-event", "add_to_cart=addToCart"]


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._cell = tag in ("td", "th")

    def handle_data(self, data: str) -> None:
        if self._cell:
            self.cells.append(data)


def test_report_writes_the_page(export: Path, funnel: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out.html"
    code = main(["report", str(export), "--funnel", str(funnel), "-o", str(out), *MAP])
    assert code == 0
    assert "3 people entered" in capsys.readouterr().out
    page = _Cells()
    page.feed(out.read_text(encoding="utf-8"))
    cells = page.cells
    i = cells.index("1. viewItem")  # an unlabelled step is named by its (new) event
    assert cells[i : i + 2] == ["1. viewItem", "3"]
    j = cells.index("3. buy")
    assert cells[j : j + 4] == ["3. buy", "1", "50.0%", "33.3%"]
    assert "1. viewItem: viewItem (micro)" in cells
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_compute_json_has_the_name_and_the_mapped_counts(
    export: Path, funnel: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    assert main(["compute", str(export), "--funnel", str(funnel), "--json", *MAP]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["name"] == "Checkout"
    assert [s["count"] for s in payload["steps"]] == [3, 2, 1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--map-event", "view_item"], "is not OLD=NEW"),
        (["--map-event", "view_item=view"], 'the data has no event "view"'),
        (["--map-event", "nope=viewItem"], 'the funnel has no event "nope"'),
        (["-o", "out.txt"], "the report is HTML"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    export: Path, funnel: Path, tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    args = ["report", str(export), "--funnel", str(funnel)]
    if "-o" not in extra:
        args += ["-o", str(tmp_path / "r.html")]
    assert main([*args, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["drivers", "paths", "compare"])
def test_every_funnel_command_takes_map_event(  # type: ignore[no-untyped-def]
    export: Path, funnel: Path, capsys, command: str
) -> None:
    args = [command, str(export), "--funnel", str(funnel), "--map-event", "view_item=nope"]
    if command == "compare":  # one export: two periods
        args += ["--period-a", "2026-03-01..2026-03-02", "--period-b", "2026-03-02..2026-03-03"]
    assert main(args) == 2
    assert 'the data has no event "nope"' in capsys.readouterr().err
