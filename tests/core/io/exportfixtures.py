"""Builders and writers for small vendor-export fixtures (shapes from EXPORT_FORMATS.md).

Records are built as Python dicts by small functions, then written the way each
tool writes them: BigQuery NDJSON (INT64 as JSON strings), Parquet with the nested
schema, gzip, zip archives of gzip members, CSV with a chosen delimiter, line ending,
BOM and comment preamble. Nothing here knows what the loader should make of them.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

Record = dict[str, Any]


def utc_ns(text: str) -> int:
    """An ISO 8601 instant (with a zone) as int64 nanoseconds, computed without pandas."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


# --- writers --------------------------------------------------------------------------


def ndjson_bytes(records: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


def write_ndjson(path: Path, records: Iterable[Mapping[str, Any]], *, gz: bool = False) -> Path:
    data = ndjson_bytes(records)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_zip(path: Path, members: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def write_parquet(path: Path, records: Sequence[Mapping[str, Any]], schema: pa.Schema) -> Path:
    pq.write_table(pa.Table.from_pylist(list(records), schema=schema), path)
    return path


def write_delimited(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ",",
    line_end: str = "\n",
    bom: bool = False,
    preamble: Sequence[str] = (),
) -> Path:
    """A CSV-like file; `None` cells are written empty, `preamble` lines go above the header."""
    buffer = io.StringIO()
    for line in preamble:
        buffer.write(line + line_end)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# --- GA4 BigQuery export (EXPORT_FORMATS §1) ------------------------------------------

_GA4_VALUE = pa.struct(
    [
        ("string_value", pa.string()),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("double_value", pa.float64()),
    ]
)
_GA4_USER_VALUE = pa.struct([*_GA4_VALUE, ("set_timestamp_micros", pa.int64())])
_GA4_ITEM = pa.struct(
    [
        ("item_id", pa.string()),
        ("item_name", pa.string()),
        ("item_brand", pa.string()),
        ("item_category", pa.string()),
        ("price", pa.float64()),
        ("quantity", pa.int64()),
    ]
)
GA4_SCHEMA = pa.schema(
    [
        ("event_date", pa.string()),
        ("event_timestamp", pa.int64()),
        ("event_name", pa.string()),
        ("event_params", pa.list_(pa.struct([("key", pa.string()), ("value", _GA4_VALUE)]))),
        ("event_previous_timestamp", pa.int64()),
        ("event_value_in_usd", pa.float64()),
        ("event_bundle_sequence_id", pa.int64()),
        ("user_id", pa.string()),
        ("user_pseudo_id", pa.string()),
        (
            "privacy_info",
            pa.struct(
                [
                    ("analytics_storage", pa.string()),
                    ("ads_storage", pa.string()),
                    ("uses_transient_token", pa.string()),
                ]
            ),
        ),
        (
            "user_properties",
            pa.list_(pa.struct([("key", pa.string()), ("value", _GA4_USER_VALUE)])),
        ),
        ("user_first_touch_timestamp", pa.int64()),
        (
            "device",
            pa.struct(
                [
                    ("category", pa.string()),
                    ("mobile_brand_name", pa.string()),
                    ("mobile_model_name", pa.string()),
                    ("operating_system", pa.string()),
                    ("language", pa.string()),
                    (
                        "web_info",
                        pa.struct([("browser", pa.string()), ("browser_version", pa.string())]),
                    ),
                ]
            ),
        ),
        (
            "geo",
            pa.struct(
                [
                    ("continent", pa.string()),
                    ("country", pa.string()),
                    ("region", pa.string()),
                    ("city", pa.string()),
                ]
            ),
        ),
        (
            "traffic_source",
            pa.struct(
                [
                    ("name", pa.string()),
                    ("medium", pa.string()),
                    ("source", pa.string()),
                ]
            ),
        ),
        ("stream_id", pa.string()),
        ("platform", pa.string()),
        (
            "ecommerce",
            pa.struct(
                [
                    ("transaction_id", pa.string()),
                    ("purchase_revenue", pa.float64()),
                ]
            ),
        ),
        ("items", pa.list_(_GA4_ITEM)),
    ]
)


def ga4_param(
    key: str,
    *,
    string: str | None = None,
    int_: int | None = None,
    double: float | None = None,
) -> Record:
    """One `event_params` entry; all four value slots present, the unused ones null."""
    return {
        "key": key,
        "value": {
            "string_value": string,
            "int_value": int_,
            "float_value": None,
            "double_value": double,
        },
    }


def ga4_item(item_id: str, name: str, price: float, quantity: int = 1) -> Record:
    return {
        "item_id": item_id,
        "item_name": name,
        "item_brand": "Google",
        "item_category": "Apparel",
        "price": price,
        "quantity": quantity,
    }


def ga4_event(
    *,
    name: str,
    ts_us: int,
    pseudo_id: str,
    session_id: int,
    user_id: str | None = None,
    params: Sequence[Record] = (),
    device_category: str = "desktop",
    country: str = "United States",
    source: str = "(direct)",
    items: Sequence[Record] = (),
    user_properties: Sequence[tuple[str, str | None]] = (),
    transaction_id: str | None = None,
) -> Record:
    """A GA4 event row with Python ints for INT64 fields (see `bigquery_json`)."""
    day = datetime.fromtimestamp(ts_us / 1e6, tz=UTC).strftime("%Y%m%d")
    all_params = [
        ga4_param("ga_session_id", int_=session_id),
        ga4_param("ga_session_number", int_=1),
        *params,
    ]
    return {
        "event_date": day,
        "event_timestamp": ts_us,
        "event_name": name,
        "event_params": all_params,
        "event_previous_timestamp": None,
        "event_value_in_usd": None,
        "event_bundle_sequence_id": 1_234_567,
        "user_id": user_id,
        "user_pseudo_id": pseudo_id,
        "privacy_info": {
            "analytics_storage": None,
            "ads_storage": None,
            "uses_transient_token": "No",
        },
        "user_properties": [
            {
                "key": key,
                "value": {
                    "string_value": value,
                    "int_value": None,
                    "float_value": None,
                    "double_value": None,
                    "set_timestamp_micros": ts_us,
                },
            }
            for key, value in user_properties
        ],
        "user_first_touch_timestamp": 1_611_700_000_000_000,
        "device": {
            "category": device_category,
            "mobile_brand_name": "<Other>",
            "mobile_model_name": "<Other>",
            "operating_system": "Web",
            "language": "en-us",
            "web_info": {"browser": "Chrome", "browser_version": "87.0"},
        },
        "geo": {
            "continent": "Americas",
            "country": country,
            "region": "(not set)",
            "city": "(not set)",
        },
        "traffic_source": {"name": "(direct)", "medium": "(none)", "source": source},
        "stream_id": "2100450278",
        "platform": "WEB",
        "ecommerce": {"transaction_id": transaction_id, "purchase_revenue": None},
        "items": list(items),
    }


def bigquery_json(value: Any, kind: pa.DataType | pa.Schema = GA4_SCHEMA) -> Any:
    """What `bq extract --destination_format NEWLINE_DELIMITED_JSON` writes: INT64 as strings."""
    if value is None:
        return None
    if isinstance(kind, pa.Schema):
        return {f.name: bigquery_json(value.get(f.name), f.type) for f in kind}
    if pa.types.is_struct(kind):
        return {f.name: bigquery_json(value.get(f.name), f.type) for f in kind}
    if pa.types.is_list(kind):
        return [bigquery_json(v, kind.value_type) for v in value]
    if pa.types.is_int64(kind):
        return str(value)
    return value


# --- Amplitude export (EXPORT_FORMATS §4) ---------------------------------------------


def amplitude_event(
    *,
    event_type: str,
    event_time: str,
    insert_id: str,
    device_id: str,
    session_id: int,
    user_id: str | None = None,
    amplitude_id: int = 500_000_001,
    event_properties: Mapping[str, Any] | None = None,
    user_properties: Mapping[str, Any] | None = None,
) -> Record:
    return {
        "$insert_id": insert_id,
        "$schema": 12,
        "adid": None,
        "amplitude_event_type": None,
        "amplitude_id": amplitude_id,
        "app": 123,
        "city": "Berlin",
        "client_event_time": event_time,
        "client_upload_time": event_time,
        "country": "Germany",
        "data": {"path": "/2/httpapi"},
        "device_family": "Mac",
        "device_id": device_id,
        "device_type": "Mac",
        "event_id": 7,
        "event_properties": dict(event_properties or {}),
        "event_time": event_time,
        "event_type": event_type,
        "group_properties": {},
        "groups": {},
        "ip_address": "192.0.2.1",
        "language": "English",
        "library": "amplitude-js/8.1.0",
        "os_name": "Chrome",
        "os_version": "87",
        "paying": None,
        "platform": "Web",
        "processed_time": "2020-02-18 01:00:01.000000",
        "server_received_time": event_time,
        "server_upload_time": "2020-02-18 01:00:00.234567",
        "session_id": session_id,
        "user_creation_time": "2020-02-01 00:00:00.000000",
        "user_id": user_id,
        "user_properties": dict(user_properties or {}),
        "uuid": f"uuid-{insert_id}",
        "version_name": None,
    }


# --- Mixpanel raw export (EXPORT_FORMATS §3) ------------------------------------------


def mixpanel_event(
    event: str, *, time: int, distinct_id: str, insert_id: str, **custom: Any
) -> Record:
    properties: Record = {
        "time": time,
        "distinct_id": distinct_id,
        "$insert_id": insert_id,
        "$browser": "Chrome",
        "$current_url": "https://example.com/",
        "$os": "Mac OS X",
        "mp_country_code": "US",
        "mp_lib": "web",
        "mp_processing_time_ms": 1_602_625_711_874,
    }
    properties.update(custom)
    return {"event": event, "properties": properties}


# --- PostHog (EXPORT_FORMATS §5) --------------------------------------------------------

POSTHOG_BATCH_SCHEMA = pa.schema(
    [
        ("uuid", pa.string()),
        ("event", pa.string()),
        ("distinct_id", pa.string()),
        ("person_id", pa.string()),
        ("properties", pa.string()),
        ("person_properties", pa.string()),
        ("elements_chain", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("team_id", pa.int64()),
    ]
)


def posthog_batch_event(
    *,
    uuid: str,
    event: str,
    distinct_id: str,
    person_id: str,
    timestamp: str,
    session_id: str,
    browser: str = "Firefox",
    url: str = "https://app.example.com/",
) -> Record:
    """A batch-export row: `properties`/`person_properties` are JSON text, times are ISO."""
    return {
        "uuid": uuid,
        "event": event,
        "distinct_id": distinct_id,
        "person_id": person_id,
        "properties": json.dumps(
            {
                "$browser": browser,
                "$current_url": url,
                "$lib": "web",
                "$session_id": session_id,
                "$screen_width": 1440,
            }
        ),
        "person_properties": json.dumps({"email": f"{distinct_id}@example.com"}),
        "elements_chain": "",
        "timestamp": timestamp,
        "created_at": timestamp,
        "team_id": 2,
    }


def posthog_batch_parquet_row(record: Mapping[str, Any]) -> Record:
    """The same row as the Parquet batch export types it (timestamps as timestamps)."""
    row = dict(record)
    for key in ("timestamp", "created_at"):
        row[key] = datetime.fromisoformat(str(row[key]).replace("Z", "+00:00"))
    return row


# --- Segment (EXPORT_FORMATS §6) --------------------------------------------------------


def segment_call(
    kind: str,
    *,
    message_id: str,
    timestamp: str,
    anonymous_id: str,
    user_id: str | None = None,
    event: str | None = None,
    name: str | None = None,
    properties: Mapping[str, Any] | None = None,
    traits: Mapping[str, Any] | None = None,
) -> Record:
    """A track/page/identify call; `userId` is left out entirely when not known yet."""
    record: Record = {
        "anonymousId": anonymous_id,
        "channel": "client",
        "context": {
            "ip": "192.0.2.10",
            "library": {"name": "analytics.js", "version": "npm:next-1.61.0"},
            "locale": "en-US",
            "page": {"path": "/data-test", "url": "https://localhost:3000/data-test"},
            "timezone": "America/Los_Angeles",
        },
        "integrations": {},
        "messageId": message_id,
        "originalTimestamp": timestamp,
        "receivedAt": timestamp,
        "sentAt": timestamp,
        "timestamp": timestamp,
        "type": kind,
        "version": 2,
    }
    if user_id is not None:
        record["userId"] = user_id
    if event is not None:
        record["event"] = event
    if name is not None:
        record["name"] = name
    if properties is not None:
        record["properties"] = dict(properties)
    if traits is not None:
        record["traits"] = dict(traits)
    return record
