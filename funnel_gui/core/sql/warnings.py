"""What the user should know about a definition on a SQL table: the in-memory engine's
warnings (unknown events, properties the table lacks, rows without a session), with the
same words, from the columns and the aggregate rows."""

from __future__ import annotations

from funnel_gui.core.sql.plan import Plan
from funnel_gui.core.sql.result_build import Aggregates


def _role_hint(plan: Plan, name: str) -> str:
    cols = plan.columns
    for role, column in (
        ("actor", cols.actor),
        ("event", cols.event),
        ("time", cols.time),
        ("session", cols.session),
    ):
        if name == column:
            return f" {name!r} is the file's {role} column, not a property."
    return ""


def property_names(plan: Plan) -> set[str]:
    cols = plan.columns
    roles = {cols.actor, cols.event, cols.time, cols.session, cols.order_key}
    return {n for n in plan.present if n not in roles}


def sql_warnings(plan: Plan, agg: Aggregates) -> list[str]:
    defn = plan.definition
    seen = {r[3] for r in agg.get("event")}
    step_names = dict.fromkeys(n for s in defn.steps for n in s.events)
    unknown_steps = [n for n in step_names if n not in seen]
    out = [
        f"No event named {name!r} in the data: steps using only it count 0."
        for name in unknown_steps
    ]
    others = dict.fromkeys(n for x in defn.exclusions for n in x.events)
    others.update(dict.fromkeys(n for m in defn.micro_conversions for n in m.events))
    out += [
        f"No event named {name!r} in the data (exclusion or micro conversion)."
        for name in others
        if name not in seen and name not in unknown_steps
    ]
    props = property_names(plan)
    for name in defn.breakdown.names() if defn.breakdown is not None else ():
        if name not in props:
            out.append(
                f"No property {name!r} in the data: every group is (none)." + _role_hint(plan, name)
            )
    out += _missing_filter_properties(plan, props)
    out += [
        f"No property {name!r} in the data: holding it constant leaves no attempt."
        + _role_hint(plan, name)
        for name in defn.hold
        if name not in props
    ]
    out += _session_warnings(plan, agg)
    return out


def _missing_filter_properties(plan: Plan, props: set[str]) -> list[str]:
    defn = plan.definition
    where: dict[str, list[str]] = {}
    named = [(s.display_label, s.where) for s in defn.steps]
    named += [(f"exclusion {i}", x.where) for i, x in enumerate(defn.exclusions, 1)]
    named += [(m.display_label, m.where) for m in defn.micro_conversions]
    named.append(("the funnel's filters", defn.filters))
    for label, filters in named:
        for flt in filters:
            if flt.property not in props:
                where.setdefault(flt.property, []).append(label)
    return [
        f"No property {name!r} in the data, so the filters on it treat every event as "
        f"missing it (in {', '.join(dict.fromkeys(labels))})." + _role_hint(plan, name)
        for name, labels in where.items()
    ]


def _session_warnings(plan: Plan, agg: Aggregates) -> list[str]:
    if plan.definition.unit != "session":
        return []
    last = agg.get("last")
    rows = int(last[0][6]) if last else 0
    loose_rows = agg.get("loose")
    loose = int(loose_rows[0][6]) if loose_rows else 0
    session = plan.columns.session
    if session is None or session not in plan.present or loose == rows:
        return [
            "The data has no sessions, so a session funnel counts nothing. Map a "
            "session column when opening the file, or count people instead."
        ]
    if not loose:
        return []
    share = f"{loose / rows:.1%}"
    if loose == 1:
        return [f"1 event ({share}) has no session and is left out."]
    return [f"{loose:,} events ({share}) have no session and are left out."]
