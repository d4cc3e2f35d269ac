"""What the readers hand to `read_raw`, and `read_raw` on to `resolve_mapping` and
`build_event_table`.

Its own module so that the readers, loader.py and build.py can share these without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.progress import Cancelled, Progress, TaskCancelled, report

# Exports have tens to a few hundred columns (a couple of thousand with every property
# flattened). Detection and typing cost about a millisecond per column, so a file with
# tens of thousands of columns would take minutes before it could be refused.
MAX_COLUMNS = 5000


def check_width(name: str, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise ImportFailed(
            f"{name} has {columns:,} columns, more than the {MAX_COLUMNS:,} Funnel Explorer "
            "reads: an event export has a few hundred at most. Export fewer properties, "
            "or check that the file is an event export."
        )


class ImportCancelled(TaskCancelled):
    """The caller asked the load to stop; nothing was loaded."""


@dataclass
class ReadResult:
    """A source's table plus what was skipped while reading it."""

    table: pa.Table
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where the skipped rows were: 1-based positions among all of the source's rows,
    # skipped ones included (data rows for CSV, non-blank lines for JSON lines).
    malformed_rows: list[int] = field(default_factory=list)


@dataclass
class RawImport:
    """Every source read, flattened and stacked into one Arrow table (all rows, no cleaning)."""

    table: pa.Table
    sources: list[str]
    source_rows: list[int]  # rows of each source that made it into `table`
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Per source, 1-based positions of rows skipped as malformed: table rows after them
    # sit further down the file than their index says.
    malformed_rows: list[list[int]] = field(default_factory=list)


def _step(progress: Progress | None, cancelled: Cancelled | None, at: float, msg: str) -> None:
    report(progress, cancelled, at, msg, error=ImportCancelled)
