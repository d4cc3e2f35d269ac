"""Opening exports off the GUI thread: what a load asks for and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.loader import MappingLike
from funnel_gui.core.io.mapping_preview import Ask, MappingRequest, open_or_ask
from funnel_gui.core.io.raw import RawImport
from funnel_gui.core.progress import Cancelled, Progress


@dataclass(frozen=True)
class LoadRequest:
    files: tuple[str, ...]
    overrides: MappingLike | None = None
    assume_tz: str = "UTC"
    ask: Ask = "on_failure"
    remembered: bool = False  # the overrides come from an earlier session
    raw: RawImport | None = None  # the rows, when the mapping dialog read them already


@dataclass(frozen=True)
class LoadResult:
    """Either the data, or the rows read waiting for a person to say which column is what."""

    files: tuple[str, ...]
    table: EventTable | None = None
    mapping_request: MappingRequest | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.mapping_request is None):
            raise ValueError("a load ends with a table or a mapping request, not both")


def load(request: LoadRequest, progress: Progress, cancelled: Cancelled) -> LoadResult:
    """Read, detect and build the table (the work of a load task)."""
    outcome = open_or_ask(
        request.files,
        request.overrides,
        assume_tz=request.assume_tz,
        ask=request.ask,
        remembered=request.remembered,
        raw=request.raw,
        progress=progress,
        cancelled=cancelled,
    )
    if isinstance(outcome, MappingRequest):
        return LoadResult(request.files, mapping_request=outcome)
    # What the window shows of a new table is computed here, off the GUI thread, and cached.
    progress(1.0, "Summarising events and properties")
    _ = outcome.event_catalog, outcome.property_catalog, outcome.daily_volume
    return LoadResult(request.files, table=outcome)
