"""Evidence records on a case: validation (nothing stored on bad input), documents from
the case's documents table, verification, updates and removal."""

from __future__ import annotations

from datetime import date

import pytest

from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from tests.core.ladder_util import add, doc, new_case, state, with_preset
from tests.core.util import assert_plain


@pytest.mark.parametrize(
    ("kw", "code", "words"),
    [
        ({"step": "9"}, "unknown_step", "There is no step '9' in the ladder"),
        ({"step": "moon"}, "unknown_step", "1 psp (Pastoral Support Plan)"),
        ({"kind": "outreach"}, "unknown_item", "has no item 'outreach': use one of psp"),
        ({"started_on": "31/02/2026"}, "invalid_date", "not a real date"),
        ({"started_on": "next week"}, "invalid_date", "dd/mm/yyyy"),
        ({"started_on": None}, "required", "Give the date the work started"),
        ({"ended_on": "01/09/2026"}, "end_before_start", "before the start date 07/09/2026"),
        ({"review_on": "01/01/2026"}, "review_before_start", "review date"),
        ({"outcome": "finished"}, "unknown_outcome", "not an outcome"),
        ({"outcome": "completed"}, "outcome_needs_end", "needs the end date"),
        ({"ended_on": "01/10/2026", "outcome": "ongoing"}, "ended_but_ongoing", "ongoing"),
        ({"document_ids": ["0" * 32]}, "unknown_document", "not attached to this case"),
        ({"attachments": [("big.pdf", b"x" * (25 * 1024 * 1024 + 1))]}, "too_large", "25 MB"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_stored(session, kw, code, words):
    case = with_preset(session, "lincolnshire")
    values = {"step": "psp", "kind": "psp", "started_on": "07/09/2026"} | kw
    before = state(session)
    with pytest.raises(ValidationError) as info:
        session.ladders.add_evidence(case, **values)
    assert code in {i.code for i in info.value.issues}
    assert words in str(info.value)
    assert_plain(str(info.value))
    assert state(session) == before
    assert session.ladders.list_evidence(case) == []


def test_evidence_for_an_unknown_case(session):
    with_preset(session, "lincolnshire")
    with pytest.raises(NotFoundError):
        session.ladders.add_evidence("C-NOPE00", step="1", kind="psp", started_on="01/09/2026")


def test_evidence_round_trip_with_documents(session):
    case = with_preset(session, "lincolnshire")
    other = new_case(session, "Bo", "Rook", serial=2)
    session.add_document(case, "old-plan.pdf", b"%PDF old")
    old_doc = session.get_case(case).documents[0].id
    other_doc_changes = session.add_document(other, "theirs.pdf", b"%PDF theirs")
    saved = session.ladders.add_evidence(
        case,
        step="Pastoral Support Plan",
        kind="PSP",
        started_on="07/09/2026",
        review_on="19/10/2026",
        notes="  Weekly check-ins.  ",
        document_ids=[old_doc],
        attachments=doc("new-plan.pdf"),
    )
    ev = saved.evidence
    assert (ev.step_key, ev.kind, ev.started_on, ev.review_on, ev.outcome, ev.notes) == (
        "psp",
        "psp",
        date(2026, 9, 7),
        date(2026, 10, 19),
        "ongoing",
        "Weekly check-ins.",
    )
    assert ev.recorded_by == "Test Clerk" and not ev.verified
    assert sorted(d.filename for d in ev.documents) == ["new-plan.pdf", "old-plan.pdf"]
    assert saved.changes.entities == {"case", "evidence"} and ev.id in saved.changes.ids
    # the new file is an ordinary case document, stored encrypted with the case
    assert sorted(d.filename for d in session.get_case(case).documents) == [
        "new-plan.pdf",
        "old-plan.pdf",
    ]
    with pytest.raises(ValidationError, match="not attached to this case"):
        session.ladders.update_evidence(
            ev.id, {}, document_ids=sorted(other_doc_changes.ids - {other})
        )
    listed = session.ladders.list_evidence(case)
    assert [e.id for e in listed] == [ev.id]
    assert listed[0].to_dict()["started_on"] == "2026-09-07"
    assert session.ladders.get_evidence(ev.id[:8]).id == ev.id


def test_a_future_start_is_a_warning(session):
    case = with_preset(session, "lincolnshire")
    saved = session.ladders.add_evidence(case, step="1", kind="psp", started_on="30/11/2026")
    assert [w.code for w in saved.warnings] == ["starts_in_future"]
    check = session.ladders.check(case, "ap-place")
    assert check.steps[0].items[0].reasons[0].code == "item_starts_later"
    later = session.ladders.check(case, "ap-place", on="11/01/2027")
    assert later.steps[0].items[0].reasons[0].code == "item_too_short"


def test_update_end_date_sets_the_outcome_and_clears_verification(session):
    case = with_preset(session, "lincolnshire")
    eid = add(session, case, "outreach", "outreach", date(2026, 1, 5))
    verified = session.ladders.verify_evidence(eid, by="Ruth Kendal", role="LA officer")
    assert verified.evidence.verified and verified.evidence.verified_role == "LA officer"
    assert verified.changes.entities == {"case", "evidence"}
    saved = session.ladders.update_evidence(eid, {"ended_on": "10/07/2026"})
    assert saved.evidence.outcome == "completed" and not saved.evidence.verified
    assert [w.code for w in saved.warnings] == ["verification_cleared"]
    saved = session.ladders.update_evidence(eid, {"ended_on": ""})
    assert saved.evidence.outcome == "ongoing" and saved.evidence.ended_on is None
    same = session.ladders.update_evidence(eid, {"notes": ""})
    assert not same.changes
    before = state(session)
    with pytest.raises(ValidationError, match="before the start date"):
        session.ladders.update_evidence(eid, {"ended_on": "01/01/2026"})
    with pytest.raises(ValidationError, match="no field"):
        session.ladders.update_evidence(eid, {"kind": "psp"})
    assert state(session) == before


def test_verify_role_from_the_people_list_and_self_verification(session):
    case = with_preset(session, "lincolnshire")
    session.add_person("Ruth Kendal", role="LA officer")
    eid = add(session, case, "outreach", "psp_approval", date(2026, 3, 2), outcome="agreed")
    saved = session.ladders.verify_evidence(eid, by="ruth kendal")
    assert saved.evidence.verified_role == "LA officer" and not saved.warnings
    saved = session.ladders.verify_evidence(eid)  # by the user who recorded it
    assert saved.evidence.verified_by == "Test Clerk" and saved.evidence.verified_role == ""
    assert [w.code for w in saved.warnings] == ["self_verified"]
    with pytest.raises(ValidationError, match="not a role"):
        session.ladders.verify_evidence(eid, by="X", role="governor")


def test_removed_evidence_no_longer_counts(session):
    case = with_preset(session, "lincolnshire")
    eid = add(session, case, "psp", "psp", date(2026, 9, 7), attachments=doc())
    assert session.ladders.check(case, "ap-place").steps[0].status == "met"
    changes = session.ladders.remove_evidence(eid)
    assert eid in changes.ids
    assert session.ladders.list_evidence(case) == []
    assert session.ladders.check(case, "ap-place").steps[0].status == "missing"
    with pytest.raises(NotFoundError):
        session.ladders.get_evidence(eid)


def test_ambiguous_and_short_ids(session):
    from panel_app.core.storage.ladders import LadderStore

    case = with_preset(session, "lincolnshire")
    store = LadderStore(session.repo)
    with session._write():
        for n in (1, 2):
            store.insert_evidence(
                {
                    "id": f"abcdef{n:026d}",
                    "case_id": case,
                    "step_key": "psp",
                    "kind": "psp",
                    "started_on": date(2026, 9, 7),
                    "recorded_by": "T",
                    "recorded_at": "2026-11-22T09:30:00+00:00",
                }
            )
    with pytest.raises(PanelError, match="give more of the id"):
        session.ladders.get_evidence("ABCDEF")
    with pytest.raises(NotFoundError):
        session.ladders.get_evidence("abc")  # too short to be a prefix
    assert session.ladders.get_evidence("abcdef" + "0" * 25 + "2").id.endswith("2")


def test_evidence_after_a_step_is_removed_is_kept_but_flagged(session):
    case = with_preset(session, "ashfield")
    add(session, case, "2", "hosted_internal_exclusion", date(2026, 10, 19))
    session.ladders.remove_step("hosted-exclusion")
    assert len(session.ladders.list_evidence(case)) == 1
    with pytest.raises(ValidationError, match="no step 'hosted-exclusion'"):
        add(session, case, "hosted-exclusion", "hosted_internal_exclusion", date(2026, 10, 19))
