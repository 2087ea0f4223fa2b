"""Confirm a purge or a lawful deletion: the plan's lines name everything that will go
(and, for one record, what stays on its case); a lawful deletion needs its reason chosen;
older backups that hold the data are listed and, unless the box is cleared, overwritten
and deleted after it; the Purge button stays disabled until the user types PURGE."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.domain.retention import LAWFUL_REASON_LABELS, LAWFUL_REASONS
from panel_app.core.services.privacy import PurgePlan, kind_label
from panel_app.gui.icons import risk_icon
from panel_app.gui.theme import heading, message_label, set_message

CONFIRM_WORD = "PURGE"
CHOOSE_REASON = "Choose a reason…"


def title_text(plan: PurgePlan) -> str:
    n = len(plan.targets)
    if plan.kind == "retention":
        return f"Purge {n} {'case' if n == 1 else 'cases'} for good?"
    if n == 1 and plan.targets[0].field:
        return "Erase this field for good?"
    if n == 1:
        return f"Delete this {kind_label(plan.targets[0].entity)} for good?"
    return f"Delete {n} records for good?"


class PurgeConfirmDialog(QDialog):
    def __init__(self, plan: PurgePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = plan  # a lawful deletion's plan as made (perhaps with no reason yet)
        self.plan = plan  # with the reason chosen here
        lawful = plan.kind == "lawful"
        self.setWindowTitle("Confirm the deletion" if lawful else "Confirm the purge")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title_text(plan), parent=self))

        warn = QHBoxLayout()
        icon = QLabel()
        size = self.fontMetrics().height() * 2
        icon.setPixmap(risk_icon("red").pixmap(size, size))
        warn.addWidget(icon)
        several = lawful and sum(sum(t.counts.values()) for t in plan.targets) > 1
        what = (f"the {'records' if several else 'record'} listed below "
                f"{'are' if several else 'is'} removed from the database file; the audit "
                "trail keeps only a note of the deletion and its reason (no names)" if lawful else
                "everything listed below is removed from the database file; the audit trail "
                "keeps only a note of the purge (no names)")
        intro = QLabel(f"⚠ This cannot be undone: {what}. Partners remove "
                       f"{'them' if several else 'it'} too when they import your next bundle.")
        intro.setWordWrap(True)
        warn.addWidget(intro, 1)
        layout.addLayout(warn)

        self.reason: QComboBox | None = None
        self.reason_text = QLabel()
        self.reason_text.setWordWrap(True)
        self.reason_text.setProperty("role", "muted")
        self.reason_text.setMinimumHeight(self.fontMetrics().lineSpacing() * 2 + 4)
        if lawful:
            reason_label = QLabel("&Reason (recorded in the audit trail):")
            self.reason = QComboBox()
            self.reason.setAccessibleName("Reason for the deletion")
            self.reason.addItem(CHOOSE_REASON, "")
            for code, text in LAWFUL_REASON_LABELS.items():
                self.reason.addItem(text, code)
                self.reason.setItemData(self.reason.count() - 1, LAWFUL_REASONS[code],
                                        Qt.ItemDataRole.ToolTipRole)
            current = plan.targets[0].rule if plan.targets else ""
            self.reason.setCurrentIndex(max(self.reason.findData(current), 0))
            reason_label.setBuddy(self.reason)
            layout.addWidget(reason_label)
            layout.addWidget(self.reason)
            layout.addWidget(self.reason_text)
            self.reason.currentIndexChanged.connect(lambda _i: self._reason_chosen())

        what_label = QLabel("&What will go and what stays:" if lawful else "&What will go:")
        self.lines = QPlainTextEdit()
        self.lines.setReadOnly(True)
        self.lines.setAccessibleName(what_label.text().replace("&", "").rstrip(":"))
        self.lines.setMinimumHeight(self.fontMetrics().height() * 8)
        what_label.setBuddy(self.lines)
        layout.addWidget(what_label)
        layout.addWidget(self.lines, 1)

        self.backups_box: QCheckBox | None = None
        if plan.backups:
            n = len(plan.backups)
            self.backups_box = QCheckBox(
                f"Also overwrite and delete the {n} older &backup{'' if n == 1 else 's'} "
                f"that hold{'s' if n == 1 else ''} this data (listed above)")
            self.backups_box.setChecked(True)
            self.backups_box.setAccessibleName("Overwrite and delete the older backups that "
                                               "hold this data")
            self.backups_box.setToolTip("\n".join(plan.backups))
            layout.addWidget(self.backups_box)

        type_label = QLabel(f"&Type {CONFIRM_WORD} to confirm:")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setAccessibleName(f"Type {CONFIRM_WORD} to confirm")
        type_label.setBuddy(self.confirm_edit)
        layout.addWidget(type_label)
        layout.addWidget(self.confirm_edit)
        self.message = message_label()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("&Cancel")
        self.purge_button = QPushButton("&Delete for good" if lawful else "&Purge")
        self.purge_button.setIcon(risk_icon("red"))
        self.purge_button.setEnabled(False)
        self.purge_button.setToolTip(f"Type {CONFIRM_WORD} above first")
        self.cancel_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.purge_button)
        layout.addLayout(buttons)

        self.confirm_edit.textChanged.connect(self._typed)
        self.cancel_button.clicked.connect(self.reject)
        self.purge_button.clicked.connect(self.accept)
        self._reason_chosen()
        (self.reason if self.reason is not None and not self.reason.currentData()
         else self.confirm_edit).setFocus()
        self.resize(680, 600 if lawful else 480)

    def _reason_chosen(self) -> None:
        code = str(self.reason.currentData() or "") if self.reason is not None else ""
        if self.reason is not None:
            self.plan = self.base.with_reason(code) if code else self.base
            self.reason_text.setText(LAWFUL_REASONS.get(code, "The reason is recorded in the "
                                                        "audit trail as a code (no free "
                                                        "text, which could name people)."))
            if code:
                set_message(self.message, "")
        self.lines.setPlainText("\n\n".join(self.plan.lines()))

    def _typed(self, text: str) -> None:
        ready = text.strip() == CONFIRM_WORD
        self.purge_button.setEnabled(ready)
        self.purge_button.setDefault(ready)
        self.cancel_button.setDefault(not ready)

    def remove_backups(self) -> bool:
        """Whether to overwrite and delete the older backups the plan lists."""
        return self.backups_box is not None and self.backups_box.isChecked()

    def accept(self) -> None:
        if self.confirm_edit.text().strip() != CONFIRM_WORD:
            return
        if self.plan.reason_missing:
            set_message(self.message, "Choose the reason for the deletion first: it is "
                                      "recorded in the audit trail.")
            if self.reason is not None:
                self.reason.setFocus()
            return
        super().accept()
