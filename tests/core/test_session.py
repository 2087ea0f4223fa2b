"""The session facade: cases, the change log and audit log, the case list, Unicode,
documents and locking."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from panel_app.core.domain.models import CASE_FIELDS, PUPIL_FIELDS, CaseFilter
from panel_app.core.errors import LockedError, NotFoundError
from tests.core.util import case_values

# -- create, update, close ------------------------------------------------------------------


def _changes_for(session, entity_id: str) -> list[tuple[str, object]]:
    return [(c["field"], c["value"]) for c in session.changes_since(0)
            if c["entity_id"] == entity_id]


def test_create_case(session, clock):
    saved = session.create_case(case_values("Ada", "Brown", year=8, risk="Amber",
                                            fsm="yes", attendance_pct="87.5%"))
    case = saved.case
    assert case.case_ref.startswith("C-") and len(case.case_ref) == 8
    assert (case.full_name, case.year_group, case.risk, case.status) == (
        "Ada Brown", 8, "amber", "open")
    assert case.fsm is True and case.attendance_pct == 87.5
    assert case.opened_on == clock.today()
    assert case.home_school_name == "Oakfield Academy"
    assert saved.changes.entities == {"case"} and case.id in saved.changes.ids
    assert session.get_case(case.case_ref.lower()).id == case.id
    assert session.get_case(case.id).case_ref == case.case_ref


def test_update_records_only_fields_that_really_changed(session):
    case = session.create_case(case_values("Ada", "Brown", year=8, summary="Referred")).case
    seq = max(c["seq"] for c in session.changes_since(0))
    audit_before = len(session.audit_entries(1000))

    saved = session.update_case(case.case_ref, {
        "first_name": "Ada",  # unchanged
        "summary": "Referred",  # unchanged
        "dob": case.dob.strftime("%d/%m/%Y"),  # unchanged, typed differently
        "attendance_pct": "",  # unchanged (None)
        "risk": "red",  # changed
        "lac": "yes",  # changed
    })
    assert sorted(saved.changed_fields) == ["lac", "risk"]
    new = [(c["entity"], c["field"], c["value"]) for c in session.changes_since(seq)]
    assert sorted(new) == [("case", "risk", "red"), ("pupil", "lac", True)]
    audit = session.audit_entries(1000)[: len(session.audit_entries(1000)) - audit_before]
    assert sorted((e["entity"], tuple(e["fields"])) for e in audit) == [
        ("case", ("risk",)), ("pupil", ("lac",))]

    # Saving the same values again changes nothing and logs nothing.
    again = session.update_case(case.case_ref, {"risk": "red", "lac": True})
    assert again.changed_fields == [] and not again.changes
    assert session.changes_since(seq + 2) == []


def test_audit_log_holds_field_names_never_values(session):
    secret_summary = "Disclosed that his stepfather hits him; social care informed"
    secret_voice = "I want to go back to my old school with my friends"
    case = session.create_case(case_values("Ada", "Brown", year=8, summary=secret_summary,
                                           pupil_voice=secret_voice)).case
    session.update_case(case.id, {"summary": secret_summary + " (updated)",
                                  "family_voice": "Mum is worried about the bus"})
    session.add_note(case.id, "Confidential note text 4471")

    rows = session.db.conn.execute("SELECT * FROM audit_log").fetchall()
    dump = json.dumps(rows)
    for text in (secret_summary, secret_voice, "Mum is worried", "Confidential note text",
                 "Brown", case.upn):
        assert text not in dump
    known = set(PUPIL_FIELDS) | set(CASE_FIELDS) | {
        "pupil_id", "case_ref", "created_at", "case_id", "at", "author", "kind", "text",
        "closed_reason"}
    for entry in session.audit_entries(1000):
        if entry["entity"] in {"pupil", "case", "case_note"}:
            assert set(entry["fields"]) <= known, entry
    # The change log (which bundles carry, encrypted) does hold the values.
    assert (("case", "summary", secret_summary + " (updated)")
            in [(c["entity"], c["field"], c["value"]) for c in session.changes_since(0)])


def test_close_case(session, clock):
    case = session.create_case(case_values("Ada", "Brown", year=8)).case
    saved = session.close_case(case.case_ref, reason="Moved out of the area")
    assert saved.case.status == "closed" and saved.case.closed_on == clock.today()
    assert "status" in saved.changed_fields and "closed_on" in saved.changed_fields
    reason = session.db.conn.execute("SELECT closed_reason FROM cases WHERE id = ?",
                                     (case.id,)).fetchone()[0]
    assert reason == "Moved out of the area"
    assert session.list_cases().total == 0  # the list shows open cases by default
    assert [r.id for r in session.list_cases(CaseFilter(status="closed")).rows] == [case.id]

    reopened = session.update_case(case.id, {"status": "open"})
    assert reopened.case.status == "open" and reopened.case.closed_on is None


def test_unknown_case(session):
    with pytest.raises(NotFoundError):
        session.get_case("C-NOPE99")
    with pytest.raises(NotFoundError):
        session.update_case("C-NOPE99", {"risk": "red"})


# -- the case list ------------------------------------------------------------------------

@pytest.fixture
def listed(session):
    specs = [
        ("Ada", "Brown", 8, "Oakfield Academy", "red", "open"),
        ("Ben", "Adams", 9, "Riverside School", "amber", "open"),
        ("Cara", "Clarke", 8, "Riverside School", "green", "open"),
        ("Dev", "Dunn", 10, "Oakfield Academy", "red", "open"),
        ("Eve", "Evans", 8, "Oakfield Academy", "amber", "closed"),
    ]
    refs = {}
    for serial, (first, last, year, school, risk, status) in enumerate(specs, start=1):
        saved = session.create_case(case_values(first, last, year=year, school=school,
                                                serial=serial, risk=risk, status=status))
        refs[last] = saved.case
    return refs


def _names(case_list) -> list[str]:
    return [r.name for r in case_list.rows]


def test_list_counts(session, listed):
    open_cases = session.list_cases()
    assert open_cases.total == 4 and open_cases.all_cases == 5
    assert open_cases.by_risk == {"red": 2, "amber": 1, "green": 1}
    everything = session.list_cases(CaseFilter(status=None))
    assert everything.total == 5 and everything.by_risk["amber"] == 2


def test_list_filters(session, listed):
    oak = session.find_school("OAK").id
    assert _names(session.list_cases(CaseFilter(school_id=oak))) == ["Ada Brown", "Dev Dunn"]
    assert _names(session.list_cases(CaseFilter(year_group=8))) == ["Ada Brown", "Cara Clarke"]
    assert _names(session.list_cases(CaseFilter(risk="red"))) == ["Ada Brown", "Dev Dunn"]
    assert _names(session.list_cases(CaseFilter(status="closed"))) == ["Eve Evans"]
    assert _names(session.list_cases(CaseFilter(text="clarke"))) == ["Cara Clarke"]
    assert _names(session.list_cases(CaseFilter(text="  CLARKE "))) == ["Cara Clarke"]
    ref = listed["Dunn"].case_ref
    assert _names(session.list_cases(CaseFilter(text=ref.lower()))) == ["Dev Dunn"]
    upn = listed["Adams"].upn
    assert _names(session.list_cases(CaseFilter(text=upn.lower()))) == ["Ben Adams"]
    both = session.list_cases(CaseFilter(school_id=oak, year_group=8, risk="red"))
    assert _names(both) == ["Ada Brown"] and both.total == 1
    assert both.by_risk == {"red": 1, "amber": 0, "green": 0}
    assert session.list_cases(CaseFilter(text="nobody")).rows == []


def test_list_sort(session, listed):
    assert _names(session.list_cases()) == ["Ben Adams", "Ada Brown", "Cara Clarke", "Dev Dunn"]
    assert _names(session.list_cases(CaseFilter(descending=True))) == [
        "Dev Dunn", "Cara Clarke", "Ada Brown", "Ben Adams"]
    assert [r.risk for r in session.list_cases(CaseFilter(sort="risk")).rows] == [
        "red", "red", "amber", "green"]
    assert [r.year_group for r in session.list_cases(CaseFilter(sort="year",
                                                                descending=True)).rows] == [
        10, 9, 8, 8]
    assert [r.school for r in session.list_cases(CaseFilter(sort="school")).rows][:2] == [
        "Oakfield Academy", "Oakfield Academy"]
    limited = session.list_cases(CaseFilter(limit=2))
    assert _names(limited) == ["Ben Adams", "Ada Brown"] and limited.total == 4


def test_search_treats_wildcards_literally(session):
    for serial, last in enumerate(["Per%cent", "Under_score", "Back\\slash", "Plain"], 1):
        session.create_case(case_values("Kit", last, year=8, serial=serial))
    assert _names(session.list_cases(CaseFilter(text="%"))) == ["Kit Per%cent"]
    assert _names(session.list_cases(CaseFilter(text="_"))) == ["Kit Under_score"]
    assert _names(session.list_cases(CaseFilter(text="r%c"))) == ["Kit Per%cent"]
    assert _names(session.list_cases(CaseFilter(text="r_s"))) == ["Kit Under_score"]
    assert _names(session.list_cases(CaseFilter(text="\\"))) == ["Kit Back\\slash"]
    assert session.list_cases(CaseFilter(text="K%t")).rows == []
    assert session.list_cases(CaseFilter(text="P_ain")).rows == []


# -- Unicode ----------------------------------------------------------------------------------

UNICODE_NAMES = [
    ("Zoë", "Ødegård-Ñúñez"),
    ("مريم", "الحسيني"),  # Arabic, right to left
    ("נועה", "כהן"),  # Hebrew
    ("Ava 🦄", "Smith\u200d-Jones"),  # emoji and a zero-width joiner
    ("Jürgen", "Straße"),
    ("Siân", "O'Brien"),
]


def test_unicode_names_round_trip(session):
    for serial, (first, last) in enumerate(UNICODE_NAMES, start=1):
        case = session.create_case(case_values(first, last, year=8, serial=serial)).case
        again = session.get_case(case.case_ref)
        assert (again.first_name, again.last_name) == (first, last)
    listed = {r.name for r in session.list_cases().rows}
    assert listed == {f"{f} {ln}" for f, ln in UNICODE_NAMES}


@pytest.mark.parametrize("text,expected", [
    ("ØDEGÅRD", "Zoë Ødegård-Ñúñez"),
    ("zoë", "Zoë Ødegård-Ñúñez"),
    ("ZOË", "Zoë Ødegård-Ñúñez"),
    (unicodedata.normalize("NFD", "Zoë"), "Zoë Ødegård-Ñúñez"),  # typed decomposed
    ("ñúñez", "Zoë Ødegård-Ñúñez"),
    ("مريم", "مريم الحسيني"),
    ("כהן", "נועה כהן"),
    ("🦄", "Ava 🦄 Smith\u200d-Jones"),
    ("STRASSE", "Jürgen Straße"),
    ("straße", "Jürgen Straße"),
    ("SIÂN O'BRIEN", "Siân O'Brien"),
])
def test_unicode_search_is_case_insensitive(session, text, expected):
    for serial, (first, last) in enumerate(UNICODE_NAMES, start=1):
        session.create_case(case_values(first, last, year=8, serial=serial))
    assert _names(session.list_cases(CaseFilter(text=text))) == [expected]


def test_decomposed_name_is_found_by_composed_search(session):
    first = unicodedata.normalize("NFD", "Zoë")
    session.create_case(case_values(first, "Ødegård", year=8))
    assert session.get_case(session.list_cases().rows[0].id).first_name == first  # kept as typed
    assert len(session.list_cases(CaseFilter(text="Zoë")).rows) == 1


# -- notes and documents -----------------------------------------------------------------------

def test_documents_round_trip_byte_exact(session):
    case = session.create_case(case_values("Ada", "Brown", year=8)).case
    contents = {
        "scan.pdf": bytes(range(256)) * 64 + b"\x00\x00\xff",
        "notes ü.txt": "Zoë — “quoted” text\r\n".encode("utf-16"),
        "empty.bin": b"",
    }
    for name, content in contents.items():
        changes = session.add_document(case.case_ref, f"../../{name}", content)
        assert "document" in changes.entities
    docs = session.get_case(case.id).documents
    assert sorted(d.filename for d in docs) == sorted(contents)
    for doc in docs:
        content = contents[doc.filename]
        assert doc.size == len(content) and doc.sha256 == hashlib.sha256(content).hexdigest()
        assert session.document(doc.id) == (doc.filename, content)
    assert "open_document" in [e["action"] for e in session.audit_entries()]
    with pytest.raises(NotFoundError):
        session.document("no-such-document")


def test_notes(session, clock):
    case = session.create_case(case_values("Ada", "Brown", year=8)).case
    session.add_note(case.case_ref, "  Met with Ada and her mum.  ")
    (note,) = session.get_case(case.id).notes
    assert (note.text, note.author, note.at) == ("Met with Ada and her mum.", "Test Clerk",
                                                 clock.now())


# -- locking ------------------------------------------------------------------------------

def test_lock_makes_further_calls_raise(session, tmp_path):
    case = session.create_case(case_values("Ada", "Brown", year=8)).case
    session.lock()
    assert session.locked
    calls = [
        lambda: session.list_cases(),
        lambda: session.get_case(case.case_ref),
        lambda: session.create_case(case_values("Ben", "Adams", year=8)),
        lambda: session.update_case(case.case_ref, {"risk": "red"}),
        lambda: session.add_note(case.case_ref, "text"),
        lambda: session.list_schools(),
        lambda: session.info(),
        lambda: session.backup(tmp_path / "b.panel"),
        lambda: session.new_recovery_key(),
        lambda: session.remember_on_this_computer(),
        lambda: session.doctor(),
    ]
    for call in calls:
        with pytest.raises(LockedError):
            call()
    session.lock()  # locking twice is harmless
    assert not (tmp_path / "b.panel").exists()
