"""Vendor export profiles: how each tool's fields map onto actor, event, time and session.

Field names follow EXPORT_FORMATS.md (GA4 §1, Mixpanel §3, Amplitude §4,
PostHog §5, Segment §6). A profile matches when all of its signature columns
are present in the flattened table.
"""

from __future__ import annotations

from dataclasses import dataclass

Signature = tuple[str | tuple[str, ...], ...]  # each entry: a column, or alternatives


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    signature: Signature
    actor: tuple[str, ...]
    event: tuple[str, ...]
    time: tuple[str, ...]
    session: tuple[str, ...] = ()
    session_per_actor: bool = False
    no_session_values: tuple[str, ...] = ()
    event_id: tuple[str, ...] = ()
    # Container prefixes dropped from property names, and what replaces them.
    property_prefixes: tuple[tuple[str, str], ...] = ()
    unsupported: str | None = None  # set when we recognise a format we cannot analyse

    def score(self, columns: set[str]) -> float:
        hits = sum(1 for entry in self.signature if _present(entry, columns))
        return hits / len(self.signature)


def _present(entry: str | tuple[str, ...], columns: set[str]) -> bool:
    if isinstance(entry, str):
        return entry in columns
    return any(e in columns for e in entry)


GA4 = Profile(
    key="ga4",
    name="GA4 BigQuery export",
    signature=("event_name", "event_timestamp", "user_pseudo_id"),
    actor=("user_id", "user_pseudo_id"),
    event=("event_name",),
    time=("event_timestamp",),
    session=("event_params.ga_session_id",),
    session_per_actor=True,
    property_prefixes=(("event_params.", ""), ("user_properties.", "user.")),
)
MIXPANEL = Profile(
    key="mixpanel",
    name="Mixpanel raw export",
    signature=("event", "properties.distinct_id", "properties.time"),
    actor=("properties.distinct_id",),
    event=("event",),
    time=("properties.time",),
    session=("properties.$session_id",),
    event_id=("properties.$insert_id",),
    property_prefixes=(("properties.", ""),),
)
AMPLITUDE = Profile(
    key="amplitude",
    name="Amplitude export",
    signature=("event_type", "event_time", ("amplitude_id", "$insert_id", "uuid")),
    actor=("user_id", "device_id", "amplitude_id"),
    event=("event_type",),
    time=("event_time", "client_event_time"),
    session=("session_id",),
    session_per_actor=True,
    no_session_values=("-1",),
    event_id=("$insert_id", "uuid"),
    property_prefixes=(("event_properties.", ""), ("user_properties.", "user.")),
)
POSTHOG = Profile(
    key="posthog",
    name="PostHog export",
    signature=("event", "distinct_id", "timestamp", ("uuid", "elements_chain", "person_id", "id")),
    actor=("distinct_id",),
    event=("event",),
    time=("timestamp",),
    session=("properties.$session_id", "$session_id", "session_id"),
    event_id=("uuid", "id"),
    property_prefixes=(("properties.", ""), ("person_properties.", "person.")),
)
SEGMENT = Profile(
    key="segment",
    name="Segment events",
    signature=(("userId", "anonymousId"), "messageId", ("timestamp", "receivedAt")),
    actor=("userId", "anonymousId"),
    event=("event",),
    time=("timestamp", "originalTimestamp", "receivedAt"),
    session=("context.sessionId", "properties.session_id"),
    event_id=("messageId",),
    property_prefixes=(("properties.", ""),),
)
GA360 = Profile(
    key="ga360",
    name="Universal Analytics / GA360 sessions export",
    signature=("fullVisitorId", "visitStartTime", ("hits.count", "totals.hits")),
    actor=(),
    event=(),
    time=(),
    unsupported=(
        "holds one row per session with the hits nested inside (Universal Analytics / "
        "GA360 BigQuery export), not one row per event. Funnel Explorer reads event-level "
        "exports; unnest the hits first (one row per hit with fullVisitorId, a hit time and "
        "an event or page name) and open that file."
    ),
)

VENDOR_PROFILES: tuple[Profile, ...] = (GA4, MIXPANEL, AMPLITUDE, POSTHOG, SEGMENT, GA360)

# --- generic tables: candidate names per role, best first (EXPORT_FORMATS §10) -------

ACTOR_NAMES = (
    "user_id",
    "userid",
    "user",
    "customer_id",
    "client_id",
    "member_id",
    "account_id",
    "distinct_id",
    "person_id",
    "visitor_id",
    "visitorid",
    "user_pseudo_id",
    "anonymous_id",
    "device_id",
    "domain_userid",
    "network_userid",
    "fullvisitorid",
    "actor",
    "actor_id",
    "uid",
    "cookie_id",
    "profile_id",
    "contact_id",
    "shopper_id",
    "buyer_id",
    "player_id",
    "customer",
    "visitor",
    "idvisitor",
)
EVENT_NAMES = (
    "event_name",
    "event",
    "event_type",
    "eventname",
    "eventtype",
    "event_action",
    "action",
    "activity",
    "action_type",
    "event_category",
    "type",
    "name",
)
TIME_NAMES = (
    "event_time",
    "timestamp",
    "event_timestamp",
    "time",
    "ts",
    "datetime",
    "date_time",
    "event_datetime",
    "created_at",
    "occurred_at",
    "server_time",
    "client_time",
    "collector_tstamp",
    "derived_tstamp",
    "received_at",
    "sent_at",
    "event_date",
    "date",
)
SESSION_NAMES = (
    "session_id",
    "user_session",
    "sessionid",
    "session",
    "visit_id",
    "visitid",
    "ga_session_id",
    "$session_id",
    "domain_sessionid",
    "session_key",
    "idvisit",
)
GENERIC_NAMES = {
    "actor": ACTOR_NAMES,
    "event": EVENT_NAMES,
    "time": TIME_NAMES,
    "session": SESSION_NAMES,
}
GENERIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("properties.", ""),
    ("event_properties.", ""),
    ("user_properties.", "user."),
)
