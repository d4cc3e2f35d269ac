"""What the user should know about a definition on this data (never an error): events,
properties and sessions the funnel names but the data lacks."""

from __future__ import annotations

import numpy as np

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.matching import unknown_events
from funnel_gui.core.events import EventTable


def data_warnings(table: EventTable, defn: FunnelDefinition) -> list[str]:
    """What the user should know about this definition on this data (never an error)."""
    matchers = [s.matcher for s in defn.steps]
    out = [
        f"No event named {name!r} in the data: steps using only it count 0."
        for name in unknown_events(table, matchers)
    ]
    others = [x.matcher for x in defn.exclusions] + [m.matcher for m in defn.micro_conversions]
    out += [
        f"No event named {name!r} in the data (exclusion or micro conversion)."
        for name in unknown_events(table, others)
        if name not in unknown_events(table, matchers)
    ]
    for name in defn.breakdown.names() if defn.breakdown is not None else ():
        if name not in table.property_names:
            out.append(
                f"No property {name!r} in the data: every group is (none)."
                + _role_hint(table, name)
            )
    out += _missing_filter_properties(table, defn)
    out += [
        f"No property {name!r} in the data: holding it constant leaves no attempt."
        + _role_hint(table, name)
        for name in defn.hold
        if name not in table.property_names
    ]
    if defn.unit == "session" and defn.inactivity_ns is None:
        if table.session is None or not table.n_sessions:
            out.append(
                "The data has no sessions, so a session funnel counts nothing. Map a "
                "session column when opening the file, or count people instead."
            )
        else:
            loose = int(np.count_nonzero(table.session < 0))
            if loose:
                share = f"{loose / len(table.session):.1%}"
                out.append(
                    f"1 event ({share}) has no session and is left out."
                    if loose == 1
                    else f"{loose:,} events ({share}) have no session and are left out."
                )
    return out


def _missing_filter_properties(table: EventTable, defn: FunnelDefinition) -> list[str]:
    """`where` filters on properties the data lacks: every row is then 'missing', so a
    filter like eq/in/gt matches nothing, which would look like a real zero."""
    where: dict[str, list[str]] = {}
    named = [(s.display_label, s.where) for s in defn.steps]
    named += [(f"exclusion {i}", x.where) for i, x in enumerate(defn.exclusions, 1)]
    named += [(m.display_label, m.where) for m in defn.micro_conversions]
    named.append(("the funnel's filters", defn.filters))
    for label, filters in named:
        for flt in filters:
            if flt.property not in table.property_names:
                where.setdefault(flt.property, []).append(label)
    return [
        f"No property {name!r} in the data, so the filters on it treat every event as "
        f"missing it (in {', '.join(dict.fromkeys(labels))})." + _role_hint(table, name)
        for name, labels in where.items()
    ]


def _role_hint(table: EventTable, name: str) -> str:
    """Why a column the file has is no property: it was mapped to a role."""
    for role in ("actor", "event", "time", "session", "event_id"):
        if name in table.report.mapping.columns(role):
            return f" {name!r} is the file's {role.replace('_', ' ')} column, not a property."
    return ""
