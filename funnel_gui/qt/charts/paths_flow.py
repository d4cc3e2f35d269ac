"""FlowPlot: a paths result's groups as Sankey-style flows side by side (FUNNEL_SEMANTICS
§13): into step 1 one flow; between two steps, those who went on and those who stopped.

Columns are positions in the path; each node is an event name at that position, as tall
as the units there; each band is one path, as thick as its units, curving from node to
node. Each flow is scaled to the same height (a band's thickness is its share of its
group; the hover says the numbers). `draw_flows()` places what `core.analysis.path_flow`
laid out; a click on a band selects its path (`sig_path_clicked`). Node names are written
next to their node in the room up to the next column: with their units when that fits, else
the units under the name, a long name broken onto two lines, and cut with "…" only when the
node is too thin for that; a node too thin for one line carries none. Hovering a node or its
name gives it all (the table has every path).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsRectItem

from funnel_gui.core.analysis.path_flow import Flow, FlowBand, FlowNode
from funnel_gui.qt.charts.base import muted_colour, style_plot, text_colour
from funnel_gui.qt.charts.fitting import (
    ChartPlot,
    compact_chrome,
    compact_text,
    set_wrapped_ticks,
    text_height,
)
from funnel_gui.qt.charts.parts import background_colour, hover_tooltip
from funnel_gui.qt.theme import OTHER_HEX, SEGMENT_HEXES

NODE_WIDTH = 0.07  # in columns
GROUP_GAP = 0.8  # columns between two flows: room for both step names
BAND_ALPHA, CHOSEN_ALPHA = 110, 215
MIN_LABEL_PX = 13  # a node thinner than this carries no name
LABEL_PAD_PX = 3
EDGE = 0.4  # columns of room left of the first column and right of the last
NODE_HEX = "#4b5563"

# (group, band or None, node or None) -> the hover text
HoverText = Callable[[int, FlowBand | None, FlowNode | None], str]


@dataclass(frozen=True)
class Placed:
    """Where a flow is drawn: its x offset (columns) and its y scale (units per 1)."""

    group: int
    flow: Flow
    x0: float
    scale: float

    def x(self, column: float) -> float:
        return self.x0 + column

    def y(self, units: float) -> float:
        return units / self.scale


def band_colour(path: int) -> QColor:
    """A path's colour: the segment palette by rank; the other paths grey."""
    return QColor(OTHER_HEX if path < 0 else SEGMENT_HEXES[path % len(SEGMENT_HEXES)])


def band_shape(band: FlowBand, at: Placed, half: float = NODE_WIDTH / 2) -> QPainterPath:
    """The band's outline in data coordinates: straight across each node it crosses,
    S-curves between them; along its top edge, then back along its bottom edge."""
    x = [at.x(c) for c, _, _ in band.stops]
    top = [at.y(a) for _, a, _ in band.stops]
    bottom = [at.y(b) for _, _, b in band.stops]
    n = len(x)
    path = QPainterPath()
    path.moveTo(x[0] + half, top[0])
    for i in range(1, n):
        _curve(path, x[i - 1] + half, top[i - 1], x[i] - half, top[i])
        if i < n - 1:
            path.lineTo(x[i] + half, top[i])
    path.lineTo(x[-1] - half, bottom[-1])
    for i in range(n - 2, -1, -1):
        _curve(path, x[i + 1] - half, bottom[i + 1], x[i] + half, bottom[i])
        if i > 0:
            path.lineTo(x[i] - half, bottom[i])
    path.closeSubpath()
    return path


def _curve(path: QPainterPath, x0: float, y0: float, x1: float, y1: float) -> None:
    mid = (x0 + x1) / 2
    path.cubicTo(QPointF(mid, y0), QPointF(mid, y1), QPointF(x1, y1))


class FlowPlot(ChartPlot):
    sig_path_clicked = Signal(int, int)  # the group's index, the path (-1: other paths)

    def __init__(self, hover_text: HoverText) -> None:
        super().__init__()
        self.setObjectName("pathsFlow")
        style_plot(self)
        compact_chrome(self)
        self.hideAxis("left")
        self.getAxis("bottom").setPen(pg.mkPen(None))
        self.plotItem.vb.invertY(True)
        self.hover_text = hover_text
        self.placed: list[Placed] = []
        self.column_titles: list[str] = []
        self.band_items: list[tuple[int, FlowBand, QGraphicsPathItem]] = []
        self.node_items: list[tuple[int, FlowNode, QGraphicsRectItem]] = []
        self.labels: list[tuple[Placed, FlowNode, pg.TextItem]] = []
        self.group_labels: list[pg.TextItem] = []
        self.chosen: tuple[int, int] | None = None
        # Node names a point smaller than the axis's: more of each fits between columns.
        self.label_font = QFont(self.font())
        self.label_font.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.sig_resized.connect(self.fit)

    # ------------------------------------------------------------------ drawing

    def clear_flows(self) -> None:
        self.clear()
        self.placed, self.column_titles, self.chosen = [], [], None
        self.band_items, self.node_items, self.labels, self.group_labels = [], [], [], []

    def draw_flows(
        self,
        flows: Sequence[Flow],
        column_titles: list[str],
        group_titles: Sequence[str],
        anchor_colours: dict[str, QColor],
    ) -> None:
        """Each flow next to the previous one, under its title."""
        self.clear_flows()
        self.column_titles = column_titles
        x0 = 0.0
        for group, (flow, title) in enumerate(zip(flows, group_titles, strict=True)):
            at = Placed(group, flow, x0, flow.height or 1.0)
            self.placed.append(at)
            self._draw_one(at, title, anchor_colours)
            x0 += flow.columns - 1 + GROUP_GAP + 2 * NODE_WIDTH
        self._colour_bands()
        self.fit()

    def _draw_one(self, at: Placed, title: str, anchor_colours: dict[str, QColor]) -> None:
        flow = at.flow
        middle = at.x((flow.columns - 1) / 2)
        heading = pg.TextItem(anchor=(0.5, 1.0), color=text_colour())
        heading.setHtml(f"<b>{title}</b>")
        compact_text(heading)
        heading.setPos(middle, 0)
        self.addItem(heading)
        self.group_labels.append(heading)
        if not flow.units:
            note = pg.TextItem("Nobody here", color=muted_colour(), anchor=(0.5, 0.5))
            note.setPos(middle, 0.5)
            self.addItem(note)
            return
        for band in flow.bands:
            item = QGraphicsPathItem(band_shape(band, at))
            self.addItem(item)
            self.band_items.append((at.group, band, item))
        for node in flow.nodes:
            colour = QColor(OTHER_HEX if node.kind == "other" else NODE_HEX)
            if node.kind == "anchor":
                colour = anchor_colours.get(node.name, colour)
            rect = QRectF(
                at.x(node.column) - NODE_WIDTH / 2,
                at.y(node.y0),
                NODE_WIDTH,
                at.y(node.y1) - at.y(node.y0),
            )
            box = QGraphicsRectItem(rect)
            box.setBrush(QBrush(colour))
            box.setPen(QPen(Qt.PenStyle.NoPen))
            box.setZValue(2)
            self.addItem(box)
            self.node_items.append((at.group, node, box))
            if node.kind == "anchor":
                continue  # a step's name is its column's (and the hover's)
            label = pg.TextItem(fill=pg.mkBrush(_translucent(background_colour())))
            label.setFont(self.label_font)
            compact_text(label)
            label.setZValue(5)
            self.addItem(label)
            self.labels.append((at, node, label))

    def choose(self, chosen: tuple[int, int] | None) -> None:
        """Stress one band (group, path): the selected path; the others fade back."""
        self.chosen = chosen
        self._colour_bands()

    def _colour_bands(self) -> None:
        for group, band, item in self.band_items:
            chosen = (group, band.path) == self.chosen
            colour = band_colour(band.path)
            colour.setAlpha(CHOSEN_ALPHA if chosen else BAND_ALPHA)
            item.setBrush(QBrush(colour))
            item.setPen(QPen(text_colour(), 0) if chosen else QPen(Qt.PenStyle.NoPen))
            item.setZValue(1 if chosen else 0)

    def fit(self) -> None:
        """Column names under the flows, room above them for their titles, node names cut
        to the room between columns."""
        if not self.placed:
            return
        last = self.placed[-1]
        right = last.x0 + last.flow.columns - 1 + NODE_WIDTH
        view = self.plotItem.vb
        width, height = view.width(), view.height()
        column_px = width / max(right + 2 * EDGE, 1)
        metrics = QFontMetrics(self.font())
        label_metrics = QFontMetrics(self.label_font)
        chars = int(column_px * 0.95 / (metrics.averageCharWidth() or 7))
        # Those who stopped never reach the last column's step: it has no name there.
        ticks = [
            (at.x(c), _column_title(t, chars))
            for at in self.placed
            for c, t in enumerate(self.column_titles)
            if at.flow.group != "dropped" or c < at.flow.columns - 1
        ]
        set_wrapped_ticks(self, ticks)
        title_px = max((text_height(t) for t in self.group_labels), default=16.0) + 4
        room = title_px / max(height - title_px, 1.0)
        # Half a column's names either side: the first and last column names fit.
        self.setRange(xRange=(-EDGE, right + EDGE), yRange=(-room, 1.0), padding=0.01)
        pixel = (1.0 + room) / height if height > 0 else 1.0
        # The room right of a node: up to the next column's node, less a pad each side.
        space = int(max(column_px * (1 - NODE_WIDTH) - 2 * LABEL_PAD_PX, 0))
        line_px = label_metrics.lineSpacing()
        for at, node, label in self.labels:
            end = node.column == at.flow.columns - 1
            node_px = (at.y(node.y1) - at.y(node.y0)) / pixel
            lines = node_lines(label_metrics, node, space, int(node_px // line_px))
            label.setText("\n".join(lines), color=text_colour())
            label.setVisible(node_px >= MIN_LABEL_PX and bool(lines))
            label.setAnchor((1.0 if end else 0.0, 0.5))
            side = -1 if end else 1
            label.setPos(at.x(node.column) + side * NODE_WIDTH / 2, at.y((node.y0 + node.y1) / 2))

    def label_node_at(self, x: float, y: float) -> tuple[int, FlowNode] | None:
        """The node whose shown name lies under (x, y) in data coordinates: a name cut
        short says all on hover."""
        point = self.plotItem.vb.mapViewToScene(QPointF(x, y))
        for at, node, label in self.labels:
            if label.isVisible() and label.sceneBoundingRect().contains(point):
                return at.group, node
        return None

    # ------------------------------------------------------------------ hover and click

    def band_at(self, x: float, y: float) -> tuple[int, FlowBand] | None:
        point = QPointF(x, y)
        for group, band, item in reversed(self.band_items):
            if item.path().contains(point):
                return group, band
        return None

    def node_at(self, x: float, y: float) -> tuple[int, FlowNode] | None:
        return next(((g, n) for g, n, item in self.node_items if item.rect().contains(x, y)), None)

    def tooltip_at(self, x: float, y: float) -> str:
        node = self.node_at(x, y) or self.label_node_at(x, y)
        if node is not None:
            return self.hover_text(node[0], None, node[1])
        band = self.band_at(x, y)
        return self.hover_text(band[0], band[1], None) if band is not None else ""

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hover_tooltip(self, scene_pos, self.tooltip_at)

    def _on_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.plotItem.vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        hit = self.band_at(point.x(), point.y())
        if hit is not None:
            self.sig_path_clicked.emit(hit[0], hit[1].path)

    def band_point(self, group: int, path: int) -> QPointF:
        """A point inside a band, in data coordinates (for tests): halfway between its
        last two nodes."""
        at = self.placed[group]
        band = next(b for g, b, _ in self.band_items if g == group and b.path == path)
        (c0, a0, b0), (c1, a1, b1) = band.stops[-2], band.stops[-1]
        return QPointF(at.x((c0 + c1) / 2), at.y((a0 + b0 + a1 + b1) / 4))


def node_lines(metrics: QFontMetrics, node: FlowNode, space: int, rows: int) -> list[str]:
    """A node's name and units in at most `rows` lines of at most `space` pixels: "page_view
    · 429" on one line when it fits; else the name, then the units under it; a long name
    broken after a "_", "-", "." or space (or anywhere) onto two lines; cut with "…" only
    when even that does not fit (the hover has it all). [] when not even "…" fits."""
    rows = max(rows, 1)
    count = f"{node.units:,}"
    full = f"{node.name} · {count}"

    def fits(text: str) -> bool:
        return metrics.horizontalAdvance(text) <= space

    if fits(full):
        return [full]
    if fits(node.name):
        return [node.name, count] if rows >= 2 and fits(count) else [node.name]
    if rows >= 2:
        head, tail = _break(metrics, node.name, space)
        if head and fits(tail):
            return [head, tail, count] if rows >= 3 and fits(count) else [head, tail]
        if head:
            return [head, metrics.elidedText(tail, Qt.TextElideMode.ElideRight, space)]
    cut = metrics.elidedText(node.name, Qt.TextElideMode.ElideRight, space)
    return [cut] if len(cut) > 1 else []


def _break(metrics: QFontMetrics, name: str, space: int) -> tuple[str, str]:
    """The longest head of `name` that fits `space`, ending after a separator if one
    does, and the rest; ("", name) when not one character fits."""
    fitting = 0
    while fitting < len(name) and metrics.horizontalAdvance(name[: fitting + 1]) <= space:
        fitting += 1
    if fitting == 0:
        return "", name
    cut = max((i + 1 for i in range(fitting) if name[i] in "_-./ "), default=fitting)
    return name[:cut].rstrip(), name[cut:].lstrip()


def _column_title(text: str, width: int) -> str:
    """A column's name on up to three lines of `width` characters ("3. Checkout or later"
    between two steps whose next one is optional)."""
    width = max(6, min(30, width))
    return "\n".join(textwrap.wrap(text, width, max_lines=3, placeholder="…")) or text


def _translucent(colour: QColor) -> QColor:
    colour = QColor(colour)
    colour.setAlpha(190)
    return colour
