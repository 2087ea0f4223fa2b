"""Ask for the passphrase of a passphrase-protected bundle (a partner without a card
yet sent it, and told you the passphrase another way, e.g. by phone)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from panel_app.gui.theme import heading, message_label, set_message


class BundlePassphraseDialog(QDialog):
    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bundle passphrase")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("This bundle is protected by a passphrase", parent=self))
        explain = QLabel(f"{file_name} was protected with a passphrase by a partner who has no "
                         "contact card here yet. Type the passphrase they told you (not by "
                         "email). Opening it takes a few seconds.")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        form = QFormLayout()
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName("Bundle passphrase")
        label = QLabel("&Passphrase:")
        label.setBuddy(self.field)
        form.addRow(label, self.field)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("&Open bundle",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.clicked.connect(self._submit)
        cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def passphrase(self) -> str:
        return self.field.text()

    def _submit(self) -> None:
        if not self.field.text():
            set_message(self.message, "Type the passphrase.")
            self.field.setFocus()
            return
        self.accept()
