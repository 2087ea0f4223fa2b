"""Each shipped ladder preset with concrete cases: met, partly met, missing, and the
override path. Real encrypted databases (the session fixture, clock 22/11/2026)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from panel_app.core.domain.models import Role
from panel_app.core.errors import ValidationError
from panel_app.core.rules.ladder import REASON_CODES, LadderCheck
from panel_app.core.services.ladders import load_preset, preset_names
from tests.core.ladder_util import (
    add,
    codes,
    doc,
    reasons_of,
    state,
    step_status,
    with_preset,
)
from tests.core.util import assert_plain


def test_presets_ship_with_the_expected_steps():
    assert preset_names() == ["ashfield", "east-bassetlaw", "lincolnshire", "south-rotherham"]
    sizes = {name: len(load_preset(name).steps) for name in preset_names()}
    assert sizes == {"lincolnshire": 3, "ashfield": 4, "east-bassetlaw": 4, "south-rotherham": 2}
    assert load_preset("EBBAP").preset == "east-bassetlaw"
    assert load_preset("South Rotherham").preset == "south-rotherham"


def _all_reasons_are_coded_and_plain(check: LadderCheck) -> None:
    for code in codes(check):
        assert code in REASON_CODES, code
    for reason in check.reasons + [r for s in check.steps for r in s.all_reasons()]:
        assert_plain(reason.message)
    again = LadderCheck.from_dict(json.loads(json.dumps(check.to_dict())))
    assert again.steps == check.steps and again.reasons == check.reasons


# -- Lincolnshire ------------------------------------------------------------------------------


def _la_officer(session) -> None:
    session.add_person("Ruth Kendal", role=Role.LA_OFFICER.value)


def _lincolnshire_steps_1_2(session, case: str) -> None:
    _la_officer(session)
    cal = session.calendar.calendar()
    add(session, case, "psp", "psp", date(2026, 1, 5), date(2026, 3, 27), attachments=doc())
    approval = add(session, case, "outreach", "psp_approval", date(2026, 3, 2), outcome="agreed")
    session.ladders.verify_evidence(approval, by="Ruth Kendal")
    start = date(2026, 3, 9)
    add(session, case, "outreach", "outreach", start, cal.add_school_weeks(start, 20))


def test_lincolnshire_missing(session):
    case = with_preset(session, "lincolnshire")
    check = session.ladders.check(case, "ap-place")
    assert check.verdict == "missing" and not check.allowed
    assert step_status(check) == ["missing", "missing", "missing"]
    assert [s.needed for s in check.steps] == [True, True, False]
    assert {r.code for r in check.gaps()} == {"item_not_recorded"}
    assert "No outreach programme recorded." in [r.message for r in check.gaps()]
    assert check.reasons[0].code == "verdict_missing"
    _all_reasons_are_coded_and_plain(check)


def test_lincolnshire_partly_met_counts_school_weeks_not_calendar_weeks(session):
    case = with_preset(session, "lincolnshire")
    add(session, case, "psp", "psp", date(2026, 3, 3), attachments=doc())
    # Six calendar weeks, two of them the Easter holiday: four school weeks.
    check = session.ladders.check(case, "ap-place", on=date(2026, 4, 14))
    short = reasons_of(check, "item_too_short")
    assert [r.message for r in short] == [
        "Pastoral Support Plan (PSP) started 03/03/2026 has run 4 of the required 6 school weeks."
    ]
    assert short[0].params | {"evidence_id": None} == short[0].params | {
        "item": "psp",
        "start": "2026-03-03",
        "weeks": 4,
        "required_weeks": 6,
        "on": "2026-04-14",
        "evidence_id": None,
    }
    assert check.verdict == "partly_met"
    assert step_status(check) == ["partly_met", "missing", "missing"]
    verdict = check.reasons[0]
    assert verdict.code == "verdict_partly_met" and verdict.params["not_met"] == ["psp", "outreach"]
    assert session.ladders.check(case, "ap-place", on=date(2026, 4, 28)).steps[0].status == "met"
    _all_reasons_are_coded_and_plain(check)


def test_lincolnshire_met_for_an_ap_place_and_family_agreement_for_a_move(session):
    case = with_preset(session, "lincolnshire")
    _lincolnshire_steps_1_2(session, case)
    check = session.ladders.check(case, "ap-place")
    assert check.verdict == "met" and check.allowed and not check.gaps()
    assert step_status(check)[:2] == ["met", "met"]
    assert check.reasons[0].message == (
        "Every step needed before asking for an AP place is met (steps 1 to 2) on 22/11/2026."
    )
    move = session.ladders.check(case, "managed-move")
    assert move.verdict == "partly_met"
    assert [r.params["item"] for r in move.gaps()] == ["family_agreement"]
    add(session, case, "outreach", "family_agreement", date(2026, 11, 16), outcome="declined")
    move = session.ladders.check(case, "managed-move")
    assert "item_declined" in {r.code for r in move.gaps()}
    add(session, case, "outreach", "family_agreement", date(2026, 11, 20), outcome="agreed")
    assert session.ladders.check(case, "managed-move").verdict == "met"
    _all_reasons_are_coded_and_plain(move)


def test_lincolnshire_outreach_and_verification_rules(session):
    case = with_preset(session, "lincolnshire")
    _la_officer(session)
    session.add_person("Tom Greaves", role=Role.ASSISTANT_HEAD.value)
    cal = session.calendar.calendar()
    lad = session.ladders
    start = date(2026, 1, 5)

    def outreach_gaps(**kw) -> set[str]:
        eid = add(session, case, "outreach", "outreach", start, **kw)
        found = {r.code for r in lad.check(case, "ap-place").steps[1].items[1].reasons}
        lad.remove_evidence(eid)
        return found

    assert outreach_gaps(end=cal.add_school_weeks(start, 19)) == {"item_too_short"}
    assert outreach_gaps(end=cal.add_school_weeks(start, 20)) == {"item_met"}
    assert outreach_gaps(end=cal.add_school_weeks(start, 12), outcome="continuation-plan") == {
        "item_met"
    }
    assert outreach_gaps(end=cal.add_school_weeks(start, 12), outcome="ended-early") == {
        "item_too_short",
        "item_wrong_outcome",
    }
    assert outreach_gaps(end=cal.add_school_weeks(start, 25), outcome="ended-early") == {
        "item_wrong_outcome"
    }
    assert lad.check(case, "ap-place").steps[1].items[1].reasons[0].code == "item_not_recorded"
    eid = add(session, case, "outreach", "outreach", date(2026, 10, 5))
    running = {r.code for r in lad.check(case, "ap-place").steps[1].items[1].reasons}
    assert running == {"item_too_short", "item_still_running"}
    lad.remove_evidence(eid)

    approval = add(session, case, "outreach", "psp_approval", date(2026, 3, 2), outcome="agreed")

    def approval_codes(on: date | None = None) -> set[str]:
        return {r.code for r in lad.check(case, "ap-place", on=on).steps[1].items[0].reasons}

    assert approval_codes() == {"item_not_verified"}
    lad.verify_evidence(approval, by="Tom Greaves")
    reason = lad.check(case, "ap-place").steps[1].items[0].reasons[0]
    assert reason.code == "item_verifier_role"
    assert reason.message == (
        "PSP approved by the local authority recorded 02/03/2026 was "
        "verified by Tom Greaves (assistant head); it needs verifying by "
        "an LA officer."
    )
    lad.verify_evidence(approval, by="Ruth Kendal")
    assert approval_codes() == {"item_met"}
    assert approval_codes(on=date(2026, 11, 1)) == {"item_verified_later"}  # verified 22/11


def test_lincolnshire_override(session):
    case = with_preset(session, "lincolnshire")
    add(session, case, "psp", "psp", date(2026, 11, 2), attachments=doc())
    check, changes = session.ladders.record_check(case, "ap-place")
    assert check.recorded and check.verdict == "partly_met" and not check.allowed
    assert "ladder_check" in changes.entities
    overridden, _ = session.ladders.override_check(
        check.id[:8], "Unexpected and extreme situation after a serious incident.", "Ruth Kendal"
    )
    assert overridden.verdict == "partly_met"  # the ladder verdict is kept, and marked
    assert overridden.overridden and overridden.allowed
    assert "OVERRIDDEN by Ruth Kendal on 22/11/2026" in overridden.verdict_text()
    data = session.ladders.get_check(check.id).to_dict()
    assert data["override"] == {
        "reason": "Unexpected and extreme situation after a serious incident.",
        "by": "Ruth Kendal",
        "at": "2026-11-22T09:30:00+00:00",
    }
    assert data["allowed"] and data["overridden"] and data["verdict"] == "partly_met"
    assert {c["field"] for c in session.changes_since(0) if c["entity"] == "ladder_check"} >= {
        "override_reason",
        "override_by",
        "override_at",
        "verdict",
        "result",
    }
    before = state(session)
    with pytest.raises(ValidationError, match="already overridden"):
        session.ladders.override_check(check.id, "Again", "Someone")
    assert state(session) == before


# -- Ashfield ----------------------------------------------------------------------------------


def test_ashfield_missing_partly_and_met(session):
    case = with_preset(session, "ashfield")
    lad = session.ladders
    assert lad.check(case, "managed-move").verdict == "missing"
    add(
        session,
        case,
        "internal-exclusion",
        "internal_exclusion",
        date(2026, 10, 5),
        date(2026, 10, 5),
    )
    move = lad.check(case, "managed-move")
    assert move.verdict == "partly_met"
    assert step_status(move)[:2] == ["met", "missing"]
    assert [r.message for r in move.gaps()] == [
        "No internal exclusion at a partner school recorded."
    ]
    add(session, case, "2", "hosted_internal_exclusion", date(2026, 10, 19), date(2026, 10, 20))
    assert lad.check(case, "managed-move").verdict == "met"

    ap = lad.check(case, "ap-place")
    assert ap.verdict == "partly_met" and ap.steps[2].status == "missing"
    meeting = add(session, case, "managed-move", "admission_meeting", date(2026, 11, 2))
    move_id = add(session, case, "managed-move", "managed_move", date(2026, 11, 3))
    ap = lad.check(case, "ap-place")
    assert ap.steps[2].status == "partly_met"
    assert {r.code for r in ap.gaps()} == {
        "item_no_document",
        "item_still_running",
        "item_not_recorded",
    }
    lad.update_evidence(meeting, {}, attachments=doc("admission-meeting.pdf"))
    lad.update_evidence(move_id, {"ended_on": "20/11/2026", "outcome": "ended-early"})
    add(session, case, "managed-move", "reintegration_meeting", date(2026, 11, 20))
    ap = lad.check(case, "ap-place")
    assert ap.verdict == "met" and ap.allowed
    assert step_status(ap) == ["met", "met", "met", "missing"]
    _all_reasons_are_coded_and_plain(ap)


# -- East Bassetlaw ----------------------------------------------------------------------------


def test_east_bassetlaw_two_terms_of_plan_do_review(session):
    case = with_preset(session, "east-bassetlaw")
    lad = session.ladders
    assert lad.check(case, "partnership-resources").verdict == "missing"
    add(
        session,
        case,
        "plan-do-review",
        "plan_do_review",
        date(2026, 1, 5),
        attachments=doc("reviews.pdf"),
    )
    early = lad.check(case, "partnership-resources", on=date(2026, 5, 1))
    assert early.verdict == "partly_met"
    terms = reasons_of(early, "item_too_short_terms")[0]
    assert terms.params["required_terms"] == 2 and 1.0 < terms.params["terms"] < 1.5
    assert terms.message.startswith("Plan-do-review cycle started 05/01/2026 has run 1.")
    optional = reasons_of(early, "step_optional_short")[0]
    assert optional.params["met"] == 0 and optional.params["required"] == 1
    assert "assigned key worker" in optional.message
    add(session, case, "1", "key_worker", date(2026, 1, 5))
    # the last day of the summer term completes two terms (spring and summer)
    assert lad.check(case, "partnership-resources", on=date(2026, 7, 22)).verdict == "met"
    assert lad.check(case, "partnership-resources", on=date(2026, 7, 17)).verdict == "partly_met"
    assert lad.check(case, "managed-move", on=date(2026, 7, 22)).verdict == "met"
    ap = lad.check(case, "ap-place", on=date(2026, 7, 22))
    assert ap.verdict == "partly_met"
    assert ap.reasons[0].message == (
        "1 of the 3 steps needed before asking for an AP place is met; still to do: step 2 "
        "(Individualised package) missing, step 3 (Internal nurture unit) missing."
    )
    _all_reasons_are_coded_and_plain(early)


def test_east_bassetlaw_extreme_situation_override(session):
    case = with_preset(session, "east-bassetlaw")
    before = state(session)
    with pytest.raises(ValidationError) as info:
        session.ladders.record_check(case, "partnership-resources", override_reason="Extreme")
    assert {i.code for i in info.value.issues} == {"required"}  # no person
    assert state(session) == before
    check, _ = session.ladders.record_check(
        case,
        "partnership-resources",
        override_reason="Unexpected and extreme situation.",
        override_by="Kerry Head",
    )
    assert check.verdict == "missing" and check.allowed and check.override.by == "Kerry Head"
    assert [c.id for c in session.ladders.list_checks(case)] == [check.id]


# -- South Rotherham ---------------------------------------------------------------------------


def test_south_rotherham_threshold_documentation(session):
    case = with_preset(session, "south-rotherham")
    lad = session.ladders
    assert lad.check(case, "ap-place").verdict == "missing"
    add(session, case, "prior-work", "support_plan", date(2026, 9, 7), attachments=doc())
    add(session, case, "prior-work", "family_meeting", date(2026, 9, 10))
    threshold = add(
        session,
        case,
        "threshold",
        "threshold_documentation",
        date(2026, 11, 16),
        attachments=doc("threshold.pdf"),
    )
    ap = lad.check(case, "ap-place")
    assert ap.verdict == "partly_met"
    assert {r.code for r in ap.gaps()} == {"step_optional_short", "item_not_verified"}
    add(session, case, "prior-work", "camhs_involvement", date(2026, 10, 1))
    lad.verify_evidence(threshold, by="Priya Raman")
    ap = lad.check(case, "ap-place")
    assert ap.verdict == "met" and step_status(ap) == ["met", "met"]
    assert lad.check(case, "managed-move").verdict == "met"
    _all_reasons_are_coded_and_plain(ap)


@pytest.mark.parametrize(
    ("preset", "action"),
    [
        ("south-rotherham", "ap-place"),
        ("ashfield", "managed-move"),
        ("lincolnshire", "ap-place"),
        ("east-bassetlaw", "ap-place"),
    ],
)
def test_override_path_for_every_preset(session, preset, action):
    case = with_preset(session, preset)
    check, _ = session.ladders.record_check(case, action)
    assert check.verdict == "missing" and not check.allowed
    before = state(session)
    for reason, by in (("", "Chair"), ("Extreme", "  ")):
        with pytest.raises(ValidationError):
            session.ladders.override_check(check.id, reason, by)
    assert state(session) == before
    done, _ = session.ladders.override_check(check.id, "Extreme situation", "Chair")
    assert done.allowed and done.overridden and done.verdict == "missing"


def test_no_override_when_met(session):
    case = with_preset(session, "ashfield")
    add(session, case, "1", "internal_exclusion", date(2026, 10, 5), date(2026, 10, 5))
    add(session, case, "2", "hosted_internal_exclusion", date(2026, 10, 19), date(2026, 10, 20))
    check, _ = session.ladders.record_check(case, "managed-move")
    with pytest.raises(ValidationError, match="no override is needed"):
        session.ladders.override_check(check.id, "Because", "Chair")
    assert not session.ladders.get_check(check.id).overridden


def test_a_request_no_step_leads_to_is_unavailable(session):
    case = with_preset(session, "ashfield")
    check = session.ladders.check(case, "partnership-resources")
    assert check.verdict == "unavailable" and check.reasons[0].code == "action_not_in_ladder"
    assert not any(s.needed for s in check.steps)
