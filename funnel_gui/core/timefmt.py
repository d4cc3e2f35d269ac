"""Formatting of instants (int64 ns UTC) for reports and summaries."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(ns: int) -> str:
    """ISO 8601 in UTC with a Z, to the microsecond when there is a fraction."""
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat().replace("+00:00", "Z")
