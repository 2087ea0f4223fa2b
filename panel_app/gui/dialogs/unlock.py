"""Unlock a partnership: the OS keyring silently, else the passphrase, else the
recovery key (which sets a new passphrase). Errors are shown inline as sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from panel_app.core.services import key_status, unlock
from panel_app.core.services.demo import DEMO_PASSPHRASE
from panel_app.gui.context import AppContext
from panel_app.gui.qtcompat import emit
from panel_app.gui.theme import heading, message_label, set_message
from panel_app.gui.worker import SessionHost, error_text


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class UnlockDialog(QDialog):
    """Call ``start()``: it tries the keyring first (when ``try_keyring``) and shows the
    dialog only if the user has to type something. ``unlocked`` carries session info."""

    unlocked = Signal(dict)

    def __init__(self, path: Path, host: SessionHost, ctx: AppContext, *,
                 try_keyring: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._host = host
        self._ctx = ctx
        self._try_keyring = try_keyring
        self.status: dict[str, Any] = {}
        self.setWindowTitle("Unlock partnership")
        self.setModal(True)
        self.setMinimumWidth(460)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Unlock {self.path.name}", parent=self))
        self.where = QLabel(str(self.path))
        self.where.setProperty("role", "muted")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(self._recovery_page())
        layout.addWidget(self.pages)
        self.busy = QLabel("")
        self.busy.setProperty("role", "muted")
        self.busy.setVisible(False)
        layout.addWidget(self.busy)

    # -- pages -----------------------------------------------------------------------------
    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 6, 0, 0)
        self.hint = QLabel()
        self.hint.setProperty("role", "banner")
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        v.addWidget(self.hint)
        form = QFormLayout()
        self.passphrase = _password_field("Passphrase")
        label = QLabel("&Passphrase:")
        label.setBuddy(self.passphrase)
        form.addRow(label, self.passphrase)
        self.show_passphrase = QCheckBox("S&how passphrase")
        self.show_passphrase.setAccessibleName("Show passphrase")
        self.show_passphrase.toggled.connect(
            lambda on: self.passphrase.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        form.addRow("", self.show_passphrase)
        v.addLayout(form)
        self.message = message_label("error")
        v.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("&Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setDefault(True)
        self.keyring_button = QPushButton("Use this &computer's key")
        self.keyring_button.setToolTip("Unlock with the key saved in this computer's keyring")
        self.keyring_button.setVisible(False)
        buttons.addButton(self.keyring_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.recovery_button = buttons.addButton(
            "Use &recovery key…", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.unlock_button.clicked.connect(self.submit_passphrase)
        self.keyring_button.clicked.connect(lambda: self._unlock_with_keyring())
        self.recovery_button.clicked.connect(self.show_recovery_page)
        self.cancel_button.clicked.connect(self.reject)
        self.passphrase.returnPressed.connect(self.submit_passphrase)
        v.addWidget(buttons)
        return page

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 6, 0, 0)
        intro = QLabel("Type the recovery key you stored when the partnership was created "
                       "(8 groups of 4 letters and digits), then choose a new passphrase. "
                       "The old passphrase stops working.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        form = QFormLayout()
        self.recovery_key = QLineEdit()
        self.recovery_key.setAccessibleName("Recovery key")
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.new_passphrase = _password_field("New passphrase")
        self.repeat_passphrase = _password_field("Repeat new passphrase")
        for text, field in (("&Recovery key:", self.recovery_key),
                            ("&New passphrase:", self.new_passphrase),
                            ("Re&peat new passphrase:", self.repeat_passphrase)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        v.addLayout(form)
        self.recovery_message = message_label("error")
        v.addWidget(self.recovery_message)
        buttons = QDialogButtonBox()
        self.recover_button = buttons.addButton(
            "Unlock and &set passphrase", QDialogButtonBox.ButtonRole.AcceptRole)
        self.back_button = buttons.addButton("&Back", QDialogButtonBox.ButtonRole.RejectRole)
        self.recover_button.clicked.connect(self.submit_recovery)
        self.back_button.clicked.connect(self.show_passphrase_page)
        self.repeat_passphrase.returnPressed.connect(self.submit_recovery)
        v.addWidget(buttons)
        return page

    def _switch(self, index: int) -> None:
        # Size the stack to the page on show, not the largest page, so no gap opens up.
        for i in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.pages.widget(i)
            if page is not None:
                page.setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        self.adjustSize()

    def show_recovery_page(self) -> None:
        self._switch(1)
        self.recovery_key.setFocus()

    def show_passphrase_page(self) -> None:
        self._switch(0)
        self.passphrase.setFocus()

    # -- flow ------------------------------------------------------------------------------
    def start(self) -> None:
        """Find out what this file needs; unlock silently from the keyring if allowed."""
        path, keyring = self.path, self._ctx.keyring
        self._set_busy("Checking how this file can be opened…")
        self._host.call(lambda: key_status(path, keyring), success=self._got_status,
                        failure=self._status_failed, parent=self)

    def _got_status(self, status: dict[str, Any]) -> None:
        self.status = status
        self._set_busy("")
        if status.get("demo"):
            self.hint.setText("This is the demo partnership, with invented schools and "
                              f"pupils. Its passphrase is: <b>{DEMO_PASSPHRASE}</b>")
            self.hint.setAccessibleName("This is the demo partnership. Its passphrase is: "
                                        + DEMO_PASSPHRASE)
            self.hint.setVisible(True)
        self.keyring_button.setVisible(bool(status.get("in_keyring")))
        self.recovery_button.setEnabled(bool(status.get("has_recovery", True)))
        if self._try_keyring and status.get("in_keyring"):
            self._unlock_with_keyring(silent=True)
            return
        self._present()

    def _status_failed(self, exc: BaseException) -> None:
        self._set_busy("")
        set_message(self.message, error_text(exc))
        for widget in (self.passphrase, self.unlock_button, self.recovery_button,
                       self.show_passphrase):
            widget.setEnabled(False)
        self._present()

    def _present(self) -> None:
        if not self.isVisible():
            self.open()
        self.show_passphrase_page()

    def _unlock_with_keyring(self, silent: bool = False) -> None:
        path, ctx = self.path, self._ctx
        self._set_busy("Unlocking with the key saved on this computer…")

        def failed(exc: BaseException) -> None:
            self._set_busy("")
            set_message(self.message, error_text(exc) + (
                " Enter the passphrase instead." if silent else ""))
            self._present()

        self._host.open(lambda: unlock(path, keyring=ctx.keyring, clock=ctx.clock),
                        success=self._done, failure=failed, parent=self)

    def submit_passphrase(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase:
            set_message(self.message, "Enter the passphrase.")
            self.passphrase.setFocus()
            return
        path, ctx = self.path, self._ctx
        set_message(self.message, "")
        self._set_busy("Unlocking…")
        self._host.open(lambda: unlock(path, passphrase=passphrase, keyring=ctx.keyring,
                                       clock=ctx.clock),
                        success=self._done, failure=self._passphrase_failed, parent=self)

    def _passphrase_failed(self, exc: BaseException) -> None:
        self._set_busy("")
        set_message(self.message, error_text(exc))
        self.passphrase.clear()
        self.passphrase.setFocus()

    def submit_recovery(self) -> None:
        key, new, again = (self.recovery_key.text().strip(), self.new_passphrase.text(),
                           self.repeat_passphrase.text())
        problem = ""
        if not key:
            problem, focus = "Type the recovery key.", self.recovery_key
        elif not new:
            problem, focus = "Choose a new passphrase.", self.new_passphrase
        elif new != again:
            problem, focus = "The two new passphrases are not the same.", self.repeat_passphrase
        if problem:
            set_message(self.recovery_message, problem)
            focus.setFocus()
            return
        path, ctx = self.path, self._ctx
        set_message(self.recovery_message, "")
        self._set_busy("Unlocking and setting the new passphrase…")

        def failed(exc: BaseException) -> None:
            self._set_busy("")
            set_message(self.recovery_message, error_text(exc))

        self._host.open(lambda: unlock(path, recovery_key=key, new_passphrase=new,
                                       keyring=ctx.keyring, clock=ctx.clock, kdf=ctx.kdf),
                        success=lambda info: self._done({**info, "passphrase_reset": True}),
                        failure=failed, parent=self)

    def _done(self, info: dict[str, Any]) -> None:
        self._set_busy("")
        for field in (self.passphrase, self.recovery_key, self.new_passphrase,
                      self.repeat_passphrase):
            field.clear()
        emit(self.unlocked, info)
        if self.isVisible():
            self.accept()

    def _set_busy(self, text: str) -> None:
        self.busy.setText(text)
        self.busy.setVisible(bool(text))
        self.pages.setEnabled(not text)
