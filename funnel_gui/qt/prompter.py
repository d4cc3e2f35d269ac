"""Prompter: how the app puts a question to the person using it, or tells them something.

The real app asks with dialogs; tests and `--screenshot` run headless, where nobody can
answer, so the same questions get scripted answers instead of a modal box that would
never close. Whoever needs to ask receives a Prompter; nothing reads a "headless" flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget


class UnsavedChoice(Enum):
    """The answer to "save the changes first?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"  # stay where you are


class Prompter(Protocol):
    @property
    def interactive(self) -> bool:
        """Whether a person is there to answer: non-blocking dialogs (the column mapping)
        may open on the app's own initiative only then."""
        ...

    def inform(self, title: str, message: str) -> None:
        """Tell the person something went wrong (a file could not be read or written)."""
        ...

    def ask(self, title: str, question: str) -> bool:
        """A yes/no question; True for yes."""
        ...

    def confirm(self, title: str, question: str) -> UnsavedChoice:
        """Save, discard or cancel, before unsaved work would be lost."""
        ...


class DialogPrompter:
    """The real app: message boxes over `parent`."""

    interactive = True

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def inform(self, title: str, message: str) -> None:
        QMessageBox.warning(self._parent, title, message)

    def ask(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self._parent, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def confirm(self, title: str, question: str) -> UnsavedChoice:
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = QMessageBox.question(self._parent, title, question, buttons)
        if answer == QMessageBox.StandardButton.Save:
            return UnsavedChoice.SAVE
        if answer == QMessageBox.StandardButton.Discard:
            return UnsavedChoice.DISCARD
        return UnsavedChoice.CANCEL


@dataclass
class HeadlessPrompter:
    """Nobody to ask: every question gets the next scripted answer (else `default_answer`),
    unsaved work is discarded, and what would have been said is kept for tests to read."""

    answers: list[bool] = field(default_factory=list)
    default_answer: bool = False
    unsaved_choice: UnsavedChoice = UnsavedChoice.DISCARD
    questions: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    interactive: bool = False

    def inform(self, title: str, message: str) -> None:
        self.messages.append(message)

    def ask(self, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else self.default_answer

    def confirm(self, title: str, question: str) -> UnsavedChoice:
        self.questions.append(question)
        return self.unsaved_choice
