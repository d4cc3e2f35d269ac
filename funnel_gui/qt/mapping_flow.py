"""Opening exports: which columns hold users, events and times, and the load off the GUI thread.

The mapping last chosen for a set of files is used again; an unsure detection (or the user's
asking) opens the mapping dialog, which never blocks: OK loads with the choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.loader import MappingLike
from funnel_gui.core.io.mapping_preview import Ask, MappingRequest, open_or_ask
from funnel_gui.core.io.raw import RawImport
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.widgets.mapping_dialog import MappingDialog, remember_choice, remembered_choice

if TYPE_CHECKING:
    from funnel_gui.qt.main_window import MainWindow

OPEN_FILTER = (
    "Analytics exports (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.parquet *.gz *.zip *.zst);;"
    "All files (*)"
)


class MappingFlow(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.loading_files: list[str] = []  # the files of the load in flight
        self.act_open_mapped = QAction("Open with column &mapping…", window)
        self.act_open_mapped.setStatusTip("Choose which columns hold users, events and times")
        self.act_open_mapped.triggered.connect(self.open_dialog_with_mapping)
        self.act_change_mapping = QAction("Change column ma&pping…", window)
        self.act_change_mapping.setStatusTip("Read the loaded files again with other columns")
        self.act_change_mapping.setEnabled(False)
        self.act_change_mapping.triggered.connect(self.change_mapping)

    def pick_export_files(self) -> list[str]:
        settings = self.window.settings
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
        either, an unsure detection opens the mapping dialog (not when headless).
        `ask_mapping` opens the dialog in any case, before anything is loaded.
        """
        recent = self.window.persistence.recent
        remembered = remembered_choice(recent, files) if not overrides else None
        if remembered is not None:
            overrides, saved_zone = remembered
            assume_tz = assume_tz or saved_zone
        ask: Ask = "always" if ask_mapping else "on_failure"
        if not ask_mapping and overrides is None and not self.window.property("headless"):
            ask = "if_unsure"
        self.load(files, overrides, assume_tz or "UTC", ask, remembered=remembered is not None)

    def change_mapping(self) -> None:
        """The mapping dialog over the loaded files, preselecting the mapping in use."""
        table = self.window.table
        if table is not None:
            report = table.report
            self.load(self.window.data_files, report.mapping, report.timezone, "always")

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
        self.loading_files = list(files)
        self.window.load_status.set_busy(True, f"Opening {Path(files[0]).name}…")

        def work(progress: Progress, cancelled: Cancelled) -> EventTable | MappingRequest:
            outcome = open_or_ask(
                files,
                overrides,
                assume_tz=assume_tz,
                ask=ask,
                remembered=remembered,
                raw=raw,
                progress=progress,
                cancelled=cancelled,
            )
            if isinstance(outcome, EventTable):
                # What the window shows is computed here, off the GUI thread, and cached.
                progress(1.0, "Summarising events and properties")
                _ = outcome.event_catalog, outcome.property_catalog, outcome.daily_volume
            return outcome

        self.window.loader.start(work)

    def show_mapping_dialog(self, request: MappingRequest) -> MappingDialog:
        """Open the dialog without blocking: OK loads with the choice, Cancel changes nothing."""
        if request.problem:
            self.window.sig_load_failed.emit(request.problem)
        dialog = MappingDialog(request, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_mapping_chosen.connect(partial(self._on_mapping_chosen, request))
        dialog.open()
        self.window.sig_mapping_dialog.emit(dialog)
        return dialog

    def _on_mapping_chosen(
        self, request: MappingRequest, overrides: dict[str, str | None], assume_tz: str
    ) -> None:
        remember_choice(self.window.persistence.recent, request.files, overrides, assume_tz)
        # The rows are read already: the load only builds the table from them.
        self.load(request.files, overrides, assume_tz, raw=request.raw)
