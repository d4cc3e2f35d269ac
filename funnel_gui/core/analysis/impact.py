"""The numbers behind the micro-vs-macro view (FUNNEL_SEMANTICS §9), as rows and a frame
a chart can draw without computing anything.

One row per micro conversion (micro steps, then the extra micro conversions), paired
with the definition so each row knows whether it is a funnel step; the engine computes
the comparisons themselves (`engine.micro_macro`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from funnel_gui.core.engine.micro_macro import macro_step, micro_matchers
from funnel_gui.core.engine.results import FunnelResult, MicroMacroResult

RowKind = Literal["micro step", "macro step", "extra micro-conversion"]


@dataclass(frozen=True)
class MicroRow:
    """One micro conversion's comparison (§9), with where it comes from."""

    impact: MicroMacroResult
    step_number: int | None  # the funnel step, or None for an extra micro conversion

    @property
    def label(self) -> str:
        return self.impact.label

    @property
    def on_path(self) -> bool:
        return self.impact.on_path


def micro_rows(result: FunnelResult) -> list[MicroRow]:
    """result.micro_macro in order, each with its funnel step number (None for extras).

    The engine lists the micro steps (in step order) before the extra micro conversions,
    the order of `impact.micro_matchers`; that pairing is what tells a step named like an
    extra micro conversion apart from it.
    """
    defn = result.definition
    macro = macro_step(defn)
    numbers: list[int | None] = [
        i for i, s in enumerate(defn.steps, 1) if s.kind == "micro" and i != macro
    ]
    numbers += [None] * len(defn.micro_conversions)
    if len(numbers) != len(result.micro_macro) or len(micro_matchers(defn)) != len(numbers):
        # A result from another definition: rows still show, without step numbers.
        numbers = [None] * len(result.micro_macro)
    return [MicroRow(m, n) for m, n in zip(result.micro_macro, numbers, strict=True)]


MICRO_MACRO_COLUMNS = (
    "conversion",
    "type",
    "step",
    "reached",
    "rate_from_start",
    "time_to_reach_median_s",
    "note",
    "n_did",
    "n_did_not",
    "macro_did",
    "macro_did_not",
    "rate_did",
    "rate_did_low",
    "rate_did_high",
    "rate_did_not",
    "rate_did_not_low",
    "rate_did_not_high",
    "lift",
    "lift_low",
    "lift_high",
    "relative_lift",
    "p_value",
    "odds_ratio",
    "too_few",
)

ON_PATH_NOTE = "on the funnel's path"
TOO_FEW_NOTE = "too few to judge"


def micro_macro_frame(result: FunnelResult) -> pd.DataFrame:
    """Micro and macro conversions side by side: each funnel step, then each extra micro
    conversion. Reach, rate from step 1 and median time from step 1 for all; for the
    micro conversions compared with the macro step (§9) the macro rate of those who did
    and did not, the lift (rate_did − rate_did_not, with Newcombe's interval), p, the odds
    ratio and the group sizes. Rates are fractions, times seconds, missing values NaN.
    """
    macro = macro_step(result.definition)
    impacts = {row.step_number: row for row in micro_rows(result) if row.step_number}
    entered = result.steps[0].count if result.steps else 0
    records: list[dict[str, object]] = []
    for step in result.steps:
        if step.number == macro:
            kind: RowKind = "macro step"
        else:
            kind = "micro step" if step.kind == "micro" else "macro step"
        timing = step.time_to_convert
        record = _blank_record(step.label, kind, step.number)
        record.update(
            reached=step.count,
            rate_from_start=_or_nan(step.from_start),
            time_to_reach_median_s=0.0 if step.number == 1 and step.count else _median(timing),
        )
        row = impacts.get(step.number)
        if step.number == macro:
            record["note"] = "macro conversion"
        if row is not None:
            record.update(_impact_fields(row.impact))
        records.append(record)
    for row in micro_rows(result):
        if row.step_number is not None:
            continue
        impact = row.impact
        record = _blank_record(impact.label, "extra micro-conversion", None)
        record.update(
            reached=impact.n_a,
            rate_from_start=impact.n_a / entered if entered else math.nan,
            time_to_reach_median_s=_median(impact.time_to_micro),
        )
        record.update(_impact_fields(impact))
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=list(MICRO_MACRO_COLUMNS))
    frame["step"] = frame["step"].astype("Int64")
    for key in ("reached", "n_did", "n_did_not", "macro_did", "macro_did_not"):
        frame[key] = frame[key].astype("Int64")
    frame["too_few"] = frame["too_few"].astype("boolean")
    return frame


def _blank_record(label: str, kind: RowKind, step: int | None) -> dict[str, object]:
    record: dict[str, object] = dict.fromkeys(MICRO_MACRO_COLUMNS, math.nan)
    record.update(
        conversion=label, type=kind, step=step, note="", too_few=None, n_did=None, n_did_not=None
    )
    record.update(macro_did=None, macro_did_not=None, reached=None)
    return record


def _impact_fields(impact: MicroMacroResult) -> dict[str, object]:
    if impact.on_path:
        return {"note": ON_PATH_NOTE}
    c = impact.comparison
    return {
        "note": TOO_FEW_NOTE if c.too_few else "",
        "n_did": impact.n_a,
        "n_did_not": impact.n_b,
        "macro_did": impact.macro_a,
        "macro_did_not": impact.macro_b,
        "rate_did": c.rate_a,
        "rate_did_low": c.ci_a[0],
        "rate_did_high": c.ci_a[1],
        "rate_did_not": c.rate_b,
        "rate_did_not_low": c.ci_b[0],
        "rate_did_not_high": c.ci_b[1],
        "lift": c.difference,
        "lift_low": c.difference_ci[0],
        "lift_high": c.difference_ci[1],
        "relative_lift": c.relative_lift,
        "p_value": c.p_value,
        "odds_ratio": c.odds_ratio,
        "too_few": bool(c.too_few),
    }


def _median(stats: object) -> float:
    median = getattr(stats, "median", None)
    return math.nan if median is None else float(median)


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def overall_macro_rate(result: FunnelResult) -> float:
    """Conversion from step 1 to the macro step M over everyone who entered (not excluded)."""
    if not result.steps:
        return math.nan
    macro = macro_step(result.definition)
    return _or_nan(result.steps[macro - 1].from_start)
