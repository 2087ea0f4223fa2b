"""Screenshots of the Bundles section, used by scripts/screenshots.py.

The demo database becomes the panel clerk's installation; a copy of it becomes one
member school's installation (its own id and keys). They exchange cards; the school
edits cases (one edit conflicting with the clerk's) and sends a bundle, which the
window imports: the preview, then the section with its directory.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any


def make_partner_bundle(session: Any, folder: Path, keyring: Any, clock: Any) -> Path:
    """Runs on the worker with the clerk's session; returns the school's bundle."""
    from panel_app.core.services import unlock
    from panel_app.core.services.demo import DEMO_PASSPHRASE

    panel = session.bundles
    panel.set_own_school(None, panel=True)
    session.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = folder / "school.panel"
    shutil.copy2(session.path, copy)
    shutil.copy2(f"{session.path}.key", f"{copy}.key")
    school = unlock(copy, passphrase=DEMO_PASSPHRASE, keyring=keyring, clock=clock)
    try:
        school.set_user_name("Priya Shah")
        bundles = school.bundles
        bundles.new_installation_identity()
        cases = session.list_cases().rows
        home = school.find_school(cases[0].school)
        bundles.set_own_school(home.id)
        for a, b in ((panel, bundles), (bundles, panel)):
            data = a.export_card()
            b.import_card(data, b.check_card(data).fingerprint)
        theirs = [c for c in cases if c.school == home.name][:3]
        session.update_case(theirs[0].id, {"summary": "Agreed at the October panel: "
                                                      "reduced timetable for six weeks."})
        school.update_case(theirs[0].id, {"summary": "Reduced timetable from 2 November, "
                                                     "reviewed fortnightly."})
        school.update_case(theirs[1].id, {"risk": "red", "attendance_pct": "71.5"})
        school.update_case(theirs[2].id, {"lead": "Mr D. Okafor"})
        school.add_note(theirs[1].id, "Parent meeting held; family support referral made.")
        template = school.get_case(theirs[1].id)
        school.create_case({
            "first_name": "Jordan", "last_name": "Ellery", "dob": "14/03/2012",
            "year_group": "Y9", "home_school_id": home.id, "upn": "",
            "sen_status": template.sen_status, "risk": "amber"})
        out = folder / "from-school.panelbundle"
        bundles.export_bundle(["panel"], out)
        return out
    finally:
        school.lock()


def capture_bundles(app: Any, window: Any, host: Any, ctx: Any, folder: Path,
                    grab: Callable[[Any, str], None], wait: Callable[..., None],
                    extra: bool) -> None:
    got: dict[str, Any] = {}
    host.run(lambda s: make_partner_bundle(s, folder, ctx.keyring, ctx.clock),
             success=lambda p: got.update(path=p), failure=lambda e: got.update(error=e))
    wait(app, lambda: bool(got))
    if "error" in got:
        raise SystemExit(f"making the school's bundle failed: {got['error']!r}")
    view = window.pages["Bundles"]
    loads: list[bool] = []
    view.loaded.connect(lambda: loads.append(True))
    window.show_section("Bundles")
    wait(app, lambda: bool(loads))
    view.choose_open = lambda *_a: str(got["path"])
    view.import_bundle()
    wait(app, lambda: view.dialog is not None and view.import_button.isEnabled())
    dialog = view.dialog
    dialog.tabs.setCurrentIndex(1)  # changed fields, old and new
    grab(dialog, "bundle-import-preview")
    if extra:
        dialog.tabs.setCurrentIndex(2)
        grab(dialog, "bundle-import-preview-conflicts")
    count = len(loads)
    dialog.accept_button.click()
    wait(app, lambda: len(loads) > count and view.dialog is None)
    window.statusBar().clearMessage()
    grab(window, "bundles")
    if extra:
        view.tabs.setCurrentIndex(view.conflicts_index)
        grab(window, "bundles-conflicts")
        view.tabs.setCurrentIndex(1)
        grab(window, "bundles-history")
        view.tabs.setCurrentIndex(0)
        export = view.export_bundle()
        export.set_checked([p.fingerprint for p in view.state.directory])
        grab(export, "bundle-export")
        export.reject()
    window.show_section("Cases")
