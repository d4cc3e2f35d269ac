"""Autosave: a copy of the working funnel kept on disk, offered back after a crash.

The funnel goes to `autosave.funnel.json` (a normal funnel file, written atomically by
save_funnel) and what it belonged to goes to the sidecar `autosave.json`. A clean exit or
an explicit save calls `clear()`, so whatever is still there at start-up was left by a crash.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from funnel_gui.core.atomic import write_text_atomically
from funnel_gui.core.definition.file import FunnelFileError, load_funnel, save_funnel
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.editing.commands import ChangeEvent
from funnel_gui.qt.document import FunnelEditing

FUNNEL_NAME = "autosave.funnel.json"
SIDECAR_NAME = "autosave.json"
CORRUPT_NAME = "autosave.corrupt.json"


@dataclass
class RecoveryOffer:
    """What a previous session left behind: the funnel and what it was attached to."""

    definition: FunnelDefinition
    source_path: Path | None = None  # the funnel file it was opened from, if any
    saved_at: datetime | None = None
    data_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def default_autosave_dir() -> Path:
    """The per-user application data folder (created if missing)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    directory = Path(location) if location else Path.home() / ".funnel-explorer"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def pending_recovery(directory: Path) -> RecoveryOffer | None:
    """The autosave left in `directory`, or None; never raises (it runs at start-up).

    An autosave that cannot be read is moved aside to `autosave.corrupt.json`, so that
    it is offered neither now nor at the next start, but is still there to look at.
    """
    funnel_path = directory / FUNNEL_NAME
    if not funnel_path.is_file():
        return None
    try:
        loaded = load_funnel(funnel_path)
    except FunnelFileError:
        _move_aside(funnel_path, directory / CORRUPT_NAME)
        with contextlib.suppress(OSError):
            (directory / SIDECAR_NAME).unlink(missing_ok=True)
        return None
    info = _read_sidecar(directory / SIDECAR_NAME)
    return RecoveryOffer(
        definition=loaded.definition,
        source_path=info["source_path"],
        saved_at=info["saved_at"],
        data_files=info["data_files"],
        warnings=loaded.warnings,
    )


class Autosave(QObject):
    sig_saved = Signal()
    sig_failed = Signal(str)  # a message for the status bar; autosave never interrupts

    def __init__(
        self,
        editing: FunnelEditing,
        directory: Path,
        parent: QObject | None = None,
        delay_ms: int = 2000,
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        self.directory = Path(directory)
        self.source_path: Path | None = None
        self.data_files: list[str] = []
        # Debounced: a burst of edits (typing a step name) becomes one write.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.flush)
        self._following = True
        editing.sig_definition_changed.connect(self._on_document_changed)

    @property
    def funnel_path(self) -> Path:
        return self.directory / FUNNEL_NAME

    @property
    def sidecar_path(self) -> Path:
        return self.directory / SIDECAR_NAME

    def set_context(self, source_path: str | Path | None, data_files: list[str]) -> None:
        """What the funnel belongs to (its file, the data opened); written with the next save."""
        self.source_path = Path(source_path) if source_path is not None else None
        self.data_files = [str(f) for f in data_files]

    def flush(self) -> None:
        """Write now (also what the debounce timer calls)."""
        self._timer.stop()
        definition = self.editing.definition
        if not definition.steps:
            # save_funnel refuses an empty funnel; an older autosave would bring back
            # steps the user has since removed.
            self.clear()
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_json_atomically(self.sidecar_path, self._sidecar())
            save_funnel(definition, self.funnel_path)
        except FunnelFileError as exc:
            # Not valid right now (mid-edit): keep the last good autosave.
            self.sig_failed.emit(f"Autosave: {exc.message}")
            return
        except OSError as exc:
            self.sig_failed.emit(f"Autosave failed: {exc.strerror or exc}")
            return
        self.sig_saved.emit()

    def clear(self) -> None:
        """Remove the autosave (after a clean exit or an explicit save)."""
        self._timer.stop()
        for path in (self.funnel_path, self.sidecar_path):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def detach(self) -> None:
        """Stop following the funnel (a clean exit: nothing more to save)."""
        self._timer.stop()
        if self._following:  # the window may be closed twice
            self._following = False
            self.editing.sig_definition_changed.disconnect(self._on_document_changed)

    def _on_document_changed(self, _event: ChangeEvent) -> None:
        self._timer.start()

    def _sidecar(self) -> dict[str, Any]:
        return {
            "source_path": str(self.source_path) if self.source_path is not None else None,
            "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "data_files": list(self.data_files),
        }


def _read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's fields; anything missing or malformed is simply left out."""
    info: dict[str, Any] = {"source_path": None, "saved_at": None, "data_files": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return info
    if not isinstance(data, dict):
        return info
    if isinstance(data.get("source_path"), str) and data["source_path"]:
        info["source_path"] = Path(data["source_path"])
    if isinstance(data.get("saved_at"), str):
        with contextlib.suppress(ValueError):
            info["saved_at"] = datetime.fromisoformat(data["saved_at"])
    files = data.get("data_files")
    if isinstance(files, list):
        info["data_files"] = [f for f in files if isinstance(f, str)]
    return info


def _move_aside(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError:
        with contextlib.suppress(OSError):
            source.unlink(missing_ok=True)


def _write_json_atomically(target: Path, data: dict[str, Any]) -> None:
    write_text_atomically(target, json.dumps(data, indent=2) + "\n")
