"""What outlives a session: recent data and funnel files, the autosave and its recovery."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QMessageBox

from funnel_gui.qt.autosave import Autosave, pending_recovery
from funnel_gui.qt.recent import RecentFiles

if TYPE_CHECKING:
    from funnel_gui.qt.main_window import MainWindow


class Persistence(QObject):
    def __init__(self, window: MainWindow, autosave_dir: Path | None) -> None:
        super().__init__(window)
        self.window = window
        self.recent = RecentFiles(window.settings, self)
        self.autosave_dir = autosave_dir
        self.autosave = Autosave(window.workbench, autosave_dir, self) if autosave_dir else None
        window.sig_table_loaded.connect(self._on_data_loaded)
        window.funnel_files.sig_file_used.connect(self._on_funnel_file_used)

    def add_menus(self, file_menu: QMenu) -> None:
        data_menu = file_menu.addMenu("Recent &data")
        data_menu.aboutToShow.connect(
            lambda: self.recent.populate_menu(data_menu, "data", self.window.open_files)
        )
        funnel_menu = file_menu.addMenu("Recent f&unnels")
        funnel_menu.aboutToShow.connect(
            lambda: self.recent.populate_menu(
                funnel_menu, "funnel", lambda paths: self.window.open_funnel(paths[0])
            )
        )

    def offer_recovery(self, ask: Callable[[str], bool] | None = None) -> bool:
        """After a crash: offer the funnel that was being edited. True if restored.

        `ask` puts the question to the user (a message box unless given)."""
        if self.autosave_dir is None:
            return False
        offer = pending_recovery(self.autosave_dir)
        if offer is None:
            return False
        when = offer.saved_at.strftime("%Y-%m-%d %H:%M") if offer.saved_at else "earlier"
        question = (
            f"Funnel Explorer did not close normally. Restore the funnel you were editing "
            f"({len(offer.definition.steps)} steps, autosaved {when})?"
        )
        if not (ask or self._ask)(question):
            self.discard()
            return False
        self.window.funnel_files.restore(offer.definition, offer.source_path)
        if offer.data_files:
            self.window.open_files(offer.data_files)
        return True

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self.window, "Restore your funnel?", question)
        return answer == QMessageBox.StandardButton.Yes

    def discard(self) -> None:
        if self.autosave is not None:
            self.autosave.clear()

    def shutdown(self) -> None:
        """A clean exit: nothing to recover next time."""
        if self.autosave is not None:
            self.autosave.clear()
            self.autosave.detach()

    def _on_data_loaded(self, _table: object) -> None:
        files = list(self.window.data_files)
        self.recent.add("data", files)
        if self.autosave is not None:
            path = self.window.funnel_files.path
            self.autosave.set_context(path, files)

    def _on_funnel_file_used(self, path: str) -> None:
        self.recent.add("funnel", [path])
        if self.autosave is not None:
            self.autosave.set_context(path, list(self.window.data_files))
