"""Export report: the core report page (core/report/page.py: the definition in words, the
data and its import report, the numbers and the funnel file) with every analysis view's
chart (as an embedded PNG) and tables (as the user sees them: formatted, in order).

The tables are read from the views' QTableViews through their models' display text, so
the report says exactly what the app says; nothing is recomputed here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableView

from funnel_gui.core.atomic import write_text_atomically
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.core.io.report import ImportReport
from funnel_gui.core.report.database_words import DatabaseOrigin
from funnel_gui.core.report.page import Section, report_page
from funnel_gui.qt.charts.base import ChartView

CHART_SIZE = (1100, 480)
MAX_TABLE_ROWS = 500  # a report is for reading; the CSV export carries long lists in full


def png_data_uri(image: QImage) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; PySide6 takes str
    buffer.close()
    return "data:image/png;base64," + base64.b64encode(bytes(data.data())).decode("ascii")


def table_html(view: QTableView) -> str:
    model = view.model()
    if model is None or model.rowCount() == 0:
        return ""
    columns = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    head = "".join(
        f"<th>{escape(str(model.headerData(c, Qt.Orientation.Horizontal) or ''))}</th>"
        for c in columns
    )
    rows = []
    shown = min(model.rowCount(), MAX_TABLE_ROWS)
    for r in range(shown):
        cells = []
        for c in columns:
            index = model.index(r, c)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            align = index.data(Qt.ItemDataRole.TextAlignmentRole)
            numeric = align is not None and bool(int(align) & int(Qt.AlignmentFlag.AlignRight))
            cls = " class='num'" if numeric else ""
            cells.append(f"<td{cls}>{escape('' if text is None else str(text))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = model.rowCount() - shown
    tail = f"<p class='note'>… and {more:,} more rows (export the table as CSV)</p>" if more else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{tail}"


def view_section(view: ChartView[Any, Any]) -> Section:
    view.ensure_drawn()
    if view.showing_empty_state:
        return Section(view.title, f"<p class='note'>{escape(view.empty_label.text())}</p>")
    parts = []
    image = view.render_image(*CHART_SIZE)
    if not image.isNull():
        parts.append(f"<img alt='{escape(view.title)} chart' src='{png_data_uri(image)}'>")
    for table in view.findChildren(QTableView):
        parts.append(table_html(table))
    return Section(view.title, "".join(parts))


def report_html(
    result: FunnelResult,
    views: Iterable[ChartView[Any, Any]],
    *,
    data_files: list[str],
    import_report: ImportReport | None = None,
    origin: DatabaseOrigin | None = None,
) -> str:
    """The core report page (definition in words, data, numbers, the funnel file) with
    every view's chart and tables as the app shows them; `origin`: the database that
    computed it (no import report then)."""
    sections = [view_section(view) for view in views]
    return report_page(
        result,
        data_files=data_files,
        import_report=import_report,
        sections=sections,
        origin=origin,
    )


def write_report(
    path: Path | str,
    result: FunnelResult,
    views: Iterable[ChartView[Any, Any]],
    *,
    data_files: list[str],
    import_report: ImportReport | None = None,
    origin: DatabaseOrigin | None = None,
) -> None:
    html = report_html(
        result, views, data_files=data_files, import_report=import_report, origin=origin
    )
    write_text_atomically(path, html)
