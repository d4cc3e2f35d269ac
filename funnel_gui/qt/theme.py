"""Colours shared by the editor and every chart, so micro, macro and segments read the same
everywhere.

The segment colours are the Okabe–Ito palette (distinct under the common colour-vision
deficiencies); micro and macro are a blue and an amber dark enough to carry white text on
both light and dark palettes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

MICRO_HEX = "#1d4ed8"
MACRO_HEX = "#b45309"
# Drop-off: those who left are grey; those whose window is still open are a light amber, so
# "not yet" never reads as "lost".
LEFT_HEX = "#9ca3af"
STILL_OPEN_HEX = "#f2c57c"
SIGNIFICANT_HEX = "#009e73"  # bluish green: "differs from the rest"
WARNING_HEX = "#b45309"
ERROR_HEX = "#b91c1c"

SEGMENT_HEXES = (
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#56b4e9",  # sky blue
    "#d55e00",  # vermillion
    "#f0e442",  # yellow
    "#000000",  # black (the 8th colour of the palette)
)
OTHER_HEX = "#9ca3af"  # the folded "Other" segment


def kind_colour(kind: str) -> QColor:
    return QColor(MACRO_HEX if kind == "macro" else MICRO_HEX)


def segment_colour(index: int, value: str | None = None) -> QColor:
    """The colour of the index-th segment (in the breakdown's order); "Other" is grey."""
    if value == "Other":
        return QColor(OTHER_HEX)
    return QColor(SEGMENT_HEXES[index % len(SEGMENT_HEXES)])


# Why they stopped (§14), one colour per reason of the drop-off: muted, so the bars stay
# the loudest thing on the chart, and apart from micro blue, macro amber and still-open
# amber. "never" keeps the grey that "left" had.
REASON_HEXES = {
    "min_gap": "#7fc8c2",  # teal
    "max_gap": "#9b8ec4",  # lavender
    "window": "#6f8fb3",  # slate blue
    "filter": "#c49a86",  # clay
    "interrupted": "#d98e9e",  # dusty rose
    "never": LEFT_HEX,
}


# A visible focus ring for keyboard users, added to the application's style sheet. Borders
# grow to 2px and padding shrinks by 1px to match, so focus never shifts a layout. (Combo
# boxes, check boxes and tabs keep Fusion's own focus frame: a style sheet border on them
# would replace their whole look.)
FOCUS_QSS = """
QPushButton:focus { border: 2px solid palette(highlight); padding: 5px 13px; }
QLineEdit:focus { border: 2px solid palette(highlight); padding: 4px 7px; }
QTableView:focus, QListView:focus, QListWidget:focus, QTextBrowser:focus {
    border: 2px solid palette(highlight);
}
QToolButton:focus { border: 1px solid palette(highlight); border-radius: 4px; }
"""
