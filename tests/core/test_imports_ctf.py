"""Common Transfer File imports: the invented sample (tests/data/ctf/sample.xml) imports to
the expected cases and records, keeps only what a case needs, re-imports without
duplicating, and hostile or broken XML (an entity bomb, an external entity, a truncated
file, XML that is not a CTF) is refused with a clear message, storing nothing."""

from __future__ import annotations

from datetime import date

import pytest

from panel_app.core.errors import PanelError, ValidationError
from panel_app.core.imports.ctf import parse_ctf
from tests.core.imports_util import DATA, stored
from tests.core.util import assert_plain

SAMPLE = DATA / "sample.xml"


def _by_upn(session):
    return {c.upn: c for c in (session.get_case(r.id) for r in session.list_cases().rows)}


def test_sample_ctf_imports_to_the_expected_cases(session):
    preview = session.imports.preview_ctf(SAMPLE)
    assert preview.school == "Oakfield Academy"  # the source school, matched by URN
    assert preview.counts["new"] == 3 and preview.ok
    assert preview.left_out == {"Address": 2, "Contacts": 1, "Phones": 1, "SchoolHistory": 1,
                                "StageAssessments": 1}
    assert any("Not imported" in n for n in preview.notes)
    assert any("older than 3 school years" in n for n in preview.notes)
    result = session.imports.apply(preview)
    assert (result.created, result.exclusions_added, result.attendance) == (3, 3, 3)
    cases = _by_upn(session)
    zoe, jakub, aoife = (cases["V823410014101"], cases["J823410014102"],
                         cases["Y823410014103"])
    assert (zoe.first_name, zoe.last_name, zoe.dob, zoe.gender, zoe.year_group) == (
        "Zoë", "Ashworth", date(2012, 12, 1), "F", 9)
    assert (zoe.sen_status, zoe.primary_need, zoe.fsm, zoe.pupil_premium, zoe.lac,
            zoe.eal) == ("SEN support", "SEMH", True, True, False, False)
    # case summary from the records: one suspension of 4 sessions, one upheld PX,
    # attendance of the latest year (100 possible, 8 missed)
    assert (zoe.suspensions, zoe.suspension_days, zoe.permanent_exclusions,
            zoe.attendance_pct) == (1, 2.0, 1, 92.0)
    assert (jakub.sen_status, jakub.fsm, jakub.pupil_premium, jakub.lac, jakub.eal) == (
        "none", False, True, True, True)  # FSM ended in 2024: Ever 6; Polish first language
    assert jakub.attendance_pct is None and jakub.suspensions == 0
    assert (aoife.sen_status, aoife.primary_need, aoife.year_group) == ("EHCP", "ASD", 7)
    x = session.exclusions
    zoe_ex = x.list_exclusions(pupil="V823410014101")
    assert [(e.kind, e.start_on, e.days, e.reason, e.status, e.decided_on, e.school, e.source)
            for e in zoe_ex] == [
        ("suspension", date(2026, 10, 5), 2.0, "PD", "", None, "Oakfield Academy", "ctf"),
        ("permanent", date(2026, 11, 10), None, "PA", "upheld", date(2026, 11, 18),
         "Oakfield Academy", "ctf")]
    aoife_ex = x.list_exclusions(pupil="Y823410014103")
    assert [(e.days, e.reason, e.school_id) for e in aoife_ex] == [(0.5, "VA", None)]
    att = x.list_attendance("V823410014101")
    assert [(a.academic_year, a.term, a.percent, a.sessions_attended, a.sessions_possible)
            for a in att] == [(2025, "", 90.0, 342, 380), (2026, "", 92.0, 92, 100)]
    assert [a.school_id for a in x.list_attendance("Y823410014103")] == [None]


def test_what_the_case_does_not_need_never_reaches_the_database(session):
    session.imports.import_ctf(SAMPLE)
    conn = session.db.conn
    dump = repr([conn.execute(f"SELECT * FROM {t}").fetchall() for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()])
    for secret in ("ZZ99 9ZZ", "Invented Street", "01632 960000", "Invented Parent",
                   "WBRI", "Invented Primary", "MAT"):
        assert secret not in dump, secret


def test_reimport_is_unchanged_then_updates(session, tmp_path):
    session.imports.import_ctf(SAMPLE)
    before = stored(session)
    again = session.imports.preview_ctf(SAMPLE)
    assert again.counts["unchanged"] == 3
    session.imports.apply(again)
    audit = ("audit_log", "sqlite_sequence")  # only the import itself is audited
    assert {k: v for k, v in stored(session).items() if k not in audit} == {
        k: v for k, v in before.items() if k not in audit}
    changed = SAMPLE.read_text(encoding="utf-8").replace(
        "<Status>Upheld</Status>", "<Status>Rescinded</Status>").replace(
        "<NCyearActual>10</NCyearActual>", "<NCyearActual>11</NCyearActual>")
    path = tmp_path / "changed.xml"
    path.write_text(changed, encoding="utf-8")
    preview = session.imports.preview_ctf(path)
    assert preview.counts["update"] == 2 and preview.counts["changed_exclusions"] == 1
    jakub = next(r for r in preview.rows if r.upn == "J823410014102")
    assert [(c.field, c.old, c.new) for c in jakub.changes] == [("year_group", "10", "11")]
    assert any(i.code == "year_group_mismatch" for i in jakub.issues)
    result = session.imports.apply(preview)
    assert (result.created, result.updated, result.exclusions_updated) == (0, 2, 1)
    cases = _by_upn(session)
    assert len(cases) == 3
    assert cases["V823410014101"].permanent_exclusions == 0  # rescinded: not counted
    assert cases["J823410014102"].year_group == 11


def refused(session, path, *words):
    before = stored(session)
    with pytest.raises(PanelError) as caught:
        session.imports.preview_ctf(path)
    message = str(caught.value)
    assert_plain(message)
    for word in words:
        assert word in message, message
    assert stored(session) == before
    return message


def test_entity_bomb_and_external_entity_are_refused(session):
    refused(session, DATA / "billion_laughs.xml", "refused for safety", "nothing was read")
    message = refused(session, DATA / "external_entity.xml", "refused for safety")
    assert "root:" not in message  # /etc/passwd was never read


def test_broken_or_foreign_xml_is_refused(session, tmp_path):
    refused(session, DATA / "truncated.xml", "not well-formed XML (line", "truncated")
    other = tmp_path / "feed.xml"
    other.write_text("<?xml version='1.0'?><rss><channel/></rss>")
    refused(session, other, "not a Common Transfer File", "'rss'")
    half = tmp_path / "half.xml"
    half.write_text("<CTfile><Header/></CTfile>")
    refused(session, half, "not a complete Common Transfer File")
    csv = tmp_path / "pupils.csv"
    csv.write_text("UPN,Surname\n")
    refused(session, csv, "not a Common Transfer File (.xml)")
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    refused(session, big, "50 MB", "limit")


def test_a_ctf_from_outside_the_partnership_needs_the_school(session, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace("<URN>100001</URN>\n      <SchoolName>"
                                                      "Oakfield Academy</SchoolName>\n      "
                                                      "<AcademicYear>",
                                                      "<URN>999999</URN>\n      <SchoolName>"
                                                      "Elsewhere</SchoolName>\n      "
                                                      "<AcademicYear>")
    path = tmp_path / "elsewhere.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        session.imports.preview_ctf(path)
    assert "Elsewhere" in str(caught.value) and "--school" in str(caught.value)
    preview = session.imports.preview_ctf(path, school="RIV")
    assert preview.school == "Riverside School" and preview.counts["new"] == 3


def test_pupil_problems_are_row_errors(session, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace("<UPN>J823410014102</UPN>",
                                                      "<UPN>J823410014109</UPN>").replace(
        "<DOB>2015-03-02</DOB>", "<DOB>2015-02-30</DOB>")
    path = tmp_path / "errors.xml"
    path.write_text(text, encoding="utf-8")
    preview = session.imports.preview_ctf(path)
    assert [r.action for r in preview.rows] == ["new", "error", "error"]
    assert preview.rows[1].errors[0].code == "invalid_upn"
    assert preview.rows[2].errors[0].code == "invalid_date"


def test_parse_reads_nothing_it_does_not_need():
    parsed = parse_ctf(SAMPLE.read_bytes(), date(2026, 11, 22))
    assert parsed.version == "23.0" and parsed.source.urn == "100001"
    assert set(parsed.pupils[0].values) == {"upn", "last_name", "first_name", "dob", "gender",
                                            "year_group", "lac", "eal", "sen_status",
                                            "primary_need", "fsm", "pupil_premium"}
    assert parsed.older_records == 1  # the 2022 attendance year
