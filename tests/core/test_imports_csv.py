"""MIS CSV imports: a generated export imports to the expected cases, a re-import updates
instead of duplicating, the preview shows per-row errors before anything is stored, and
malformed files (wrong encoding, missing columns, not a CSV, too large) are refused with
a clear message and store nothing."""

from __future__ import annotations

import codecs
import json
from datetime import date

import pytest

from panel_app.core.errors import PanelError, ValidationError
from panel_app.core.imports import mis_csv
from panel_app.core.imports.files import ImportFileError
from tests.core.imports_util import (
    SIMS_HEADERS,
    generated_export,
    pupil_row,
    stored,
    upn,
    write_csv,
)
from tests.core.util import assert_plain, dob_for_year


def _cases_by_upn(session):
    out = {}
    for row in session.list_cases().rows:
        case = session.get_case(row.id)
        out[case.upn] = case
    return out


def test_generated_export_imports_to_the_expected_cases(session, tmp_path):
    path, expected = generated_export(tmp_path / "sims.csv", 40)
    preview = session.imports.preview_csv(path, school="Oakfield Academy")
    assert preview.mapping == {
        "UPN": "upn", "Legal Surname": "last_name", "Legal Forename": "first_name",
        "DOB": "dob", "NC Year": "year_group", "Gender": "gender",
        "SEN Provision": "sen_status", "FSM Eligible": "fsm",
        "Pupil Premium Indicator": "pupil_premium", "EAL": "eal", "In LA Care": "lac",
        "Attendance %": "attendance_pct"}
    assert preview.unmapped == ["Reg Group"]
    assert preview.counts["new"] == 40 and preview.ok
    assert preview.attendance_term == (2026, "autumn")
    result = session.imports.apply(preview)
    assert (result.created, result.updated, result.skipped) == (40, 0, 0)
    cases = _cases_by_upn(session)
    assert len(cases) == 40
    oak = session.find_school("OAK").id
    for want in expected:
        case = cases[want["upn"]]
        for name, value in want.items():
            assert getattr(case, name) == value, (want["upn"], name)
        assert case.home_school_id == oak and case.status == "open"
        assert case.opened_on == date(2026, 11, 22)
    first = session.exclusions.list_attendance(expected[0]["upn"])
    assert [(a.academic_year, a.term, a.percent, a.source) for a in first] == [
        (2026, "autumn", 80.5, "csv")]


def test_reimport_updates_matched_pupils_instead_of_duplicating(session, tmp_path):
    path, _ = generated_export(tmp_path / "sims.csv", 12)
    session.imports.import_csv(path, school="OAK")
    changes_before = session.repo.change_mark()
    again = session.imports.preview_csv(path, school="OAK")
    assert again.counts["unchanged"] == 12 and again.counts["new"] == 0
    assert session.imports.apply(again).unchanged == 12
    assert session.repo.change_mark() == changes_before  # nothing written
    # the next export: one pupil moved up a year group and became FSM, one new pupil
    rows = [pupil_row(100 + i, f"Pupil{i:03d}", ["Ashworth", "Begum", "Nowak", "O'Neill"][i % 4],
                      7 + i % 5, **{"SEN Provision": ["N", "K", "E", "N"][i % 4],
                                    "FSM Eligible": "Y" if i % 3 == 0 else "N",
                                    "Pupil Premium Indicator": "Yes" if i % 3 == 0 else "No",
                                    "EAL": "T" if i % 5 == 0 else "F",
                                    "In LA Care": "1" if i == 7 else "0",
                                    "Attendance %": f"{80 + i % 20}.5"})
            for i in range(12)]
    rows[1][SIMS_HEADERS.index("FSM Eligible")] = "Y"
    rows[1][SIMS_HEADERS.index("Attendance %")] = "61"
    rows.append(pupil_row(500, "Newcomer", "Shaw", 8))
    write_csv(path, SIMS_HEADERS, rows)
    preview = session.imports.preview_csv(path, school="OAK")
    assert preview.counts == {**preview.counts, "new": 1, "update": 1, "unchanged": 11}
    changed = next(r for r in preview.rows if r.action == "update")
    assert {(c.field, c.old, c.new) for c in changed.changes} == {
        ("fsm", "no", "yes"), ("attendance_pct", "81.5", "61")}
    result = session.imports.apply(preview)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 11)
    cases = _cases_by_upn(session)
    assert len(cases) == 13  # not duplicated
    pupil = cases[upn(101)]
    assert pupil.fsm is True and pupil.attendance_pct == 61.0
    logged = session.changes_since(changes_before)
    fields = {(c["entity"], c["field"]) for c in logged if c["entity_id"] == pupil.pupil_id}
    assert ("pupil", "fsm") in fields  # the change went through the change log
    audit = session.db.conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'import' ORDER BY seq DESC").fetchone()
    assert json.loads(audit[0]) == {"format": "csv", "rows": 13, "created": 1, "updated": 1,
                                    "unchanged": 11, "skipped": 0, "exclusions_added": 0,
                                    "exclusions_updated": 0, "attendance": 2}


def test_preview_shows_row_errors_and_stores_nothing(session, tmp_path):
    rows = [pupil_row(1, "Good", "Row", 9),
            pupil_row(2, "Bad", "Upn", 9, UPN="A12345678901X"),
            pupil_row(3, "Bad", "Date", 9, DOB="31/02/2012"),
            pupil_row(4, "Bad", "Year", 9, **{"NC Year": "N2"}),
            pupil_row(5, "Bad", "Sen", 9, **{"SEN Provision": "Q"}),
            pupil_row(1, "Twice", "Row", 9)]
    path = write_csv(tmp_path / "errors.csv", SIMS_HEADERS, rows)
    before = stored(session)
    preview = session.imports.preview_csv(path, school="OAK")
    assert stored(session) == before  # a preview only reads
    by_line = {r.line: r for r in preview.rows}
    assert by_line[2].action == "new" and not by_line[2].issues
    assert [i.code for i in by_line[3].errors] == ["invalid_upn"]
    assert "check letter" in by_line[3].errors[0].message
    assert [i.code for i in by_line[4].errors] == ["invalid_date"]
    assert "not a real date" in by_line[4].errors[0].message
    assert [i.code for i in by_line[5].errors] == ["unknown_year_group"]
    assert [i.code for i in by_line[6].errors] == ["invalid_value"]
    assert [i.code for i in by_line[7].errors] == ["duplicate_upn"]
    assert "line 2" in by_line[7].errors[0].message
    with pytest.raises(ValidationError) as refused:
        session.imports.apply(preview)
    assert "5 row(s) have errors (line 3" in str(refused.value)
    assert_plain(str(refused.value))
    assert stored(session) == before
    result = session.imports.apply(preview, skip_invalid=True)
    assert (result.created, result.skipped) == (1, 5)


def test_headers_of_other_systems_and_uk_dates(session, tmp_path):
    headers = ["Unique Pupil Number", "First Name", "Last Name", "Date of Birth",
               "Year Group", "Sex", "SEN Status", "Free School Meals", "PP", "EAL Status",
               "CLA", "% Attendance"]
    row = [upn(9), "Zoë", "Ashworth", dob_for_year(10).strftime("%d/%m/%Y") + " 00:00",
           "Year 10", "Female", "EHC Plan", "Yes", "TRUE", "no", "No", "93.4%"]
    path = write_csv(tmp_path / "arbor.csv", headers, [row], delimiter=";")
    preview = session.imports.preview_csv(path, school="Riverside School")
    assert set(preview.mapping.values()) == {"upn", "first_name", "last_name", "dob",
                                             "year_group", "gender", "sen_status", "fsm",
                                             "pupil_premium", "eal", "lac", "attendance_pct"}
    session.imports.apply(preview)
    case = _cases_by_upn(session)[upn(9)]
    assert (case.first_name, case.year_group, case.gender, case.sen_status, case.fsm,
            case.pupil_premium, case.attendance_pct) == ("Zoë", 10, "F", "EHCP", True, True,
                                                         93.4)
    assert case.dob == dob_for_year(10)


def test_column_mapping_is_chosen_then_remembered_per_school(session, tmp_path):
    headers = ["Pupil ID", "Given", "Family", "Born", "Form Year", "Notes"]
    row = [upn(20), "Kit", "Marlowe", dob_for_year(8).strftime("%d/%m/%Y"), "8", "note"]
    path = write_csv(tmp_path / "odd.csv", headers, [row])
    with pytest.raises(ValidationError) as missing:
        session.imports.preview_csv(path, school="OAK")
    message = str(missing.value)
    assert "no column for UPN, First name, Last name, Date of birth, Year group" in message
    assert "Pupil ID" in message and "--map" in message
    mapping = {"Pupil ID": "upn", "Given": "first_name", "Family": "last_name",
               "Born": "dob", "form year": "year_group", "Notes": "ignore"}
    preview = session.imports.preview_csv(path, school="OAK", mapping=mapping)
    assert preview.mapping_origin["Pupil ID"] == "given"
    assert preview.unmapped == ["Notes"]
    assert session.imports.apply(preview).mapping_saved
    assert session.imports.remembered_mapping("OAK")["Born"] == "dob"
    # next time, for this school only, the mapping is remembered
    again = session.imports.preview_csv(path, school="OAK")
    assert again.mapping_origin["Born"] == "remembered" and again.counts["unchanged"] == 1
    with pytest.raises(ValidationError):
        session.imports.preview_csv(path, school="RIV")
    assert session.imports.forget_mapping("OAK")
    assert session.imports.remembered_mapping("OAK") == {}


def test_mapping_mistakes_are_refused(session, tmp_path):
    path, _ = generated_export(tmp_path / "sims.csv", 2)
    cases = [({"No Such Column": "upn"}, "has no column 'No Such Column'"),
             ({"Reg Group": "favourite_colour"}, "is not a field"),
             ({"Reg Group": "upn", "UPN": "upn"}, "are both mapped to UPN")]
    for given, text in cases:
        with pytest.raises(ValidationError) as refused:
            session.imports.preview_csv(path, school="OAK", mapping=given)
        assert text in str(refused.value)
    with pytest.raises(ValidationError) as no_school:
        session.imports.preview_csv(path)
    assert "--school" in str(no_school.value)
    options, issues = mis_csv.parse_map_options(["Legal Forename=first_name", "broken"])
    assert options == {"Legal Forename": "first_name"} and issues[0].code == "invalid_map"


def test_school_column_names_each_pupils_school(session, tmp_path):
    headers = [*SIMS_HEADERS, "School"]
    rows = [[*pupil_row(30, "Ann", "Oak", 9), "OAK"], [*pupil_row(31, "Rob", "Riv", 9), "100002"],
            [*pupil_row(32, "No", "Where", 9), "Hogwarts"]]
    path = write_csv(tmp_path / "la.csv", headers, rows)
    preview = session.imports.preview_csv(path)
    assert [r.action for r in preview.rows] == ["new", "new", "error"]
    assert "not a school in this partnership" in preview.rows[2].errors[0].message
    session.imports.apply(preview, skip_invalid=True)
    cases = _cases_by_upn(session)
    assert cases[upn(31)].home_school_name == "Riverside School"


# -- encodings and malformed files -------------------------------------------------------------


def test_utf8_with_bom_and_windows_1252_with_a_note(session, tmp_path):
    rows = [pupil_row(40, "Zoë", "Brontë", 9)]
    bom = write_csv(tmp_path / "bom.csv", SIMS_HEADERS, rows, encoding="utf-8-sig")
    preview = session.imports.preview_csv(bom, school="OAK")
    assert preview.encoding == "utf-8-sig" and preview.mapping["UPN"] == "upn"
    assert preview.rows[0].name == "Zoë Brontë" and not preview.notes
    old = write_csv(tmp_path / "cp1252.csv", SIMS_HEADERS, rows, encoding="cp1252")
    preview = session.imports.preview_csv(old, school="OAK")
    assert preview.encoding == "cp1252" and preview.rows[0].name == "Zoë Brontë"
    assert "Windows-1252" in preview.notes[0]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(codecs.BOM_UTF16_LE + bom.read_text("utf-8-sig").encode("utf-16-le"))
    assert session.imports.preview_csv(utf16, school="OAK").rows[0].name == "Zoë Brontë"


def refused(session, call, *words):
    before = stored(session)
    with pytest.raises(PanelError) as caught:
        call()
    message = str(caught.value)
    assert_plain(message)
    for word in words:
        assert word in message, message
    assert stored(session) == before
    return message


def test_malformed_files_are_refused_and_store_nothing(session, tmp_path):
    imp = session.imports
    good = write_csv(tmp_path / "good.csv", SIMS_HEADERS, [pupil_row(50, "A", "B", 9)])
    # wrong encoding: bytes that are neither UTF-8 nor Windows-1252
    bad = tmp_path / "bad.csv"
    bad.write_bytes(good.read_bytes() + b"\x81\x8d\x8f\x90\x9d\n")
    refused(session, lambda: imp.preview_csv(bad, school="OAK"), "UTF-8", "CSV UTF-8")
    # UTF-16 without a byte-order mark reads as text with NUL bytes: not a CSV
    nul = tmp_path / "nul.csv"
    nul.write_bytes(good.read_text().encode("utf-16-le"))
    refused(session, lambda: imp.preview_csv(nul, school="OAK"), "not a CSV")
    # missing required columns
    short = write_csv(tmp_path / "short.csv", ["UPN", "Forename"], [[upn(51), "A"]])
    refused(session, lambda: imp.preview_csv(short, school="OAK"),
            "no column for Last name, Date of birth, Year group")
    # an Excel workbook renamed .csv, a PDF, the wrong extension, an empty file, a folder
    xlsx = tmp_path / "export.csv"
    xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    refused(session, lambda: imp.preview_csv(xlsx, school="OAK"), "Excel workbook")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    refused(session, lambda: imp.preview_csv(pdf, school="OAK"), "a PDF")
    xls = tmp_path / "export.xlsx"
    xls.write_text(good.read_text())
    refused(session, lambda: imp.preview_csv(xls, school="OAK"), "not a CSV file")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\r\n\r\n")
    refused(session, lambda: imp.preview_csv(empty, school="OAK"), "empty")
    refused(session, lambda: imp.preview_csv(tmp_path, school="OAK"), "folder")
    refused(session, lambda: imp.preview_csv(tmp_path / "none.csv", school="OAK"),
            "There is no file")
    assert imp.preview_csv(good, school="OAK").ok  # the good file itself is fine


def test_a_50_mb_file_is_refused_from_its_size(session, tmp_path):
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # sparse: written in no time, never read
        handle.write(",".join(SIMS_HEADERS).encode() + b"\r\n")
        handle.truncate(50 * 1024 * 1024)
    message = refused(session, lambda: session.imports.preview_csv(big, school="OAK"),
                      "50 MB", "20 MB limit")
    assert "one year group at a time" in message
    with pytest.raises(ImportFileError):  # bytes handed over (as the GUI may) likewise
        session.imports.preview_csv(data=b"x" * (21 * 1024 * 1024), name="big.csv",
                                    school="OAK")


def test_exclusions_csv_adds_records_once(session, tmp_path):
    session.imports.import_csv(
        write_csv(tmp_path / "p.csv", SIMS_HEADERS,
                  [pupil_row(60, "Ann", "Lee", 9), pupil_row(61, "Bob", "Ray", 10)]),
        school="OAK")
    headers = ["UPN", "Surname", "Exclusion Type", "Start Date", "Sessions", "Reason",
               "Outcome"]
    rows = [[upn(60), "Lee", "Fixed Period", "05/10/2026", "4", "PD", ""],
            [upn(60), "Lee", "Lunchtime", "12/10/2026", "", "Verbal abuse adult", ""],
            [upn(61), "Ray", "Permanent", "02/11/2026", "", "PA", "Pending"],
            [upn(61), "Ray", "Fixed Period", "02/11/2026", "4", "Kicked a door", ""],
            [upn(62), "Who", "Fixed Period", "02/11/2026", "2", "PD", ""],
            [upn(60), "Lee", "Fixed Period", "05/10/2026", "4", "PD", ""]]
    path = write_csv(tmp_path / "excl.csv", headers, rows)
    preview = session.imports.preview_csv(path, school="OAK")
    assert preview.kind == "exclusions"
    assert preview.mapping["Sessions"] == "sessions" and "Surname" not in preview.mapping
    assert [r.action for r in preview.rows] == ["new", "new", "new", "new", "error",
                                                "unchanged"]
    assert "import the pupils first" in preview.rows[4].errors[0].message
    assert any(i.code == "reason_not_recognised" for i in preview.rows[3].issues)
    result = session.imports.apply(preview, skip_invalid=True)
    assert (result.exclusions_added, result.skipped) == (4, 1)
    held = session.exclusions.list_exclusions(pupil=upn(60))
    assert [(e.kind, e.start_on.isoformat(), e.days, e.reason) for e in held] == [
        ("suspension", "2026-10-05", 2.0, "PD"), ("suspension", "2026-10-12", 0.5, "VA")]
    case = _cases_by_upn(session)[upn(60)]
    assert (case.suspensions, case.suspension_days) == (2, 2.5)
    ray = _cases_by_upn(session)[upn(61)]
    assert (ray.permanent_exclusions, ray.suspensions) == (1, 1)
    # the PX is later upheld: re-importing updates it rather than adding another
    rows[2][6] = "Upheld"
    write_csv(path, headers, rows)
    again = session.imports.preview_csv(path, school="OAK")
    assert again.counts["changed_exclusions"] == 1 and again.counts["new_exclusions"] == 0
    session.imports.apply(again, skip_invalid=True)
    px = [e for e in session.exclusions.list_exclusions(pupil=upn(61))
          if e.kind == "permanent"]
    assert [e.status for e in px] == ["upheld"]


def test_detect_kind_and_header_names():
    assert mis_csv.detect_kind(SIMS_HEADERS) == "pupils"
    assert mis_csv.detect_kind(["UPN", "Category", "Start Date", "Days"]) == "exclusions"
    assert mis_csv.recognise("Attendance %", "pupils") == ("attendance_pct", 0)
    assert mis_csv.recognise(" Legal  Forename ", "pupils") == ("first_name", 0)
    assert mis_csv.parse_mis_year("NC 07") == 7 and mis_csv.parse_mis_year("R") == 0
    assert mis_csv.parse_mis_date("12-Sep-2012") == date(2012, 9, 12)
    assert mis_csv.parse_mis_date("2012-09-12T00:00:00") == date(2012, 9, 12)
    assert mis_csv.parse_sen("S") == "EHCP" and mis_csv.parse_sen("K") == "SEN support"
    table = mis_csv.read_table("Student list\nPrinted 01/09/2026\n\nUPN,Forename,Surname,DOB\n"
                               "X,Ann,Lee,01/01/2012\n")
    assert table.headers == ["UPN", "Forename", "Surname", "DOB"] and table.skipped_lines == 2
    assert table.rows == [(5, ["X", "Ann", "Lee", "01/01/2012"])]


def test_preview_to_dict_is_json(session, tmp_path):
    path, _ = generated_export(tmp_path / "sims.csv", 3)
    d = session.imports.preview_csv(path, school="OAK").to_dict()
    json.dumps(d)
    assert d["counts"]["new"] == 3 and d["mapping"][0] == {
        "column": "UPN", "field": "upn", "origin": "recognised"}
    assert d["attendance_term"]["label"] == "autumn 2026/27"


def test_the_delimiter_is_told_from_the_header_row():
    text = "UPN\tSurname\tForename\tDOB\nX\tSmith, Jr\tAnn\t01/01/2012\n"
    table = mis_csv.read_table(text)
    assert table.delimiter == "\t" and table.rows[0][1][1] == "Smith, Jr"
    semicolons = mis_csv.read_table("UPN;Surname;Forename\nX;Lee;Ann, Marie\n")
    assert semicolons.rows[0][1] == ["X", "Lee", "Ann, Marie"]


def test_apply_reports_progress(session, tmp_path):
    path, _ = generated_export(tmp_path / "sims.csv", 150)
    calls = []
    session.imports.apply(session.imports.preview_csv(path, school="OAK"),
                          progress=lambda done, total, text: calls.append((done, total)))
    assert calls == [(0, 150), (100, 150), (150, 150)]
