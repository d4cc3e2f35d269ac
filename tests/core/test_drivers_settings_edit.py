"""SetDriversSettings: the Drivers settings saved in the funnel change through an undoable
command whose inverse restores them exactly, refuse impossible values, and are named for
the undo menu after what changed."""

from __future__ import annotations

import pytest

from funnel_gui.core.definition.file import definition_from_dict, definition_to_dict
from funnel_gui.core.definition.model import DriversSettings, FunnelDefinition, Step
from funnel_gui.core.editing.commands import EditError, FunnelDocument, SetDriversSettings

HOUR = 3_600 * 10**9
DAY = 24 * HOUR


def funnel() -> FunnelDefinition:
    return FunnelDefinition(steps=(Step(("view",)), Step(("buy",), kind="macro")))


def test_apply_and_inverse_restore_the_settings_exactly() -> None:
    doc = FunnelDocument(funnel())
    before = doc.definition
    wanted = DriversSettings(landmark_ns=3 * DAY, lookback_ns=HOUR, adjust_for=("source",))
    undo = doc.execute(SetDriversSettings(wanted))
    assert doc.definition.drivers == wanted
    assert doc.definition.steps == before.steps  # nothing else moved
    doc.execute(undo)
    assert doc.definition == before


def test_the_settings_survive_a_save_and_load() -> None:
    wanted = DriversSettings(landmark_ns=2 * HOUR, lookback_ns=0, adjust_for=("device", "source"))
    defn = SetDriversSettings(wanted).apply(funnel())
    assert definition_from_dict(definition_to_dict(defn)).definition.drivers == wanted


@pytest.mark.parametrize(
    "settings",
    [
        DriversSettings(landmark_ns=0),
        DriversSettings(lookback_ns=-1),
        DriversSettings(adjust_for=("source", "source")),
    ],
)
def test_impossible_settings_are_refused(settings: DriversSettings) -> None:
    with pytest.raises(EditError):
        SetDriversSettings(settings).apply(funnel())


def test_undo_names_say_what_changed() -> None:
    before = funnel()
    adjust = SetDriversSettings(DriversSettings(adjust_for=("source",)))
    assert adjust.text(before) == 'Drivers: adjust for "source"'
    assert SetDriversSettings(DriversSettings()).text(before) == "Drivers: adjust for nothing"
    landmark = SetDriversSettings(DriversSettings(landmark_ns=3 * DAY))
    assert landmark.text(before) == "Drivers: landmark 3d"
    lookback = SetDriversSettings(DriversSettings(lookback_ns=HOUR))
    assert lookback.text(before) == "Drivers: lookback 1h"
