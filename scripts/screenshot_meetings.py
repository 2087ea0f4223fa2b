"""Screenshots of the Meetings section, used by scripts/screenshots.py: the actions
tracker, and meeting mode on the last meeting held, at a case item with its decision
and an action (and the ladder verdict frozen with the decision when there is one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def capture_meetings(app: Any, window: Any, grab: Callable[[Any, str], None],
                     wait: Callable[..., None]) -> None:
    view = window.pages["Meetings"]
    window.show_section("Meetings")
    wait(app, lambda: view.details.detail is not None and bool(view.tracker.all_actions))
    view.tabs.setCurrentWidget(view.tracker)
    window.statusBar().clearMessage()
    grab(window, "actions-tracker")

    view.tabs.setCurrentIndex(0)
    held = sorted((r for r in view.rows if not r.upcoming), key=lambda r: r.meeting.date)
    view.select_meeting(held[-1].meeting.id)
    wait(app, lambda: view.details.detail.meeting.id == held[-1].meeting.id)
    mode = view.open_meeting_mode()
    mode.showNormal()
    mode.resize(1280, 760)
    wait(app, lambda: mode.data is not None)
    acted = {a.item_id for a in mode.data.actions}

    def score(item: Any) -> tuple[bool, bool, bool]:
        d = item.decision
        return (item.id in acted, bool(d and d.ladder), bool(d and d.conditions))

    cases = [i for i, item in enumerate(mode.items) if item.case_id]
    mode.show_index(max(cases, key=lambda i: score(mode.items[i])))
    wait(app, lambda: mode.context is not None)
    for _ in range(5):  # wrapped labels take a second layout pass for their height
        app.processEvents()
    grab(mode, "meeting-mode")
    mode.close()
