"""The §15 controls: the step inspector's "Optional step" box, the settings' "Open funnel"
box (each one undoable edit, disabled with the reason as tooltip where §15 does not
allow it), and the funnel chart's "skipped N" / "in N · out N" under the steps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from funnel_gui.core.editing.commands import SetFunnelSettings, SetOpenFunnel, SetStepOptional
from funnel_gui.core.engine.compute import compute
from funnel_gui.qt.charts.funnel_chart import FunnelView
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.open_funnel_box import OPEN_TIP, OpenFunnelBox
from funnel_gui.qt.widgets.settings_bar import FunnelSettingsBar
from funnel_gui.qt.widgets.step_inspector import OPTIONAL_TIP, StepInspector
from tests.core.engine_fixtures import definition, make_table
from tests.qt.charts.common import show_result


@pytest.fixture
def session(qtbot: QtBot) -> Iterator[AppSession]:
    app_session = AppSession(debounce_ms=0)
    for name in ("view", "cart", "buy"):
        app_session.append_events([name])
    yield app_session
    app_session.shutdown()


@pytest.fixture
def inspector(qtbot: QtBot, session: AppSession) -> StepInspector:
    panel = StepInspector(session)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_optional_box_is_one_undoable_edit(
    qtbot: QtBot, inspector: StepInspector, session: AppSession
) -> None:
    inspector.set_step(1)
    box = inspector.optional_box
    assert box.isEnabled()
    assert not box.isChecked()
    assert box.toolTip() == OPTIONAL_TIP
    box.click()  # as a person's click: toggled, then the edit
    assert session.definition.steps[1].optional
    assert session.undo_stack.undoText() == 'Make step "cart" optional'
    session.undo_stack.undo()
    assert not session.definition.steps[1].optional
    assert not box.isChecked()  # the box follows the document
    session.undo_stack.redo()
    assert box.isChecked()


@pytest.mark.parametrize(("row", "reason"), [(0, "Step 1 cannot"), (2, "The last step cannot")])
def test_optional_box_disabled_for_first_and_last_step(
    inspector: StepInspector, row: int, reason: str
) -> None:
    inspector.set_step(row)
    assert not inspector.optional_box.isEnabled()
    assert inspector.optional_box.toolTip().startswith(reason)


def test_optional_box_disabled_in_any_order_but_can_be_cleared(
    inspector: StepInspector, session: AppSession
) -> None:
    inspector.set_step(1)
    session.edit(SetFunnelSettings(order="any"))
    assert not inspector.optional_box.isEnabled()
    assert 'not in order "any"' in inspector.optional_box.toolTip()
    # An optional step left so by a later edit stays clickable, to be made required.
    session.edit(SetFunnelSettings(order="sequential"))
    session.edit(SetStepOptional(1, True))
    session.edit(SetFunnelSettings(order="any"))
    assert inspector.optional_box.isEnabled()
    assert inspector.optional_box.isChecked()
    inspector.optional_box.click()
    assert not session.definition.steps[1].optional


def test_open_funnel_box_in_the_settings(qtbot: QtBot, session: AppSession) -> None:
    bar = FunnelSettingsBar(session)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    (box,) = bar.findChildren(OpenFunnelBox)
    assert box.isVisible()
    assert box.isEnabled()
    assert box.toolTip() == OPEN_TIP
    box.click()  # as a person's click: toggled, then the edit
    assert session.definition.open
    assert session.undo_stack.undoText() == "Open the funnel"
    session.undo_stack.undo()
    assert not session.definition.open
    assert not box.isChecked()
    session.edit(SetFunnelSettings(order="strict"))
    assert not box.isEnabled()
    assert "sequential order only" in box.toolTip()
    # A refused edit (here pushed directly) changes nothing and the box shows the funnel.
    assert not session.edit(SetOpenFunnel(True))
    assert not box.isChecked()


def test_chart_shows_skipped_and_entered_exited(qtbot: QtBot, tmp_path: Path) -> None:
    # u1 view -> buy (skips cart); u2 view -> cart -> buy; u3 enters at cart (open only).
    rows = [
        ("u1", "view", 0),
        ("u1", "buy", 1),
        ("u2", "view", 0),
        ("u2", "cart", 1),
        ("u2", "buy", 2),
        ("u3", "cart", 0),
    ]
    table = make_table(rows, tmp_path)
    base = definition("view", "cart", "buy")
    optional_cart = replace(base.steps[1], optional=True)
    view = FunnelView()
    qtbot.addWidget(view)
    view.resize(900, 640)
    view.show()
    qtbot.waitExposed(view)
    show_result(
        view, compute(table, replace(base, steps=(base.steps[0], optional_cart, base.steps[2])))
    )
    labels = [label for _, label in view.plot.getAxis("bottom")._tickLevels[0]]
    assert labels == ["1. view", "2. cart\nskipped 1", "3. buy"]
    show_result(view, compute(table, replace(base, open=True)))
    labels = [label for _, label in view.plot.getAxis("bottom")._tickLevels[0]]
    # u1's view leads nowhere, its buy starts an attempt at step 3 that ends higher: u1
    # enters at buy. u2 enters at view and goes through; u3 enters at cart and stops.
    assert labels == [
        "1. view\nin 1 · out 0",
        "2. cart\nin 1 · out 1",
        "3. buy\nin 1 · out 2",
    ]
