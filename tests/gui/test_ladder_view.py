"""The Ladder section: load a preset, add/reorder/remove steps and items (each a new
version in the history, persisted), inline errors, and the calendar with CSV import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.gui.views.ladder_view import LadderView
from tests.gui.conftest import WAIT_MS

CSV = """term,start,end,half_term_start,half_term_end
autumn,02/09/2027,17/12/2027,25/10/2027,29/10/2027
spring,04/01/2028,24/03/2028,14/02/2028,18/02/2028
summer,10/04/2028,21/07/2028,29/05/2028,02/06/2028
"""


def stored(qtbot: Any, view: LadderView, fn: Any) -> Any:
    """Ask the database directly (on the worker) what is stored now."""
    out: list[Any] = []
    view._host.run(fn, success=out.append, failure=pytest.fail)
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    return out[0]


def step_keys(s: Any) -> list[str]:
    return [st.key for st in s.ladders.current().ladder.steps]


def ladder_view(qtbot: Any, window: Any) -> LadderView:
    window.show_section("Ladder")
    view = window.pages["Ladder"]
    assert isinstance(view, LadderView)
    qtbot.waitUntil(lambda: view.data is not None and bool(view.calendar.years),
                    timeout=WAIT_MS)
    view.confirm = view.calendar.confirm = lambda *_a: True
    return view


def change(qtbot: Any, view: LadderView, act: Any) -> None:
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        act()


def press(qtbot: Any, window: Any, widget: Any, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    widget.setFocus()
    qtbot.keyClick(widget, key, modifier)


@pytest.fixture
def view(qtbot: Any, window: Any) -> LadderView:
    """The Ladder section over the test partnership, with the Lincolnshire preset loaded
    through the view."""
    view = ladder_view(qtbot, window)
    assert "no ladder yet" in view.title.text()
    assert view.steps_model.rowCount() == 0
    view.preset.setCurrentIndex(view.preset.findData("lincolnshire"))
    change(qtbot, view, view.load_preset_button.click)
    return view


def test_loading_a_preset_shows_its_steps_and_a_version(view: LadderView) -> None:
    assert [view.steps_model.record(r).step.name for r in range(3)] == [
        "Pastoral Support Plan", "Behaviour Outreach Support Service",
        "Intervention place in alternative provision"]
    assert "version 1" in view.title.text()
    assert view.history.model.rowCount() == 1
    view.steps.selectRow(1)
    assert view.items_model.rowCount() == 3
    needs = view.items_model.data(view.items_model.index(1, 1))
    assert needs.startswith("at least 20 school weeks")


def test_add_reorder_and_remove_a_step_persist_as_versions(qtbot: Any, window: Any,
                                                           view: LadderView) -> None:
    view.steps.selectRow(0)
    view.note.setText("Family meeting added after the autumn review")
    dialog = view.add_step()
    dialog.name.setText("Family meeting")
    dialog.description.setPlainText("Meet the family before outreach.")
    change(qtbot, view, dialog.save_button.click)
    assert "Step added." in view.message.text()
    assert view.selected_step_key() == "family-meeting"  # selected, after step 1
    assert stored(qtbot, view, step_keys) == ["psp", "family-meeting", "outreach", "ap-place"]
    assert view.history.model.rowCount() == 2
    newest = view.history.model.record(0)
    assert newest.number == 2 and newest.note == "Family meeting added after the autumn review"
    assert view.note.text() == ""  # the note went with that version

    press(qtbot, window, view.steps, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.history.model.rowCount() == 3, timeout=WAIT_MS)
    assert stored(qtbot, view, step_keys) == ["psp", "outreach", "family-meeting", "ap-place"]
    assert view.selected_step_key() == "family-meeting"
    change(qtbot, view, view.step_up.click)
    assert stored(qtbot, view, step_keys) == ["psp", "family-meeting", "outreach", "ap-place"]

    asked: list[str] = []
    view.confirm = lambda _w, title, _t: asked.append(title) or True
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        press(qtbot, window, view.steps, Qt.Key.Key_Delete)
    assert asked == ["Remove step"]
    assert stored(qtbot, view, step_keys) == ["psp", "outreach", "ap-place"]
    assert view.history.model.rowCount() == 5
    # the history keeps every version, and shows each as it was
    view.history.table.selectRow(1)
    assert "Family meeting" in view.history.as_was.toPlainText()
    view.history.table.selectRow(0)
    assert "Family meeting" not in view.history.as_was.toPlainText()


def test_step_errors_are_shown_in_the_dialog(qtbot: Any, view: LadderView) -> None:
    dialog = view.add_step()
    dialog.save_button.click()  # no name
    assert "Give the step a name." in dialog.rows.messages["name"].text()
    dialog.name.setText("Another plan")
    dialog.key.setText("psp")  # taken
    dialog.save_button.click()
    message = dialog.rows.messages["key"]
    qtbot.waitUntil(message.isVisible, timeout=WAIT_MS)
    assert "another step already has the key 'psp'" in message.text()
    assert dialog.isVisible()
    dialog.reject()
    assert stored(qtbot, view, step_keys) == ["psp", "outreach", "ap-place"]


def test_add_edit_move_and_remove_an_item(qtbot: Any, window: Any, view: LadderView) -> None:
    view.steps.selectRow(0)
    dialog = view.add_item()
    dialog.kind.setCurrentIndex(dialog.kind.findData("family_meeting"))
    assert dialog.label.text() == "Meeting with the family"  # filled from the kind
    dialog.min_count.setValue(2)
    dialog.verify.setCurrentIndex(dialog.verify.findData("any"))
    change(qtbot, view, dialog.save_button.click)
    assert view.items_model.rowCount() == 2
    assert view.selected_item_kind() == "family_meeting"
    assert view.items_model.data(view.items_model.index(1, 1)) == "at least 2 records; verified"

    edit = view.edit_item()
    assert not edit.kind.isEnabled()
    edit.min_weeks.setValue(3)
    change(qtbot, view, edit.save_button.click)
    assert "at least 3 school weeks" in view.items_model.data(view.items_model.index(1, 1))

    press(qtbot, window, view.items, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.items_model.record(0).kind == "family_meeting",
                    timeout=WAIT_MS)
    kinds = stored(qtbot, view, lambda s: [i.kind for i in s.ladders.current().ladder.steps[0]
                                            .items])
    assert kinds == ["family_meeting", "psp"]
    change(qtbot, view, view.remove_item_button.click)
    assert [view.items_model.record(r).kind for r in range(view.items_model.rowCount())] == [
        "psp"]
    assert view.history.model.rowCount() == 5


def test_calendar_shows_terms_and_imports_a_csv(qtbot: Any, view: LadderView,
                                                tmp_path: Path) -> None:
    page = view.calendar
    view.tabs.setCurrentWidget(page)
    assert page.year.currentText().startswith("2026/27")
    assert "England default pattern" in page.source.text()
    assert page.model.rowCount() == 3
    assert page.model.data(page.model.index(0, 0)) == "Autumn"
    assert page.model.data(page.model.index(0, 1)).count("/") == 2  # dd/mm/yyyy

    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("spring,04/01/2028", "spring,10/12/2027"))
    page.import_file(bad)
    qtbot.waitUntil(page.message.isVisible, timeout=WAIT_MS)
    assert "overlap" in page.message.text().lower()

    good = tmp_path / "terms.csv"
    good.write_text(CSV)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.import_file(good)
    assert "imported from terms.csv" in page.message.text()
    assert page.year.currentData() == 2027
    assert page.year.currentText() == "2027/28"
    assert page.model.data(page.model.index(0, 1)) == "02/09/2027"
    assert page.model.data(page.model.index(0, 2)) == "25/10/2027 to 29/10/2027"
    assert "entered for this partnership" in page.source.text()

    out = tmp_path / "out.csv"
    page.export_file(out)
    qtbot.waitUntil(out.exists, timeout=WAIT_MS)
    assert "02/09/2027" in out.read_text() or "2027-09-02" in out.read_text()

    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        page.reset_year()
    assert "England default pattern" in page.source.text()


def test_models_pass_the_model_tester(qtmodeltester: Any, view: LadderView) -> None:
    view.steps.selectRow(1)
    for model in (view.steps_model, view.items_model, view.history.model,
                  view.calendar.model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)


def test_lock_clears_the_view(qtbot: Any, window: Any, view: LadderView) -> None:
    window.lock()
    assert view.steps_model.rowCount() == 0 and view.history.model.rowCount() == 0
    assert view.calendar.model.rowCount() == 0 and view.data is None


def test_the_first_step_of_an_empty_ladder(qtbot: Any, window: Any) -> None:
    view = ladder_view(qtbot, window)
    assert view.data is not None and view.data.version is None
    assert not view.edit_step_button.isEnabled() and not view.add_item_button.isEnabled()
    dialog = view.add_step()
    dialog.name.setText("Support plan")
    dialog.unlocks.boxes["ap-place"].setChecked(True)
    change(qtbot, view, dialog.save_button.click)
    assert stored(qtbot, view, step_keys) == ["support-plan"]
    assert view.steps_model.data(view.steps_model.index(0, 3)) == "AP place"
    assert view.add_item_button.isEnabled()
