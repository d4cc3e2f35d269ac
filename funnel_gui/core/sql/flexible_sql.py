"""§15 in SQL: optional steps and open funnels.

An attempt at step c goes on with the first event matching any candidate step (c + 1 up
to the first required step after c), each candidate at its own min_gap, the lowest step
on one event; the window (from the entry event) and that step's max gap then decide.
Per row and per step c the attempt might be at, `fx` holds that choice: the next row
(nq{c}) and the step it fills (ns{c}), from the rows' next-match columns. Attempts then
walk forward one round per CTE (w0 the entries, w1 … the attempts that went on, at most
n − 1 rounds: each fills a later step), `ag` gathers each attempt's steps (sq{k}: the row
matched at step k), and `att`
adds what the rest of the chain reads (void, breakdown values, micro conversions, the
reason it stopped), joined from its stop row, that row's failed next choice, its entry
row and its steps' rows. An open funnel enters at every event matching any step, one
attempt per step it matches.
"""

from __future__ import annotations

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.flexible import candidates
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.sql.plan import CAP_NS, Plan
from funnel_gui.core.sql.reasons_sql import CODE, named
from funnel_gui.core.sql.units_sql import entry_condition

_NONE_ROW = 2**62  # after every row number: "no next row" inside LEAST
WALK = "walk"  # the recursive CTE of the rounds


def flexible(defn: FunnelDefinition) -> bool:
    return defn.open or defn.has_optional


def entry_column(plan: Plan) -> str:
    """The column of the entry event's time in `att`/`rep` (an open funnel's entry may
    be a later step's event)."""
    return "et" if flexible(plan.definition) else "t1"


def _candidates(defn: FunnelDefinition, c: int) -> list[int]:
    """1-based steps an attempt at step c (1-based) may fill next."""
    return [s + 1 for s in candidates([s.optional for s in defn.steps], c - 1)]


def _accepted(plan: Plan, s: int) -> str:
    """The row number of step s's next match a row would accept (its min_gap met)."""
    step = plan.definition.steps[s - 1]
    gap = min(step.min_gap_ns or 0, CAP_NS)
    if plan.definition.order == "strict" and gap:  # the very next row, min_gap later
        return f"CASE WHEN nx{s} IS NOT NULL AND lt1 >= t + {gap} THEN nx{s} END"
    return f"nx{s}"


def _choice(plan: Plan, c: int) -> tuple[str, str]:
    """(next row, step it fills) of an attempt at step c, over a row's columns: the
    earliest candidate match, the lowest step on one row."""
    cands = _candidates(plan.definition, c)
    acc = {s: _accepted(plan, s) for s in cands}
    if len(cands) == 1:
        (s,) = cands
        return acc[s], f"CASE WHEN {acc[s]} IS NOT NULL THEN {s} END"
    least = "LEAST(" + ", ".join(f"COALESCE({a}, {_NONE_ROW})" for a in acc.values()) + ")"
    picks = " ".join(f"WHEN COALESCE({a}, {_NONE_ROW}) = {least} THEN {s}" for s, a in acc.items())
    return (
        f"NULLIF({least}, {_NONE_ROW})",
        f"CASE WHEN {least} = {_NONE_ROW} THEN NULL {picks} END",
    )


def flexible_ctes(plan: Plan) -> list[tuple[str, str]]:
    """`fx`, the rounds w0…, `ws`, `ag` and `att` (one row per attempt)."""
    n = plan.definition.n_steps
    key = plan.key
    choices = []
    for c in range(1, n):
        nq, ns = _choice(plan, c)
        choices += [f"CAST({nq} AS BIGINT) AS nq{c}", f"CAST({ns} AS INTEGER) AS ns{c}"]
    fx = f"SELECT *{''.join(', ' + c for c in choices)} FROM nx"
    cols = f"{', '.join(key)}, q1, et, st, c, q, t, nq, ns"
    # The rounds as one recursive CTE: at most n − 1 of them, each fills a later step.
    walk = f"SELECT {cols} FROM w0 UNION ALL {_round(plan)}"
    out = [("fx", fx), ("w0", _entries(plan)), (WALK, walk)]
    steps = [f"MAX(CASE WHEN c = {k} THEN q END) AS sq{k}" for k in range(1, n + 1)]
    steps += [f"MAX(CASE WHEN c = {k} THEN t END) AS t{k}" for k in range(1, n + 1)]
    group = f"{', '.join(key)}, q1, st"
    ag = f"SELECT {group}, MAX(et) AS et, MAX(c) AS lc, {', '.join(steps)} FROM {WALK} "
    ag += f"GROUP BY {group}"
    out += [("ag", ag), ("att", _attempts(plan))]
    return out


def _next_of(plan: Plan, step: str, row: str) -> tuple[str, str]:
    """(next row, step it fills) of attempts whose step is the column `step`, from the
    choice columns of `row`."""
    n = plan.definition.n_steps
    if n < 2:
        return "CAST(NULL AS BIGINT)", "CAST(NULL AS INTEGER)"
    nq = " ".join(f"WHEN {c} THEN {row}.nq{c}" for c in range(1, n))
    ns = " ".join(f"WHEN {c} THEN {row}.ns{c}" for c in range(1, n))
    return f"CASE {step} {nq} END", f"CASE {step} {ns} END"


def _entries(plan: Plan) -> str:
    """w0: every attempt at its entry event (open: one per step the event matches)."""
    defn = plan.definition
    key = ", ".join(f"j1.{c} AS {c}" for c in plan.key)
    starts = range(1, defn.n_steps + 1) if defn.open else range(1, 2)
    parts = []
    for s in starts:
        nq, ns = _next_of(plan, str(s), "j1")
        where = entry_condition(plan, "j1").replace("j1.m1", f"j1.m{s}", 1)
        parts.append(
            f"SELECT {key}, CAST(j1.q AS BIGINT) AS q1, j1.t AS et, CAST({s} AS INTEGER) AS st, "
            f"CAST({s} AS INTEGER) AS c, "
            f"CAST(j1.q AS BIGINT) AS q, j1.t AS t, CAST({nq} AS BIGINT) AS nq, "
            f"CAST({ns} AS INTEGER) AS ns FROM fx j1 WHERE {where}"
        )
    return " UNION ALL ".join(parts)


def _round(plan: Plan) -> str:
    """One round: the attempts whose chosen next event lies inside the window and within
    its step's max gap, now at that step."""
    defn = plan.definition
    on = [f"j.{c} = p.{c}" for c in plan.key] + ["j.q = p.nq"]
    where = [f"j.t <= p.et + {plan.window}"]
    gaps = [(k, s.max_gap_ns) for k, s in enumerate(defn.steps, 1) if s.max_gap_ns is not None]
    if gaps:
        limit = " ".join(f"WHEN {k} THEN {min(g, CAP_NS)}" for k, g in gaps)
        where.append(f"j.t - p.t <= CASE p.ns {limit} ELSE {CAP_NS} END")
    nq, ns = _next_of(plan, "p.ns", "j")
    select = [f"p.{c} AS {c}" for c in plan.key]
    select += ["p.q1 AS q1", "p.et AS et", "p.st AS st", "p.ns AS c"]
    select += ["CAST(j.q AS BIGINT) AS q", "j.t AS t"]
    select += [f"CAST({nq} AS BIGINT) AS nq", f"CAST({ns} AS INTEGER) AS ns"]
    return (
        f"SELECT {', '.join(select)} FROM {WALK} p JOIN fx j ON {' AND '.join(on)} "
        f"WHERE {' AND '.join(where)}"
    )


def _attempts(plan: Plan) -> str:
    defn, n, w = plan.definition, plan.definition.n_steps, plan.window
    key = plan.key

    def join(alias: str, row: str) -> str:
        on = [f"{alias}.{c} = g.{c}" for c in key] + [f"{alias}.q = {row}"]
        return f"LEFT JOIN fx {alias} ON {' AND '.join(on)}"

    stop_row = "CASE g.lc " + " ".join(f"WHEN {k} THEN g.sq{k}" for k in range(1, n + 1)) + " END"
    nq, _ = _next_of(plan, "g.lc", "x")
    joins = [join("x", stop_row), join("y", nq), join("e", "g.q1")]
    joins += [join(f"s{k}", f"g.sq{k}") for k in _step_rows(defn)]
    select = [f"g.{c} AS {c}" for c in key]
    select += ["g.q1 AS q1", "g.lc AS lvl", "g.et AS et", "g.st AS st"]
    select += [f"g.t{k} AS t{k}" for k in range(1, n + 1)]
    select.append(f"{_void(plan)} AS void")
    for i in range(len(plan.props)):  # the entry event plays step 1's part (§15)
        select.append(f"e.p{i} AS p{i}_1")
        select += [f"s{k}.p{i} AS p{i}_{k}" for k in _step_rows(defn) if k > 1]
    m = macro_step(defn)
    for i, _, _ in plan.micro():
        until = (
            f"CASE WHEN g.sq{m} IS NOT NULL THEN e.cq{i} < g.sq{m} ELSE e.ct{i} <= g.et + {w} END"
        )
        select.append(f"COALESCE(e.cq{i} IS NOT NULL AND {until}, FALSE) AS mm{i}")
        select.append(f"e.ct{i} - g.et AS mt{i}")
    select += [f"{_reason(plan, c)} AS r{c + 1}" for c in range(1, n)]
    return f"SELECT {', '.join(select)} FROM ag g {' '.join(joins)}"


def _step_rows(defn: FunnelDefinition) -> list[int]:
    """The steps whose matched rows are read: exclusions' step a, breakdown values."""
    wanted = {x.between[0] for x in defn.exclusions}
    if defn.breakdown is not None:
        n = defn.breakdown.step_number()
        if n is not None:
            wanted.add(n)
        elif defn.breakdown.attribution == "last_step":
            wanted.update(range(2, defn.n_steps + 1))
    return sorted(wanted)


def _void(plan: Plan) -> str:
    """§4 with §15: a skipped step was not reached; an open attempt that entered after
    step a has no step-a event, so that exclusion never voids it."""
    parts = []
    for j, x in enumerate(plan.definition.exclusions, 1):
        a, b = x.between
        until = f"CASE WHEN g.sq{b} IS NOT NULL THEN s{a}.xq{j} < g.sq{b}"
        until += f" ELSE s{a}.xt{j} <= g.et + {plan.window} END"
        parts.append(f"COALESCE(g.sq{a} IS NOT NULL AND s{a}.xq{j} IS NOT NULL AND {until}, FALSE)")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _reason(plan: Plan, c: int) -> str:
    """§14 with §15 for an attempt that stopped at step c (row x; y: the next event it
    chose, which lay outside the window or past that step's max gap)."""
    defn = plan.definition
    cands = _candidates(defn, c)
    end = f"g.et + {plan.window}"
    gaps = {s: min(defn.steps[s - 1].min_gap_ns or 0, CAP_NS) for s in cands}
    cases = []
    if defn.order == "strict":
        matches = " OR ".join(f"COALESCE(x.lm{s}, FALSE)" for s in cands)
        accepted = " OR ".join(
            f"(COALESCE(x.lm{s}, FALSE) AND x.lt1 >= x.t + {gaps[s]})" for s in cands
        )
        cases.append(
            f"WHEN x.lt1 IS NOT NULL AND x.lt1 <= {end} AND NOT ({matches}) "
            f"THEN {CODE['interrupted']}"
        )
        cases.append(f"WHEN ({matches}) AND NOT ({accepted}) THEN {CODE['min_gap']}")
    cases.append(
        f"WHEN y.q IS NOT NULL THEN CASE WHEN y.t > {end} THEN {CODE['window']} "
        f"ELSE {CODE['max_gap']} END"
    )
    if defn.order == "strict":
        later = " OR ".join(f"x.rt{s} IS NOT NULL" for s in cands)
        cases.append(f"WHEN {later} THEN {CODE['window']}")
    gapped = [s for s in cands if gaps[s]]
    if gapped:
        cases.append(
            f"WHEN {' OR '.join(f'x.ra{s} IS NOT NULL' for s in gapped)} THEN {CODE['min_gap']}"
        )
    names = [s for s in cands if named(plan, s)]
    if names:
        cases.append(
            f"WHEN {' OR '.join(f'x.rn{s} IS NOT NULL' for s in names)} THEN {CODE['filter']}"
        )
    return f"CASE {' '.join(cases)} ELSE {CODE['never']} END"
