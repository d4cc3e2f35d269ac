"""Reading analytics exports into an EventTable (FUNNEL_SEMANTICS §1)."""

from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.loader import (
    ImportCancelled,
    RawImport,
    build_event_table,
    load_events,
    read_raw,
    resolve_mapping,
)
from funnel_gui.core.io.mapping import ColumnMapping, Detection
from funnel_gui.core.io.report import ImportReport

__all__ = [
    "ColumnMapping",
    "Detection",
    "ImportCancelled",
    "ImportFailed",
    "ImportReport",
    "RawImport",
    "build_event_table",
    "load_events",
    "read_raw",
    "resolve_mapping",
]
