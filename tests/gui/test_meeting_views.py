"""The Meetings section on the demo (today 22/11/2026): the list with its quorum warning,
the details, the agenda editor, the actions tracker, the models, locking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from panel_app.gui.dialogs.minutes_export import NOT_ENCRYPTED
from panel_app.gui.models.meetings import (
    actions_model,
    agenda_model,
    brief_agenda_model,
    meetings_model,
    members_model,
)
from panel_app.gui.views.meetings_view import MeetingsView
from tests.gui.conftest import WAIT_MS


@pytest.fixture
def view(qtbot: Any, demo_window: Any) -> MeetingsView:
    page = demo_window.pages["Meetings"]
    demo_window.show_section("Meetings")
    qtbot.waitUntil(lambda: page.details.detail is not None and bool(page.tracker.all_actions),
                    timeout=WAIT_MS)
    return page


def column(model: Any, header: str) -> int:
    for c in range(model.columnCount()):
        if model.headerData(c, Qt.Orientation.Horizontal) == header:
            return c
    raise AssertionError(header)


def cells(model: Any, header: str, role: int = Qt.ItemDataRole.DisplayRole) -> list[Any]:
    c = column(model, header)
    return [model.index(r, c).data(role) for r in range(model.rowCount())]


def choose(qtbot: Any, view: MeetingsView, meeting_id: str) -> None:
    view.select_meeting(meeting_id)
    qtbot.waitUntil(lambda: view.details.detail is not None
                    and view.details.detail.meeting.id == meeting_id, timeout=WAIT_MS)


def test_list_shows_meetings_and_picks_the_next_one(view: MeetingsView) -> None:
    assert view.proxy.rowCount() == 4
    dates = cells(view.proxy, "Date")
    assert dates[0] == "Tuesday 24/11/2026" and dates[-1] == "Tuesday 29/09/2026"  # newest first
    assert cells(view.proxy, "Status")[0] == "Upcoming"
    detail = view.details.detail
    assert detail is not None and detail.meeting.date.isoformat() == "2026-11-24"
    assert view.details.fields["Chair"].text() == "Aisha Begum"
    assert view.details.fields["Status"].text() == "Upcoming"  # the list's word, not "Planned"
    assert view.details.fields["Referral cut-off"].text().startswith("Thursday 19/11/2026")
    view.list_filter.setCurrentIndex(view.list_filter.findData(False))  # past only
    assert view.proxy.rowCount() == 3


def test_quorum_warning_in_text_and_icon(qtbot: Any, view: MeetingsView) -> None:
    last = sorted((r for r in view.rows if not r.upcoming), key=lambda r: r.meeting.date)[-1]
    choose(qtbot, view, last.meeting.id)
    table = view.details.table
    schools = [r for r in range(view.details.model.rowCount())
               if view.details.model.record(r).school_id]
    for row in schools[:5]:  # five of seven schools send apologies: not quorate
        table.selectionModel().select(view.details.model.index(row, 0),
                                      QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        view.details.attendance_buttons["apologies"].click()
    qtbot.waitUntil(lambda: "NOT quorate" in view.details.quorum.text(), timeout=WAIT_MS)
    assert view.details.quorum.text().startswith("⚠")
    assert not view.details.quorum_icon.pixmap().isNull()
    assert "NOT quorate" in view.details.message.text()
    row = view._proxy_row(last.meeting.id)
    quorum = view.proxy.index(row, column(view.proxy, "Quorum"))
    assert quorum.data() == "⚠ NOT quorate"
    assert quorum.data(Qt.ItemDataRole.DecorationRole) is not None
    assert "the quorum is 4" in quorum.data(Qt.ItemDataRole.ToolTipRole)


def test_agenda_editor_flags_late_items_adds_moves_removes(qtbot: Any,
                                                           view: MeetingsView) -> None:
    editor = view.agenda
    view.detail_tabs.setCurrentWidget(editor)
    late = cells(editor.model, "Late")
    late_rows = [r for r, text in enumerate(late) if text == "⚠ Late"]
    assert late_rows  # the demo has referrals after the cut-off
    for row in late_rows:  # flagged by text and icon, the reason in the tooltip
        index = editor.model.index(row, column(editor.model, "Late"))
        assert index.data(Qt.ItemDataRole.DecorationRole) is not None
        assert "after the cut-off" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert editor.late.text().startswith("⚠ Item ")
    count = editor.model.rowCount()

    editor.new_title.setFocus()
    qtbot.keyClicks(editor.new_title, "Transport policy update")
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        qtbot.keyClick(editor.new_title, Qt.Key.Key_Return)
    titles = cells(editor.model, "Item")
    assert editor.model.rowCount() == count + 1 and titles[-1] == "Transport policy update"
    assert editor.selected_id() == editor.model.record(count).id  # the new item is chosen
    new_id = editor.selected_id()
    editor.table.setFocus()
    qtbot.waitUntil(editor.table.hasFocus, timeout=WAIT_MS)
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        qtbot.keyClick(editor.table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert cells(editor.model, "Item")[-2] == "Transport policy update"
    assert editor.selected_id() == new_id
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert "Transport policy update" not in cells(editor.model, "Item")
    with qtbot.waitSignal(editor.changed, timeout=WAIT_MS):
        editor.build_button.click()
    assert editor.model.rowCount() == count


def test_actions_tracker_shows_overdue_and_marks_done(qtbot: Any, view: MeetingsView) -> None:
    tracker = view.tracker
    view.tabs.setCurrentWidget(tracker)
    assert "⚠ Overdue: 4" in tracker.counts.text()
    tracker.set_filter("overdue")
    states = cells(tracker.proxy, "State")
    assert states == ["⚠ Overdue"] * 4
    icons = cells(tracker.proxy, "State", Qt.ItemDataRole.DecorationRole)
    assert all(icon is not None for icon in icons)
    fonts = cells(tracker.proxy, "State", Qt.ItemDataRole.FontRole)
    assert all(font.bold() for font in fonts)
    due = cells(tracker.proxy, "Due", Qt.ItemDataRole.UserRole)
    assert due == sorted(due) and all(d < "2026-11-22" for d in due)
    assert all(len(d) == 10 and d[2] == "/" for d in cells(tracker.proxy, "Due"))

    tracker.table.setFocus()
    tracker.table.selectRow(0)
    first = tracker.selected()
    with qtbot.waitSignal(tracker.changed, timeout=WAIT_MS):
        qtbot.keyClick(tracker.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert tracker.proxy.rowCount() == 3 and "⚠ Overdue: 3" in tracker.counts.text()
    tracker.set_filter("done")
    tracker.table.selectRow(_row_of(tracker, first.id))
    with qtbot.waitSignal(tracker.changed, timeout=WAIT_MS):
        tracker.reopen_button.click()
    assert "⚠ Overdue: 4" in tracker.counts.text()


def _row_of(tracker: Any, action_id: str) -> int:
    for row in range(tracker.proxy.rowCount()):
        if tracker._action_at(row).id == action_id:
            return row
    raise AssertionError(action_id)


def test_models_pass_the_model_tester(qtmodeltester: Any, view: MeetingsView) -> None:
    detail = view.details.detail
    assert detail is not None
    for make, rows in ((meetings_model, view.rows), (agenda_model, detail.agenda),
                       (brief_agenda_model, detail.agenda), (members_model, detail.members),
                       (actions_model, view.tracker.all_actions)):
        model = make()
        model.set_rows(rows)
        assert model.rowCount() == len(rows) > 0
        qtmodeltester.check(model)
    qtmodeltester.check(view.proxy)
    qtmodeltester.check(view.tracker.proxy)


def test_future_meeting_mode_says_when_decisions_can_be_recorded(qtbot: Any,
                                                                  view: MeetingsView) -> None:
    mode = view.open_meeting_mode()
    assert mode is not None
    qtbot.waitUntil(lambda: mode.data is not None, timeout=WAIT_MS)
    assert "decisions can be recorded from that day" in mode.banner.text()
    assert not mode.decision.isEnabled() and mode.actions_panel.isEnabled()
    assert mode.items[0].title == "Apologies and declarations of interest"
    assert not mode.decision.isVisibleTo(mode)  # nothing to decide on item 1


def test_minutes_dialog_from_the_list(qtbot: Any, view: MeetingsView, tmp_path: Path,
                                      opener: Any) -> None:
    last = sorted((r for r in view.rows if not r.upcoming), key=lambda r: r.meeting.date)[-1]
    choose(qtbot, view, last.meeting.id)
    dialog = view.show_minutes()
    assert dialog is not None and dialog.warning.text().endswith(NOT_ENCRYPTED)
    assert dialog.path.text().endswith("minutes-2026-11-10-members.pdf")
    dialog.copies["circulation"].setChecked(True)
    assert dialog.path.text().endswith("minutes-2026-11-10-circulation.pdf")
    dialog.path.setText(str(tmp_path / "circ"))
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        dialog.save_button.click()
    assert saved.args == [str(tmp_path / "circ.pdf")]
    assert (tmp_path / "circ.pdf").read_bytes().startswith(b"%PDF")
    assert opener.opened[0][0] == tmp_path / "circ.pdf"


def test_lock_closes_meeting_mode_and_clears(qtbot: Any, demo_window: Any,
                                            view: MeetingsView) -> None:
    mode = view.open_meeting_mode()
    assert mode is not None
    qtbot.waitUntil(lambda: mode.data is not None, timeout=WAIT_MS)
    demo_window.lock()
    assert view.mode is None and not mode.isVisible()
    assert view.model.rowCount() == 0 and view.tracker.model.rowCount() == 0
    assert view.details.model.rowCount() == 0 and view.agenda.model.rowCount() == 0


def test_new_meeting_series_from_the_dialog(qtbot: Any, view: MeetingsView) -> None:
    before = len(view.rows)
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: view.new_dialog is not None and view.new_dialog.isVisible(),
                    timeout=WAIT_MS)
    dialog = view.new_dialog
    dialog.date.setText("31/02/2027")  # impossible: refused under the field, nothing added
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.rows.messages["date"].text()) and not dialog.busy,
                    timeout=WAIT_MS)
    assert dialog.isVisible()
    dialog.date.setText("12/01/2027")
    dialog.count.setValue(3)
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        dialog.submit()
    assert len(view.rows) == before + 3
    assert "Added 3 meetings" in view.message.text()


def test_declare_an_interest(qtbot: Any, view: MeetingsView) -> None:
    details = view.details
    details.declare("Governor at Castleton High School")  # nobody selected: refused
    assert "Select the one member" in details.message.text()
    details.table.selectionModel().select(details.model.index(0, 0),
                                          QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)
    assert len(details.selected_members()) == 1
    name = details.model.record(0).name
    details.declare("Governor at Castleton High School")
    qtbot.waitUntil(lambda: "Select the one" not in details.message.text(), timeout=WAIT_MS)
    assert "Recorded an interest" in details.message.text(), details.message.text()
    qtbot.waitUntil(lambda: "Governor at Castleton" in details.declarations.text(),
                    timeout=WAIT_MS)
    assert name in details.declarations.text()
