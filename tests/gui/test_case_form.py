"""The case form: create, validate, edit, notes, documents, and persistence over a lock."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from panel_app.core.services.demo import DEMO_PASSPHRASE
from panel_app.gui.dialogs.case_form import CaseFormDialog
from tests.gui.conftest import WAIT_MS


def loaded_form(qtbot: Any, window: Any, case_id: str | None) -> CaseFormDialog:
    form = window.open_case(case_id)
    assert form is not None
    qtbot.waitUntil(lambda: form.tabs.isEnabled(), timeout=WAIT_MS)
    if case_id is not None:
        qtbot.waitUntil(lambda: form.fields["first_name"].get() != "", timeout=WAIT_MS)
    return form


def type_into(qtbot: Any, form: CaseFormDialog, name: str, text: str) -> None:
    widget = form.fields[name].widget
    widget.setFocus()
    if hasattr(widget, "clear"):
        widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:  # QTest cannot type characters that have no key; paste them like an IME would
        widget.insert(text)


def choose(form: CaseFormDialog, name: str, data: Any) -> None:
    combo = form.fields[name].widget
    combo.setCurrentIndex(combo.findData(data))


def save(qtbot: Any, form: CaseFormDialog) -> None:
    with qtbot.waitSignal(form.saved, timeout=WAIT_MS):
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_new_case_is_created_and_listed(qtbot: Any, window: Any) -> None:
    assert window.cases.model.rowCount() == 0
    assert "No cases yet" in window.cases.counts.text()
    form = loaded_form(qtbot, window, None)
    assert not form.tabs.isTabEnabled(form.notes_index)  # notes need a saved case
    type_into(qtbot, form, "first_name", "Zoë")
    type_into(qtbot, form, "last_name", "O'Connor-Łukasz")
    type_into(qtbot, form, "dob", "14/03/2013")
    choose(form, "year_group", 9)
    form.fields["home_school_id"].widget.setCurrentIndex(2)
    choose(form, "risk", "red")
    form.fields["fsm"].widget.setChecked(True)
    type_into(qtbot, form, "summary", "Two suspensions this half term.")
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS):
        save(qtbot, form)
    assert form.case_id is not None
    assert form.tabs.isTabEnabled(form.notes_index)
    assert "Saved." in form.banner.text()
    assert window.cases.model.rowCount() == 1
    row = window.cases.model.row_at(0)
    assert row.name == "Zoë O'Connor-Łukasz" and row.risk == "red" and row.year_group == 9
    assert row.opened_on == "2026-11-22"  # empty "opened on" means today (the fixed clock)
    form.force_close()


def test_errors_show_beside_fields_and_block_saving(qtbot: Any, window: Any) -> None:
    form = loaded_form(qtbot, window, None)
    type_into(qtbot, form, "dob", "31/02/2013")
    qtbot.waitUntil(lambda: form.fields["dob"].message.isVisible(), timeout=WAIT_MS)
    assert "not a real date" in form.fields["dob"].message.text()
    assert form.fields["dob"].widget.accessibleDescription()
    assert not form.fields["first_name"].message.isVisible()  # untouched: not nagged yet
    form.tabs.setCurrentIndex(1)
    form.save()
    qtbot.waitUntil(lambda: form.fields["first_name"].message.isVisible(), timeout=WAIT_MS)
    assert "First name is required" in form.fields["first_name"].message.text()
    assert form.tabs.currentIndex() == 0  # moved to the first problem
    assert form.tabs.tabText(0).startswith("Pupil (")
    assert "Fix the" in form.banner.text()
    assert form.case_id is None
    form.force_close()


def test_year_group_warning_does_not_block(qtbot: Any, window: Any) -> None:
    form = loaded_form(qtbot, window, None)
    type_into(qtbot, form, "first_name", "Ada")
    type_into(qtbot, form, "last_name", "Lovelace")
    type_into(qtbot, form, "dob", "01/10/2012")
    choose(form, "year_group", 7)
    form.fields["home_school_id"].widget.setCurrentIndex(1)
    message = form.fields["year_group"].message
    qtbot.waitUntil(lambda: message.isVisible(), timeout=WAIT_MS)
    assert form.fields["year_group"].message.property("role") == "warning"
    assert "would normally be in Y9" in message.text()
    save(qtbot, form)
    assert form.case_id is not None
    assert "Check:" in form.banner.text()
    form.force_close()


def test_edit_save_lock_unlock_and_the_change_persists(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.cases
    view.table.selectRow(0)
    case_id = view.selected_case_id()
    form = loaded_form(qtbot, demo_window, case_id)
    type_into(qtbot, form, "last_name", "Quigglesworth")
    type_into(qtbot, form, "summary", "Edited in the GUI test.")
    choose(form, "risk", "red")
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        save(qtbot, form)
    assert not form.dirty
    form.accept()

    demo_window.lock()
    assert view.model.rowCount() == 0 and demo_window.forms == []
    qtbot.waitUntil(lambda: demo_window.unlock_dialog is not None
                    and demo_window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    dialog = demo_window.unlock_dialog
    qtbot.keyClicks(dialog.passphrase, DEMO_PASSPHRASE)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert not demo_window.locked
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        qtbot.keyClicks(view.search, "quiggles")
    assert view.model.rowCount() == 1
    assert view.model.row_at(0).id == case_id and view.model.row_at(0).risk == "red"
    again = loaded_form(qtbot, demo_window, case_id)
    assert again.fields["summary"].get() == "Edited in the GUI test."
    assert again.fields["last_name"].get() == "Quigglesworth"
    again.force_close()


def test_notes_are_added(qtbot: Any, demo_window: Any) -> None:
    demo_window.cases.table.selectRow(1)
    form = loaded_form(qtbot, demo_window, demo_window.cases.selected_case_id())
    before = form.notes_tab.model.rowCount()
    form.tabs.setCurrentIndex(form.notes_index)
    qtbot.keyClicks(form.notes_tab.text, "Phoned home; mum agrees to a PSP meeting.")
    with qtbot.waitSignal(form.saved, timeout=WAIT_MS):
        qtbot.mouseClick(form.notes_tab.add_button, Qt.MouseButton.LeftButton)
    assert form.notes_tab.model.rowCount() == before + 1
    newest = form.notes_tab.model.index(0, 2)
    assert form.notes_tab.model.data(newest) == "Phoned home; mum agrees to a PSP meeting."
    assert form.notes_tab.text.toPlainText() == ""
    form.force_close()


def test_documents_open_as_private_copies_deleted_on_close_and_lock(
        qtbot: Any, demo_window: Any, tmp_path: Path, opener: Any) -> None:
    source = tmp_path / "referral form.pdf"
    source.write_bytes(b"%PDF-1.4 invented referral")
    demo_window.cases.table.selectRow(2)
    form = loaded_form(qtbot, demo_window, demo_window.cases.selected_case_id())
    docs = form.documents_tab
    before = docs.model.rowCount()
    with qtbot.waitSignal(form.saved, timeout=WAIT_MS):
        docs.attach_file(source)
    assert docs.model.rowCount() == before + 1
    newest = before  # documents are listed oldest first
    assert docs.model.data(docs.model.index(newest, 0)) == "referral form.pdf"
    docs.table.selectRow(newest)
    docs.open_selected()
    qtbot.waitUntil(lambda: len(opener.opened) == 1, timeout=WAIT_MS)
    copy, content = opener.opened[0]
    assert content == b"%PDF-1.4 invented referral"
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(demo_window.temp_docs.root.stat().st_mode) == 0o700
    form.accept()
    assert not copy.exists()

    form = loaded_form(qtbot, demo_window, form.case_id)
    form.documents_tab.table.selectRow(newest)
    form.documents_tab.open_selected()
    qtbot.waitUntil(lambda: len(opener.opened) == 2, timeout=WAIT_MS)
    second = opener.opened[1][0]
    assert second.exists()
    demo_window.lock()
    assert not second.exists()
    assert demo_window.temp_docs.root is None


def test_closing_with_unsaved_changes_asks(qtbot: Any, window: Any, monkeypatch: Any) -> None:
    form = loaded_form(qtbot, window, None)
    type_into(qtbot, form, "first_name", "Unsaved")
    asked: list[bool] = []
    monkeypatch.setattr(form, "_confirm_discard", lambda: asked.append(True) or False)
    form.reject()
    assert asked and form.isVisible()
    form.force_close()
    assert not form.isVisible()


def test_wrong_field_types_never_reach_the_core_as_signal_args(qtbot: Any, window: Any) -> None:
    """Checkbox and text signals carry values; the form must record the field *name*."""
    form = loaded_form(qtbot, window, None)
    form.fields["lac"].widget.setChecked(True)
    type_into(qtbot, form, "upn", "A1")
    assert {"lac", "upn"} <= form._touched
    assert all(isinstance(n, str) for n in form._touched)
    form.force_close()

