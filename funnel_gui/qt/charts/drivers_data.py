"""What the Drivers view draws, computed off the GUI thread: the analysis for the funnel's
saved settings with the adjust-for suggestions and choices, and one candidate's details.

Core calls only, no widget: the view runs these in its workers (and, for an export that is
waiting, on the spot)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from funnel_gui.core.analysis.drivers import DriversAnalysis, drivers_analysis
from funnel_gui.core.analysis.drivers_details import (
    AdjustSuggestion,
    TimeToMacro,
    nudge_list,
    suggested_adjustments,
    time_to_macro,
)
from funnel_gui.core.analysis.drivers_result import Candidate
from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.prepared import PreparedTable
from funnel_gui.core.progress import Cancelled, Progress

# §12 (c): properties with at most this many distinct values can stratify.
MAX_ADJUST_DISTINCT = 50


@dataclass(frozen=True)
class DriversData:
    analysis: DriversAnalysis
    suggestions: tuple[AdjustSuggestion, ...]
    properties: tuple[str, ...]  # what "Adjust for" offers
    last_time_ns: int
    # Suggested properties this analysis adjusted for although the funnel has not saved
    # them yet (a funnel's first look); the view saves them.
    preselected: tuple[str, ...] = ()


@dataclass(frozen=True)
class CandidateDetails:
    label: str
    curves: TimeToMacro
    nudge: pd.DataFrame  # did it, not converted, window still open


def adjustable_properties(prepared: PreparedTable) -> tuple[str, ...]:
    names = []
    for name in prepared.table.property_names:
        prop = prepared.property_text(name)
        if prop is not None and 1 <= len(prop.values) <= MAX_ADJUST_DISTINCT:
            names.append(name)
    return tuple(names)


def drivers_data(
    prepared: PreparedTable,
    definition: FunnelDefinition,
    *,
    preselect: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> DriversData:
    """Drivers for the funnel's saved settings. With `preselect` and nothing saved to adjust
    for, the suggested properties are adjusted for at once, so the first thing a person
    sees is already the adjusted answer."""
    analysis = drivers_analysis(prepared, definition, progress=progress, cancelled=cancelled)
    suggestions = tuple(suggested_adjustments(prepared, analysis))
    chosen: tuple[str, ...] = ()
    if preselect and not definition.drivers.adjust_for and suggestions:
        chosen = tuple(s.property for s in suggestions)
        analysis = drivers_analysis(
            prepared,
            definition,
            adjust_for=chosen,
            progress=progress,
            cancelled=cancelled,
            computed=analysis.computed,  # the funnel is the same: not computed twice
        )
    return DriversData(
        analysis,
        suggestions,
        adjustable_properties(prepared),
        prepared.table.last_time_ns,
        chosen,
    )


def candidate_details(data: DriversData, candidate: Candidate) -> CandidateDetails:
    return CandidateDetails(
        candidate.label,
        time_to_macro(data.analysis, candidate),
        nudge_list(data.analysis, candidate, data.last_time_ns),
    )
