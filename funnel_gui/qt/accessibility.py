"""What a screen reader says for the app's own widgets: a name and a description for each
custom widget (cards, chips, charts, panels), which Qt cannot guess from a QWidget.

One table, by class name (so this module imports none of the widgets), applied to the
window's widgets by `name_widgets`, at start and after each result (views build parts
late). Chips name themselves (`Chip`), as they come and go with every edit. A custom widget
missing here is caught by tests/qt/test_keyboard_access.py.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

Described = tuple[str, str]  # (name, description)


def _view_title(widget: QWidget) -> str:
    """The title of the analysis view `widget` sits in ("Funnel"), or ""."""
    parent: QWidget | None = widget
    while parent is not None:
        title = getattr(type(parent), "title", None)
        if isinstance(title, str) and hasattr(parent, "sig_drill_down"):
            return title
        parent = parent.parentWidget()
    return ""


def _chart_view(widget: QWidget) -> Described:
    title = str(getattr(type(widget), "title", "Analysis"))
    return f"{title} view", f"The {title} analysis: a chart, its table and export buttons"


def _chart_plot(widget: QWidget) -> Described:
    title = _view_title(widget) or "Analysis"
    return f"{title} chart", "Chart; its numbers are also in the table beside it"


def _chips(widget: QWidget) -> Described:
    kind = str(getattr(widget, "kind", "")) or "item"
    return f"{kind.capitalize()} chips", "Tab moves chip to chip; Delete removes, Enter edits"


def _scroller(widget: QWidget) -> Described:
    inner = getattr(widget, "widget", lambda: None)()
    name = ""
    if isinstance(inner, QWidget):
        name = inner.accessibleName() or (describe(inner) or ("", ""))[0]
    return (name or "Panel") + " (scrolls)", "Scroll to see all of it"


def _stat_card(widget: QWidget) -> Described:
    caption = getattr(widget, "caption", "")
    return str(caption or "Statistic"), "A headline number of the loaded data"


def _fixed(name: str, description: str) -> Callable[[QWidget], Described]:
    return lambda _widget: (name, description)


NAMES: dict[str, Callable[[QWidget], Described]] = {
    "MainWindow": _fixed("Funnel Explorer", "Funnel analysis of an analytics event export"),
    "Workspace": _fixed("Funnel workspace", "The funnel's steps above its analysis"),
    "FunnelEditor": _fixed("Funnel steps", "The funnel's steps as cards"),
    "StepCardView": _fixed(
        "Funnel steps",
        "One card per step, with its count. Delete removes the selected step, "
        "Alt+Up and Alt+Down move it, Ctrl+D lists who dropped before it",
    ),
    "AnalysisPanel": _fixed("Analysis", "The funnel's numbers and its analysis views, as tabs"),
    "FunnelView": _chart_view,
    "MicroMacroView": _chart_view,
    "TimeView": _chart_view,
    "TrendView": _chart_view,
    "SegmentsView": _chart_view,
    "DriversView": _chart_view,
    "PathsView": _chart_view,
    "ChartPlot": _chart_plot,
    "ChartScroller": _scroller,
    "VerticalScroll": _scroller,
    "NoteLabel": _fixed("Note", "A note about the chart above"),
    "DailyVolumeChart": _fixed("Events per day chart", "How many events the data has each day"),
    "DriversChart": _fixed(
        "Drivers chart", "Early actions and their difference in macro rate, with intervals"
    ),
    "DriversControls": _fixed("Drivers settings", "Landmark, lookback and adjustments"),
    "DriversDetails": _fixed("Selected driver", "Conversion over time of the selected action"),
    "ChipList": _chips,
    "DrillDownPanel": _fixed(
        "Who dropped", "Who reached a step but not the next, and what they did next"
    ),
    "EventPalette": _fixed(
        "Events and properties", "The data's events: Enter adds the selected one as a step"
    ),
    "ExclusionsEditor": _fixed("Exclusions", "Events that exclude a person from the funnel"),
    "MicroTray": _fixed("Micro-conversions", "Extra events compared with the macro conversion"),
    "TrayFrame": _fixed("Micro-conversion tray", "Drop events here to add micro-conversions"),
    "CentreStack": _fixed("Centre", "The welcome screen, or the funnel workspace"),
    "DataOverview": _fixed("Data overview", "Headline numbers and the import report"),
    "EmptyState": _fixed("Welcome", "Open an export or try the demo data"),
    "StatCard": _stat_card,
    "FunnelSettingsBar": _fixed(
        "Funnel settings", "Order, window, unit, breakdown, dates, exclusions"
    ),
    "StepInspector": _fixed("Selected step", "Label, events, kind, filters and gaps of a step"),
    "FilterRow": _fixed("Filter", "A property condition on the step's events"),
    "FlowPlot": _fixed(
        "Paths flow", "The most common paths as bands; click a band to list its people"
    ),
    "PathsControls": _fixed("Paths settings", "Which gap, path length, how many paths"),
    "QueryBusy": _fixed("Database query", "Progress of this view's query, and Stop query"),
    "UnitTimeline": _fixed(
        "Their events", "The selected person's events around the funnel, matched steps marked"
    ),
    "OpenFunnelBox": _fixed(
        "Open funnel", "People may enter at any step, not only the first (sequential order)"
    ),
    "CompareBanner": _fixed(
        "Comparison", "What the funnel is compared with, and the mix and rate split"
    ),
    "MoreOptionsDialog": _fixed(
        "More funnel options", "Further breakdowns, same value of, filters and sessions"
    ),
    "FilterRowsEditor": _fixed("Filters", "Property conditions; each row is one condition"),
    "CompareDialog": _fixed("Compare with", "The period or file to compare the funnel with"),
    "DatabaseDialog": _fixed(
        "Open database or warehouse", "A source URL, one of its tables and its columns"
    ),
    "RemapDialog": _fixed("Remap events", "Map the funnel's missing events to the data's"),
    "FunnelNameEdit": _fixed("Funnel name", "The funnel's name, used in titles and file names"),
}


def describe(widget: QWidget) -> Described | None:
    """The name and description for `widget`'s class, or None (not one of ours)."""
    make = NAMES.get(type(widget).__name__)
    return make(widget) if make is not None else None


def name_widgets(root: QWidget) -> None:
    """Names `root` and its children that have none (a name set in place wins)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.accessibleName():
            continue
        described = describe(widget)
        if described is not None:
            widget.setAccessibleName(described[0])
            if not widget.accessibleDescription():
                widget.setAccessibleDescription(described[1])
