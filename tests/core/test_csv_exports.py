"""CSV files the app writes open safely in a spreadsheet: text that Excel would run as a
formula (CSV injection) is written with a leading apostrophe; numbers stay numbers."""

from __future__ import annotations

import csv
import io

from panel_app.core.domain.spreadsheet import spreadsheet_cell, spreadsheet_row
from tests.core.util import case_values

EVIL_SCHOOL = "=HYPERLINK(\"http://evil.example\",\"Oakfield\")"
EVIL_USER = "=cmd|' /C calc'!A0"


def test_formula_cells_are_quoted_and_numbers_are_not():
    for text in ("=1+2", "+44 1234", "-Dash", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheet_cell(text) == "'" + text
    for value in ("Oakfield Academy", "", "'already quoted", -2, 0.5, None, 3):
        assert spreadsheet_cell(value) == value
    assert spreadsheet_row(["=1", 2, "x"]) == ["'=1", 2, "x"]


def test_report_csv_escapes_a_school_named_like_a_formula(session):
    session.add_school(EVIL_SCHOOL, urn="100009", roll=500, fsm_count=50, short_code="EVL")
    rows = list(csv.DictReader(io.StringIO(session.reports.csv_text("exclusions"))))
    schools = {r["school"] for r in rows}
    assert "'" + EVIL_SCHOOL in schools and EVIL_SCHOOL not in schools
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)
    assert all(r["roll"].lstrip("-").isdigit() for r in rows if r["roll"])


def test_audit_csv_escapes_a_person_named_like_a_formula(session, tmp_path):
    session.user_name = EVIL_USER
    ref = session.create_case(case_values("Ann", "Able", school="OAK")).case.case_ref
    out = tmp_path / "history.csv"
    session.privacy.export_audit(ref, out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    actors = {r["actor"] for r in rows}
    assert "'" + EVIL_USER in actors and EVIL_USER not in actors
    assert all(r["seq"].isdigit() for r in rows)
