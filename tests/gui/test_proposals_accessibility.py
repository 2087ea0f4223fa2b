"""The Proposals & moves and Quotas screens pass the accessibility walk of
test_accessibility.py (every focusable widget named, inputs labelled with mnemonics, no
mnemonic used twice) on every tab, with proposals in several states chosen, and in every
dialog they open; shortcuts are given in tooltips."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPushButton, QWidget

from tests.gui.conftest import WAIT_MS
from tests.gui.proposals_support import choose, show_board, show_tab
from tests.gui.test_accessibility import problems_in


def walk(qtbot: Any, dialog: QWidget | None, where: str) -> list[str]:
    assert dialog is not None, where
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    qtbot.wait(5)
    found = [f"[{where}] {p}" for p in problems_in(dialog)]
    dialog.reject()  # type: ignore[attr-defined]
    return found


def test_proposals_section(qtbot: Any, demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    board = view.board
    found: list[str] = []
    for state in ("draft", "on_agenda", "active", "closed"):
        row = board.model.rows[state][0]
        choose(qtbot, board, row.id)
        found += [f"[board/{state}] {p}" for p in problems_in(demo_window)]
        for action, button in board.detail.buttons.items():
            if not button.isHidden():
                found += walk(qtbot, board.act(action), f"{state}/{action}")
    found += walk(qtbot, board.new_proposal(), "new proposal")
    ap = next(r for r in board.model.rows["on_agenda"] if r.kind == "ap-place")
    choose(qtbot, board, ap.id)
    dialog = board.act("decide")
    dialog.show_quota([{"code": "school_over_quota", "message": "Over its allocation."}])
    found += walk(qtbot, dialog, "decide over quota")
    draft = next(r for r in board.model.rows["draft"] if r.kind == "ap-place")
    choose(qtbot, board, draft.id)
    dialog = board.act("submit")
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=WAIT_MS)
    dialog._show_override(True)
    found += walk(qtbot, dialog, "submit with override")
    moves = show_tab(qtbot, view, 1)
    found += [f"[moves] {p}" for p in problems_in(demo_window)]
    found += walk(qtbot, moves.new_move(), "new move")
    moves.table.selectRow(0)
    moves.open_move()
    qtbot.waitUntil(lambda: moves.dialog is not None, timeout=WAIT_MS)
    found += walk(qtbot, moves.dialog, "open move")
    qtbot.waitUntil(lambda: moves.dialog is None, timeout=WAIT_MS)
    found += walk(qtbot, moves.step("end"), "end move")
    found += walk(qtbot, moves.step("review"), "review move")
    show_tab(qtbot, view, 2)
    found += [f"[balance] {p}" for p in problems_in(demo_window)]
    assert found == []


def test_quotas_section(qtbot: Any, demo_window: Any) -> None:
    view = demo_window.pages["Quotas"]
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        demo_window.show_section("Quotas")
    found = [f"[quotas] {p}" for p in problems_in(demo_window)]
    found += walk(qtbot, view.set_year(), "set quota year")
    assert found == []
    assert "Ctrl+Shift+Y" in view.set_button.toolTip()


def test_shortcuts_are_in_tooltips(qtbot: Any, demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    assert "Ctrl+Shift+N" in view.board.new_button.toolTip()
    for button in view.findChildren(QPushButton):
        text = button.text()
        if "&" in text:
            key = text[text.index("&") + 1].upper()
            assert f"Alt+{key}" in button.toolTip() or "Ctrl+" in button.toolTip() or \
                "(Enter)" in button.toolTip(), text


def test_lock_clears_the_sections(qtbot: Any, demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    choose(qtbot, view.board, view.board.model.rows["active"][0].id)
    dialog = view.board.act("edit")
    assert dialog is not None
    quotas = demo_window.pages["Quotas"]
    demo_window.lock()
    assert view.board.dialog is None and view.board.detail.detail is None
    assert view.board.model.total == 0 and view.moves.model.rowCount() == 0
    assert quotas.state is None and quotas.model.rowCount() == 0
