"""Recent files (data exports and funnels) and the last column mapping used per data file.

Everything is kept in the QSettings passed in, as JSON text: QSettings' own handling of
nested lists and None differs between formats and platforms, a JSON string does not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu

Kind = Literal["data", "funnel"]
KINDS: tuple[Kind, ...] = ("data", "funnel")
MAX_ENTRIES = 10
MAX_MAPPINGS = 100  # mappings are small, but the list should not grow forever
MAPPINGS_KEY = "recent/mappings"


def absolute(path: str | os.PathLike[str]) -> str:
    """The form paths are stored in: absolute, without resolving symlinks."""
    return os.path.abspath(os.fspath(path))


def entry_label(paths: Sequence[str]) -> str:
    """How an entry reads in a menu: "shop.csv", "day1.json + 2 more"."""
    first = Path(paths[0]).name if paths else "?"
    label = first if len(paths) <= 1 else f"{first} + {len(paths) - 1} more"
    return label.replace("&", "&&")  # a lone & would become a mnemonic


class RecentFiles(QObject):
    sig_changed = Signal(str)  # the kind whose list changed

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings

    # --- recent entries ---------------------------------------------------------------

    def add(self, kind: Kind, paths: Sequence[str | os.PathLike[str]]) -> None:
        """Put `paths` (opened together) first; the same files in any order count once."""
        entry = [absolute(p) for p in paths]
        if not entry:
            return
        same = sorted(entry)
        kept = [e for e in self._stored(kind) if sorted(e) != same]
        self._store(kind, [entry, *kept][:MAX_ENTRIES])

    def entries(self, kind: Kind) -> list[list[str]]:
        """Most recent first; an entry with a file that no longer exists is left out."""
        return [e for e in self._stored(kind) if all(os.path.isfile(p) for p in e)]

    def clear(self, kind: Kind) -> None:
        self._store(kind, [])

    def populate_menu(self, menu: QMenu, kind: Kind, on_open: Callable[[list[str]], None]) -> None:
        """Fill `menu` with the entries of `kind` (call again on sig_changed or aboutToShow)."""
        menu.clear()
        entries = self.entries(kind)
        for entry in entries:
            action = menu.addAction(entry_label(entry))
            action.setToolTip("\n".join(entry))
            action.setStatusTip(", ".join(entry))
            action.triggered.connect(partial(_open_entry, on_open, list(entry)))
        if not entries:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear recent")
        clear.setEnabled(bool(entries))
        clear.triggered.connect(partial(_clear_kind, self, kind))
        menu.setToolTipsVisible(True)

    # --- last mapping per data file ---------------------------------------------------

    def last_mapping(self, path: str | os.PathLike[str]) -> dict[str, str | None] | None:
        """The column mapping last used for the file at `path`, or None."""
        found = self._mappings().get(absolute(path))
        return dict(found) if found is not None else None

    def set_last_mapping(
        self, path: str | os.PathLike[str], mapping: dict[str, str | None]
    ) -> None:
        clean = {str(k): (None if v is None else str(v)) for k, v in mapping.items()}
        mappings = self._mappings()
        key = absolute(path)
        mappings.pop(key, None)
        mappings[key] = clean  # most recently used last, so trimming drops the oldest
        trimmed = dict(list(mappings.items())[-MAX_MAPPINGS:])
        self.settings.setValue(MAPPINGS_KEY, json.dumps(trimmed))

    # --- storage ----------------------------------------------------------------------

    def _stored(self, kind: Kind) -> list[list[str]]:
        data = _load_json(self.settings.value(_key(kind)))
        if not isinstance(data, list):
            return []
        return [e for e in data if isinstance(e, list) and e and all(isinstance(p, str) for p in e)]

    def _store(self, kind: Kind, entries: list[list[str]]) -> None:
        self.settings.setValue(_key(kind), json.dumps(entries))
        self.sig_changed.emit(kind)

    def _mappings(self) -> dict[str, dict[str, str | None]]:
        data = _load_json(self.settings.value(MAPPINGS_KEY))
        if not isinstance(data, dict):
            return {}
        return {
            path: mapping
            for path, mapping in data.items()
            if isinstance(mapping, dict)
            and all(v is None or isinstance(v, str) for v in mapping.values())
        }


def _key(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of recent file: {kind!r} (expected one of {KINDS})")
    return f"recent/{kind}"


def _load_json(value: object) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def _open_entry(on_open: Callable[[list[str]], None], paths: list[str], *_checked: object) -> None:
    on_open(list(paths))


def _clear_kind(recent: RecentFiles, kind: Kind, *_checked: object) -> None:
    recent.clear(kind)
