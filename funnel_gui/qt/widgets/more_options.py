"""MoreOptionsDialog: the funnel's less used counting options (FUNNEL_SEMANTICS §17, §18,
§20), out of the side panel so that it fits a 1280×720 screen: a second and third
breakdown property, "same value of" (hold), funnel-wide filters and sessions from
inactivity.

The dialog is not modal and edits live: every change is one undoable edit through the
session, and the dialog mirrors the funnel (undo included). A refused change shows the
reason under the options and marks its control.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.core.definition.durations import format_duration, parse_duration
from funnel_gui.core.definition.model import Breakdown, Filter, FunnelDefinition
from funnel_gui.core.editing.commands import Command, SetCounting, SetFunnelSettings
from funnel_gui.qt.document import refusals
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.filter_row import PROBLEM_STYLE, catalog_text
from funnel_gui.qt.widgets.filter_rows import FilterRowsEditor

DEFAULT_INACTIVITY = "30m"
NONE_TEXT = "—"
HOLD_TIP = (
    "Every later step must carry the same value of these properties as the person's\n"
    "step-1 event (a purchase on another device does not count)"
)
FILTERS_TIP = "Only events that pass every filter are looked at, as if the others were not there"
INACTIVITY_TIP = (
    "Cut each person's events into sessions wherever they were inactive for longer than\n"
    "this; used when counting sessions, instead of the data's own session column"
)
BREAKDOWN_TIP = "Split the groups further by this property (up to three in all)"


def summary(defn: FunnelDefinition) -> list[str]:
    """The options of this dialog that are set, in words, for the button that opens it."""
    parts: list[str] = []
    names = defn.breakdown.names() if defn.breakdown is not None else ()
    if len(names) > 1:
        parts.append("by " + " × ".join(names))
    if defn.hold:
        parts.append("same " + ", ".join(defn.hold))
    if defn.filters:
        parts.append(f"{len(defn.filters)} filter" + ("" if len(defn.filters) == 1 else "s"))
    if defn.inactivity_ns is not None:
        parts.append(f"sessions after {format_duration(defn.inactivity_ns)} inactive")
    return parts


class MoreOptionsDialog(QDialog):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("More funnel options")
        self.setObjectName("moreOptions")
        self.session = session
        self._refreshing = False
        self._properties: list[str] = []
        self.more_breakdowns = [QComboBox(), QComboBox()]
        for combo in self.more_breakdowns:
            combo.setToolTip(BREAKDOWN_TIP)
            combo.activated.connect(self._on_breakdown)
        self.hold_list = QListWidget()
        self.hold_list.setToolTip(HOLD_TIP)
        self.hold_list.setMaximumHeight(110)
        self.hold_list.itemChanged.connect(self._on_hold)
        self.filters = FilterRowsEditor(self._on_filters, "Add filter")
        self.filters.setToolTip(FILTERS_TIP)
        self.inactivity_box = QCheckBox("Make sessions after")
        self.inactivity_box.setToolTip(INACTIVITY_TIP)
        self.inactivity_box.toggled.connect(self._on_inactivity)
        self.inactivity_edit = QLineEdit(DEFAULT_INACTIVITY)
        self.inactivity_edit.setToolTip(INACTIVITY_TIP)
        self.inactivity_edit.setMaximumWidth(80)
        self.inactivity_edit.editingFinished.connect(self._on_inactivity)
        self.problem = QLabel()
        self.problem.setObjectName("moreOptionsProblem")
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self._lay_out()
        session.sig_definition_changed.connect(self._on_document_changed)
        session.sig_catalogs_changed.connect(self.set_table)
        self.set_table(session.catalogs)

    def _lay_out(self) -> None:
        inactivity = QHBoxLayout()
        inactivity.addWidget(self.inactivity_box)
        inactivity.addWidget(self.inactivity_edit)
        inactivity.addWidget(QLabel("inactive"))
        inactivity.addStretch(1)
        rows: tuple[tuple[str, QWidget | QHBoxLayout], ...] = (
            ("Break down also by", self.more_breakdowns[0]),
            ("and by", self.more_breakdowns[1]),
            ("Same value of", self.hold_list),
            ("Only events where", self.filters),
            ("Sessions", inactivity),
        )
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, field in rows:
            form.addRow(label, field)
        hint = QLabel(
            "Each change applies at once and can be undone (Edit → Undo). Sessions made from "
            "inactivity are used when the funnel counts sessions."
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        outer = QVBoxLayout(self)
        outer.addLayout(form)
        outer.addWidget(self.problem)
        outer.addWidget(hint)
        outer.addStretch(1)
        outer.addWidget(buttons)
        self.setMinimumWidth(520)

    # ------------------------------------------------------------------ showing the model

    def set_table(self, table: DataCatalogs | None) -> None:
        values: dict[str, list[str]] = {}
        self._properties = []
        if table is not None:
            catalog = table.property_catalog
            self._properties = [str(p) for p in catalog["property"]]
            for name, top in zip(catalog["property"], catalog["top_values"], strict=True):
                values[str(name)] = [catalog_text(value) for value, _count in top]
        self.filters.set_choices(self._properties, values)
        self.refresh()

    def _on_document_changed(self, _event: object) -> None:
        self.refresh()  # a bound method: Qt drops the connection with the dialog

    def refresh(self) -> None:
        self._refreshing = True
        try:
            defn = self.session.definition
            self._show_breakdowns(defn)
            self._show_hold(defn)
            self.filters.show_filters(defn.filters)
            self.inactivity_box.setChecked(defn.inactivity_ns is not None)
            if defn.inactivity_ns is not None:
                self.inactivity_edit.setText(format_duration(defn.inactivity_ns))
            self.inactivity_edit.setStyleSheet("")
        finally:
            self._refreshing = False

    def _show_breakdowns(self, defn: FunnelDefinition) -> None:
        names = defn.breakdown.names() if defn.breakdown is not None else ()
        for i, combo in enumerate(self.more_breakdowns):
            chosen = names[i + 1] if len(names) > i + 1 else None
            choices = [p for p in self._properties if p not in names[: i + 1]]
            if chosen is not None and chosen not in choices:
                choices.append(chosen)  # kept visible even when this data lacks it
            combo.clear()
            combo.addItem(NONE_TEXT, None)
            for name in choices:
                combo.addItem(name, name)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            # A second property needs a first; a third, a second.
            combo.setEnabled(len(names) > i)
            combo.setStyleSheet("")

    def _show_hold(self, defn: FunnelDefinition) -> None:
        self.hold_list.clear()
        names = list(self._properties) + [p for p in defn.hold if p not in self._properties]
        for name in names:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            held = name in defn.hold
            item.setCheckState(Qt.CheckState.Checked if held else Qt.CheckState.Unchecked)
            self.hold_list.addItem(item)

    # ------------------------------------------------------------------ user changes

    def _on_breakdown(self) -> None:
        if self._refreshing:
            return
        current = self.session.definition.breakdown
        if current is None:
            return
        names = [current.names()[0]]
        for combo in self.more_breakdowns:
            if combo.currentData() is None:
                break
            names.append(str(combo.currentData()))
        if len(names) > 1 or current.is_list():
            breakdown = Breakdown.several(tuple(names), current.attribution)
        else:
            breakdown = Breakdown(names[0], current.attribution)
        self._edit(SetFunnelSettings(breakdown=breakdown), self.sender_widget())

    def _on_hold(self) -> None:
        if self._refreshing:
            return
        chosen = []
        for i in range(self.hold_list.count()):
            item = self.hold_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                chosen.append(item.text())
        self._edit(SetCounting(hold=tuple(chosen)), self.hold_list)

    def _on_filters(self, filters: tuple[Filter, ...]) -> None:
        if not self._refreshing:
            self._edit(SetCounting(filters=filters), self.filters)

    def _on_inactivity(self) -> None:
        if self._refreshing:
            return
        if not self.inactivity_box.isChecked():
            self._edit(SetCounting(inactivity_ns=None), self.inactivity_box)
            return
        try:
            ns = parse_duration(self.inactivity_edit.text().strip() or DEFAULT_INACTIVITY)
        except ValueError as error:
            self._show_problem(f"Inactivity timeout: {error}", self.inactivity_edit)
            return
        self._edit(SetCounting(inactivity_ns=ns), self.inactivity_edit)

    def sender_widget(self) -> QWidget:
        sender = self.sender()
        return sender if isinstance(sender, QWidget) else self

    def _edit(self, command: Command, source: QWidget) -> None:
        """One undo entry; a refusal is shown under the options and on `source`."""
        with refusals(self.session) as refused:
            self.session.edit(command)
        self.refresh()
        self._show_problem(refused[0] if refused else "", source)

    def _show_problem(self, message: str, source: QWidget) -> None:
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.setVisible(bool(message))
        if message:
            name = source.metaObject().className()
            source.setStyleSheet(f"{name} {{ border: 1px solid #b91c1c; }}")
