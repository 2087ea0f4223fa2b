"""Change the passphrase of the open partnership (typed twice)."""

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

from panel_app.core.errors import ValidationError
from panel_app.gui.context import AppContext
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


class ChangePassphraseDialog(QDialog):
    def __init__(self, host: SessionHost, ctx: AppContext,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.setWindowTitle("Change passphrase")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Change the passphrase", parent=self))
        explain = QLabel("Everyone who opens this file will need the new passphrase. The "
                         "recovery key keeps working.")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        form = QFormLayout()
        self.new = QLineEdit()
        self.repeat = QLineEdit()
        for text, field, name in (("&New passphrase:", self.new, "New passphrase"),
                                  ("&Repeat new passphrase:", self.repeat,
                                   "Repeat new passphrase")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(name)
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        layout.addLayout(form)
        self.message = message_label()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.change_button = buttons.addButton(
            "&Change passphrase", QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.change_button.clicked.connect(self.submit)
        cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        new = self.new.text()
        if not new:
            set_message(self.message, "Type the new passphrase.")
            self.new.setFocus()
            return
        if new != self.repeat.text():
            set_message(self.message, "The two passphrases are not the same.")
            self.repeat.setFocus()
            return
        kdf = self._ctx.kdf
        self.setEnabled(False)
        set_message(self.message, "Changing the passphrase…", "muted")
        self._host.run(lambda s: s.change_passphrase(new, kdf), success=self._done,
                       failure=self._failed, parent=self)

    def _done(self, _result: object) -> None:
        self.new.clear()
        self.repeat.clear()
        self.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        text = error_text(exc)
        if isinstance(exc, ValidationError):
            text = " ".join(i.message for i in exc.issues) or text
        set_message(self.message, text)
