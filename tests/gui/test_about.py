"""The About window (versions, licence, "Copy details", Esc, 150% scaling), the
application icon, and opening a bundle given on the command line or by the file manager
(the installers' file association for .panelbundle files)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, QSize, Qt, qVersion
from PySide6.QtGui import QFileOpenEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from panel_app import __version__
from panel_app.gui.app import FileOpenFilter, make_application, parse_args
from panel_app.gui.dialogs.about import AboutDialog, LicenceDialog
from panel_app.gui.dialogs.bundle_preview import ImportPreviewDialog
from panel_app.gui.dialogs.unlock import UnlockDialog
from panel_app.gui.startup import Startup
from tests.conftest import PASSPHRASE
from tests.gui.bundles_support import Pair, open_bundles
from tests.gui.conftest import WAIT_MS
from tests.gui.test_accessibility import problems_in

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "gui"


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("screenshot_about",
                                                  ROOT / "scripts" / "screenshot_about.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


clipped = _script().clipped  # labels and buttons shown smaller than their text needs


def test_about_shows_versions_licence_and_copies_details(qtbot: Any, window: Any) -> None:
    dialog = window.about()
    assert isinstance(dialog, AboutDialog)
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "About Partnership Panel"
    assert dialog.version.text() == f"Version {__version__}"
    assert "MIT licence" in dialog.licence.text()
    values = {k: v.text() for k, v in dialog.value_labels.items()}
    assert values["Partnership Panel"] == __version__
    assert values["SQLCipher"].startswith("4.")
    assert values["SQLite"].startswith("3.")
    assert values["Qt"] == qVersion()
    assert values["PySide6"] and values["Python"].startswith(
        f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert dialog.icon.pixmap() is not None and not dialog.icon.pixmap().isNull()
    assert problems_in(dialog) == []
    assert clipped(dialog) == []

    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.details()
    assert copied.startswith(f"Partnership Panel {__version__}\n")
    for label in ("SQLCipher", "SQLite", "Qt", "PySide6", "Python", "cryptography"):
        assert f"\n{label}:" in copied
    assert dialog.status.isVisible() and "Copied" in dialog.status.text()
    qtbot.wait(20)
    assert clipped(dialog) == []  # the window grew to fit the message

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "about.png"
    assert dialog.grab().save(str(target))
    assert not QImage(str(target)).isNull()

    assert window.about() is dialog  # shown again, not a second window
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_licence_button_shows_the_mit_text(qtbot: Any) -> None:
    dialog = AboutDialog(versions={"Partnership Panel": __version__})
    qtbot.addWidget(dialog)
    dialog.show()
    licence = dialog.show_licence()
    assert isinstance(licence, LicenceDialog) and licence.isVisible()
    text = licence.text.toPlainText()
    assert text.startswith("MIT License") and "Permission is hereby granted" in text
    assert "GNU LGPL" in text  # the third-party note follows
    assert problems_in(licence) == []
    qtbot.keyClick(licence, Qt.Key.Key_Escape)
    assert not licence.isVisible() and dialog.isVisible()


def test_shipped_licence_is_the_repository_licence() -> None:
    shipped = ROOT / "resources" / "licences" / "LICENSE.txt"
    assert shipped.read_text(encoding="utf-8") == (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_window_icon_is_the_application_icon(qapp: Any) -> None:
    app = make_application()
    icon = app.windowIcon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 256} <= sizes
    assert not icon.pixmap(QSize(16, 16)).isNull()


def test_about_is_readable_at_150_percent() -> None:
    """In a separate process with QT_SCALE_FACTOR=1.5 (it must be set before Qt starts):
    the script exits 1 if any label or button is cut short."""
    env = {k: v for k, v in os.environ.items() if k != "QT_SCALE_FACTOR"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot_about.py"), "--scale", "1.5",
         "--out", str(ARTIFACTS)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(ARTIFACTS / "about-150.png"))
    assert not image.isNull() and image.width() > 600  # device pixels at 1.5


# -- opening a bundle from the command line or the file manager -----------------------------


def test_bundle_arguments() -> None:
    args = parse_args(["/tmp/to-us.panelbundle"])
    assert args.bundle == Path("/tmp/to-us.panelbundle") and args.path is None
    args = parse_args(["/tmp/x.panel", "/tmp/TO-US.PanelBundle"])
    assert args.path == Path("/tmp/x.panel") and args.bundle == Path("/tmp/TO-US.PanelBundle")
    with pytest.raises(SystemExit):
        parse_args(["/tmp/a.panelbundle", "/tmp/b.panelbundle"])


def test_double_clicked_bundle_opens_the_last_partnership_then_its_preview(
        qtbot: Any, host: Any, ctx: Any, pair: Pair) -> None:
    pair.b_case("Ann", "Lee", 1)
    bundle = pair.b_bundle("from-riverside")
    pair.close_a()
    ctx.settings.last_file = pair.a_path
    startup = Startup(host, ctx)
    startup.begin(parse_args([str(bundle)]).path, bundle=parse_args([str(bundle)]).bundle)
    dialog = startup.dialog
    assert isinstance(dialog, UnlockDialog) and dialog.path == pair.a_path
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(startup.ready, timeout=WAIT_MS) as blocker:
        dialog.submit_passphrase()
    window = blocker.args[0]
    qtbot.addWidget(window)
    view = window.pages["Bundles"]
    qtbot.waitUntil(lambda: isinstance(view.dialog, ImportPreviewDialog), timeout=WAIT_MS)
    assert window.stack.currentWidget() is view
    assert view.dialog.windowTitle() == "Import from-riverside.panelbundle"
    assert startup.bundle is None
    view.dialog.reject()
    window.close()


def test_bundle_opened_while_locked_is_previewed_after_the_unlock(
        qtbot: Any, host: Any, ctx: Any, pair: Pair) -> None:
    pair.b_case("Ann", "Lee", 1)
    bundle = pair.b_bundle("b1")
    window, view = open_bundles(qtbot, host, ctx, pair)
    window.show_section("Cases")
    window.lock()
    window.import_bundle_file(bundle)
    assert view.dialog is None and window.pending_bundle == bundle
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    qtbot.keyClicks(window.unlock_dialog.passphrase, PASSPHRASE)
    window.unlock_dialog.submit_passphrase()
    qtbot.waitUntil(lambda: isinstance(view.dialog, ImportPreviewDialog), timeout=WAIT_MS)
    assert window.pending_bundle is None and window.stack.currentWidget() is view
    view.dialog.reject()


def test_a_refused_bundle_from_the_file_manager_says_why(qtbot: Any, host: Any, ctx: Any,
                                                         pair: Pair, tmp_path: Path) -> None:
    broken = tmp_path / "broken.panelbundle"
    broken.write_bytes(b"not a bundle at all")
    window, view = open_bundles(qtbot, host, ctx, pair)
    window.import_bundle_file(broken)
    qtbot.waitUntil(lambda: view.status.isVisible() and view.import_button.isEnabled(),
                    timeout=WAIT_MS)
    assert view.dialog is None
    assert "broken.panelbundle" in view.status_headline.text()


def test_macos_file_open_event_is_passed_on(qapp: QApplication) -> None:
    opened: list[Path] = []
    watcher = FileOpenFilter(opened.append)
    target = QObject()
    target.installEventFilter(watcher)
    assert QApplication.sendEvent(target, QFileOpenEvent("/tmp/from-oak.panelbundle"))
    assert opened == [Path("/tmp/from-oak.panelbundle")]
    other = QFileOpenEvent("/tmp/notes.txt")  # not a bundle: left alone
    QApplication.sendEvent(target, other)
    assert opened == [Path("/tmp/from-oak.panelbundle")]
    assert QEvent.Type.FileOpen == other.type()


def test_cli_gui_command_passes_a_bundle_on() -> None:
    from panel_app.cli import main as cli_main

    seen: list[list[str]] = []

    def gui_main(argv: list[str]) -> int:
        seen.append(argv)
        return 0

    assert cli_main(["gui", "/tmp/to-us.panelbundle"], gui_main=gui_main) == 0
    assert cli_main(["--db", "/tmp/x.panel", "gui", "/tmp/to-us.panelbundle", "--demo"],
                    gui_main=gui_main) == 0
    assert seen == [["/tmp/to-us.panelbundle"],
                    ["/tmp/x.panel", "/tmp/to-us.panelbundle", "--demo"]]
    args = parse_args(seen[1])
    assert args.path == Path("/tmp/x.panel") and args.bundle == Path("/tmp/to-us.panelbundle")


def test_a_file_open_event_before_the_start_is_kept(host: Any, ctx: Any, tmp_path: Path) -> None:
    startup = Startup(host, ctx)
    startup.open_bundle(tmp_path / "early.panelbundle")  # macOS may send it before begin()
    startup.begin()  # nothing remembered: the first-run window
    assert startup.bundle == tmp_path / "early.panelbundle"
    assert startup.dialog is not None
    startup.dialog.close()
