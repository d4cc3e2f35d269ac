"""The funnel editor: the funnel's steps as cards, in order, built by drag and drop.

Every edit goes through `FunnelStepsModel` (drops, removal, moves) or the document's
commands on the model's undo stack (kind), so each one is a single undo entry.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.analysis.chart_data import steps_done
from funnel_gui.core.analysis.unit_words import counted_text
from funnel_gui.core.definition.model import Kind, keeps_macro
from funnel_gui.core.editing.commands import SetStepKind
from funnel_gui.core.engine.results import StepResult
from funnel_gui.qt.models.funnel_steps import (
    EVENTS_ROLE,
    FILTERS_ROLE,
    KIND_ROLE,
    FunnelStepsModel,
)
from funnel_gui.qt.text import filter_summary
from funnel_gui.qt.theme import kind_colour

Index = QModelIndex | QPersistentModelIndex

CARD_HEIGHT = 72
CARD_GAP = 8
_SIDE = 10  # horizontal room around a card, so the selection border is not clipped
_PAD = 12  # inside a card
_RESULTS_WIDTH = 150


def _muted(palette: QPalette) -> QColor:
    # PlaceholderText is too faint in some themes; a translucent Text colour follows both.
    colour = QColor(palette.color(QPalette.ColorRole.Text))
    colour.setAlpha(170)
    return colour


class StepCardDelegate(QStyledItemDelegate):
    """Paints one step as a rounded card; numbers on the right when results are set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: list[StepResult] = []
        self.any_order = False  # §3.3: card k's numbers count any k steps
        self.counted = "people"  # what the results count: the cards' word

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # The gap is part of the item (the view's spacing stays 0), so a drop in it still
        # lands on a card's edge zone (Above/Below) and inserts there instead of appending.
        return QSize(320, CARD_HEIGHT + CARD_GAP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        card = QRectF(rect).adjusted(_SIDE, CARD_GAP / 2, -_SIDE, -CARD_GAP / 2)
        accent = kind_colour(str(index.data(KIND_ROLE)))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2.0 if selected else 1.0))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(card.adjusted(1, 1, -1, -1), 8, 8)
        result = self.results[index.row()] if index.row() < len(self.results) else None
        right = card.right() - _PAD
        if result is not None:
            self._paint_result(painter, palette, card, result, accent)
            right -= _RESULTS_WIDTH + _PAD
        text_left = self._paint_number(painter, card, index.row() + 1, accent)
        self._paint_text(
            painter, palette, index, QRectF(text_left, card.top(), 0, card.height()), right
        )
        painter.restore()

    def _paint_number(self, painter: QPainter, card: QRectF, number: int, accent: QColor) -> float:
        circle = QRectF(card.left() + _PAD, card.center().y() - 14, 28, 28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawEllipse(circle)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, str(number))
        return circle.right() + _PAD

    def _paint_text(
        self, painter: QPainter, palette: QPalette, index: Index, column: QRectF, right: float
    ) -> None:
        base = QFont(painter.font())
        base.setBold(False)
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(6.0, base.pointSizeF() - 1.5))
        width = max(0.0, right - column.left())
        filters = filter_summary(index.data(FILTERS_ROLE) or ())
        events = " or ".join(index.data(EVENTS_ROLE) or [])
        label = str(index.data() or "")
        lines = [(bold, label, palette.color(QPalette.ColorRole.Text))]
        if events != label:  # an unlabelled step is already named by its events
            lines.append((base, events, _muted(palette)))
        if filters:
            lines.append((small, f"where {filters}", _muted(palette)))
        heights = [self._line_height(painter, font) for font, _, _ in lines]
        y = column.center().y() - sum(heights) / 2
        badge_room = 64.0
        for n, ((font, text, colour), height) in enumerate(zip(lines, heights, strict=True)):
            painter.setFont(font)
            painter.setPen(colour)
            room = width - badge_room if n == 0 else width
            shown = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(room))
            box = QRectF(column.left(), y, room, height)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)
            if n == 0:
                text_width = painter.fontMetrics().horizontalAdvance(shown)
                self._paint_badge(
                    painter,
                    small,
                    index.data(KIND_ROLE),
                    column.left() + text_width + 8,
                    box.center().y(),
                )
            y += height

    @staticmethod
    def _line_height(painter: QPainter, font: QFont) -> float:
        painter.setFont(font)
        return float(painter.fontMetrics().height() + 2)

    @staticmethod
    def _paint_badge(
        painter: QPainter, font: QFont, kind: object, x: float, centre_y: float
    ) -> None:
        label = "MACRO" if kind == "macro" else "MICRO"
        badge_font = QFont(font)
        badge_font.setBold(True)
        painter.setFont(badge_font)
        width = painter.fontMetrics().horizontalAdvance(label) + 12
        pill = QRectF(x, centre_y - 8, width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(kind_colour(str(kind)))
        painter.drawRoundedRect(pill, 8, 8)
        painter.setPen(QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_result(
        self, painter: QPainter, palette: QPalette, card: QRectF, result: StepResult, accent: QColor
    ) -> None:
        box = QRectF(card.right() - _PAD - _RESULTS_WIDTH, card.top() + 10, _RESULTS_WIDTH, 20)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(box, right, counted_text(result.count, self.counted))
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(_muted(palette))
        painter.drawText(box.translated(0, 20), right, _conversion_text(result, self.any_order))
        track = QRectF(box.left(), card.bottom() - 14, _RESULTS_WIDTH, 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(track, 2, 2)
        share = min(max(result.from_start or 0.0, 0.0), 1.0)
        if share > 0:
            painter.setBrush(accent)
            painter.drawRoundedRect(
                QRectF(track.left(), track.top(), max(4.0, track.width() * share), 4), 2, 2
            )


def _conversion_text(result: StepResult, any_order: bool = False) -> str:
    if any_order:  # the count is of units that did any k steps, as the chart says
        return f"did {steps_done(result.number)}"
    if result.number == 1:
        return "start of the funnel"
    if result.from_previous is None:
        return "— of previous"  # 0/0: nobody reached the previous step
    return f"{result.from_previous:.1%} of previous"


class StepCardView(QListView):
    """The card list: an empty-state hint, and keys that edit through the model."""

    sig_remove = Signal(int)
    sig_move = Signal(int, int)  # row, +1 down / -1 up
    sig_menu = Signal(int, QPoint)  # row (-1 off the cards), global position

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            self._paint_empty_hint()

    def _paint_empty_hint(self) -> None:
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        area = QRectF(self.viewport().rect()).adjusted(16, 16, -16, -16)
        pen = QPen(_muted(palette), 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(area, 12, 12)
        title = QFont(self.font())
        title.setPointSizeF(title.pointSizeF() + 4)
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        centre = area.center().y()
        top = QRectF(area.left(), centre - 34, area.width(), 34)
        centred = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
        painter.drawText(
            top, centred | Qt.TextFlag.TextWordWrap, "Drag events here to build your funnel"
        )
        painter.setFont(self.font())
        painter.setPen(_muted(palette))
        bottom = QRectF(area.left(), centre + 6, area.width(), 24)
        painter.drawText(
            bottom,
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            "or select an event and press Enter",
        )
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Handled here rather than as window shortcuts: they act on this view's current
        # card, and must not fire while the palette's search box has focus.
        row = self.currentIndex().row()
        key, mods = event.key(), event.modifiers()
        if row >= 0 and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not mods:
            self.sig_remove.emit(row)
        elif (
            row >= 0
            and key in (Qt.Key.Key_Up, Qt.Key.Key_Down)
            and mods == Qt.KeyboardModifier.AltModifier
        ):
            self.sig_move.emit(row, -1 if key == Qt.Key.Key_Up else 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.sig_menu.emit(self.indexAt(event.pos()).row(), event.globalPos())
        event.accept()


class FunnelEditor(QWidget):
    """The centre of the window: the funnel's steps as cards, edited by drag and drop."""

    sig_selected_step = Signal(int)  # the current card's row, -1 for none

    def __init__(self, model: FunnelStepsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.delegate = StepCardDelegate(self)
        self.view = StepCardView(self)
        self.view.setObjectName("stepCards")
        self._setup_view()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.sig_remove.connect(self.remove_step)
        self.view.sig_move.connect(self.move_step)
        self.view.sig_menu.connect(self._on_menu_requested)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        # Results are numbered by row; after a structural edit they would sit beside the
        # wrong cards, so they are dropped until the next computation sets new ones.
        for signal in (model.rowsInserted, model.rowsRemoved, model.rowsMoved, model.modelReset):
            signal.connect(self._drop_results)

    def _setup_view(self) -> None:
        view = self.view
        view.setModel(self.model)
        view.setItemDelegate(self.delegate)
        view.setViewMode(QListView.ViewMode.ListMode)
        view.setFlow(QListView.Flow.TopToBottom)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setUniformItemSizes(True)
        view.setSpacing(0)  # the gap lives inside each item: see StepCardDelegate.sizeHint
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        view.setDefaultDropAction(Qt.DropAction.MoveAction)
        view.setDropIndicatorShown(True)
        view.setDragDropOverwriteMode(False)
        view.setAcceptDrops(True)
        # Cards are painted in Base; a Window-coloured canvas makes them stand out.
        view.viewport().setBackgroundRole(QPalette.ColorRole.Window)

    # ----------------------------------------------------------- actions

    def remove_step(self, row: int) -> bool:
        return self.model.remove_step(row)

    def move_step(self, row: int, delta: int) -> bool:
        target = row + delta
        if not 0 <= target < self.model.rowCount():
            return False
        # moveRow counts the destination before the move ("insert before" that row).
        destination = target + 1 if delta > 0 else target
        return self.model.moveRow(QModelIndex(), row, QModelIndex(), destination)

    def set_kind(self, row: int, kind: Kind) -> bool:
        if not 0 <= row < self.model.rowCount():
            return False
        return self.model.editing.edit(SetStepKind(row, kind))

    def build_context_menu(self, row: int) -> QMenu:
        """The card's menu; built separately from showing it so tests can trigger actions."""
        menu = QMenu(self)
        valid = 0 <= row < self.model.rowCount()
        remove = menu.addAction("Remove step\tDel", lambda: self.remove_step(row))
        kind = self.model.index(row, 0).data(KIND_ROLE) if valid else "micro"
        other: Kind = "micro" if kind == "macro" else "macro"
        mark = menu.addAction(f"Mark as {other}", lambda: self.set_kind(row, other))
        menu.addSeparator()
        up = menu.addAction("Move up\tAlt+Up", lambda: self.move_step(row, -1))
        down = menu.addAction("Move down\tAlt+Down", lambda: self.move_step(row, 1))
        remove.setEnabled(valid)
        mark.setEnabled(valid and not keeps_macro(self.model.editing.definition.steps, row))
        up.setEnabled(valid and row > 0)
        down.setEnabled(valid and row < self.model.rowCount() - 1)
        return menu

    # ----------------------------------------------------------- results

    def set_results(
        self, steps: list[StepResult] | None, counted: str = "people", any_order: bool = False
    ) -> None:
        """The cards' numbers; `counted` is what they count (people, sessions, attempts),
        `any_order` names card k's numbers "k steps" (§3.3)."""
        self.delegate.results = list(steps) if steps else []
        self.delegate.counted = counted
        self.delegate.any_order = any_order
        self.view.viewport().update()

    def _drop_results(self) -> None:
        if self.delegate.results:
            self.set_results(None)

    # ----------------------------------------------------------- slots

    def _on_menu_requested(self, row: int, global_pos: QPoint) -> None:
        if row < 0:
            return
        self.view.setCurrentIndex(self.model.index(row, 0))
        menu = self.build_context_menu(row)
        menu.exec(global_pos)
        menu.deleteLater()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.sig_selected_step.emit(current.row() if current.isValid() else -1)
