"""The case form's Ladder tab: the strip turns met as evidence is added through the dialog,
the "what is missing" panel lists the gaps, an override needs a reason and a person, and
evidence is edited, verified and removed through dialogs, over a real encrypted file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.services import unlock
from panel_app.gui.dialogs.case_form import CaseFormDialog
from panel_app.gui.dialogs.case_ladder import LadderTab
from tests.conftest import PASSPHRASE
from tests.core.ladder_util import add, doc, with_preset
from tests.gui.conftest import WAIT_MS, make_window

# The fixed clock's today is Sunday 22/11/2026; the default calendar's autumn term has a
# half term, so a plan started 07/09/2026 has run 9 school weeks by then.
PSP_START = "07/09/2026"


@pytest.fixture
def ladder_case(db_path: Path, no_keyring: Any, clock: Any) -> tuple[Path, str]:
    """The test partnership with the Lincolnshire ladder and one case with no evidence."""
    session = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    case_id = with_preset(session, "lincolnshire")
    session.lock()
    return db_path, case_id


def open_ladder_tab(qtbot: Any, host: Any, ctx: Any,
                    ladder_case: tuple[Path, str]) -> tuple[CaseFormDialog, LadderTab]:
    path, case_id = ladder_case
    window = make_window(qtbot, host, ctx, path)
    form = window.open_case(case_id)
    tab = form.ladder_tab
    qtbot.waitUntil(lambda: tab.data is not None and form.tabs.isEnabled(), timeout=WAIT_MS)
    form.tabs.setCurrentIndex(form.ladder_index)
    return form, tab


def chip_texts(tab: LadderTab) -> list[str]:
    return [b.text().split("\n")[0] for b in tab.strip.buttons]


def save_dialog(qtbot: Any, tab: LadderTab, dialog: Any) -> None:
    with (qtbot.waitSignal(tab.loaded, timeout=WAIT_MS),
          qtbot.waitSignal(dialog.succeeded, timeout=WAIT_MS)):
        dialog.save_button.click()


def test_adding_evidence_through_the_dialog_turns_the_step_met(
        qtbot: Any, host: Any, ctx: Any, ladder_case: tuple[Path, str], tmp_path: Path) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    assert chip_texts(tab) == ["Missing", "Missing", "Not needed"]
    first = tab.strip.button(1)
    assert first is not None and not first.icon().isNull()  # an icon as well as the word
    assert "No Pastoral Support Plan (PSP) recorded." in first.toolTip()
    assert first.accessibleName() == "Step 1, Pastoral Support Plan: missing"

    dialog = tab.add_evidence()
    assert dialog is not None and dialog.step.currentData() == "psp"
    assert "6 school weeks" in dialog.needs.text()  # the rule is shown beside the item
    dialog.started.setText(PSP_START)
    plan = tmp_path / "support-plan.txt"
    plan.write_text("Invented plan for a test.")
    dialog.add_files([plan])
    save_dialog(qtbot, tab, dialog)

    assert chip_texts(tab)[0] == "Met"
    assert tab.strip.button(1).accessibleName() == "Step 1, Pastoral Support Plan: met"
    assert "9 school weeks (6 required)" in tab.strip.button(1).toolTip()
    assert tab.evidence_model.rowCount() == 1
    row = tab.evidence_model.record(0)
    assert row.step == "1. Pastoral Support Plan"
    assert tab.evidence_model.data(tab.evidence_model.index(0, 2)) == PSP_START
    assert [d.filename for d in row.evidence.documents] == ["support-plan.txt"]
    # the same attach path as the Documents tab: the file is now one of the case's documents
    assert [d.filename for d in form.documents_tab.model._rows] == ["support-plan.txt"]
    assert "Evidence added." in tab.message.text()
    form.force_close()


def test_a_bad_date_is_refused_in_the_dialog_and_nothing_is_stored(
        qtbot: Any, host: Any, ctx: Any, ladder_case: tuple[Path, str]) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    dialog = tab.add_evidence()
    dialog.started.setText("01/10/2026")
    dialog.ended.setText("01/09/2026")
    dialog.save_button.click()
    message = dialog.rows.messages["ended_on"]
    qtbot.waitUntil(lambda: message.isVisible(), timeout=WAIT_MS)
    assert "before the start date 01/10/2026" in message.text()
    assert dialog.isVisible()
    assert dialog.ended.accessibleDescription()  # screen readers hear it too
    dialog.started.setText("31/02/2026")
    dialog.save_button.click()
    started = dialog.rows.messages["started_on"]
    qtbot.waitUntil(lambda: started.isVisible(), timeout=WAIT_MS)
    assert "not a real date" in started.text()
    dialog.reject()
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        tab.reload()
    assert tab.evidence_model.rowCount() == 0
    form.force_close()


def test_the_missing_panel_lists_the_gaps_for_the_chosen_request(
        qtbot: Any, host: Any, ctx: Any, ladder_case: tuple[Path, str]) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    tab.show_missing()
    panel = tab.missing
    assert panel.title.text() == "What is missing for an AP place on 22/11/2026"
    gaps = panel.gap_texts()
    assert "No Pastoral Support Plan (PSP) recorded." in gaps
    assert "No outreach programme recorded." in gaps
    assert not any("family agreement" in g.lower() for g in gaps)
    assert panel.verdict.text().startswith("Missing:")

    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        tab.action.setCurrentIndex(tab.action.findData("managed-move"))
    assert panel.title.text().startswith("What is missing for a managed move")
    assert "No family agreement to a fresh start recorded." in panel.gap_texts()

    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):  # no step leads to it here
        tab.action.setCurrentIndex(tab.action.findData("partnership-resources"))
    assert panel.verdict.text().startswith("Not available: No step of the ladder leads to")
    assert chip_texts(tab) == ["Not needed"] * 3
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        tab.action.setCurrentIndex(tab.action.findData("managed-move"))
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):  # a check on another date
        tab.on.setText("01/09/2026")
        tab.on.editingFinished.emit()
    assert panel.title.text().endswith("on 01/09/2026")
    tab.on.setText("99/99/2026")
    tab.on.editingFinished.emit()
    qtbot.waitUntil(lambda: tab.message.isVisible(), timeout=WAIT_MS)
    assert "99/99/2026" in tab.message.text()  # shown inline, not raised

    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        tab.on.setText("22/11/2026")
        tab.on.editingFinished.emit()
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        panel.record_button.click()
    assert panel.checks_model.rowCount() == 1
    assert panel.checks_model.data(panel.checks_model.index(0, 5)) == "Missing"
    form.force_close()


def test_an_override_needs_a_reason_and_a_person(
        qtbot: Any, host: Any, ctx: Any, ladder_case: tuple[Path, str]) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    tab.show_missing()
    dialog = tab.override()
    assert dialog is not None
    assert not dialog.save_button.isEnabled()
    dialog.reason.setPlainText("Unexpected and extreme situation: serious incident.")
    assert not dialog.save_button.isEnabled()  # the person is missing
    dialog.by.setEditText("   ")
    assert not dialog.save_button.isEnabled()
    dialog.reason.setPlainText("")
    dialog.by.setEditText("Ruth Kendal")
    assert not dialog.save_button.isEnabled()  # the reason is missing

    dialog.submit()  # even if sent, the core refuses it and says why, under the field
    message = dialog.rows.messages["override_reason"]
    qtbot.waitUntil(lambda: message.isVisible(), timeout=WAIT_MS)
    assert "Give the reason for the override" in message.text()
    assert dialog.isVisible()
    assert tab.missing.checks_model.rowCount() == 0

    dialog.reason.setPlainText("Unexpected and extreme situation: serious incident.")
    assert dialog.save_button.isEnabled()
    save_dialog(qtbot, tab, dialog)
    panel = tab.missing
    assert panel.checks_model.rowCount() == 1
    verdict = panel.checks_model.data(panel.checks_model.index(0, 5))
    assert verdict == "Missing — OVERRIDDEN by Ruth Kendal on 22/11/2026"
    form.force_close()


def test_edit_verify_and_remove_evidence(qtbot: Any, host: Any, ctx: Any,
                                         ladder_case: tuple[Path, str]) -> None:
    from datetime import date

    path, case_id = ladder_case
    session = unlock(path, passphrase=PASSPHRASE, keyring=ctx.keyring, clock=ctx.clock)
    add(session, case_id, "outreach", "psp_approval", date(2026, 9, 4), outcome="agreed")
    add(session, case_id, "psp", "psp", date(2026, 11, 2), attachments=doc())
    session.lock()
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    assert chip_texts(tab) == ["Partly met", "Partly met", "Not needed"]
    assert "has run 2 of the required 6 school weeks" in tab.strip.button(1).toolTip()

    # verify the LA approval: the step's reason changes from "not verified"
    row = next(i for i in range(2) if tab.evidence_model.record(i).evidence.kind
               == "psp_approval")
    tab.evidence_table.selectRow(row)
    verify = tab.verify_selected()
    assert verify is not None
    verify.by.setEditText("Ruth Kendal")
    verify.role.setCurrentIndex(verify.role.findData("LA officer"))
    save_dialog(qtbot, tab, verify)
    record = next(tab.evidence_model.record(i) for i in range(2)
                  if tab.evidence_model.record(i).evidence.kind == "psp_approval")
    assert record.evidence.verified_by == "Ruth Kendal"
    assert "not verified" not in tab.strip.button(2).toolTip()

    # edit the PSP to start earlier: step 1 becomes met
    row = next(i for i in range(2) if tab.evidence_model.record(i).evidence.kind == "psp")
    tab.evidence_table.selectRow(row)
    edit = tab.edit_selected()
    assert edit is not None and not edit.step.isEnabled()  # step and item stay
    assert edit.started.text() == "02/11/2026"
    edit.started.setText(PSP_START)
    save_dialog(qtbot, tab, edit)
    assert chip_texts(tab)[0] == "Met"

    # remove it again, after confirming
    asked: list[str] = []
    tab.confirm = lambda _w, title, _t: asked.append(title) or True
    row = next(i for i in range(2) if tab.evidence_model.record(i).evidence.kind == "psp")
    tab.evidence_table.selectRow(row)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow, timeout=WAIT_MS)
    tab.evidence_table.setFocus()
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        qtbot.keyClick(tab.evidence_table, Qt.Key.Key_Delete)
    assert asked == ["Remove evidence"]
    assert tab.evidence_model.rowCount() == 1
    assert chip_texts(tab)[0] == "Missing"
    form.force_close()


def test_reasons_expand_from_the_strip(qtbot: Any, host: Any, ctx: Any,
                                       ladder_case: tuple[Path, str]) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    assert not tab.tree.isVisible()
    tab.strip.button(2).click()
    assert tab.tree.isVisible() and tab.reasons_button.text() == "Hide reason&s"
    current = tab.tree.currentIndex()
    assert tab.tree_model.data(current) == "Step 2 · Behaviour Outreach Support Service"
    assert tab.tree_model.data(current.siblingAtColumn(1)) == "Missing"
    item = tab.tree_model.index(0, 0, current)
    reason = tab.tree_model.index(0, 0, item)
    assert tab.tree_model.data(reason).startswith("No ")
    assert tab.tree_model.data(reason.siblingAtColumn(1)) == "Still needed"
    tab.reasons_button.click()
    assert not tab.tree.isVisible()
    form.force_close()


def test_models_pass_the_model_tester(qtbot: Any, qtmodeltester: Any, host: Any, ctx: Any,
                                      ladder_case: tuple[Path, str]) -> None:
    from datetime import date

    path, case_id = ladder_case
    session = unlock(path, passphrase=PASSPHRASE, keyring=ctx.keyring, clock=ctx.clock)
    add(session, case_id, "psp", "psp", date(2026, 9, 7), attachments=doc())
    session.ladders.record_check(case_id, "ap-place", override_reason="Extreme.",
                                 override_by="Ruth Kendal")
    session.lock()
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    assert tab.tree_model.rowCount() == 3
    qtmodeltester.check(tab.tree_model)
    qtmodeltester.check(tab.evidence_model)
    qtmodeltester.check(tab.missing.checks_model)
    tab.tree_model.clear()
    qtmodeltester.check(tab.tree_model)
    form.force_close()


def test_a_case_with_no_ladder_says_where_to_set_it_up(qtbot: Any, window: Any) -> None:
    from tests.core.util import case_values

    results: list[Any] = []
    window.host.run(lambda s: s.create_case(case_values("Ada", "Quill")).case.id,
                    success=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    form = window.open_case(results[0])
    tab = form.ladder_tab
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT_MS)
    assert "no ladder yet" in tab.strip.empty.text()
    assert not tab.add_button.isEnabled()
    assert tab.add_evidence() is None and "Ladder section" in tab.message.text()
    form.force_close()


def test_locking_closes_an_open_evidence_dialog(qtbot: Any, host: Any, ctx: Any,
                                                ladder_case: tuple[Path, str]) -> None:
    form, tab = open_ladder_tab(qtbot, host, ctx, ladder_case)
    dialog = tab.add_evidence()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    dialog.started.setText(PSP_START)
    form.parent().lock()
    assert not dialog.isVisible() and not form.isVisible()
