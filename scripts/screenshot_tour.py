"""A review tour: a PNG of every section, tab and main dialog on the demo partnership,
as a user on a laptop would see it.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_tour.py [--out /tmp/tour]
        [--screen 1366x768] [--scale 1.5]

Run each scale in its own process (QT_SCALE_FACTOR is read when Qt starts), e.g.
``--screen 1366x768`` (100%) and ``--screen 1920x1080 --scale 1.5`` (150%, a logical
1280 x 720). The main window and meeting mode fill the screen less a taskbar and a title
bar; dialogs open at their own size, kept on the screen. File names end in the scale
(``cases-100.png``). Every label or button shown smaller than its text needs, and every
window larger than the screen, is printed; the exit status is 1 if there was any.
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

from _shots import clipped, demo_session, make_grab, settle, use_screen, wait  # noqa: E402

FRAME = 70  # logical pixels of taskbar and title bar a maximised window does not get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/tour"))
    parser.add_argument("--screen", default="1366x768", help="device pixels, WIDTHxHEIGHT")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.screen.lower().split("x"))
    use_screen(args.scale, (width, height))

    from screenshot_privacy import add_old_cases

    from panel_app.gui.app import make_application
    from panel_app.gui.dialogs.first_run import FirstRunDialog
    from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB, RETENTION_TAB
    from panel_app.gui.theme import apply_theme
    from panel_app.gui.views.main_window import SECTIONS, MainWindow

    app = make_application()
    apply_theme(app, dark=False)
    screen = app.primaryScreen().availableGeometry()
    room = (screen.width(), screen.height() - FRAME)
    suffix = f"-{round(args.scale * 100)}"
    saved: list[Path] = []
    save = make_grab(app, args.out, suffix, saved)
    problems: list[str] = []

    def grab(widget: Any, name: str) -> None:
        save(widget, name)
        size = widget.size()
        if size.width() > room[0] or size.height() > room[1]:
            problems.append(f"{name}: {size.width()}x{size.height()} does not fit the "
                            f"{room[0]}x{room[1]} a window gets on this screen")
        problems.extend(f"{name}: cut short: {p}" for p in clipped(widget))

    def fit(dialog: Any) -> None:
        """A dialog at its own size, but no larger than the screen (as a window manager
        would place it)."""
        dialog.show()
        settle(app)
        dialog.resize(min(dialog.width(), room[0]), min(dialog.height(), room[1]))

    def idle(host: Any) -> None:
        wait(app, lambda: not host.busy)
        settle(app, 10)

    folder = Path(tempfile.gettempdir()) / f"panel-app-tour{suffix}-{os.getpid()}"
    with demo_session(app, folder, add_old_cases) as (host, ctx, info):
        window = MainWindow(host, ctx, info)
        window.resize(*room)
        window.show()
        wait(app, lambda: window.cases.last_result is not None)
        idle(host)
        for section in SECTIONS:
            page = window.pages[section]
            window.show_section(section)
            idle(host)
            window.statusBar().clearMessage()
            name = section.lower().replace(" & ", "-").replace(" ", "-")
            tabs = getattr(page, "tabs", None)
            if tabs is None:
                grab(window, name)
                continue
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                idle(host)
                label = tabs.tabText(index).replace("&", "").split(" (")[0]
                grab(window, f"{name}-{label.lower().replace(' ', '-')}")
            tabs.setCurrentIndex(0)

        meetings = window.pages["Meetings"]
        window.show_section("Meetings")
        meetings.detail_tabs.setCurrentIndex(1)
        idle(host)
        grab(window, "meetings-agenda")
        meetings.detail_tabs.setCurrentIndex(0)
        held = sorted((r for r in meetings.rows if not r.upcoming),
                      key=lambda r: r.meeting.date)
        meetings.select_meeting(held[-1].meeting.id)
        idle(host)
        mode = meetings.open_meeting_mode()
        mode.showNormal()
        mode.resize(*room)
        wait(app, lambda: mode.data is not None)
        cases = [i for i, item in enumerate(mode.items) if item.case_id]
        mode.show_index(cases[0])
        idle(host)
        grab(mode, "meeting-mode")
        mode.close()
        idle(host)

        window.show_section("Cases")
        window.cases.table.selectRow(2)
        form = window.open_case(window.cases.selected_case_id())
        wait(app, lambda: form.tabs.isEnabled() and "·" in form.title.text())
        idle(host)
        fit(form)
        for index in range(form.tabs.count()):
            form.tabs.setCurrentIndex(index)
            idle(host)
            label = form.tabs.tabText(index).replace("&", "").split(" (")[0].lower()
            grab(form, f"case-form-{label}")
        form.force_close()

        window.show_section("Settings")
        dialog = window.settings.open_privacy(AUDIT_TAB)
        idle(host)
        fit(dialog)
        dialog.audit.table.selectRow(0)
        grab(dialog, "privacy-audit")
        dialog.show_tab(RETENTION_TAB)
        idle(host)
        grab(dialog, "privacy-retention")
        dialog.close()

        window.lock("user")
        wait(app, lambda: window.unlock_dialog is not None
             and window.unlock_dialog.isVisible() and window.unlock_dialog.hint.isVisible())
        unlock = window.unlock_dialog
        unlock.adjustSize()
        grab(unlock, "unlock-dialog")
        grab(window, "main-window-locked")
        unlock.close()
        window.close()

        first = FirstRunDialog(ctx)
        first.show()
        first.adjustSize()
        grab(first, "first-run")
        first.close()

    for target in saved:
        print(target)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
