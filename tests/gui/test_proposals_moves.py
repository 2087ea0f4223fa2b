"""The Moves and Balance-and-rates tabs against the facade: the send/receive balance,
outcome rates with numerator and denominator, moves due flagged, the move form (the DfE
warning on a managed move recorded as a trial, refusals shown, nothing stored), ending a
move; and every model of the section passes Qt's model tester."""

from __future__ import annotations

from typing import Any

from panel_app.core.domain.proposals import BoardFilter
from tests.gui.proposals_support import click_refused, run, save, show_board, show_tab


def test_balance_and_rates_match_the_facade(qtbot: Any, demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    page = show_tab(qtbot, view, 2)
    report = run(qtbot, demo_window, lambda s: s.moves.report())
    balance = run(qtbot, demo_window, lambda s: s.moves.balance())
    model = page.balance_model
    assert model.rowCount() == len(balance)
    for row, b in enumerate(balance):
        cells = [model.index(row, c).data() for c in range(model.columnCount())]
        net_year = f"+{b.net_year}" if b.net_year > 0 else str(b.net_year).replace("-", "−")
        assert cells[:4] == [b.name, str(b.sent_year), str(b.received_year), net_year]
        assert cells[4:6] == [str(b.sent_all), str(b.received_all)]
    assert "this year (2026/27) and all time" in page.balance_title.text()
    overall = report["overall"]
    rates = {page.rates_model.index(r, 0).data(): [page.rates_model.index(r, c).data()
                                                   for c in (1, 2, 3)]
             for r in range(page.rates_model.rowCount())}
    converted = overall["rates"]["converted"]
    assert rates["Converted to a permanent admission"] == [
        str(converted["numerator"]), str(converted["denominator"]), converted["text"]]
    again = overall["moved_again"]
    assert rates["Moved again or to AP"][2] == again["text"]
    assert f"{overall['ended']} ended" in page.totals.text()
    name = sorted(report["by_receiving_school"])[0]
    page.rates_for.setCurrentIndex(page.rates_for.findData(name))
    school = report["by_receiving_school"][name]
    assert page.rates_model.index(0, 3).data() == school["rates"]["returned-home"]["text"]


def test_moves_due_are_flagged(qtbot: Any, demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    page = show_tab(qtbot, view, 1)
    due = run(qtbot, demo_window, lambda s: s.moves.due())
    assert due and page.due_model.rowCount() == len(due)
    assert page.due_summary.text().startswith(f"⚠ {len(due)} move")
    assert "(s)" not in page.due_summary.text()
    assert all(page.due_model.index(r, 0).data().startswith("⚠")
               for r in range(page.due_model.rowCount()))
    flagged = {f.entity_id for f in due if f.entity == "move"}
    rows = {page.model.record(r).id: page.model.index(r, page.model.columnCount() - 1).data()
            for r in range(page.model.rowCount())}
    for mid in flagged & set(rows):
        assert rows[mid].startswith("⚠")
    opened = run(qtbot, demo_window, lambda s: s.moves.list_moves(open_only=True))
    assert set(rows) == {m.id for m in opened}


def _move_case(s: Any) -> tuple[str, str, str]:
    busy = {m.case_id for m in s.moves.list_moves()}
    row = next(r for r in s.list_cases().rows if r.id not in busy)
    home = s.get_case(row.id).home_school_id
    other = next(x.id for x in s.list_schools() if x.member and x.id != home)
    return row.case_ref, home, other


def test_move_form_warns_refuses_and_records(qtbot: Any, demo_window: Any) -> None:
    ref, home, other = run(qtbot, demo_window, _move_case)
    view = show_board(qtbot, demo_window)
    page = show_tab(qtbot, view, 1)
    before = run(qtbot, demo_window, lambda s: len(s.moves.list_moves()))
    dialog = page.new_move()
    dialog.case.setText(ref)
    # a managed move recorded as a trial: the DfE warning shows at once
    dialog.arrangement.setCurrentIndex(dialog.arrangement.findData("managed-move"))
    dialog.kind.setCurrentIndex(dialog.kind.findData("transfer"))
    dialog.trial.setChecked(True)
    assert dialog.rules_note.isVisible() and "trial" in dialog.rules_note.text()
    assert "Permanent managed move" in dialog.arrangement.currentText()  # the demo's label
    dialog.trial.setChecked(False)
    assert not dialog.rules_note.isVisible()
    # a move to the same school and an end before the start: refused, nothing stored
    dialog.arrangement.setCurrentIndex(dialog.arrangement.findData("off-site-direction"))
    dialog.kind.setCurrentIndex(dialog.kind.findData("respite"))
    dialog.receiving.setCurrentIndex(dialog.receiving.findData(home))
    dialog.start.setText("30/11/2026")
    click_refused(qtbot, dialog)
    assert "different receiving school" in dialog.rows.messages["receiving_school_id"].text()
    dialog.receiving.setCurrentIndex(dialog.receiving.findData(other))
    dialog.end.setText("20/11/2026")
    click_refused(qtbot, dialog)
    assert "before the start" in dialog.rows.messages["planned_end"].text()
    assert run(qtbot, demo_window, lambda s: len(s.moves.list_moves())) == before
    dialog.end.clear()
    dialog.weeks.setValue(2)
    dialog.notified.setText("25/11/2026")
    dialog.reviews.setText("07/12/2026")
    saved = save(qtbot, page, dialog)
    move = run(qtbot, demo_window, lambda s: s.moves.get(saved.id))
    assert (move.arrangement, move.kind, move.home_school_id, move.receiving_school_id,
            move.dual_registration) == ("off-site-direction", "respite", home, other, True)
    assert [d.isoformat() for d in move.review_dates] == ["2026-12-07"]

    # open it: the admission meeting, then end it early
    row = next(r for r in range(page.model.rowCount()) if page.model.record(r).id == saved.id)
    page.table.selectRow(row)
    page.open_move()
    qtbot.waitUntil(lambda: page.dialog is not None, timeout=10_000)
    form = page.dialog
    assert form.case.isReadOnly() and not form.receiving.isEnabled()
    form.admission.setText("30/11/2026")
    form.attendees.setPlainText("home: Head of year\nreceiving: SENCO\nfamily: Parent")
    form.insert_template()
    save(qtbot, page, form)
    move = run(qtbot, demo_window, lambda s: s.moves.get(saved.id))
    assert move.admission_meeting_on.isoformat() == "2026-11-30"
    assert (move.attendees[0].side, move.attendees[0].name) == ("home", "Head of year")
    assert "Attendance target" in move.targets
    row = next(r for r in range(page.model.rowCount()) if page.model.record(r).id == saved.id)
    page.table.selectRow(row)
    dialog = page.step("end")
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("broke-down"))
    dialog.on.setText("02/12/2026")
    click_refused(qtbot, dialog)  # broke down: the reason is required
    dialog.reason.setText("Belonging")
    save(qtbot, page, dialog)
    move = run(qtbot, demo_window, lambda s: s.moves.get(saved.id))
    assert (move.outcome, move.ended_on.isoformat(), move.breakdown_reason) == (
        "broke-down", "2026-12-02", "Belonging")


def test_every_model_passes_the_model_tester(qtbot: Any, qtmodeltester: Any,
                                            demo_window: Any) -> None:
    view = show_board(qtbot, demo_window)
    qtmodeltester.check(view.board.model)
    board = view.board.model
    assert board.rowCount() == 7 and board.total == sum(board.counts.values())
    first = board.rows["active"][0]
    choose_detail = view.board.detail
    from tests.gui.proposals_support import choose

    choose(qtbot, view.board, first.id)
    qtmodeltester.check(choose_detail.history_model)
    moves = show_tab(qtbot, view, 1)
    qtmodeltester.check(moves.model)
    qtmodeltester.check(moves.due_model)
    balance = show_tab(qtbot, view, 2)
    qtmodeltester.check(balance.balance_model)
    qtmodeltester.check(balance.rates_model)
    quotas = demo_window.pages["Quotas"]
    with qtbot.waitSignal(quotas.loaded, timeout=10_000):
        demo_window.show_section("Quotas")
    qtmodeltester.check(quotas.model)
    # the board model empty (locked) and filtered to nothing
    empty = run(qtbot, demo_window, lambda s: s.proposals.board(BoardFilter(kind="other",
                                                                            states=("active",))))
    board.set_board(empty)
    qtmodeltester.check(board)
