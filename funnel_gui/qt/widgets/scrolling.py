"""A panel that scrolls up and down when it is given less height than it needs, so its
minimum height never becomes the window's (a window that grows past a laptop's screen)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

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
