"""The accessibility walk (tests/gui/test_accessibility.py) over the Meetings section's
tabs, meeting mode on each kind of item, and the minutes dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.gui.conftest import WAIT_MS
from tests.gui.test_accessibility import check_tabs, problems_in


def next_tab_stop(widget: QWidget) -> QWidget:
    found = widget.nextInFocusChain()
    while (not found.focusPolicy() & Qt.FocusPolicy.TabFocus or found.focusProxy()
           or not found.isVisible()):
        found = found.nextInFocusChain()
    return found


def test_meetings_view_tabs(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.pages["Meetings"]
    demo_window.show_section("Meetings")
    qtbot.waitUntil(lambda: view.details.detail is not None, timeout=WAIT_MS)
    found = check_tabs(view.detail_tabs, qtbot)
    view.tabs.setCurrentWidget(view.tracker)
    qtbot.waitUntil(lambda: view.tracker.model.rowCount() > 0, timeout=WAIT_MS)
    found += [f"[actions] {p}" for p in problems_in(demo_window)]
    assert found == []


def test_meeting_mode_and_minutes_dialog(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.pages["Meetings"]
    demo_window.show_section("Meetings")
    qtbot.waitUntil(lambda: view.details.detail is not None, timeout=WAIT_MS)
    last = sorted((r for r in view.rows if not r.upcoming), key=lambda r: r.meeting.date)[-1]
    view.select_meeting(last.meeting.id)
    qtbot.waitUntil(lambda: view.details.detail.meeting.id == last.meeting.id, timeout=WAIT_MS)
    mode = view.open_meeting_mode()
    qtbot.waitUntil(lambda: mode.data is not None, timeout=WAIT_MS)
    kinds = {"opening": 0,
             "action": next(i for i, it in enumerate(mode.items) if it.entity == "action"),
             "case": next(i for i, it in enumerate(mode.items) if it.case_id)}
    found: list[str] = []
    for kind, index in kinds.items():
        mode.show_index(index)
        qtbot.waitUntil(lambda: mode.context is not None, timeout=WAIT_MS)
        found += [f"[{kind}] {p}" for p in problems_in(mode)]
    assert mode.item_panel.done_button.isVisibleTo(mode) is False  # on the case item
    assert next_tab_stop(mode.agenda) is mode.decision.outcomes["approved"]  # Tab order
    assert next_tab_stop(mode.decision.review) is mode.actions_panel.table
    dialog = mode.show_minutes()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    found += [f"[minutes] {p}" for p in problems_in(dialog)]
    dialog.reject()
    mode.close()
    assert found == []
