"""What outlives a session: recent data and funnel files, the autosave and its recovery.

Opening what the menus or a recovery name is not done here: `sig_open_data` and
`sig_open_funnel` ask for it, and the window connects them to whoever opens files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu

from funnel_gui.core.events import EventTable
from funnel_gui.qt.autosave import Autosave, pending_recovery
from funnel_gui.qt.funnel_files import FunnelFiles
from funnel_gui.qt.prompter import Prompter
from funnel_gui.qt.recent import RecentFiles
from funnel_gui.qt.session import AppSession

EXPORT_FOLDER_KEY = "paths/last_export_folder"
_folder_settings: list[QSettings] = []  # the window's settings, once it has made them


def use_settings_for_folders(settings: QSettings) -> None:
    """Where export dialogs remember their last folder (the window's settings; tests
    give throwaway ones, so nothing leaks into the user's configuration)."""
    _folder_settings[:] = [settings]


def export_folder() -> str:
    """The folder the last export went to ("" before the first, or without settings)."""
    if not _folder_settings:
        return ""
    folder = str(_folder_settings[0].value(EXPORT_FOLDER_KEY, "") or "")
    return folder if folder and Path(folder).is_dir() else ""


def remember_export_folder(folder: str) -> None:
    if _folder_settings:
        _folder_settings[0].setValue(EXPORT_FOLDER_KEY, folder)


class Persistence(QObject):
    sig_open_data = Signal(list)  # export files to open (a recent entry, a recovered funnel's)
    sig_open_funnel = Signal(str)  # a funnel file to open (a recent entry)

    def __init__(
        self,
        session: AppSession,
        funnel_files: FunnelFiles,
        settings: QSettings,
        prompter: Prompter,
        autosave_dir: Path | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.funnel_files = funnel_files
        self.prompter = prompter
        self.recent = RecentFiles(settings, self)
        use_settings_for_folders(settings)
        self.autosave_dir = autosave_dir
        self.autosave = Autosave(session, autosave_dir, self) if autosave_dir else None
        session.sig_table_changed.connect(self._on_data_loaded)
        funnel_files.sig_file_used.connect(self._on_funnel_file_used)

    def add_menus(self, file_menu: QMenu) -> None:
        data_menu = file_menu.addMenu("Recent &data")
        data_menu.aboutToShow.connect(
            lambda: self.recent.populate_menu(data_menu, "data", self.sig_open_data.emit)
        )
        funnel_menu = file_menu.addMenu("Recent f&unnels")
        funnel_menu.aboutToShow.connect(
            lambda: self.recent.populate_menu(
                funnel_menu, "funnel", lambda paths: self.sig_open_funnel.emit(paths[0])
            )
        )

    def offer_recovery(self) -> bool:
        """After a crash: offer the funnel that was being edited. True if restored."""
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
        if not self.prompter.ask("Restore your funnel?", question):
            self.discard()
            return False
        self.funnel_files.restore(offer.definition, offer.source_path)
        if offer.data_files:
            self.sig_open_data.emit(offer.data_files)
        return True

    def discard(self) -> None:
        if self.autosave is not None:
            self.autosave.clear()

    def shutdown(self) -> None:
        """A clean exit: nothing to recover next time."""
        if self.autosave is not None:
            self.autosave.clear()
            self.autosave.detach()

    def _on_data_loaded(self, _table: EventTable) -> None:
        files = list(self.session.data_files)
        self.recent.add("data", files)
        if self.autosave is not None:
            self.autosave.set_context(self.funnel_files.path, files)

    def _on_funnel_file_used(self, path: str) -> None:
        self.recent.add("funnel", [path])
        if self.autosave is not None:
            self.autosave.set_context(path, list(self.session.data_files))
