"""File → Open database or warehouse…: a source URL, a table of it, and which of its
columns are the actor, event, time, session and order key.

Connecting and reading a table's columns run in a worker (a warehouse may take seconds to
answer); a failure is one line under the URL. Passwords never appear here: the core
refuses URLs that carry one and says why (credentials come from each client's own
environment variables and files).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.browse import Browser, TableColumns, with_roles
from funnel_gui.core.sql.sources.registry import EXAMPLES
from funnel_gui.qt.workers import TaskRunner, failure_text

PLACEHOLDER = f"duckdb:///path/to/file.duckdb?table=events  or  {EXAMPLES[0]}"
ROLES = ("actor", "event", "time", "session", "order_key")
_LABELS = {"order_key": "Order of equal times"}
_OPTIONAL = {"session": "(none)", "order_key": "(table's row order)"}


def one_line(error: BaseException) -> str:
    """A failure as one line for the dialog (its first line: never a traceback)."""
    text = failure_text(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class DatabaseDialog(QDialog):
    """Picks a SQL source; `source` and `label` are set when it is accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open database or warehouse")
        self.setMinimumWidth(560)
        self.browser: Browser | None = None
        self.table_columns: TableColumns | None = None
        self.source: SqlSource | None = None
        self.label = ""
        self.url = QLineEdit(self)
        self.url.setPlaceholderText(PLACEHOLDER)
        self.url.setAccessibleName("Source URL")
        self.connect_button = QPushButton("Connect", self)
        self.problem = QLabel("", self)
        self.problem.setObjectName("problem")
        self.problem.setStyleSheet("color: #b3261e;")
        self.tables = QComboBox(self)
        self.tables.setAccessibleName("Table")
        self.role_boxes = {role: QComboBox(self) for role in ROLES}
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._layout()
        self.connector: TaskRunner[tuple[Browser, list[str]]] = TaskRunner(self)
        self.column_reader: TaskRunner[TableColumns] = TaskRunner(self)
        self.connector.sig_done.connect(self._on_connected)
        self.connector.sig_failed.connect(self._show_problem)
        self.column_reader.sig_done.connect(self._on_columns)
        self.column_reader.sig_failed.connect(self._show_problem)
        self.connect_button.clicked.connect(self.start_connect)
        self.url.returnPressed.connect(self.start_connect)
        self.tables.currentTextChanged.connect(self._read_columns)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._update_ok()

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(self.connect_button)
        form = QFormLayout()
        form.addRow("Table", self.tables)
        for role, box in self.role_boxes.items():
            text = _LABELS.get(role, role.capitalize())
            box.setAccessibleName(f"{text} column")
            form.addRow(text, box)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Source URL (no password: use the client's usual settings)"))
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ steps

    def start_connect(self) -> None:
        text = self.url.text().strip()
        if not text:
            self.problem.setText("Type a source URL, e.g. " + PLACEHOLDER.split("  ")[0])
            return
        self._set_busy("Connecting…")

        def work(_progress: Progress, _cancelled: Cancelled) -> tuple[Browser, list[str]]:
            browser = Browser(text)
            try:
                return browser, browser.tables()
            except BaseException:
                browser.close()
                raise

        self.connector.start(work)

    def _on_connected(self, done: tuple[Browser, list[str]]) -> None:
        if self.browser is not None:
            self.browser.close()
        self.browser, tables = done
        self.problem.setText("" if tables else "The database has no tables.")
        self.tables.blockSignals(True)
        self.tables.clear()
        self.tables.addItems(tables)
        self.tables.blockSignals(False)
        pick = self.browser.preselected
        if pick in tables:
            self.tables.setCurrentText(pick)
        self._read_columns(self.tables.currentText())

    def _read_columns(self, table: str) -> None:
        browser = self.browser
        if browser is None or not table:
            return
        self._set_busy(f"Reading the columns of {table}…")
        self.column_reader.start(lambda _p, _c: browser.columns(table))

    def _on_columns(self, columns: TableColumns) -> None:
        self.table_columns = columns
        self.problem.setText(columns.problem or "")
        detected = columns.detected
        for role, box in self.role_boxes.items():
            box.clear()
            if role in _OPTIONAL:
                box.addItem(_OPTIONAL[role], None)
            for name in columns.names:
                box.addItem(name, name)
            chosen = getattr(detected, role) if detected is not None else None
            box.setCurrentIndex(max(box.findData(chosen), 0) if chosen else 0)
        self._set_busy("")

    def _show_problem(self, error: BaseException) -> None:
        self._set_busy("")
        self.problem.setText(one_line(error))

    def _set_busy(self, message: str) -> None:
        if message:
            self.problem.setText(message)
        self.connect_button.setEnabled(not message)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.table_columns is not None and self.connect_button.isEnabled())

    # ------------------------------------------------------------------ the answer

    @property
    def table_name(self) -> str:
        return self.tables.currentText()

    def chosen_roles(self) -> dict[str, str | None]:
        return {role: box.currentData() for role, box in self.role_boxes.items()}

    def accept(self) -> None:
        browser, columns = self.browser, self.table_columns
        if browser is None or columns is None:
            return
        roles = self.chosen_roles()
        if not all(roles[r] for r in ("actor", "event", "time")):
            self.problem.setText("Pick the actor, event and time columns.")
            return
        base = columns.detected or _blank(roles)
        try:
            self.source, self.label = browser.open(
                self.tables.currentText(), with_roles(base, columns.names, **roles)
            )
        except Exception as error:  # a table gone since it was listed, a lost connection
            self.problem.setText(one_line(error))
            return
        self.browser = None  # the source owns the connection now
        super().accept()

    def done(self, result: int) -> None:
        self.connector.shutdown()
        self.column_reader.shutdown()
        if result != QDialog.DialogCode.Accepted and self.browser is not None:
            self.browser.close()
            self.browser = None
        super().done(result)


def _blank(roles: dict[str, str | None]) -> ColumnMap:
    return ColumnMap(str(roles["actor"]), str(roles["event"]), str(roles["time"]))
