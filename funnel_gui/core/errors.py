"""The base of every error a person should see as a message, never as a traceback."""

from __future__ import annotations


class UserFacingError(Exception):
    """Input or an action the app refuses, with a message meant for the person who gave it.

    Import, funnel-file and edit errors derive from it, so the CLI, the GUI runner and the
    fuzz tests can say "only our own errors may escape" in one `except` clause.
    The message is one paragraph: what was found, what is wrong and, where possible,
    what to do about it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
