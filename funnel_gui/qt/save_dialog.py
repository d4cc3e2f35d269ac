"""One way to ask where to save an export: the file dialog, a safe suggested name, the
suffix added when the user leaves it off, and a message (never a traceback) when writing
fails. Chart images, tables, the drill-down list and the HTML report all go through it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


def safe_file_stem(text: str) -> str:
    """A funnel's name as a file name: "A/B test" must not become a folder."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", text).strip(" .-") or "funnel"


def save_with_dialog(
    parent: QWidget,
    title: str,
    stem: str,
    file_filter: str,
    suffixes: Sequence[str],
    write: Callable[[str], object],
) -> str | None:
    """Ask for a path (suggesting `stem` + the first suffix) and `write` it; the path
    written, or None when the user cancelled or writing failed (after saying why)."""
    suggested = f"{safe_file_stem(stem)}{suffixes[0]}"
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    if not path:
        return None
    if not path.lower().endswith(tuple(suffixes)):
        path += suffixes[0]
    try:
        write(path)
    except (OSError, ValueError, RuntimeError) as exc:
        QMessageBox.warning(parent, title, f"Could not save {Path(path).name}: {exc}")
        return None
    return path
