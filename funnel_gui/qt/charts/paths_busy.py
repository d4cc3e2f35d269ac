"""QueryBusy: a one-line "counting in the database" row with progress and Stop query, for
a view that asks the database itself (the Paths view in SQL mode, §21). Hidden unless a
query of the view is running; Stop query stops the view's worker and the database's query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from funnel_gui.core.sql.source import SqlSource
from funnel_gui.qt.workers import TaskRunner


class QueryBusy(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queryBusy")
        self.status = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(160)
        self.stop_button = QPushButton("Stop query")
        self.stop_button.setObjectName("stopViewQuery")
        self.stop_button.setToolTip("Stop this view's query in the database")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status, 1)
        row.addWidget(self.progress)
        row.addWidget(self.stop_button)
        self.setVisible(False)
        self._source: Callable[[], SqlSource | None] = lambda: None
        self._runner: TaskRunner[Any] | None = None

    def follow(self, runner: TaskRunner[Any], source: Callable[[], SqlSource | None]) -> None:
        """Show while `runner` runs a query on `source()` (None: not in SQL mode)."""
        self._runner, self._source = runner, source
        runner.sig_started.connect(self._on_started)
        runner.sig_progress.connect(self.set_progress)
        for finished in (runner.sig_done, runner.sig_failed):
            finished.connect(lambda _value: self.setVisible(False))
        runner.sig_cancelled.connect(lambda: self.setVisible(False))
        self.stop_button.clicked.connect(self.stop)

    def _on_started(self) -> None:
        self.setVisible(self._source() is not None)
        self.progress.setValue(0)
        self.status.setText("Counting in the database…")

    def set_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.status.setText(message)

    def stop(self) -> None:
        """Stop the worker, and the database's query from a thread of its own (a client
        may wait for the query to stop)."""
        runner, source = self._runner, self._source()
        if runner is None:
            return
        busy = runner.busy
        runner.cancel()
        self.setVisible(False)
        if source is not None and busy:
            threading.Thread(target=source.cancel, daemon=True).start()
