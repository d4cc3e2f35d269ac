"""A chart as a file to share: a fixed page (1600×900 logical pixels, PNG at 2× =
3200×1800) with the funnel's name and the chart's title above the chart, whatever size the
chart has on screen. PNG and SVG draw the same page."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QResizeEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

from funnel_gui.core.atomic import atomic_path

PAGE = QSize(1600, 900)  # logical pixels
SCALE = 2  # PNG pixels per logical pixel: 3200×1800
TITLE_HEIGHT = 64
_MARGIN = 24


def page_title(funnel_name: str, chart_title: str) -> str:
    """ "Checkout – Funnel", or the chart's title alone for an unnamed funnel."""
    return f"{funnel_name} – {chart_title}" if funnel_name.strip() else chart_title


def titled_png(widget: QWidget, title: str, subtitle: str = "", page: QSize = PAGE) -> QImage:
    """The page as an image of `page` × SCALE pixels."""
    image = QImage(page * SCALE, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(SCALE)
    image.fill(_background(widget))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    _paint_page(painter, widget, title, subtitle, page)
    painter.end()
    return image


def write_titled_png(
    path: str, widget: QWidget, title: str, subtitle: str = "", page: QSize = PAGE
) -> None:
    image = titled_png(widget, title, subtitle, page)
    with atomic_path(path) as temp:
        # The stubs say bytes for the format; PySide6 only takes str.
        if not image.save(str(temp), "PNG"):  # type: ignore[call-overload]
            raise OSError("the image could not be written")


def write_titled_svg(
    path: str, widget: QWidget, title: str, subtitle: str = "", page: QSize = PAGE
) -> None:
    # Qt's own SVG painter rather than pyqtgraph's SVGExporter, which cannot parse the
    # path data PySide6 6.12 writes (pyqtgraph issue #3485) and misplaces bars.
    with atomic_path(path) as temp:
        generator = QSvgGenerator()
        generator.setFileName(str(temp))
        generator.setSize(page)
        generator.setViewBox(QRect(0, 0, page.width(), page.height()))
        # The chart's own resolution: pyqtgraph sizes text and ticks for its screen.
        generator.setResolution(widget.logicalDpiX())
        generator.setTitle(title)
        generator.setDescription(subtitle or title)
        painter = QPainter(generator)
        painter.fillRect(QRect(0, 0, page.width(), page.height()), _background(widget))
        _paint_page(painter, widget, title, subtitle, page)
        painter.end()


def _background(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.Base)


def _paint_page(painter: QPainter, widget: QWidget, title: str, subtitle: str, page: QSize) -> None:
    text = QApplication.palette().color(QPalette.ColorRole.Text)
    font = QFont(widget.font())
    font.setPixelSize(26)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(text)
    head = QRectF(_MARGIN, 8, page.width() - 2 * _MARGIN, 36)
    painter.drawText(head, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    if subtitle:
        font.setPixelSize(15)
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        below = QRectF(_MARGIN, 42, page.width() - 2 * _MARGIN, 20)
        painter.drawText(
            below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, subtitle
        )
    chart = QSize(page.width() - 2 * _MARGIN, page.height() - TITLE_HEIGHT - _MARGIN)
    _render_at(painter, widget, chart)


def _render_at(painter: QPainter, widget: QWidget, size: QSize) -> None:
    """Draw `widget` laid out at `size` below the title, then give it its size back."""
    old = widget.size()
    resize_for_render(widget, size, old)
    if isinstance(widget, QGraphicsView):
        widget.render(painter, QRectF(_MARGIN, TITLE_HEIGHT, size.width(), size.height()))
    else:
        widget.render(painter, QPoint(_MARGIN, TITLE_HEIGHT))
    resize_for_render(widget, old, size)


def resize_for_render(widget: QWidget, size: QSize, old: QSize) -> None:
    widget.resize(size)
    if not widget.isVisible() and isinstance(widget, QGraphicsView):
        # A hidden widget only gets its resize event when shown; a chart in a background
        # tab (the HTML report) must lay itself out at the new size now.
        widget.viewport().resize(size)
        widget.resizeEvent(QResizeEvent(size, old))
