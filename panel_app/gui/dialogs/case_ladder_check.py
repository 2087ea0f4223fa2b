"""The case's "what is missing for an AP place / managed move" panel, its recorded
checks, and the override dialog (a reason and a person are both required)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.dates import format_uk
from panel_app.core.rules.ladder import LadderCheck
from panel_app.gui.dialogs.case_attachments import when
from panel_app.gui.dialogs.submit_dialog import SubmitDialog
from panel_app.gui.ladder_icons import status_icon, status_word
from panel_app.gui.models.records import RecordColumn, RecordTableModel
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import message_label
from panel_app.gui.worker import SessionHost


def verdict_line(check: LadderCheck) -> str:
    """'Partly met: 1 of the 2 steps needed ...' (the verdict and its reason)."""
    word = status_word(check.verdict)
    reason = " ".join(r.message for r in check.reasons)
    return f"{word}: {reason}" if reason else word


def recorded_verdict(check: LadderCheck) -> str:
    text = status_word(check.verdict)
    if check.override is not None:
        text += (f" — OVERRIDDEN by {check.override.by} on "
                 f"{format_uk(check.override.at.date())}")
    return text


CHECK_COLUMNS = (
    RecordColumn("Recorded", lambda c: when(c.checked_at) if c.checked_at else "",
                 lambda c: c.checked_at.isoformat() if c.checked_at else ""),
    RecordColumn("For", lambda c: c.action_label),
    RecordColumn("As on", lambda c: format_uk(c.on), lambda c: c.on.isoformat()),
    RecordColumn("Ladder", lambda c: f"version {c.ladder_version}" if c.ladder_version else "",
                 lambda c: c.ladder_version),
    RecordColumn("By", lambda c: c.checked_by),
    RecordColumn("Verdict", recorded_verdict),
)


class MissingPanel(QWidget):
    """Shows one check's gaps; asks (by signal) to record it or to override it."""

    record_requested = Signal()
    override_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check: LadderCheck | None = None
        layout = QVBoxLayout(self)
        self.title = QLabel("What is missing")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        verdict_row = QHBoxLayout()
        self.verdict_icon = QLabel()
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        verdict_row.addWidget(self.verdict_icon, 0, Qt.AlignmentFlag.AlignTop)
        verdict_row.addWidget(self.verdict, 1)
        layout.addLayout(verdict_row)
        self.gaps = QListWidget()
        self.gaps.setAccessibleName("What is missing")
        self.gaps.setWordWrap(True)
        self.gaps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.gaps, 2)
        buttons = QHBoxLayout()
        self.record_button = QPushButton("Record this chec&k")
        self.record_button.setToolTip("Keep this result with the case, with the ladder "
                                      "version it was checked against (for proposals and "
                                      "minutes)")
        self.override_button = QPushButton("O&verride…")
        self.override_button.setToolTip("Record the check with an override: needs the reason "
                                         "and the person who agreed it")
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.override_button)
        layout.addLayout(buttons)
        self.message = message_label()
        layout.addWidget(self.message)
        recorded = QLabel("Recorded checks (overrides are marked):")
        layout.addWidget(recorded)
        self.checks_model = RecordTableModel(CHECK_COLUMNS, self)
        self.checks_table = QTableView()
        self.checks_table.setModel(self.checks_model)
        self.checks_table.setAccessibleName("Recorded checks")
        self.checks_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checks_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.checks_table.verticalHeader().setVisible(False)
        self.checks_table.horizontalHeader().setStretchLastSection(True)
        self.checks_table.setTabKeyNavigation(False)
        layout.addWidget(self.checks_table, 1)
        self.record_button.clicked.connect(lambda: emit(self.record_requested))
        self.override_button.clicked.connect(lambda: emit(self.override_requested))
        self.show_check(None)

    def show_check(self, check: LadderCheck | None) -> None:
        self.check = check
        self.gaps.clear()
        if check is None:
            self.title.setText("What is missing")
            self.verdict.setText("")
            self.verdict_icon.clear()
            self.record_button.setEnabled(False)
            self.override_button.setEnabled(False)
            return
        self.title.setText(f"What is missing for {check.action_label} on {format_uk(check.on)}")
        self.title.setAccessibleName(self.title.text())
        self.verdict.setText(verdict_line(check))
        self.verdict.setAccessibleName(self.verdict.text())
        size = self.fontMetrics().height() + 4
        self.verdict_icon.setPixmap(status_icon(check.verdict).pixmap(size, size))
        gaps = check.gaps()
        for reason in gaps:
            item = QListWidgetItem(status_icon("missing"), reason.message)
            item.setToolTip(reason.message)
            self.gaps.addItem(item)
        if not gaps:
            text = ("Nothing is missing." if check.verdict == "met"
                    else "Nothing can be checked yet (see above).")
            self.gaps.addItem(QListWidgetItem(status_icon(check.verdict), text))
        self.record_button.setEnabled(True)
        self.override_button.setEnabled(check.verdict != "met")
        self.override_button.setToolTip(
            "The ladder is met: no override is needed" if check.verdict == "met" else
            "Record the check with an override: needs the reason and the person who agreed it")

    def gap_texts(self) -> list[str]:
        return [self.gaps.item(i).text() for i in range(self.gaps.count())]

    def show_recorded(self, checks: Sequence[LadderCheck]) -> None:
        rows = sorted(checks, key=lambda c: c.checked_at.isoformat() if c.checked_at else "",
                      reverse=True)
        self.checks_model.set_rows(rows)
        for column in range(self.checks_model.columnCount() - 1):
            self.checks_table.resizeColumnToContents(column)
        self.checks_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive)


class OverrideDialog(SubmitDialog):
    """Record the check with an override. Both the reason and the person are required:
    the button stays off until both are given, and the core checks them again."""

    def __init__(self, host: SessionHost, check: LadderCheck, case_id: str,
                 people: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(host, f"Override the ladder for {check.action_label}", parent)
        self.check = check
        self.case_id = case_id
        self.resize(560, 380)
        self.save_button.setText("Record override")
        self.save_button.setToolTip("Record the check with this override (Enter)")
        about = QLabel(f"The ladder is {status_word(check.verdict).lower()} for "
                       f"{check.action_label} on {format_uk(check.on)}. An override is kept "
                       "with the check and marked wherever the verdict is shown later.")
        about.setWordWrap(True)
        self.body.insertWidget(0, about)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("For example: an unexpected and extreme situation …")
        self.reason.setMinimumHeight(6 * self.reason.fontMetrics().lineSpacing())
        self.by = QComboBox()
        self.by.setEditable(True)
        self.by.addItems(list(people))
        self.by.setEditText("")
        self.rows.add("override_reason", "&Reason (required):", self.reason, "Override reason")
        self.rows.add("override_by", "Agreed &by (required):", self.by, "Override agreed by")
        self.reason.textChanged.connect(self._update_button)
        self.by.editTextChanged.connect(lambda _t: self._update_button())
        self._update_button()
        self.reason.setFocus()

    def _update_button(self) -> None:
        ready = bool(self.reason.toPlainText().strip() and self.by.currentText().strip())
        self.save_button.setEnabled(ready)

    def job(self) -> Callable[[Any], Any] | None:
        case_id, action, on = self.case_id, self.check.action, self.check.on
        reason, by = self.reason.toPlainText().strip(), self.by.currentText().strip()
        return lambda s: s.ladders.record_check(case_id, action, on, override_reason=reason,
                                                override_by=by)
