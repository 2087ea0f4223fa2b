"""A proposal moved through its whole lifecycle in the GUI (draft -> submitted with an
override -> decided -> active -> closed), the facade checked after each step; the
buttons offered are exactly the steps the lifecycle table allows; approving an AP place
over quota needs the name of who approves it anyway."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from PySide6.QtCore import Qt

from panel_app.core.domain.proposals import (
    APPROVING,
    BOARD_ORDER,
    DECISION_OUTCOMES,
    KIND_LABELS,
    ProposalKind,
    allowed_events,
    check_transition,
)
from panel_app.gui.models.proposal_board import SHORT_KINDS, state_title
from panel_app.gui.views.proposal_detail import ACTIONS, offered
from tests.gui.proposals_support import (
    choose,
    click_refused,
    offered_now,
    run,
    save,
    show_board,
)


def _case_needing_override(s: Any) -> tuple[str, str, str]:
    """A demo case with no proposal whose managed-move ladder is not met; its ref, its
    home school's id and another school's id."""
    busy = {p.case_id for p in s.proposals.list_proposals()}
    schools = [x for x in s.list_schools() if x.member]
    for row in s.list_cases().rows:
        if row.id in busy:
            continue
        if s.ladders.check(row.id, "managed-move").verdict in ("partly_met", "missing"):
            home = s.get_case(row.id).home_school_id
            other = next(x.id for x in schools if x.id != home)
            return row.case_ref, home, other
    raise AssertionError("the demo has no case with an unmet ladder")


def test_managed_move_through_its_lifecycle(qtbot: Any, demo_window: Any) -> None:
    ref, _home, other = run(qtbot, demo_window, _case_needing_override)
    view = show_board(qtbot, demo_window)
    board = view.board
    state = lambda pid: run(qtbot, demo_window, lambda s: s.proposals.get(pid))  # noqa: E731

    # draft
    dialog = board.new_proposal()
    dialog.case.setText(ref)
    dialog.kind.setCurrentIndex(dialog.kind.findData("managed-move"))
    dialog.receiving.setCurrentIndex(dialog.receiving.findData(other))
    dialog.title_edit.setText("Fresh start at a partner school")
    dialog.weeks.setValue(6)
    pid = save(qtbot, board, dialog).id
    p = state(pid)
    assert (p.state, p.kind, p.receiving_school_id, p.requested_weeks) == (
        "draft", "managed-move", other, 6)
    assert board.detail.detail["id"] == pid
    assert offered_now(board) == {"edit", "submit", "withdraw"}

    # submitted: the ladder is not met, so an override with a reason and a person
    dialog = board.act("submit")
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=10_000)
    assert dialog.needs_override
    assert dialog.form.isRowVisible(dialog.rows.labels["override_by"])
    click_refused(qtbot, dialog)  # neither given
    assert dialog.rows.messages["override_by"].text()
    assert state(pid).state == "draft"
    dialog.reason.setPlainText("Risk of exclusion this week; evidence follows.")
    dialog.by.setText("Ruth Kendal")
    save(qtbot, board, dialog)
    p = state(pid)
    assert p.state == "submitted" and p.ladder_check_id
    check = run(qtbot, demo_window, lambda s: s.ladders.get_check(p.ladder_check_id))
    assert check.overridden and check.override.by == "Ruth Kendal"
    assert board.detail.verdict.overridden
    assert "OVERRIDDEN by Ruth Kendal" in board.detail.verdict.text.text()
    assert offered_now(board) == {"edit", "decide", "withdraw"}

    # decided: approved with conditions (conditions are required)
    dialog = board.act("decide")
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("approved_with_conditions"))
    click_refused(qtbot, dialog)
    assert dialog.rows.messages["conditions"].text()
    dialog.conditions.setPlainText("Weekly check-in with the head of year.")
    dialog.review.setText("07/12/2026")
    save(qtbot, board, dialog)
    p = state(pid)
    assert (p.state, p.decision_outcome, p.review_on.isoformat()) == (
        "decided", "approved_with_conditions", "2026-12-07")
    assert offered_now(board) == {"edit", "decide", "move", "start", "withdraw"}
    assert "close" not in offered_now(board)  # an approved move closes once it has run

    # active
    dialog = board.act("start")
    save(qtbot, board, dialog)
    assert state(pid).state == "active"
    assert offered_now(board) == {"edit", "review", "close"}
    assert "recorded" in view.message.text().lower()  # no move recorded yet: warned

    # closed with an outcome
    dialog = board.act("close")
    assert [dialog.outcome.itemData(i) for i in range(dialog.outcome.count())] == [
        "returned-home", "converted", "broke-down", "moved-to-ap"]
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("converted"))
    save(qtbot, board, dialog)
    p = state(pid)
    assert (p.state, p.close_outcome) == ("closed", "converted")
    assert offered_now(board) == set()
    history = [e.event for e in run(qtbot, demo_window, lambda s: s.proposals.history(pid))]
    assert history == ["create", "submit", "decide", "start", "close"]


def test_buttons_offer_only_the_steps_the_table_allows() -> None:
    """Every state, kind and decision: a lifecycle button is shown only when its event
    is allowed, and every allowed step the GUI records has a button."""
    steps = {a: needs for a, (_t, _tip, needs) in ACTIONS.items() if needs}
    for state, kind, outcome in product(BOARD_ORDER, [k.value for k in ProposalKind],
                                        ("", *DECISION_OUTCOMES)):
        events = allowed_events(state, kind, outcome)
        shown = offered({"state": state, "kind": kind, "decision_outcome": outcome,
                         "events": events, "moves": []})
        for action, needs in steps.items():
            allowed = any(check_transition(state, e, kind=kind, outcome=outcome).ok
                          for e in needs)
            assert (action in shown) == allowed, (state, kind, outcome, action)
        if "move" in shown:
            assert kind == "managed-move" and outcome in APPROVING


def test_px_kinds_spell_out_the_abbreviation(qtbot: Any, demo_window: Any) -> None:
    """'Rescind a PX' and 'Challenge a PX' fit the Kind column; the tooltip says it whole."""
    board = show_board(qtbot, demo_window).board
    rows = [r for rows in board.model.rows.values() for r in rows]
    for kind in ("rescind-px", "challenge-px"):
        assert "PX" in SHORT_KINDS[kind]
        row = next((r for r in rows if r.kind == kind), None)
        if row is None:  # not in the demo: the text the tooltip is made of
            text = KIND_LABELS[kind]
        else:
            index = board.model.index_of(row.id)
            index = index.siblingAtColumn(1)
            assert index.data() == SHORT_KINDS[kind]
            text = index.data(Qt.ItemDataRole.ToolTipRole)
        assert "permanent exclusion" in text.lower() and "PX" not in text


def test_refused_steps_are_not_offered_on_the_demo_board(qtbot: Any, demo_window: Any) -> None:
    board = show_board(qtbot, demo_window).board
    declined = next(r for r in board.model.rows["closed"] if r.decision_outcome == "declined")
    choose(qtbot, board, declined.id)
    assert offered_now(board) == set()  # closed: nothing more can happen
    draft = next(r for r in board.model.rows["draft"] if r.kind == "ap-place")
    detail = choose(qtbot, board, draft.id)
    assert offered_now(board) == {"edit", "submit", "withdraw"}
    for event in ("decide", "start", "review", "close"):  # hidden, and refused by the core
        assert event not in detail["events"]
        assert not check_transition("draft", event, kind="ap-place").ok
    active = board.model.rows["active"][0]
    detail = choose(qtbot, board, active.id)
    assert offered_now(board) == {"edit", "review", "close"}
    assert "submit" not in detail["events"] and "withdraw" not in detail["events"]


def _over_quota_setup(s: Any) -> str:
    oak = s.find_school("OAK").id
    s.quotas.set_year(2026, places=1, cost_per_place="17,500")
    ids = []
    for first in ("Ava", "Ben"):
        ids.append(s.create_case({"first_name": first, "last_name": "Quota", "dob": "01/02/2012",
                                  "year_group": "Y9", "home_school_id": oak}).case.id)
    s.placements.add(ids[0], provider_type="pru", start="23/11/2026", weeks=10,
                     review_dates=["07/12/2026"])
    saved = s.proposals.add(ids[1], "ap-place", title="PRU place", start="23/11/2026",
                            weeks=8)
    s.proposals.submit(saved.id)
    return saved.id


def test_approving_over_quota_needs_a_name(qtbot: Any, window: Any) -> None:
    pid = run(qtbot, window, _over_quota_setup)
    board = show_board(qtbot, window).board
    detail = choose(qtbot, board, pid)
    assert any(w["code"] == "school_over_quota" for w in detail["quota_warnings"])
    assert "Quota check" in board.detail.warnings.text()
    dialog = board.act("decide")
    qtbot.waitUntil(lambda: bool(dialog.over), timeout=10_000)
    assert dialog.outcome.currentData() == "approved"
    assert dialog.quota.isVisible() and "⚠" in dialog.quota.text()
    assert dialog.form.isRowVisible(dialog.rows.labels["over_quota_by"])
    click_refused(qtbot, dialog)
    assert "name" in dialog.rows.messages["over_quota_by"].text()
    assert run(qtbot, window, lambda s: s.proposals.get(pid)).state == "submitted"
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("declined"))
    assert not dialog.form.isRowVisible(dialog.rows.labels["over_quota_by"])
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("approved"))
    dialog.over_by.setText("Ruth Kendal")
    save(qtbot, board, dialog)
    p = run(qtbot, window, lambda s: s.proposals.get(pid))
    assert (p.state, p.decision_outcome, p.over_quota_by) == ("decided", "approved",
                                                             "Ruth Kendal")
    assert "over quota by Ruth Kendal" in board.detail.values["over_quota"].text()


@pytest.mark.parametrize("closed", [True, False])
def test_board_filters_match_the_facade(qtbot: Any, demo_window: Any, closed: bool) -> None:
    from panel_app.core.domain.proposals import BoardFilter

    board = show_board(qtbot, demo_window).board
    school = board.school.itemData(2)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        board.school.setCurrentIndex(2)
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        board.kind.setCurrentIndex(board.kind.findData("fair-access"))
    if not closed:
        with qtbot.waitSignal(board.loaded, timeout=10_000):
            board.closed.setChecked(False)
    want = run(qtbot, demo_window, lambda s: s.proposals.board(BoardFilter(
        school_id=school, kind="fair-access", include_closed=closed)))
    assert board.model.counts == want.counts
    shown = {s: [r.id for r in rows] for s, rows in board.model.rows.items()}
    assert shown == {s: [r.id for r in want.columns.get(s, [])] for s in BOARD_ORDER}
    for state in BOARD_ORDER:
        text = board.model.group_index(state).data()
        assert text.startswith(state_title(state)) and str(want.counts[state]) in text


def test_groups_page_in_more_rows(qtbot: Any, demo_window: Any, monkeypatch: Any) -> None:
    import panel_app.gui.views.proposal_board as page

    monkeypatch.setattr(page, "PAGE", 3)
    board = show_board(qtbot, demo_window).board
    with qtbot.waitSignal(board.loaded, timeout=10_000):
        board.refresh()
    model = board.model
    assert model.counts["closed"] == 7 and len(model.rows["closed"]) == 3
    assert "3 shown" in model.group_index("closed").data()

    def all_loaded() -> bool:  # the tree fetches more as it shows the group; help it on
        group = model.group_index("closed")
        if model.canFetchMore(group):
            model.fetchMore(group)
        return len(model.rows["closed"]) == 7

    qtbot.waitUntil(all_loaded, timeout=10_000)
    assert not model.canFetchMore(model.group_index("closed"))
    assert model.group_index("closed").data() == "Closed — 7"
    assert len({r.id for r in model.rows["closed"]}) == 7
    assert board.tree.model() is model and board.tree.isExpanded(model.group_index("closed"))
    qtbot.keyClick(board.tree, Qt.Key.Key_Down)  # the keyboard moves through the rows


def test_recording_the_move_starts_an_approved_proposal(qtbot: Any, demo_window: Any) -> None:
    board = show_board(qtbot, demo_window).board
    row = next(r for r in board.model.rows["on_agenda"]
               if r.kind == "managed-move" and not r.decision_outcome)
    detail = choose(qtbot, board, row.id)
    dialog = board.act("edit")
    assert dialog.title_edit.text() == detail["title"]
    dialog.title_edit.setText("Managed move after a friendship breakdown (revised)")
    save(qtbot, board, dialog)
    assert run(qtbot, demo_window, lambda s: s.proposals.get(row.id)).title.endswith("(revised)")
    with qtbot.waitSignal(board.detail_loaded, timeout=10_000):
        run(qtbot, demo_window, lambda s: s.proposals.decide(row.id, "approved"))
        board.refresh()
    assert "move" in offered_now(board) and "start" in offered_now(board)
    dialog = board.act("move")
    assert dialog.case.isReadOnly() and dialog.case.text() == row.case_ref
    assert dialog.receiving.currentData() == board.detail.detail["receiving_school_id"]
    dialog.start.setText("30/11/2026")
    dialog.notified.setText("25/11/2026")
    dialog.reviews.setText("14/12/2026")
    save(qtbot, board, dialog)
    p = run(qtbot, demo_window, lambda s: s.proposals.get(row.id))
    assert p.state == "active"
    moves = run(qtbot, demo_window, lambda s: s.moves.list_moves(case=p.case_id))
    assert [m.proposal_id for m in moves if m.start.isoformat() == "2026-11-30"] == [row.id]
    assert board.detail.values["linked"].text() == "1 move"
