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
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _shots import demo_session, make_grab, use_screen, wait  # noqa: E402

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
    use_screen(args.scale)  # with a scale, a 1920 x 1080 screen

    from panel_app.core.domain.upn import make_upn
    from panel_app.gui.app import make_application
    from panel_app.gui.theme import apply_theme
    from panel_app.gui.views.main_window import MainWindow

    app = make_application()
    apply_theme(app, dark=False)
    folder = Path(tempfile.gettempdir()) / f"panel-app-screenshots-reports-{os.getpid()}"
    save = make_grab(app, args.out)

    def grab(widget: Any, name: str) -> None:
        save(widget, name)
        print(f"wrote {args.out / name}.png ({widget.width()}x{widget.height()} at scale "
              f"{widget.devicePixelRatioF():g})")

    with demo_session(app, folder) as (host, ctx, info):
        window = MainWindow(host, ctx, info)
        window.resize(1280, 720 if args.scale else 760)
        window.show()
        wait(app, lambda: window.cases.last_result is not None)

        if not args.scale:
            csv_path = folder / "sims-export.csv"
            csv_path.write_text(CSV.format(**{k: make_upn(823, 4100, 2014, 900 + i)
                                              for i, k in enumerate("abcd")}))
            dialog = window.cases.open_import()
            wait(app, lambda: dialog.school.count() > 1)
            dialog.path.setText(str(csv_path))
            dialog.school.setCurrentIndex(1)
            dialog.go_next()
            wait(app, lambda: dialog.pages.currentIndex() == 1)
            dialog.go_next()
            wait(app, lambda: dialog.preview is not None)
            dialog.resize(980, 560)
            grab(dialog, "import-preview")
            dialog.reject()

        view = window.pages["Reports"]
        window.show_section("Reports")
        wait(app, lambda: view.report is not None and view.trend is not None)
        window.statusBar().clearMessage()
        grab(window, f"reports-{round(args.scale * 100)}" if args.scale else "reports")
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
