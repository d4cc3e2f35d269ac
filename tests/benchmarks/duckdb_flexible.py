"""Hand-written DuckDB SQL peers for the engine benchmark's optional-step and open
funnels (FUNNEL_SEMANTICS §15), on the prepared table `evp` of `bench_engine`
(integer actor `uid`, event `event_name`, time `ts` in integer microseconds and `seq`,
a key ordering all rows by actor, time and file row).

The project's SQL compiler (core/sql) does not compile §15 yet; these two queries are
written out by hand for the benchmark's funnel shape only (each step one event name, no
filters, gaps or exclusions), to time the same numbers in DuckDB. Like the sequential
peer they chain steps with ASOF joins: "the first later row of the same actor matching
the step" is one ASOF LEFT JOIN on (actor, key >), and a step reached past the attempt's
window is cut to NULL, so nothing later is matched either.
"""

from __future__ import annotations

from collections.abc import Sequence


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _events_cte(steps: Sequence[str]) -> str:
    names = ", ".join(_text(s) for s in dict.fromkeys(steps))
    return (
        "e AS (SELECT uid AS a, event_name AS ev, ts, seq AS k "
        f"FROM evp WHERE event_name IN ({names}))"
    )


def _step_cte(name: str, event: str) -> str:
    return f"{name} AS (SELECT a, k, ts FROM e WHERE ev = {_text(event)})"


def _next(prev: str, cte: str, key: str, new: str, window_us: int, carried: str) -> str:
    """Attempts of `prev` extended by the first row of `cte` after their `key`, kept as
    `new` only when inside the window from the attempt's entry time `t0`."""
    return (
        f"SELECT p.a, p.t0, {carried}, "
        f"CASE WHEN s.ts <= p.t0 + {window_us} THEN s.k END AS {new} "
        f"FROM {prev} p ASOF LEFT JOIN {cte} s ON p.a = s.a AND p.{key} < s.k"
    )


def optional_step_sql(steps: Sequence[str], optional: int, window_us: int) -> str:
    """Step counts of a closed sequential funnel whose step `optional` (0-based; not the
    first nor the last) is optional (§15).

    Steps before it chain as usual. From the step before it, the next event is the first
    later row matching the optional step or the step after it (the first required
    step): the optional one is matched, or jumped over. A required step counts the
    actors whose best attempt got at least that far; the optional step counts the
    actors whose reported attempt (highest level, then the earliest entry: §3.4)
    matched it. One row: the count of each step.
    """
    if not 0 < optional < len(steps) - 1:
        raise ValueError("the optional step must be neither the first nor the last")
    n = len(steps)
    ctes = [
        _events_cte(steps),
        f"j1 AS (SELECT a, k AS k1, ts AS t0 FROM e WHERE ev = {_text(steps[0])})",
    ]
    for i in range(2, optional + 1):  # required steps up to the one before the optional
        carried = ", ".join(f"p.k{j}" for j in range(1, i))
        ctes.append(_step_cte(f"e{i}", steps[i - 1]))
        ctes.append(
            f"j{i} AS ({_next(f'j{i - 1}', f'e{i}', f'k{i - 1}', f'k{i}', window_us, carried)})"
        )
    o, r = optional + 1, optional + 2  # 1-based: the optional step and the one after it
    before = ", ".join(f"p.k{j}" for j in range(1, o))
    # The first later row of either candidate step (the lowest step would win on one
    # row; here they are different event names).
    ctes.append(
        f"c AS (SELECT a, k, ts, ev FROM e WHERE ev IN ({_text(steps[optional])}, "
        f"{_text(steps[optional + 1])}))"
    )
    ctes.append(
        f"jc AS (SELECT p.a, p.t0, {before}, "
        f"CASE WHEN s.ts <= p.t0 + {window_us} THEN s.k END AS kc, "
        f"CASE WHEN s.ts <= p.t0 + {window_us} THEN s.ev END AS evc "
        f"FROM j{o - 1} p ASOF LEFT JOIN c s ON p.a = s.a AND p.k{o - 1} < s.k)"
    )
    ctes.append(
        f"j{o} AS (SELECT a, t0, {', '.join(f'k{j}' for j in range(1, o))}, "
        f"CASE WHEN evc = {_text(steps[optional])} THEN kc END AS k{o}, "
        f"CASE WHEN evc = {_text(steps[optional + 1])} THEN kc END AS jumped FROM jc)"
    )
    # After the optional step matched: its next required step, searched as usual.
    ctes.append(_step_cte(f"e{r}", steps[optional + 1]))
    carried = ", ".join(f"p.k{j}" for j in range(1, o + 1))
    ctes.append(
        f"j{r} AS (SELECT p.a, p.t0, {carried}, "
        f"coalesce(p.jumped, CASE WHEN s.ts <= p.t0 + {window_us} THEN s.k END) AS k{r} "
        f"FROM j{o} p ASOF LEFT JOIN e{r} s ON p.a = s.a AND p.k{o} < s.k)"
    )
    for i in range(r + 1, n + 1):  # any required steps after
        carried = ", ".join(f"p.k{j}" for j in range(1, i))
        ctes.append(_step_cte(f"e{i}", steps[i - 1]))
        ctes.append(
            f"j{i} AS ({_next(f'j{i - 1}', f'e{i}', f'k{i - 1}', f'k{i}', window_us, carried)})"
        )
    # An attempt's level: the last step it matched (the optional one may be skipped).
    level = "CASE " + " ".join(f"WHEN k{i} IS NOT NULL THEN {i}" for i in range(n, 0, -1))
    level += " END"
    ctes.append(f"lv AS (SELECT a, k1, k{o}, {level} AS lvl FROM j{n})")
    # Per actor its furthest level, and whether its reported attempt matched the
    # optional step: the highest level, then the earliest entry (k1 < 2^40).
    ctes.append(
        "u AS (SELECT a, max(lvl) AS lvl, "
        f"arg_max(k{o} IS NOT NULL, lvl::BIGINT * 1099511627776 - k1) AS matched "
        "FROM lv GROUP BY a)"
    )
    counts = [
        "count(*) FILTER (WHERE matched)" if i == o else f"count(*) FILTER (WHERE lvl >= {i})"
        for i in range(1, n + 1)
    ]
    return "WITH " + ",\n".join(ctes) + f"\nSELECT {', '.join(counts)} FROM u"


def open_funnel_sql(steps: Sequence[str], window_us: int) -> str:
    """Step counts of an open sequential funnel (§15): every row matching step s starts
    an attempt at s, which chains steps s + 1, s + 2, ... as usual with the window from
    its own entry row. An actor's furthest step is the highest last step of its
    attempts (§15's ties, by start step and entry, choose among attempts with that same
    last step, so they change no count); step k counts the actors at least that far.
    """
    n = len(steps)
    ctes = [_events_cte(steps)]
    ctes += [_step_cte(f"e{i}", steps[i - 1]) for i in range(1, n + 1)]
    lasts = []
    for s in range(1, n + 1):  # 1-based start step
        ctes.append(f"s{s}_{s} AS (SELECT a, k AS k{s}, ts AS t0 FROM e{s})")
        for i in range(s + 1, n + 1):
            carried = ", ".join(f"p.k{j}" for j in range(s, i))
            step = _next(f"s{s}_{i - 1}", f"e{i}", f"k{i - 1}", f"k{i}", window_us, carried)
            ctes.append(f"s{s}_{i} AS ({step})")
        # Its last step: the start plus each later step matched (a missed step leaves
        # every later one NULL).
        reached = " + ".join(
            [str(s), *(f"(k{i} IS NOT NULL)::INTEGER" for i in range(s + 1, n + 1))]
        )
        lasts.append(f"SELECT a, {reached} AS lvl FROM s{s}_{n}")
    ctes.append("att AS (" + " UNION ALL ".join(lasts) + ")")
    ctes.append("u AS (SELECT a, max(lvl) AS lvl FROM att GROUP BY a)")
    counts = ", ".join(f"count(*) FILTER (WHERE lvl >= {i})" for i in range(1, n + 1))
    return "WITH " + ",\n".join(ctes) + f"\nSELECT {counts} FROM u"
