"""Funnel Explorer: funnel analysis of analytics event exports.

For notebooks::

    import funnel_gui as fg
    table = fg.load_events("export.parquet")          # auto-detect; mapping= overrides
    funnel = fg.load_funnel("checkout.funnel.json").definition  # .warnings: what to know
    result = fg.compute(table, funnel)                # FunnelResult
    result.to_dict(); result.steps_frame(); result.actors_frame()
    drivers = fg.drivers(table, funnel, adjust_for=["source"])   # §12, DriversResult
    into = fg.paths(table, funnel)                    # §13, PathsResult; .to_dict()
    gap = fg.paths(table, funnel, where=("between", 1), length=2, keep_repeats=True)
    change = fg.compare(result_last_month, result)    # §19, per step B − A, mix/rate
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from funnel_gui.core.analysis.compare import compare
    from funnel_gui.core.analysis.drivers import drivers
    from funnel_gui.core.analysis.paths import paths
    from funnel_gui.core.definition.file import load_funnel, save_funnel
    from funnel_gui.core.definition.model import FunnelDefinition, Step
    from funnel_gui.core.engine.compute import compute
    from funnel_gui.core.engine.prepared import prepare
    from funnel_gui.core.io import load_events
    from funnel_gui.core.sql.open import open_sql_source
    from funnel_gui.core.sql.paths_run import paths_sql
    from funnel_gui.core.sql.runner import compute_sql

__all__ = [
    "FunnelDefinition",
    "Step",
    "compare",
    "compute",
    "compute_sql",
    "drivers",
    "load_events",
    "load_funnel",
    "open_sql_source",
    "paths",
    "paths_sql",
    "prepare",
    "save_funnel",
]

_LAZY = {
    "FunnelDefinition": "funnel_gui.core.definition.model",
    "Step": "funnel_gui.core.definition.model",
    "compute": "funnel_gui.core.engine.compute",
    "compute_sql": "funnel_gui.core.sql.runner",
    "open_sql_source": "funnel_gui.core.sql.open",
    "compare": "funnel_gui.core.analysis.compare",
    "load_events": "funnel_gui.core.io",
    "drivers": "funnel_gui.core.analysis.drivers",
    "paths": "funnel_gui.core.analysis.paths",
    "paths_sql": "funnel_gui.core.sql.paths_run",
    "prepare": "funnel_gui.core.engine.prepared",
    "load_funnel": "funnel_gui.core.definition.file",
    "save_funnel": "funnel_gui.core.definition.file",
}


def __getattr__(name: str) -> Any:
    # Lazy, so `python -m funnel_gui` and the GUI do not pay for what they do not use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'funnel_gui' has no attribute {name!r}")
