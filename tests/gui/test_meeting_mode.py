"""Meeting mode driven by the keyboard only, on the day of the demo's next meeting:
move to a case item, record a decision and an action, then save the members' copy of
the minutes and find both in the PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from panel_app.core.services import FixedClock
from panel_app.gui.views.meeting_mode import SHORTCUTS_TEXT, MeetingModeWindow
from tests.gui.conftest import WAIT_MS

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
RATIONALE = "Ladder followed; the family and both schools agree to the placement."
ACTION = "Send the admission pack to the family"


@pytest.fixture
def clock() -> FixedClock:
    """Tuesday 24/11/2026, the day of the demo's next meeting (built on 22/11/2026)."""
    return FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))


def focused() -> Any:
    return QApplication.focusWidget()


def press(qtbot: Any, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
          ) -> None:
    """A key press to whatever has the keyboard focus, as a user would give it."""
    target = focused()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifiers)


def type_text(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def open_mode(qtbot: Any, window: Any) -> MeetingModeWindow:
    view = window.pages["Meetings"]
    qtbot.keyClick(window, Qt.Key.Key_5, CTRL)  # Go > Meetings
    qtbot.waitUntil(lambda: view.details.detail is not None, timeout=WAIT_MS)
    press(qtbot, Qt.Key.Key_M, CTRL_SHIFT)  # the next meeting is chosen: meeting mode
    mode = view.mode
    assert mode is not None
    qtbot.waitUntil(lambda: mode.data is not None and mode.current == 0, timeout=WAIT_MS)
    mode.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is mode, timeout=WAIT_MS)
    return mode


def go_to_first_case_item(qtbot: Any, mode: MeetingModeWindow) -> None:
    mode.agenda.setFocus()
    qtbot.waitUntil(lambda: focused() is mode.agenda, timeout=WAIT_MS)
    for _ in range(len(mode.items)):
        if mode.items[mode.current].case_id:
            return
        with qtbot.waitSignal(mode.item_shown, timeout=WAIT_MS):
            press(qtbot, Qt.Key.Key_Right, ALT)
    pytest.fail("no case item on the agenda")


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split())
                    for page in pypdf.PdfReader(str(path)).pages)


def test_keyboard_only_decision_action_and_minutes(qtbot: Any, demo_window: Any,
                                                   tmp_path: Path, opener: Any) -> None:
    mode = open_mode(qtbot, demo_window)
    assert "Alt+→" in mode.keys.text() and "Ctrl+Shift+A" in mode.keys.text()
    assert mode.keys.text() == SHORTCUTS_TEXT and mode.keys.isVisible()
    go_to_first_case_item(qtbot, mode)
    item = mode.items[mode.current]
    assert item.decision is None and item.case_ref
    qtbot.waitUntil(lambda: mode.context is not None, timeout=WAIT_MS)
    assert item.case_ref in mode.item_panel.case_text.text()
    assert mode.item_panel.ladder_text.text().startswith("Verdict:")
    quota = mode.item_panel.quota_text.text()  # the quota position, when recorded
    assert quota and "Loading" not in quota

    press(qtbot, Qt.Key.Key_D, CTRL)  # to the decision
    assert focused() is mode.decision.outcomes["approved"]
    press(qtbot, Qt.Key.Key_1, ALT)  # 1 Approved (a mnemonic "clicks" the button)
    qtbot.waitUntil(lambda: mode.decision.outcome() == "approved", timeout=WAIT_MS)
    press(qtbot, Qt.Key.Key_R, ALT)  # Rationale
    assert focused() is mode.decision.rationale
    type_text(qtbot, RATIONALE)
    with qtbot.waitSignal(mode.saved, timeout=WAIT_MS) as saved:
        press(qtbot, Qt.Key.Key_S, CTRL)  # save now
    assert saved.args == ["decision"]
    decided = mode.items[mode.current]
    assert decided.id == item.id and decided.decision is not None
    assert decided.decision.outcome == "approved" and decided.decision.rationale == RATIONALE
    assert decided.decision.ladder  # the ladder verdict was frozen with it

    press(qtbot, Qt.Key.Key_A, CTRL_SHIFT)  # add action
    assert focused() is mode.actions_panel.what
    type_text(qtbot, ACTION)
    press(qtbot, Qt.Key.Key_O, ALT)  # Owner
    type_text(qtbot, "Helen Marsden")
    press(qtbot, Qt.Key.Key_U, ALT)  # Due
    assert focused() is mode.actions_panel.due
    qtbot.keySequence(focused(), QKeySequence.StandardKey.SelectAll)
    type_text(qtbot, "08/12/2026")
    with qtbot.waitSignal(mode.saved, timeout=WAIT_MS) as saved:
        press(qtbot, Qt.Key.Key_Return)
    assert saved.args == ["action"]
    assert mode.actions_panel.model.rowCount() == 1
    action = mode.actions_panel.model.record(0)
    assert (action.text, action.owner, action.due_on.isoformat()) == (
        ACTION, "Helen Marsden", "2026-12-08")
    assert focused() is mode.actions_panel.what  # ready for the next action

    press(qtbot, Qt.Key.Key_M, CTRL)  # minutes PDF
    dialog = mode.minutes_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert "NOT be encrypted" in dialog.warning.text()
    assert dialog.copy == "members"
    qtbot.waitUntil(lambda: focused() is dialog.path, timeout=WAIT_MS)
    target = tmp_path / "minutes.pdf"
    qtbot.keySequence(focused(), QKeySequence.StandardKey.SelectAll)
    type_text(qtbot, str(target))
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        press(qtbot, Qt.Key.Key_Return)
    assert target.is_file()
    assert [p for p, _ in opener.opened] == [target]  # opened in the (test) viewer
    text = pdf_text(target)
    assert "Approved" in text and "Ladder followed; the family and both schools agree" in text
    assert ACTION in text and "Helen Marsden" in text and "08/12/2026" in text
    assert item.case_ref in text
    qtbot.waitUntil(lambda: focused() is not None and focused().window() is mode,
                    timeout=WAIT_MS)
    press(qtbot, Qt.Key.Key_W, CTRL)
    qtbot.waitUntil(lambda: demo_window.pages["Meetings"].mode is None, timeout=WAIT_MS)


def test_decision_autosaves_and_keeps_an_unfinished_one(qtbot: Any, demo_window: Any) -> None:
    mode = open_mode(qtbot, demo_window)
    go_to_first_case_item(qtbot, mode)
    first = mode.items[mode.current]
    press(qtbot, Qt.Key.Key_D, CTRL)
    with qtbot.waitSignal(mode.saved, timeout=WAIT_MS):  # no Ctrl+S: saved after a pause
        press(qtbot, Qt.Key.Key_4, ALT)  # 4 Deferred
    assert mode.items[mode.current].decision.outcome == "deferred"

    with qtbot.waitSignal(mode.item_shown, timeout=WAIT_MS):
        press(qtbot, Qt.Key.Key_Right, ALT)
    second = mode.items[mode.current]
    press(qtbot, Qt.Key.Key_2, ALT)  # with conditions, but none typed yet: not saved
    qtbot.waitUntil(lambda: mode.decision.outcome() == "approved_with_conditions",
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "conditions" in mode.decision.status.text(), timeout=WAIT_MS)
    with qtbot.waitSignal(mode.item_shown, timeout=WAIT_MS):
        press(qtbot, Qt.Key.Key_Left, ALT)
    assert mode.items[mode.current].id == first.id
    assert mode.decision.outcome() == "deferred"
    with qtbot.waitSignal(mode.item_shown, timeout=WAIT_MS):
        press(qtbot, Qt.Key.Key_Right, ALT)
    assert mode.items[mode.current].id == second.id
    assert mode.decision.outcome() == "approved_with_conditions"  # the draft came back
    assert "not saved yet" in mode.decision.status.text()
    press(qtbot, Qt.Key.Key_N, ALT)  # Conditions
    with qtbot.waitSignal(mode.saved, timeout=WAIT_MS):
        type_text(qtbot, "Six-week managed move")
    assert mode.items[mode.current].decision.conditions == "Six-week managed move"
    assert second.id not in mode.drafts


def test_closing_the_window_saves_the_decision_being_made(qtbot: Any, demo_window: Any,
                                                          host: Any) -> None:
    mode = open_mode(qtbot, demo_window)
    go_to_first_case_item(qtbot, mode)
    meeting_id, item_id = mode.meeting_id, mode.items[mode.current].id
    press(qtbot, Qt.Key.Key_D, CTRL)
    press(qtbot, Qt.Key.Key_3, ALT)  # 3 Declined, then the app is closed at once
    qtbot.waitUntil(lambda: mode.decision.outcome() == "declined", timeout=WAIT_MS)
    demo_window.close()
    found: list[Any] = []
    host.run(lambda s: s.meetings.agenda(meeting_id), success=found.extend)
    qtbot.waitUntil(lambda: bool(found), timeout=WAIT_MS)
    decided = next(i for i in found if i.id == item_id)
    assert decided.decision is not None and decided.decision.outcome == "declined"


def test_agenda_rows_lead_with_what_tells_them_apart(qtbot: Any, demo_window: Any) -> None:
    """The narrow agenda list shows two lines an item: the case reference (or the action's
    date) and section first, so items with alike titles differ at a glance; the title is
    second, whole in the tooltip; screen readers get the two lines as one."""
    mode = open_mode(qtbot, demo_window)
    model = mode.agenda.model()
    line = mode.agenda.fontMetrics().lineSpacing()
    assert mode.agenda.rowHeight(0) >= 2 * line
    seen_case = False
    for row, item in enumerate(mode.items):
        index = model.index(row, 1)
        first, second = index.data(Qt.ItemDataRole.DisplayRole).split("\n")
        assert item.title.endswith(second)
        assert item.title in index.data(Qt.ItemDataRole.ToolTipRole)
        assert "\n" not in index.data(Qt.ItemDataRole.AccessibleTextRole)
        if item.case_ref:
            seen_case = True
            assert first.startswith(("⚠ Late · ", item.case_ref))
            assert item.case_ref in first
        if item.entity == "action":
            assert first.startswith("Action from ") and not second.startswith("Action")
    assert seen_case
    mode.close()
