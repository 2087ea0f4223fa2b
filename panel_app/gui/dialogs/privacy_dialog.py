"""Privacy, reached from Settings: the audit trail and retention (with purge) as tabs."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.views.privacy_audit import AuditViewer
from panel_app.gui.views.privacy_retention import RetentionPanel
from panel_app.gui.worker import SessionHost

AUDIT_TAB, RETENTION_TAB = 0, 1


class PrivacyDialog(QDialog):
    def __init__(self, host: SessionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Privacy: audit trail and retention")
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Privacy")
        self.audit = AuditViewer(host)
        self.retention = RetentionPanel(host)
        self.tabs.addTab(self.audit, "Audit trail")
        self.tabs.addTab(self.retention, "Retention")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton("Cl&ose")
        self.close_button.clicked.connect(self.close)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(1000, 700)

    def load(self) -> None:
        self.audit.load()
        self.retention.load()

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)

    def closeEvent(self, event: QCloseEvent) -> None:
        # pupil names leave the screen with the dialog
        self.audit.clear()
        self.retention.clear()
        super().closeEvent(event)
