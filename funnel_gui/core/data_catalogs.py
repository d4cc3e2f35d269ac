"""What the app's lists of names read from the data: an EventTable in memory, or the
summary of a SQL table (core/sql/sources/summary.py) computed where it lives."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


class DataCatalogs(Protocol):
    """Events (busiest first, with counts and people), properties (kind, top values),
    whether sessions exist and the time span, for the palette and the settings' pickers."""

    @property
    def event_catalog(self) -> pd.DataFrame: ...

    @property
    def property_catalog(self) -> pd.DataFrame: ...

    @property
    def property_names(self) -> list[str]: ...

    @property
    def has_sessions(self) -> bool: ...

    @property
    def time_span_ns(self) -> tuple[int, int] | None: ...
