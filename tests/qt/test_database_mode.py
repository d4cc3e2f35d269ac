"""The window in database mode (SQL mode): the lists of names come from the database, not
from the last file opened; the Data overview shows the database's aggregates; Compare
with… computes both sides on the database; an edit stops the running query for real;
databases come back from File → Recent databases.

Fixture, countable by hand (funnel view → cart, sequential), nine rows:
day 1 (2024-03-01): u1 view, cart · u2 view           (plan "free")
day 2 (2024-03-02): u3 view, cart · u4 view, cart · u5 view, buy   (plan "pro")
Whole period: 5 entered, 3 reached cart (u1 u3 u4). Day 2 only: 3 and 2 (u3 u4); the
previous period of day 2 is day 1: 2 and 1 (u1). Events: view 5 rows (5 people), cart 3
(3), buy 1 (1). The file opened before has other events (signup, login) and a property
"country" the database lacks.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from PySide6.QtWidgets import QMenu

from funnel_gui.core.definition.model import DateRange, FunnelDefinition, Step
from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import ColumnMap, QueryCancelled
from funnel_gui.qt.compare_flow import CompareRequest
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.prompter import HeadlessPrompter
from funnel_gui.qt.recent_databases import DATABASES_KEY, DatabaseEntry, RecentDatabases
from tests.qt.database_fixtures import open_through_dialog, write_database

ROWS = [
    ("u1", "view", "2024-03-01 10:00:00", "free"),
    ("u1", "cart", "2024-03-01 10:01:00", "free"),
    ("u2", "view", "2024-03-01 11:00:00", "free"),
    ("u3", "view", "2024-03-02 10:00:00", "pro"),
    ("u3", "cart", "2024-03-02 10:05:00", "pro"),
    ("u4", "view", "2024-03-02 11:00:00", "pro"),
    ("u4", "cart", "2024-03-02 11:02:00", "pro"),
    ("u5", "view", "2024-03-02 12:00:00", "pro"),
    ("u5", "buy", "2024-03-02 12:10:00", "pro"),
]
FUNNEL = FunnelDefinition(steps=(Step(("view",)), Step(("cart",))))
DAY = 86_400 * 10**9
MARCH_2 = int(datetime(2024, 3, 2, tzinfo=UTC).timestamp()) * 10**9
DAY2 = DateRange(MARCH_2, MARCH_2 + DAY)


def arrow_rows() -> pa.Table:
    return pa.table(
        {
            "user_id": [r[0] for r in ROWS],
            "event_name": [r[1] for r in ROWS],
            "event_time": pa.array(
                [datetime.fromisoformat(r[2]) for r in ROWS], pa.timestamp("us")
            ),
            "plan": [r[3] for r in ROWS],
        }
    )


def other_file(tmp_path: Path) -> Path:
    path = tmp_path / "other.csv"
    path.write_text(
        "user_id,event_name,event_time,country\n"
        "a1,signup,2024-01-01 10:00:00,FR\n"
        "a1,login,2024-01-01 10:05:00,FR\n"
        "a2,signup,2024-01-01 11:00:00,DE\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def opened(window: MainWindow, qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window after a file, then the DuckDB database through the dialog."""
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30_000):
        window.mapping.open_files([str(other_file(tmp_path))])
    assert window.settings_bar.breakdown_combo.findData("country") >= 0  # the file's
    url, table = write_database("duckdb", arrow_rows(), tmp_path)
    open_through_dialog(window, qtbot, url, table)
    qtbot.waitUntil(lambda: window.session.catalogs is not None, timeout=30_000)
    return window


def combo_data(combo) -> list[object]:  # type: ignore[no-untyped-def]
    return [combo.itemData(i) for i in range(combo.count())]


def test_lists_come_from_the_database_not_the_last_file(
    opened: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = opened
    # Busiest first: view (5 rows), cart (3), buy (1).
    model = window.palette_panel.model
    assert [model.event_name(r) for r in range(model.rowCount())] == ["view", "cart", "buy"]
    bar = window.settings_bar
    assert combo_data(bar.breakdown_combo) == [None, "plan"]
    assert bar.exclusions.choices.events == ("view", "cart", "buy")
    assert bar.micro_tray.choices.events == ("view", "cart", "buy")
    assert bar.micro_tray.choices.properties == ("plan",)
    assert sorted(bar.micro_tray.choices.values["plan"]) == ["free", "pro"]
    assert bar.more_dialog._properties == ["plan"]
    # The date pickers start from the database's first and last day.
    first, last = bar._data_days()
    assert (first.toString("yyyy-MM-dd"), last.toString("yyyy-MM-dd")) == (
        "2024-03-01",
        "2024-03-02",
    )
    # Opening a file again puts its names back.
    with qtbot.waitSignal(window.session.sig_table_changed, timeout=30_000):
        window.mapping.open_files([str(other_file(tmp_path))])
    assert combo_data(bar.breakdown_combo) == [None, "country"]


def test_data_overview_shows_the_database_aggregates(opened: MainWindow) -> None:
    overview = opened.workspace.overview
    cards = {key: card.value.text() for key, card in overview.cards.items()}
    assert cards == {
        "events": "9",
        "actors": "5",
        "sessions": "none",
        "distinct": "3",
        "span": "2024-03-01 → 2024-03-02",
    }
    html = overview.report_view.toPlainText()
    assert "Computed in DuckDB · events" in html
    assert "Busiest events" in html
    assert html.index("view") < html.index("cart") < html.index("buy")
    volume = opened.session.catalogs.daily_volume  # type: ignore[union-attr]
    assert list(volume["events"]) == [3, 6]
    assert list(volume["actors"]) == [2, 3]


def run_compare(window: MainWindow, qtbot, request: CompareRequest):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.compare_flow.sig_ready, timeout=60_000) as ready:
        window.compare_flow.start(request)
    return ready.args[0]


def test_compare_previous_period_on_the_database(opened: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = opened
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000):
        window.session.replace_definition(FunnelDefinition(steps=FUNNEL.steps, date_range=DAY2))
    run = run_compare(window, qtbot, CompareRequest("previous"))
    assert [s.count for s in run.result_b.steps] == [3, 2]  # day 2: u3 u4 u5, then u3 u4
    assert [s.count for s in run.result_a.steps] == [2, 1]  # day 1: u1 u2, then u1
    assert (run.label_a, run.label_b) == ("2024-03-01 – 2024-03-01", "2024-03-02 – 2024-03-02")
    assert window.compare_flow.act_stop.isEnabled()


def test_compare_another_export_with_the_database(
    opened: MainWindow, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window = opened
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000):
        window.session.replace_definition(FUNNEL)
    export = tmp_path / "march.csv"  # u7 view, cart · u8 view: 2 entered, 1 reached cart
    export.write_text(
        "user_id,event_name,event_time\n"
        "u7,view,2024-03-05 10:00:00\nu7,cart,2024-03-05 10:01:00\nu8,view,2024-03-05 11:00:00\n",
        encoding="utf-8",
    )
    run = run_compare(window, qtbot, CompareRequest("file", file=str(export)))
    assert [s.count for s in run.result_a.steps] == [2, 1]
    assert [s.count for s in run.result_b.steps] == [5, 3]  # the database, whole period
    assert run.label_b == "DuckDB · events"


class SlowSwitch(DuckDBSource):
    """DuckDB on the nine rows; `slow()` points the next queries at a relation that takes
    minutes to scan unless interrupted. Records how each slow query ended."""

    SLOW = "100000000000"

    def __init__(self) -> None:
        columns = ColumnMap("user_id", "event_name", "event_time", properties=("plan",))
        fast = DuckDBSource.from_table(arrow_rows(), columns)
        super().__init__(fast.connection, fast.relation, fast.columns)
        self.fast_relation = fast.relation
        self.slow_started = threading.Event()
        self.slow_endings: list[str] = []

    def slow(self) -> None:
        self.relation = (
            f"(SELECT * FROM {self.fast_relation} WHERE (SELECT COUNT(*) FROM "
            f"range({self.SLOW}) r WHERE r.range % 7 = 3) >= 0)"
        )

    def fast(self) -> None:
        self.relation = self.fast_relation

    def execute(self, sql: str) -> pa.Table:
        if self.SLOW not in sql or "LIMIT 0" in sql:  # reading the columns is quick
            return super().execute(sql)
        self.slow_started.set()
        try:
            out = super().execute(sql)
        except QueryCancelled:
            self.slow_endings.append("cancelled")
            raise
        self.slow_endings.append("finished")
        return out


def test_an_edit_cancels_the_running_query_and_computes_the_new_funnel(
    window: MainWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    source = SlowSwitch()
    window.database.open(source, "Slow · events")
    qtbot.waitUntil(lambda: window.session.catalogs is not None, timeout=30_000)
    source.slow()
    window.session.replace_definition(FUNNEL)
    qtbot.waitUntil(source.slow_started.is_set, timeout=30_000)
    assert window.session.analysis.runner.busy
    # A new edit while the database scans: the scan stops, the new funnel is computed
    # (within seconds, where the scan alone would take minutes).
    source.fast()
    buy = FunnelDefinition(steps=(Step(("view",)), Step(("buy",))))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=60_000) as ready:
        window.session.replace_definition(buy)
    assert [s.count for s in ready.args[0].result.steps] == [5, 1]  # only u5 bought
    qtbot.waitUntil(lambda: bool(source.slow_endings), timeout=30_000)
    assert source.slow_endings == ["cancelled"]


def test_a_database_reopens_from_recent(
    window: MainWindow, qtbot, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    url, table = write_database("duckdb", arrow_rows(), tmp_path)
    open_through_dialog(window, qtbot, url, table)
    stored = json.loads(str(settings.value(DATABASES_KEY)))
    assert stored == [
        {
            "url": url,
            "table": "events",
            "roles": {
                "actor": "user_id",
                "event": "event_name",
                "time": "event_time",
                "session": None,
                "order_key": None,
            },
        }
    ]
    menu = QMenu()
    window.database.recent.populate_menu(menu, lambda _entry: None)
    assert menu.actions()[0].text().startswith("events · duckdb://")
    # A new window (the next run of the app) opens it again from the menu's entry.
    again = MainWindow(settings, prompter=HeadlessPrompter())
    qtbot.addWidget(again)
    try:
        entry = again.database.recent.entries()[0]
        with qtbot.waitSignal(again.session.sig_result_ready, timeout=60_000) as ready:
            again.database.reopen(entry)
            again.session.replace_definition(FUNNEL)
        assert again.session.sql_label == "DuckDB · events"
        assert [s.count for s in ready.args[0].result.steps] == [5, 3]
    finally:
        again.session.shutdown()


def test_recent_databases_never_keep_a_password(settings) -> None:  # type: ignore[no-untyped-def]
    recent = RecentDatabases(settings)
    recent.add(DatabaseEntry.of("postgresql://ann:secret@db.example/shop", "events", {}))
    settings.setValue(  # a hand-edited settings file with one: not offered either
        DATABASES_KEY,
        json.dumps([{"url": "postgresql://ann:secret@h/db", "table": "t", "roles": {}}]),
    )
    assert recent.entries() == []
    recent.add(DatabaseEntry.of("postgresql://ann@db.example/shop", "events", {}))
    assert [e.url for e in recent.entries()] == ["postgresql://ann@db.example/shop"]
