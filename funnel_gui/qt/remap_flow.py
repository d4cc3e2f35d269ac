"""RemapFlow: when the funnel and the data disagree on event names (a funnel opened on
another export, or new data under the funnel), offer to remap the funnel's missing events
to the data's, instead of an all-zero funnel with warnings. Applying it is one undoable
edit; "Keep as is" leaves the funnel alone and is not asked again for the same pair."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from funnel_gui.core.definition.remap import missing_events, remap_events
from funnel_gui.core.editing.commands import ReplaceFunnel
from funnel_gui.core.events import EventTable
from funnel_gui.qt.prompter import Prompter
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.remap_dialog import RemapDialog


class RemapFlow(QObject):
    sig_offered = Signal(object)  # the RemapDialog shown, for tests

    def __init__(
        self,
        session: AppSession,
        prompter: Prompter,
        window: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.prompter = prompter
        self.window = window
        self.dialog: RemapDialog | None = None
        self._asked: tuple[object, ...] | None = None
        # Asked again on request, after "Keep as is" or for new data under the funnel.
        self.act_remap = QAction("Re&map events to this data…", self)
        self.act_remap.setToolTip("Use this data's event names for the funnel's missing ones")
        self.act_remap.triggered.connect(self.offer_again)
        session.sig_document_replaced.connect(self.check)
        session.sig_table_changed.connect(self._on_table)

    def _on_table(self, _table: EventTable) -> None:
        self.check()

    def available(self) -> list[str]:
        table = self.session.table
        return [] if table is None else [str(e) for e in table.event_catalog["event"]]

    def missing(self) -> list[str]:
        if self.session.table is None:
            return []
        return missing_events(self.session.definition, self.available())

    def check(self) -> None:
        """Offer the dialog when there is something to remap and a person to ask."""
        if self.prompter.interactive:
            self.offer()

    def offer(self) -> RemapDialog | None:
        """Open the dialog (not modal) for the missing events; None when none is missing
        or this funnel and this data were already asked about."""
        missing = self.missing()
        key = (self.session.definition, self.session.table)
        if not missing or key == self._asked:
            return None
        self._asked = key
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = RemapDialog(missing, self.available(), self.window)
        self.dialog.accepted.connect(self._apply_dialog)
        self.dialog.open()
        self.sig_offered.emit(self.dialog)
        return self.dialog

    def offer_again(self) -> RemapDialog | None:
        """The menu: ask even if this pair was asked about; say so when nothing is missing."""
        self._asked = None
        dialog = self.offer()
        if dialog is None and self.session.table is not None:
            self.prompter.inform("Remap events", "Every event of the funnel is in this data.")
        return dialog

    def _apply_dialog(self) -> None:
        if self.dialog is not None:
            self.apply(self.dialog.mapping())

    def apply(self, mapping: dict[str, str]) -> bool:
        """Rename the funnel's events as `mapping` says, as one undoable edit."""
        if not mapping:
            return False
        before = self.session.definition
        after = remap_events(before, mapping)
        self._asked = (after, self.session.table)  # what is left missing was kept on purpose
        pairs = ", ".join(f"{old} → {new}" for old, new in mapping.items())
        return self.session.edit_all([ReplaceFunnel(after)], f"Remap events ({pairs})")
