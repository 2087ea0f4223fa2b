"""Lawful deletion of one record from the case form: a permanent exclusion overturned on
review is deleted from the Exclusions tab through the purge confirmation (what goes, what
stays, the reason required, older backups removed), the review outcome stays, and the
audit viewer shows the deletion with its reason against the case's reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from panel_app.core.services import unlock
from panel_app.gui.dialogs.privacy_dialog import AUDIT_TAB
from panel_app.gui.dialogs.purge_confirm import CHOOSE_REASON, PurgeConfirmDialog
from tests.conftest import PASSPHRASE
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.privacy_support import on_worker, rows
from tests.gui.test_accessibility import problems_in
from tests.gui.test_case_form import loaded_form
from tests.gui.test_screenshot import ARTIFACTS

FIRST, LAST = "Zebedee", "Quuxleyworth"
REVIEW = "Independent review panel 12/11/2026: exclusion quashed, pupil reinstated"


def prepare(path: Path, keyring: Any, clock: Any) -> dict[str, Any]:
    """A case with a permanent exclusion (to be overturned), a suspension, the review
    outcome as a note, and a backup written after them."""
    s = unlock(path, passphrase=PASSPHRASE, keyring=keyring, clock=clock)
    try:
        case = s.create_case(case_values(FIRST, LAST, year=9, serial=3,
                                         summary="Referred")).case
        px = s.exclusions.add(case.case_ref, kind="permanent", start="03/10/2026",
                              reason="PA").id
        s.exclusions.add(case.case_ref, kind="suspension", start="15/09/2026", days=2,
                         reason="VA")
        s.add_note(case.case_ref, REVIEW)
        backup = s.backup(path.parent / "weekly-backup.panel")
        return {"id": case.id, "ref": case.case_ref, "px": px, "backup": backup}
    finally:
        s.lock()


def confirm_dialog(qtbot: Any, tab: Any) -> PurgeConfirmDialog:
    qtbot.waitUntil(lambda: tab.deletion.dialog is not None
                    and tab.deletion.dialog.isVisible(), timeout=WAIT_MS)
    return tab.deletion.dialog


def test_an_overturned_exclusion_is_deleted_lawfully_from_the_case_form(
        qtbot: Any, host: Any, ctx: Any, db_path: Path, no_keyring: Any, clock: Any) -> None:
    c = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    form = loaded_form(qtbot, window, c["id"])
    assert form.fields["permanent_exclusions"].get() in (1, "1")
    tab = form.records_tab
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        form.tabs.setCurrentIndex(form.records_index)
        tab.reload()
    assert rows(tab.exclusion_model, 0) == ["03/10/2026", "15/09/2026"]  # dd/mm/yyyy
    assert rows(tab.exclusion_model, 1) == ["Permanent exclusion", "Suspension"]
    assert problems_in(form) == []

    tab.exclusions.setFocus()
    tab.exclusions.selectRow(0)
    qtbot.keyClick(tab.exclusions, Qt.Key.Key_Delete)  # the keyboard route
    dialog = confirm_dialog(qtbot, tab)
    text = dialog.lines.toPlainText()
    assert "Permanent exclusion of 03/10/2026" in text and c["ref"] in text
    assert "Will remove 1 exclusion record" in text
    assert "Kept: case" in text and "1 note" in text and "1 exclusion record" in text
    assert str(c["backup"].resolve()) in text
    assert dialog.backups_box is not None and dialog.backups_box.isChecked()
    assert dialog.reason is not None and dialog.reason.currentText() == CHOOSE_REASON
    assert dialog.reason.hasFocus()
    assert problems_in(dialog) == []

    # typed PURGE but no reason: refused with a message, nothing deleted
    qtbot.keyClicks(dialog.confirm_edit, "PURGE")
    qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Choose the reason" in dialog.message.text()
    assert len(on_worker(qtbot, host, lambda s: s.exclusions.list_exclusions(
        pupil=c["ref"]))) == 2

    dialog.reason.setCurrentIndex(dialog.reason.findData("overturned"))
    assert "overturned on review" in dialog.lines.toPlainText()
    assert "rescinded" in dialog.reason_text.text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "lawful-delete-confirm.png"))
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS * 2):
        qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)

    # the record is gone from the list; the case's summary follows; the outcome stays
    assert rows(tab.exclusion_model, 1) == ["Suspension"]
    assert "Removed 1 record" in tab.message.text()
    qtbot.waitUntil(lambda: form.fields["permanent_exclusions"].get() in (0, "0"),
                    timeout=WAIT_MS)
    case = on_worker(qtbot, host, lambda s: s.get_case(c["ref"]))
    assert case.permanent_exclusions == 0 and case.notes[0].text == REVIEW
    assert not c["backup"].exists()  # the older backup holding it was removed
    assert form.isVisible()
    form.resize(900, 560)
    qtbot.wait(20)
    assert form.grab().save(str(ARTIFACTS / "case-exclusions-after-lawful-delete.png"))
    form.tabs.setCurrentIndex(form.notes_index)
    assert rows(form.notes_tab.model, 2) == [REVIEW]

    # the audit viewer: the deletion, with its reason, against the case's reference
    form.force_close()
    window.show_section("Settings")
    viewer = window.settings.open_privacy(AUDIT_TAB).audit
    with qtbot.waitSignal(viewer.loaded, timeout=WAIT_MS):
        viewer.action.setCurrentIndex(viewer.action.findData("purge"))
    assert rows(viewer.model, 3) == ["backups removed", "lawful delete"]
    deleted = rows(viewer.model, 3).index("lawful delete")
    assert viewer.model.index(deleted, 4).data() == f"{c['ref']} · exclusion record"
    assert viewer.model.index(deleted, 6).data() == ("Reason: Overturned on review or "
                                                     "appeal; 1 record")
    assert FIRST not in " ".join(rows(viewer.model, 6) + rows(viewer.model, 4))
    viewer.window().resize(1100, 420)
    qtbot.wait(20)
    assert viewer.window().grab().save(str(ARTIFACTS / "audit-viewer-lawful-delete.png"))


def test_a_note_recorded_against_the_wrong_pupil_is_deleted(qtbot: Any, host: Any, ctx: Any,
                                                            db_path: Path, no_keyring: Any,
                                                            clock: Any) -> None:
    c = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    form = loaded_form(qtbot, window, c["id"])
    form.tabs.setCurrentIndex(form.notes_index)
    tab = form.notes_tab
    tab.delete_button.click()  # nothing selected
    assert "Select the record" in tab.message.text()
    tab.table.selectRow(0)
    tab.delete_button.click()
    dialog = confirm_dialog(qtbot, tab)
    assert "Note of" in dialog.lines.toPlainText()
    dialog.reason.setCurrentIndex(dialog.reason.findData("recorded_in_error"))
    assert dialog.backups_box is not None
    dialog.backups_box.setChecked(False)  # keep the backup this time
    dialog.confirm_edit.setText("PURGE")
    with qtbot.waitSignal(form.saved, timeout=WAIT_MS * 2):
        dialog.purge_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=WAIT_MS)
    assert "still holds it" in tab.message.text()
    assert c["backup"].exists()
    entry = on_worker(qtbot, host, lambda s: s.privacy.audit_entries(
        action="lawful_delete"))[0]
    assert (entry.entity, entry.detail["reason"]) == ("case_note", "recorded_in_error")
    form.force_close()
