"""Settings: auto-lock time, the key on this computer, passphrase, recovery key and the
user's display name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.services import key_status
from panel_app.gui.context import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, AppContext
from panel_app.gui.dialogs.passphrase import ChangePassphraseDialog
from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB, RETENTION_TAB, PrivacyDialog
from panel_app.gui.dialogs.recovery_key import RecoveryKeyDialog
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def ask(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def keyring_text(status: dict[str, Any]) -> str:
    if status.get("in_keyring"):
        return ("The key is saved in this computer's keyring: the file opens without the "
                "passphrase when you are logged in to this computer account.")
    if not status.get("keyring_usable"):  # the technical reason goes in the tool tip
        return ("This computer has no secure keyring (the system's password store) to keep "
                "the key in, so the passphrase is asked at each unlock.")
    return "The key is not saved on this computer: the passphrase is asked at each unlock."


class SettingsView(QWidget):
    idle_minutes_changed = Signal(int)
    user_name_changed = Signal(str)

    def __init__(self, host: SessionHost, ctx: AppContext,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._ctx = ctx
        self.confirm: Callable[[QWidget, str, str], bool] = ask
        self.dialog: QWidget | None = None  # the sub-dialog open now, if any
        self.privacy: PrivacyDialog | None = None  # audit trail and retention
        self.path_text = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Settings")
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.addWidget(heading("Settings", parent=self))

        locking = QGroupBox("Locking")
        form = QFormLayout(locking)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.idle = QSpinBox()
        self.idle.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.idle.setSuffix(" minutes")
        self.idle.setValue(ctx.settings.idle_minutes)
        self.idle.setAccessibleName("Lock after idle minutes")
        idle_label = QLabel("Lock after &idle time of:")
        idle_label.setBuddy(self.idle)
        form.addRow(idle_label, self.idle)
        layout.addWidget(locking)

        computer = QGroupBox("The key on this computer")
        box = QVBoxLayout(computer)
        self.keyring_label = QLabel("")
        self.keyring_label.setWordWrap(True)
        box.addWidget(self.keyring_label)
        row = QHBoxLayout()
        self.remember_button = QPushButton("&Remember on this computer")
        self.remember_button.setToolTip("Save the key in this computer's keyring")
        self.forget_button = QPushButton("Forge&t key on this computer")
        self.forget_button.setToolTip("Remove the key from this computer's keyring")
        row.addWidget(self.remember_button)
        row.addWidget(self.forget_button)
        row.addStretch(1)
        box.addLayout(row)
        layout.addWidget(computer)

        secrets = QGroupBox("Passphrase and recovery key")
        row = QHBoxLayout(secrets)
        self.passphrase_button = QPushButton("Change &passphrase…")
        self.recovery_button = QPushButton("New recovery &key…")
        self.recovery_button.setToolTip("Make a new recovery key; the old one stops working")
        row.addWidget(self.passphrase_button)
        row.addWidget(self.recovery_button)
        row.addStretch(1)
        layout.addWidget(secrets)

        you = QGroupBox("You")
        form = QFormLayout(you)
        name_row = QHBoxLayout()
        self.user_name = QLineEdit()
        self.user_name.setAccessibleName("Your display name")
        self.save_name_button = QPushButton("Sa&ve name")
        self.user_name.setMaximumWidth(40 * self.fontMetrics().averageCharWidth())
        name_row.addWidget(self.user_name, 1)
        name_row.addWidget(self.save_name_button)
        name_row.addStretch(1)
        name_label = QLabel("Your &display name:")
        name_label.setBuddy(self.user_name)
        form.addRow(name_label, name_row)
        hint = QLabel("Shown on notes and in the audit trail of changes you make.")
        hint.setProperty("role", "muted")
        form.addRow("", hint)
        layout.addWidget(you)

        privacy = QGroupBox("Privacy: audit trail and retention")
        box = QVBoxLayout(privacy)
        self.audit_warning = message_label()
        box.addWidget(self.audit_warning)
        row = QHBoxLayout()
        self.audit_button = QPushButton("A&udit trail…")
        self.audit_button.setToolTip("Who changed what and when; check the chain; export "
                                     "a case's history")
        self.retention_button = QPushButton("Rete&ntion and purge…")
        self.retention_button.setToolTip("The retention policy, the cases due for review, "
                                         "and purge")
        row.addWidget(self.audit_button)
        row.addWidget(self.retention_button)
        row.addStretch(1)
        box.addLayout(row)
        layout.addWidget(privacy)

        self.file_label = QLabel("")
        self.file_label.setProperty("role", "muted")
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)

        self.idle.valueChanged.connect(self._idle_changed)
        self.remember_button.clicked.connect(self.remember)
        self.forget_button.clicked.connect(self.forget)
        self.passphrase_button.clicked.connect(self.change_passphrase)
        self.recovery_button.clicked.connect(self.new_recovery_key)
        self.save_name_button.clicked.connect(self.save_user_name)
        self.user_name.returnPressed.connect(self.save_user_name)
        self.audit_button.clicked.connect(lambda: self.open_privacy(AUDIT_TAB))
        self.retention_button.clicked.connect(lambda: self.open_privacy(RETENTION_TAB))

    # -- loading ---------------------------------------------------------------------------
    def load(self, info: dict[str, Any]) -> None:
        self.user_name.setText(str(info.get("user_name", "")))
        self.file_label.setText(f"File: {info.get('path', '')} · schema version "
                                f"{info.get('schema_version', '?')}")
        self.path_text = str(info.get("path", ""))
        set_message(self.message, "")
        self.show_audit_state(info)
        self.refresh_keyring()

    def show_audit_state(self, info: dict[str, Any]) -> None:
        if info.get("audit_ok") is False:
            set_message(self.audit_warning, "The audit trail is broken: "
                        + str(info.get("audit_problem") or "an entry was changed."),
                        "warning")
        else:
            set_message(self.audit_warning, "")

    def clear(self) -> None:
        self.user_name.clear()
        self.keyring_label.clear()
        set_message(self.message, "")

    def refresh_keyring(self) -> None:
        if not self.path_text:
            return
        path, keyring = Path(self.path_text), self._ctx.keyring
        self._host.call(lambda: key_status(path, keyring), success=self._show_keyring,
                        failure=self._failed, parent=self)

    def _show_keyring(self, status: dict[str, Any]) -> None:
        self.keyring_label.setText(keyring_text(status))
        reason = "" if status.get("keyring_usable") else status.get("keyring_reason") or ""
        self.keyring_label.setToolTip(f"Details: {reason}" if reason else "")
        self.remember_button.setEnabled(bool(status.get("keyring_usable"))
                                        and not status.get("in_keyring"))
        self.forget_button.setEnabled(bool(status.get("in_keyring")))

    def _failed(self, exc: BaseException) -> None:
        set_message(self.message, error_text(exc))

    def _ok(self, text: str) -> None:
        set_message(self.message, text, "ok")

    # -- actions ---------------------------------------------------------------------------
    def _idle_changed(self, minutes: int) -> None:
        self._ctx.settings.idle_minutes = minutes
        emit(self.idle_minutes_changed, minutes)

    def remember(self) -> None:
        def done(stored: bool) -> None:
            if stored:
                self._ok("The key is now saved in this computer's keyring.")
            else:
                set_message(self.message, "This computer's keyring refused the key: the "
                                          "passphrase will still be asked.")
            self.refresh_keyring()

        self._host.run(lambda s: s.remember_on_this_computer(), success=done,
                       failure=self._failed, parent=self)

    def forget(self) -> None:
        def done(removed: bool) -> None:
            self._ok("The key was removed from this computer." if removed
                     else "This computer did not hold the key.")
            self.refresh_keyring()

        self._host.run(lambda s: s.forget_on_this_computer(), success=done,
                       failure=self._failed, parent=self)

    def change_passphrase(self) -> None:
        dialog = ChangePassphraseDialog(self._host, self._ctx, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._ok("The passphrase was changed."))
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()

    def new_recovery_key(self) -> None:
        if not self.confirm(self, "New recovery key",
                            "Make a new recovery key? The old one will stop working, so "
                            "destroy any paper copy of it."):
            return
        self._host.run(lambda s: s.new_recovery_key(), success=self._show_recovery_key,
                       failure=self._failed, parent=self)

    def _show_recovery_key(self, key: str) -> None:
        dialog = RecoveryKeyDialog(key, parent=self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._ok("The new recovery key is in use."))
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def save_user_name(self) -> None:
        name = self.user_name.text().strip()

        def done(_changes: object) -> None:
            self._ok("Your name was saved.")
            emit(self.user_name_changed, name)

        self._host.run(lambda s: s.set_user_name(name), success=done, failure=self._failed,
                       parent=self)

    def open_privacy(self, tab: int = AUDIT_TAB) -> PrivacyDialog:
        if self.privacy is None:
            self.privacy = PrivacyDialog(self._host, self)
        self.privacy.show_tab(tab)
        self.privacy.load()
        self.privacy.show()
        self.privacy.raise_()
        return self.privacy

    def close_dialogs(self) -> None:
        if self.privacy is not None:
            self.privacy.close()
        dialog, self.dialog = self.dialog, None
        if isinstance(dialog, RecoveryKeyDialog):
            dialog.force_close()
        elif dialog is not None:
            dialog.close()
