"""Pieces of the drill-down panel: its tables' look and the share bars behind a share."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from funnel_gui.core.engine.results import FunnelResult
from funnel_gui.qt.models.dropped_units import UnitsPick
from funnel_gui.qt.models.step_table import VALUE_ROLE
from funnel_gui.qt.theme import MICRO_HEX

Index = QModelIndex | QPersistentModelIndex


class ShareBarDelegate(QStyledItemDelegate):
    """A light bar behind a share (0..1), so the table reads like a small bar chart."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        share = index.data(VALUE_ROLE)
        if isinstance(share, float) and 0 <= share <= 1:
            colour = QColor(MICRO_HEX)
            colour.setAlpha(60)
            rect = option.rect.adjusted(2, 3, -2, -3)
            rect.setWidth(round(rect.width() * share))
            painter.fillRect(rect, colour)
        super().paint(painter, option, index)


def table_view(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    # Sizing from the first rows only, and one fixed row height: a list of hundreds of
    # thousands must not be measured row by row.
    header.setResizeContentsPrecision(200)
    rows = view.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
    return view


def step_name(result: FunnelResult, step: int) -> str:
    if result.definition.order == "any":
        return f"{step} steps"
    return result.steps[step - 1].label


def iso(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).isoformat().replace("+00:00", "Z")


def pick_still_holds(pick: UnitsPick | None, result: FunnelResult | None, table: object) -> bool:
    """A pick stays listed over a new result of the same funnel on the same rows."""
    return (
        pick is not None
        and result is not None
        and table is pick.table
        and result.definition == pick.result.definition
    )
