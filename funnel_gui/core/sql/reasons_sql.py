"""§14 in SQL: why each unit's reported attempt stopped at its furthest step k.

For every row (as a possible step-k event) the next-match columns say what follows it;
the attempt picks the rule that first holds from its step-k event, in the order of
§14: still open, (strict) interrupted, (strict) min_gap, window, max_gap, min_gap,
filter, never. Codes index REASONS, as the in-memory engine's per-unit reasons do.
"""

from __future__ import annotations

from funnel_gui.core.engine.results import REASONS
from funnel_gui.core.sql.plan import CAP_NS, Plan, window_frame
from funnel_gui.core.sql.predicates import literal

CODE = {name: i for i, name in enumerate(REASONS)}


def applies(order: str) -> bool:
    return order != "any"  # any order has no next step


def name_flags(plan: Plan) -> list[str]:
    """Per later step with `where` filters: the rows bearing one of its names."""
    defn = plan.definition
    if not applies(defn.order):
        return []
    return [
        f"COALESCE(e IN ({', '.join(literal(n) for n in step.events)}), FALSE) AS nm{k}"
        for k, step in enumerate(defn.steps, 1)
        if k > 1 and step.where
    ]


def next_columns(plan: Plan) -> list[str]:
    """What follows each row, per later step k: the time of the first later match at
    least min_gap after (rt), whether any later match exists (ra, with a min_gap),
    whether a later row bears the step's names (rn), and in strict order the next row."""
    defn = plan.definition
    if not applies(defn.order):
        return []
    after = window_frame(plan, "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING")
    cols = []
    if defn.order == "strict":
        plain = window_frame(plan, "", "q")
        cols.append(f"LEAD(t) {plain} AS lt1")
        cols += [f"LEAD(m{k}) {plain} AS lm{k}" for k in range(2, defn.n_steps + 1)]
    for k, step in enumerate(defn.steps, 1):
        if k == 1:
            continue
        gap = min(step.min_gap_ns or 0, CAP_NS)
        if not _found_by_next(plan, k):  # else the step's own nx column says it
            far = (
                window_frame(plan, f"RANGE BETWEEN {gap} FOLLOWING AND UNBOUNDED FOLLOWING", "t")
                if gap
                else after
            )
            cols.append(f"MIN(CASE WHEN m{k} THEN t END) {far} AS rt{k}")
        if gap:
            cols.append(f"MAX(CASE WHEN m{k} THEN 1 END) {after} AS ra{k}")
        if step.where:
            cols.append(f"MAX(CASE WHEN nm{k} THEN 1 END) {after} AS rn{k}")
    return cols


def _found_by_next(plan: Plan, k: int) -> bool:
    """In sequential order without a max gap, the step's next-match column (nx) is the
    first later match at least min_gap after, and an attempt that stopped with one
    following stopped at the window: its time is not needed (one window aggregate less
    per step over every row)."""
    return plan.definition.order == "sequential" and plan.definition.steps[k - 1].max_gap_ns is None


def attempt_columns(plan: Plan) -> list[str]:
    """Per later step k, the reason an attempt whose step-(k−1) event is j(k−1) would
    not reach step k (still_open is decided per unit, later)."""
    defn = plan.definition
    if not applies(defn.order):
        return []
    end = f"j1.t + {plan.window}"
    out = []
    for k in range(2, defn.n_steps + 1):
        step, j = defn.steps[k - 1], f"j{k - 1}"
        gap = min(step.min_gap_ns or 0, CAP_NS)
        cases = []
        if defn.order == "strict":
            cases.append(
                f"WHEN {j}.lt1 IS NOT NULL AND {j}.lt1 <= {end} AND NOT COALESCE({j}.lm{k}, FALSE) "
                f"THEN {CODE['interrupted']}"
            )
            if gap:
                cases.append(
                    f"WHEN {j}.lt1 IS NOT NULL AND {j}.lm{k} AND {j}.lt1 < {j}.t + {gap} "
                    f"THEN {CODE['min_gap']}"
                )
        found = f"{j}.nx{k} IS NOT NULL" if _found_by_next(plan, k) else f"{j}.rt{k} IS NOT NULL"
        if step.max_gap_ns is None:
            cases.append(f"WHEN {found} THEN {CODE['window']}")
        else:
            cases.append(f"WHEN {found} AND {j}.rt{k} > {end} THEN {CODE['window']}")
            gap_max = min(step.max_gap_ns, CAP_NS)
            cases.append(f"WHEN {found} AND {j}.rt{k} - {j}.t > {gap_max} THEN {CODE['max_gap']}")
        if gap:
            cases.append(f"WHEN {j}.ra{k} IS NOT NULL AND NOT ({found}) THEN {CODE['min_gap']}")
        if step.where:
            cases.append(f"WHEN {j}.rn{k} IS NOT NULL THEN {CODE['filter']}")
        out.append(f"CASE {' '.join(cases)} ELSE {CODE['never']} END AS r{k}")
    return out


def unit_column(plan: Plan) -> list[str]:
    """The unit's reason (NULL for converted or excluded units)."""
    defn = plan.definition
    if not applies(defn.order):
        return []
    n = defn.n_steps
    if n < 2:
        return ["CAST(NULL AS INTEGER) AS reason"]
    picks = " ".join(f"WHEN {k - 1} THEN r{k}" for k in range(2, n + 1))
    still = f"t1 + {plan.window} > lt.last_t"
    return [
        f"CASE WHEN f = 0 OR f = {n} THEN NULL WHEN {still} THEN {CODE['still_open']} "
        f"ELSE CASE f {picks} END END AS reason"
    ]
