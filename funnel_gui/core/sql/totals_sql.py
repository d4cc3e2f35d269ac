"""§16 in SQL: counting attempts (`"count": "totals"`).

Attempts are taken in time order; one counts when its step-1 event comes after the end of
the unit's last counted attempt: its last-step event (later in §1 order) when it reached
the last step, else strictly after its window's end instant. Void attempts neither count
nor block.

Each non-void attempt's successor (the first attempt to count after it) comes from one
window pass: its end is a *mark* sorted among the attempts' entries by (time, row,
entries before marks), and the successor is the first entry following the mark (a
complete attempt's mark is its last-step event: an entry on that very row does not
follow it; an incomplete one's is its window's end instant after every row of that
instant). The counted attempts are then the chain from each unit's first non-void
attempt: a recursive common table expression (standard SQL; DuckDB, PostgreSQL,
ClickHouse, BigQuery and Snowflake run it). Each counted attempt is a row of `unit_out`
with its number within the unit (`attempt`, 0, 1, ...); a unit whose attempts are all
void is one excluded row.
"""

from __future__ import annotations

from funnel_gui.core.sql.plan import Plan

# The recursive CTE's name: a WITH clause holding it is WITH RECURSIVE.
RECURSIVE = "chain"
# A row number after every real one (rows of a unit are numbered 1, 2, ...).
_AFTER_EVERY_ROW = 2**62


def counting_attempts(plan: Plan) -> bool:
    return plan.definition.count == "totals"


def last_row_column(plan: Plan) -> list[str]:
    """The attempt's last-step row number (an attempt column, counting attempts only)."""
    if not counting_attempts(plan):
        return []
    return [f"j{plan.definition.n_steps}.q AS qn"]


def chain_ctes(plan: Plan) -> list[tuple[str, str]]:
    """`live`, `marks`, `follow` and the recursive `chain` of counted attempts (key, q1,
    ord)."""
    key = ", ".join(plan.key)
    n, w = plan.definition.n_steps, plan.window
    # Row numbers as BIGINT: ClickHouse numbers rows UInt64, which has no common type
    # with the signed integers beside them in the unions.
    live = (
        f"SELECT {key}, CAST(q1 AS BIGINT) AS q1, t1, t{n} AS tn, CAST(qn AS BIGINT) AS qn, "
        f"lvl FROM att WHERE NOT void"
    )
    done = f"lvl = {n}"
    marks = (
        f"SELECT {key}, t1 AS mt, q1 AS mq, 0 AS mk, q1 AS eq, CAST(NULL AS BIGINT) AS src "
        f"FROM live UNION ALL "
        f"SELECT {key}, CASE WHEN {done} THEN tn ELSE t1 + {w} END AS mt, "
        f"CASE WHEN {done} THEN qn ELSE CAST({_AFTER_EVERY_ROW} AS BIGINT) END AS mq, 1 AS mk, "
        f"CAST(NULL AS BIGINT) AS eq, q1 AS src FROM live"
    )
    over = (
        f"OVER (PARTITION BY {key} ORDER BY mt, mq, mk "
        f"ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
    )
    follow = f"SELECT {key}, mk, src, MIN(eq) {over} AS nq FROM marks"
    on = " AND ".join([*(f"f.{c} = c.{c}" for c in plan.key), "f.src = c.q1", "f.mk = 1"])
    chain = (
        f"SELECT {key}, MIN(q1) AS q1, CAST(0 AS BIGINT) AS ord FROM live GROUP BY {key} "
        f"UNION ALL "
        f"SELECT {', '.join(f'c.{c}' for c in plan.key)}, f.nq AS q1, c.ord + 1 AS ord "
        f"FROM {RECURSIVE} c JOIN follow f ON {on} WHERE f.nq IS NOT NULL"
    )
    return [("live", live), ("marks", marks), ("follow", follow), (RECURSIVE, chain)]


def counted_rows(plan: Plan, ranked: str) -> str:
    """`ranked` (every attempt with f and rk) with each counted attempt's number."""
    on = " AND ".join([*(f"c.{c} = r.{c}" for c in plan.key), "c.q1 = r.q1"])
    return f"SELECT r.*, c.ord AS attempt FROM ({ranked}) r LEFT JOIN {RECURSIVE} c ON {on}"


def kept(plan: Plan) -> str:
    """unit_out's rows: the counted attempts and, per unit all of whose attempts are
    void, its excluded row."""
    if not counting_attempts(plan):
        return "rk = 1"
    return "(attempt IS NOT NULL OR (rk = 1 AND f = 0))"
