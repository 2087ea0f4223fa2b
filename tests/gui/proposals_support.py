"""Helpers for the Proposals & moves and Quotas GUI tests: run a call on the window's
worker, show a section and wait for its data, pick a proposal, save a dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from tests.gui.conftest import WAIT_MS


def run(qtbot: Any, window: Any, fn: Callable[[Any], Any]) -> Any:
    """``fn(session)`` on the window's worker (where the session lives); its result."""
    out: dict[str, Any] = {}
    window.host.run(fn, success=lambda r: out.update(result=r),
                    failure=lambda e: out.update(error=e))
    qtbot.waitUntil(lambda: bool(out), timeout=WAIT_MS)
    if "error" in out:
        raise out["error"]
    return out["result"]


def show_board(qtbot: Any, window: Any) -> Any:
    view = window.pages["Proposals & moves"]
    with qtbot.waitSignal(view.board.loaded, timeout=WAIT_MS):
        window.show_section("Proposals & moves")
    return view


def show_tab(qtbot: Any, view: Any, index: int) -> Any:
    page = view.pages[index]
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        view.tabs.setCurrentIndex(index)
    return page


def choose(qtbot: Any, board: Any, pid: str) -> dict[str, Any]:
    """Select proposal ``pid`` on the board; its detail once shown."""
    if board.detail.detail is not None and board.detail.detail["id"] == pid:
        return board.detail.detail  # type: ignore[no-any-return]
    with qtbot.waitSignal(board.detail_loaded, timeout=WAIT_MS):
        assert board.select(pid), f"{pid} is not on the board"
    return board.detail.detail  # type: ignore[no-any-return]


def offered_now(board: Any) -> set[str]:
    return {a for a, b in board.detail.buttons.items() if not b.isHidden()}


def save(qtbot: Any, page: Any, dialog: Any) -> Any:
    """Click Save and wait until the page shows the change (board: the detail again)."""
    signal = getattr(page, "detail_loaded", None) or page.loaded
    got: list[Any] = []
    dialog.succeeded.connect(got.append)
    with qtbot.waitSignal(signal, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert got, "the dialog was not saved"
    assert page.dialog is None  # closed (and deleted later)
    return got[0]


def click_refused(qtbot: Any, dialog: Any) -> None:
    """Click Save on a dialog the core (or the dialog) refuses: it stays open."""
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.isVisible()
