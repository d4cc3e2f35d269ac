"""The step table's §15 columns (FUNNEL_SEMANTICS §15): an optional step's skipped count,
and an open funnel's reached / entered / went on / exited, shown only when the funnel has
them, in the words of what it counts, and in both CSV exports of the table (the chart's
CSV button and the table's own menu). Numbers are counted by hand from tiny logs (times
in minutes).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import compute
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.models.step_table import StepTableModel
from funnel_gui.qt.table_menu import table_rows
from tests.core.engine_fixtures import Row, definition, make_table, step
from tests.qt.charts.common import show_result

OPTIONAL = definition("view", replace(step("cart"), optional=True), "pay", window=60)
# §15 optional cart: u1 views and pays (cart skipped), u2 views, carts and pays, u3 views,
# u4 views and pays (cart skipped).
OPTIONAL_ROWS: list[Row] = [("u1", "view", 0), ("u1", "pay", 2)]
OPTIONAL_ROWS += [("u2", "view", 0), ("u2", "cart", 1), ("u2", "pay", 3)]
OPTIONAL_ROWS += [("u3", "view", 0), ("u4", "view", 0), ("u4", "pay", 1)]

OPEN = replace(definition("view", "cart", "pay", window=60), open=True)
# §15 open: u1 enters at cart and pays; u2 views and carts; u3 enters at cart; u4 views.
OPEN_ROWS: list[Row] = [("u1", "cart", 0), ("u1", "pay", 2)]
OPEN_ROWS += [("u2", "view", 0), ("u2", "cart", 1), ("u3", "cart", 10), ("u4", "view", 0)]


def _model(rows: list[Row], defn: FunnelDefinition, tmp_path: Path) -> StepTableModel:
    model = StepTableModel()
    model.set_result(compute(make_table(rows, tmp_path), defn))
    return model


def _shown_view(qtbot: QtBot) -> FunnelView:
    view = FunnelView()
    qtbot.addWidget(view)
    view.resize(900, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


def _column(model: StepTableModel, col: int) -> list[str]:
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_a_closed_funnel_has_no_extra_columns(tmp_path: Path) -> None:
    model = _model(OPTIONAL_ROWS, definition("view", "cart", "pay"), tmp_path)
    assert model.columnCount() == len(StepTableModel.COLUMNS)
    assert model.extra_columns == ()
    assert model.FROM_PREVIOUS == 3


def test_an_optional_step_shows_its_skipped_count(tmp_path: Path) -> None:
    model = _model(OPTIONAL_ROWS, OPTIONAL, tmp_path)
    assert model.extra_columns == ("skipped",)
    col = model.column_of("skipped")
    assert col == model.COUNT + 1  # right after the count
    assert model.headerData(col, Qt.Orientation.Horizontal) == "Skipped"
    # u1 and u4 went on to pay without cart; view and pay are required.
    assert _column(model, col) == ["–", "2", "–"]
    assert model.index(1, col).data(Qt.ItemDataRole.ToolTipRole).startswith("2 people ")
    tip = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "People" in tip
    # The later columns moved along: from previous is still from previous.
    assert model.headerData(model.FROM_PREVIOUS, Qt.Orientation.Horizontal) == "From prev."
    assert model.headerData(model.MEDIAN_TIME, Qt.Orientation.Horizontal) == "Median time"


def test_an_open_funnel_shows_reached_entered_went_on_exited(tmp_path: Path) -> None:
    model = _model(OPEN_ROWS, OPEN, tmp_path)
    assert model.extra_columns == ("reached", "entered", "proceeded", "exited")
    headers = [
        model.headerData(model.column_of(k), Qt.Orientation.Horizontal) for k in model.extra_columns
    ]
    assert headers == ["Reached", "Entered", "Went on", "Exited"]
    by_key = {k: _column(model, model.column_of(k)) for k in model.extra_columns}
    # view: u2, u4 reached and entered there, u2 went on, u4 exited. cart: u1, u2, u3
    # reached, u1 and u3 entered, u1 went on, u2 and u3 exited. pay: u1 reached, exited.
    assert by_key == {
        "reached": ["2", "3", "1"],
        "entered": ["2", "2", "0"],
        "proceeded": ["1", "1", "0"],
        "exited": ["1", "2", "1"],
    }
    assert model.headerData(model.STILL_OPEN, Qt.Orientation.Horizontal) == "Still open"


def test_columns_come_and_go_and_the_selection_stays(qtbot: QtBot, tmp_path: Path) -> None:
    view = _shown_view(qtbot)
    table = make_table(OPEN_ROWS, tmp_path)
    show_result(view, compute(table, OPEN))
    model = view.step_model
    assert view.step_table.model() is model
    view.step_table.selectionModel().setCurrentIndex(
        model.index(1, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert model.columnCount() == len(StepTableModel.COLUMNS) + 4
    show_result(view, compute(table, replace(OPEN, open=False)))
    assert model.columnCount() == len(StepTableModel.COLUMNS)
    assert view.step_table.currentIndex().row() == 1


def test_csv_exports_carry_the_columns(qtbot: QtBot, tmp_path: Path) -> None:
    view = _shown_view(qtbot)
    show_result(view, compute(make_table(OPEN_ROWS, tmp_path), OPEN))
    steps = view.tables()["steps"]  # the CSV button's table
    assert list(steps["exited"]) == [1, 2, 1]
    assert list(steps["entered"]) == [2, 2, 0]
    header, *rows = table_rows(view.step_table)  # the table's own Export CSV
    assert header[3:7] == ["Reached", "Entered", "Went on", "Exited"]
    assert [r[6] for r in rows] == [1, 2, 1]
    show_result(view, compute(make_table(OPTIONAL_ROWS, tmp_path), OPTIONAL))
    steps = view.tables()["steps"]
    assert steps["skipped"].tolist()[1] == 2
    header, *rows = table_rows(view.step_table)
    assert header[3] == "Skipped"
    assert [r[3] for r in rows] == ["–", 2, "–"]
