"""Screenshots of the pupil import preview and the Reports section (standalone).

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_reports.py [--out DIR] [--scale 1.5]

Builds the invented demo partnership (with its exclusion and attendance records) in a
temporary folder, then saves docs/screenshots/import-preview.png (a small generated CSV
with one bad row) and reports.png (the exclusions report: the table, a trend line per
school across the terms, bars per term). tests/gui/test_reports_charts.py keeps more
views of the charts (permanent exclusions, narrow, large text) under test-artifacts/gui/.

``--scale`` sets QT_SCALE_FACTOR (150% display scaling is 1.5) on a 1920 x 1080 screen and
saves only reports-150.png, the window filling the screen (1280 x 720 at 150%).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

CSV = """UPN,Legal Surname,Legal Forename,DOB,NC Year,Gender,SEN Provision
{a},Ashworth,Amelia,12/03/2013,8,F,N
{b},Begum,Bilal,31/02/2013,8,M,K
{c},Nowak,Cara,05/09/2012,9,F,N
BADUPN,Okafor,Daniel,17/01/2012,9,M,N
{d},Price,Evie,22/06/2013,14,F,N
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=None)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
        config = args.out / "offscreen-screen.json"
        config.write_text('{"screens": [{"name": "screen", "x": 0, "y": 0, "width": 1920, '
                          '"height": 1080, "logicalDpi": 96, "dpr": 1}]}', encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from keyring.backends import fail
    from screenshots import _wait

    from panel_app.core.domain.upn import make_upn
    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock
    from panel_app.core.services.demo import build_demo
    from panel_app.gui.app import make_application
    from panel_app.gui.context import AppContext, GuiSettings
    from panel_app.gui.theme import apply_theme
    from panel_app.gui.views.main_window import MainWindow
    from panel_app.gui.worker import SessionHost

    app = make_application()
    apply_theme(app, dark=False)
    folder = Path(tempfile.gettempdir()) / f"panel-app-screenshots-reports-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    def grab(widget: Any, name: str) -> None:
        for _ in range(5):
            app.processEvents()
        target = args.out / f"{name}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        print(f"wrote {target} ({widget.width()}x{widget.height()} at scale "
              f"{widget.devicePixelRatioF():g})")

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
        window = MainWindow(host, ctx, {"path": str(path), **info})
        window.resize(1280, 720 if args.scale else 760)
        window.show()
        _wait(app, lambda: window.cases.last_result is not None)

        if not args.scale:
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
        _wait(app, lambda: view.report is not None and view.trend is not None)
        window.statusBar().clearMessage()
        grab(window, f"reports-{round(args.scale * 100)}" if args.scale else "reports")
        window.close()
    finally:
        host.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
