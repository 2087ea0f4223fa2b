"""Show a recovery key once, with a clear instruction to write it down or print it."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.theme import heading


class RecoveryKeyDialog(QDialog):
    """Continue stays disabled until "I have stored the recovery key" is ticked;
    Escape and the close button do nothing before that."""

    def __init__(self, recovery_key: str, partnership: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = recovery_key
        self._partnership = partnership
        self.setWindowTitle("Your recovery key")
        self.setModal(True)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Write down or print this recovery key now", parent=self))
        explain = QLabel(
            "If the passphrase is forgotten, this key is the only way to open the "
            "partnership's data. It is shown only this once. Write it on paper or print "
            "it, and keep it locked away from this laptop (for example in the school "
            "safe). Do not save it in a file or an email.")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.key_label = QLabel(recovery_key)
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setAccessibleName("Recovery key")
        self.key_label.setAccessibleDescription(" ".join(recovery_key.replace("-", " ")))
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.key_label.font())
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "monospace"])
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.key_label.setFont(font)
        layout.addWidget(self.key_label)
        self.stored = QCheckBox("&I have stored the recovery key")
        self.stored.setAccessibleName("I have stored the recovery key")
        layout.addWidget(self.stored)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton("&Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setToolTip("Print the recovery key on paper")
        self.continue_button = buttons.addButton(
            "&Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.continue_button.setEnabled(False)
        self.stored.toggled.connect(self.continue_button.setEnabled)
        self.print_button.clicked.connect(self.print_key)
        self.continue_button.clicked.connect(self.accept)
        layout.addWidget(buttons)

    def reject(self) -> None:
        if self.stored.isChecked():
            self.accept()

    def force_close(self) -> None:
        """Close even before the box is ticked (the app is locking)."""
        self.key_label.clear()
        self._key = ""
        super().reject()

    def accept(self) -> None:
        if not self.stored.isChecked():
            return
        self.key_label.clear()
        self._key = ""
        super().accept()

    def print_key(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setHtml(
            "<h2>Partnership Panel recovery key</h2>"
            f"<p>{html.escape(self._partnership)}</p>"
            f"<p style='font-family:monospace;font-size:18pt'><b>{html.escape(self._key)}</b></p>"
            "<p>Keep this paper locked away. Anyone with this key and the partnership "
            "file can read the data. OFFICIAL-SENSITIVE</p>")
        doc.print_(printer)
