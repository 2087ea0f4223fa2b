"""Subject-access export for one pupil: a readable PDF and a JSON file with everything held
about the pupil, other pupils' details redacted (checked against the database), a list of
third-party information to review, and the export recorded in the audit trail."""

from __future__ import annotations

import io
import json
import re
import stat

import pytest
from pypdf import PdfReader

from panel_app.core.errors import ValidationError
from panel_app.core.reports.redaction import ANOTHER_PUPIL
from panel_app.core.services.exports import LEAVES_ENCRYPTION
from tests.core.meetings_fixtures import make_panel
from tests.core.util import case_values

PAST = "17/11/2026"


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+(?:['\u2019-]\w+)*", text)}


@pytest.fixture
def shared(session):
    """Zoë's case next to three other pupils on one meeting's agenda; free text in her
    records and in the shared minutes names the others."""
    p = make_panel(session)
    s = session
    zoe = p.cases["zoe"]
    s.update_case(zoe, {"summary": "Fell out with Tyler Ashdown and Mia at lunch",
                        "family_voice": "Mum says the bus is the problem", "lac": "yes"})
    s.add_note(zoe, "Zoë and Blakemore were both in the corridor; Sam Eckersley saw it")
    s.add_document(zoe, "ep-report.pdf", b"%PDF-1.4 report")
    for key in ("zoe", "tyler", "mia"):
        p.m.refer_case(p.cases[key], category="AP place", on="04/11/2026")
    mid = p.m.add_meeting(PAST, chair="Anna Vice", clerk="Carl Clerk", venue="OAK").id
    p.m.build_agenda(mid)
    items = {i.case_ref: i.position for i in p.m.agenda(mid) if i.case_ref}
    p.m.decide(mid, items[zoe], "approved_with_conditions",
               rationale="Zoë Ñúñez and Tyler Ashdown should not share a group",
               conditions="Review with Mia Blakemore's school in January")
    p.m.decide(mid, items[p.cases["tyler"]], "deferred",
               rationale="Tyler Ashdown needs an EP report first")
    p.m.add_action(mid, "Separate timetables for Zoë and Tyler", owner="Anna Vice",
                   item=items[zoe])
    p.m.add_action(mid, "Chase Tyler's EP report", owner="Ben Head",
                   item=items[p.cases["tyler"]])
    p.m.approve_minutes(mid)
    # a pupil with no case in common at all, named in Zoë's note by full name
    far = s.create_case(case_values("Quentin", "Farraday", serial=8)).case.case_ref
    s.add_note(zoe, "Quentin Farraday's mum called about Zoë")
    return p, zoe, far


def test_sar_pdf_names_no_other_pupil(shared, session, tmp_path):
    p, zoe, _far = shared
    result = session.privacy.write_subject_access(zoe, tmp_path)
    pdf = next(f for f in result.files if f.kind == "sar_pdf")
    text = _pdf_text(pdf.path.read_bytes())
    words = _words(text)
    subject = session.get_case(zoe)
    # positive control: the extraction reads the subject's own name and details
    assert "zoë" in words and "ñúñez" in words and subject.upn.casefold() in words
    assert ANOTHER_PUPIL in text
    # every other pupil in the database, by first name, surname, UPN and date of birth
    others = session.db.conn.execute(
        "SELECT first_name, last_name, upn, dob FROM pupils WHERE id != ?",
        (subject.pupil_id,)).fetchall()
    assert len(others) >= 4
    for first, last, upn, dob in others:
        for name in (first, last, upn):
            assert name.casefold() not in words, name
        d = dob.split("-")
        if dob != subject.dob.isoformat():  # the fixtures share birthdays
            assert f"{d[2]}/{d[1]}/{d[0]}" not in text
    # what it holds
    for heading in ("The pupil", f"Case {zoe}", "Notes", "Documents", "Panel decisions",
                    "Extracts from panel minutes", "Record of changes",
                    "Third-party information to review before release"):
        assert heading in text, heading
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text
    assert "should not share a group" in text and "Separate timetables" in text
    assert "EP report first" not in text  # the other pupil's item is not included
    assert "not encrypted" in text


def test_sar_json_matches_and_lists_third_party_information(shared, session, tmp_path):
    _p, zoe, far = shared
    result = session.privacy.write_subject_access(zoe, tmp_path, documents=True)
    assert result.notice == LEAVES_ENCRYPTION
    kinds = sorted(f.kind for f in result.files)
    assert kinds == ["document", "sar_json", "sar_pdf"]
    for f in result.files:
        assert not f.encrypted and stat.S_IMODE(f.path.stat().st_mode) == 0o600
    data = json.loads(next(f for f in result.files if f.kind == "sar_json").path.read_text())
    assert data["format"] == "partnership-panel-subject-access"
    assert data["subject"] == "Zoë Ñúñez"
    dump = json.dumps(data, ensure_ascii=False)
    for name in ("Tyler", "Ashdown", "Blakemore", "Eckersley", "Quentin", "Farraday"):
        assert name not in dump, name
    assert {"case", "pupil", "case_note", "document", "decision", "agenda_item",
            "referral", "action"} <= set(data["records"])
    assert all("content" not in r for r in data["records"]["document"])
    third = {t.kind for t in result.third_party}
    assert {"staff", "other_pupil", "family", "social_care", "document", "minutes"} <= third
    staff = {t.where for t in result.third_party if t.kind == "staff"}
    assert {"Anna Vice", "Test Clerk"} <= staff
    assert result.redactions >= 4
    # recorded in the audit trail, without names
    entry = session.privacy.audit_entries(action="sar_exported")[0]
    assert entry.entity == "pupil" and entry.detail["files"] == 3
    assert "Zo" not in json.dumps(entry.to_dict())
    # the far pupil's own export does not name Zoë
    other = session.privacy.subject_access(far)
    assert "Zoë" not in json.dumps(other.to_dict(), ensure_ascii=False).replace(
        "Quentin Farraday", "")


def test_sar_for_a_pupil_with_nothing_else_and_a_missing_folder(session, tmp_path):
    ref = session.create_case(case_values("Ada", "Brown", year=8)).case.case_ref
    sar = session.privacy.subject_access(ref)
    assert sar.subject == "Ada Brown" and sar.minutes == [] and sar.redactions == 0
    assert [c.case_ref for c in sar.cases] == [ref]
    with pytest.raises(ValidationError) as caught:
        session.privacy.write_subject_access(ref, tmp_path / "nowhere")
    assert "does not exist" in str(caught.value)
