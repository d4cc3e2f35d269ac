"""Editing a funnel: the FunnelDocument and the undoable commands that change it.

The document is the editor's single source of truth (DESIGN.md, napari's evented list);
Qt models only listen to its change events. Every edit is a command value with `apply`
and `inverse` (glue's command pattern), so undo is applying the inverse.

An empty funnel (0 steps) is allowed here, unlike in a saved file (§2 needs 1 to 20):
the editor starts empty and the user drops the first event into it; saving checks.

This module is the public face; the code lives in `base` (document, events, Command),
`step_list` (insert, remove, move, replace), `step` (one step's fields) and
`settings` (funnel-wide settings, exclusions, micro conversions).
"""

from __future__ import annotations

from funnel_gui.core.editing.base import (
    ChangeEvent,
    Command,
    EditError,
    FunnelDocument,
    Listener,
    Replaced,
    SettingsChanged,
    StepChanged,
    StepMoved,
    StepsInserted,
    StepsRemoved,
)
from funnel_gui.core.editing.counting import SetCounting, check_counting
from funnel_gui.core.editing.settings import (
    KEEP,
    SetDriversSettings,
    SetExclusions,
    SetFunnelSettings,
    SetMicroConversions,
)
from funnel_gui.core.editing.shape import SetOpenFunnel, SetStepOptional
from funnel_gui.core.editing.step import (
    AddStepEvent,
    RemoveStepEvent,
    RenameStep,
    SetStepFilters,
    SetStepGaps,
    SetStepKind,
)
from funnel_gui.core.editing.step_list import (
    InsertStep,
    MoveStep,
    RemoveStep,
    ReplaceFunnel,
    StepLinks,
    insert_new_step,
    kind_for_new_step,
    new_step,
    remove_step,
)

__all__ = [
    "KEEP",
    "AddStepEvent",
    "ChangeEvent",
    "Command",
    "EditError",
    "FunnelDocument",
    "InsertStep",
    "Listener",
    "MoveStep",
    "RemoveStep",
    "RemoveStepEvent",
    "RenameStep",
    "ReplaceFunnel",
    "Replaced",
    "SetCounting",
    "SetDriversSettings",
    "SetExclusions",
    "SetFunnelSettings",
    "SetMicroConversions",
    "SetOpenFunnel",
    "SetStepFilters",
    "SetStepGaps",
    "SetStepKind",
    "SetStepOptional",
    "SettingsChanged",
    "StepChanged",
    "StepLinks",
    "StepMoved",
    "StepsInserted",
    "StepsRemoved",
    "check_counting",
    "insert_new_step",
    "kind_for_new_step",
    "new_step",
    "remove_step",
]
