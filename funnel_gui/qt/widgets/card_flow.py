"""A row of cards that wraps: as many cards per row as their full widths allow, each row
stretched to the width, so a narrow window puts the last cards on a second row instead of
cutting them off (the Data overview's stat cards at 1280 px)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class CardFlowLayout(QLayout):
    """Cards in order, wrapped into rows; a row's spare width is shared out equally, and
    every card of a row gets the row's tallest height."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 10) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # ------------------------------------------------------------------ QLayout

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """All the cards in one row."""
        shown = self._shown()
        width = sum(i.sizeHint().width() for i in shown) + self._gap * max(len(shown) - 1, 0)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """The widest card alone on its row."""
        shown = self._shown()
        width = max((i.sizeHint().width() for i in shown), default=0)
        return QSize(width, max((i.sizeHint().height() for i in shown), default=0))

    # ------------------------------------------------------------------ placing

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def rows(self, width: int) -> list[list[QLayoutItem]]:
        """Greedy: each card goes on the current row while the row's full widths fit."""
        rows: list[list[QLayoutItem]] = []
        used = 0
        for item in self._shown():
            need = item.sizeHint().width()
            if rows and used + self._gap + need <= width:
                rows[-1].append(item)
                used += self._gap + need
            else:
                rows.append([item])
                used = need
        return rows

    def _place(self, rect: QRect, *, move: bool) -> int:
        y = rect.y()
        for row in self.rows(rect.width()):
            height = max(i.sizeHint().height() for i in row)
            widths = [i.sizeHint().width() for i in row]
            spare = max(rect.width() - sum(widths) - self._gap * (len(row) - 1), 0)
            x = rect.x()
            for n, (item, width) in enumerate(zip(row, widths, strict=True)):
                # The spare pixels shared out; the last card takes the remainder.
                extra = spare // len(row) + (spare % len(row) if n == len(row) - 1 else 0)
                if move:
                    item.setGeometry(QRect(QPoint(x, y), QSize(width + extra, height)))
                x += width + extra + self._gap
            y += height + self._gap
        return max(y - rect.y() - self._gap, 0)
