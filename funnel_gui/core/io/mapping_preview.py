"""What the column-mapping dialog needs without Qt: load-or-ask, the live drop count for a
candidate mapping, the preview rows, and the overrides that express the user's choice.

Drop counts come from the loader itself (`build_event_table` on the rows already read), so
the dialog can never promise a number the load then contradicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from funnel_gui.core.events import EventTable
from funnel_gui.core.io.build import build_event_table
from funnel_gui.core.io.detect import detect
from funnel_gui.core.io.errors import ImportFailed
from funnel_gui.core.io.loader import MappingLike, check_time_zone, read_raw, resolve_mapping
from funnel_gui.core.io.mapping import ROLES, ColumnMapping, Detection
from funnel_gui.core.io.raw import RawImport, _step
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.core.textforms import clip

# Detection below this is a guess worth showing to the person (a generic table whose
# column names are not the usual ones, or with several candidates for one role).
UNSURE_BELOW = 0.7
PREVIEW_ROWS = 50

# When to hand the rows read to the mapping dialog instead of loading them:
# "on_failure" only when the mapping cannot work, "if_unsure" also when detection is
# unsure, "always" every time (the user asked for the dialog).
Ask = Literal["on_failure", "if_unsure", "always"]

ROLE_NAMES = {
    "actor": "user id",
    "event": "event name",
    "time": "timestamp",
    "session": "session id",
}

# How each of the loader's drop reasons (ImportReport.dropped) reads in the live line; the
# two time reasons read the same, since either way the row has no time to sort it by.
DROP_PHRASES = {
    "malformed": "malformed",
    "missing_actor": "without a user id",
    "not_an_event": "that are not events (identify, group or alias calls)",
    "missing_event": "without an event name",
    "missing_time": "without a timestamp that can be read",
    "unparsable_time": "without a timestamp that can be read",
}


@dataclass
class MappingRequest:
    """Rows read, waiting for the person to settle the mapping in the dialog."""

    files: list[str]
    raw: RawImport
    detection: Detection  # what detection alone concluded
    current: ColumnMapping  # the mapping to preselect (detection plus earlier choices)
    assume_tz: str
    problem: str | None = None  # why loading failed, when it did
    suggestions: dict[str, list[str]] = field(default_factory=dict)  # per missing role


def open_or_ask(
    files: Sequence[str | Path],
    overrides: MappingLike | None = None,
    *,
    assume_tz: str = "UTC",
    ask: Ask = "on_failure",
    remembered: bool = False,
    raw: RawImport | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> EventTable | MappingRequest:
    """`load_events`, except that a mapping problem returns the rows read for the dialog.

    `remembered` overrides come from an earlier session: a column that is gone from the
    file is ignored instead of failing the load. `raw` skips reading when the rows are
    at hand (the dialog read them already); it is consumed by a successful load.
    A full `ColumnMapping` as overrides is only preselected (`ask="always"`).
    """
    check_time_zone(assume_tz)
    names = [str(f) for f in files]
    imported = raw if raw is not None else read_raw(names, progress, cancelled)
    _step(progress, cancelled, 0.5, "Detecting columns")
    columns = set(imported.table.column_names)
    if remembered and overrides is not None and not isinstance(overrides, ColumnMapping):
        overrides = {r: c for r, c in overrides.items() if not c or c in columns}

    def request(
        problem: str | None,
        detection: Detection | None = None,
        suggestions: dict[str, list[str]] | None = None,
    ) -> MappingRequest:
        detection = detection or detect(imported.table)
        if isinstance(overrides, ColumnMapping):
            current = overrides
        else:
            usable = {r: c for r, c in (overrides or {}).items() if not c or c in columns}
            current = detection.mapping.with_overrides(usable)
        return MappingRequest(
            names, imported, detection, current, assume_tz, problem, suggestions or {}
        )

    if ask == "always":
        return request(None)
    try:
        detection = resolve_mapping(imported, overrides)
    except ImportFailed as exc:
        if exc.mappable or overrides:  # a missing role, or a chosen column that is not there
            return request(exc.message, suggestions=exc.mappable)
        raise
    if ask == "if_unsure" and not overrides and detection.confidence < UNSURE_BELOW:
        return request(None, detection)
    columns_read = imported.table.column_names
    try:
        return build_event_table(
            imported,
            detection,
            release_input=True,
            assume_tz=assume_tz,
            progress=progress,
            cancelled=cancelled,
        )
    except ImportFailed as exc:  # every row dropped: the columns chosen do not hold events
        if imported.table.column_names != columns_read:
            # The build let the role columns go to save memory; the dialog needs them all.
            imported = read_raw(names, progress, cancelled)
        return request(exc.message)


@dataclass(frozen=True)
class MappingPreview:
    """What loading with one candidate mapping would keep and drop."""

    rows_read: int
    dropped: dict[str, int]  # the loader's reasons (ImportReport.dropped); {} if unknown
    problem: str | None = None  # why this mapping cannot be loaded; None when it can
    all_dropped: bool = False  # the loader would keep no row at all
    time_description: str = ""  # how the time column(s) would be read

    @property
    def usable(self) -> bool:
        return self.problem is None

    @property
    def rows_dropped(self) -> int:
        return self.rows_read if self.all_dropped else sum(self.dropped.values())

    def summary(self) -> str:
        """The live line: "46,676 rows · 0 would be dropped", or what would be dropped and why."""
        rows = self.rows_read
        if self.all_dropped:
            return f"All {rows:,} rows would be dropped"
        if self.problem is not None and not self.dropped:
            return f"{rows:,} rows"
        if not self.rows_dropped:
            return f"{rows:,} rows · 0 would be dropped"
        by_phrase: dict[str, int] = {}
        for reason, count in self.dropped.items():
            phrase = DROP_PHRASES.get(reason, reason.replace("_", " "))
            by_phrase[phrase] = by_phrase.get(phrase, 0) + count
        parts = sorted(by_phrase.items(), key=lambda pc: -pc[1])
        reasons = ", ".join(f"{count:,} {phrase}" for phrase, count in parts if count)
        return f"{self.rows_dropped:,} of {rows:,} rows would be dropped: {reasons}"


def preview_mapping(
    raw: RawImport,
    detection: Detection,
    overrides: Mapping[str, str | None],
    assume_tz: str,
    cancelled: Cancelled | None = None,
) -> MappingPreview:
    """Count the rows a load with `overrides` (on top of `detection`) would drop.

    Runs the loader's own build on the rows already read (leaving them as they are), so it
    takes about as long as the build of a load: call it off the GUI thread for big files.
    """
    rows_read = raw.table.num_rows + raw.malformed
    mapping = detection.mapping.with_overrides(overrides)
    missing = mapping.missing_roles()
    if missing:
        return MappingPreview(rows_read, {}, problem=missing_roles_problem(missing))
    try:
        check_time_zone(assume_tz)
    except ImportFailed as exc:
        return MappingPreview(rows_read, {}, problem=exc.message)
    try:
        table = build_event_table(
            raw, replace(detection, mapping=mapping), assume_tz=assume_tz, cancelled=cancelled
        )
    except ImportFailed as exc:
        return MappingPreview(rows_read, {}, problem=exc.message, all_dropped=True)
    report = table.report
    return MappingPreview(
        report.rows_read, dict(report.dropped), time_description=report.time_description
    )


def missing_roles_problem(missing: Sequence[str]) -> str:
    """Why OK is disabled, e.g. "Choose a column for the event name."."""
    names = [f"the {ROLE_NAMES[r]}" for r in missing]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Choose a column for {listed}."


def overrides_for(
    detected: ColumnMapping, chosen: Mapping[str, tuple[str, ...]]
) -> dict[str, str | None]:
    """The overrides that turn the detected mapping into the chosen one.

    A role left as detected is not overridden, so what detection knows beyond the column
    (GA4 sessions numbered per user, Amplitude's -1 for "no session", a fallback column
    such as user_id, else user_pseudo_id) is kept. `()` clears a role.
    """
    out: dict[str, str | None] = {}
    for role in ROLES:
        if role not in chosen or chosen[role] == detected.columns(role):
            continue
        columns = chosen[role]
        if len(columns) > 1:
            raise ValueError(f"one column per role can be chosen, not {columns} for {role}")
        out[role] = columns[0] if columns else None
    return out


def preview_rows(raw: RawImport, limit: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first rows as display text (row by row, in column order)."""
    head = raw.table.slice(0, limit)
    columns = [[_cell_text(v) for v in col.to_pylist()] for col in head.columns]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return clip(str(value), 80)
