"""The ladder screens pass the accessibility walk of test_accessibility.py: every
focusable widget has an accessible name, inputs have labels with mnemonics, and no
mnemonic is used twice, on every page of the Ladder section, every page of the case
form's Ladder tab and every ladder dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from panel_app.gui.dialogs.case_ladder import LadderTab
from panel_app.gui.views.ladder_view import LadderView
from tests.gui.conftest import WAIT_MS
from tests.gui.test_accessibility import problems_in


def case_with_evidence(qtbot: Any, window: Any) -> str:
    found: list[str] = []

    def first(s: Any) -> str:
        return next(r.id for r in s.list_cases().rows
                    if len(s.ladders.list_evidence(r.id)) >= 2 and s.ladders.list_checks(r.id))

    window.host.run(first, success=found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=WAIT_MS)
    return found[0]


def walk_dialog(qtbot: Any, dialog: QWidget | None, where: str) -> list[str]:
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    found = [f"[{where}] {p}" for p in problems_in(dialog)]
    dialog.reject()  # type: ignore[attr-defined]
    return found


def test_ladder_section_pages(qtbot: Any, demo_window: Any) -> None:
    demo_window.show_section("Ladder")
    view = demo_window.pages["Ladder"]
    assert isinstance(view, LadderView)
    qtbot.waitUntil(lambda: view.data is not None and bool(view.calendar.years),
                    timeout=WAIT_MS)
    found: list[str] = []
    for i in range(view.tabs.count()):
        view.tabs.setCurrentIndex(i)
        qtbot.wait(1)
        found += [f"[{view.tabs.tabText(i)}] {p}" for p in problems_in(demo_window)]
    view.tabs.setCurrentIndex(0)
    view.steps.selectRow(1)
    found += walk_dialog(qtbot, view.add_step(), "add step")
    found += walk_dialog(qtbot, view.edit_step(), "edit step")
    found += walk_dialog(qtbot, view.add_item(), "add item")
    found += walk_dialog(qtbot, view.edit_item(), "edit item")
    assert found == []


def test_case_form_ladder_tab_and_dialogs(qtbot: Any, demo_window: Any) -> None:
    form = demo_window.open_case(case_with_evidence(qtbot, demo_window))
    tab: LadderTab = form.ladder_tab
    qtbot.waitUntil(lambda: tab.data is not None and form.tabs.isEnabled(), timeout=WAIT_MS)
    form.tabs.setCurrentIndex(form.ladder_index)
    found: list[str] = []
    for shown in (False, True):
        tab.show_reasons(shown)
        for i in range(tab.pages.count()):
            tab.pages.setCurrentIndex(i)
            qtbot.wait(1)
            found += [f"[Ladder/{tab.pages.tabText(i)}/reasons {shown}] {p}"
                      for p in problems_in(form)]
    assert tab.evidence_model.rowCount() >= 2
    tab.evidence_table.selectRow(0)
    found += walk_dialog(qtbot, tab.add_evidence(), "add evidence")
    found += walk_dialog(qtbot, tab.edit_selected(), "edit evidence")
    found += walk_dialog(qtbot, tab.verify_selected(), "verify evidence")
    if tab.missing.override_button.isEnabled():
        found += walk_dialog(qtbot, tab.override(), "override")
    assert found == []
    form.force_close()


def test_strip_buttons_say_their_status_in_words(qtbot: Any, demo_window: Any) -> None:
    form = demo_window.open_case(case_with_evidence(qtbot, demo_window))
    tab: LadderTab = form.ladder_tab
    qtbot.waitUntil(lambda: tab.data is not None, timeout=WAIT_MS)
    assert tab.strip.buttons
    for button in tab.strip.buttons:
        words = button.text().split("\n")[0]
        assert words in {"Met", "Partly met", "Missing", "Not needed"}
        assert button.accessibleName().startswith(f"Step {button.number}, ")
        assert button.accessibleDescription()  # the reasons, for a screen reader
        assert not button.icon().isNull()
    form.force_close()
