"""GA4's BigQuery export as one flat relation: the nested event_params read with UNNEST.

GA4 keeps each event's parameters as a list of key/value structs; every analysis here
wants them as columns. The relation is a subquery that picks each wanted key with a
correlated `(SELECT … FROM UNNEST(event_params) WHERE key = …)`, like the file importer's
flattening: `event_params.page_location` becomes `page_location`, `user_properties.plan`
becomes `user.plan` (core/io/profiles.py GA4), the actor is user_id else user_pseudo_id,
and ga_session_id repeats across users, so the session is made unique per actor.
"""

from __future__ import annotations

from sqlglot import exp

from funnel_gui.core.sql.source import ColumnMap

ACTOR, EVENT, TIME, SESSION = "actor", "event_name", "event_time", "session_id"
# Plain columns of the export worth a property of their own.
_FIELDS = {
    "platform": "platform",
    "device.category": "device.category",
    "geo.country": "geo.country",
    "traffic_source.source": "traffic_source.source",
    "traffic_source.medium": "traffic_source.medium",
}
# Every key's value as text, whichever of the value's fields the key uses.
_VALUE = (
    "COALESCE(p.value.string_value, CAST(p.value.int_value AS STRING), "
    "CAST(p.value.double_value AS STRING), CAST(p.value.float_value AS STRING))"
)
# The keys present in the export, most used first (the property catalog of a GA4 table).
PARAM_KEYS_SQL = """
SELECT p.key AS key, COUNT(*) AS n FROM {table} AS t, UNNEST(t.event_params) AS p
WHERE p.key <> 'ga_session_id' GROUP BY p.key ORDER BY n DESC, p.key LIMIT {limit}
"""
USER_KEYS_SQL = """
SELECT p.key AS key, COUNT(*) AS n FROM {table} AS t, UNNEST(t.user_properties) AS p
GROUP BY p.key ORDER BY n DESC, p.key LIMIT {limit}
"""


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("bigquery")


def _param(array: str, key: str) -> str:
    literal = exp.Literal.string(key).sql("bigquery")
    return f"(SELECT {_VALUE} FROM UNNEST({array}) AS p WHERE p.key = {literal})"


def ga4_relation(
    table: str, event_keys: tuple[str, ...], user_keys: tuple[str, ...] = ()
) -> tuple[str, ColumnMap]:
    """The flat subquery over `table` (already quoted, e.g. `p.d.events_*`) and its columns."""
    session_id = (
        "(SELECT p.value.int_value FROM UNNEST(event_params) AS p WHERE p.key = 'ga_session_id')"
    )
    actor = "COALESCE(user_id, user_pseudo_id)"
    select = [
        f"{actor} AS {_q(ACTOR)}",
        f"event_name AS {_q(EVENT)}",
        f"TIMESTAMP_MICROS(event_timestamp) AS {_q(TIME)}",
        f"CONCAT({actor}, ':', CAST({session_id} AS STRING)) AS {_q(SESSION)}",
    ]
    properties: list[str] = []
    for path, name in _FIELDS.items():
        select.append(f"{path} AS {_q(name)}")
        properties.append(name)
    for key in event_keys:
        select.append(f"{_param('event_params', key)} AS {_q(key)}")
        properties.append(key)
    for key in user_keys:
        select.append(f"{_param('user_properties', key)} AS {_q('user.' + key)}")
        properties.append(f"user.{key}")
    body = ",\n    ".join(select)
    relation = f"(\n  SELECT\n    {body}\n  FROM {table}\n)"
    columns = ColumnMap(
        actor=ACTOR, event=EVENT, time=TIME, session=SESSION, properties=tuple(properties)
    )
    return relation, columns
