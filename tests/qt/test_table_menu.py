"""Every analysis table copies and exports what it shows, numbers as numbers."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QApplication, QTableView

from funnel_gui.qt.charts.registry import make_views
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.table_menu import table_menu, table_text
from funnel_gui.qt.text import format_count, format_percent
from tests.qt.charts.common import show_result


def make_table(qtbot) -> QTableView:  # type: ignore[no-untyped-def]
    model = FrameTableModel(
        [
            Column("group", "Group"),
            Column("n", "People", format_count),
            Column("r", "Rate", format_percent),
        ]
    )
    model.set_frame(
        pd.DataFrame({"group": ["mobile", "desk, top"], "n": [1656, 1226], "r": [0.192, None]})
    )
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    return view


def test_the_table_text_keeps_numbers_raw_and_quotes_commas(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = make_table(qtbot)
    assert table_text(view) == 'Group,People,Rate\nmobile,1656,0.192\n"desk, top",1226,–\n'
    view.setColumnHidden(2, True)
    assert table_text(view, "\t") == "Group\tPeople\nmobile\t1656\ndesk, top\t1226\n"


def test_copy_table_puts_tab_separated_text_on_the_clipboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = make_table(qtbot)
    menu = table_menu(view, "groups")
    copy = next(a for a in menu.actions() if a.text() == "Copy table")
    copy.trigger()
    assert QApplication.clipboard().text().splitlines()[1] == "mobile\t1656\t0.192"
    assert [a.text() for a in menu.actions()] == ["Copy table", "Export table as CSV…"]


def test_chart_views_give_their_tables_the_menu(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.qt.test_report_export import small_result

    result = small_result(tmp_path)
    funnel = make_views()[0]
    qtbot.addWidget(funnel)
    show_result(funnel, result)
    funnel.ensure_drawn()
    tables = funnel.findChildren(QTableView)
    assert tables
    assert all(t.property("tableMenuInstalled") for t in tables)


def test_table_text_neutralises_cells_a_spreadsheet_would_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 15.15: a label from the data like =HYPERLINK(...) is copied as text."""
    model = FrameTableModel([Column("group", "Group"), Column("n", "People", format_count)])
    model.set_frame(pd.DataFrame({"group": ["=HYPERLINK(1)", "@x", "-3"], "n": [-1, 2, 3]}))
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    assert table_text(view) == "Group,People\n'=HYPERLINK(1),-1\n'@x,2\n-3,3\n"
