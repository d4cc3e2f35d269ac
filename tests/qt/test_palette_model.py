"""EventPaletteModel: a well-behaved Qt model whose drags carry JSON event names."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from funnel_gui.qt.mime import STEP_MIME, events_from_mime, step_mime
from funnel_gui.qt.models.event_palette import SHARE_ROLE, EventPaletteModel
from funnel_gui.qt.models.property_list import PropertyListModel


@pytest.fixture
def catalog() -> pd.DataFrame:
    when = pd.Timestamp("2026-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "event": ["page_view", "add_to_cart", "purchase"],
            "count": [1200, 300, 40],
            "actors": [500, 120, 35],
            "first_seen": [when] * 3,
            "last_seen": [when] * 3,
        }
    )


def test_model_passes_qtmodeltester(qtmodeltester, catalog: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    model = EventPaletteModel()
    model.set_catalog(catalog)
    qtmodeltester.check(model)


def test_rows_show_counts_and_share(catalog: pd.DataFrame) -> None:
    model = EventPaletteModel()
    model.set_catalog(catalog)
    assert model.rowCount() == 3
    assert model.index(0, 1).data() == "1,200"
    assert model.index(1, 2).data() == "120"
    assert model.index(1, 1).data(SHARE_ROLE) == pytest.approx(300 / 1200)


def test_drag_payload_is_json_of_event_names(catalog: pd.DataFrame) -> None:
    model = EventPaletteModel()
    model.set_catalog(catalog)
    mime = model.mimeData([model.index(2, 0), model.index(0, 0), model.index(0, 1)])
    assert json.loads(bytes(mime.data(STEP_MIME).data())) == {"events": ["page_view", "purchase"]}
    assert events_from_mime(mime) == ["page_view", "purchase"]


def test_foreign_or_malformed_mime_is_refused() -> None:
    from PySide6.QtCore import QMimeData

    text_only = QMimeData()
    text_only.setText("page_view")
    assert events_from_mime(text_only) is None
    broken = QMimeData()
    broken.setData(STEP_MIME, b"{not json")
    assert events_from_mime(broken) is None
    wrong_shape = QMimeData()
    wrong_shape.setData(STEP_MIME, b'{"events": [1, 2]}')
    assert events_from_mime(wrong_shape) is None
    assert events_from_mime(step_mime(["a b", "ü"])) == ["a b", "ü"]


def test_property_model_passes_qtmodeltester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PropertyListModel()
    model.set_catalog(
        pd.DataFrame(
            {
                "property": ["device", "price"],
                "kind": ["text", "number"],
                "distinct": [3, 120],
                "present": [10, 4],
                "top_values": [[("mobile", 6), ("desktop", 3)], [(9.5, 2)]],
            }
        )
    )
    qtmodeltester.check(model)
    assert model.index(1, 2).data() == "120"
