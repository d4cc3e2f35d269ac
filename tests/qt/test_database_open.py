"""File → Open database or warehouse…: a DuckDB database file opened through the dialog
(driven as a person would), the funnel computed by DuckDB equals the in-memory engine's on
the same rows, the badge says where it was computed, views that need the rows say so,
a bad URL is one line, and opening an export leaves SQL mode.

Fixture, countable by hand (funnel view → cart → buy, sequential):
u1 view, cart, buy · u2 view, cart · u3 view · u4 cart, buy (never viewed: not entered)
· u5 view, buy (no cart). Ten rows; counts 4 (u1 u2 u3 u5), 2 (u1 u2), 1 (u1).
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.engine.compute import compute
from funnel_gui.core.io import load_events
from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.qt.analysis import NEEDS_MEMORY_TEXT
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.database_dialog import DatabaseDialog

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
HAND_COUNTS = [4, 2, 1]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "events.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events (user_id TEXT, event_name TEXT, event_time TIMESTAMP)")
    con.executemany("INSERT INTO events VALUES (?, ?, ?)", ROWS)
    con.execute("CREATE TABLE other (x INTEGER)")
    con.close()
    return path


def open_dialog(window: MainWindow, qtbot, url: str) -> DatabaseDialog:  # type: ignore[no-untyped-def]
    dialog = window.database.open_dialog()
    qtbot.addWidget(dialog)
    dialog.url.setText(url)
    dialog.connect_button.click()
    return dialog


def test_funnel_computed_in_duckdb_equals_memory(
    window: MainWindow, qtbot, database: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(window, qtbot, f"duckdb:///{database}?table=events")
    qtbot.waitUntil(lambda: dialog.table_columns is not None, timeout=20_000)
    # Both tables are listed; the URL's is picked and its roles detected from the names.
    assert [dialog.tables.itemText(i) for i in range(dialog.tables.count())] == [
        "events",
        "other",
    ]
    assert dialog.tables.currentText() == "events"
    assert dialog.chosen_roles()["actor"] == "user_id"
    assert dialog.chosen_roles()["event"] == "event_name"
    assert dialog.chosen_roles()["time"] == "event_time"
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000) as ready:
        ok.click()
        window.session.replace_definition(FUNNEL)
    outcome = ready.args[0]
    assert outcome.table is None  # computed by the database, nothing held here
    sql_counts = [s.count for s in outcome.result.steps]
    # The in-memory engine on the same ten rows, and the hand count.
    csv = tmp_path / "events.csv"
    lines = ["user_id,event_name,event_time", *(f"{a},{e},{t}" for a, e, t in ROWS)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    memory = compute(load_events(csv), FUNNEL)
    assert sql_counts == [s.count for s in memory.steps] == HAND_COUNTS
    badge = window.database.badge
    assert badge.text() == "Computed in DuckDB · events"
    assert not badge.isHidden()
    # The palette lists the database's events (a catalog by GROUP BY, in a worker).
    model = window.palette_panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=20_000)
    # Drivers needs the rows: one sentence, no crash; the funnel view draws (Paths draws
    # from the database: test_paths_database).
    views = window.workspace.analysis_panel.views
    for name in ("drivers",):
        window.workspace.show_view(name)
        views[name].ensure_drawn()  # drawn as when its tab is opened
        assert views[name].stack.currentWidget() is views[name].empty_label
        assert views[name].empty_label.text() == NEEDS_MEMORY_TEXT
    assert views["funnel"].empty_label.text() != NEEDS_MEMORY_TEXT
    # Who dropped needs the rows too: the status bar says so.
    window.drill_down(2)
    assert window.statusBar().currentMessage() == NEEDS_MEMORY_TEXT
    # Opening an export leaves SQL mode: back to the in-memory engine, no badge.
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30_000):
        window.mapping.open_files([str(csv)])
    assert window.session.sql_source is None
    assert badge.isHidden()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nosuch://host/db", "Unknown source"),
        ("postgresql://user:secret@host/db?table=events", "password"),
        ("duckdb:///no/such/file.duckdb", "No such DuckDB database"),
    ],
)
def test_bad_url_is_one_line(window: MainWindow, qtbot, url: str, says: str) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(window, qtbot, url)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=20_000)
    text = dialog.problem.text()
    assert says.lower() in text.lower()
    assert "\n" not in text
    assert "Traceback" not in text
    assert "secret" not in text  # the password is never repeated
    assert window.session.sql_source is None


class HeldSource:
    """A SqlSource (DuckDB on the ten rows) whose queries, once `hold` is set, run until
    cancel() (a slow warehouse), to see Stop query reach the database and not only the
    worker."""

    dialect = "duckdb"

    def __init__(self) -> None:
        from funnel_gui.core.sql.duckdb_source import DuckDBSource
        from funnel_gui.core.sql.source import ColumnMap

        rows = pa.table(
            {
                "user_id": [r[0] for r in ROWS],
                "event_name": [r[1] for r in ROWS],
                "event_time": pa.array([r[2] for r in ROWS]).cast(pa.timestamp("us")),
            }
        )
        self.real = DuckDBSource.from_table(rows, ColumnMap("user_id", "event_name", "event_time"))
        self.relation, self.columns = self.real.relation, self.real.columns
        self.hold = threading.Event()
        self.running = threading.Event()
        self.cancelled = threading.Event()

    def execute(self, sql: str) -> pa.Table:
        if not self.hold.is_set():
            return self.real.execute(sql)
        self.running.set()
        if not self.cancelled.wait(60):
            raise AssertionError("never cancelled")
        raise QueryCancelled("The query was cancelled.")

    def cancel(self) -> None:
        self.cancelled.set()

    def close(self) -> None:
        self.real.close()


def test_stop_query_cancels_the_database_query(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    source = HeldSource()
    window.database.open(source, "Held · events")
    # The palette's catalogs come first (read from the database, in a worker).
    qtbot.waitUntil(lambda: window.session.catalogs is not None, timeout=20_000)
    source.hold.set()
    window.session.replace_definition(FUNNEL)
    qtbot.waitUntil(source.running.is_set, timeout=20_000)
    stop = window.database.stop_button
    assert not stop.isHidden()
    stop.click()
    qtbot.waitUntil(source.cancelled.is_set, timeout=20_000)
    assert window.session.analysis.outcome is None
