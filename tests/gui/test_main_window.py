"""Main window: sections, status bar, lock by shortcut, idle time and system suspend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication

from panel_app.gui.qtcompat import emit
from panel_app.gui.views.main_window import SECTION_VIEWS, SECTIONS
from panel_app.gui.views.placeholder import PlaceholderPage
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, make_window


def test_sections_and_placeholders(qtbot: Any, window: Any) -> None:
    assert [window.sidebar.item(i).text() for i in range(window.sidebar.count())] == list(
        SECTIONS)
    for i, name in enumerate(SECTIONS):
        window.sidebar.setCurrentRow(i)
        page = window.stack.currentWidget()
        assert page is window.pages[name]
        if name not in ("Cases", "Settings", *SECTION_VIEWS):  # the rest: placeholders
            assert isinstance(page, PlaceholderPage)
            assert "later version" in " ".join(
                w.text() for w in page.findChildren(type(window.lock_state)))
            assert not page.findChildren(QAbstractItemView)  # no fake data
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.cases


def test_status_bar_shows_file_and_lock_state(window: Any, db_path: Path) -> None:
    assert window.file_label.text() == str(db_path)
    assert window.lock_state.text() == "Unlocked"
    assert "Test Partnership" in window.windowTitle()
    window.lock()
    assert window.lock_state.text() == "Locked"
    assert "(locked)" in window.windowTitle()


def test_ctrl_l_locks_and_unlocking_restores(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.lock_changed, timeout=WAIT_MS) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True]
    assert window.locked and not window.host.is_open
    assert not window.new_case_action.isEnabled() and not window.sidebar.isEnabled()
    assert window.open_case(None) is None  # nothing opens while locked
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    dialog = window.unlock_dialog
    dialog.reject()  # cancel: the window stays locked, with an Unlock button
    assert window.stack.currentWidget() is window.locked_page
    qtbot.mouseClick(window.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    qtbot.keyClicks(window.unlock_dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS):
        window.unlock_dialog.submit_passphrase()
    assert not window.locked and window.new_case_action.isEnabled()


def test_idle_time_locks(qtbot: Any, window: Any) -> None:
    with qtbot.waitSignal(window.lock_changed, timeout=WAIT_MS) as blocker:
        window.idle.set_timeout_ms(60)
    assert blocker.args == [True]
    assert window.cases.model.rowCount() == 0


def test_input_postpones_the_idle_lock(qtbot: Any, window: Any) -> None:
    window.idle.set_timeout_ms(1000)
    timer = window.idle._timer
    qtbot.wait(300)
    before = timer.remainingTime()
    qtbot.keyClick(window.cases.search, Qt.Key.Key_A)
    assert timer.remainingTime() > before  # input restarted the countdown
    assert not window.locked
    window.idle.set_timeout_ms(50)
    qtbot.waitUntil(lambda: window.locked, timeout=WAIT_MS)


def test_idle_override_from_context(qtbot: Any, host: Any, ctx: Any, db_path: Path) -> None:
    ctx.idle_ms_override = 123_000
    assert make_window(qtbot, host, ctx, db_path).idle.timeout_ms == 123_000


def test_idle_minutes_come_from_settings(window: Any, ctx: Any) -> None:
    assert window.idle.timeout_ms == 10 * 60_000
    window.settings.idle.setValue(3)
    assert ctx.settings.idle_minutes == 3
    assert window.idle.timeout_ms == 3 * 60_000


def test_system_suspend_locks(qtbot: Any, window: Any) -> None:
    app = QApplication.instance()
    with qtbot.waitSignal(window.lock_changed, timeout=WAIT_MS):
        emit(app.applicationStateChanged, Qt.ApplicationState.ApplicationSuspended)
    assert window.locked


def test_inactive_window_does_not_lock(window: Any) -> None:
    emit(QApplication.instance().applicationStateChanged,
         Qt.ApplicationState.ApplicationInactive)
    assert not window.locked


def test_shortcuts_are_shown_in_menus_and_tooltips(window: Any) -> None:
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    assert "Ctrl+L" in window.lock_action.toolTip()
    assert window.new_case_action.shortcut().toString() == "Ctrl+N"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    assert "Ctrl+N" in window.cases.new_button.toolTip()


def test_ctrl_f_focuses_search_and_ctrl_n_opens_a_form(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    window.sidebar.setCurrentRow(3)
    window.find_action.trigger()
    assert window.stack.currentWidget() is window.cases
    assert window.focusWidget() is window.cases.search
    window.new_case_action.trigger()
    assert len(window.forms) == 1 and window.forms[0].case_id is None
    window.forms[0].force_close()
