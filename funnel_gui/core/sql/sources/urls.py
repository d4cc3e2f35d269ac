"""Reading a source URL (`postgresql://…?table=events`) without ever holding a password.

Credentials come from each client's usual environment variables and files (PGPASSWORD and
~/.pgpass, CLICKHOUSE_PASSWORD, GOOGLE_APPLICATION_CREDENTIALS, …): a URL is shown in
window titles, recent-file lists and shell history, so one carrying a password is refused
and the password is never repeated in a message.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

from funnel_gui.core.errors import UserFacingError


class SourceError(UserFacingError):
    """A source URL or connection the app cannot use, said in one line."""


# Where each client's own credentials go, for the refusal message.
_CREDENTIAL_HOMES = {
    "postgresql": "PGPASSWORD or ~/.pgpass",
    "postgres": "PGPASSWORD or ~/.pgpass",
    "clickhouse": "CLICKHOUSE_PASSWORD",
    "bigquery": "GOOGLE_APPLICATION_CREDENTIALS (or `gcloud auth application-default login`)",
    "spark": "the cluster's own configuration",
    "sc": "the cluster's own configuration",
}


@dataclass(frozen=True)
class SourceURL:
    """One parsed source URL; `params` are the query parameters other than `table`."""

    scheme: str
    host: str
    port: int | None
    user: str
    path: str  # without the leading slash for servers ("db"), absolute for files
    table: str | None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> str:
        return self.path.strip("/")

    def display(self) -> str:
        """The URL as it may be shown: never a password (there is none), never params."""
        where = self.host + (f":{self.port}" if self.port else "")
        user = f"{self.user}@" if self.user else ""
        table = f"?table={self.table}" if self.table else ""
        return f"{self.scheme}://{user}{where}/{self.database}{table}"


def parse_source_url(text: str) -> SourceURL:
    parts = urlsplit(text.strip())
    scheme = parts.scheme.lower()
    if parts.password is not None:
        home = _CREDENTIAL_HOMES.get(scheme, "the client's environment variables")
        raise SourceError(
            f"The {scheme} URL contains a password; remove it and put it in {home} "
            "instead (a URL ends up in shell history and recent lists)."
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise SourceError(f"The port of the {scheme} URL is not a number.") from exc
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    table = query.pop("table", None) or None
    return SourceURL(
        scheme=scheme,
        host=parts.hostname or "",
        port=port,
        user=parts.username or "",
        path=parts.path,
        table=table,
        params=query,
    )


def require(module: str, extra: str) -> ModuleType:
    """Import a client that ships as an optional extra, or say in one line how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SourceError(f"install funnel-gui[{extra}] to open {extra} sources") from exc


def require_table(url: SourceURL, example: str) -> str:
    if not url.table:
        raise SourceError(f"Name the table in the URL, e.g. {example}")
    return url.table
