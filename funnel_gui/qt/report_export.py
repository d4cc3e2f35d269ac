"""Export report: one self-contained HTML file with every analysis view's chart (as an
embedded PNG) and tables (as the user sees them: formatted, in the shown order).

The tables are read from the views' QTableViews through their models' display text, so
the report says exactly what the app says; nothing is recomputed here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTableView

from funnel_gui.core.atomic import write_text_atomically
from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.charts.base import ChartView

CHART_SIZE = (1100, 480)
MAX_TABLE_ROWS = 500  # a report is for reading; the CSV export carries long lists in full

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 32px auto;
       max-width: 1160px; color: #1f2937; background: #ffffff; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 36px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
p.meta { color: #6b7280; margin-top: 0; }
p.headline { font-size: 15px; }
p.note { color: #6b7280; font-style: italic; }
p.warn { color: #b45309; }
img { max-width: 100%; border: 1px solid #e5e7eb; border-radius: 6px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { padding: 4px 12px; border-bottom: 1px solid #f0f0f0; }
th { text-align: left; background: #f9fafb; border-bottom: 1px solid #d1d5db; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


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


def view_section(view: ChartView[Any, Any]) -> str:
    view.ensure_drawn()
    title = f"<h2>{escape(view.title)}</h2>"
    if view.showing_empty_state:
        return title + f"<p class='note'>{escape(view.empty_label.text())}</p>"
    parts = [title]
    image = view.render_image(*CHART_SIZE)
    if not image.isNull():
        parts.append(f"<img alt='{escape(view.title)} chart' src='{png_data_uri(image)}'>")
    for table in view.findChildren(QTableView):
        parts.append(table_html(table))
    return "".join(parts)


def report_html(
    result: FunnelResult,
    views: Iterable[ChartView[Any, Any]],
    *,
    headline: str,
    data_files: list[str],
) -> str:
    name = result.definition.name or "Untitled funnel"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    files = ", ".join(Path(f).name for f in data_files) or "–"
    warnings = "".join(f"<p class='warn'>{escape(w)}</p>" for w in result.warnings)
    body = "".join(view_section(view) for view in views)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(name)} · Funnel Explorer report</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(name)}</h1>"
        f"<p class='meta'>Data: {escape(files)} · generated {generated} by Funnel Explorer</p>"
        f"<p class='headline'>{escape(headline)}</p>{warnings}{body}</body></html>\n"
    )


def write_report(
    path: Path | str,
    result: FunnelResult,
    views: Iterable[ChartView[Any, Any]],
    *,
    headline: str,
    data_files: list[str],
) -> None:
    write_text_atomically(
        path, report_html(result, views, headline=headline, data_files=data_files)
    )
