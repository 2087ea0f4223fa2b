"""Case input validation through the facade: a refused case stores nothing, and each
message is a plain sentence that names the field."""

from __future__ import annotations

import pytest

from panel_app.core.domain.upn import make_upn
from panel_app.core.errors import ValidationError
from tests.core.util import assert_plain, case_values

GOOD_UPN = make_upn(823, 4100, 2014, 7)
WRONG_CHECK_LETTER = ("B" if GOOD_UPN[0] != "B" else "C") + GOOD_UPN[1:]

# (overrides, field, a word of the field's name that the message must contain)
INVALID = {
    "upn_check_letter": ({"upn": WRONG_CHECK_LETTER}, "upn", "UPN"),
    "upn_too_short": ({"upn": GOOD_UPN[:-1]}, "upn", "UPN"),
    "upn_too_long": ({"upn": GOOD_UPN + "1"}, "upn", "UPN"),
    "upn_superscript_digit": ({"upn": GOOD_UPN[:5] + "²" + GOOD_UPN[6:]}, "upn", "UPN"),
    "dob_in_future": ({"dob": "01/01/2027"}, "dob", "Date of birth"),
    "dob_impossible": ({"dob": "31/02/2012"}, "dob", "Date of birth"),
    "dob_not_a_date": ({"dob": "last spring"}, "dob", "Date of birth"),
    "dob_missing": ({"dob": ""}, "dob", "Date of birth"),
    "unknown_school": ({"home_school_id": "Nowhere High"}, "home_school_id", "school"),
    "first_name_empty": ({"first_name": ""}, "first_name", "First name"),
    "first_name_blank": ({"first_name": "   "}, "first_name", "First name"),
    "last_name_empty": ({"last_name": ""}, "last_name", "Last name"),
    "year_group_out_of_range": ({"year_group": 42}, "year_group", "Year group"),
    "year_group_text": ({"year_group": "Y14"}, "year_group", "year group"),
    "attendance_nan": ({"attendance_pct": "nan"}, "attendance_pct", "Attendance"),
    "attendance_over_100": ({"attendance_pct": "101"}, "attendance_pct", "Attendance"),
    "suspension_days_inf": ({"suspension_days": "inf"}, "suspension_days", "Suspension days"),
    "risk_unknown": ({"risk": "purple"}, "risk", "Risk"),
    "unknown_field": ({"shoe_size": "5"}, "shoe_size", "shoe_size"),
}


def _counts(session) -> tuple[int, int, int]:
    c = session.info()["counts"]
    return c["pupils"], c["cases"], c["changes"]


@pytest.mark.parametrize("case", list(INVALID), ids=list(INVALID))
def test_invalid_case_is_refused_and_stores_nothing(session, case):
    overrides, field, word = INVALID[case]
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        session.create_case(case_values("Ada", "Brown", year=8, **overrides))
    issues = [i for i in caught.value.issues if i.severity == "error"]
    assert [i.field for i in issues] == [field]
    assert word in issues[0].message
    assert_plain(issues[0].message)
    assert_plain(str(caught.value))
    assert _counts(session) == before


def test_the_valid_control_case_is_saved(session):
    """The base values used above are valid, so each refusal is due to its override."""
    saved = session.create_case(case_values("Ada", "Brown", year=8))
    assert saved.warnings == []
    assert _counts(session)[:2] == (1, 1)


@pytest.mark.parametrize("case", ["upn_check_letter", "dob_impossible", "year_group_out_of_range"])
def test_invalid_update_changes_nothing(session, case):
    saved = session.create_case(case_values("Ada", "Brown", year=8))
    before = (_counts(session), session.get_case(saved.case.id))
    overrides, field, _ = INVALID[case]
    with pytest.raises(ValidationError) as caught:
        session.update_case(saved.case.case_ref, overrides)
    assert [i.field for i in caught.value.issues if i.severity == "error"] == [field]
    assert (_counts(session), session.get_case(saved.case.id)) == before


def test_year_group_not_matching_dob_is_a_warning_and_saves(session):
    values = case_values("Ada", "Brown", year=8)
    values["year_group"] = "Y7"
    saved = session.create_case(values)
    assert [(w.code, w.severity, w.field) for w in saved.warnings] == [
        ("year_group_mismatch", "warning", "year_group")]
    assert "Y8" in saved.warnings[0].message and "Y7" in saved.warnings[0].message
    assert_plain(saved.warnings[0].message)
    assert saved.case.year_group == 7
    assert session.list_cases().total == 1


def test_check_case_input_reports_without_saving(session):
    typed, issues = session.check_case_input(case_values("Ada", "", year=8, upn="123"))
    assert {i.field for i in issues} == {"last_name", "upn"}
    assert typed["first_name"] == "Ada"
    assert _counts(session)[:2] == (0, 0)


def test_several_problems_are_reported_together(session):
    with pytest.raises(ValidationError) as caught:
        session.create_case(case_values("", "", year=8, dob="31/02/2012", upn="X1"))
    fields = {i.field for i in caught.value.issues if i.severity == "error"}
    assert fields == {"first_name", "last_name", "dob", "upn"}


def test_school_can_be_given_by_name_code_or_urn(session):
    for i, school in enumerate(["Riverside School", "riv", "100002"], start=1):
        saved = session.create_case(case_values("Ada", f"Brown{i}", year=8, school=school,
                                                serial=i))
        assert saved.case.home_school_name == "Riverside School"
