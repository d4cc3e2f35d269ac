"""MicroTray: the settings bar's tray of extra micro-conversions (FUNNEL_SEMANTICS §9).

Palette events dropped on the tray (our step MIME type only) become one micro-conversion
matching any of them; "+" adds one through a dialog; each chip edits its label, events and
filters, and × or Delete removes it. Every change is one SetMicroConversions on the
session's undo stack; the chips only mirror the document (`refresh`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.definition.model import MicroConversion
from funnel_gui.core.editing.commands import SetMicroConversions
from funnel_gui.qt.document import FunnelEditing
from funnel_gui.qt.mime import events_from_mime
from funnel_gui.qt.text import filter_summary
from funnel_gui.qt.widgets.chips import CHIP_QSS, TRAY_INSET, ChipSpec
from funnel_gui.qt.widgets.matcher_dialog import MatcherChoices, MatcherDialog
from funnel_gui.qt.widgets.matcher_items import MatcherItemsSection

EMPTY_TEXT = "Drop events here to compare them with the macro conversion"
TRAY_TIP = (
    "Extra events to compare with the macro conversion: the analysis shows the macro rate\n"
    "of people who did each one against those who did not. Drag events here from the\n"
    "Events list, or press + to pick one."
)
ADD_TIP = "Add a micro-conversion: pick its events and, if you like, a filter"
NEEDS_DATA = "Open data first: micro-conversions are picked from its events"
# Meant for resources/style.qss with CHIP_QSS. The drop highlight trades 1px of padding
# for 1px of border so the chips inside do not move when it shows.
TRAY_QSS = """
QFrame#microTray {
    border: 1px dashed palette(mid);
    border-radius: 10px;
    padding: 1px;
    background: palette(base);
}
QFrame#microTray[dropActive="true"] {
    border: 2px solid palette(highlight);
    padding: 0px;
    background: rgba(29, 78, 216, 0.10);
}
"""


def micro_text(micro: MicroConversion) -> str:
    """`Newsletter sign-up · where source = email`: what a tray chip says."""
    text = micro.display_label
    return text + (f" · where {filter_summary(micro.where)}" if micro.where else "")


def micro_tip(micro: MicroConversion) -> str:
    lines = [micro.display_label, "Events: " + " or ".join(micro.events)]
    if micro.where:
        lines.append(f"Where: {filter_summary(micro.where)}")
    lines.append("Compared with the macro conversion in the analysis")
    return "\n".join(lines)


class MicroConversionDialog(MatcherDialog):
    """A label, the events and the filters of one extra micro-conversion."""

    def __init__(
        self,
        choices: MatcherChoices,
        micro: MicroConversion | None,
        submit: Callable[[MicroConversion], str | None],
        parent: QWidget | None = None,
    ) -> None:
        adding = micro is None
        super().__init__(
            "Add micro-conversion" if adding else "Edit micro-conversion",
            "Add" if adding else "Save",
            choices,
            micro.events if micro is not None else (),
            micro.where if micro is not None else (),
            parent,
        )
        self._submit = submit
        self.label_edit = QLineEdit(micro.label if micro is not None else "")
        self.label_edit.setPlaceholderText(
            " or ".join(micro.events) if micro is not None else "optional; the events' names"
        )
        self.label_edit.setToolTip("How it is named in the charts; empty uses the event names")
        self.form.insertRow(0, "Label", self.label_edit)
        (self.event_list if adding else self.label_edit).setFocus()

    def micro_conversion(self) -> MicroConversion:
        return MicroConversion(self.events(), self.label_edit.text().strip(), self.filters())

    def _send(self) -> str | None:
        return self._submit(self.micro_conversion())


class TrayFrame(QFrame):
    """The drop target: takes the palette's events, refuses any other payload."""

    sig_events_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("microTray")
        self.setAcceptDrops(True)
        self.setProperty("dropActive", False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if events_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.set_drop_active(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if events_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.set_drop_active(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.set_drop_active(False)
        events = events_from_mime(event.mimeData())
        if not events:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.sig_events_dropped.emit(events)

    def set_drop_active(self, active: bool) -> None:
        if bool(self.property("dropActive")) == active:
            return
        self.setProperty("dropActive", active)
        self.style().unpolish(self)  # the stylesheet's [dropActive] rule needs a re-polish
        self.style().polish(self)
        self.update()


class MicroTray(MatcherItemsSection[MicroConversion, MicroConversionDialog]):
    def __init__(self, editing: FunnelEditing, parent: QWidget | None = None) -> None:
        super().__init__(editing, "Micro-conversions", "micro", parent)
        self.setObjectName("microTraySection")
        self.setStyleSheet(CHIP_QSS + TRAY_QSS)
        self.frame = TrayFrame()
        self.frame.setToolTip(TRAY_TIP)
        self.hint = QLabel(EMPTY_TEXT)
        self.hint.setObjectName("trayHint")
        self.hint.setWordWrap(True)  # the tray sits in a narrow side dock
        self.add_button.setText("+")
        self.add_button.setAccessibleName("Add micro-conversion")
        self.chips.add_trailing(self.hint)
        inside = QHBoxLayout(self.frame)
        inside.setContentsMargins(TRAY_INSET - 2, 3, 6, 3)  # 2: the border and padding
        inside.addWidget(self.chips, 1)
        # The caption and "+" above, the tray under them at the panel's whole width: it is
        # all drop target.
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.caption)
        head.addStretch(1)
        head.addWidget(self.add_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(head)
        column.addWidget(self.frame)
        self.frame.sig_events_dropped.connect(self.add_events)
        self.refresh()

    def items(self) -> tuple[MicroConversion, ...]:
        return self.editing.definition.micro_conversions

    def command(self, items: tuple[MicroConversion, ...]) -> SetMicroConversions:
        return SetMicroConversions(items)

    def make_dialog(
        self, item: MicroConversion | None, submit: Callable[[MicroConversion], str | None]
    ) -> MicroConversionDialog:
        return MicroConversionDialog(self.choices, item, submit, self)

    def duplicate_text(self, item: MicroConversion) -> str:
        return f'"{item.display_label}" is already in the tray'

    def refresh(self) -> None:
        micros = self.items()
        self.chips.set_chips(
            [
                ChipSpec(
                    micro_text(m),
                    micro_tip(m),
                    f'Remove micro-conversion "{m.display_label}"',
                    self.choices.missing(m.events),
                )
                for m in micros
            ]
        )
        self.hint.setVisible(not micros)
        self.add_button.setEnabled(bool(self.choices.events))
        self.add_button.setToolTip(ADD_TIP if self.choices.events else NEEDS_DATA)

    def add_events(self, events: list[str]) -> bool:
        """A drop: one micro-conversion matching any of `events`; False when refused."""
        micro = MicroConversion(tuple(dict.fromkeys(events)))
        error = self._commit(None, micro)
        if error:
            self.chips.show_notice(error)
        return error is None
