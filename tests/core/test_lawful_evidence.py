"""Lawful deletion of one ladder evidence record (``plan_deletion("evidence:ID")``): the
plan names the ladder item, takes the documents only that record uses and keeps (naming
them) the ones another evidence record uses; the ladder check follows."""

from __future__ import annotations

from datetime import date

from tests.core.ladder_util import add, doc, with_preset


def test_evidence_goes_with_its_own_documents_and_keeps_shared_ones(session) -> None:
    s = session
    case_id = with_preset(s, "lincolnshire")
    psp = add(s, case_id, "1", "psp", date(2026, 9, 7), notes="Keyworker: Mr Invented",
              attachments=doc("own-plan.pdf"))
    s.add_document(case_id, "shared.pdf", b"%PDF-1.4 shared")
    shared = next(d.id for d in s.get_case(case_id).documents if d.filename == "shared.pdf")
    other = add(s, case_id, "2", "psp_approval", date(2026, 9, 14), document_ids=[shared])
    s.ladders.update_evidence(psp, {}, document_ids=[shared])
    assert s.ladders.check(case_id, "ap-place").steps[0].status == "met"

    plan = s.privacy.plan_deletion(f"evidence:{psp}", reason=None)
    target = plan.targets[0]
    assert target.counts == {"document": 1, "evidence": 1, "evidence_document": 2}
    line = plan.lines()[0]
    assert line.startswith("Evidence record of 07/09/2026 for step 1 (Pastoral Support Plan "
                           "(PSP)), with its document own-plan.pdf (document shared.pdf "
                           "stays: another evidence record uses it; only the link goes)")
    assert "\nKept: case " in line and "1 document, 1 evidence record, 1 evidence link." in line
    assert "review outcome" not in line  # said only for an overturned record

    result = s.privacy.purge(plan.with_reason("inaccurate"))
    assert result.records == 4
    assert [d.filename for d in s.get_case(case_id).documents] == ["shared.pdf"]
    assert [e.id for e in s.ladders.list_evidence(case_id)] == [other]
    assert s.ladders.check(case_id, "ap-place").steps[0].status == "missing"
    entry = s.privacy.audit_entries(action="lawful_delete")[0]
    assert (entry.entity, entry.entity_id, entry.detail["reason"]) == ("evidence", psp,
                                                                       "inaccurate")
    assert s.db.conn.execute("SELECT count(*) FROM changes WHERE value LIKE ?",
                             ("%Mr Invented%",)).fetchone()[0] == 0
    assert s.doctor()["ok"]

    # the other record now uses the shared document alone: it goes with it
    plan = s.privacy.plan_deletion(f"evidence:{other}", reason="overturned")
    assert "with its document shared.pdf" in plan.lines()[0]
    assert "(the review outcome, recorded as a note or decision, stays)." in plan.lines()[0]
