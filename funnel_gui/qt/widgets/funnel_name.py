"""The funnel's name (§11 `name`) above the step cards: typing and pressing Enter (or
leaving the field) renames the funnel in one undoable edit. The window title, the report,
exports and suggested file names all read the name from the definition."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from funnel_gui.core.editing.commands import ChangeEvent, SetFunnelSettings
from funnel_gui.qt.session import AppSession

PLACEHOLDER = "Untitled funnel: type a name"
MAX_NAME = 120  # a title and a file name, not a description


class FunnelNameEdit(QLineEdit):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnelName")
        self.setAccessibleName("Funnel name")
        self.setPlaceholderText(PLACEHOLDER)
        self.setToolTip("The funnel's name: the window title, reports and exported files use it")
        self.setMaxLength(MAX_NAME)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.setFont(font)
        self.setFrame(False)
        self.session = session
        self.setText(session.definition.name)
        self.editingFinished.connect(self.commit)
        session.sig_definition_changed.connect(self._on_changed)

    def commit(self) -> bool:
        """Rename the funnel to the field's text; False when nothing changed."""
        name = " ".join(self.text().split())
        if name == self.session.definition.name:
            return False
        return self.session.edit(SetFunnelSettings(name=name))

    def _on_changed(self, _event: ChangeEvent) -> None:
        name = self.session.definition.name
        if self.text() != name:  # undo, an opened file: show what the funnel is called
            self.setText(name)
