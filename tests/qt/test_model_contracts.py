"""Qt's model tester on the table models added for the charts, the drill-down and the
mapping dialog (the older models are checked beside their own tests)."""

from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import Qt

from funnel_gui.qt.models.dropped_units import DroppedUnitsModel
from funnel_gui.qt.models.frame_table import Column, FrameTableModel
from funnel_gui.qt.models.preview_model import PreviewModel
from funnel_gui.qt.text import format_count, format_p_value, format_percent, format_seconds

COLUMNS = [
    Column("group", "Group"),
    Column("n", "People", format_count, numeric=True),
    Column("rate", "Rate", format_percent, numeric=True),
    Column("p", "p", format_p_value, numeric=True),
    Column("t", "Median", format_seconds, numeric=True),
]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["mobile", "desktop", None],
            "n": [1656, 1226, 201],
            "rate": [0.192, math.nan, 0.244],
            "p": [0.0004, 0.5, None],
            "t": [125.0, 59.97, math.nan],
        }
    )


def test_frame_table_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = FrameTableModel(COLUMNS)
    qtmodeltester.check(model)
    model.set_frame(frame())
    qtmodeltester.check(model)
    shown = [[model.index(r, c).data() for c in range(5)] for r in range(3)]
    assert shown == [
        ["mobile", "1,656", "19.2%", "< 0.001", "2.1 min"],
        ["desktop", "1,226", "–", "0.500", "1 min"],
        ["–", "201", "24.4%", "–", "–"],
    ]
    align = model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole)
    assert int(align) & int(Qt.AlignmentFlag.AlignRight)
    model.set_frame(frame().iloc[:0])
    qtmodeltester.check(model)


def test_dropped_units_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = DroppedUnitsModel([Column("actor", "Person")])
    model.set_frame(pd.DataFrame({"actor": ["u2", "u1", "u3"]}))
    qtmodeltester.check(model)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(3)] == ["u1", "u2", "u3"]
    qtmodeltester.check(model)


def test_preview_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PreviewModel(
        ["user", "what", "when"], [["u1", "view", "2024-03-01"], ["u2", "buy", ""]]
    )
    qtmodeltester.check(model)
    model.set_roles({"actor": ("user",), "event": ("what",), "time": ("when",)})
    qtmodeltester.check(model)
    assert model.role_of("when") == "time"
