"""Legible at 1280×720 and 1440×900: the funnel chart's legend of why people stopped (§14)
keeps to one row for the demo funnel (two for every reason there is) and leaves the bars
their height; every name the Paths view writes beside a node is whole (broken onto lines
rather than cut) and stays in its room, and a name cut short says all on hover.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSize
from PySide6.QtGui import QColor, QFontMetrics
from pytestqt.qtbot import QtBot

from funnel_gui.core.analysis.path_flow import FlowNode
from funnel_gui.core.analysis.reason_chart import STACK_ORDER
from funnel_gui.core.analysis.reason_words import REASON_SHORT, REASON_WORDS
from funnel_gui.qt.charts.fitting import ChartPlot, fit_legend, legend_width
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.charts.funnel_reasons import LEFT_WORDS, STILL_OPEN_WORDS
from funnel_gui.qt.charts.parts import legend_below
from funnel_gui.qt.charts.paths_flow import NODE_WIDTH, node_lines
from funnel_gui.qt.charts.paths_view import PathsView
from funnel_gui.qt.main_window import MainWindow
from funnel_gui.resources import resources_dir
from tests.qt.test_window_fits import SCREENSHOTS, _settled

SIZES = [QSize(1280, 720), QSize(1440, 900)]
IDS = [f"{s.width()}x{s.height()}" for s in SIZES]
# The bars' own height (the view box) at 1280×720: 3 legend rows had left ~105 px.
BARS_MIN_PX = 140


def _open(qtbot: QtBot, window: MainWindow, size: QSize, funnel: Path) -> None:
    window.session.analysis.set_debounce_ms(0)
    window.resize(size)
    window.window_layout.fit_docks()
    window.show()
    qtbot.waitExposed(window)
    assert window.open_funnel(str(funnel))
    with qtbot.waitSignal(window.session.sig_result_ready, timeout=60000):
        window.open_demo()


def _demo_funnel(tmp_path: Path, breakdown: bool = True) -> Path:
    """The demo's checkout funnel (without its breakdown: the drop-off split by reason)."""
    spec = json.loads((resources_dir() / "demo" / "checkout.funnel.json").read_text())
    if not breakdown:
        del spec["breakdown"]
    path = tmp_path / "demo.funnel.json"
    path.write_text(json.dumps(spec))
    return path


def _rows(legend: object) -> int:
    return math.ceil(len(legend.items) / legend.columnCount)  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_reasons_legend_is_one_row_of_short_words_with_the_plain_words_on_hover(
    qtbot: QtBot, window: MainWindow, size: QSize, tmp_path: Path
) -> None:
    _open(qtbot, window, size, _demo_funnel(tmp_path, breakdown=False))
    window.workspace.show_view("funnel")
    view = window.workspace.analysis_panel.views["funnel"]
    assert isinstance(view, FunnelView)
    view.ensure_drawn()
    _settled(qtbot, window)
    legend = view.legend
    assert legend is not None
    entries = {label.text: (sample, label) for sample, label in legend.items}
    # The demo's drop-offs: still open, after the window, never (§14).
    for key in ("window", "never"):
        sample, label = entries[REASON_SHORT[key]]
        assert REASON_WORDS[key] in label.toolTip().lower()
        assert sample.toolTip() == label.toolTip()
    assert "may yet convert" in entries[STILL_OPEN_WORDS][1].toolTip()
    assert _rows(legend) == 1
    if size == SIZES[0]:
        assert view.plot.plotItem.vb.height() >= BARS_MIN_PX
    # Every reason there is, with still open and "Left", still fits in two rows here.
    plot = ChartPlot()
    plot.resize(view.plot.size())
    every = [
        (QColor("blue"), "Micro step"),
        (QColor("red"), "Macro step"),
        (QColor("gray"), STILL_OPEN_WORDS),
        (QColor("gray"), LEFT_WORDS),
        *[(QColor("gray"), REASON_SHORT[key]) for key in STACK_ORDER],
    ]
    full = legend_below(plot, every)
    fit_legend(full, legend_width(view.plot))
    assert _rows(full) <= 2
    SCREENSHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SCREENSHOTS / f"window_reasons_{size.width()}x{size.height()}.png"))


def _check_node_names(view: PathsView) -> int:
    """Every shown name beside a node is whole and ends before the next column's nodes;
    hovering it names the node. Returns how many were shown."""
    flows = view.flows
    box = flows.plotItem.vb
    shown = 0
    for at, node, label in flows.labels:
        if not label.isVisible():
            continue
        shown += 1
        text = label.textItem.toPlainText()
        assert "…" not in text, text
        lines = text.split("\n")
        words = lines[0].split(" · ")[0] if len(lines) == 1 else "".join(lines)
        assert node.name in {words, "".join(lines[:-1])}, (node.name, text)
        # Its room: up to the next column's nodes.
        right = box.mapViewToScene(QPointF(at.x(node.column + 1) - NODE_WIDTH / 2, 0)).x()
        assert label.sceneBoundingRect().right() <= right + 1, text
        centre = box.mapSceneToView(label.sceneBoundingRect().center())
        assert flows.tooltip_at(centre.x(), centre.y()).startswith(node.name)
    return shown


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("gap", [None, 2], ids=["into", "between"])
def test_paths_node_names_are_whole_and_in_their_room(
    qtbot: QtBot, window: MainWindow, size: QSize, gap: int | None, tmp_path: Path
) -> None:
    _open(qtbot, window, size, _demo_funnel(tmp_path))
    panel = window.workspace.analysis_panel
    if gap is not None:
        panel.show_gap(gap)
    else:
        panel.show_view("paths")
    view = panel.views["paths"]
    assert isinstance(view, PathsView)
    view.ensure_drawn()
    _settled(qtbot, window)
    assert view.data is not None
    assert _check_node_names(view) >= 4
    SCREENSHOTS.mkdir(exist_ok=True)
    name = f"window_paths_{'into' if gap is None else gap}_{size.width()}x{size.height()}.png"
    window.grab().save(str(SCREENSHOTS / name))


def test_node_lines_break_a_long_name_rather_than_cut_it(window: MainWindow) -> None:
    metrics = QFontMetrics(window.font())
    node = FlowNode(1, "begin_checkout", "event", 1234, 0.0, 1.0)
    wide = metrics.horizontalAdvance("begin_checkout · 1,234")
    assert node_lines(metrics, node, wide, 1) == ["begin_checkout · 1,234"]
    name = metrics.horizontalAdvance("begin_checkout")
    assert node_lines(metrics, node, name, 3) == ["begin_checkout", "1,234"]
    narrow = metrics.horizontalAdvance("checkout")
    assert node_lines(metrics, node, narrow, 3) == ["begin_", "checkout", "1,234"]
    assert node_lines(metrics, node, narrow, 2) == ["begin_", "checkout"]
    cut = node_lines(metrics, node, narrow, 1)  # one line's height: cut, said on hover
    assert len(cut) == 1
    assert cut[0].endswith("…")
