"""Screenshots of the privacy screens (Settings > Audit trail / Retention and purge):
docs/screenshots/audit-viewer.png, privacy-retention.png (the policy editor and the cases
due) and purge-confirm.png (with an older backup listed).

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_privacy.py [--out DIR]

The demo partnership, plus two invented cases closed in 2018 (so due for review under
the default retention policy), and a backup written after them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _shots import demo_session, make_grab, settle, use_screen, wait  # noqa: E402

OLD_CASES = (("Morwenna", "Tregarthen", "14/05/2003"), ("Isaac", "Pendleford", "02/11/2002"))


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

    use_screen()

    from panel_app.gui.app import make_application
    from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB, RETENTION_TAB
    from panel_app.gui.views.main_window import MainWindow

    app = make_application()
    save = make_grab(app, args.out)

    def grab(widget: Any, name: str) -> None:
        settle(app, 10)
        save(widget, name)
        print(args.out / f"{name}.png")

    folder = Path(tempfile.gettempdir()) / "panel-app-privacy-screenshots"
    with demo_session(app, folder, add_old_cases) as (host, ctx, info):
        window = MainWindow(host, ctx, info)
        window.show()
        window.show_section("Settings")
        dialog = window.settings.open_privacy(AUDIT_TAB)
        loads: list[str] = []
        dialog.audit.loaded.connect(lambda: loads.append("audit"))
        dialog.retention.loaded.connect(lambda: loads.append("retention"))
        wait(app, lambda: {"audit", "retention"} <= set(loads))
        dialog.resize(1100, 640)
        dialog.audit.table.selectRow(0)
        grab(dialog, "audit-viewer")

        dialog.show_tab(RETENTION_TAB)
        dialog.resize(1100, 720)
        panel = dialog.retention
        panel.purge_selected_button.click()
        wait(app, lambda: panel.dialog is not None and panel.dialog.isVisible())
        confirm = panel.dialog
        confirm.confirm_edit.setText("PURGE")
        grab(dialog, "privacy-retention")
        grab(confirm, "purge-confirm")
        confirm.reject()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
