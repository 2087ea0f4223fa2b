"""Screenshots of the ladder screens, used by scripts/screenshots.py: the case form's
Ladder tab (the strip, with the reasons of the step that is partly met), and the Ladder
section's editor. With ``extra``, also the "what is missing" page and the calendar."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _partly_met_case(s: Any) -> str:
    """The first case whose ladder for an AP place is partly met at its second step."""
    for row in s.list_cases().rows:
        check = s.ladders.check(row.id, "ap-place")
        if [st.status for st in check.steps[:2]] == ["met", "partly_met"]:
            return str(row.id)
    raise LookupError("no partly met case in the demo")


def capture_ladder(app: Any, window: Any, grab: Callable[[Any, str], None],
                   wait: Callable[..., None], extra: bool = False) -> None:
    found: list[Any] = []
    window.host.run(_partly_met_case, success=found.append, failure=found.append)
    wait(app, lambda: bool(found))
    if isinstance(found[0], BaseException):
        raise found[0]
    form = window.open_case(found[0])
    tab = form.ladder_tab
    wait(app, lambda: tab.data is not None and form.tabs.isEnabled()
         and "·" in form.title.text())
    form.resize(960, 720)
    form.tabs.setCurrentIndex(form.ladder_index)
    for _ in range(5):  # lay the tab out before the reasons take half of its height
        app.processEvents()
    tab.show_step(2)
    for _ in range(5):  # wrapped labels take a second layout pass for their height
        app.processEvents()
    grab(form, "ladder-strip")
    if extra:
        tab.show_reasons(False)
        tab.show_missing()
        grab(form, "ladder-missing")
    form.force_close()

    view = window.pages["Ladder"]
    window.show_section("Ladder")
    wait(app, lambda: view.data is not None and bool(view.calendar.years))
    view.tabs.setCurrentIndex(0)
    view.steps.selectRow(1)
    window.statusBar().clearMessage()
    grab(window, "ladder-editor")
    if extra:
        view.tabs.setCurrentWidget(view.calendar)
        grab(window, "ladder-calendar")
        view.tabs.setCurrentWidget(view.history)
        grab(window, "ladder-history")
        view.tabs.setCurrentIndex(0)
    window.show_section("Cases")
