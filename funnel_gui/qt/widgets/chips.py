"""Removable chips in a wrapping row (exclusions, micro-conversions) and the flow layout that
wraps them (also used for the settings bar's groups).

A chip is focusable: Enter, Space, F2 or a click asks to edit it, Delete or Backspace (or
its ×) asks to remove it. The chips only ask; their owner turns the request into a command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QToolButton,
    QWidget,
    QWidgetItem,
)

from funnel_gui.qt.widgets.filter_row import PROBLEM_STYLE

GAP = 6  # between items, across and down
TRAY_INSET = 8  # a tray's border, padding and margin before its first chip
NOTICE_MS = 8_000  # how long a refusal stays said, unless the next change clears it
MAX_CHIP_TEXT = 260  # px; longer texts are elided, the tooltip has them whole
EDIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_F2)
REMOVE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)

# Meant for resources/style.qss (set on each chip owner until it moves there). Tints are
# translucent so they read on light and dark palettes; a focused chip gets a 2px highlight
# border and loses 1px of padding, so focus never shifts the layout. A radius above half a
# chip's height makes Qt draw square corners, hence 10px.
CHIP_QSS = """
QFrame#chip {
    border: 1px solid rgba(100, 116, 139, 0.6);
    border-radius: 10px;
    padding: 1px;
    background: palette(base);
}
QFrame#chip[chipKind="exclusion"] {
    background: rgba(185, 28, 28, 0.07);
    border-color: rgba(185, 28, 28, 0.55);
}
QFrame#chip[chipKind="micro"] {
    background: rgba(29, 78, 216, 0.07);
    border-color: rgba(29, 78, 216, 0.55);
}
QFrame#chip:hover { background: palette(midlight); }
QFrame#chip:focus { border: 2px solid palette(highlight); padding: 0px; }
QToolButton#chipRemove {
    border: none;
    border-radius: 9px;
    padding: 0px 4px;
    font-weight: 600;
}
QToolButton#chipRemove:hover { background: rgba(127, 127, 127, 0.3); }
QToolButton#chipAdd {
    border: 1px dashed palette(mid);
    border-radius: 10px;
    padding: 2px 10px;
}
QToolButton#chipAdd:hover { background: palette(midlight); }
QToolButton#chipAdd:focus { border: 1px solid palette(highlight); }
QLabel#trayHint { color: palette(placeholder-text); }
"""


class FlowLayout(QLayout):
    """Left to right in one row while it fits, wrapping whole items to the next row;
    items of a row are centred on its height."""

    def __init__(self, parent: QWidget | None = None, gap: int = GAP) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = gap

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def insert_widget(self, index: int, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self._items.insert(index, QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        m = self.contentsMargins()
        hints = [item.sizeHint() for item in self._visible()]
        width = sum(h.width() for h in hints) + self._gap * max(0, len(hints) - 1)
        height = max((h.height() for h in hints), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        m = self.contentsMargins()
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _visible(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]  # hidden widgets are empty

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place the items in `rect` (when `move`); the height that takes."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x = area.x()
        for item in self._visible():
            hint = item.sizeHint()
            if rows[-1] and x + hint.width() > area.right() + 1:
                rows.append([])
                x = area.x()
            rows[-1].append((item, hint))
            x += hint.width() + self._gap
        y = area.y()
        for row in rows:
            height = max((hint.height() for _item, hint in row), default=0)
            x = area.x()
            for item, hint in row:
                if move:
                    top = y + (height - hint.height()) // 2
                    width = min(hint.width(), max(0, area.right() + 1 - x))
                    item.setGeometry(QRect(QPoint(x, top), QSize(width, hint.height())))
                x += hint.width() + self._gap
            y += height + self._gap
        return max(0, y - self._gap) - rect.y() + m.bottom()


@dataclass(frozen=True)
class ChipSpec:
    text: str  # what the chip says
    tip: str  # the whole story, for the tooltip
    remove_tip: str  # the ×'s tooltip and accessible name, e.g. 'Remove exclusion "refund"'
    warning: str = ""  # what is wrong with it, e.g. an event the loaded data does not have


class Chip(QFrame):
    sig_edit_requested = Signal()
    sig_remove_requested = Signal()

    def __init__(self, spec: ChipSpec, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chip")
        self.setProperty("chipKind", kind)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.full_text = spec.text
        self.label = QLabel(self)
        shown = f"⚠ {spec.text}" if spec.warning else spec.text
        elide = Qt.TextElideMode.ElideRight
        self.label.setText(self.label.fontMetrics().elidedText(shown, elide, MAX_CHIP_TEXT))
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("chipRemove")
        self.remove_button.setText("×")
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes chip to chip
        self.remove_button.setCursor(Qt.CursorShape.ArrowCursor)
        self.remove_button.setToolTip(spec.remove_tip)
        self.remove_button.setAccessibleName(spec.remove_tip)
        self.remove_button.clicked.connect(self.sig_remove_requested)
        tip = f"⚠ {spec.warning}\n\n{spec.tip}" if spec.warning else spec.tip
        self.setToolTip(f"{tip}\n\nClick or press Enter to edit; Delete removes it.")
        self.setAccessibleName(spec.text)
        self.setAccessibleDescription(tip)
        row = QHBoxLayout(self)
        row.setContentsMargins(9, 1, 3, 1)
        row.setSpacing(2)
        row.addWidget(self.label)
        row.addWidget(self.remove_button)

    def event(self, event: QEvent) -> bool:
        # A window-wide shortcut on Delete or Enter must not steal the focused chip's key.
        override = event.type() == QEvent.Type.ShortcutOverride
        if override and isinstance(event, QKeyEvent) and event.key() in REMOVE_KEYS + EDIT_KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in REMOVE_KEYS:
            self.sig_remove_requested.emit()
        elif event.key() in EDIT_KEYS:
            self.sig_edit_requested.emit()
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and inside:
            self.sig_edit_requested.emit()
        else:
            super().mouseReleaseEvent(event)


class ChipList(QWidget):
    """Chips in a wrapping row, then fixed trailing widgets (an add button, a hint), then a
    notice saying why the last edit was refused (`show_notice`).

    `set_chips` replaces the chips; a chip that had the keyboard focus hands it to the chip
    now at its place (or `fallback_focus`, the owner's add button), so Delete, Delete… works.
    """

    sig_edit_requested = Signal(int)
    sig_remove_requested = Signal(int)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.chips: list[Chip] = []
        self._shown: tuple[ChipSpec, ...] | None = None
        self._refocus: int | None = None
        self.fallback_focus: QWidget | None = None  # takes the focus when the last chip goes
        self.flow = FlowLayout(self)
        self.flow.setContentsMargins(0, 0, 0, 0)
        self.notice = QLabel()
        self.notice.setObjectName("chipNotice")
        self.notice.setStyleSheet(PROBLEM_STYLE)
        self.notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        self.flow.addWidget(self.notice)

    def add_trailing(self, widget: QWidget) -> None:
        self.flow.insert_widget(self.flow.count() - 1, widget)  # the notice stays last

    def show_notice(self, message: str) -> None:
        """Say why an edit was refused, beside the chips, until the next change."""
        self.notice.setText(message[:1].upper() + message[1:])
        self.notice.show()
        self._notice_timer.start()

    def set_chips(self, specs: Sequence[ChipSpec]) -> None:
        specs = tuple(specs)
        if specs == self._shown:
            return  # rebuilding would lose the focus and the hover for nothing
        self._shown = specs
        self.notice.hide()
        focused = next((i for i, chip in enumerate(self.chips) if chip.hasFocus()), None)
        refocus = self._refocus if self._refocus is not None else focused
        self._refocus = None
        for chip in self.chips:
            self.flow.removeWidget(chip)
            chip.hide()
            chip.deleteLater()  # we may be inside one of its signals
        self.chips = []
        for index, spec in enumerate(specs):
            chip = Chip(spec, self.kind, self)
            chip.sig_edit_requested.connect(lambda i=index: self.sig_edit_requested.emit(i))
            chip.sig_remove_requested.connect(lambda i=index: self._on_remove(i))
            self.flow.insert_widget(index, chip)
            chip.show()
            self.chips.append(chip)
        self._place_in_tab_order()
        if refocus is not None:
            self._focus_near(refocus)
        self.updateGeometry()

    def _place_in_tab_order(self) -> None:
        """Tab reaches the chips where they are drawn, just before `fallback_focus`: new
        widgets would otherwise join the end of the window's focus chain."""
        anchor = self.fallback_focus
        before = _focusable_before(anchor, self.chips) if anchor is not None else None
        if before is None:
            return
        for chip in self.chips:
            QWidget.setTabOrder(before, chip)  # moves `chip` to just after `before`
            before = chip

    def _on_remove(self, index: int) -> None:
        if self.chips[index].hasFocus():
            self._refocus = index
        self.sig_remove_requested.emit(index)
        self._refocus = None  # used by the rebuild the removal caused, or not needed

    def _focus_near(self, index: int) -> None:
        if self.chips:
            self.chips[min(index, len(self.chips) - 1)].setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.fallback_focus is not None and self.fallback_focus.isEnabled():
            self.fallback_focus.setFocus(Qt.FocusReason.OtherFocusReason)


def _focusable_before(anchor: QWidget, skip: Sequence[QWidget]) -> QWidget | None:
    """The nearest widget before `anchor` in its window's focus chain that takes the focus
    by Tab (setTabOrder ignores the others), not one of `skip`; None when there is none."""
    window = anchor.window()
    widget = anchor.previousInFocusChain()
    while widget is not None and widget is not anchor:
        tabbable = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if tabbable and widget not in skip and widget.window() is window:  # not a dialog's
            return widget
        widget = widget.previousInFocusChain()
    return None
