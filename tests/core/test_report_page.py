"""The HTML report's core page: the definition in words, the data and the numbers of a
hand-counted fixture, and the embedded funnel file that no event name can break out of."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from funnel_gui.core.definition.file import definition_from_dict
from funnel_gui.core.definition.model import (
    Breakdown,
    DateRange,
    Exclusion,
    Filter,
    FunnelDefinition,
    MicroConversion,
    Step,
)
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.io import load_events
from funnel_gui.core.report.definition_words import definition_facts
from funnel_gui.core.report.page import DEFINITION_SCRIPT_ID, embedded_json, report_page

HOSTILE = "</script><script>alert(1)</script>"

# Times in minutes from 2026-03-01T10:00Z. Hand count, sequential, 1 h window:
#   u1: view 0, HOSTILE 1, buy 2  -> step 3
#   u2: view 0, HOSTILE 5         -> step 2
#   u3: view 0                    -> step 1
#   u4: HOSTILE 0                 -> never entered
# Entered 3; step 2: 2 (66.7% of 3); step 3: 1 (50.0% of 2, 33.3% of 3).
# §7: the data ends at 10:05, inside u3's and u2's windows: the drop-off at steps 2 (u3)
# and 3 (u2) is still open.
# One row has no timestamp: read 9, kept 8, dropped 1 ("no timestamp").
ROWS = [
    ("u1", "view", 0),
    ("u1", HOSTILE, 1),
    ("u1", "buy", 2),
    ("u2", "view", 0),
    ("u2", HOSTILE, 5),
    ("u3", "view", 0),
    ("u4", HOSTILE, 0),
    ("u4", "buy", 3),
]


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "shop.csv"
    lines = ["user_id,event_name,event_time,device"]
    for user, event, minute in ROWS:
        quoted = '"' + event.replace('"', '""') + '"'
        lines.append(f"{user},{quoted},2026-03-01T10:{minute:02d}:00Z,mobile")
    lines.append("u9,view,,mobile")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _definition() -> FunnelDefinition:
    return FunnelDefinition(
        name="Checkout <b>",
        steps=(
            Step(events=("view",), label="Product view"),
            Step(
                events=(HOSTILE,),
                where=(Filter("device", "eq", "mobile"),),
                max_gap_ns=3600 * 10**9,
            ),
            Step(events=("buy",), label="Purchase", kind="macro"),
        ),
        window_ns=3600 * 10**9,
        exclusions=(Exclusion(("refund",), (1, 3)),),
        breakdown=Breakdown("device", "last_step"),
        date_range=DateRange(start_ns=1772323200 * 10**9),  # 2026-03-01
        micro_conversions=(MicroConversion(("newsletter",), label="Newsletter"),),
    )


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.rows: list[list[str]] = []
        self.items: list[str] = []
        self._in: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
        elif tag == "li":
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif where in ("td", "th") and self.rows:
            self.rows[-1][-1] += data
        elif where == "li":
            self.items[-1] += data


def _page(tmp_path: Path) -> tuple[str, _Page]:
    table = load_events(_export(tmp_path))
    result = compute(table, _definition())
    html = report_page(
        result,
        data_files=[str(tmp_path / "shop.csv")],
        import_report=table.report,
        made_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    parsed = _Page()
    parsed.feed(html)
    return html, parsed


def test_a_hostile_event_name_cannot_break_out_of_the_embedded_funnel(tmp_path: Path) -> None:
    html, page = _page(tmp_path)
    # One script element only, ours, and it is data: the name did not open another.
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json"]
    attrs, text = page.scripts[0]
    assert attrs["id"] == DEFINITION_SCRIPT_ID
    assert "</script><script>" not in html.replace("</script></body>", "")
    # The embedded JSON is the funnel file, and loads back into the same definition.
    data = json.loads(text)
    assert data["steps"][1]["events"] == [HOSTILE]
    assert definition_from_dict(data).definition == _definition()


def test_embedded_json_escapes_what_ends_a_script() -> None:
    text = embedded_json({"a": "</script>&<!--\u2028"})
    for char in ("<", ">", "&", "\u2028"):
        assert char not in text
    assert json.loads(text) == {"a": "</script>&<!--\u2028"}


def test_the_numbers_are_the_hand_count(tmp_path: Path) -> None:
    _, page = _page(tmp_path)
    steps = [r for r in page.rows if r and r[0][:2] in ("1.", "2.", "3.")]
    assert steps == [
        ["1. Product view", "3", "–", "100.0%", "–", "–"],
        [f"2. {HOSTILE}", "2", "66.7%", "66.7%", "1", "1"],
        ["3. Purchase", "1", "50.0%", "33.3%", "1", "1"],
    ]


def test_the_definition_is_stated_in_words(tmp_path: Path) -> None:
    _, page = _page(tmp_path)
    facts = {row[0]: row[1] for row in page.rows if len(row) == 2 and row[0] != "Step"}
    step_lines = [row[1] for row in page.rows if len(row) == 2 and row[0] == "Step"]
    assert facts["Name"] == "Checkout <b>"
    assert facts["Order"].startswith("sequential")
    assert facts["Window"] == "1h from the step-1 event"
    assert facts["Unit"] == "people (actors)"
    assert facts["Exclusion"] == "refund between step 1 and step 3"
    assert facts["Breakdown"] == "by device, the value on the last step reached"
    assert facts["Dates"].startswith("entered from 2026-03-01 on")
    assert facts["Micro-conversions"] == "Newsletter: newsletter"
    assert step_lines == [
        "1. Product view: view (micro)",
        f'2. {HOSTILE}: {HOSTILE} where device is "mobile"; at most 1h after step 1 (micro)',
        "3. Purchase: buy (macro)",
    ]


def test_the_data_and_its_import_report_are_named(tmp_path: Path) -> None:
    html, page = _page(tmp_path)
    assert "shop.csv" in page.items
    assert str(tmp_path) not in html  # file names only: a report is shared
    assert "Rows read: 9; rows kept: 8" in page.items
    assert "Dropped 1: no timestamp" in page.items
    assert "made 2026-03-02 09:30:00 UTC by Funnel Explorer" in html


def test_the_version_2_options_are_stated_when_set() -> None:
    defn = FunnelDefinition(
        steps=(Step(events=("a",)), Step(events=("b",))),
        count="totals",
        hold=("sku",),
        filters=(Filter("country", "in", ("DE", "FR")),),
        unit="session",
        inactivity_ns=1800 * 10**9,
    )
    facts = {f.term: f.words for f in definition_facts(defn)}
    assert facts["Counting"] == "attempts (totals)"
    assert facts["Unit"] == "sessions"
    assert facts["Hold constant"] == "sku"
    assert facts["Funnel filters"] == "only events where country is one of DE, FR"
    assert facts["Sessions"] == "a new one after 30m inactive"
    assert "Drivers" not in facts
    # §2: without a step marked macro the last one is.
    assert [f.words[-7:] for f in definition_facts(defn) if f.term == "Step"] == [
        "(micro)",
        "(macro)",
    ]
