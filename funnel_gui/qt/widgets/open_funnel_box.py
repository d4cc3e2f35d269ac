"""OpenFunnelBox: the "Open funnel" setting (FUNNEL_SEMANTICS §15) as one checkbox that
follows the session's funnel by itself, so the settings bar only has to place it.

Open: an event of any step starts an attempt there (people may enter mid-funnel). Only a
sequential funnel opens; the box says why when it cannot, and stays uncheckable when a
later edit left an open funnel in another order, so it can be mended.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from funnel_gui.core.definition.model import FunnelDefinition, open_problem
from funnel_gui.core.editing.commands import ChangeEvent, SetOpenFunnel
from funnel_gui.qt.session import AppSession

OPEN_TIP = (
    "People may enter at any step, not only the first: each bar then shows how many "
    "entered there and how many left from it"
)


class OpenFunnelBox(QCheckBox):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__("Open funnel", parent)
        self.session = session
        self._refreshing = False
        self.toggled.connect(self._on_toggled)
        session.sig_definition_changed.connect(self._on_document_changed)
        self.refresh()

    def _on_document_changed(self, _event: ChangeEvent) -> None:
        self.refresh()

    def refresh(self) -> None:
        defn: FunnelDefinition = self.session.definition
        problem = open_problem(defn.order)
        self._refreshing = True
        try:
            self.setChecked(defn.open)
        finally:
            self._refreshing = False
        self.setEnabled(problem is None or defn.open)
        self.setToolTip(OPEN_TIP if problem is None else problem[:1].upper() + problem[1:])

    def _on_toggled(self, checked: bool) -> None:
        if self._refreshing:
            return
        if not self.session.edit(SetOpenFunnel(checked)):
            self.refresh()  # refused: show the funnel as it is
