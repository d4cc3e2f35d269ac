"""Drag-and-drop payloads: JSON bytes under our own MIME type, never live Python objects."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QMimeData

STEP_MIME = "application/x-funnel-gui-step"


def step_mime(events: list[str]) -> QMimeData:
    mime = QMimeData()
    mime.setData(STEP_MIME, json.dumps({"events": events}).encode("utf-8"))
    mime.setText("\n".join(events))
    return mime


def json_payload(mime: QMimeData, mime_type: str) -> dict[str, Any] | None:
    """The JSON object stored under `mime_type`, or None when absent or malformed."""
    if not mime.hasFormat(mime_type):
        return None
    try:
        payload: Any = json.loads(bytes(mime.data(mime_type).data()).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def events_from_mime(mime: QMimeData) -> list[str] | None:
    """The event names a drop carries, or None when it is not ours or is malformed."""
    payload = json_payload(mime, STEP_MIME)
    events = payload.get("events") if payload is not None else None
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        return None
    return events
