"""The Qt binding must not drop references it does not own.

PySide6 6.12.0 releases one reference to None on every QGraphicsItem call (adding or
removing an item, asking for its parent). On Python 3.11 None is an ordinary object, so a
few thousand chart redraws free it and the interpreter aborts ("none_dealloc"). The
project pins the binding below 6.12; this test fails if a version with the bug comes back.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene


def test_graphics_item_calls_do_not_release_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    scene = QGraphicsScene()
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(500):
        item = QGraphicsRectItem(0, 0, 1, 1)
        scene.addItem(item)
        item.parentItem()
        scene.removeItem(item)
    del item
    gc.collect()
    # A sound binding leaves the count where it was or higher; the bug takes ~1,500 away.
    assert sys.getrefcount(None) >= before - 50
