"""Proposals: the lifecycle table (every transition, allowed and refused), the facade
through the whole lifecycle, the ladder check at submission, meetings' agenda and
decisions, the board, and bad input that stores nothing.

Dates: the clock is Sunday 22/11/2026; Tuesday 10/11/2026 is a past school day, Tuesday
24/11/2026 the next one (England default calendar; autumn half term 26-30/10/2026)."""

from __future__ import annotations

import itertools

import pytest

from panel_app.core.domain.proposals import (
    APPROVING,
    BOARD_ORDER,
    DECISION_OUTCOMES,
    TRANSITIONS,
    BoardFilter,
    Event,
    State,
    allowed_events,
    check_transition,
)
from panel_app.core.errors import ValidationError
from tests.core.meetings_fixtures import Panel, make_panel
from tests.core.util import assert_plain

TABLES = ("proposals", "proposal_events", "ladder_checks", "moves", "placements",
          "quota_charges", "changes")

# -- the table, exhaustively ----------------------------------------------------------------

S = State
E = Event
# (state, decision outcome) -> {event: target}, for a kind that runs (AP place, move).
RUNNING_EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    (S.DRAFT, ""): {E.SUBMIT: S.SUBMITTED, E.WITHDRAW: S.CLOSED},
    (S.SUBMITTED, ""): {E.SCHEDULE: S.ON_AGENDA, E.DECIDE: S.DECIDED, E.WITHDRAW: S.CLOSED},
    (S.ON_AGENDA, ""): {E.SCHEDULE: S.ON_AGENDA, E.UNSCHEDULE: S.SUBMITTED,
                        E.DECIDE: S.DECIDED, E.WITHDRAW: S.CLOSED},
    (S.DECIDED, "approved"): {E.REVISE: S.DECIDED, E.START: S.ACTIVE, E.WITHDRAW: S.CLOSED},
    (S.DECIDED, "approved_with_conditions"): {E.REVISE: S.DECIDED, E.START: S.ACTIVE,
                                              E.WITHDRAW: S.CLOSED},
    (S.DECIDED, "declined"): {E.REVISE: S.DECIDED, E.CLOSE: S.CLOSED, E.WITHDRAW: S.CLOSED},
    (S.DECIDED, "deferred"): {E.RESUBMIT: S.SUBMITTED, E.SCHEDULE: S.ON_AGENDA,
                              E.REVISE: S.DECIDED, E.WITHDRAW: S.CLOSED},
    (S.DECIDED, "more_evidence"): {E.RESUBMIT: S.SUBMITTED, E.REVISE: S.DECIDED,
                                   E.WITHDRAW: S.CLOSED},
    (S.ACTIVE, ""): {E.REVIEW: S.UNDER_REVIEW, E.CLOSE: S.CLOSED},
    (S.UNDER_REVIEW, ""): {E.CONTINUE: S.ACTIVE, E.CLOSE: S.CLOSED},
    (S.CLOSED, ""): {},
}


def _expected(kind: str, state: str, outcome: str) -> dict[str, str]:
    found = dict(RUNNING_EXPECTED[(state, outcome)])
    if kind in ("managed-move", "ap-place"):
        return found
    # Kinds that do not run: nothing starts; an approval closes directly.
    found.pop(E.START, None)
    if state == S.DECIDED and outcome in APPROVING:
        found[E.CLOSE] = S.CLOSED
    return found


@pytest.mark.parametrize("kind", ["ap-place", "managed-move", "rescind-px", "challenge-px",
                                  "fair-access", "other"])
def test_every_transition_of_the_table(kind):
    for (state, outcome), event in itertools.product(RUNNING_EXPECTED, Event):
        expected = _expected(kind, state, outcome)
        result = check_transition(state, event.value, kind=kind, outcome=outcome)
        where = (kind, state, outcome, event.value)
        if event in expected:
            assert result.ok and result.target == expected[event], where
        else:
            assert not result.ok and result.target is None, where
            assert result.severity == "error" and result.code in {
                "transition_refused", "nothing_to_start", "not_approved", "not_started"}, where
            assert result.params["state"] == state and result.params["event"] == event
            assert_plain(result.message)
            assert "cannot" in result.message
        assert set(allowed_events(state, kind, outcome)) == set(expected), where


def test_table_shape_and_refusal_codes():
    assert {t.event for t in TRANSITIONS} == {e.value for e in Event}
    assert BOARD_ORDER[0] == "draft" and BOARD_ORDER[-1] == "closed"
    assert set(DECISION_OUTCOMES) == {"approved", "approved_with_conditions", "declined",
                                      "deferred", "more_evidence"}
    assert check_transition("decided", "start", kind="other",
                            outcome="approved").code == "nothing_to_start"
    assert check_transition("decided", "start", kind="ap-place",
                            outcome="declined").code == "not_approved"
    assert check_transition("decided", "close", kind="ap-place",
                            outcome="approved").code == "not_started"
    r = check_transition("closed", "reopen", kind="other")
    assert not r.ok and r.code == "unknown_event"
    assert "nothing more can happen" in check_transition("closed", "submit",
                                                         kind="other").message


# -- the facade --------------------------------------------------------------------------------


@pytest.fixture
def panel(session) -> Panel:
    return make_panel(session)


def state(session) -> dict[str, int]:
    return {t: int(session.db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in TABLES}


def refused(session, call, *codes: str) -> ValidationError:
    before = state(session)
    with pytest.raises(ValidationError) as info:
        call()
    found = {i.code for i in info.value.issues}
    assert set(codes) <= found, found
    assert_plain(str(info.value))
    assert state(session) == before, "something was stored"
    return info.value


def simple_ladder(session) -> None:
    """One step with a PSP that unlocks both requests: met once a PSP is recorded."""
    session.ladders.replace({"name": "Test ladder", "steps": [{
        "key": "plan", "name": "Plan", "unlocks": ["managed-move", "ap-place"],
        "items": [{"kind": "psp", "label": "PSP"}]}]})


def test_ap_place_through_its_whole_lifecycle_with_a_meeting(panel):
    s = panel.session
    p = s.proposals
    zoe = panel.cases["zoe"]
    pid = p.add(zoe, "ap-place", title="Intervention place", start="01/12/2026",
                weeks=16).id
    assert p.get(pid).state == "draft"
    assert p.get(pid).events() == ["submit", "withdraw"]
    saved = p.submit(pid, on="04/11/2026")
    assert {w.code for w in saved.warnings} == {"ladder_unavailable"}  # no ladder yet
    got = p.get(pid)
    assert got.state == "submitted" and got.submitted_on.isoformat() == "2026-11-04"
    check = s.ladders.get_check(got.ladder_check_id)
    assert check.verdict == "unavailable" and check.action == "ap-place"
    assert p.history(pid)[-1].note == "Ladder check: not available"  # not "Ladder NOT AVAILABLE"
    # The meeting's agenda pulls the submitted proposal in; it is then on that agenda.
    mid = panel.m.add_meeting("10/11/2026").id
    panel.m.build_agenda(mid)
    items = [i for i in panel.m.agenda(mid) if i.entity == "proposal"]
    assert len(items) == 1 and items[0].section == "new" and items[0].entity_id == pid
    assert items[0].title == "AP/PRU place request from Oakfield Academy"
    assert items[0].case_ref == zoe and not items[0].late
    got = p.get(pid)
    assert got.state == "on_agenda" and got.meeting_id == mid
    panel.m.build_agenda(mid)  # refreshing changes nothing
    assert len(p.history(pid)) == 3  # create, submit, schedule
    # Decided at the meeting: the proposal is decided with the meeting's decision.
    decision = panel.m.decide(mid, items[0].position, "approved", rationale="Ladder followed",
                              review_on="08/12/2026")
    assert "proposal" in decision.changes.entities
    got = p.get(pid)
    assert (got.state, got.decision_outcome, got.decision_id) == ("decided", "approved",
                                                                 decision.id)
    assert got.decided_on.isoformat() == "2026-11-10" and got.review_on.isoformat() == (
        "2026-12-08")
    # Changing the decision at the same meeting revises it.
    panel.m.decide(mid, items[0].position, "approved_with_conditions",
                   conditions="Weekly attendance report")
    got = p.get(pid)
    assert got.decision_outcome == "approved_with_conditions"
    assert got.decision_conditions == "Weekly attendance report"
    # Recording the placement starts the proposal; review and continue; ending closes it.
    placed = s.placements.add(zoe, provider_type="pru", provider_name="Vale PRU",
                              start="01/12/2026", pathway="ks1-3-intervention",
                              proposal=pid, review_dates=["14/12/2026"])
    assert p.get(pid).state == "active"
    p.review(pid, note="Fortnight review")
    assert p.get(pid).state == "under_review"
    p.continue_after_review(pid)
    assert p.get(pid).state == "active"
    s.placements.end(placed.id, outcome="reintegrated", on="19/03/2027")
    got = p.get(pid)
    assert (got.state, got.close_outcome) == ("closed", "reintegrated")
    assert got.closed_on.isoformat() == "2027-03-19"
    events = [e.event for e in p.history(pid)]
    assert events == ["create", "submit", "schedule", "decide", "revise", "start", "review",
                      "continue", "close"]
    assert p.get(pid).events() == []


def test_refused_transitions_store_nothing(panel):
    s = panel.session
    p = s.proposals
    pid = p.add(panel.cases["zoe"], "ap-place").id
    refused(s, lambda: p.start(pid), "transition_refused")
    refused(s, lambda: p.review(pid), "transition_refused")
    refused(s, lambda: p.close(pid, "reintegrated"), "transition_refused")
    refused(s, lambda: p.decide(pid, "approved"), "transition_refused")
    p.submit(pid)
    refused(s, lambda: p.submit(pid), "transition_refused")
    p.decide(pid, "approved")
    refused(s, lambda: p.close(pid, "reintegrated"), "not_started")
    refused(s, lambda: p.continue_after_review(pid), "transition_refused")
    p.withdraw(pid, note="Family moved away")
    got = p.get(pid)
    assert (got.state, got.close_outcome) == ("closed", "withdrawn")
    refused(s, lambda: p.submit(pid), "transition_refused")
    refused(s, lambda: p.update(pid, title="x"), "closed")


def test_deferred_comes_back_and_more_evidence_needs_a_new_submission(panel):
    s = panel.session
    p = s.proposals
    a = p.add(panel.cases["zoe"], "other", title="Mentoring").id
    b = p.add(panel.cases["tyler"], "other", title="Transport").id
    p.submit(a, on="02/11/2026")
    p.submit(b, on="02/11/2026")
    first = panel.m.add_meeting("10/11/2026").id
    panel.m.build_agenda(first)
    items = {i.entity_id: i.position for i in panel.m.agenda(first) if i.entity == "proposal"}
    panel.m.decide(first, items[a], "deferred")
    panel.m.decide(first, items[b], "more_evidence")
    nxt = panel.m.add_meeting("24/11/2026").id
    panel.m.build_agenda(nxt)
    listed = {i.entity_id for i in panel.m.agenda(nxt) if i.entity == "proposal"}
    assert listed == {a}  # deferred: heard again; more evidence: not until resubmitted
    assert p.get(a).state == "on_agenda" and p.get(a).meeting_id == nxt
    p.submit(b, on="20/11/2026")
    got = p.get(b)
    assert got.state == "submitted" and got.decision_outcome == ""
    panel.m.build_agenda(nxt)
    late = [i for i in panel.m.agenda(nxt) if i.entity_id == b]
    assert late and late[0].late  # after the cut-off (Thursday 19/11/2026)


def test_submission_runs_the_ladder_and_a_failing_check_blocks_it(panel):
    s = panel.session
    p = s.proposals
    s.ladders.load_preset("lincolnshire")
    zoe = panel.cases["zoe"]
    pid = p.add(zoe, "managed-move", to="RIV").id
    err = refused(s, lambda: p.submit(pid), "ladder_not_met")
    assert "override" in str(err)
    assert p.get(pid).state == "draft"
    refused(s, lambda: p.submit(pid, override_reason="Serious incident"), "override_incomplete")
    saved = p.submit(pid, override_reason="Serious incident outside school",
                     override_by="Lena Officer")
    got = p.get(pid)
    assert got.state == "submitted" and "ladder_check" in saved.changes.entities
    check = s.ladders.get_check(got.ladder_check_id)
    assert check.overridden and check.override.by == "Lena Officer"
    assert check.override.reason == "Serious incident outside school"
    assert check.action == "managed-move" and check.verdict != "met"
    assert "Serious incident" in p.history(pid)[-1].note


def test_a_met_ladder_submits_without_override(panel):
    s = panel.session
    simple_ladder(s)
    zoe = panel.cases["zoe"]
    s.ladders.add_evidence(zoe, step="plan", kind="psp", started_on="01/09/2026")
    pid = s.proposals.add(zoe, "ap-place").id
    saved = s.proposals.submit(pid, override_reason="not needed", override_by="Someone")
    assert [w.code for w in saved.warnings] == ["override_not_needed"]
    check = s.ladders.get_check(s.proposals.get(pid).ladder_check_id)
    assert check.verdict == "met" and not check.overridden
    # Other kinds do not run the ladder.
    other = s.proposals.add(zoe, "rescind-px").id
    s.proposals.submit(other)
    assert s.proposals.get(other).ladder_check_id is None


def test_bad_input_is_refused_with_clear_messages(panel):
    s = panel.session
    p = s.proposals
    zoe = panel.cases["zoe"]  # at Oakfield Academy
    refused(s, lambda: p.add(zoe, "managed-move", to="Oakfield Academy"), "same_school")
    refused(s, lambda: p.add(zoe, "swap"), "invalid_kind")
    refused(s, lambda: p.add(zoe, "fair-access"), "fair_access_reason")
    refused(s, lambda: p.add(zoe, "ap-place", fair_access_reason="lac"), "fair_access_reason")
    refused(s, lambda: p.add(zoe, "ap-place", weeks=0), "invalid_weeks")
    refused(s, lambda: p.add(zoe, "ap-place", to="Nowhere High"), "unknown_school")
    refused(s, lambda: p.add(zoe, "ap-place", start="31/02/2027"), "invalid_date")
    mm = p.add(zoe, "managed-move").id
    refused(s, lambda: p.submit(mm), "receiving_school_needed")
    fa = p.add(zoe, "fair-access", fair_access_reason="new-arrival").id
    p.submit(fa)
    refused(s, lambda: p.decide(fa, "approved"), "admitting_school_needed")
    refused(s, lambda: p.decide(fa, "approved_with_conditions", to="RIV"), "conditions_needed")
    refused(s, lambda: p.decide(fa, "maybe", to="RIV"), "invalid_outcome")
    refused(s, lambda: p.decide(fa, "approved", to="OAK"), "same_school")
    refused(s, lambda: p.decide(fa, "approved", to="RIV", on="01/11/2026"),
            "decided_before_submitted")
    p.decide(fa, "approved", to="RIV")
    refused(s, lambda: p.close(fa, "converted"), "invalid_close_outcome")
    p.close(fa, "admitted")
    assert p.get(fa).state_label == "closed: admitted"


def test_declined_closes_as_declined_and_challenge_charged_needs_a_quota(panel):
    s = panel.session
    p = s.proposals
    pid = p.add(panel.cases["tyler"], "other").id
    p.submit(pid)
    p.decide(pid, "declined")
    refused(s, lambda: p.close(pid, "completed"), "invalid_close_outcome")
    p.close(pid)
    assert p.get(pid).close_outcome == "declined"
    ch = p.add(panel.cases["sam"], "challenge-px").id
    p.submit(ch)
    p.decide(ch, "approved")
    refused(s, lambda: p.close(ch, "charged"), "no_quota")


def test_fair_access_agenda_shows_whose_turn_and_warns_when_not_their_turn(panel):
    s = panel.session
    p = s.proposals
    mia = panel.cases["mia"]  # Y9 at Hilltop
    first = p.add(mia, "fair-access", fair_access_reason="ehe-return").id
    p.submit(first, on="02/11/2026")
    p.decide(first, "approved", to="RIV", on="03/11/2026")  # Riverside admitted a Y9
    p.close(first, "admitted", on="03/11/2026")
    pid = p.add(panel.cases["sam"], "fair-access", fair_access_reason="new-arrival").id
    p.submit(pid, on="04/11/2026")
    turn = p.rotation(pid)
    assert turn[-1].name == "Riverside School" and turn[-1].admitted == 1
    mid = panel.m.add_meeting("10/11/2026").id
    panel.m.build_agenda(mid)
    item = next(i for i in panel.m.agenda(mid) if i.entity == "proposal")
    assert item.section == "fair_access"
    assert item.title == "Fair-access placement (new arrival), Y9"
    assert "Whose turn (Y9): 1. Hilltop School (0 admitted)" in item.notes
    saved = p.decide(pid, "approved", to="RIV")
    assert [w.code for w in saved.warnings] == ["not_their_turn"]
    detail = p.detail(pid)
    assert detail["rotation"][0]["name"] == "Hilltop School"


def test_the_board_groups_counts_and_filters_in_sql(panel):
    s = panel.session
    p = s.proposals
    a = p.add(panel.cases["zoe"], "ap-place").id
    p.add(panel.cases["tyler"], "managed-move", to="OAK")  # Riverside -> Oakfield
    c = p.add(panel.cases["mia"], "other").id
    p.submit(a)
    p.submit(c)
    p.decide(c, "declined")
    p.close(c)
    board = p.board()
    assert board.total == 3
    assert {k: v for k, v in board.counts.items() if v} == {"draft": 1, "submitted": 1,
                                                            "closed": 1}
    assert [r.id for r in board.columns["submitted"]] == [a]
    riv = s.find_school("RIV").id
    only_riv = p.board(BoardFilter(school_id=riv))
    assert only_riv.total == 1 and only_riv.columns["draft"][0].receiving_school == (
        "Oakfield Academy")
    oak = s.find_school("OAK").id
    assert p.board(BoardFilter(school_id=oak)).total == 2  # proposing or receiving
    assert p.board(BoardFilter(kind="other")).total == 1
    assert p.board(BoardFilter(include_closed=False)).total == 2
    assert p.board(BoardFilter(states=("draft",))).total == 1
    assert [x.id for x in p.list_proposals(state="submitted")] == [a]
    assert board.to_dict()["counts"]["closed"] == 1


def test_every_write_is_logged_for_bundles(panel):
    s = panel.session
    pid = s.proposals.add(panel.cases["zoe"], "other", title="A title").id
    s.proposals.submit(pid)
    fields = {r[0] for r in s.db.conn.execute(
        "SELECT field FROM changes WHERE entity = 'proposal' AND entity_id = ?", (pid,))}
    assert {"state", "kind", "title", "case_id", "submitted_on"} <= fields
    events = s.db.conn.execute(
        "SELECT count(*) FROM changes WHERE entity = 'proposal_event'").fetchone()[0]
    assert events > 0
    assert len(pid) == 32 and int(pid, 16) >= 0  # random hex ids


def test_decision_freezes_the_ladder_check_of_the_request_on_the_item(panel):
    """An AP-place item must not carry the case's later managed-move check."""
    import json
    from datetime import date

    s = panel.session
    zoe = panel.cases["zoe"]
    pid = s.proposals.add(zoe, "ap-place", title="Intervention place", start="01/12/2026",
                          weeks=16).id
    s.proposals.submit(pid, on="04/11/2026")  # records an AP-place check (unavailable)
    s.ladders.record_check(zoe, "managed-move", on=date(2026, 11, 2))
    s.ladders.record_check(zoe, "managed-move", on=date(2026, 11, 5))
    mid = panel.m.add_meeting("10/11/2026").id
    panel.m.build_agenda(mid)
    item = next(i for i in panel.m.agenda(mid) if i.entity == "proposal")
    decision = panel.m.decide(mid, item.position, "approved", rationale="Ladder followed")
    frozen = json.loads(s.db.conn.execute(
        "SELECT ladder FROM meeting_decisions WHERE id = ?", (decision.id,)).fetchone()[0])
    assert "AP place" in frozen["verdict"]  # the AP-place check, not the later move one
    assert "managed move" not in frozen["verdict"]
