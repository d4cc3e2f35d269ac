"""A strict funnel with nobody at a step says which event came in between (§3.2, §14)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, note

from funnel_gui.core.definition.model import FunnelDefinition
from funnel_gui.core.engine.compute import compute, compute_with_rows
from funnel_gui.core.engine.interruptions import interrupting_events, interruption_note
from tests.core.engine_fixtures import definition, make_table
from tests.core.test_engine_vs_reference import Log, _describe, _props
from tests.core.test_paths_reasons_vs_reference import SETTINGS, ordered_scenarios
from tests.reference_paths import reference_interrupting_events

# Minutes; the 1 h window has closed for everyone by u9's event two days later (§7: no
# one is still open, so every stop before purchase is `interrupted`, §14.2).
#   u1: view 0, cart 1, begin_checkout 2, purchase 3   -> cart; begin_checkout between
#   u2: view 0, cart 1, begin_checkout 5, purchase 6   -> cart; begin_checkout between
#   u3: view 0, scroll 1, cart 2                       -> view; scroll between
#   u4: view 0, cart 1, page_view 2, purchase 3        -> cart; page_view between
# Strict: view 4, cart 3 (u1, u2, u4), purchase 0; before purchase: begin_checkout 2 of
# 3, page_view 1.
ROWS = [
    ("u1", "view", 0),
    ("u1", "cart", 1),
    ("u1", "begin_checkout", 2),
    ("u1", "purchase", 3),
    ("u2", "view", 0),
    ("u2", "cart", 1),
    ("u2", "begin_checkout", 5),
    ("u2", "purchase", 6),
    ("u3", "view", 0),
    ("u3", "scroll", 1),
    ("u3", "cart", 2),
    ("u4", "view", 0),
    ("u4", "cart", 1),
    ("u4", "page_view", 2),
    ("u4", "purchase", 3),
    ("u9", "page_view", 2880),
]


def _strict(tmp_path: Path, rows: list[tuple[str, str, int]]):  # type: ignore[no-untyped-def]
    table = make_table(rows, tmp_path)
    return table, definition("view", "cart", "purchase", order="strict", window=60)


def test_the_most_common_interrupting_event_is_named(tmp_path: Path) -> None:
    table, defn = _strict(tmp_path, ROWS)
    computed = compute_with_rows(table, defn)
    result = computed.result
    assert [s.count for s in result.steps] == [4, 3, 0]
    events = interrupting_events(result, computed.rows, computed.reported, 3)
    assert events == [("begin_checkout", 2), ("page_view", 1)]
    assert interrupting_events(result, computed.rows, computed.reported, 2) == [("scroll", 1)]
    assert (
        "Nobody reached step 3 (purchase): in a strict funnel it must be the very next event; "
        "begin_checkout most often comes in between (2 of 3)." in result.warnings
    )


def test_always_when_every_one_was_interrupted_by_it(tmp_path: Path) -> None:
    rows = [r for r in ROWS if r[0] != "u4"]
    table, defn = _strict(tmp_path, rows)
    result = compute(table, defn)
    assert [s.count for s in result.steps] == [3, 2, 0]
    assert any(w.endswith("and begin_checkout always comes in between.") for w in result.warnings)


def test_no_note_when_someone_got_through_or_the_order_is_not_strict(tmp_path: Path) -> None:
    table, defn = _strict(
        tmp_path, [*ROWS, ("u5", "view", 0), ("u5", "cart", 1), ("u5", "purchase", 2)]
    )
    assert not any("comes in between" in w for w in compute(table, defn).warnings)
    sequential = definition("view", "cart", "purchase", window=60)
    assert not any("comes in between" in w for w in compute(table, sequential).warnings)


def test_interruption_note_words() -> None:
    assert interruption_note(3, "Buy", [], 4) is None
    assert interruption_note(3, "Buy", [("x", 4)], 4) == (
        "Nobody reached step 3 (Buy): in a strict funnel it must be the very next event, "
        "and x always comes in between."
    )


@SETTINGS
@given(scenario=ordered_scenarios())
def test_interrupting_events_match_reference(
    tmp_path: Path, scenario: tuple[Log, FunnelDefinition]
) -> None:
    log, defn = scenario
    defn = replace(defn, order="strict")
    note(_describe(log, defn))
    table = make_table(log.rows, tmp_path, session=log.has_session, props=_props(log))
    computed = compute_with_rows(table, defn)
    for k in range(2, defn.n_steps + 1):
        got = interrupting_events(computed.result, computed.rows, computed.reported, k)
        assert got == reference_interrupting_events(table, defn, k)
