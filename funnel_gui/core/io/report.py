"""The import report: what was read, what was kept, and why anything was not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from funnel_gui.core.io.mapping import ROLES, ColumnMapping
from funnel_gui.core.timefmt import iso

DROP_REASONS: dict[str, str] = {
    "malformed": "malformed row (wrong number of fields or broken JSON)",
    "missing_actor": "no actor (user id)",
    "missing_event": "no event name",
    "missing_time": "no timestamp",
    "unparsable_time": "timestamp that is not a date or time",
    "not_an_event": "not an event (identify, group or alias call)",
}


@dataclass
class ImportReport:
    sources: list[str]
    profile: str
    profile_name: str
    confidence: float
    mapping: ColumnMapping
    rows_read: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    drop_examples: dict[str, list[str]] = field(default_factory=dict)
    duplicates_removed: int = 0
    duplicate_key: str | None = None
    exact_duplicates: int = 0
    exact_duplicates_removed: bool = False
    time_description: str = ""
    timezone: str = "UTC"
    time_span_ns: tuple[int, int] | None = None
    actors: int = 0
    sessions: int | None = None
    distinct_events: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        """Rows not analysed for a data problem; duplicates are counted apart."""
        return sum(self.dropped.values())

    @property
    def rows_removed(self) -> int:
        """Every row read but not kept: rows_read == rows_kept + rows_removed."""
        removed_exact = self.exact_duplicates if self.exact_duplicates_removed else 0
        return self.rows_dropped + self.duplicates_removed + removed_exact

    @property
    def has_warnings(self) -> bool:
        return self.rows_dropped > 0 or self.exact_duplicates > 0

    @property
    def time_span(self) -> tuple[str, str] | None:
        if self.time_span_ns is None:
            return None
        return iso(self.time_span_ns[0]), iso(self.time_span_ns[1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "profile": self.profile,
            "profile_name": self.profile_name,
            "confidence": self.confidence,
            "mapping": self.mapping.to_dict(),
            "mapping_detail": {role: list(self.mapping.columns(role)) for role in ROLES},
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "dropped": dict(self.dropped),
            "drop_examples": {k: list(v) for k, v in self.drop_examples.items()},
            "duplicates_removed": self.duplicates_removed,
            "duplicate_key": self.duplicate_key,
            "exact_duplicates": self.exact_duplicates,
            "exact_duplicates_removed": self.exact_duplicates_removed,
            "time": self.time_description,
            "timezone": self.timezone,
            "time_span": list(self.time_span) if self.time_span else None,
            "actors": self.actors,
            "sessions": self.sessions,
            "distinct_events": self.distinct_events,
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        lines = [
            f"Source: {', '.join(self.sources)}",
            f"Detected: {self.profile_name} (confidence {self.confidence:.0%})",
        ]
        for role in ROLES:
            lines.append(f"  {role:<8} {self.mapping.describe(role)}")
        lines.append(f"Time: {self.time_description}")
        lines.append(f"Rows read: {self.rows_read:,}")
        lines.append(f"Rows kept: {self.rows_kept:,}")
        for reason, count in self.dropped.items():
            if count:
                lines.append(f"  dropped {count:,}: {DROP_REASONS.get(reason, reason)}")
                for example in self.drop_examples.get(reason, [])[:3]:
                    lines.append(f"      e.g. {example}")
        if self.duplicate_key:
            lines.append(f"Duplicates removed by {self.duplicate_key}: {self.duplicates_removed:,}")
        if self.exact_duplicates:
            action = "removed" if self.exact_duplicates_removed else "kept"
            lines.append(f"Exact duplicate rows: {self.exact_duplicates:,} ({action})")
        span = self.time_span
        if span:
            lines.append(f"Time span: {span[0]} to {span[1]}")
        sessions = f"{self.sessions:,}" if self.sessions is not None else "none"
        lines.append(
            f"Actors: {self.actors:,}   Sessions: {sessions}   "
            f"Distinct events: {self.distinct_events:,}"
        )
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)
