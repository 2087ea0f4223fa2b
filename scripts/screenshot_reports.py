"""Screenshots of the pupil import preview and the Reports section (standalone).

Builds the invented demo partnership in a temporary folder, records a few invented
exclusions, then saves docs/screenshots/import-preview.png (a small generated CSV with
one bad row) and docs/screenshots/reports.png. Run: python scripts/screenshot_reports.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from screenshots import _wait  # noqa: E402

CSV = """UPN,Legal Surname,Legal Forename,DOB,NC Year,Gender,SEN Provision
{a},Ashworth,Amelia,12/03/2013,8,F,N
{b},Begum,Bilal,31/02/2013,8,M,K
{c},Nowak,Cara,05/09/2012,9,F,N
BADUPN,Okafor,Daniel,17/01/2012,9,M,N
{d},Price,Evie,22/06/2013,14,F,N
"""


def seed(s: Any) -> None:
    """A few invented exclusions this autumn and last summer."""
    cases = s.list_cases(s_filter()).rows
    for i, row in enumerate(cases[:14]):
        s.exclusions.add(row.case_ref, kind="suspension", start=f"{6 + i:02d}/10/2026",
                         days=1 + i % 3, reason="PD")
        if i % 5 == 0:
            s.exclusions.add(row.case_ref, kind="suspension", start=f"{3 + i:02d}/11/2026",
                             days=2, reason="VA")
    s.exclusions.add(cases[3].case_ref, kind="permanent", start="13/11/2026", reason="PA",
                     status="upheld")


def s_filter() -> Any:
    from panel_app.core.domain.models import CaseFilter

    return CaseFilter(limit=50)


def main() -> int:
    from keyring.backends import fail

    from panel_app.core.domain.upn import make_upn
    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock
    from panel_app.core.services.demo import build_demo
    from panel_app.gui.app import make_application
    from panel_app.gui.context import AppContext, GuiSettings
    from panel_app.gui.views.main_window import MainWindow
    from panel_app.gui.worker import SessionHost

    app = make_application()
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.gettempdir()) / "panel-app-screenshots-reports"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    def grab(widget: Any, name: str) -> None:
        for _ in range(5):
            app.processEvents()
        target = out / f"{name}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        print(target)

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
        done: list[Any] = []
        host.run(seed, success=done.append, failure=done.append)
        _wait(app, lambda: bool(done))
        if isinstance(done[0], BaseException):
            raise SystemExit(f"seeding failed: {done[0]!r}")
        window = MainWindow(host, ctx, {"path": str(path), **info})
        window.resize(1280, 760)
        window.show()
        _wait(app, lambda: window.cases.last_result is not None)

        csv_path = folder / "sims-export.csv"
        csv_path.write_text(CSV.format(**{k: make_upn(823, 4100, 2014, 900 + i)
                                          for i, k in enumerate("abcd")}))
        dialog = window.cases.open_import()
        _wait(app, lambda: dialog.school.count() > 1)
        dialog.path.setText(str(csv_path))
        dialog.school.setCurrentIndex(1)
        dialog.go_next()
        _wait(app, lambda: dialog.pages.currentIndex() == 1)
        dialog.go_next()
        _wait(app, lambda: dialog.preview is not None)
        dialog.resize(980, 560)
        grab(dialog, "import-preview")
        dialog.reject()

        view = window.pages["Reports"]
        window.show_section("Reports")
        _wait(app, lambda: view.report is not None)
        window.statusBar().clearMessage()
        grab(window, "reports")
        window.close()
    finally:
        host.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
