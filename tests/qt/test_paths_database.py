"""The Paths view in SQL mode (FUNNEL_SEMANTICS §13, §21): with a DuckDB database opened
through the dialog, the view draws the paths the database counted, into step 1 and
between two steps, instead of saying it needs the data in memory.

The fixture of test_database_open (funnel view → cart → buy), by hand:
into step 1 (1-day lookback): u1, u2, u3, u5 have no earlier event: "(start)" × 4, one of
them (u1) buys: macro rate 1/4. Between 1 and 2: u1 and u2 went on directly ("(direct)"
× 2); u3 did nothing after its view ("(nothing)"), u5 bought ("buy"): dropped 2.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from PySide6.QtWidgets import QDialogButtonBox

from funnel_gui.core.sql.duckdb_source import DuckDBSource
from funnel_gui.core.sql.source import QueryCancelled
from funnel_gui.qt.analysis import NEEDS_MEMORY_TEXT
from funnel_gui.qt.charts.paths_view import PathsView
from funnel_gui.qt.main_window import MainWindow
from tests.qt.test_database_open import FUNNEL, HeldSource, database, open_dialog  # noqa: F401 (fixture)


def _paths(view: PathsView) -> dict[str, list[tuple[tuple[str, ...], int, int]]]:
    assert view.data is not None
    return {
        g.name: [(p.events, p.units, p.converted) for p in g.paths] for g in view.data.result.groups
    }


def test_paths_are_counted_by_the_database(
    window: MainWindow,
    qtbot,  # type: ignore[no-untyped-def]
    database: Path,  # noqa: F811
) -> None:
    dialog = open_dialog(window, qtbot, f"duckdb:///{database}?table=events")
    qtbot.waitUntil(lambda: dialog.table_columns is not None, timeout=20_000)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000) as ready:
        ok.click()
        window.session.replace_definition(FUNNEL)
    assert ready.args[0].table is None  # computed by the database
    view = window.workspace.analysis_panel.views["paths"]
    assert isinstance(view, PathsView)
    window.workspace.show_view("paths")
    view.ensure_drawn()  # drawn as when its tab is opened
    assert view.empty_label.text() != NEEDS_MEMORY_TEXT
    assert not view.showing_empty_state
    assert _paths(view) == {"all": [(("(start)",), 4, 1)]}
    # A gap of the funnel chart: the paths between step 1 and 2, from the database too.
    view.show_gap(1)
    view.ensure_drawn()
    assert view.data is not None
    assert view.data.result.step == 1
    assert _paths(view) == {
        "converted": [(("(direct)",), 2, 1)],
        "dropped": [(("(nothing)",), 1, 0), (("buy",), 1, 0)],
    }
    # The units stay in the database: a band lists nobody, and says so when hovered.
    with qtbot.assertNotEmitted(view.sig_show_units):
        view.pick_path(0, 0)
    # Shown, the view asks the database in its own worker when an option changes.
    window.show()
    qtbot.waitExposed(window)
    window.workspace.show_view("paths")
    view.show_gap(None)
    qtbot.waitUntil(lambda: view.data is not None and view.data.result.step is None, timeout=30_000)
    assert _paths(view) == {"all": [(("(start)",), 4, 1)]}


class HeldPaths(HeldSource):
    """The fixture's DuckDB database, except that the paths statement runs until
    cancel() (a slow warehouse): Stop query must reach the database."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.duck = DuckDBSource.from_database(str(path), "events", None)
        self.relation, self.columns = self.duck.relation, self.duck.columns

    def execute(self, sql: str) -> pa.Table:
        if "pan AS" not in sql:  # the funnel, the catalogs: answered by DuckDB
            return self.duck.execute(sql)
        self.running.set()
        if not self.cancelled.wait(60):
            raise AssertionError("never cancelled")
        raise QueryCancelled("The query was cancelled.")

    def close(self) -> None:
        self.duck.close()


def test_stop_query_stops_the_paths_query(
    window: MainWindow,
    qtbot,  # type: ignore[no-untyped-def]
    database: Path,  # noqa: F811
) -> None:
    source = HeldPaths(database)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=30_000):
        window.database.open(source, "Held · events")
        window.session.replace_definition(FUNNEL)
    view = window.workspace.analysis_panel.views["paths"]
    assert isinstance(view, PathsView)
    window.workspace.show_view("paths")
    qtbot.waitUntil(source.running.is_set, timeout=20_000)
    qtbot.waitUntil(lambda: not view.busy.isHidden(), timeout=20_000)
    view.busy.stop_button.click()
    qtbot.waitUntil(source.cancelled.is_set, timeout=20_000)
    assert view.busy.isHidden()
    assert view.data is None  # nothing drawn from a stopped query
