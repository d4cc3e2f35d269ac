"""The Data overview's stat cards are never cut off (issue 13 app side): at 1280×720 and
1440×900, with the app's style sheet (its large card numbers), for the demo data in
memory and in a DuckDB database, every card shows its whole number and caption, lies
inside the overview, overlaps no other card nor the chart below, and the overview never
scrolls sideways.

Screenshots of the Data tab are saved in screenshots/ to be looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from funnel_gui.app import application_style
from funnel_gui.core.sql.open import open_sql_source
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.qt.widgets.overview import DataOverview
from funnel_gui.resources import demo_data_path, resources_dir
from tests.qt.test_window_fits import SCREENSHOTS, _open_demo_funnel, _settled, clipped

SIZES = [QSize(1280, 720), QSize(1440, 900)]
FUNNEL = resources_dir() / "demo" / "checkout.funnel.json"


@pytest.fixture
def styled() -> Iterator[None]:
    """The app's own style sheet: the cards' 17 pt numbers are what made them too wide."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.styleSheet()
    app.setStyleSheet(application_style())
    yield
    app.setStyleSheet(before)


def demo_database(folder: Path) -> str:
    """The demo export as a table of a DuckDB database file; its URL."""
    import duckdb

    path = folder / "demo.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events AS SELECT * FROM read_csv_auto(?)", [str(demo_data_path())])
    con.close()
    return f"duckdb://{path.as_posix()}?table=events"


def open_demo_database(qtbot: QtBot, window: MainWindow, size: QSize, folder: Path) -> None:
    """As `funnel-gui URL --funnel F` does: the funnel, then the database, until both the
    summary and the funnel's numbers are in."""
    window.session.analysis.set_debounce_ms(0)
    window.resize(size)
    window.window_layout.fit_docks()
    window.show()
    qtbot.waitExposed(window)
    assert window.open_funnel(str(FUNNEL))
    url = demo_database(folder)
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=120_000):
        window.database.open_command_line(url, lambda: open_sql_source(url))
    qtbot.waitUntil(lambda: window.session.catalogs is not None, timeout=60_000)


def cards_problems(overview: DataOverview) -> list[str]:
    out = []
    cards = list(overview.cards.values())
    for card in cards:
        for label in (card.value, *card.findChildren(type(card.value))):
            if label.width() < label.sizeHint().width():
                out.append(f"{card.caption}: {label.text()!r} cut ({label.width()} px)")
        if not overview.rect().contains(card.geometry()):
            out.append(f"{card.caption} outside the overview {card.geometry()}")
        if card.geometry().intersects(overview.volume_chart.geometry()):
            out.append(f"{card.caption} over the chart")
        for other in cards:
            if other is not card and card.geometry().intersects(other.geometry()):
                out.append(f"{card.caption} over {other.caption}")
    return out


@pytest.mark.parametrize("mode", ["memory", "database"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_every_overview_card_is_whole(
    qtbot: QtBot, window: MainWindow, styled: None, tmp_path: Path, size: QSize, mode: str
) -> None:
    if mode == "memory":
        _open_demo_funnel(qtbot, window, size)
    else:
        open_demo_database(qtbot, window, size, tmp_path)
    assert window.workspace.show_view("data")
    overview = window.workspace.overview
    span = overview.cards["span"].value
    qtbot.waitUntil(lambda: span.text() == "2026-09-01 → 2026-10-13", timeout=30_000)
    _settled(qtbot, window)
    scroll = window.workspace.overview_scroll
    qtbot.waitUntil(lambda: cards_problems(overview) == [], timeout=10_000)
    assert overview.width() <= scroll.viewport().width()  # never scrolls sideways
    assert not scroll.horizontalScrollBar().isVisible()
    assert window.size() == size
    assert clipped(window) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    name = f"window_data_{mode}_{size.width()}x{size.height()}.png"
    window.grab().save(str(SCREENSHOTS / name))
