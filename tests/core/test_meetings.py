"""Meetings through the facade: scheduling, attendance and quorum, the agenda built from
the data, decisions, actions and the minutes lifecycle; bad input stores nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest

from panel_app.core.domain.meetings import (
    ActionState,
    Quorum,
    action_state,
    parse_time,
    parse_votes,
    parse_weekday,
    referral_cutoff,
    rotate,
    series_dates,
)
from panel_app.core.errors import NotFoundError, ValidationError
from tests.core.meetings_fixtures import Panel, make_panel
from tests.core.util import assert_plain

PAST = "10/11/2026"  # Tuesday, a school day before the fixed "today" (Sunday 22/11/2026)
NEXT = "24/11/2026"


@pytest.fixture
def panel(session) -> Panel:
    return make_panel(session)


def rows(session, table: str) -> int:
    return int(session.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def counts(session) -> dict[str, int]:
    tables = ["meetings", "meeting_members", "meeting_agenda", "meeting_decisions",
              "meeting_actions", "meeting_minutes", "meeting_referrals", "meeting_interests",
              "changes"]
    return {t: rows(session, t) for t in tables}


def refused(call, *codes: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    found = {i.code for i in info.value.issues}
    assert set(codes) <= found, found
    assert_plain(str(info.value))
    return info.value


def held_meeting(p: Panel, on: str = PAST) -> str:
    """A past meeting with its agenda built (Zoë for an AP place, Tyler a fair-access item)."""
    p.m.refer_case(p.cases["zoe"], category="AP place", summary="Request for an AP place",
                   on="04/11/2026")
    p.m.refer_case(p.cases["tyler"], kind="fair_access", category="new arrival",
                   on="06/11/2026")
    mid = p.m.add_meeting(on, chair="Anna Vice", clerk="Carl Clerk", venue="OAK").id
    p.m.build_agenda(mid)
    return mid


# -- pure rules -----------------------------------------------------------------------------

def test_default_cutoff_is_thursday_of_the_week_before():
    assert referral_cutoff(date(2026, 11, 24)) == date(2026, 11, 19)  # Tue -> Thu before
    assert referral_cutoff(date(2026, 11, 23)) == date(2026, 11, 19)  # Mon -> same Thu
    assert referral_cutoff(date(2026, 11, 24), weekday=0, weeks_before=2) == date(2026, 11, 9)


def test_series_dates_keep_the_rhythm_and_skip_non_school_days():
    holiday = {date(2026, 12, 22), date(2026, 12, 29)}
    dates, skipped = series_dates(date(2026, 12, 8), 3, 14, lambda d: d not in holiday)
    assert dates == [date(2026, 12, 8), date(2027, 1, 5), date(2027, 1, 19)]
    assert skipped == [date(2026, 12, 22)]
    assert rotate(["a", "b", "c"], "b", 4) == ["b", "c", "a", "b"]


def test_parsers_and_action_states():
    assert parse_time("9.30") == "09:30"
    for bad in ("25:00", "9:75", "noon", ""):
        with pytest.raises(ValueError):
            parse_time(bad)
    assert parse_votes("5/1/0") == (5, 1, 0)
    with pytest.raises(ValueError):
        parse_votes("5/1")
    assert parse_weekday("thu") == 3
    today = date(2026, 11, 22)
    assert action_state(date(2026, 11, 20), None, today) == ActionState.OVERDUE
    assert action_state(date(2026, 11, 25), None, today) == ActionState.DUE_SOON
    assert action_state(date(2026, 12, 25), None, today) == ActionState.OPEN
    assert action_state(date(2026, 11, 20), date(2026, 11, 19), today) == ActionState.DONE
    assert not Quorum(3, ("A", "B"), 5, True).quorate
    assert "NOT quorate" in Quorum(3, ("A", "B"), 5, True).text


# -- scheduling -----------------------------------------------------------------------------

def test_series_skips_the_christmas_holiday_and_rotates_venues(panel: Panel):
    saved = panel.m.add_series("08/12/2026", count=3, chair="Anna Vice")
    meetings = [panel.m.get_meeting(i) for i in saved.ids]
    assert [m.date for m in meetings] == [date(2026, 12, 8), date(2027, 1, 5),
                                          date(2027, 1, 19)]
    assert [w.code for w in saved.warnings] == ["skipped_holidays"]
    assert "22/12/2026" in saved.warnings[0].message
    assert len({m.venue for m in meetings}) == 3  # rotating among the three schools
    assert all(m.chair == "Anna Vice" for m in meetings)
    assert saved.changes and "meeting" in saved.changes.entities


def test_meeting_invites_one_rep_per_school_and_standing_members(panel: Panel):
    mid = panel.m.add_meeting(NEXT, clerk="Carl Clerk").id
    members = {m.name: m for m in panel.m.members(mid)}
    assert set(members) == {"Anna Vice", "Ben Head", "Cara Hill", "Lena Officer", "Paul Pru",
                            "Fay Access", "Carl Clerk"}
    assert members["Fay Access"].part == "fair_access"
    assert panel.m.quorum(mid).needed == 2  # a majority of three member schools


def test_holiday_date_is_refused_unless_allowed_then_warned(panel: Panel):
    before = counts(panel.session)
    err = refused(lambda: panel.m.add_meeting("27/10/2026"), "not_school_day")
    assert "half-term" in str(err) and "--allow-holiday" in str(err)
    refused(lambda: panel.m.add_meeting("21/11/2026"), "not_school_day")  # a Saturday
    assert counts(panel.session) == before
    saved = panel.m.add_meeting("27/10/2026", allow_holiday=True)
    assert [w.code for w in saved.warnings] == ["not_school_day"]


def test_second_meeting_at_the_same_time_is_refused(panel: Panel):
    panel.m.add_meeting(NEXT, time="09:30", end_time="11:30", venue="OAK")
    before = counts(panel.session)
    err = refused(lambda: panel.m.add_meeting(NEXT, time="10:00"), "clash")
    assert "24/11/2026 at 09:30" in str(err)
    assert counts(panel.session) == before
    assert panel.m.add_meeting(NEXT, time="13:00").id  # after the first has ended


@pytest.mark.parametrize(("on", "time", "code"), [
    ("31/02/2027", "09:30", "invalid_date"),
    ("next tuesday", "09:30", "invalid_date"),
    ("24/11/2026", "25:61", "invalid_time"),
])
def test_impossible_dates_and_times(panel: Panel, on, time, code):
    before = counts(panel.session)
    refused(lambda: panel.m.add_meeting(on, time=time), code)
    assert counts(panel.session) == before


def test_unknown_chair_says_how_to_add_them(panel: Panel):
    err = refused(lambda: panel.m.add_meeting(NEXT, chair="Nobody Known"), "unknown_person")
    assert "panel-app person add" in str(err)


def test_meeting_references(panel: Panel):
    past = panel.m.add_meeting(PAST).id
    nxt = panel.m.add_meeting(NEXT).id
    assert panel.m.get_meeting("next").id == nxt
    assert panel.m.get_meeting("last").id == past
    assert panel.m.get_meeting("10/11/2026").id == past
    assert panel.m.get_meeting(nxt[:8]).id == nxt
    with pytest.raises(NotFoundError):
        panel.m.get_meeting("01/01/2027")


# -- attendance -----------------------------------------------------------------------------

def test_attendance_quorum_warning_and_declarations(panel: Panel):
    mid = panel.m.add_meeting(PAST).id
    saved = panel.m.record_attendance(mid, present=["Anna Vice", "Lena Officer"],
                                      apologies=["Ben Head", "Cara Hill"])
    assert [w.code for w in saved.warnings] == ["not_quorate"]
    assert "NOT quorate: 1 of 3" in saved.warnings[0].message
    saved = panel.m.record_attendance(mid, present=["Ben Head"])
    assert saved.warnings == ()
    assert panel.m.quorum(mid).quorate
    assert panel.m.get_meeting(mid).status == "held"
    refused(lambda: panel.m.record_attendance(mid, present=["Anna Vice"],
                                              absent=["Anna Vice"]), "twice")
    refused(lambda: panel.m.record_attendance(mid, present=["Ghost"]), "unknown_person")
    panel.m.declare_interest(mid, "Cara Hill", "Governor at Riverside School")
    assert [i.text for i in panel.m.repo.interests(mid)] == ["Governor at Riverside School"]


def test_quorum_setting(panel: Panel):
    panel.m.update_settings(quorum_schools=3)
    mid = panel.m.add_meeting(PAST).id
    panel.m.record_attendance(mid, present=["Anna Vice", "Ben Head"])
    assert not panel.m.quorum(mid).quorate
    refused(lambda: panel.m.update_settings(quorum_schools=9), "invalid_quorum")


# -- the agenda -----------------------------------------------------------------------------

def test_agenda_built_from_the_data_with_late_items(panel: Panel):
    panel.m.refer_case(panel.cases["zoe"], category="AP place", on="18/11/2026")
    panel.m.refer_case(panel.cases["sam"], category="managed move", on="20/11/2026")  # late
    panel.m.refer_case(panel.cases["tyler"], kind="fair_access", category="EHE returner",
                       on="12/11/2026")
    mid = panel.m.add_meeting(NEXT).id
    saved = panel.m.build_agenda(mid)
    agenda = panel.m.agenda(mid)
    assert [(i.position, i.section) for i in agenda] == [
        (1, "opening"), (2, "new"), (3, "new"), (4, "fair_access"), (5, "aob")]
    late = [i for i in agenda if i.late]
    assert [i.case_ref for i in late] == [panel.cases["sam"]]
    assert "after the cut-off of 19/11/2026" in late[0].late_note
    assert [w.code for w in saved.warnings] == ["late_item"]
    # no quota section: there are no quotas, and nothing is invented
    assert not any(i.section == "quota" for i in agenda)
    # rebuilding changes nothing
    assert panel.m.build_agenda(mid).changes.ids == {mid}
    assert [i.id for i in panel.m.agenda(mid)] == [i.id for i in agenda]


def test_cutoff_rule_is_configurable(panel: Panel):
    panel.m.refer_case(panel.cases["sam"], category="managed move", on="20/11/2026")
    panel.m.update_settings(cutoff_weekday=4)  # the Friday of the week before
    mid = panel.m.add_meeting(NEXT).id
    assert panel.m.cutoff(mid) == date(2026, 11, 20)
    panel.m.build_agenda(mid)
    assert not any(i.late for i in panel.m.agenda(mid))


def test_agenda_edit_reorder_remove_and_manual_items_survive_rebuild(panel: Panel):
    panel.m.refer_case(panel.cases["zoe"], category="AP place", on="18/11/2026")
    mid = panel.m.add_meeting(NEXT).id
    panel.m.build_agenda(mid)
    item = panel.m.add_agenda_item(mid, "Outreach capacity next term", section="aob").id
    panel.m.edit_agenda_item(mid, 2, title="Request for an AP place (Y9)")
    panel.m.move_agenda_item(mid, item, 2)
    agenda = panel.m.agenda(mid)
    assert [i.title for i in agenda][:3] == ["Apologies and declarations of interest",
                                             "Outreach capacity next term",
                                             "Request for an AP place (Y9)"]
    panel.m.build_agenda(mid)  # keeps the manual item, the edit and the order
    assert [i.title for i in panel.m.agenda(mid)] == [i.title for i in agenda]
    panel.m.remove_agenda_item(mid, 2)
    assert [i.position for i in panel.m.agenda(mid)] == [1, 2, 3]
    refused(lambda: panel.m.move_agenda_item(mid, 1, 9), "invalid_position")


def test_withdrawn_referral_leaves_the_agenda_on_rebuild(panel: Panel):
    rid = panel.m.refer_case(panel.cases["zoe"], category="AP place", on="18/11/2026").id
    mid = panel.m.add_meeting(NEXT).id
    panel.m.build_agenda(mid)
    assert any(i.entity_id == rid for i in panel.m.agenda(mid))
    panel.m.withdraw_referral(rid)
    panel.m.build_agenda(mid)
    assert not any(i.entity_id == rid for i in panel.m.agenda(mid))


def test_referral_input_checks(panel: Panel):
    panel.m.refer_case(panel.cases["zoe"], category="AP place", on="18/11/2026")
    before = counts(panel.session)
    refused(lambda: panel.m.refer_case(panel.cases["zoe"], category="AP place"),
            "already_referred")
    refused(lambda: panel.m.refer_case(panel.cases["mia"], on="01/12/2026"), "future")
    refused(lambda: panel.m.refer_case(panel.cases["mia"], kind="fair_access",
                                       category="holiday"), "invalid_category")
    assert counts(panel.session) == before


def test_next_agenda_carries_actions_reviews_and_deferred_items(panel: Panel):
    mid = held_meeting(panel)
    agenda = panel.m.agenda(mid)
    zoe = next(i for i in agenda if i.case_ref == panel.cases["zoe"])
    tyler = next(i for i in agenda if i.case_ref == panel.cases["tyler"])
    panel.m.decide(mid, zoe.position, "approved", rationale="Ladder followed.",
                   review_on="24/11/2026")
    panel.m.decide(mid, tyler.position, "deferred")
    panel.m.add_action(mid, "Arrange the admission meeting", owner="Ben Head",
                       item=zoe.position)
    done = panel.m.add_action(mid, "Send the PSP", owner="Anna Vice", due_on="12/11/2026").id
    panel.m.complete_action(done, on="12/11/2026")
    nxt = panel.m.add_meeting(NEXT).id
    panel.m.build_agenda(nxt)
    by_section: dict[str, list] = {}
    for i in panel.m.agenda(nxt):
        by_section.setdefault(i.section, []).append(i)
    assert by_section["previous"][0].title == "Minutes of the meeting on 10/11/2026"
    assert sorted(i.entity for i in by_section["previous"][1:]) == ["action", "action"]
    assert [i.case_ref for i in by_section["reviews"]] == [panel.cases["zoe"]]
    assert [i.case_ref for i in by_section["fair_access"]] == [panel.cases["tyler"]]
    assert "new" not in by_section  # Zoë's request was decided


# -- decisions ------------------------------------------------------------------------------

def test_decision_on_an_item_not_on_the_agenda(panel: Panel):
    mid = held_meeting(panel)
    before = counts(panel.session)
    err = refused(lambda: panel.m.decide(mid, 12, "approved"), "not_on_agenda")
    assert "Item 12 is not on the agenda of the meeting on 10/11/2026 (it has 4 items)" in str(err)
    other = panel.m.add_meeting(NEXT).id
    panel.m.add_agenda_item(other, "Something else")
    foreign = panel.m.agenda(other)[0].id
    refused(lambda: panel.m.decide(mid, foreign, "approved"), "not_on_agenda")
    refused(lambda: panel.m.decide(mid, 1, "approved"), "not_decidable")
    assert rows(panel.session, "meeting_decisions") == before["meeting_decisions"] == 0


def test_decision_input_checks_store_nothing(panel: Panel):
    mid = held_meeting(panel)
    before = counts(panel.session)
    refused(lambda: panel.m.decide(mid, 2, "approved_with_conditions"), "conditions_needed")
    refused(lambda: panel.m.decide(mid, 2, "maybe"), "invalid_outcome")
    refused(lambda: panel.m.decide(mid, 2, "approved", method="vote"), "votes_needed")
    refused(lambda: panel.m.decide(mid, 2, "approved", method="consensus", votes=(3, 0, 0)),
            "votes_with_consensus")
    refused(lambda: panel.m.decide(mid, 2, "approved", review_on="01/11/2026"),
            "review_before_meeting")
    nxt = panel.m.add_meeting(NEXT).id
    panel.m.add_agenda_item(nxt, "Future item")
    refused(lambda: panel.m.decide(nxt, 1, "approved"), "meeting_not_held")
    assert rows(panel.session, "meeting_decisions") == before["meeting_decisions"] == 0
    assert panel.session.db.conn.execute(
        "SELECT count(*) FROM changes WHERE entity = 'decision'").fetchone()[0] == 0
    assert [r.status for r in panel.m.referrals()] == ["open", "open"]


def test_decision_by_vote_with_dissent_is_logged_per_field(panel: Panel):
    mid = held_meeting(panel)
    panel.m.record_attendance(mid, present=["Anna Vice", "Ben Head", "Cara Hill"])
    saved = panel.m.decide(mid, 2, "declined", votes=(1, 4, 1), rationale="Ladder not met.",
                           dissent="Ben Head felt the need is urgent.")
    assert saved.warnings == ()
    decision = panel.m.agenda(mid)[1].decision
    assert decision.method_text == "By vote: 1 for, 4 against, 1 abstaining"
    logged = {r[0] for r in panel.session.db.conn.execute(
        "SELECT field FROM changes WHERE entity = 'decision' AND entity_id = ?", (saved.id,))}
    assert {"outcome", "method", "votes_for", "rationale", "dissent"} <= logged
    # the referral is settled and leaves the next agenda
    assert panel.m.referrals()[0].case_ref == panel.cases["tyler"]
    # votes that contradict the outcome are a warning
    again = panel.m.decide(mid, 2, "approved", votes=(1, 4, 1), rationale="x")
    assert [w.code for w in again.warnings] == ["votes_disagree"]


def test_decision_freezes_the_ladder_verdict(panel: Panel):
    mid = held_meeting(panel)
    ladder = {"verdict": "an AP place: PARTLY MET", "overridden": True,
              "override_reason": "Extreme situation", "missing": ["PSP not verified"]}
    panel.m.decide(mid, 2, "approved", rationale="Override agreed.", ladder=ladder)
    doc = panel.m.minutes_document(mid)
    item = next(i for i in doc.items if i.number == 2)
    assert item.ladder is not None and item.ladder.overridden
    assert item.ladder.missing == ["PSP not verified"]


# -- actions --------------------------------------------------------------------------------

def test_action_needs_an_owner_and_a_sane_date(panel: Panel):
    mid = held_meeting(panel)
    before = counts(panel.session)
    err = refused(lambda: panel.m.add_action(mid, "Call the family", owner=""), "owner_needed")
    assert "--owner" in str(err)
    refused(lambda: panel.m.add_action(mid, "Call", owner="Ben Head", due_on="01/11/2026"),
            "due_before_meeting")
    refused(lambda: panel.m.add_action(mid, "Call", owner="Ben Head", due_on="30/02/2027"),
            "invalid_date")
    refused(lambda: panel.m.add_action(mid, "", owner="Ben Head"), "required")
    refused(lambda: panel.m.add_action(mid, "Call", owner="Ben Head", item=40), "not_on_agenda")
    assert counts(panel.session) == before


def test_actions_tracker_states_and_completion(panel: Panel):
    mid = held_meeting(panel)
    overdue = panel.m.add_action(mid, "Overdue one", owner="Ben Head", due_on="13/11/2026").id
    soon = panel.m.add_action(mid, "Soon one", owner="Home school DSL").id  # default due
    later = panel.m.add_action(mid, "Later one", owner="Anna Vice", due_on="31/12/2026").id
    states = {a.id: a.state for a in panel.m.actions()}
    assert states == {overdue: "overdue", soon: "due_soon", later: "open"}
    assert [a.owner for a in panel.m.actions() if a.id == soon] == ["Home school DSL"]
    assert [a.id for a in panel.m.actions(state="overdue")] == [overdue]
    panel.m.complete_action(overdue[:8])
    assert [a.id for a in panel.m.actions(state="done")] == [overdue]
    assert {a.id for a in panel.m.actions(state="outstanding")} == {soon, later}
    panel.m.reopen_action(overdue)
    assert panel.m.actions(state="done") == []
    refused(lambda: panel.m.complete_action(soon, on="01/01/2027"), "future")


# -- minutes lifecycle ----------------------------------------------------------------------

def test_draft_approved_frozen_and_corrected(panel: Panel):
    mid = held_meeting(panel)
    panel.m.decide(mid, 2, "approved", rationale="Ladder followed.")
    assert panel.m.minutes_document(mid).status == "draft"
    nxt = panel.m.add_meeting("17/11/2026").id
    panel.m.build_agenda(nxt)
    minutes_item = next(i for i in panel.m.agenda(nxt) if i.section == "previous")
    panel.m.decide(nxt, minutes_item.position, "approved", rationale="A true record.")
    meeting = panel.m.get_meeting(mid)
    assert meeting.frozen and meeting.minutes_version == 1
    approved = panel.m.minutes_document(mid)
    assert approved.status == "approved" and "17/11/2026" in approved.status_note
    first_pdf = panel.m.render_minutes(mid)
    # frozen: no edits, and renaming a person does not change the approved minutes
    before = counts(panel.session)
    err = refused(lambda: panel.m.add_action(mid, "Late", owner="Ben Head"),
                  "minutes_approved")
    assert "--correct" in str(err)
    refused(lambda: panel.m.decide(mid, 2, "declined"), "minutes_approved")
    refused(lambda: panel.m.approve_minutes(mid), "already_approved")
    assert counts(panel.session) == before
    panel.session.db.conn.execute("UPDATE people SET name = 'Anna Renamed' "
                                  "WHERE name = 'Anna Vice'")
    assert panel.m.render_minutes(mid) == first_pdf
    # a correction is a new, recorded version; version 1 stays printable
    refused(lambda: panel.m.start_correction(mid, " "), "reason_needed")
    panel.m.start_correction(mid, "Action owner added")
    panel.m.add_action(mid, "Late addition", owner="Ben Head")
    assert panel.m.minutes_document(mid).status_note.startswith("DRAFT correction (version 2)")
    panel.m.approve_minutes(mid)
    versions = panel.m.minutes_versions(mid)
    assert [(v.version, v.status) for v in versions] == [(1, "approved"), (2, "approved")]
    assert [a.text for a in panel.m.minutes_document(mid).actions] == ["Late addition"]
    assert panel.m.minutes_document(mid, version=1).actions == []
    assert panel.m.render_minutes(mid, version=1) == first_pdf
    with pytest.raises(NotFoundError):
        panel.m.minutes_document(mid, version=7)
    stored = panel.session.db.conn.execute(
        "SELECT content FROM meeting_minutes WHERE version = 1").fetchone()[0]
    assert json.loads(stored)["meeting_id"] == mid
    # the frozen snapshot (pupils' names) stays out of the change log that bundles carry
    logged = {r[0] for r in panel.session.db.conn.execute(
        "SELECT field FROM changes WHERE entity = 'minutes'")}
    assert "status" in logged and "content" not in logged
    # a version approved elsewhere (its content not here) prints from the records
    panel.session.db.conn.execute("UPDATE meeting_minutes SET content = '' WHERE version = 2")
    fallback = panel.m.minutes_document(mid)
    assert fallback.status == "approved" and "frozen copy is kept by the clerk" in (
        fallback.status_note)


def test_approving_needs_a_held_meeting(panel: Panel):
    nxt = panel.m.add_meeting(NEXT).id
    refused(lambda: panel.m.approve_minutes(nxt), "meeting_not_held")


def test_changes_and_audit_for_views(panel: Panel):
    mid = held_meeting(panel)
    saved = panel.m.add_action(mid, "Call", owner="Ben Head")
    assert saved.changes.entities == {"action"} and saved.id in saved.changes.ids
    audit = panel.session.audit_entries(5)
    assert audit[0]["action"] == "create" and audit[0]["entity"] == "action"
    assert "text" in audit[0]["fields"]  # field names only, never the values
    assert "Call" not in json.dumps(audit)


def test_rescheduling_is_checked_like_adding(panel: Panel):
    first = panel.m.add_meeting(NEXT, time="09:30").id
    other = panel.m.add_meeting("01/12/2026", time="09:30").id
    refused(lambda: panel.m.update_meeting(other, on=NEXT), "clash")
    refused(lambda: panel.m.update_meeting(other, on="26/12/2026"), "not_school_day")
    saved = panel.m.update_meeting(other, on="08/12/2026", venue="Town Hall", chair="Cara Hill")
    moved = panel.m.get_meeting(other)
    assert (moved.date, moved.venue, moved.chair) == (date(2026, 12, 8), "Town Hall",
                                                      "Cara Hill")
    assert saved.changes and panel.m.get_meeting(first).date == date(2026, 11, 24)
    assert not panel.m.update_meeting(other, notes="").changes  # nothing changed
