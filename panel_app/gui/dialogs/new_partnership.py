"""Create a new partnership: name, file location, passphrase twice, then the recovery
key shown once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.errors import ValidationError
from panel_app.core.services import create_partnership
from panel_app.gui.cloud import cloud_warning
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.recovery_key import RecoveryKeyDialog
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def file_name_for(name: str) -> str:
    """'Elmbridge Vale PMG' -> 'Elmbridge-Vale-PMG.panel' (safe on every OS)."""
    stem = re.sub(r"[^\w\-]+", "-", name.strip(), flags=re.UNICODE).strip("-_")
    return (stem[:60] or "partnership") + ".panel"


class NewPartnershipDialog(QDialog):
    """Emits ``created(info)`` once the file exists and the recovery key was stored."""

    created = Signal(dict)

    def __init__(self, host: SessionHost, ctx: AppContext,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.recovery_dialog: RecoveryKeyDialog | None = None
        self.setWindowTitle("Create a new partnership")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Create a new partnership", parent=self))
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setAccessibleName("Partnership name")
        self.name.setPlaceholderText("for example: North Vale Pupil Management Group")
        self.user_name = QLineEdit()
        self.user_name.setAccessibleName("Your name")
        self.user_name.setPlaceholderText("shown in the audit trail and on notes")
        self.folder = QLineEdit(str(ctx.data_dir))
        self.folder.setAccessibleName("Folder")
        self.browse = QPushButton("&Browse…")
        self.browse.setAccessibleName("Browse for folder")
        self.browse.setToolTip("Choose the folder for the partnership file")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.file_label = QLabel()
        self.file_label.setProperty("role", "muted")
        self.file_label.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setAccessibleName("Repeat passphrase")
        rows: list[tuple[str, Any]] = [
            ("Partnership &name:", self.name), ("&Your name:", self.user_name),
            ("&Folder:", folder_row), ("", self.file_label),
            ("&Passphrase:", self.passphrase), ("&Repeat passphrase:", self.repeat)]
        for text, field in rows:
            label = QLabel(text)
            label.setBuddy(self.folder if field is folder_row else field)
            form.addRow(label, field)
        layout.addLayout(form)
        tip = QLabel("Use a long passphrase (at least 8 characters; a few unrelated words "
                     "are easy to remember). Everyone who opens this file needs it.")
        tip.setWordWrap(True)
        tip.setProperty("role", "muted")
        layout.addWidget(tip)
        self.cloud = message_label("warning")
        layout.addWidget(self.cloud)
        self.message = message_label("error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            "&Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._update_location)
        self.folder.textChanged.connect(self._update_location)
        self.browse.clicked.connect(self._browse)
        self.create_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self._update_location()

    @property
    def target(self) -> Path:
        return Path(self.folder.text().strip() or ".").expanduser() / file_name_for(
            self.name.text())

    def _update_location(self) -> None:
        self.file_label.setText(f"Will be saved as {self.target}")
        set_message(self.cloud, cloud_warning(self.target.parent), "warning")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the partnership file",
                                                  self.folder.text())
        if folder:
            self.folder.setText(folder)

    def submit(self) -> None:
        name, passphrase = self.name.text().strip(), self.passphrase.text()
        problem, focus = "", None
        if not name:
            problem, focus = "Give the partnership a name.", self.name
        elif not passphrase:
            problem, focus = "Choose a passphrase.", self.passphrase
        elif passphrase != self.repeat.text():
            problem, focus = "The two passphrases are not the same.", self.repeat
        if problem:
            set_message(self.message, problem)
            if focus is not None:
                focus.setFocus()
            return
        set_message(self.message, "")
        target, ctx = self.target, self._ctx
        user = self.user_name.text().strip() or None

        def create() -> Any:
            target.parent.mkdir(parents=True, exist_ok=True)
            return create_partnership(target, name, passphrase, keyring=ctx.keyring,
                                      kdf=ctx.kdf, clock=ctx.clock, user_name=user)

        self.setEnabled(False)
        self.create_button.setText("Creating…")
        self._host.open(create, success=self._created, failure=self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.create_button.setText("&Create")
        text = error_text(exc)
        if isinstance(exc, ValidationError):
            text = " ".join(i.message for i in exc.issues if i.severity == "error") or text
        set_message(self.message, text)

    def _created(self, info: dict[str, Any]) -> None:
        self.passphrase.clear()
        self.repeat.clear()
        key = str(info.pop("recovery_key", ""))
        self.hide()
        dialog = RecoveryKeyDialog(key, str(info.get("partnership", "")), self.parentWidget())
        self.recovery_dialog = dialog
        dialog.accepted.connect(lambda: self._finish(info))
        dialog.open()

    def _finish(self, info: dict[str, Any]) -> None:
        self.recovery_dialog = None
        emit(self.created, info)
        self.accept()
