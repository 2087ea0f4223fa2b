"""First run, demo, new partnership, remembered file, cloud folders, arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.services import unlock
from panel_app.gui.app import parse_args
from panel_app.gui.cloud import cloud_provider, cloud_warning
from panel_app.gui.dialogs.first_run import FirstRunDialog
from panel_app.gui.dialogs.new_partnership import NewPartnershipDialog, file_name_for
from panel_app.gui.dialogs.recovery_key import RecoveryKeyDialog
from panel_app.gui.dialogs.unlock import UnlockDialog
from panel_app.gui.startup import Startup
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS


@pytest.fixture
def startup(qtbot: Any, host: Any, ctx: Any) -> Any:
    s = Startup(host, ctx)
    yield s
    for widget in (s.dialog, s.window):
        if widget is not None:
            widget.close()


def test_first_run_offers_three_choices(qtbot: Any, startup: Any) -> None:
    startup.begin()
    dialog = startup.dialog
    assert isinstance(dialog, FirstRunDialog) and dialog.isVisible()
    with qtbot.waitSignal(startup.quit):
        dialog.reject()


def test_first_run_demo_builds_and_opens_it(qtbot: Any, startup: Any, ctx: Any) -> None:
    startup.begin()
    with qtbot.waitSignal(startup.ready, timeout=WAIT_MS * 3) as blocker:
        qtbot.mouseClick(startup.dialog.demo_button, Qt.MouseButton.LeftButton)
    window = blocker.args[0]
    assert ctx.demo_path.exists()
    assert ctx.settings.last_file == ctx.demo_path.resolve()
    qtbot.waitUntil(lambda: window.cases.last_result is not None, timeout=WAIT_MS)
    assert window.cases.model.rowCount() == window.cases.last_result.total > 0
    assert window.info["demo"] is True


def test_demo_flag_opens_an_existing_demo(qtbot: Any, startup: Any, ctx: Any,
                                          demo_path: Path) -> None:
    ctx.data_dir = demo_path.parent
    startup.begin(demo=True)
    dialog = startup.dialog
    assert isinstance(dialog, UnlockDialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.hint.isVisible(), timeout=WAIT_MS)


def test_remembered_file_goes_straight_to_unlock(qtbot: Any, startup: Any, ctx: Any,
                                                 db_path: Path) -> None:
    ctx.settings.last_file = db_path
    startup.begin()
    dialog = startup.dialog
    assert isinstance(dialog, UnlockDialog) and dialog.path == db_path
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(startup.ready, timeout=WAIT_MS):
        dialog.submit_passphrase()
    startup.window.close()


def test_cancelled_unlock_returns_to_first_run(qtbot: Any, startup: Any, db_path: Path) -> None:
    startup.begin(db_path)
    qtbot.waitUntil(lambda: startup.dialog.isVisible(), timeout=WAIT_MS)
    startup.dialog.reject()
    assert isinstance(startup.dialog, FirstRunDialog)


def test_missing_file_is_explained(startup: Any, tmp_path: Path) -> None:
    startup.begin(tmp_path / "gone.panel")
    assert isinstance(startup.dialog, FirstRunDialog)
    assert "no partnership file" in startup.dialog.warning.text()


def test_create_a_new_partnership(qtbot: Any, startup: Any, ctx: Any) -> None:
    startup.begin()
    qtbot.mouseClick(startup.dialog.new_button, Qt.MouseButton.LeftButton)
    dialog = startup.dialog
    assert isinstance(dialog, NewPartnershipDialog)
    qtbot.keyClicks(dialog.name, "North Vale PMG")
    qtbot.keyClicks(dialog.user_name, "Clerk Kent")
    assert dialog.target == ctx.data_dir / "North-Vale-PMG.panel"
    qtbot.keyClicks(dialog.passphrase, "a long passphrase")
    qtbot.keyClicks(dialog.repeat, "a long passphrasE")
    dialog.submit()
    assert "not the same" in dialog.message.text()
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, "a long passphrase")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.recovery_dialog is not None
                    and dialog.recovery_dialog.isVisible(), timeout=WAIT_MS)
    shown: RecoveryKeyDialog = dialog.recovery_dialog
    key = shown.key_label.text()
    assert len(key) == 39 and "stored" in shown.stored.text()
    assert not shown.continue_button.isEnabled()
    shown.stored.setChecked(True)
    with qtbot.waitSignal(startup.ready, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(shown.continue_button, Qt.MouseButton.LeftButton)
    window = blocker.args[0]
    assert window.info["partnership"] == "North Vale PMG"
    assert window.info["user_name"] == "Clerk Kent"
    assert "recovery_key" not in window.info
    target = dialog.target
    assert ctx.settings.last_file == target.resolve()
    window.lock()
    qtbot.waitUntil(lambda: not window.host.busy, timeout=WAIT_MS)  # the worker closed it
    unlock(target, recovery_key=key, new_passphrase="another passphrase",
           keyring=ctx.keyring, kdf=ctx.kdf).lock()


def test_weak_passphrase_is_refused_with_the_core_message(qtbot: Any, host: Any,
                                                         ctx: Any) -> None:
    dialog = NewPartnershipDialog(host, ctx)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name, "P")
    qtbot.keyClicks(dialog.passphrase, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    dialog.submit()
    qtbot.waitUntil(lambda: "at least 8" in dialog.message.text(), timeout=WAIT_MS)
    assert dialog.isEnabled() and not dialog.target.exists()


def test_cloud_folder_warning_in_new_partnership(qtbot: Any, host: Any, ctx: Any) -> None:
    dialog = NewPartnershipDialog(host, ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.cloud.isVisible()
    dialog.folder.setText("/Users/sam/Library/CloudStorage/OneDrive-Contoso/Panel")
    assert dialog.cloud.isVisible() and "OneDrive" in dialog.cloud.text()


def test_opening_a_file_in_a_cloud_folder_asks_first(qtbot: Any, ctx: Any) -> None:
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    chosen: list[Any] = []
    dialog.chosen.connect(lambda kind, path: chosen.append((kind, path)))
    target = Path("/home/sam/Dropbox/school/panel.panel")
    dialog.open_existing(target)
    assert chosen == [] and "Dropbox" in dialog.warning.text()
    assert dialog.anyway_button.isVisible()
    qtbot.mouseClick(dialog.anyway_button, Qt.MouseButton.LeftButton)
    assert chosen == [("open", target)]


@pytest.mark.parametrize(("path", "provider"), [
    (r"C:\Users\sam\OneDrive - Oakfield Academy\panel", "OneDrive"),
    ("/home/sam/Dropbox (Personal)/panel", "Dropbox"),
    ("G:/My Drive/panel", "Google Drive"),
    ("/Users/sam/Library/CloudStorage/GoogleDrive-sam@example.org/x", "Google Drive"),
    (r"C:\Users\sam\Google Drive\panel", "Google Drive"),
    ("/Users/sam/Library/Mobile Documents/com~apple~CloudDocs/panel", "iCloud"),
    (r"C:\Users\sam\iCloudDrive\panel", "iCloud"),
    ("/Users/sam/Box/panel", "Box"),
    ("/Users/sam/Library/CloudStorage/Box-Box/panel", "Box"),
    ("/home/sam/Documents/panel", None),
    ("/home/sam/Xbox captures/inbox", None),
    ("/home/sam/boxes/panel", None),
])
def test_cloud_provider(path: str, provider: str | None) -> None:
    assert cloud_provider(path) == provider
    assert bool(cloud_warning(path)) == (provider is not None)


def test_file_name_for() -> None:
    assert file_name_for("Elmbridge Vale PMG") == "Elmbridge-Vale-PMG.panel"
    assert file_name_for("  ../../etc ") == "etc.panel"
    assert file_name_for("") == "partnership.panel"


def test_arguments() -> None:
    args = parse_args(["--demo"])
    assert args.demo and args.path is None
    args = parse_args(["/tmp/x.panel"])
    assert args.path == Path("/tmp/x.panel") and not args.demo


def test_demo_if_new_opens_the_demo_on_a_new_computer(qtbot: Any, startup: Any,
                                                      ctx: Any) -> None:
    assert not ctx.settings.last_file
    with qtbot.waitSignal(startup.ready, timeout=WAIT_MS * 3):
        startup.begin(demo_if_new=True)
    assert ctx.demo_path.exists()


def test_demo_if_new_reopens_the_last_file_afterwards(qtbot: Any, startup: Any, ctx: Any,
                                                       db_path: Path) -> None:
    ctx.settings.last_file = db_path
    startup.begin(demo_if_new=True)
    dialog = startup.dialog
    assert isinstance(dialog, UnlockDialog) and dialog.path == db_path
    assert not ctx.demo_path.exists()
