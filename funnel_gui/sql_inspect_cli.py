"""`funnel-gui inspect URL`: what a database table holds, computed where it lives.

The column mapping (detected like a file's, `--columns role=col,…` overrides), the event
catalog and the property catalog by GROUP BY; nothing is loaded here.
"""

from __future__ import annotations

import json
from typing import Any

from funnel_gui.core.sql.open import open_sql_source
from funnel_gui.core.sql.source import ColumnMap, SqlSource
from funnel_gui.core.sql.sources.catalogs import event_catalog, property_catalog
from funnel_gui.core.sql.sources.registry import is_client_url, open_client_source
from funnel_gui.core.sql.sources.schema import parse_column_overrides


def open_for_inspect(text: str, columns: str | None, memory_limit: str | None) -> SqlSource:
    overrides = parse_column_overrides(columns or "")
    if is_client_url(text):
        return open_client_source(text, overrides)
    source = open_sql_source(text, memory_limit)
    if overrides:
        from dataclasses import replace

        roles = {k: v for k, v in overrides.items() if k != "properties"}
        source.columns = replace(source.columns, **roles)  # type: ignore[arg-type]
    return source


def source_label(source: SqlSource) -> str:
    label = getattr(source, "label", None)
    return str(label) if label else f"{source.dialect}"


def describe_columns(columns: ColumnMap) -> dict[str, Any]:
    return {
        "actor": columns.actor,
        "event": columns.event,
        "time": columns.time,
        "session": columns.session,
        "order_key": columns.order_key,
        "properties": list(columns.properties),
    }


def inspect_sql(text: str, columns: str | None, memory_limit: str | None, as_json: bool) -> None:
    source = open_for_inspect(text, columns, memory_limit)
    try:
        events = event_catalog(source)
        props = property_catalog(source)
        mapping = describe_columns(source.columns)
        label = source_label(source)
    finally:
        source.close()
    if as_json:
        payload = {
            "source": label,
            "columns": mapping,
            "events": {
                str(r["event"]): {"count": int(r["count"]), "actors": int(r["actors"])}
                for r in events.to_dict("records")
            },
            "properties": [
                {"name": str(r["property"]), "kind": str(r["kind"]), "distinct": int(r["distinct"])}
                for r in props.to_dict("records")
            ],
        }
        print(json.dumps(payload, indent=2))
        return
    print(f"Computed in {label}")
    roles = ", ".join(f"{k}={v}" for k, v in mapping.items() if k != "properties" and v)
    print(f"Columns: {roles}")
    print(f"Properties: {', '.join(mapping['properties']) or '(none)'}")
    if not mapping["order_key"]:
        print("No order column: events at the same instant may be ordered differently (§21).")
    print()
    print(events.to_string(index=False))
