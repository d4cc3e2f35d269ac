"""The centre of the window before a funnel exists: an empty state, or what was loaded."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.mapping import ROLES
from funnel_gui.core.io.report import DROP_REASONS, ImportReport
from funnel_gui.qt.charts.daily_volume import DailyVolumeChart
from funnel_gui.qt.widgets.card_flow import CardFlowLayout

FORMATS_TEXT = (
    "CSV, TSV, JSON, JSON lines and Parquet, plain or gzip/zip/zstd compressed, from GA4 "
    "BigQuery, Mixpanel, Amplitude, PostHog, Segment or your own logs."
)


class EmptyState(QWidget):
    sig_open = Signal()
    sig_demo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Open an export or try the demo")
        title.setObjectName("emptyTitle")
        hint = QLabel(f"Drop files here or use File → Open. Reads {FORMATS_TEXT}")
        hint.setWordWrap(True)
        hint.setObjectName("emptyHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        open_button = QPushButton("Open export…")
        open_button.setObjectName("primaryButton")
        demo_button = QPushButton("Try the demo data")
        open_button.clicked.connect(self.sig_open)
        demo_button.clicked.connect(self.sig_demo)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(open_button)
        buttons.addWidget(demo_button)
        buttons.addStretch()
        # The hint wraps: centred by stretches rather than an alignment, which would give
        # it its one-line width and height and cut the wrapped lines off.
        hint.setMaximumWidth(520)
        hint_row = QHBoxLayout()
        hint_row.addStretch()
        hint_row.addWidget(hint, 1)
        hint_row.addStretch()
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(hint_row)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(3)


class StatCard(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statCard")
        self.caption = caption
        self.value = QLabel("–")
        self.value.setObjectName("statValue")
        label = QLabel(caption)
        label.setObjectName("statCaption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.value)
        layout.addWidget(label)


class DataOverview(QWidget):
    """Headline numbers and the import report of the loaded table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards = {
            key: StatCard(caption)
            for key, caption in (
                ("events", "events"),
                ("actors", "users"),
                ("sessions", "sessions"),
                ("distinct", "distinct events"),
                ("span", "time span (UTC)"),
            )
        }
        # Wrapped rather than a fixed row: five cards with the time span need about
        # 900 px, more than the centre column has on a 1280 px (or 1440 px) screen.
        grid = CardFlowLayout(spacing=10)
        for card in self.cards.values():
            grid.addWidget(card)
        self.volume_chart = DailyVolumeChart()
        self.report_view = QTextBrowser()
        self.report_view.setObjectName("reportView")
        self.report_view.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(12)
        layout.addLayout(grid)
        layout.addWidget(self.volume_chart, 2)
        layout.addWidget(self.report_view, 3)

    def show_table(self, table: EventTable) -> None:
        report = table.report
        self.cards["events"].value.setText(f"{len(table):,}")
        self.cards["actors"].value.setText(f"{table.n_actors:,}")
        sessions = table.n_sessions
        self.cards["sessions"].value.setText(f"{sessions:,}" if sessions else "none")
        self.cards["distinct"].value.setText(f"{len(table.event_names):,}")
        self.cards["span"].value.setText(span_text(report.time_span))
        self.volume_chart.set_volume(table.daily_volume)
        self.report_view.setHtml(report_html(report))


def report_html(report: ImportReport) -> str:
    """The import report as a small HTML page (used in the overview and its dialog)."""
    rows = [
        (
            "Detected",
            f"{escape(report.profile_name)} "
            f"<span class='muted'>(confidence {report.confidence:.0%})</span>",
        )
    ]
    rows += [(role.capitalize(), escape(report.mapping.describe(role))) for role in ROLES]
    rows += [
        ("Time format", escape(report.time_description)),
        ("Rows read", f"{report.rows_read:,}"),
        ("Rows kept", f"{report.rows_kept:,}"),
    ]
    for reason, count in report.dropped.items():
        examples = "; ".join(report.drop_examples.get(reason, [])[:3])
        rows.append(
            (
                f"Dropped: {escape(DROP_REASONS.get(reason, reason))}",
                f"<b class='warn'>{count:,}</b> <span class='muted'>{escape(examples)}</span>",
            )
        )
    if report.duplicate_key:
        rows.append(
            (
                "Duplicates removed",
                f"{report.duplicates_removed:,} <span class='muted'>by "
                f"{escape(report.duplicate_key)}</span>",
            )
        )
    if report.exact_duplicates:
        action = "removed" if report.exact_duplicates_removed else "kept"
        rows.append(("Exact duplicate rows", f"{report.exact_duplicates:,} ({action})"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    sources = escape(", ".join(report.sources))
    return (
        "<style>th{text-align:left;padding:3px 18px 3px 0;font-weight:600;}"
        "td{padding:3px 0;} .muted{color:#6b7280;} .warn{color:#b45309;}</style>"
        f"<h3>Import report</h3><p class='muted'>{sources}</p><table>{body}</table>"
        + (f"<p><b>Notes</b></p><ul>{notes}</ul>" if notes else "")
    )


class CentreStack(QStackedWidget):
    """The empty state until data is loaded, then `workspace` (the funnel editor and its
    analysis, with the data `overview` among its tabs)."""

    def __init__(
        self, workspace: QWidget, overview: DataOverview, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.empty = EmptyState()
        self.workspace = workspace
        self.overview = overview
        self.addWidget(self.empty)
        self.addWidget(workspace)

    def show_workspace(self, *_args: object) -> None:
        self.setCurrentWidget(self.workspace)


def span_text(span: tuple[str, str] | None) -> str:
    """Dates for spans of days; times of day too when it all happened within a day or two."""
    if span is None:
        return "–"
    start, end = span
    if start[:10] == end[:10]:
        return f"{start[:10]} {start[11:16]} → {end[11:16]}"
    return f"{start[:10]} → {end[:10]}"
