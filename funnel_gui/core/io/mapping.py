"""Which input columns play the canonical roles of FUNNEL_SEMANTICS §1."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

ROLES = ("actor", "event", "time", "session")
REQUIRED_ROLES = ("actor", "event", "time")


@dataclass(frozen=True)
class ColumnMapping:
    """Each role names one column, or several tried in order per row (`user_id`, else
    `user_pseudo_id`). `event_id` names the columns whose value identifies an event for
    de-duplication (the first present one is used)."""

    actor: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    time: tuple[str, ...] = ()
    session: tuple[str, ...] = ()
    session_per_actor: bool = False  # session ids repeat across actors (GA4 ga_session_id)
    no_session_values: tuple[str, ...] = ()  # values that mean "no session" (Amplitude -1)
    event_id: tuple[str, ...] = ()

    def columns(self, role: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, role)
        return value

    def primary(self, role: str) -> str | None:
        cols = self.columns(role)
        return cols[0] if cols else None

    def describe(self, role: str) -> str:
        cols = self.columns(role)
        return ", else ".join(cols) if cols else "(none)"

    def missing_roles(self) -> list[str]:
        return [role for role in REQUIRED_ROLES if not self.columns(role)]

    def with_overrides(self, overrides: Mapping[str, str | None]) -> ColumnMapping:
        """Replace roles the user chose by hand; `None` or "" clears an optional role."""
        changes: dict[str, object] = {}
        for role, column in overrides.items():
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
            changes[role] = (column,) if column else ()
            if role == "session":
                changes["session_per_actor"] = False
                changes["no_session_values"] = ()
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, str | None]:
        return {role: self.primary(role) for role in ROLES}


@dataclass(frozen=True)
class Detection:
    """What auto-detection concluded about a table, and how sure it is."""

    profile: str  # profile key: "ga4", "mixpanel", ..., "generic"
    profile_name: str
    mapping: ColumnMapping
    confidence: float  # 0..1
    notes: tuple[str, ...] = ()  # what it was unsure of and what it picked
    candidates: dict[str, list[str]] = field(default_factory=dict)  # per role, best first
    property_renames: dict[str, str] = field(default_factory=dict)
