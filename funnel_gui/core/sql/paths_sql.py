"""Paths (FUNNEL_SEMANTICS §13) as SQL: the compiler's funnel CTEs, then each unit's path
as L event columns, counted with GROUP BY. Only the paths that can make the top N (and
each group's totals) come back.

The unit's rows are numbered in §1 order (`r`); a run of one event name gets one number
(`g`, a running count of name changes), so a range's collapsed sequence is a span of run
numbers and its L events nearest the anchor are the runs g_anchor, g_anchor ∓ 1, …: one
`MAX(CASE WHEN g = … THEN e END)` each, no string aggregation (which no two engines
spell alike). With repeats kept, g is the row number itself.

The reported attempt's events are found from its step times: the entry is the row the
compiler numbered `q1`; the step-j event is the first row after the step-(j−1) event that
matches step j at time t_j (the first match after it at or past `min_gap` has that time,
so no earlier match at that time can exist after it).
"""

from __future__ import annotations

from funnel_gui.core.engine.micro_macro import macro_step
from funnel_gui.core.sql.plan import CAP_NS, Plan, prop_alias
from funnel_gui.core.sql.predicates import literal, matcher_sql
from funnel_gui.core.sql.reported_sql import funnel_ctes, with_clause

GROUP_COLUMN = "grp"


def event_columns(length: int) -> list[str]:
    """The path's event columns, nearest the anchor first."""
    return [f"e{j}" for j in range(length)]


def paths_statement(
    plan: Plan, step: int | None, length: int, top: int, keep_repeats: bool, lookback: int
) -> str:
    """One statement in DuckDB's dialect: rows (grp, e0..e{L-1}, units, hits, total) where
    total = 0 rows are the paths whose units reach the group's N-th largest path (ties
    included, so the ranking here is exact) and total = 1 rows are each group's units and
    converted units (the e columns NULL)."""
    ctes = funnel_ctes(plan)
    ctes += _row_ctes(plan, step, keep_repeats)
    ctes.append(("pu", _units(plan, step)))
    ctes += _position_ctes(plan, step)
    ctes.append(("pan", _anchors(plan, step)))
    groups = ["all"] if step is None else ["converted", "dropped"]
    per_unit = [_group_paths(plan, g, step, length, lookback) for g in groups]
    ctes.append(("pp", "\nUNION ALL\n".join(per_unit)))
    cols = event_columns(length)
    keys = ", ".join([GROUP_COLUMN, *cols])
    ctes.append(
        ("pa", f"SELECT {keys}, COUNT(*) AS units, SUM(cv) AS hits FROM pp GROUP BY {keys}")
    )
    rank = f"ROW_NUMBER() OVER (PARTITION BY {GROUP_COLUMN} ORDER BY units DESC) AS rn"
    ctes.append(("pk", f"SELECT *, {rank} FROM pa"))
    ctes.append(
        (
            "pt",
            f"SELECT {GROUP_COLUMN}, MIN(units) AS least FROM pk WHERE rn <= {int(top)} "
            f"GROUP BY {GROUP_COLUMN}",
        )
    )
    shown = ", ".join(f"pk.{c}" for c in cols)
    g = GROUP_COLUMN
    body = (
        f"SELECT pk.{g} AS {g}, {shown}, CAST(pk.units AS BIGINT) AS units, "
        f"CAST(pk.hits AS BIGINT) AS hits, 0 AS total FROM pk JOIN pt ON pk.{g} = pt.{g} "
        "WHERE pk.units >= pt.least"
    )
    nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in cols)
    totals = (
        f"SELECT {GROUP_COLUMN}, {nulls}, CAST(SUM(units) AS BIGINT) AS units, "
        f"CAST(SUM(hits) AS BIGINT) AS hits, 1 AS total "
        f"FROM pa GROUP BY {GROUP_COLUMN}"
    )
    return with_clause(ctes) + f"\n{body}\nUNION ALL\n{totals}"


def _key(plan: Plan) -> str:
    return ", ".join(plan.key)


def _keys_of(plan: Plan, alias: str) -> str:
    """The unit key columns of `alias`, named plainly (ClickHouse would keep the prefix)."""
    return ", ".join(f"{alias}.{c} AS {c}" for c in plan.key)


def _group_keys(plan: Plan, alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in plan.key)


def _on(plan: Plan, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in plan.key)


def _row_ctes(plan: Plan, step: int | None, keep_repeats: bool) -> list[tuple[str, str]]:
    """`pr`: the unit's rows in §1 order (r), with the step flags the anchors need and
    the run number g."""
    defn = plan.definition
    prop = prop_alias(plan)
    wanted = [] if step is None else list(range(2, step + 2))
    flags = [f"{matcher_sql(defn.steps[k - 1].matcher, 'e', prop)} AS m{k}" for k in wanted]
    # m0: the row can be an entry (step 1; any step in any order), so that without an
    # order column the entry is not taken for another row at its instant.
    entries = defn.steps if defn.order == "any" else defn.steps[:1]
    entry = " OR ".join(f"({matcher_sql(s.matcher, 'e', prop)})" for s in entries)
    flags.append(f"({entry}) AS m0")
    order = "t, o" if plan.columns.order_key else "t"
    key = _key(plan)
    session = " WHERE s IS NOT NULL" if defn.unit == "session" else ""
    number = f"ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {order}) AS r"
    select = ", ".join([key, "t", "o", "e", *flags, number])
    rows = f"SELECT {select} FROM clean{session}"
    if keep_repeats:
        return [("pr", f"SELECT *, r AS g FROM ({rows}) pr0")]
    change = f"CASE WHEN LAG(e) OVER (PARTITION BY {key} ORDER BY r) = e THEN 0 ELSE 1 END"
    runs = (
        f"SELECT *, SUM(chg) OVER (PARTITION BY {key} ORDER BY r "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS g FROM prc"
    )
    return [("prc", f"SELECT *, {change} AS chg FROM ({rows}) pr0"), ("pr", runs)]


def _units(plan: Plan, step: int | None) -> str:
    """`pu`: the counted units, their furthest step, whether they converted (§13: furthest
    ≥ M), the step times the anchors need and the entry row's (t, o): the rank-1 rows of
    the compiler's `rep` (what its `unit_out` is made of), their entry `q1` looked up in
    `nx`."""
    m = macro_step(plan.definition)
    times = [f"re.t{k} AS t{k}" for k in range(2, (step or 0) + 2)]
    select = [_keys_of(plan, "re"), "re.f AS f", f"CASE WHEN re.f >= {m} THEN 1 ELSE 0 END AS cv"]
    select += ["nx.t AS t1", "nx.o AS o1", *times]
    return (
        f"SELECT {', '.join(select)} FROM rep re "
        f"JOIN nx ON {_on(plan, 'nx', 're')} AND nx.q = re.q1 WHERE re.rk = 1 AND re.f > 0"
    )


def _position_ctes(plan: Plan, step: int | None) -> list[tuple[str, str]]:
    """`pq1`, `pq2`, …: the row number of the reported attempt's step-j event, for the
    units that reached step j (the step-j event: the first step-j match after the
    step-(j−1) event at time t_j)."""
    cols, by = _keys_of(plan, "pu"), _group_keys(plan, "pu")
    first = (
        f"SELECT {cols}, MIN(pr.r) AS p FROM pu JOIN pr "
        f"ON {_on(plan, 'pr', 'pu')} AND pr.t = pu.t1 AND pr.o = pu.o1 WHERE pr.m0 "
        f"GROUP BY {by}"
    )
    out = [("pq1", first)]
    for j in range(2, (step or 0) + 2):
        sql = (
            f"SELECT {cols}, MIN(pr.r) AS p FROM pu "
            f"JOIN pq{j - 1} b ON {_on(plan, 'b', 'pu')} "
            f"JOIN pr ON {_on(plan, 'pr', 'pu')} AND pr.t = pu.t{j} "
            f"WHERE pu.t{j} IS NOT NULL AND pr.m{j} AND pr.r > b.p GROUP BY {by}"
        )
        out.append((f"pq{j}", sql))
    return out


def _anchors(plan: Plan, step: int | None) -> str:
    """`pan`: per counted unit, its entry row p1 and, between steps, the step-k and
    step-(k+1) rows pk and pn (NULL when not reached)."""
    times = [f"pu.t{k} AS t{k}" for k in range(2, (step or 0) + 2)]
    select = [_keys_of(plan, "pu"), "pu.f AS f", "pu.cv AS cv", "pu.t1 AS t1", *times]
    select.append("pq1.p AS p1")
    joins = [f"JOIN pq1 ON {_on(plan, 'pq1', 'pu')}"]
    if step is not None:
        for name, j in (("pk", step), ("pn", step + 1)):
            select.append(f"q{name}.p AS {name}")
            joins.append(f"LEFT JOIN pq{j} q{name} ON {_on(plan, 'q' + name, 'pu')}")
    return f"SELECT {', '.join(select)} FROM pu {' '.join(joins)}"


def _group_paths(plan: Plan, group: str, step: int | None, length: int, lookback: int) -> str:
    """One row per unit of `group`: grp, its path's events e0.. (nearest the anchor first,
    NULL past the end) and cv."""
    if group == "all":
        members = "TRUE"
        start = "pan.p1 - 1"  # the anchor: the last row before the entry
        inside = f"pr.r < pan.p1 AND pr.t >= pan.t1 - {min(lookback, CAP_NS)}"
        sign = -1
    else:
        assert step is not None
        sign = 1
        start = "pan.pk + 1"  # the anchor: the first row after the step-k event
        if group == "converted":
            members = f"pan.f > {step}"
            inside = "pr.r > pan.pk AND pr.r < pan.pn"
        else:
            members = f"pan.f = {step}"
            inside = f"pr.r > pan.pk AND pr.t <= pan.t1 + {plan.window}"
    # The anchor row's run, when the anchor row is in the range (else the range is empty).
    anchor = (
        f"SELECT {_keys_of(plan, 'pan')}, pr.g AS ga FROM pan "
        f"JOIN pr ON {_on(plan, 'pr', 'pan')} AND pr.r = {start} WHERE {members} AND {inside}"
    )
    near = "pr.g - an.ga" if sign > 0 else "an.ga - pr.g"
    events = ", ".join(f"MAX(CASE WHEN {near} = {j} THEN pr.e END) AS e{j}" for j in range(length))
    found = (
        f"SELECT {_keys_of(plan, 'pan')}, {events} FROM pan "
        f"JOIN ({anchor}) an ON {_on(plan, 'an', 'pan')} "
        f"JOIN pr ON {_on(plan, 'pr', 'pan')} "
        f"WHERE {inside} AND {near} >= 0 AND {near} < {length} "
        f"GROUP BY {_group_keys(plan, 'pan')}"
    )
    names = ", ".join(f"pf.e{j} AS e{j}" for j in range(length))
    return (
        f"SELECT {literal(group)} AS {GROUP_COLUMN}, {names}, pan.cv AS cv FROM pan "
        f"LEFT JOIN ({found}) pf ON {_on(plan, 'pf', 'pan')} WHERE {members}"
    )
