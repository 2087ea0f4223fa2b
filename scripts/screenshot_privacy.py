"""Screenshots of the privacy screens (Settings > Audit trail / Retention and purge):
docs/screenshots/audit-viewer.png, privacy-retention.png (the policy editor and the cases
due) and purge-confirm.png (with an older backup listed).

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_privacy.py [--out DIR]

The demo partnership, plus two invented cases closed in 2018 (so due for review under
the default retention policy), and a backup written after them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

OLD_CASES = (("Morwenna", "Tregarthen", "14/05/2003"), ("Isaac", "Pendleford", "02/11/2002"))


def _wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for the app")
        app.processEvents()
        time.sleep(0.01)


def add_old_cases(session: Any) -> list[str]:
    school = session.list_cases().rows[0].school
    school_id = session.find_school(school).id
    refs = []
    for first, last, dob in OLD_CASES:
        ref = session.create_case({"first_name": first, "last_name": last, "dob": dob,
                                   "year_group": "Y11", "home_school_id": school_id,
                                   "upn": "", "opened_on": "07/01/2016",
                                   "summary": "Referred for a managed move"}).case.case_ref
        session.close_case(ref, "Completed Year 11", on=date(2018, 7, 20))
        refs.append(ref)
    session.backup(Path(session.path).with_name("weekly-backup.panel"))
    return refs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    args = parser.parse_args(argv)

    from keyring.backends import fail

    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock
    from panel_app.core.services.demo import build_demo
    from panel_app.gui.app import make_application
    from panel_app.gui.context import AppContext, GuiSettings
    from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB, RETENTION_TAB
    from panel_app.gui.views.main_window import MainWindow
    from panel_app.gui.worker import SessionHost

    app = make_application()
    args.out.mkdir(parents=True, exist_ok=True)

    def grab(widget: Any, name: str) -> None:
        for _ in range(10):
            app.processEvents()
            time.sleep(0.01)
        target = args.out / f"{name}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        print(target)

    folder = Path(tempfile.gettempdir()) / "panel-app-privacy-screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    host = SessionHost()
    try:
        ctx = AppContext(settings=GuiSettings.at(folder / "settings.ini"),
                         keyring=KeyringStore(fail.Keyring()),
                         clock=FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
                         data_dir=folder, kdf=KdfParams(time_cost=1, memory_cost=1024,
                                                        parallelism=1),
                         open_file=lambda _p: True)
        info: dict[str, Any] = {}
        path = folder / "demo.panel"
        host.open(lambda: build_demo(path, keyring=ctx.keyring, kdf=ctx.kdf, clock=ctx.clock),
                  success=info.update, failure=lambda e: info.update(error=e))
        _wait(app, lambda: bool(info))
        if "error" in info:
            raise SystemExit(f"building the demo failed: {info['error']}")
        info.pop("recovery_key", None)
        got: dict[str, Any] = {}
        host.run(add_old_cases, success=lambda r: got.update(refs=r),
                 failure=lambda e: got.update(error=e))
        _wait(app, lambda: bool(got))
        if "error" in got:
            raise SystemExit(f"adding cases failed: {got['error']!r}")
        window = MainWindow(host, ctx, {"path": str(path), **info})
        window.show()
        window.show_section("Settings")
        dialog = window.settings.open_privacy(AUDIT_TAB)
        loads: list[str] = []
        dialog.audit.loaded.connect(lambda: loads.append("audit"))
        dialog.retention.loaded.connect(lambda: loads.append("retention"))
        _wait(app, lambda: {"audit", "retention"} <= set(loads))
        dialog.resize(1100, 640)
        dialog.audit.table.selectRow(0)
        grab(dialog, "audit-viewer")

        dialog.show_tab(RETENTION_TAB)
        dialog.resize(1100, 720)
        panel = dialog.retention
        panel.purge_selected_button.click()
        _wait(app, lambda: panel.dialog is not None and panel.dialog.isVisible())
        confirm = panel.dialog
        confirm.confirm_edit.setText("PURGE")
        grab(dialog, "privacy-retention")
        grab(confirm, "purge-confirm")
        confirm.reject()
    finally:
        host.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
