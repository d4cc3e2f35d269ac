"""Progress and cancellation for long core work (loading, computing), Qt-free.

Following Orange3, a long function takes a `progress(fraction, message)` callback
and a `cancelled()` check; `report` calls the one and honours the other.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


class TaskCancelled(Exception):
    """The caller's cancel check turned true; the work stopped and returned nothing."""


def report(
    progress: Progress | None,
    cancelled: Cancelled | None,
    at: float,
    message: str,
    *,
    error: type[TaskCancelled] = TaskCancelled,
) -> None:
    """Raise `error` if the caller cancelled, else tell it how far the work is."""
    if cancelled is not None and cancelled():
        raise error
    if progress is not None:
        progress(at, message)
