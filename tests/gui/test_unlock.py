"""The unlock dialog: passphrase, wrong passphrase, recovery key, keyring, demo hint."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.errors import WrongPassphraseError
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import unlock
from panel_app.core.services.demo import DEMO_PASSPHRASE
from panel_app.gui.dialogs.unlock import UnlockDialog
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS


def started(qtbot: Any, host: Any, ctx: Any, path: Path, **kw: Any) -> UnlockDialog:
    dialog = UnlockDialog(path, host, ctx, **kw)
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.pages.isEnabled(), timeout=WAIT_MS)
    return dialog


def digest(path: Path) -> tuple[str, str]:
    return (hashlib.sha256(path.read_bytes()).hexdigest(),
            hashlib.sha256(Path(str(path) + ".key").read_bytes()).hexdigest())


def test_unlock_with_passphrase(qtbot: Any, host: Any, ctx: Any, db_path: Path) -> None:
    dialog = started(qtbot, host, ctx, db_path)
    assert not dialog.hint.isVisible()  # not a demo file
    assert not dialog.keyring_button.isVisible()  # nothing saved on this computer
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(dialog.unlocked, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["partnership"] == "Test Partnership"
    assert host.is_open
    assert dialog.passphrase.text() == ""
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


def test_wrong_passphrase_shows_message_and_changes_nothing(qtbot: Any, host: Any, ctx: Any,
                                                            db_path: Path) -> None:
    before = digest(db_path)
    dialog = started(qtbot, host, ctx, db_path)
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    text = dialog.message.text()
    assert "not right for this database" in text
    assert "Traceback" not in text and "Error" not in text
    assert dialog.passphrase.text() == ""
    assert dialog.isVisible() and not host.is_open
    assert digest(db_path) == before


def test_empty_passphrase_is_not_submitted(qtbot: Any, host: Any, ctx: Any,
                                           db_path: Path) -> None:
    dialog = started(qtbot, host, ctx, db_path)
    dialog.submit_passphrase()
    assert dialog.message.text().endswith("Enter the passphrase.")


def test_recovery_key_sets_a_new_passphrase(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                            recovery_key: str) -> None:
    dialog = started(qtbot, host, ctx, db_path)
    qtbot.mouseClick(dialog.recovery_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1
    # a typo in the repeat is caught before anything runs
    qtbot.keyClicks(dialog.recovery_key, recovery_key.lower().replace("-", " "))
    qtbot.keyClicks(dialog.new_passphrase, "a brand new passphrase")
    qtbot.keyClicks(dialog.repeat_passphrase, "a brand new passphrasf")
    dialog.submit_recovery()
    assert "not the same" in dialog.recovery_message.text()
    dialog.repeat_passphrase.clear()
    qtbot.keyClicks(dialog.repeat_passphrase, "a brand new passphrase")
    with qtbot.waitSignal(dialog.unlocked, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["passphrase_reset"] is True
    with qtbot.waitCallback(timeout=WAIT_MS) as locked:
        host.lock(locked)
    unlock(db_path, passphrase="a brand new passphrase", keyring=ctx.keyring).lock()
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, passphrase=PASSPHRASE, keyring=ctx.keyring)


def test_wrong_recovery_key_is_explained(qtbot: Any, host: Any, ctx: Any,
                                         db_path: Path) -> None:
    dialog = started(qtbot, host, ctx, db_path)
    dialog.show_recovery_page()
    qtbot.keyClicks(dialog.recovery_key, "ABCD-EFGH")
    qtbot.keyClicks(dialog.new_passphrase, "a brand new passphrase")
    qtbot.keyClicks(dialog.repeat_passphrase, "a brand new passphrase")
    dialog.submit_recovery()
    qtbot.waitUntil(lambda: dialog.recovery_message.isVisible(), timeout=WAIT_MS)
    assert "recovery key has 32 letters and digits" in dialog.recovery_message.text()
    assert not host.is_open


def test_keyring_unlocks_silently(qtbot: Any, host: Any, ctx: Any, db_path: Path,
                                  memory_keyring: KeyringStore) -> None:
    session = unlock(db_path, passphrase=PASSPHRASE, keyring=memory_keyring)
    assert session.remember_on_this_computer()
    session.lock()
    ctx.keyring = memory_keyring
    dialog = UnlockDialog(db_path, host, ctx, try_keyring=True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.unlocked, timeout=WAIT_MS):
        dialog.start()
    assert not dialog.isVisible()
    assert host.is_open


def test_after_a_lock_the_keyring_needs_a_click(qtbot: Any, host: Any, ctx: Any,
                                                db_path: Path,
                                                memory_keyring: KeyringStore) -> None:
    session = unlock(db_path, passphrase=PASSPHRASE, keyring=memory_keyring)
    session.remember_on_this_computer()
    session.lock()
    ctx.keyring = memory_keyring
    dialog = started(qtbot, host, ctx, db_path, try_keyring=False)
    assert not host.is_open
    assert dialog.keyring_button.isVisible()
    with qtbot.waitSignal(dialog.unlocked, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.keyring_button, Qt.MouseButton.LeftButton)


def test_demo_file_shows_its_passphrase(qtbot: Any, host: Any, ctx: Any,
                                        demo_path: Path) -> None:
    dialog = started(qtbot, host, ctx, demo_path)
    assert dialog.hint.isVisible()
    assert DEMO_PASSPHRASE in dialog.hint.text()
    qtbot.keyClicks(dialog.passphrase, DEMO_PASSPHRASE)
    with qtbot.waitSignal(dialog.unlocked, timeout=WAIT_MS) as blocker:
        dialog.submit_passphrase()
    assert blocker.args[0]["demo"] is True


def test_missing_key_file_is_reported(qtbot: Any, host: Any, ctx: Any, db_path: Path) -> None:
    Path(str(db_path) + ".key").unlink()
    dialog = started(qtbot, host, ctx, db_path)
    assert "key file" in dialog.message.text()
    assert not dialog.unlock_button.isEnabled()
