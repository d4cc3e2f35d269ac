"""The event palette: searchable, sortable list of the data's events with a volume bar."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.qt.models.event_palette import SHARE_ROLE, SORT_ROLE, EventPaletteModel
from funnel_gui.qt.models.property_list import PropertyListModel
from funnel_gui.qt.session import AppSession


class VolumeBarDelegate(QStyledItemDelegate):
    """Draws a faint bar behind the count: the event's volume relative to the busiest."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        share = index.data(SHARE_ROLE)
        if isinstance(share, float) and share > 0:
            rect = option.rect.adjusted(2, 4, -2, -4)
            rect.setWidth(max(2, int(rect.width() * share)))
            colour = QColor(option.palette.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(60)
            painter.save()
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(rect, 3, 3)
            painter.restore()
        super().paint(painter, option, index)


def _table(model: QSortFilterProxyModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)
    view.verticalHeader().setDefaultSectionSize(26)
    return view


class EventPalette(QWidget):
    """Events of the loaded data; Enter or a double-click adds the event as a new step."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = EventPaletteModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.search = QLineEdit(placeholderText="Search events…", clearButtonEnabled=True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = _table(self.proxy)
        self.view.setItemDelegateForColumn(1, VolumeBarDelegate(self.view))
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.view.setColumnWidth(1, 96)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.view.activated.connect(self._on_activated)  # Enter or double-click
        self.view.setToolTip("Drag an event into the funnel, or press Enter to add it")
        self.properties = PropertyListModel(self)
        self.property_proxy = QSortFilterProxyModel(self)
        self.property_proxy.setSourceModel(self.properties)
        self.property_proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.property_view = _table(self.property_proxy)
        self.property_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 3)
        title = QLabel("Properties")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        layout.addWidget(self.property_view, 2)
        session.sig_catalogs_changed.connect(self.show_table)

    def show_table(self, table: DataCatalogs | None) -> None:
        """The data's events and properties (None: none yet, a database being read)."""
        self.model.set_catalog(table.event_catalog if table is not None else None)
        self.properties.set_catalog(table.property_catalog if table is not None else None)

    def _on_activated(self, index: QModelIndex) -> None:
        source = self.proxy.mapToSource(index)
        if source.isValid():
            self.session.append_events([self.model.event_name(source.row())])
