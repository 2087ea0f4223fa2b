"""Save screenshots of the GUI on demo data into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out DIR] [--scale 1.5]

Builds the demo partnership in a temporary folder (invented data only, cheap key
derivation since it is thrown away), then captures the main window with the case
list, the case form and the unlock dialog.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _shots import demo_session, make_grab, use_screen, wait  # noqa: E402


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
    use_screen(args.scale)  # with a scale, a 1920 x 1080 screen

    from panel_app.gui.app import make_application
    from panel_app.gui.views.main_window import MainWindow

    app = make_application()
    if args.dark:
        from panel_app.gui.theme import apply_theme

        apply_theme(app, dark=True)
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    grab = make_grab(app, args.out, args.suffix, saved)

    # A fixed folder name so the path in the status bar is the same on every run.
    folder = Path(tempfile.gettempdir()) / "panel-app-screenshots"
    with demo_session(app, folder) as (host, ctx, info):
        window = MainWindow(host, ctx, info)
        window.resize(1280, 760)
        loaded: list[bool] = []
        window.cases.loaded.connect(lambda: loaded.append(True))
        window.show()
        wait(app, lambda: bool(loaded))
        window.cases.table.selectRow(2)
        window.statusBar().clearMessage()
        grab(window, "main-window")

        form = window.open_case(window.cases.selected_case_id())
        assert form is not None
        wait(app, lambda: form.tabs.isEnabled() and bool(form.last_issues is not None))
        wait(app, lambda: form.case_id is not None and "·" in form.title.text())
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

        capture_ladder(app, window, grab, wait, args.all)
        from screenshot_meetings import capture_meetings  # scripts/ is on sys.path here

        capture_meetings(app, window, grab, wait)
        from screenshot_proposals import capture_proposals  # scripts/ is on sys.path here

        capture_proposals(app, window, grab, wait, args.all)
        from screenshot_bundles import capture_bundles  # scripts/ is on sys.path here

        capture_bundles(app, window, host, ctx, folder, grab, wait, args.all)
        window.lock("user")
        wait(app, lambda: window.unlock_dialog is not None
              and window.unlock_dialog.isVisible() and window.unlock_dialog.hint.isVisible())
        dialog = window.unlock_dialog
        assert dialog is not None
        dialog.adjustSize()
        grab(dialog, "unlock-dialog")
        if args.all:
            grab(window, "main-window-locked")
        dialog.close()
        window.close()
    for target in saved:
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
