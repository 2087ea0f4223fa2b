"""Settings page: keyring, passphrase, recovery key, display name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.errors import WrongPassphraseError
from panel_app.core.services import key_status, unlock
from panel_app.gui.dialogs.passphrase import ChangePassphraseDialog
from panel_app.gui.dialogs.recovery_key import RecoveryKeyDialog
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, make_window


def settings_of(window: Any) -> Any:
    window.show_section("Settings")
    return window.settings


def test_remember_and_forget_the_key(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                     memory_keyring: Any) -> None:
    ctx.keyring = memory_keyring
    page = settings_of(make_window(qtbot, host, ctx, db_path))
    qtbot.waitUntil(lambda: "not saved" in page.keyring_label.text(), timeout=WAIT_MS)
    assert page.remember_button.isEnabled() and not page.forget_button.isEnabled()
    qtbot.mouseClick(page.remember_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.forget_button.isEnabled(), timeout=WAIT_MS)
    assert key_status(db_path, memory_keyring)["in_keyring"]
    qtbot.mouseClick(page.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.remember_button.isEnabled(), timeout=WAIT_MS)
    assert not key_status(db_path, memory_keyring)["in_keyring"]
    assert "removed" in page.message.text()


def test_without_a_keyring_remember_is_disabled(qtbot: Any, window: Any) -> None:
    page = settings_of(window)
    qtbot.waitUntil(lambda: "no secure keyring" in page.keyring_label.text(),
                    timeout=WAIT_MS)
    assert "keyring.backends" not in page.keyring_label.text()  # the class: in the tool tip
    assert "keyring.backends" in page.keyring_label.toolTip()
    assert not page.remember_button.isEnabled()


def test_change_passphrase(qtbot: Any, window: Any, db_path: Path, ctx: Any) -> None:
    page = settings_of(window)
    page.change_passphrase()
    dialog = page.dialog
    assert isinstance(dialog, ChangePassphraseDialog)
    qtbot.keyClicks(dialog.new, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    dialog.submit()
    qtbot.waitUntil(lambda: "at least 8" in dialog.message.text(), timeout=WAIT_MS)
    for field in (dialog.new, dialog.repeat):
        field.clear()
        qtbot.keyClicks(field, "correct horse battery")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit()
    assert "changed" in page.message.text()
    window.lock()
    unlock(db_path, passphrase="correct horse battery", keyring=ctx.keyring).lock()
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, passphrase=PASSPHRASE, keyring=ctx.keyring)


def test_new_recovery_key_is_shown_once(qtbot: Any, window: Any, db_path: Path,
                                        recovery_key: str, ctx: Any) -> None:
    page = settings_of(window)
    page.confirm = lambda *_a: False
    page.new_recovery_key()
    assert page.dialog is None  # declined: nothing changed
    page.confirm = lambda *_a: True
    page.new_recovery_key()
    qtbot.waitUntil(lambda: isinstance(page.dialog, RecoveryKeyDialog), timeout=WAIT_MS)
    dialog = page.dialog
    new_key = dialog.key_label.text()
    assert len(new_key) == 39 and new_key != recovery_key
    assert not dialog.continue_button.isEnabled()
    dialog.reject()  # Escape does not skip it
    assert dialog.isVisible()
    dialog.stored.setChecked(True)
    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.key_label.text() == ""
    assert "new recovery key" in page.message.text()
    window.lock()
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, recovery_key=recovery_key, new_passphrase="whatever123",
               keyring=ctx.keyring)
    unlock(db_path, recovery_key=new_key, new_passphrase="whatever123",
           keyring=ctx.keyring, kdf=ctx.kdf).lock()


def test_display_name(qtbot: Any, window: Any) -> None:
    page = settings_of(window)
    assert page.user_name.text() == "Test Clerk"
    page.user_name.clear()
    page.save_user_name()
    qtbot.waitUntil(lambda: "Enter your name" in page.message.text(), timeout=WAIT_MS)
    qtbot.keyClicks(page.user_name, "Priya Raman")
    with qtbot.waitSignal(page.user_name_changed, timeout=WAIT_MS):
        qtbot.keyClick(page.user_name, Qt.Key.Key_Return)
    info: dict[str, Any] = {}
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        window.host.run(lambda s: s.info(), success=callback)
    info = callback.args[0]
    assert info["user_name"] == "Priya Raman"


def test_locking_closes_open_settings_dialogs(qtbot: Any, window: Any) -> None:
    page = settings_of(window)
    page.confirm = lambda *_a: True
    page.new_recovery_key()
    qtbot.waitUntil(lambda: isinstance(page.dialog, RecoveryKeyDialog), timeout=WAIT_MS)
    dialog = page.dialog
    window.lock()
    assert not dialog.isVisible() and dialog.key_label.text() == ""
    assert page.user_name.text() == ""
