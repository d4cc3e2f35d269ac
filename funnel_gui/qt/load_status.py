"""The status bar: what data is loaded, its import warnings, and the progress of a load."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.events import EventTable
from funnel_gui.core.report.database_words import origin_html, origin_rows
from funnel_gui.core.sql.sources.summary import SqlSummary
from funnel_gui.core.timefmt import iso
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.overview import report_html, span_text


class LoadStatus(QObject):
    """Follows the session's loads: progress and Cancel while one runs, then what is loaded."""

    def __init__(self, window: QMainWindow, session: AppSession) -> None:
        super().__init__(window)
        self.window = window
        bar = window.statusBar()
        self.status_label = QLabel("No data loaded")
        self.warning_button = QPushButton()  # opens the import report (the window connects it)
        self.warning_button.setObjectName("warningBadge")
        self.warning_button.setFlat(True)
        self.warning_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(session.cancel_load)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.warning_button)
        for widget in self._busy_widgets():
            bar.addPermanentWidget(widget)
            widget.hide()
        session.sig_load_started.connect(self._on_started)
        session.sig_load_progress.connect(self._on_progress)
        session.sig_load_finished.connect(self._on_finished)
        session.sig_load_cancelled.connect(self._on_cancelled)
        session.sig_table_changed.connect(self.show_table)
        self.session = session
        session.sig_sql_opened.connect(self._on_sql_opened)
        session.sig_catalogs_changed.connect(self._on_catalogs)

    def _busy_widgets(self) -> tuple[QWidget, ...]:
        return (self.progress_label, self.progress, self.cancel_button)

    def set_busy(self, busy: bool, message: str = "") -> None:
        for widget in self._busy_widgets():
            widget.setVisible(busy)
        self.progress.setValue(0)
        self.progress_label.setText(message)

    def _on_started(self, message: str) -> None:
        self.set_busy(True, message)

    def _on_finished(self) -> None:
        self.set_busy(False)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress_label.setText(message)

    def _on_cancelled(self) -> None:
        self.set_busy(False)
        self.window.statusBar().showMessage("Loading cancelled", 4000)

    def show_table(self, table: EventTable) -> None:
        """What is loaded, and a badge when rows were left out or duplicated."""
        report = table.report
        self.status_label.setText(
            f"{', '.join(report.sources)}   ·   {report.profile_name}   ·   "
            f"{len(table):,} events   ·   {table.n_actors:,} users   ·   "
            f"{span_text(report.time_span)} UTC"
        )
        removed = report.rows_removed
        warnings = removed + (report.exact_duplicates if not report.exact_duplicates_removed else 0)
        self.warning_button.setVisible(warnings > 0)
        if removed:
            self.warning_button.setText(f"⚠ {removed:,} rows not loaded")
        elif warnings:
            self.warning_button.setText(f"⚠ {report.exact_duplicates:,} duplicate rows")
        self.warning_button.setToolTip("Show the import report")

    def _on_sql_opened(self, label: str) -> None:
        self.status_label.setText(f"Computed in {label}   ·   reading its numbers…")
        self.warning_button.hide()  # nothing was imported: no rows left out

    def _on_catalogs(self, catalogs: object) -> None:
        """A database's summary, said as a file's is (the file name's place says where)."""
        if not isinstance(catalogs, SqlSummary) or self.session.sql_source is None:
            return
        span = catalogs.time_span_ns
        when = span_text((iso(span[0]), iso(span[1])) if span else None)
        self.status_label.setText(
            f"Computed in {self.session.sql_label}   ·   {catalogs.rows:,} events   ·   "
            f"{catalogs.actors:,} users   ·   {catalogs.distinct_events:,} distinct events   ·   "
            f"{when} UTC"
        )


def report_dialog(session: AppSession, parent: QWidget) -> QDialog | None:
    """The import report in a dialog, with Close and "Copy as text"; for a database, where
    it is read instead (nothing was imported); None before any data."""
    table, origin = session.table, session.sql_origin
    if table is not None:
        return _text_dialog(
            "Import report", report_html(table.report), table.report.to_text(), parent
        )
    if origin is None:
        return None
    rows = origin_rows(origin)
    html = f"<h3>Read where it lives</h3>{origin_html(origin)}"
    text = "\n".join(f"{term}: {value}" for term, value in rows)
    return _text_dialog("Where the data is read", html, text, parent)


def _text_dialog(title: str, html: str, text: str, parent: QWidget) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    view = QTextBrowser()
    view.setHtml(html)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    copy = buttons.addButton("Copy as text", QDialogButtonBox.ButtonRole.ActionRole)
    copy.clicked.connect(lambda: QApplication.clipboard().setText(text))
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    layout.addWidget(buttons)
    dialog.resize(720, 520)
    return dialog
