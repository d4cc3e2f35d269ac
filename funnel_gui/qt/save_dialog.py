"""One way to ask where to save an export: the file dialog, a safe suggested name, the
suffix added when the user leaves it off, and a message (never a traceback) when writing
fails. Chart images, tables, the drill-down list and the HTML report all go through it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from funnel_gui.core.filenames import safe_file_stem
from funnel_gui.qt.persistence import export_folder, remember_export_folder


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
    folder = export_folder()
    start = str(Path(folder) / suggested) if folder else suggested
    path, _ = QFileDialog.getSaveFileName(parent, title, start, file_filter)
    if not path:
        return None
    remember_export_folder(str(Path(path).parent))
    if not path.lower().endswith(tuple(suffixes)):
        path += suffixes[0]
    try:
        write(path)
    except (OSError, ValueError, RuntimeError) as exc:
        QMessageBox.warning(parent, title, f"Could not save {Path(path).name}: {exc}")
        return None
    return path
