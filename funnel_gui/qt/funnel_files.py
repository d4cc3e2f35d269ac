"""FunnelFiles: New / Open / Save / Save As of the funnel being edited (`*.funnel.json`).

The undo stack's clean state is the "saved" mark: the window title shows a modified
marker whenever the funnel differs from the file, and saving marks it clean again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from funnel_gui.core.definition.file import FunnelFileError, load_funnel, save_funnel
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.filenames import safe_file_stem
from funnel_gui.qt.prompter import Prompter, UnsavedChoice
from funnel_gui.qt.session import AppSession

FUNNEL_FILTER = "Funnel definitions (*.funnel.json);;JSON files (*.json);;All files (*)"
SUFFIX = ".funnel.json"


class FunnelFiles(QObject):
    sig_state_changed = Signal()  # path or saved/modified state changed: retitle
    sig_error = Signal(str)
    sig_file_used = Signal(str)  # a funnel file was opened or saved (recent files, autosave)

    def __init__(self, session: AppSession, prompter: Prompter, window: QWidget) -> None:
        super().__init__(window)
        self.session = session
        self.prompter = prompter
        self.window = window  # the file dialogs' parent
        self.path: Path | None = None
        session.undo_stack.cleanChanged.connect(lambda _clean: self.sig_state_changed.emit())

    @property
    def modified(self) -> bool:
        return not self.session.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        """The funnel's name (§11), else its file's, else "Untitled funnel"."""
        if self.session.definition.name:
            return self.session.definition.name
        if self.path is not None:
            return self.path.name.removesuffix(SUFFIX).removesuffix(".json")
        return "Untitled funnel"

    def new(self) -> None:
        self._replace(FunnelDefinition(steps=()), None)

    def open(self, path: str | Path) -> bool:
        try:
            loaded = load_funnel(path)
        except FunnelFileError as exc:
            self._fail(exc.message)
            return False
        self._replace(loaded.definition, Path(path))
        self.sig_file_used.emit(str(path))
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = str(self.path or Path.home() / f"{safe_file_stem(self.display_name)}{SUFFIX}")
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save funnel", start, FUNNEL_FILTER)
        if not chosen:
            return False
        if not chosen.endswith(".json"):
            chosen += SUFFIX
        return self.save_to(Path(chosen))

    def save_to(self, path: Path) -> bool:
        """Write the funnel (atomically, see save_funnel) and mark it saved."""
        try:
            save_funnel(self.session.definition, path)
        except FunnelFileError as exc:
            self._fail(exc.message)
            return False
        self.path = path
        self.session.undo_stack.setClean()
        self.sig_state_changed.emit()
        self.sig_file_used.emit(str(path))
        return True

    def ask_to_keep_changes(self) -> bool:
        """Before the funnel is replaced or the app closes: False means "stay here"."""
        if not self.modified:
            return True
        answer = self.prompter.confirm(
            "Unsaved funnel", f"Save the changes to {self.display_name} first?"
        )
        if answer == UnsavedChoice.SAVE:
            return self.save()
        return answer == UnsavedChoice.DISCARD

    def _replace(self, definition: FunnelDefinition, path: Path | None) -> None:
        self.session.replace_definition(definition)  # a new history, clean
        self.path = path
        self.sig_state_changed.emit()

    def _fail(self, message: str) -> None:
        self.sig_error.emit(message)
        self.prompter.inform("Funnel file", message)

    def restore(self, definition: FunnelDefinition, source: Path | None) -> None:
        """Bring back an autosaved funnel: shown as modified, since no file holds it."""
        self._replace(definition, source)
        self.session.undo_stack.resetClean()
        self.sig_state_changed.emit()
