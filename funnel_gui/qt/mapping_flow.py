"""Opening exports: which columns hold users, events and times, and the load off the GUI thread.

The mapping last chosen for a set of files is used again; an unsure detection (or the user's
asking) opens the mapping dialog, which never blocks: OK loads with the choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.loader import MappingLike
from funnel_gui.core.io.mapping import ROLES
from funnel_gui.core.io.mapping_preview import Ask, MappingRequest
from funnel_gui.core.io.raw import RawImport
from funnel_gui.qt.loading import LoadRequest
from funnel_gui.qt.prompter import Prompter
from funnel_gui.qt.recent import RecentFiles
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.mapping_dialog import MappingDialog

TIME_ZONE_KEY = "assume_tz"  # stored beside the roles in RecentFiles' last mapping
OPEN_FILTER = (
    "Analytics exports (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.parquet *.gz *.zip *.zst);;"
    "All files (*)"
)


class MappingFlow(QObject):
    sig_mapping_dialog = Signal(object)  # a MappingDialog was opened (it never blocks)
    sig_problem = Signal(str)  # why the columns could not be read as they were

    def __init__(
        self,
        session: AppSession,
        recent: RecentFiles,
        settings: QSettings,
        prompter: Prompter,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.session = session
        self.recent = recent
        self.settings = settings
        self.prompter = prompter
        self.window = window  # the dialogs' parent
        self.act_open_mapped = QAction("Open with column &mapping…", window)
        self.act_open_mapped.setStatusTip("Choose which columns hold users, events and times")
        self.act_open_mapped.triggered.connect(self.open_dialog_with_mapping)
        self.act_change_mapping = QAction("Change column ma&pping…", window)
        self.act_change_mapping.setStatusTip("Read the loaded files again with other columns")
        self.act_change_mapping.setEnabled(False)
        self.act_change_mapping.triggered.connect(self.change_mapping)
        session.sig_mapping_needed.connect(self.show_mapping_dialog)
        session.sig_table_changed.connect(self._on_table_changed)

    def pick_export_files(self) -> list[str]:
        settings = self.settings
        folder = str(settings.value("paths/last_folder", str(Path.home())))
        files, _ = QFileDialog.getOpenFileNames(
            self.window, "Open analytics export", folder, OPEN_FILTER
        )
        if files:
            settings.setValue("paths/last_folder", str(Path(files[0]).parent))
        return files

    def open_dialog(self) -> None:
        files = self.pick_export_files()
        if files:
            self.open_files(files)

    def open_dialog_with_mapping(self) -> None:
        files = self.pick_export_files()
        if files:
            self.open_files(files, ask_mapping=True)

    def open_files(
        self,
        files: list[str],
        overrides: Mapping[str, str | None] | None = None,
        assume_tz: str | None = None,
        *,
        ask_mapping: bool = False,
    ) -> None:
        """Load `files` off the GUI thread.

        Without overrides, the mapping last chosen for these files is used; with none
        either, an unsure detection opens the mapping dialog (when someone can answer it).
        `ask_mapping` opens the dialog in any case, before anything is loaded.
        """
        remembered = remembered_choice(self.recent, files) if not overrides else None
        if remembered is not None:
            overrides, saved_zone = remembered
            assume_tz = assume_tz or saved_zone
        ask: Ask = "always" if ask_mapping else "on_failure"
        if not ask_mapping and overrides is None and self.prompter.interactive:
            ask = "if_unsure"
        self.load(files, overrides, assume_tz or "UTC", ask, remembered=remembered is not None)

    def change_mapping(self) -> None:
        """The mapping dialog over the loaded files, preselecting the mapping in use."""
        report = self.session.report
        if report is not None:
            files = list(self.session.data_files)
            self.load(files, report.mapping, report.timezone, "always")

    def load(
        self,
        files: list[str],
        overrides: MappingLike | None,
        assume_tz: str,
        ask: Ask = "on_failure",
        *,
        remembered: bool = False,
        raw: RawImport | None = None,
    ) -> None:
        request = LoadRequest(tuple(files), overrides, assume_tz, ask, remembered, raw)
        self.session.load(request)

    def show_mapping_dialog(self, request: MappingRequest) -> MappingDialog:
        """Open the dialog without blocking: OK loads with the choice, Cancel changes nothing."""
        if request.problem:
            self.sig_problem.emit(request.problem)
        dialog = MappingDialog(request, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_mapping_chosen.connect(partial(self._on_mapping_chosen, request))
        dialog.open()
        self.sig_mapping_dialog.emit(dialog)
        return dialog

    def _on_mapping_chosen(
        self, request: MappingRequest, overrides: dict[str, str | None], assume_tz: str
    ) -> None:
        remember_choice(self.recent, request.files, overrides, assume_tz)
        # The rows are read already: the load only builds the table from them.
        self.load(request.files, overrides, assume_tz, raw=request.raw)

    def _on_table_changed(self, _table: EventTable) -> None:
        self.act_change_mapping.setEnabled(True)


def remembered_choice(
    recent: RecentFiles, files: Sequence[str]
) -> tuple[dict[str, str | None], str] | None:
    """The overrides and time zone last chosen in the mapping dialog for `files`."""
    stored = recent.last_mapping(files[0]) if files else None
    if stored is None:
        return None
    zone = stored.get(TIME_ZONE_KEY) or "UTC"
    return {r: c for r, c in stored.items() if r in ROLES}, zone


def remember_choice(
    recent: RecentFiles, files: Sequence[str], overrides: Mapping[str, str | None], zone: str
) -> None:
    """Keep the choice for each file, so opening any of them again reads it the same way."""
    for path in files:
        recent.set_last_mapping(path, {**overrides, TIME_ZONE_KEY: zone})
