"""Databases in File → Recent databases: the source URL, the table and which columns play
which role, so a database opens again in one click. Never a password: URLs that carry one
are refused before they are opened (core/sql/sources/urls.py), and one is never stored.

Kept in the window's QSettings as JSON text, like the recent files (recent.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

from funnel_gui.core.errors import UserFacingError
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.browse import Browser, with_roles

DATABASES_KEY = "recent/databases"
MAX_DATABASES = 10
ROLE_NAMES = ("actor", "event", "time", "session", "order_key")


@dataclass(frozen=True)
class DatabaseEntry:
    url: str
    table: str
    roles: tuple[tuple[str, str | None], ...]  # (role, column) in ROLE_NAMES order

    @classmethod
    def of(cls, url: str, table: str, roles: dict[str, str | None]) -> DatabaseEntry:
        return cls(url.strip(), table, tuple((r, roles.get(r)) for r in ROLE_NAMES))

    @property
    def role_map(self) -> dict[str, str | None]:
        return dict(self.roles)

    def menu_text(self) -> str:
        parts = urlsplit(self.url)
        where = parts.hostname or parts.path.rsplit("/", 1)[-1] or parts.scheme
        return f"{self.table} · {parts.scheme}://{where}".replace("&", "&&")

    def tooltip(self) -> str:
        roles = ", ".join(f"{r}={c}" for r, c in self.roles if c)
        return f"{self.url}\ntable {self.table}\n{roles}"

    def to_json(self) -> dict[str, object]:
        return {"url": self.url, "table": self.table, "roles": self.role_map}


def _entry(data: object) -> DatabaseEntry | None:
    if not isinstance(data, dict):
        return None
    url, table, roles = data.get("url"), data.get("table"), data.get("roles")
    if not (isinstance(url, str) and isinstance(table, str) and isinstance(roles, dict)):
        return None
    if urlsplit(url).password is not None:
        return None  # never offered (nor kept) with a password
    clean = {str(k): (v if isinstance(v, str) else None) for k, v in roles.items()}
    return DatabaseEntry.of(url, table, clean)


class RecentDatabases:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def add(self, entry: DatabaseEntry) -> None:
        """Put `entry` first (the same URL and table count once, with the latest roles)."""
        if urlsplit(entry.url).password is not None:
            return
        kept = [e for e in self.entries() if (e.url, e.table) != (entry.url, entry.table)]
        stored = [e.to_json() for e in [entry, *kept][:MAX_DATABASES]]
        self.settings.setValue(DATABASES_KEY, json.dumps(stored))

    def entries(self) -> list[DatabaseEntry]:
        raw = self.settings.value(DATABASES_KEY)
        try:
            data = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            data = []
        found = [_entry(d) for d in data] if isinstance(data, list) else []
        return [e for e in found if e is not None]

    def clear(self) -> None:
        self.settings.setValue(DATABASES_KEY, "[]")

    def populate_menu(self, menu: QMenu, on_open: Callable[[DatabaseEntry], None]) -> None:
        menu.clear()
        entries = self.entries()
        for entry in entries:
            action = menu.addAction(entry.menu_text())
            action.setToolTip(entry.tooltip())
            action.setStatusTip(f"{entry.url} · {entry.table}")
            action.triggered.connect(partial(_open, on_open, entry))
        if not entries:
            menu.addAction("No recent databases").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear recent")
        clear.setEnabled(bool(entries))
        clear.triggered.connect(lambda *_: self.clear())
        menu.setToolTipsVisible(True)


def _open(on_open: Callable[[DatabaseEntry], None], entry: DatabaseEntry, *_: object) -> None:
    on_open(entry)


def reopen(
    entry: DatabaseEntry, _progress: Progress, _cancelled: Cancelled
) -> tuple[SqlSource, str]:
    """Connect again (in a worker): the table's columns are read anew, the roles kept."""
    browser = Browser(entry.url)
    try:
        columns = browser.columns(entry.table)
        roles = entry.role_map
        missing = [c for c in roles.values() if c and c not in columns.names]
        if missing:
            raise UserFacingError(
                f"The table {entry.table} no longer has the column {missing[0]!r}; open it "
                "with File → Open database or warehouse… to pick its columns again."
            )
        base = columns.detected or ColumnMap(
            str(roles["actor"]), str(roles["event"]), str(roles["time"])
        )
        return browser.open(entry.table, with_roles(base, columns.names, **roles))
    except BaseException:
        browser.close()
        raise
