"""File → Open database or warehouse… on each engine the tests can start: DuckDB, PostgreSQL
(FUNNEL_TEST_POSTGRES_URL, from .ci/test_servers.sh; skipped with the reason without it)
and chdb (skipped when the clickhouse extra is not installed). Spark is left to the
command-line test (tests/core/sql/test_spark_source.py): no test here starts it cheaply.

1. The dialog driven as a person would, on a ten-row log counted by hand (funnel view →
   cart → buy): u1 view, cart, buy · u2 view, cart · u3 view · u4 cart, buy (never
   viewed: not entered) · u5 view, buy. Counts 4 (u1 u2 u3 u5), 2 (u1 u2), 1 (u1).
2. The demo funnel (resources/demo: checkout.funnel.json on shop_events.csv.gz) shows the
   same step table (counts, rates, drop-off, median times and their tooltips) computed in
   memory and by each database, the rows numbered in file order so ties in time break
   as the file's order does (§1).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from PySide6.QtCore import Qt

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.resources import demo_data_path
from tests.core.sql.server_fixtures import ROW, numbered_rows
from tests.qt.database_fixtures import ENGINES, open_through_dialog, write_database

ROWS = [
    ("u1", "view", "2024-03-01 10:00:00"),
    ("u1", "cart", "2024-03-01 10:00:30"),
    ("u1", "buy", "2024-03-01 10:02:00"),
    ("u2", "view", "2024-03-01 11:00:00"),
    ("u2", "cart", "2024-03-01 11:01:00"),
    ("u3", "view", "2024-03-01 12:00:00"),
    ("u4", "cart", "2024-03-01 13:00:00"),
    ("u4", "buy", "2024-03-01 13:05:00"),
    ("u5", "view", "2024-03-01 14:00:00"),
    ("u5", "buy", "2024-03-01 14:03:00"),
]
FUNNEL = FunnelDefinition(steps=tuple(Step((e,)) for e in ("view", "cart", "buy")))
DEMO_FUNNEL = demo_data_path().parent / "checkout.funnel.json"
BADGES = {"duckdb": "DuckDB · ", "postgres": "PostgreSQL · ", "chdb": "ClickHouse (chdb) · "}


def hand_rows() -> pa.Table:
    times = [datetime.fromisoformat(r[2]) for r in ROWS]
    return pa.table(
        {
            "user_id": [r[0] for r in ROWS],
            "event_name": [r[1] for r in ROWS],
            "event_time": pa.array(times, pa.timestamp("us", tz="UTC")),
        }
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_dialog_opens_each_engine(window: MainWindow, qtbot, tmp_path: Path, engine: str) -> None:  # type: ignore[no-untyped-def]
    url, table = write_database(engine, hand_rows(), tmp_path)
    dialog = open_through_dialog(window, qtbot, url, table)
    assert dialog.chosen_roles()["actor"] == "user_id"
    assert dialog.chosen_roles()["event"] == "event_name"
    assert dialog.chosen_roles()["time"] == "event_time"
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=120_000) as ready:
        window.session.replace_definition(FUNNEL)
    assert [s.count for s in ready.args[0].result.steps] == [4, 2, 1]
    badge = window.database.badge
    assert badge.text() == f"Computed in {BADGES[engine]}{table}"
    assert not badge.isHidden()
    qtbot.waitUntil(lambda: window.palette_panel.model.rowCount() == 3, timeout=60_000)


def shown_step_table(window: MainWindow) -> list[list[str]]:
    """The funnel view's step table as a person reads it: every cell, and the timing
    tooltips (median, mean, quartiles, p90)."""
    view = window.workspace.analysis_panel.views["funnel"]
    assert isinstance(view, FunnelView)
    view.ensure_drawn()
    model = view.step_model
    rows = []
    for r in range(model.rowCount()):
        cells = [str(model.index(r, c).data()) for c in range(model.columnCount())]
        cells.append(str(model.index(r, model.MEDIAN_TIME).data(Qt.ItemDataRole.ToolTipRole)))
        rows.append(cells)
    return rows


def test_demo_funnel_shows_the_same_in_memory_and_in_each_database(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=60_000):
        window.open_demo()
    table = window.session.table
    assert table is not None
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=60_000) as ready:
        assert window.funnel_files.open(DEMO_FUNNEL)
    memory = ready.args[0].result
    expected = shown_step_table(window)
    assert len(expected) == 4
    assert expected[3][2] != "0"  # people reach the last step: the comparison means something
    rows, _columns = numbered_rows(table)
    opened = []
    for engine in ENGINES:
        try:
            url, name = write_database(engine, rows, tmp_path / engine)
        except pytest.skip.Exception:
            continue  # that engine's own test says why it is skipped
        opened.append(engine)
        with qtbot.waitSignal(window.session.sig_result_ready, timeout=300_000) as ready:
            open_through_dialog(window, qtbot, url, name, {"order_key": ROW})
        got = ready.args[0].result
        assert ready.args[0].table is None  # computed by the database
        assert [s.count for s in got.steps] == [s.count for s in memory.steps], engine
        assert [s.time_from_previous for s in got.steps] == [
            s.time_from_previous for s in memory.steps
        ], engine
        assert shown_step_table(window) == expected, engine
    assert "duckdb" in opened
