"""File → Export report when the funnel is computed by a database (issue 13): the report
says where it was computed (engine, URL without credentials, table, column mapping) in
place of files and an import report, and a hostile table or column name stays text.
The database is opened as `funnel-gui URL` opens it (DatabaseFlow.open_command_line).

Fixture, countable by hand (view → buy, sequential): u1 view, buy · u2 view · u3 buy.
Entered 2 (u1 u2), converted 1 (u1): 50.0%.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from funnel_gui.core.definition.model import FunnelDefinition, Step
from funnel_gui.core.sql.open import open_sql_source
from funnel_gui.core.sql.source import ColumnMap
from funnel_gui.qt.main_window import MainWindow

TABLE = "<script>alert('t')</script>"
ACTOR = "<img src=x onerror=alert(1)>"
PROPERTY = 'plan"&<b>'


def hostile_database(folder: Path) -> str:
    path = folder / "hostile.duckdb"
    con = duckdb.connect(str(path))
    q = '"' + TABLE.replace('"', '""') + '"'
    a = '"' + ACTOR.replace('"', '""') + '"'
    p = '"' + PROPERTY.replace('"', '""') + '"'
    con.execute(f"CREATE TABLE {q} ({a} VARCHAR, event VARCHAR, time TIMESTAMP, {p} VARCHAR)")
    day = datetime(2024, 3, 1, 10, tzinfo=UTC).replace(tzinfo=None)
    rows = [
        ("u1", "view", day.replace(minute=0)),
        ("u1", "buy", day.replace(minute=5)),
        ("u2", "view", day.replace(minute=1)),
        ("u3", "buy", day.replace(minute=2)),
    ]
    con.executemany(f"INSERT INTO {q} VALUES (?, ?, ?, 'free')", rows)
    con.close()
    return f"duckdb://{path.as_posix()}?table={quote(TABLE)}"


@pytest.fixture
def computed(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> MainWindow:
    window.session.analysis.set_debounce_ms(0)
    window.session.replace_definition(
        FunnelDefinition(steps=(Step(("view",)), Step(("buy",))), name="Hostile")
    )
    url = hostile_database(tmp_path)
    columns = ColumnMap(ACTOR, "event", "time", properties=(PROPERTY,))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=60_000):
        window.database.open_command_line(url, lambda: open_sql_source(url, columns=columns))
    qtbot.waitUntil(lambda: window.session.catalogs is not None, timeout=60_000)
    return window


def test_export_report_says_where_it_was_computed(computed: MainWindow, tmp_path: Path) -> None:
    window = computed
    result = window.session.result
    assert result is not None
    assert (result.actors_entered, result.steps[-1].count) == (2, 1)
    assert window.act_export_report.isEnabled()
    assert window.database.badge.text() == f"Computed in DuckDB · {TABLE}"
    out = tmp_path / "report.html"
    window.workspace.export_report(out)
    page = out.read_text(encoding="utf-8")
    assert "Data: read where it lives" in page
    assert "computed in DuckDB · &lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the actor column, as text
    assert "plan&quot;&amp;&lt;b&gt;" in page  # the property column
    assert (
        f"hostile.duckdb?table={TABLE}".replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#x27;")
        in page
    )
    assert "Import report" not in page
    assert "Rows read" not in page
    for raw in (TABLE, ACTOR, PROPERTY):
        assert raw not in page


def test_a_bad_url_is_one_line(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    url = f"duckdb://{(tmp_path / 'missing.duckdb').as_posix()}?table=events"
    with qtbot.waitSignal(window.database.sig_problem, timeout=30_000) as problem:
        window.database.open_command_line(url, lambda: open_sql_source(url))
    message = problem.args[0]
    assert message.startswith(f"Could not open {url}: No such DuckDB database")
    assert "\n" not in message
    assert window.session.sql_source is None


def test_import_report_says_where_the_data_is_read(computed: MainWindow, qtbot: QtBot) -> None:
    window = computed
    assert window.act_report.isEnabled()
    dialog = window.report_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Where the data is read"
    [view] = dialog.findChildren(QTextBrowser)
    text = view.toPlainText()
    assert "Read where it lives" in text
    assert f"Table\n{TABLE}" in text
    assert f"Actor column\n{ACTOR}" in text
    # The status line says what the database holds, as it does for a file: 4 rows, 3
    # people, 2 distinct events, one day.
    assert window.load_status.status_label.text() == (
        f"Computed in DuckDB · {TABLE}   ·   4 events   ·   3 users   ·   "
        "2 distinct events   ·   2024-03-01 10:00 → 10:05 UTC"
    )
