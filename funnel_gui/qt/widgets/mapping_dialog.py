"""The column-mapping dialog: which columns hold the user, event, time and session, over a
preview of the first rows, with a live count of the rows the choice would drop.

It works on rows already read (a `MappingRequest`); the count runs the loader's own build
off the GUI thread, latest choice wins. OK hands back overrides for the loader.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from funnel_gui.core.io.mapping import REQUIRED_ROLES, ROLES
from funnel_gui.core.io.mapping_preview import (
    UNSURE_BELOW,
    MappingPreview,
    MappingRequest,
    overrides_for,
    preview_mapping,
    preview_rows,
)
from funnel_gui.core.progress import Cancelled, Progress
from funnel_gui.qt.models.preview_model import HEADER_NAMES, ROLE_COLOURS, PreviewModel
from funnel_gui.qt.theme import ERROR_HEX, WARNING_HEX
from funnel_gui.qt.workers import TaskRunner, failure_text

ROLE_LABELS = {
    "actor": "User id (who acted)",
    "event": "Event name",
    "time": "Timestamp",
    "session": "Session id (optional)",
}
NO_COLUMN = "(none)"

_STYLE = f"""
QLabel#mappingTitle {{ font-size: 13pt; font-weight: 600; }}
QLabel#mappingProblem {{
    background: #fef3c7; color: #78350f; border: 1px solid #f2c57c;
    border-radius: 6px; padding: 8px 10px;
}}
QLabel#mappingMuted {{ color: palette(placeholder-text); }}
QLabel#mappingLive {{ font-weight: 600; }}
QLabel#mappingLive[state="warning"] {{ color: {WARNING_HEX}; }}
QLabel#mappingReason {{ color: {ERROR_HEX}; }}
QPushButton#primaryButton:disabled {{
    background: palette(midlight); color: palette(placeholder-text);
}}
"""


class MappingDialog(QDialog):
    """Pick a column per role; OK is enabled when the choice can be loaded."""

    sig_preview_ready = Signal(object)  # the MappingPreview of the current choice
    sig_mapping_chosen = Signal(object, str)  # overrides (dict), time zone; on OK

    def __init__(self, request: MappingRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.preview: MappingPreview | None = None
        self.counter: TaskRunner[MappingPreview] = TaskRunner(self)
        self.counter.sig_done.connect(self._on_counted)
        self.counter.sig_failed.connect(self._on_count_failed)
        self.setWindowTitle("Column mapping")
        self.setStyleSheet(_STYLE)
        columns = request.raw.table.column_names
        self.model = PreviewModel(columns, preview_rows(request.raw), self)
        self.combos: dict[str, QComboBox] = {}
        self._options: dict[str, list[tuple[str, ...]]] = {}
        self.time_read_as = QLabel()
        self.time_read_as.setObjectName("mappingMuted")
        self.time_read_as.setWordWrap(True)
        self.tz_combo = self._time_zone_combo(request.assume_tz)
        self.live = QLabel()
        self.live.setObjectName("mappingLive")
        self.reason = QLabel()
        self.reason.setObjectName("mappingReason")
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)  # column names are the file's text
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Load")
        self.ok_button.setObjectName("primaryButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._build_layout()
        for role in ROLES:
            self.combos[role] = self._role_combo(role, columns)
            self._form.addWidget(self.combos[role], _FORM_ROWS[role], 2)
        self.tz_combo.currentTextChanged.connect(self._recount)
        self.resize(1040, 700)
        self.ok_button.setDefault(True)
        self.ok_button.setFocus()
        self._recount()

    # --- the choice -------------------------------------------------------------------

    def chosen_columns(self) -> dict[str, tuple[str, ...]]:
        chosen = {}
        for role, combo in self.combos.items():
            index = combo.currentIndex()
            chosen[role] = self._options[role][index] if index >= 0 else ()
        return chosen

    def overrides(self) -> dict[str, str | None]:
        """The chosen mapping as loader overrides: only the roles that differ from detection."""
        return overrides_for(self.request.detection.mapping, self.chosen_columns())

    def assume_tz(self) -> str:
        return self.tz_combo.currentText().strip()

    def accept(self) -> None:
        if self.preview is None or not self.preview.usable:
            return
        self.counter.cancel()
        self.sig_mapping_chosen.emit(self.overrides(), self.assume_tz())
        super().accept()

    def done(self, result: int) -> None:
        self.counter.cancel()
        super().done(result)

    # --- live count -------------------------------------------------------------------

    def _recount(self, *_args: object) -> None:
        chosen = self.chosen_columns()
        self.model.set_roles(chosen)
        self.preview = None
        self.ok_button.setEnabled(False)
        self.live.setProperty("state", "")
        self.live.setText(f"{self._rows_read():,} rows · counting the rows that would be dropped…")
        self.reason.hide()
        # The build reads `raw.table`; a copy of the import keeps the count safe from the
        # load that may take the original over once the dialog is accepted.
        raw = replace(self.request.raw)
        detection = self.request.detection
        overrides = overrides_for(detection.mapping, chosen)
        zone = self.assume_tz()

        def work(_progress: Progress, cancelled: Cancelled) -> MappingPreview:
            return preview_mapping(raw, detection, overrides, zone, cancelled)

        self.counter.start(work)

    def _on_counted(self, preview: MappingPreview) -> None:
        self.preview = preview
        self.live.setText(preview.summary())
        self.live.setProperty("state", "warning" if preview.rows_dropped else "")
        self.live.style().unpolish(self.live)
        self.live.style().polish(self.live)
        self.reason.setText(preview.problem or "")
        self.reason.setVisible(not preview.usable)
        self.ok_button.setEnabled(preview.usable)
        self.ok_button.setToolTip(preview.problem or "Load the data with these columns")
        self.time_read_as.setText(_read_as(preview.time_description))
        self.sig_preview_ready.emit(preview)

    def _on_count_failed(self, error: Exception) -> None:
        problem = failure_text(error)
        self._on_counted(MappingPreview(self._rows_read(), {}, problem=problem))

    def _rows_read(self) -> int:
        return int(self.request.raw.table.num_rows) + self.request.raw.malformed

    # --- construction -----------------------------------------------------------------

    def _role_combo(self, role: str, columns: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setMinimumWidth(240)
        combo.setMaxVisibleItems(20)
        detected = self.request.detection.mapping.columns(role)
        options: list[tuple[str, ...]] = []
        if len(detected) > 1:  # a fallback chain only detection can express: offer it whole
            options.append(detected)
            combo.addItem(f"{', else '.join(detected)}  (detected)")
        suggested = self.request.suggestions.get(role, [])
        for column in columns:
            options.append((column,))
            if (column,) == detected:
                combo.addItem(f"{column}  (detected)")
            elif column in suggested:
                combo.addItem(f"{column}  (suggested)")
            else:
                combo.addItem(column)
        if role not in REQUIRED_ROLES:
            options.append(())
            combo.addItem(NO_COLUMN)
        combo.setPlaceholderText("Choose a column…")
        self._options[role] = options
        current = self.request.current.columns(role)
        if current in options:
            combo.setCurrentIndex(options.index(current))
        elif current[:1] and current[:1] in options:
            combo.setCurrentIndex(options.index(current[:1]))
        else:  # nothing chosen: "(none)" for the session, else the placeholder
            combo.setCurrentIndex(options.index(()) if () in options else -1)
        combo.setToolTip(f"The column that holds the {HEADER_NAMES[role]}")
        combo.currentIndexChanged.connect(self._recount)
        return combo

    def _time_zone_combo(self, zone: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.addItems(["UTC", *sorted(z for z in available_timezones() if z != "UTC")])
        completer = QCompleter(combo.model(), combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        combo.setCompleter(completer)
        combo.setCurrentText(zone)
        combo.setToolTip(
            "The zone of timestamps written without one (such as 2026-03-01 10:00).\n"
            "Times with Z or an offset are read as written."
        )
        return combo

    def _build_layout(self) -> None:
        request = self.request
        title = QLabel("Which columns hold what?")
        title.setObjectName("mappingTitle")
        problem = QLabel(request.problem or self._unsure_text())
        problem.setTextFormat(Qt.TextFormat.PlainText)
        problem.setObjectName("mappingProblem")
        problem.setWordWrap(True)
        problem.setVisible(bool(problem.text()))
        self._form = QGridLayout()
        self._form.setHorizontalSpacing(10)
        self._form.setVerticalSpacing(6)
        self._form.setColumnStretch(3, 1)
        for role, row in _FORM_ROWS.items():
            self._form.addWidget(_swatch(ROLE_COLOURS[role]), row, 0)
            self._form.addWidget(QLabel(ROLE_LABELS[role]), row, 1)
        self._form.addWidget(QLabel("Times without a zone are in"), _TZ_ROW, 1)
        self._form.addWidget(self.tz_combo, _TZ_ROW, 2)
        self._form.addWidget(self.time_read_as, _FORM_ROWS["time"], 3)
        tz_hint = QLabel("Only used for times written without Z or an offset")
        tz_hint.setObjectName("mappingMuted")
        self._form.addWidget(tz_hint, _TZ_ROW, 3)
        preview_title = QLabel(f"Preview · first {self.model.rowCount():,} rows")
        preview_title.setObjectName("sectionTitle")
        bottom = QHBoxLayout()
        status = QVBoxLayout()
        status.addWidget(self.live)
        status.addWidget(self.reason)
        bottom.addLayout(status, 1)
        bottom.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(title)
        for label in self._about_labels():
            layout.addWidget(label)
        layout.addWidget(problem)
        layout.addSpacing(6)
        layout.addLayout(self._form)
        layout.addSpacing(6)
        layout.addWidget(preview_title)
        layout.addWidget(self._preview_view(), 1)
        layout.addLayout(bottom)

    def _unsure_text(self) -> str:
        detection = self.request.detection
        if detection.mapping.missing_roles() or detection.confidence >= UNSURE_BELOW:
            return ""
        return (
            f"Detection is only {detection.confidence:.0%} sure of these columns. Check them "
            "against the preview before loading."
        )

    def _preview_view(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        view.setWordWrap(False)
        view.verticalHeader().setDefaultSectionSize(22)
        view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setFont(_bold(view.font()))
        view.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            view.setColumnWidth(column, min(max(view.columnWidth(column), 90), 260))
        self.view = view
        return view

    def _about_labels(self) -> list[QLabel]:
        """What was read and what detection made of it, under the title."""
        request = self.request
        raw, detection = request.raw, request.detection
        names = ", ".join(Path(f).name for f in request.files)
        if detection.mapping.missing_roles():
            found = f"detected as {detection.profile_name}, but not every column was found"
        else:
            found = f"detected as {detection.profile_name}, {detection.confidence:.0%} sure"
        summary = QLabel(
            f"<b>{escape(names)}</b> · {self._rows_read():,} rows · "
            f"{raw.table.num_columns:,} columns · {escape(found)}"
        )
        summary.setWordWrap(True)
        labels = [summary]
        for note in detection.notes:
            label = QLabel(f"• {note}")
            label.setObjectName("mappingMuted")
            label.setWordWrap(True)
            labels.append(label)
        return labels


_FORM_ROWS = {"actor": 0, "event": 1, "time": 2, "session": 4}
_TZ_ROW = 3


def _read_as(description: str) -> str:
    """ "event_time: ISO 8601 text" reads as "Read as ISO 8601 text" beside its combo."""
    if not description:
        return ""
    _column, sep, how = description.partition(": ")
    single = sep and ";" not in how
    return f"Read as {how if single else description}"


def _swatch(colour: str) -> QLabel:
    swatch = QLabel()
    swatch.setFixedSize(12, 12)
    swatch.setStyleSheet(f"background: {colour}; border-radius: 3px;")
    return swatch


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold
