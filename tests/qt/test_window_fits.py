"""The window fits a laptop's screen (issue 14): at 1280×720 and 1440×900, with the demo
data, its funnel and the "Who dropped" list open, no shown widget is cut by its parent or
lies over a sibling, the window is exactly the size asked for, the step table shows four
rows and the chart a usable height; a window never grows itself past its screen.

Screenshots of the same states are saved in screenshots/ to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QHeaderView,
    QScrollBar,
    QSizeGrip,
    QStackedWidget,
    QTabBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.analysis_panel import warnings_text
from funnel_gui.qt.window_layout import fitted_size
from funnel_gui.resources import resources_dir

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SIZES = [QSize(1280, 720), QSize(1366, 768), QSize(1440, 900)]
CHART_MIN_PX = 150  # bars and their labels stay readable above this


def _open_demo_funnel(qtbot: QtBot, window: MainWindow, size: QSize) -> None:
    window.session.analysis.set_debounce_ms(0)
    window.resize(size)
    window.window_layout.fit_docks()
    window.show()
    qtbot.waitExposed(window)
    assert window.open_funnel(str(resources_dir() / "demo" / "checkout.funnel.json"))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=60000):
        window.open_demo()


def _drill_down(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.drilldown.sig_listed, timeout=60000):
        window.drill_down(2)
    assert window.drilldown_shown()


def _settled(qtbot: QtBot, window: MainWindow) -> None:
    """Layouts run on posted events: wait until every shown widget has its minimum."""

    def fits() -> bool:
        return all(_at_least_minimum(w) for w in _checked(window))

    qtbot.waitUntil(fits, timeout=10000)


def _at_least_minimum(widget: QWidget) -> bool:
    """As large as the layouts may make it: its minimum size, or else its minimum hint."""
    hint = widget.minimumSizeHint()
    height = widget.minimumHeight() or max(hint.height(), 0)
    width = widget.minimumWidth() or max(hint.width(), 0)
    return widget.height() >= height and widget.width() >= width


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: cut by it on purpose (it scrolls)."""
    parent = widget.parentWidget()
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and parent is area.viewport():
            return True
        parent = area if isinstance(area, QAbstractScrollArea) else parent.parentWidget()
    return False


def _own_parts(widget: QWidget) -> bool:
    """Parts a Qt widget lays out itself (combo and spin box editors, tab bar buttons,
    scroll bars, headers, the status bar's grip): their geometry is Qt's business."""
    parent = widget.parentWidget()
    return isinstance(widget, (QScrollBar, QHeaderView, QSizeGrip)) or isinstance(
        parent, (QComboBox, QAbstractSpinBox, QTabBar, QScrollBar)
    )


def _checked(window: MainWindow) -> list[QWidget]:
    shown = [w for w in window.findChildren(QWidget) if w.isVisible() and not w.isWindow()]
    # pyqtgraph draws its items in a scene; its widgets are not laid out by layouts.
    return [w for w in shown if not _own_parts(w) and not _scrolled(w)]


def clipped(window: MainWindow) -> list[str]:
    """Shown widgets not wholly inside their parent."""
    out = []
    for widget in _checked(window):
        parent = widget.parentWidget()
        if parent is None or isinstance(parent, QAbstractScrollArea):
            continue  # a scroll area's viewport and bars sit in its frame
        if not parent.rect().contains(widget.geometry()):
            out.append(f"{_name(widget)} {widget.geometry()} in {_name(parent)} {parent.rect()}")
    return out


def overlapping(window: MainWindow) -> list[str]:
    """Shown siblings whose rectangles intersect."""
    out = []
    checked = set(map(id, _checked(window)))
    for parent in [window, *window.findChildren(QWidget)]:
        if not parent.isVisible() or isinstance(parent, (QStackedWidget, QAbstractScrollArea)):
            continue
        kids = [
            w
            for w in parent.findChildren(QWidget, options=_direct())
            if id(w) in checked and w.isVisible()
        ]
        for i, first in enumerate(kids):
            for second in kids[i + 1 :]:
                if _overlap(first.geometry(), second.geometry()):
                    out.append(f"{_name(first)} {first.geometry()} × {_name(second)}")
    return out


def _direct() -> Qt.FindChildOption:
    return Qt.FindChildOption.FindDirectChildrenOnly


def _overlap(a: QRect, b: QRect) -> bool:
    both = a.intersected(b)
    return both.width() > 0 and both.height() > 0


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName()})"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_window_with_drill_down_fits_without_clipping(
    qtbot, window: MainWindow, size: QSize
) -> None:
    _open_demo_funnel(qtbot, window, size)
    _drill_down(qtbot, window)
    qtbot.waitUntil(lambda: window.drilldown.units_model.rowCount() > 0, timeout=30000)
    _settled(qtbot, window)
    assert window.size() == size  # showing the list did not grow the window
    assert clipped(window) == []
    assert overlapping(window) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOTS / f"window_drilldown_{size.width()}x{size.height()}.png"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_funnel_tab_keeps_four_rows_and_a_usable_chart(
    qtbot, window: MainWindow, size: QSize
) -> None:
    _open_demo_funnel(qtbot, window, size)
    view = window.workspace.analysis_panel.views["funnel"]
    window.workspace.show_view("funnel")
    view.ensure_drawn()
    table = view.step_table
    rows = table.verticalHeader()
    _settled(qtbot, window)
    fully_shown = sum(
        1
        for row in range(table.model().rowCount())
        if rows.sectionViewportPosition(row) >= 0
        and rows.sectionViewportPosition(row) + rows.sectionSize(row) <= table.viewport().height()
    )
    assert fully_shown >= 4  # the demo funnel's four steps
    assert view.plot.height() >= CHART_MIN_PX
    assert window.size() == size
    assert clipped(window) == []
    assert overlapping(window) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOTS / f"window_funnel_{size.width()}x{size.height()}.png"))


@pytest.mark.parametrize("tab", ["data", "drivers"])
def test_data_and_drivers_tabs_are_not_cut_at_1280x720(
    qtbot: QtBot, window: MainWindow, tab: str
) -> None:
    size = QSize(1280, 720)
    _open_demo_funnel(qtbot, window, size)
    assert window.workspace.show_view(tab)
    if tab == "drivers":
        drivers = window.workspace.analysis_panel.views["drivers"]
        qtbot.waitUntil(lambda: drivers.data is not None, timeout=120000)
    else:
        scroll = window.workspace.overview_scroll
        # The overview scrolls down, never sideways: nothing is cut at the right.
        assert window.workspace.overview.width() <= scroll.viewport().width()
    _settled(qtbot, window)
    assert window.size() == size
    assert clipped(window) == []
    assert overlapping(window) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOTS / f"window_{tab}_1280x720.png"))


def test_welcome_text_is_not_cut_off(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    empty = window.centre.empty
    assert window.centre.currentWidget() is empty
    for label in empty.findChildren(QWidget):
        if label.isVisible() and label.hasHeightForWidth():
            assert label.height() >= label.heightForWidth(label.width())
    assert clipped(window) == []


class _TallPanel(QWidget):
    """A panel that needs more height than any laptop has."""

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 2000)


def test_a_tall_panel_never_grows_the_window_past_its_screen(
    qtbot: QtBot, window: MainWindow
) -> None:
    # The test platform has no real screen: give the cap a 1280x720 one.
    window.screen_cap.limit = QSize(1280, 720 - 60)
    window.resize(fitted_size(QSize(1440, 900), window.screen_cap.room()))
    window.show()
    qtbot.waitExposed(window)
    dock = QDockWidget("Tall", window)
    dock.setWidget(_TallPanel())
    window.addDockWidget(window.dockWidgetArea(window.settings_dock), dock)
    dock.show()
    qtbot.waitUntil(lambda: window.minimumHeight() > 0)
    assert window.minimumHeight() <= 660
    assert window.height() <= 660
    assert window.width() <= 1280


def test_warnings_do_not_grow_the_window(qtbot: QtBot, window: MainWindow) -> None:
    _open_demo_funnel(qtbot, window, QSize(1280, 720))
    panel = window.workspace.analysis_panel
    warnings = [f"warning number {i} about this funnel" for i in range(1, 21)]
    shown, every = warnings_text(warnings)
    assert shown.splitlines() == [
        warnings[0],
        warnings[1],
        "… and 18 more (hover to read them all)",
    ]
    assert every.splitlines() == warnings
    panel.warning_label.setText(shown)
    panel.warning_label.setVisible(True)
    _settled(qtbot, window)
    assert window.size() == QSize(1280, 720)
    assert clipped(window) == []
