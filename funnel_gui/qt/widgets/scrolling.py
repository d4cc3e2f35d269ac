"""A panel that scrolls up and down when it is given less height than it needs, so its
minimum height never becomes the window's (a window that grows past a laptop's screen)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

# A scrolled panel still asks for this much height, so at least its first rows show.
MIN_SCROLLED_HEIGHT = 120


class VerticalScroll(QScrollArea):
    """A frameless scroll area that scrolls only up and down: a side panel keeps its own
    minimum width, while its height may be less than the panel needs."""

    def __init__(self, panel: QWidget, min_height: int = MIN_SCROLLED_HEIGHT) -> None:
        super().__init__()
        self.min_height = min_height
        self.setObjectName(f"{panel.objectName() or 'panel'}Scroll")
        self.setWidget(panel)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Tab goes to the panel's fields (which scroll into view), not to the frame.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def minimumSizeHint(self) -> QSize:
        panel = self.widget()
        width = panel.minimumSizeHint().width() if panel is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width(), self.min_height)

    def sizeHint(self) -> QSize:
        panel = self.widget()
        hint = panel.sizeHint() if panel is not None else QSize()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(), hint.height())


def scrolled(panel: QWidget, min_height: int = MIN_SCROLLED_HEIGHT) -> VerticalScroll:
    return VerticalScroll(panel, min_height)


class MinimumColumn(QVBoxLayout):
    """A column for a scrolled panel that holds charts: the scroll area gives it the room
    it is shown in, down to its minimum height. (A column of wrapped labels reports a
    height for its width, which a scroll area takes as the panel's height: the charts
    then grow taller than the room and everything below them scrolls out of sight.)"""

    def hasHeightForWidth(self) -> bool:
        return False
