"""FunnelSettingsBar: the funnel-wide settings (order, window, what is counted, breakdown,
dates) in a column of labelled rows, "More options…" for the less used ones (a dialog), and
below them the exclusions and the micro-conversion tray.

Every change the user makes is one undoable edit through the session; the bar itself only
mirrors the funnel, so undo/redo and opened files show up here without extra wiring.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.data_catalogs import DataCatalogs
from funnel_gui.core.definition.durations import HINT
from funnel_gui.core.definition.model import Breakdown, DateRange, FunnelDefinition
from funnel_gui.core.editing.commands import ChangeEvent, Command, SetCounting, SetFunnelSettings
from funnel_gui.qt.document import refusals
from funnel_gui.qt.session import AppSession
from funnel_gui.qt.widgets.exclusions_editor import ExclusionsEditor
from funnel_gui.qt.widgets.matcher_dialog import MatcherChoices
from funnel_gui.qt.widgets.micro_tray import MicroTray
from funnel_gui.qt.widgets.more_options import MoreOptionsDialog, summary
from funnel_gui.qt.widgets.open_funnel_box import OpenFunnelBox
from funnel_gui.qt.widgets.settings_choices import (
    COUNTS,
    ERROR_BORDER,
    NO_SESSIONS,
    NO_SESSIONS_HINT,
    NS_PER_DAY,
    ORDERS,
    SESSION_COUNTS,
    UNIT_TIP,
    WINDOW_PRESETS,
    WINDOW_TIP,
    day_ns,
    ns_day,
    parse_window,
    window_text,
)

_GAP = 6  # between groups of controls, across and down


class FunnelSettingsBar(QWidget):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnelSettingsBar")
        self.session = session
        self.table: DataCatalogs | None = None
        self._refreshing = False
        self._build()
        self._connect()
        session.sig_definition_changed.connect(self._on_document_changed)
        session.sig_catalogs_changed.connect(self.set_table)
        self.set_table(session.catalogs)

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        self.order_combo = QComboBox()
        for i, (value, label, tip) in enumerate(ORDERS):
            self.order_combo.addItem(label, value)
            self.order_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.window_combo = QComboBox()
        self.window_combo.setEditable(True)
        self.window_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for label, ns in WINDOW_PRESETS:
            self.window_combo.addItem(label, ns)
        self.window_combo.setToolTip(WINDOW_TIP)
        self.window_combo.setMinimumContentsLength(7)
        self.unit_combo = QComboBox()
        for i, (value, label, tip) in enumerate(COUNTS):
            self.unit_combo.addItem(label, value)
            self.unit_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.unit_combo.setToolTip(UNIT_TIP)
        self.breakdown_combo = QComboBox()
        self.breakdown_combo.setToolTip("Split every step's count by this property's value")
        self.attribution_combo = QComboBox()
        for combo in (self.breakdown_combo, self.attribution_combo):
            # Side by side in a narrow dock: long names show in the popup.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)
        self.attribution_combo.setToolTip("Which step's event gives a person's property value")
        self.whole_period = QCheckBox("Whole period")
        self.whole_period.setToolTip("Use every event in the data, whatever its date")
        self.date_from = self._date_edit("First day a person may enter the funnel (UTC)")
        self.date_to = self._date_edit(
            "Last day a person may enter the funnel, up to and including this day (UTC);\n"
            "later steps may still happen after it"
        )
        self.more_button = QPushButton("More options…")
        self.more_button.setObjectName("moreOptionsButton")
        self.more_dialog = MoreOptionsDialog(self.session, self)
        self.exclusions = ExclusionsEditor(self.session)
        self.micro_tray = MicroTray(self.session)
        self._lay_out()

    def _lay_out(self) -> None:
        """A column of labelled rows: the panel sits in a side dock, above the step panel."""
        self.settings_row = QWidget()
        form = QFormLayout(self.settings_row)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(_GAP)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        dates = QHBoxLayout()
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(self.date_from, 1)
        to_label = QLabel("to")
        to_label.setContentsMargins(4, 0, 4, 0)
        dates.addWidget(to_label)
        dates.addWidget(self.date_to, 1)
        # The attribution beside its property: the column must fit a 1280×720 screen.
        breakdown = QHBoxLayout()
        breakdown.setContentsMargins(0, 0, 0, 0)
        breakdown.addWidget(self.breakdown_combo, 3)
        at_label = QLabel("at")
        at_label.setBuddy(self.attribution_combo)
        at_label.setContentsMargins(4, 0, 4, 0)
        breakdown.addWidget(at_label)
        breakdown.addWidget(self.attribution_combo, 2)
        # One line per control: another setting is one more row here.
        rows: tuple[tuple[str, QWidget | QHBoxLayout], ...] = (
            ("Order", self.order_combo),
            ("", OpenFunnelBox(self.session)),  # §15; it follows the funnel itself
            ("Window", self.window_combo),
            ("Count", self.unit_combo),
            ("Breakdown", breakdown),
            ("Dates", self.whole_period),
            ("from", dates),
            ("", self.more_button),
        )
        for text, control in rows:
            form.addRow(text, control)
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            buddy = field.widget() if field is not None else None
            caption = label.widget() if label is not None else None
            if buddy is not None and isinstance(caption, QLabel):
                caption.setBuddy(buddy)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.setSpacing(_GAP * 2)
        outer.addWidget(self.settings_row)
        outer.addWidget(self.exclusions)
        outer.addWidget(self.micro_tray)
        outer.addStretch(1)

    @staticmethod
    def _date_edit(tip: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setKeyboardTracking(False)  # one change per finished date, not per keystroke
        edit.setToolTip(tip)
        edit.setProperty("baseTip", tip)
        return edit

    def _connect(self) -> None:
        self.order_combo.currentIndexChanged.connect(self._on_order)
        self.window_combo.activated.connect(self._on_window)
        line = self.window_combo.lineEdit()
        assert line is not None  # the combo is editable
        line.editingFinished.connect(self._on_window)
        line.textEdited.connect(lambda _text: self._mark(self.window_combo, WINDOW_TIP, None))
        self.unit_combo.currentIndexChanged.connect(self._on_unit)
        self.more_button.clicked.connect(self.show_more_options)
        self.breakdown_combo.currentIndexChanged.connect(self._on_breakdown)
        self.attribution_combo.currentIndexChanged.connect(self._on_breakdown)
        self.whole_period.toggled.connect(self._on_dates)
        self.date_from.dateChanged.connect(self._on_dates)
        self.date_to.dateChanged.connect(self._on_dates)

    # ------------------------------------------------------------------ showing the model

    def set_table(self, table: DataCatalogs | None) -> None:
        """The data the choices come from: property names, sessions, the date span."""
        self.table = table
        choices = MatcherChoices.from_table(table)
        self.exclusions.set_choices(choices)
        self.micro_tray.set_choices(choices)
        self.refresh()

    def _on_document_changed(self, event: ChangeEvent) -> None:
        self.refresh()  # steps matter too: the attribution offers "step 1…N"

    def refresh(self) -> None:
        """Show the definition; nothing is pushed while the controls are being set."""
        self._refreshing = True
        try:
            defn = self.session.definition
            self.order_combo.setCurrentIndex(max(0, self.order_combo.findData(defn.order)))
            self.window_combo.setCurrentIndex(-1)
            self.window_combo.setEditText(window_text(defn.window_ns))
            self._mark(self.window_combo, WINDOW_TIP, None)
            self._show_unit(defn)
            self._show_breakdown(defn)
            self._show_dates(defn)
            self._show_more(defn)
            self.exclusions.refresh()  # chips name the steps, so any change may matter
            self.micro_tray.refresh()
        finally:
            self._refreshing = False

    def _show_unit(self, defn: FunnelDefinition) -> None:
        # Sessions come from the data's column or from inactivity (§20).
        has_sessions = self.table is None or self.table.has_sessions
        has_sessions = has_sessions or defn.inactivity_ns is not None
        model = self.unit_combo.model()
        assert isinstance(model, QStandardItemModel)
        for row in SESSION_COUNTS:
            # Flags, not setEnabled: a funnel saved with sessions still shows as such.
            model.item(row).setEnabled(has_sessions)
            tip = COUNTS[row][2] if has_sessions else f"{NO_SESSIONS}: {NO_SESSIONS_HINT}"
            model.item(row).setToolTip(tip)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(f"{defn.unit}/{defn.count}"))
        no_sessions = "" if has_sessions else f"\n{NO_SESSIONS}: {NO_SESSIONS_HINT}"
        self._mark(self.unit_combo, UNIT_TIP + no_sessions, None)

    def _show_more(self, defn: FunnelDefinition) -> None:
        """The button says which of the dialog's options are set."""
        parts = summary(defn)
        self.more_button.setText(f"More options ({len(parts)} set)…" if parts else "More options…")
        self.more_button.setToolTip(
            "Several breakdown properties, same value of…, filters on every event, sessions "
            "from inactivity" + ("\n\nSet: " + "; ".join(parts) if parts else "")
        )

    def show_more_options(self) -> None:
        self.more_dialog.show()
        self.more_dialog.raise_()
        self.more_dialog.activateWindow()

    def _show_breakdown(self, defn: FunnelDefinition) -> None:
        names = list(self.table.property_names) if self.table is not None else []
        chosen = defn.breakdown.property if defn.breakdown is not None else None
        if chosen is not None and chosen not in names:
            names.append(chosen)  # kept visible even when this data lacks it
        self.breakdown_combo.clear()
        self.breakdown_combo.addItem("No breakdown", None)
        for name in names:
            self.breakdown_combo.addItem(name, name)
        self.breakdown_combo.setCurrentIndex(max(0, self.breakdown_combo.findData(chosen)))
        attributions = [("first step", "first_step"), ("last step", "last_step")]
        attributions += [(f"step {n}", f"step_{n}") for n in range(1, defn.n_steps + 1)]
        current = defn.breakdown.attribution if defn.breakdown is not None else "first_step"
        if current not in [value for _label, value in attributions]:
            attributions.append((current.replace("_", " "), current))
        self.attribution_combo.clear()
        for label, value in attributions:
            self.attribution_combo.addItem(label, value)
        self.attribution_combo.setCurrentIndex(self.attribution_combo.findData(current))
        self.attribution_combo.setEnabled(defn.breakdown is not None)

    def _show_dates(self, defn: FunnelDefinition) -> None:
        dates = defn.date_range
        first, last = self._data_days()
        if dates is not None:
            first = ns_day(dates.start_ns) if dates.start_ns is not None else first
            last = ns_day(dates.end_ns - 1) if dates.end_ns is not None else last
        self.whole_period.setChecked(dates is None)
        self.date_from.setDate(first)
        self.date_to.setDate(last)
        self.date_from.setEnabled(dates is not None)
        self.date_to.setEnabled(dates is not None)
        for edit in (self.date_from, self.date_to):
            self._mark(edit, str(edit.property("baseTip")), None)

    def _data_days(self) -> tuple[QDate, QDate]:
        """The first and last day of the data, or the last 30 days without data."""
        span = self.table.time_span_ns if self.table is not None else None
        if span is None:
            today = QDate.currentDate()
            return today.addDays(-29), today
        return ns_day(span[0]), ns_day(span[1])

    # ------------------------------------------------------------------ user changes

    def _on_order(self) -> None:
        if not self._refreshing:
            self._edit(SetFunnelSettings(order=self.order_combo.currentData()), self.order_combo)

    def _on_window(self) -> None:
        if self._refreshing:
            return
        try:
            ns = parse_window(self.window_combo.currentText())
        except ValueError as exc:
            message = str(exc)
            if HINT not in message and "at least" not in message:
                message += f"; {HINT}"
            self._mark(self.window_combo, WINDOW_TIP, message[0].upper() + message[1:])
            return
        self._edit(SetFunnelSettings(window_ns=ns), self.window_combo)

    def _on_unit(self) -> None:
        if not self._refreshing:
            unit, count = str(self.unit_combo.currentData()).split("/")
            self._edit(SetCounting(unit=unit, count=count), self.unit_combo)  # type: ignore[arg-type]

    def _on_breakdown(self) -> None:
        if self._refreshing:
            return
        name = self.breakdown_combo.currentData()
        attribution = self.attribution_combo.currentData()
        current = self.session.definition.breakdown
        breakdown = None
        if name is not None and current is not None and current.is_list():
            # The other properties of a list stay (set in More options…).
            rest = tuple(p for p in current.names()[1:] if p != name)
            breakdown = Breakdown.several((name, *rest), attribution)
        elif name is not None:
            breakdown = Breakdown(name, attribution)
        self._edit(SetFunnelSettings(breakdown=breakdown), self.breakdown_combo)

    def _on_dates(self) -> None:
        if self._refreshing:
            return
        if self.whole_period.isChecked():
            self._edit(SetFunnelSettings(date_range=None), self.whole_period)
            return
        first, last = self.date_from.date(), self.date_to.date()
        if first > last:
            hint = "The first day must be on or before the last day; nothing was changed"
            for edit in (self.date_from, self.date_to):
                self._mark(edit, str(edit.property("baseTip")), hint)
            return
        dates = DateRange(day_ns(first), day_ns(last) + NS_PER_DAY)  # `to` is inclusive here
        self._edit(SetFunnelSettings(date_range=dates), self.date_to)

    def _edit(self, command: Command, source: QWidget) -> None:
        """One undo entry; a refused edit is shown on `source` and the bar goes back."""
        with refusals(self.session) as refused:
            self.session.edit(command)
        self.refresh()  # a no-op sends no change event, a refusal none either: tidy up
        if refused:
            self._mark(source, source.toolTip(), refused[0])

    @staticmethod
    def _mark(widget: QWidget, tip: str, error: str | None) -> None:
        """A red border and the reason in the tooltip, or back to normal."""
        widget.setStyleSheet(
            ERROR_BORDER.replace("{}", widget.metaObject().className(), 1) if error else ""
        )
        widget.setToolTip(f"{error}\n\n{tip}" if error else tip)
