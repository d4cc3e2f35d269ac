"""Text shapes several layers must read the same way: numbers, time-like column names,
bytes, and clipped examples in messages. One definition each, so they cannot drift."""

from __future__ import annotations

import re

import pyarrow as pa

# A number written as text ("10", "-2.5", ".5", "1e3"); "+1", " 1", "nan" are not numbers.
NUMBER_TEXT = r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
# Column names that promise a time: event_time, created_at, ts, collector_tstamp...
TIME_NAME = re.compile(r"(time|date|stamp|_at$|^ts$|tstamp)", re.IGNORECASE)


def decode_bytes(values: pa.Array) -> pa.Array:
    """Binary values as text: UTF-8 where it is, the replacement mark where not; never fails."""
    text = [None if v is None else v.decode("utf-8", errors="replace") for v in values.to_pylist()]
    return pa.array(text, pa.string())


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, for examples in messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
