"""A right-click menu for any table of the analysis: copy it, or save it as CSV.

Cells are taken as the table shows them, in its row order and with its columns, except
that a cell with a raw number behind it (VALUE_ROLE) is written as that number, so a
spreadsheet gets 0.234 rather than "23.4%".
"""

from __future__ import annotations

import csv
import io

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMenu, QTableView

from funnel_gui.core.atomic import write_text_atomically
from funnel_gui.core.safe_csv import safe_rows
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.save_dialog import save_with_dialog

_INSTALLED = "tableMenuInstalled"


def table_rows(view: QTableView) -> list[list[object]]:
    """Header and rows of what `view` shows (hidden columns left out)."""
    model = view.model()
    if model is None:
        return []
    columns = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    rows: list[list[object]] = [
        [model.headerData(c, Qt.Orientation.Horizontal) or "" for c in columns]
    ]
    for r in range(model.rowCount()):
        row: list[object] = []
        for c in columns:
            index = model.index(r, c)
            value = index.data(VALUE_ROLE)
            if not isinstance(value, int | float) or isinstance(value, bool):
                value = index.data(Qt.ItemDataRole.DisplayRole)
            row.append("" if value is None else value)
        rows.append(row)
    return rows


def table_text(view: QTableView, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    # Cells come from the data: made safe so a spreadsheet never runs one as a formula.
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows(safe_rows(table_rows(view)))
    return buffer.getvalue()


def install_table_menu(view: QTableView, name: str = "table") -> None:
    """Give `view` the Copy / Export CSV menu (once)."""
    if view.property(_INSTALLED):
        return
    view.setProperty(_INSTALLED, True)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(
        lambda pos: _show_menu(view, view.viewport().mapToGlobal(pos), name)
    )


def table_menu(view: QTableView, name: str) -> QMenu:
    menu = QMenu(view)
    menu.addAction("Copy table", lambda: QApplication.clipboard().setText(table_text(view, "\t")))
    menu.addAction("Export table as CSV…", lambda: export_table_dialog(view, name))
    return menu


def _show_menu(view: QTableView, global_pos: QPoint, name: str) -> None:
    menu = table_menu(view, name)
    menu.exec(global_pos)
    menu.deleteLater()


def export_table_dialog(view: QTableView, name: str) -> None:
    save_with_dialog(
        view,
        "Export table",
        name,
        "CSV table (*.csv)",
        (".csv",),
        lambda path: write_text_atomically(path, table_text(view)),
    )
