"""Lawful deletion of a ladder evidence record from the case form's Ladder tab: Shift+Delete
on the evidence list (or "Delete lawfully…") opens the purge confirmation, which names the
evidence item and the document only it uses, and what stays on the case; a reason is
required; afterwards the record and its document are gone from the list, the file and
the pupil's subject-access data, the ladder check is worked out again (the step it
evidenced is missing), and the audit trail has the deletion with its reason."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from panel_app.core.services import unlock
from panel_app.gui.dialogs.case_ladder_evidence import LAWFUL_KEY
from panel_app.gui.dialogs.purge_confirm import CHOOSE_REASON, PurgeConfirmDialog
from tests.conftest import PASSPHRASE
from tests.core.ladder_util import add, doc
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS, make_window
from tests.gui.privacy_support import on_worker, rows
from tests.gui.test_accessibility import problems_in
from tests.gui.test_ladder_case import chip_texts
from tests.gui.test_screenshot import ARTIFACTS

FIRST, LAST = "Zebedee", "Quuxleyworth"
PSP_NOTES = "Plan agreed with Zebedee's mother; keyworker Mr Invented-Name"  # goes
PSP_FILE = "zebedee-support-plan.pdf"
NOTE = "Panel 02/11/2026: the PSP was recorded against the wrong pupil"  # stays


def prepare(path: Path, keyring: Any, clock: Any) -> dict[str, Any]:
    """A case on the Lincolnshire ladder with a Pastoral Support Plan (step 1, met, with its
    own document), an AP placement record that stays, a note and a case document."""
    s = unlock(path, passphrase=PASSPHRASE, keyring=keyring, clock=clock)
    try:
        s.ladders.load_preset("lincolnshire")
        case = s.create_case(case_values(FIRST, LAST, year=9, serial=4)).case
        psp = add(s, case.id, "1", "psp", date(2026, 9, 7), notes=PSP_NOTES,
                  attachments=doc(PSP_FILE))
        placement = add(s, case.id, "3", "ap_placement", date(2026, 11, 2))
        s.add_note(case.id, NOTE)
        s.add_document(case.id, "referral-form.pdf", b"%PDF-1.4 invented referral")
        return {"id": case.id, "ref": case.case_ref, "psp": psp, "placement": placement}
    finally:
        s.lock()


def held_anywhere(s: Any, case_id: str, text: str) -> list[str]:
    """Where ``text`` is still held: the pupil's subject-access data (what the app says it
    holds) and every row of every table of the decrypted file (the change log included)."""
    found = []
    if text in json.dumps(s.privacy.subject_access(case_id).to_dict(), default=str):
        found.append("subject access")
    conn = s.db.conn
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            if any(text in (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
                   for v in row):
                found.append(table)
                break
    return found


def test_an_evidence_record_is_deleted_lawfully_from_the_ladder_tab(
        qtbot: Any, host: Any, ctx: Any, db_path: Path, no_keyring: Any, clock: Any) -> None:
    c = prepare(db_path, no_keyring, clock)
    window = make_window(qtbot, host, ctx, db_path)
    before = on_worker(qtbot, host, lambda s: held_anywhere(s, c["id"], PSP_NOTES))
    assert "evidence" in before and "subject access" in before  # the checks can see it
    form = window.open_case(c["id"])
    tab = form.ladder_tab
    qtbot.waitUntil(lambda: tab.data is not None and form.tabs.isEnabled(), timeout=WAIT_MS)
    form.tabs.setCurrentIndex(form.ladder_index)
    form.resize(1000, 680)
    assert chip_texts(tab)[0] == "Met"
    assert tab.verdict.text().startswith("Partly met for an AP place")
    assert rows(tab.evidence_model, 1) == ["Pastoral Support Plan (PSP)",
                                           "AP intervention place"]
    button = tab.evidence.delete_button
    assert button.text() == "Delete &lawfully…" and "Shift+Delete" in button.toolTip()
    assert problems_in(form) == []  # named, and Alt+L clashes with no other mnemonic

    # nothing selected: the button says so and nothing is planned
    tab.evidence_table.clearSelection()
    tab.evidence.delete_button.click()
    assert "Select the evidence record" in tab.message.text()
    assert tab.evidence.deletion.dialog is None

    # the keyboard route: Shift+Delete on the list (Delete alone still only removes)
    row = rows(tab.evidence_model, 1).index("Pastoral Support Plan (PSP)")
    tab.evidence_table.setFocus()
    tab.evidence_table.selectRow(row)
    qtbot.keyClick(tab.evidence_table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert LAWFUL_KEY.toString() == "Shift+Del"
    qtbot.waitUntil(lambda: tab.evidence.deletion.dialog is not None
                    and tab.evidence.deletion.dialog.isVisible(), timeout=WAIT_MS)
    dialog: PurgeConfirmDialog = tab.evidence.deletion.dialog
    text = dialog.lines.toPlainText()
    assert dialog.windowTitle() == "Confirm the deletion"
    assert ("Evidence record of 07/09/2026 for step 1 (Pastoral Support Plan (PSP)), with "
            f"its document {PSP_FILE}, on case {c['ref']}") in text
    assert "Will remove 1 document, 1 evidence record, 1 evidence link." in text
    assert f"\nKept: case {c['ref']} with 1 note, 1 document, 1 evidence record." in text, text
    assert any(
        "records listed below are removed" in label.text()
        for label in dialog.findChildren(QLabel))
    assert dialog.reason is not None and dialog.reason.currentText() == CHOOSE_REASON
    assert dialog.reason.hasFocus()
    assert problems_in(dialog) == []

    # PURGE typed but no reason: refused, nothing deleted
    qtbot.keyClicks(dialog.confirm_edit, "PURGE")
    qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Choose the reason" in dialog.message.text()
    assert len(on_worker(qtbot, host, lambda s: s.ladders.list_evidence(c["id"]))) == 2

    dialog.reason.setCurrentIndex(dialog.reason.findData("recorded_in_error"))
    assert "recorded against the wrong pupil" in dialog.lines.toPlainText()
    assert not dialog.plan.reason_missing
    qtbot.wait(20)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "evidence-lawful-delete.png"))
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS * 2):
        qtbot.mouseClick(dialog.purge_button, Qt.MouseButton.LeftButton)

    # gone from the list; the check is worked out again: step 1 is no longer evidenced
    assert rows(tab.evidence_model, 1) == ["AP intervention place"]
    assert "Removed 3 records" in tab.message.text()
    assert chip_texts(tab)[0] == "Missing"
    assert tab.verdict.text().startswith("Missing for an AP place")
    assert any("Pastoral Support Plan" in gap for gap in tab.missing.gap_texts())
    # the document only it used went too; the case's own document and the note stay
    qtbot.waitUntil(lambda: rows(form.documents_tab.model, 0) == ["referral-form.pdf"],
                    timeout=WAIT_MS)
    case = on_worker(qtbot, host, lambda s: s.get_case(c["id"]))
    assert [n.text for n in case.notes] == [NOTE]
    assert [d.filename for d in case.documents] == ["referral-form.pdf"]
    check = on_worker(qtbot, host, lambda s: s.ladders.check(c["id"], "ap-place"))
    assert check.verdict == "missing" and check.steps[0].status == "missing"

    # the audit trail: the deletion with its reason (codes and counts, no names)
    entry = on_worker(qtbot, host, lambda s: s.privacy.audit_entries(
        action="lawful_delete"))[0]
    assert (entry.entity, entry.entity_id) == ("evidence", c["psp"])
    assert entry.detail["reason"] == "recorded_in_error"
    assert entry.detail["kinds"] == {"document": 1, "evidence": 1, "evidence_document": 1}
    assert FIRST not in json.dumps(entry.detail) and PSP_FILE not in json.dumps(entry.detail)

    # the pupil's evidence text and its document are held nowhere any more
    assert on_worker(qtbot, host, lambda s: held_anywhere(s, c["id"], PSP_NOTES)) == []
    assert on_worker(qtbot, host, lambda s: held_anywhere(s, c["id"], PSP_FILE)) == []
    assert on_worker(qtbot, host, lambda s: s.verify_audit().ok) is True
    form.tabs.setCurrentIndex(form.ladder_index)
    qtbot.wait(20)
    assert form.grab().save(str(ARTIFACTS / "case-ladder-after-evidence-lawful-delete.png"))
    form.force_close()
