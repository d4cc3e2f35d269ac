"""Names of the analysis views (the tabs), known without importing Qt (the CLI checks
`--view NAME` against them before any window exists)."""

from __future__ import annotations

VIEW_NAMES = ("funnel", "micro-macro", "time", "trend", "breakdown", "drivers", "paths")
DATA_VIEW = "data"  # the data overview tab
