"""The per-unit outcome of a funnel as SQL common table expressions, in DuckDB's dialect.

The formulation of issue 13, measured to give the reference counts on DuckDB, ClickHouse,
PostgreSQL and Spark: rows numbered per unit in §1 order (`q`); for each row the next
match of each step by a window `MIN(...) OVER (... 1 FOLLOWING ...)` (a time-range frame
for `min_gap`, the very next row in strict order); attempts walked forward by n−1 plain
joins on (unit, q) checking the window and `max_gap`; exclusions by the first exclusion
event after step a; the reported attempt by `ROW_NUMBER() OVER (PARTITION BY unit ORDER
BY level DESC, entry)`. Any order takes, per step, the first match at or after the entry
row. No windowFunnel, no ASOF joins: neither follows §3 or ports across engines.

The last CTE, `unit_out`, has one row per unit that entered: a [, s], furthest (0 when
excluded), excluded, still_open, t1..tn (the reported attempt's step times), the
breakdown values b1..b3, and per micro conversion i its group (mm_i) and time (mt_i).
"""

from __future__ import annotations

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.sql import reasons_sql
from funnel_gui.core.sql.dialects import RELATION, time_call
from funnel_gui.core.sql.plan import CAP_NS, Plan, prop_alias, window_frame
from funnel_gui.core.sql.predicates import matcher_sql, quote_name


def _text(column: str) -> str:
    """A column as the engine's text: blanks (whitespace only) are missing."""
    cast = f"CAST({quote_name(column)} AS VARCHAR)"
    return f"CASE WHEN TRIM({cast}) = '' THEN NULL ELSE {cast} END"


def base_ctes(plan: Plan) -> list[tuple[str, str]]:
    """`clean`: every analysable row (actor, event, time present), with `last_t`."""
    cols = plan.columns
    select = [f"{_text(cols.actor)} AS a", f"{_text(cols.event)} AS e"]
    select.append(f"{time_call(quote_name(cols.time))} AS t")
    select.append(f"{quote_name(cols.order_key)} AS o" if cols.order_key else "0 AS o")
    session = cols.session if cols.session in plan.present else None
    select.append(f"{_text(session)} AS s" if session else "CAST(NULL AS VARCHAR) AS s")
    for name, alias in plan.props.items():
        value = _text(name) if name in plan.present else "CAST(NULL AS VARCHAR)"
        select.append(f"{value} AS {alias}")
    base = f"SELECT {', '.join(select)} FROM {RELATION}"
    clean = "SELECT * FROM base WHERE a IS NOT NULL AND e IS NOT NULL AND t IS NOT NULL"
    return [("base", base), ("clean", clean), ("lt", "SELECT MAX(t) AS last_t FROM clean")]


def flag_ctes(plan: Plan) -> list[tuple[str, str]]:
    """`nx`: the unit's rows that matter, numbered in §1 order, with the next matches."""
    defn, key = plan.definition, ", ".join(plan.key)
    prop = prop_alias(plan)
    flags = [f"{matcher_sql(s.matcher, 'e', prop)} AS m{k}" for k, s in enumerate(defn.steps, 1)]
    flags += [
        f"{matcher_sql(x.matcher, 'e', prop)} AS x{j}" for j, x in enumerate(defn.exclusions, 1)
    ]
    flags += [f"{matcher_sql(m, 'e', prop)} AS c{i}" for i, _, m in plan.micro()]
    flags += reasons_sql.name_flags(plan)
    bd = [f"p{i}" for i in range(len(plan.props))]
    session = " AND s IS NOT NULL" if defn.unit == "session" else ""
    select = ", ".join([key, "t", "o", *flags, *bd])
    names = [f.rsplit(" AS ", 1)[1] for f in flags]
    order = "t, o" if plan.columns.order_key else "t"
    numbered = f"SELECT *, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {order}) AS q FROM fl"
    relevant = " OR ".join(names)
    strict = defn.order == "strict"
    # Strict order: the very next row of the unit counts whatever it is, so every row is
    # numbered; otherwise only the rows that match something.
    where = "TRUE" if strict else f"({relevant})"
    out = [("fl", f"SELECT {select} FROM clean WHERE {where}{session}"), ("sq", numbered)]
    nx = f"SELECT *, {', '.join(_next_columns(plan))} FROM sq"
    if strict:
        out += [("nx0", nx), ("nx", f"SELECT * FROM nx0 WHERE {relevant}")]
    else:
        out.append(("nx", nx))
    return out


def _next_columns(plan: Plan) -> list[str]:
    defn = plan.definition
    after = window_frame(plan, "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING")
    from_here = window_frame(plan, "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING")
    cols = []
    if defn.order == "any":
        cols += [f"MIN(CASE WHEN m{k} THEN t END) {from_here} AS f{k}" for k in _steps(defn)]
        if defn.exclusions:
            hit = " OR ".join(f"x{j}" for j in range(1, len(defn.exclusions) + 1))
            cols.append(f"MIN(CASE WHEN {hit} THEN t END) {after} AS xt")
    else:
        cols += [_next_step(plan, k, after) for k in _steps(defn)[1:]]
        for j in range(1, len(defn.exclusions) + 1):
            cols.append(f"MIN(CASE WHEN x{j} THEN q END) {after} AS xq{j}")
            cols.append(f"MIN(CASE WHEN x{j} THEN t END) {after} AS xt{j}")
    cols += reasons_sql.next_columns(plan)
    for i, _, _ in plan.micro():
        cols.append(f"MIN(CASE WHEN c{i} THEN q END) {from_here} AS cq{i}")
        cols.append(f"MIN(CASE WHEN c{i} THEN t END) {from_here} AS ct{i}")
    return cols


def _steps(defn: FunnelDefinition) -> list[int]:
    return list(range(1, defn.n_steps + 1))


def _next_step(plan: Plan, k: int, after: str) -> str:
    """§3.1/§3.2: the row number of the step-k event that would follow each row."""
    step = plan.definition.steps[k - 1]
    if plan.definition.order == "strict":
        lead = f"LEAD(m{k}) OVER (PARTITION BY {', '.join(plan.key)} ORDER BY q)"
        return f"CASE WHEN {lead} THEN q + 1 END AS nx{k}"
    gap = min(step.min_gap_ns or 0, CAP_NS)
    if gap:  # at least min_gap later: a time-range frame (later in time is later in q)
        frame = window_frame(plan, f"RANGE BETWEEN {gap} FOLLOWING AND UNBOUNDED FOLLOWING", "t")
        return f"MIN(CASE WHEN m{k} THEN q END) {frame} AS nx{k}"
    return f"MIN(CASE WHEN m{k} THEN q END) {after} AS nx{k}"


def entry_condition(plan: Plan, alias: str) -> str:
    """Step 1 (any step, in any order) and the date range, which bounds entry only (§2)."""
    defn = plan.definition
    if defn.order == "any":
        parts = ["(" + " OR ".join(f"{alias}.m{k}" for k in _steps(defn)) + ")"]
    else:
        parts = [f"{alias}.m1"]
    span = defn.date_range
    if span is not None and span.start_ns is not None:
        parts.append(f"{alias}.t >= {span.start_ns}")
    if span is not None and span.end_ns is not None:
        parts.append(f"{alias}.t < {span.end_ns}")
    return " AND ".join(parts)


def ordered_attempts(plan: Plan) -> str:
    """Every attempt walked forward step by step: one LEFT JOIN per later step (§3.1)."""
    defn, w = plan.definition, plan.window
    joins = []
    for k in _steps(defn)[1:]:
        step = defn.steps[k - 1]
        on = [f"j{k}.{c} = j{k - 1}.{c}" for c in plan.key]
        on += [f"j{k}.q = j{k - 1}.nx{k}", f"j{k}.t <= j1.t + {w}"]
        if step.max_gap_ns is not None:
            on.append(f"j{k}.t - j{k - 1}.t <= {min(step.max_gap_ns, CAP_NS)}")
        if defn.order == "strict" and step.min_gap_ns:
            on.append(f"j{k}.t >= j{k - 1}.t + {min(step.min_gap_ns, CAP_NS)}")
        # Only step-k rows can be the step-k event: a small build side for the join.
        joins.append(f"LEFT JOIN (SELECT * FROM nx WHERE m{k}) j{k} ON {' AND '.join(on)}")
    n = defn.n_steps
    level = " ".join(f"WHEN j{k}.q IS NOT NULL THEN {k}" for k in range(n, 1, -1))
    level = f"CASE {level} ELSE 1 END" if n > 1 else "1"
    select = [*(f"j1.{c} AS {c}" for c in plan.key), "j1.q AS q1", f"{level} AS lvl"]
    select += [f"j{k}.t AS t{k}" for k in _steps(defn)]
    select.append(f"{_void_ordered(plan)} AS void")
    select += [f"j{k}.p{i} AS p{i}_{k}" for k in _steps(defn) for i in range(len(plan.props))]
    select += _micro_columns(plan, ordered=True)
    select += reasons_sql.attempt_columns(plan)
    where = entry_condition(plan, "j1")
    return f"SELECT {', '.join(select)} FROM nx j1 {' '.join(joins)} WHERE {where}"


def _void_ordered(plan: Plan) -> str:
    """§4: an exclusion after the step-a event and before the step-b event, or, with b
    never reached, no later than the window's end."""
    parts = []
    for j, x in enumerate(plan.definition.exclusions, 1):
        a, b = x.between
        until = f"CASE WHEN j{b}.q IS NOT NULL THEN j{a}.xq{j} < j{b}.q"
        until += f" ELSE j{a}.xt{j} <= j1.t + {plan.window} END"
        parts.append(f"COALESCE(j{a}.q IS NOT NULL AND j{a}.xq{j} IS NOT NULL AND {until}, FALSE)")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _micro_columns(plan: Plan, ordered: bool) -> list[str]:
    """§9: whether the reported attempt did micro conversion i (at or after the entry,
    before the macro step's event or by the window's end), and when."""
    out = []
    m = macro_step(plan.definition)
    e = "j1." if ordered else ""
    for i, _, _ in plan.micro():
        in_window = f"{e}ct{i} <= {e}t + {plan.window}"
        if ordered:
            in_time = f"CASE WHEN j{m}.q IS NOT NULL THEN j1.cq{i} < j{m}.q ELSE {in_window} END"
        else:
            in_time = in_window
        out.append(f"COALESCE({e}cq{i} IS NOT NULL AND {in_time}, FALSE) AS mm{i}")
        out.append(f"{e}ct{i} - {e}t AS mt{i}")
    return out


def any_order_attempts(plan: Plan) -> str:
    """§3.3: every event matching a step is an entry e; its level is the number of steps
    with a match from e on within the window; an exclusion in that window voids it."""
    defn, w = plan.definition, plan.window
    done = " + ".join(
        f"CASE WHEN f{k} IS NOT NULL AND f{k} <= t + {w} THEN 1 ELSE 0 END" for k in _steps(defn)
    )
    void = f"COALESCE(xt IS NOT NULL AND xt <= t + {w}, FALSE)" if defn.exclusions else "FALSE"
    select = [*plan.key, "q AS q1", f"({done}) AS lvl", "t AS t1"]
    select += [f"CAST(NULL AS BIGINT) AS t{k}" for k in _steps(defn)[1:]]
    select.append(f"{void} AS void")
    select += [f"p{i} AS p{i}_1" for i in range(len(plan.props))]
    select += _micro_columns(plan, ordered=False)
    return f"SELECT {', '.join(select)} FROM nx j1 WHERE {entry_condition(plan, 'j1')}"
