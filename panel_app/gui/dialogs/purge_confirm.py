"""Confirm a purge: the plan's lines name every case and what will go; the Purge button
stays disabled until the user types PURGE."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.services.privacy import PurgePlan
from panel_app.gui.icons import risk_icon
from panel_app.gui.theme import heading

CONFIRM_WORD = "PURGE"


class PurgeConfirmDialog(QDialog):
    def __init__(self, plan: PurgePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle("Confirm the purge")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        n = len(plan.targets)
        title = heading(f"Purge {n} {'case' if n == 1 else 'cases'} for good?", parent=self)
        layout.addWidget(title)

        warn = QHBoxLayout()
        icon = QLabel()
        size = self.fontMetrics().height() * 2
        icon.setPixmap(risk_icon("red").pixmap(size, size))
        warn.addWidget(icon)
        intro = QLabel("⚠ This cannot be undone. Everything listed below is removed from "
                       "the database file; the audit trail keeps only a note of the purge "
                       "(no names). Partners remove it too when they import your next "
                       "bundle.")
        intro.setWordWrap(True)
        warn.addWidget(intro, 1)
        layout.addLayout(warn)

        what_label = QLabel("&What will go:")
        self.lines = QPlainTextEdit()
        self.lines.setReadOnly(True)
        self.lines.setAccessibleName("What will go")
        self.lines.setPlainText("\n\n".join(plan.lines()))
        self.lines.setMinimumHeight(self.fontMetrics().height() * 10)
        what_label.setBuddy(self.lines)
        layout.addWidget(what_label)
        layout.addWidget(self.lines, 1)

        type_label = QLabel(f"&Type {CONFIRM_WORD} to confirm:")
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setAccessibleName(f"Type {CONFIRM_WORD} to confirm")
        type_label.setBuddy(self.confirm_edit)
        layout.addWidget(type_label)
        layout.addWidget(self.confirm_edit)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("&Cancel")
        self.purge_button = QPushButton("&Purge")
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
        self.confirm_edit.setFocus()
        self.resize(640, 460)

    def _typed(self, text: str) -> None:
        ready = text.strip() == CONFIRM_WORD
        self.purge_button.setEnabled(ready)
        self.purge_button.setDefault(ready)
        self.cancel_button.setDefault(not ready)

    def accept(self) -> None:
        if self.confirm_edit.text().strip() != CONFIRM_WORD:
            return
        super().accept()
