"""Screenshots of the Proposals & moves and Quotas sections, used by
scripts/screenshots.py: the proposals board with an active managed move chosen, and the
quotas dashboard of the demo's South Rotherham-like year. With ``extra``: the moves tab,
the balance tab, the decision dialog and the set-quota-year dialog too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def capture_proposals(app: Any, window: Any, grab: Callable[[Any, str], None],
                      wait: Callable[..., None], extra: bool = False) -> None:
    view = window.pages["Proposals & moves"]
    board = view.board
    loads: list[bool] = []
    board.loaded.connect(lambda: loads.append(True))
    window.show_section("Proposals & moves")
    wait(app, lambda: bool(loads))
    active = board.model.rows.get("active") or board.model.rows.get("on_agenda") or []
    chosen = next((r for r in active if r.kind == "managed-move"), active[0] if active else None)
    if chosen is not None:
        details: list[bool] = []
        board.detail_loaded.connect(lambda: details.append(True))
        board.select(chosen.id)
        wait(app, lambda: bool(details))
    window.statusBar().clearMessage()
    grab(window, "proposals-board")
    if extra:
        for index, name in ((1, "proposals-moves"), (2, "proposals-balance")):
            page = view.pages[index]
            done: list[bool] = []
            page.loaded.connect(lambda d=done: d.append(True))
            view.tabs.setCurrentIndex(index)
            wait(app, lambda d=done: bool(d))
            grab(window, name)
        view.tabs.setCurrentIndex(0)
        waiting = board.model.rows.get("on_agenda") or []
        ap = next((r for r in waiting if r.kind == "ap-place"), None)
        if ap is not None:
            details = []
            board.detail_loaded.connect(lambda: details.append(True))
            board.select(ap.id)
            wait(app, lambda: bool(details))
            dialog = board.act("decide")
            wait(app, lambda: dialog.isVisible())
            grab(dialog, "proposal-decide")
            dialog.reject()
        draft = next((r for r in board.model.rows.get("draft") or []
                      if r.kind == "ap-place"), None)
        if draft is not None:
            details = []
            board.detail_loaded.connect(lambda: details.append(True))
            board.select(draft.id)
            wait(app, lambda: bool(details))
            dialog = board.act("submit")
            wait(app, lambda: dialog.isVisible() and dialog.check is not None)
            grab(dialog, "proposal-submit")
            dialog.reject()
        dialog = board.new_proposal()
        wait(app, lambda: dialog.isVisible())
        grab(dialog, "proposal-new")
        dialog.reject()
        moves = view.pages[1]
        view.tabs.setCurrentIndex(1)
        moves.table.selectRow(0)
        moves.open_move()
        wait(app, lambda: moves.dialog is not None and moves.dialog.isVisible())
        grab(moves.dialog, "move-form")
        moves.dialog.reject()
        view.tabs.setCurrentIndex(0)
    quotas = window.pages["Quotas"]
    shown: list[bool] = []
    quotas.loaded.connect(lambda: shown.append(True))
    window.show_section("Quotas")
    wait(app, lambda: bool(shown))
    window.statusBar().clearMessage()
    grab(window, "quotas-dashboard")
    if extra:
        dialog = quotas.set_year()
        wait(app, lambda: dialog.isVisible())
        grab(dialog, "quota-year-dialog")
        dialog.reject()
    window.show_section("Cases")
