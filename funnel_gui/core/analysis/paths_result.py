"""What a paths analysis returns (FUNNEL_SEMANTICS §13): per group, its top paths.

`to_dict()` is the JSON of `funnel-gui paths --json` (issue 11):
{"where", "step", "groups": [{"name", "units", "paths": [{"events", "units", "share",
"macro_rate", "ci"}], "other": {"units"}}]}; a path between two steps whose units jumped
over optional steps on the way also has "skipped": [the steps' numbers] (§15).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

# Markers that stand in a path for what is not an event (§13).
START = "(start)"  # into step 1: fewer than L events before the entry within the lookback
DIRECT = "(direct)"  # between k and k+1: the step-(k+1) event came right after step k's
NOTHING = "(nothing)"  # between k and k+1, dropped: no event after step k inside the window
OTHER = "other paths"
ARROW = " → "

GroupName = Literal["all", "converted", "dropped"]


@dataclass(frozen=True)
class PathRow:
    """One path of a group: its units, their share of the group and their macro rate."""

    events: tuple[str, ...]
    units: int
    share: float  # units / the group's units
    converted: int  # units whose furthest step is >= M (the macro step)
    macro_rate: float  # converted / units
    ci: tuple[float, float]  # Wilson 95% interval of macro_rate
    # Between step k and the next: the optional steps the units jumped over on their way to
    # the step they reached next (1-based, k + 1 up to it; §15), () when that is k + 1.
    skipped: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "events": list(self.events),
            "units": self.units,
            "share": self.share,
            "macro_rate": self.macro_rate,
            "ci": list(self.ci),
        }
        if self.skipped:
            out["skipped"] = list(self.skipped)
        return out

    def text(self) -> str:
        """ "x → y", and "x → y (skipped step 3)" when the units jumped over optional steps."""
        words = ARROW.join(self.events)
        return f"{words} ({skipped_text(self.skipped)})" if self.skipped else words


def skipped_text(skipped: tuple[int, ...]) -> str:
    """ "skipped step 3", "skipped steps 3, 4"."""
    if len(skipped) == 1:
        return f"skipped step {skipped[0]}"
    return "skipped steps " + ", ".join(str(k) for k in skipped)


@dataclass(frozen=True)
class PathGroup:
    """The units of one group ("all" into step 1; "converted" / "dropped" between steps),
    their top paths, most units first, and the units on every other path.

    `member` and `path_of` are per unit of the group: its index in the funnel's per-unit
    results (`FunnelResult.units`, `actors_frame()` rows), and its path's index in
    `paths` (-1: one of the other paths): what a drill-down needs to list a path's people.
    """

    name: GroupName
    units: int
    paths: list[PathRow]
    other_units: int
    other_converted: int
    member: np.ndarray = field(repr=False, compare=False)
    path_of: np.ndarray = field(repr=False, compare=False)

    def members_of(self, path: int) -> np.ndarray:
        """Indices into the funnel's per-unit results of the units on `paths[path]`
        (-1: the other paths)."""
        return np.asarray(self.member[self.path_of == path])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "units": self.units,
            "paths": [p.to_dict() for p in self.paths],
            "other": {"units": self.other_units},
        }


@dataclass(frozen=True)
class PathsResult:
    where: Literal["into", "between"]
    step: int | None  # k of "between k and k + 1"; None into step 1
    length: int  # L
    top: int  # N
    keep_repeats: bool
    lookback_ns: int  # into step 1 only
    macro_step: int  # M, whose rate each path carries
    groups: list[PathGroup]
    warnings: list[str] = field(default_factory=list)

    def group(self, name: GroupName) -> PathGroup:
        return next(g for g in self.groups if g.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "step": self.step,
            "groups": [g.to_dict() for g in self.groups],
        }
