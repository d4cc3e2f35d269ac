"""Export report: one HTML file with each view's chart as an embedded PNG and its tables
as shown (formatted text), written atomically."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QTableView

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io import load_events
from funnel_gui.qt.charts.base import ChartView
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.report_export import report_html, write_report
from funnel_gui.qt.text import format_count
from tests.qt.charts.common import PNG_MAGIC, show_result


def step_counts(result: FunnelResult, _options: None) -> list[int]:
    return [s.count for s in result.steps]


class BarsView(ChartView[None, list[int]]):
    name = "bars"
    title = "Bars & counts"

    def __init__(self) -> None:
        super().__init__(step_counts)
        self.plot = pg.PlotWidget()
        self.model = FrameTableModel(
            [Column("step", "Step"), Column("n", "People", format_count, numeric=True)]
        )
        table = QTableView()
        table.setModel(self.model)
        self.content.addWidget(self.plot)
        self.content.addWidget(table)

    def view_options(self) -> None:
        return None

    def draw(self, result: FunnelResult, data: list[int]) -> str | None:
        heights = data
        self.plot.clear()
        self.plot.addItem(pg.BarGraphItem(x=np.arange(len(heights)), height=heights, width=0.6))
        self.model.set_frame(pd.DataFrame({"step": [s.label for s in result.steps], "n": heights}))
        return None

    def plot_widget(self) -> pg.PlotWidget | None:
        return self.plot


class NothingView(ChartView[None, list[int]]):
    name = "nothing"
    title = "Nothing here"

    def __init__(self) -> None:
        super().__init__(step_counts)

    def view_options(self) -> None:
        return None

    def draw(self, result: FunnelResult, data: list[int]) -> str | None:
        return "Choose a breakdown first"


def small_result(tmp_path: Path) -> FunnelResult:
    rows = ["user_id,event_name,event_time"]
    # 1,200 people view; 1,000 of them buy: the table must show "1,200" and "1,000".
    for i in range(1200):
        rows.append(f"u{i},view,2024-03-01T10:00:00Z")
        if i < 1000:
            rows.append(f"u{i},buy,2024-03-01T10:05:00Z")
    path = tmp_path / "events.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    defn = FunnelDefinition(
        name="Buy <fast>", steps=(Step(events=("view",)), Step(events=("buy",)))
    )
    return compute(load_events(path), defn)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.cells: list[str] = []
        self.h2: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_data(self, data: str) -> None:
        if self._tag in ("td", "th"):
            self.cells.append(data)
        elif self._tag == "h2":
            self.h2.append(data)


def test_the_report_embeds_charts_and_formatted_tables(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = small_result(tmp_path)
    bars, nothing = BarsView(), NothingView()
    for view in (bars, nothing):
        qtbot.addWidget(view)
        show_result(view, result)  # hidden: drawn only when the report asks
    out = tmp_path / "report.html"
    write_report(out, result, [bars, nothing], data_files=["/x/events.csv"])
    text = out.read_text(encoding="utf-8")
    assert "<title>Buy &lt;fast&gt; · Funnel Explorer report</title>" in text
    parsed = _Collect()
    parsed.feed(text)
    # The views as shown, then what the core page adds to reproduce them.
    assert parsed.h2 == ["Bars & counts", "Nothing here", "Definition", "Data", "Reproduce"]
    assert len(parsed.images) == 1
    payload = base64.b64decode(parsed.images[0].removeprefix("data:image/png;base64,"))
    assert payload.startswith(PNG_MAGIC)
    cells = [c for c in parsed.cells if c.strip()]
    assert cells[:6] == ["Step", "People", "view", "1,200", "buy", "1,000"]
    assert "1,200 people entered · 1,000 converted (83.3%) · 0 excluded" in text
    assert "Choose a breakdown first" in text
    assert "events.csv" in text
    assert "/x/" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_long_tables_are_cut_with_a_note(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import funnel_gui.qt.report_export as report_export

    monkeypatch.setattr(report_export, "MAX_TABLE_ROWS", 1)
    result = small_result(tmp_path)
    bars = BarsView()
    qtbot.addWidget(bars)
    show_result(bars, result)
    text = report_html(result, [bars], data_files=[])
    assert re.search(r"… and 1 more rows", text)
