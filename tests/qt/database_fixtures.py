"""Databases for the window's SQL-mode tests: one event log written as a DuckDB database
file, a PostgreSQL table (FUNNEL_TEST_POSTGRES_URL; skipped with the reason without it)
and a Parquet file chdb reads in place, each with a URL the dialog is given, and the
dialog driven as a person would (type the URL, Connect, pick, OK)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from funnel_gui.core.sql.sources.registry import connect
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.database_dialog import DatabaseDialog
from tests.core.sql.server_fixtures import create_postgres_table, postgres_url

ENGINES = ("duckdb", "postgres", "chdb")
_names = itertools.count()


def write_database(engine: str, rows: pa.Table, folder: Path) -> tuple[str, str]:
    """`rows` as a table of `engine`; the URL to type and the table to pick."""
    folder.mkdir(parents=True, exist_ok=True)
    if engine == "duckdb":
        path = folder / "events.duckdb"
        con = duckdb.connect(str(path))
        con.register("incoming", rows)
        con.execute("CREATE TABLE events AS SELECT * FROM incoming")
        con.close()
        return f"duckdb:///{path}", "events"
    if engine == "postgres":
        url = postgres_url()
        name = f"app_events_{next(_names)}"
        source = connect(url)
        try:
            create_postgres_table(source, name, rows)
        finally:
            source.close()
        return url, name
    pytest.importorskip("chdb", reason="chdb is not installed (funnel-gui[clickhouse])")
    path = folder / "events.parquet"
    pq.write_table(rows, path)
    return f"chdb://{path.as_posix()}", "events.parquet"


def open_through_dialog(
    window: MainWindow, qtbot: Any, url: str, table: str, roles: dict[str, str] | None = None
) -> DatabaseDialog:
    """Type `url`, Connect, pick `table` and the `roles` given (the rest as detected), OK;
    returns once the session computes on the database."""
    dialog = window.database.open_dialog()
    qtbot.addWidget(dialog)
    dialog.url.setText(url)
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.tables.findText(table) >= 0, timeout=60_000)
    if dialog.tables.currentText() != table:
        dialog.tables.setCurrentText(table)
    qtbot.waitUntil(
        lambda: dialog.table_columns is not None and dialog.connect_button.isEnabled(),
        timeout=60_000,
    )
    for role, column in (roles or {}).items():
        box = dialog.role_boxes[role]
        box.setCurrentIndex(box.findData(column))
    with qtbot.waitSignal(window.session.sig_sql_opened, timeout=60_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    return dialog
