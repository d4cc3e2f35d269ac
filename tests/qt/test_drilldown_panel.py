"""DrillDownPanel: the dropped units listed, filtered, sorted, exported; what they did next.

The fixture is tests.core.test_drilldown.ROWS (view → cart → buy, 60-minute window): between
view and cart dropped c, d, e, h, j (all at minute 0), f (minute 5) and i (minute 1000, the
only one still open). Next events: page ×3, (nothing after), cart, scroll, view ×1 each.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from funnel_gui.core.analysis.drilldown import NOTHING_AFTER
from funnel_gui.core.definition.file import load_funnel
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.events import EventTable
from funnel_gui.core.io import load_events
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.widgets.drilldown_panel import PICK_A_DROP_TEXT, DrillDownPanel
from tests.core.engine_fixtures import definition, exclusion, make_table
from tests.core.test_drilldown import ROWS
from tests.demo_generator import DEMO_DIR, DEMO_FILE_NAME


@pytest.fixture
def data(tmp_path: Path) -> tuple[EventTable, FunnelResult]:
    table = make_table(ROWS, tmp_path)
    defn = definition("view", "cart", "buy", exclusions=[exclusion("refund", between=(1, 2))])
    return table, compute(table, defn)


@pytest.fixture
def panel(qtbot) -> DrillDownPanel:  # type: ignore[no-untyped-def]
    widget = DrillDownPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    return widget


def listed(
    qtbot, panel: DrillDownPanel, result: FunnelResult, table: EventTable, step: int
) -> None:  # type: ignore[no-untyped-def]
    """show_drop, and wait for the list (it is made in a worker)."""
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):
        panel.show_drop(result, table, step)


def column(panel: DrillDownPanel, header: str) -> list[str]:
    model = panel.units_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    c = headers.index(header)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def next_rows(panel: DrillDownPanel) -> list[tuple[str, str, str]]:
    proxy = panel.next_proxy
    return [
        tuple(proxy.index(r, c).data() for c in range(3))  # type: ignore[misc]
        for r in range(proxy.rowCount())
    ]


def test_lists_the_dropped_and_what_they_did_next(
    qtbot, panel: DrillDownPanel, data: tuple[EventTable, FunnelResult]
) -> None:
    table, result = data
    assert panel.empty_label.text() == PICK_A_DROP_TEXT
    listed(qtbot, panel, result, table, 2)
    assert panel.stack.currentWidget() is not panel.empty_label
    assert panel.title.text() == "7 people dropped between view and cart · 1 still open"
    assert column(panel, "Person") == ["c", "d", "e", "h", "j", "f", "i"]
    assert column(panel, "Reached") == ["view"] * 7
    assert column(panel, "Reached at (UTC)")[5] == "2026-03-02 00:05:00"
    assert column(panel, "Still open") == [""] * 6 + ["yes"]
    assert next_rows(panel) == [
        ("page", "3", "42.9%"),
        (NOTHING_AFTER, "1", "14.3%"),
        ("cart", "1", "14.3%"),
        ("scroll", "1", "14.3%"),
        ("view", "1", "14.3%"),
    ]


def test_hide_still_open_and_sorting(
    qtbot, panel: DrillDownPanel, data: tuple[EventTable, FunnelResult]
) -> None:
    table, result = data
    listed(qtbot, panel, result, table, 2)
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):  # made in a worker
        panel.units_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert column(panel, "Person") == ["j", "i", "h", "f", "e", "d", "c"]
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):  # made in a worker
        panel.hide_open.setChecked(True)
    # i is gone; the user's sort is kept.
    assert column(panel, "Person") == ["j", "h", "f", "e", "d", "c"]
    assert panel.title.text().endswith("· 1 still open")  # the title counts everyone
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):  # made in a worker
        panel.hide_open.setChecked(False)
    assert len(column(panel, "Person")) == 7
    time_column = panel.units_model.column_of("time_reached")
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):  # made in a worker
        panel.units_view.sortByColumn(time_column, Qt.SortOrder.DescendingOrder)
    # Stable: the five at minute 0 keep the previous (actor, descending) order.
    assert column(panel, "Person") == ["i", "f", "j", "h", "e", "d", "c"]
    assert isinstance(panel.units_model.index(0, time_column).data(VALUE_ROLE), pd.Timestamp)


def test_export_csv_writes_the_listed_people(
    qtbot, panel: DrillDownPanel, data: tuple[EventTable, FunnelResult], tmp_path: Path
) -> None:
    table, result = data
    listed(qtbot, panel, result, table, 2)
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):  # made in a worker
        panel.hide_open.setChecked(True)
    out = tmp_path / "export"
    out.mkdir()
    path = out / "dropped.csv"
    panel.export_csv(path)
    assert [p.name for p in out.iterdir()] == ["dropped.csv"]  # no temp file left behind
    frame = pd.read_csv(path)
    assert frame["actor"].tolist() == ["c", "d", "e", "h", "j", "f"]
    assert frame["time_reached"].tolist()[0] == "2026-03-02T00:00:00Z"
    assert frame["still_open"].tolist() == [False] * 6
    panel.copy()
    copied = QApplication.clipboard().text().splitlines()
    assert copied[0].split("\t")[0] == "actor"
    assert [line.split("\t")[0] for line in copied[1:]] == ["c", "d", "e", "h", "j", "f"]


def test_nobody_dropped_and_bad_steps(
    qtbot, panel: DrillDownPanel, data: tuple[EventTable, FunnelResult], tmp_path: Path
) -> None:
    table, result = data
    full = make_table([("a", "view", 0), ("a", "cart", 1)], tmp_path)
    listed(qtbot, panel, compute(full, definition("view", "cart")), full, 2)
    assert panel.stack.currentWidget() is panel.empty_label
    assert panel.title.text() == "Nobody dropped between view and cart"
    assert not panel.export_button.isEnabled()
    listed(qtbot, panel, result, table, 1)  # step 1 has no drop-off: a message, not a traceback
    assert panel.stack.currentWidget() is panel.empty_label
    assert "pick a step from 2 to 3" in panel.empty_label.text()


def test_follows_new_results_and_the_charts_signal(
    qtbot, panel: DrillDownPanel, data: tuple[EventTable, FunnelResult], tmp_path: Path
) -> None:
    table, result = data
    panel.set_data(result, table)
    assert panel.empty_label.text() == PICK_A_DROP_TEXT
    with qtbot.waitSignal(panel.sig_listed, timeout=30000):
        panel.show_step(3)  # what a chart's sig_drill_down(3) triggers
    assert panel.title.text() == "1 person dropped between cart and buy · 0 still open"
    two_steps = compute(table, definition("view", "cart"))
    panel.set_data(two_steps, table)  # step 3 no longer exists
    assert panel.step is None
    assert panel.empty_label.text() == PICK_A_DROP_TEXT


def test_session_funnels_list_sessions(qtbot, panel: DrillDownPanel, tmp_path: Path) -> None:
    rows = [("x", "view", 0, "s1"), ("x", "page", 2, "s1"), ("y", "view", 0, "s3")]
    table = make_table(rows, tmp_path, session=True)
    result = compute(table, definition("view", "cart", unit="session"))
    listed(qtbot, panel, result, table, 2)
    assert panel.title.text().startswith("2 sessions dropped")
    assert column(panel, "Session") == ["s1", "s3"]


def test_demo_screenshot(qtbot, panel: DrillDownPanel, tmp_path: Path) -> None:
    table = load_events(DEMO_DIR / DEMO_FILE_NAME)
    result = compute(table, load_funnel(DEMO_DIR / "checkout.funnel.json").definition)
    panel.resize(1100, 420)
    listed(qtbot, panel, result, table, 2)
    step = result.steps[1]
    assert panel.title.text() == (
        f"{step.drop_off:,} people dropped between Product view and Add to cart"
        f" · {step.still_open:,} still open"
    )
    assert panel.units_model.rowCount() == step.drop_off
    assert column(panel, "device")[0] in {"desktop", "mobile", "tablet"}
    path = tmp_path / "drilldown.png"
    assert panel.grab().save(str(path))
    assert path.stat().st_size > 10_000
