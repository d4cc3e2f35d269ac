"""The Data overview of a database (SQL mode): what its aggregates tell without loading
the table. Rows, people, sessions, distinct events and the time span in the cards, events
per day in the chart, and below them where it is computed, its columns and its busiest
events."""

from __future__ import annotations

from html import escape

from funnel_gui.core.sql.source import ColumnMap
from funnel_gui.core.sql.sources.summary import SqlSummary
from funnel_gui.core.timefmt import iso
from funnel_gui.qt.widgets.overview import DataOverview, span_text

TOP_EVENTS = 10


def show_summary(overview: DataOverview, summary: SqlSummary, label: str, cols: ColumnMap) -> None:
    cards = overview.cards
    cards["events"].value.setText(f"{summary.rows:,}")
    cards["actors"].value.setText(f"{summary.actors:,}")
    sessions = summary.sessions
    cards["sessions"].value.setText(f"{sessions:,}" if sessions else "none")
    cards["distinct"].value.setText(f"{summary.distinct_events:,}")
    span = summary.time_span_ns
    cards["span"].value.setText(span_text((iso(span[0]), iso(span[1])) if span else None))
    overview.volume_chart.set_volume(summary.daily_volume)
    overview.report_view.setHtml(summary_html(summary, label, cols))


def clear_summary(overview: DataOverview, label: str) -> None:
    """While the database's numbers are being read."""
    for card in overview.cards.values():
        card.value.setText("…")
    overview.report_view.setHtml(f"<h3>{escape(label)}</h3><p>Reading the table's numbers…</p>")


def summary_html(summary: SqlSummary, label: str, cols: ColumnMap) -> str:
    roles = [
        ("Actor", cols.actor),
        ("Event", cols.event),
        ("Time", cols.time),
        ("Session", cols.session or "(none)"),
        ("Order of equal times", cols.order_key or "(the table's row order)"),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in roles)
    top = summary.event_catalog.head(TOP_EVENTS)
    events = "".join(
        f"<tr><td>{escape(str(e))}</td><td align='right'>{int(n):,}</td>"
        f"<td align='right'>{int(a):,}</td></tr>"
        for e, n, a in zip(top["event"], top["count"], top["actors"], strict=True)
    )
    return (
        "<style>th{text-align:left;padding:3px 18px 3px 0;font-weight:600;}"
        "td{padding:3px 12px 3px 0;} .muted{color:#6b7280;}</style>"
        f"<h3>Computed in {escape(label)}</h3>"
        "<p class='muted'>The table stays in the database: these numbers are its "
        "aggregates, and no import report applies (nothing was read into memory).</p>"
        f"<table>{rows}</table>"
        f"<h3>Busiest events</h3><table><tr><th>Event</th><th>Rows</th><th>People</th></tr>"
        f"{events}</table>"
    )
