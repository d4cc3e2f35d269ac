"""The exceptions the import layer raises for input it cannot read."""

from __future__ import annotations

from funnel_gui.core.errors import UserFacingError


class ImportFailed(UserFacingError):
    """Input that cannot be turned into an event table.

    The message is one paragraph meant for the person who picked the file: what
    was found, what is missing and, where possible, what to do about it.
    `mappable` lists columns the user could map by hand, when that would help.
    """

    def __init__(self, message: str, *, mappable: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.mappable: dict[str, list[str]] = mappable or {}


class NotData(ImportFailed):
    """Input that holds no data at all (empty, blank, binary): refused on its own, but a
    member of an archive that is not data is skipped and named in the report instead."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
