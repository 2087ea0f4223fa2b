"""Save screenshots of the GUI on demo data into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out DIR] [--scale 1.5]

Builds the demo partnership in a temporary folder (invented data only, cheap key
derivation since it is thrown away), then captures the main window with the case
list, the case form and the unlock dialog.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait(app: object, done: Callable[[], bool], timeout: float = 20.0) -> None:
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=None,
                        help="display scaling to simulate, e.g. 1.25 or 1.5")
    parser.add_argument("--suffix", default="", help="added to each file name")
    parser.add_argument("--dark", action="store_true", help="use the dark colour scheme")
    parser.add_argument("--all", action="store_true",
                        help="also save the extra views used for review (case tab, locked)")
    args = parser.parse_args(argv)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from keyring.backends import fail

    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock
    from panel_app.core.services.demo import build_demo
    from panel_app.gui.app import make_application
    from panel_app.gui.context import AppContext, GuiSettings
    from panel_app.gui.views.main_window import MainWindow
    from panel_app.gui.worker import SessionHost

    app = make_application()
    if args.dark:
        from panel_app.gui.theme import apply_theme

        apply_theme(app, dark=True)
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def grab(widget: object, name: str) -> None:
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        app.processEvents()
        target = args.out / f"{name}{args.suffix}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        saved.append(target)

    # A fixed folder name so the path in the status bar is the same on every run.
    folder = Path(tempfile.gettempdir()) / "panel-app-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        ctx = AppContext(settings=GuiSettings.at(folder / "settings.ini"),
                         keyring=KeyringStore(fail.Keyring()),
                         clock=FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
                         data_dir=folder, kdf=KdfParams(time_cost=1, memory_cost=1024,
                                                        parallelism=1),
                         open_file=lambda _p: True)
        host = SessionHost()
        info: dict[str, object] = {}
        path = folder / "demo.panel"
        host.open(lambda: build_demo(path, keyring=ctx.keyring, kdf=ctx.kdf, clock=ctx.clock),
                  success=info.update, failure=lambda e: info.update(error=e))
        _wait(app, lambda: bool(info))
        if "error" in info:
            raise SystemExit(f"building the demo failed: {info['error']}")
        info.pop("recovery_key", None)
        window = MainWindow(host, ctx, {"path": str(path), **info})
        window.resize(1280, 760)
        loaded: list[bool] = []
        window.cases.loaded.connect(lambda: loaded.append(True))
        window.show()
        _wait(app, lambda: bool(loaded))
        window.cases.table.selectRow(2)
        window.statusBar().clearMessage()
        grab(window, "main-window")

        form = window.open_case(window.cases.selected_case_id())
        assert form is not None
        _wait(app, lambda: form.tabs.isEnabled() and bool(form.last_issues is not None))
        _wait(app, lambda: form.case_id is not None and "·" in form.title.text())
        for _ in range(20):  # let the first check come back
            app.processEvents()
            time.sleep(0.02)
        grab(form, "case-form")
        if args.all:
            for index, name in ((1, "case"), (form.notes_index, "notes"),
                                (form.documents_index, "documents")):
                form.tabs.setCurrentIndex(index)
                grab(form, f"case-form-{name}-tab")

        from screenshot_ladder import capture_ladder  # scripts/ is on sys.path here

        capture_ladder(app, window, grab, _wait, args.all)
        from screenshot_meetings import capture_meetings  # scripts/ is on sys.path here

        capture_meetings(app, window, grab, _wait)
        from screenshot_proposals import capture_proposals  # scripts/ is on sys.path here

        capture_proposals(app, window, grab, _wait, args.all)
        from screenshot_bundles import capture_bundles  # scripts/ is on sys.path here

        capture_bundles(app, window, host, ctx, folder, grab, _wait, args.all)
        window.lock("user")
        _wait(app, lambda: window.unlock_dialog is not None
              and window.unlock_dialog.isVisible() and window.unlock_dialog.hint.isVisible())
        dialog = window.unlock_dialog
        assert dialog is not None
        dialog.adjustSize()
        grab(dialog, "unlock-dialog")
        if args.all:
            grab(window, "main-window-locked")
        dialog.close()
        window.close()
        host.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for target in saved:
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
