"""Pure domain functions: UPN check letters, year groups and key stages, dates and ages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel_app.core.domain.dates import (
    academic_year_label,
    academic_year_start,
    age_on,
    format_uk,
    parse_date,
    uk_datetime,
)
from panel_app.core.domain.schoolyears import (
    expected_year_group,
    key_stage,
    parse_year_group,
    year_group_label,
)
from panel_app.core.domain.upn import (
    CHECK_LETTERS,
    check_letter,
    is_valid_upn,
    make_upn,
    normalise_upn,
    upn_problem,
)
from tests.core.util import assert_plain

# -- UPN ----------------------------------------------------------------------------------

# Check letters worked by hand from the DfE rule: sum of (weight x value) for characters
# 2-13 with weights 2..13, modulo 23, as an index into ABCDEFGHJKLMNPQRTUVWXYZ.
HAND_WORKED = [
    ("000000000000", "A"),  # sum 0
    ("000000000001", "P"),  # 13 x 1 = 13 -> P
    ("100000000000", "C"),  # 2 x 1 = 2 -> C
    ("201400112007", "V"),  # 4+4+20+8+9+20+91 = 156 = 6 x 23 + 18 -> V
    ("20140011200Z", "G"),  # temporary UPN: Z counts 22; 65 + 286 = 351 = 15 x 23 + 6 -> G
]


@pytest.mark.parametrize("body,letter", HAND_WORKED)
def test_check_letter_hand_worked(body, letter):
    assert check_letter(body) == letter
    assert is_valid_upn(letter + body)


@pytest.mark.parametrize("args,upn", [
    ((201, 4001, 2012, 7), "V201400112007"),
    ((0, 0, 0, 0), "A000000000000"),
    ((0, 0, 0, 1), "P000000000001"),
])
def test_make_upn_builds_known_good_upns(args, upn):
    assert make_upn(*args) == upn
    assert upn_problem(upn) is None


def test_upn_is_read_forgivingly():
    assert normalise_upn(" v2014 0011 2007 ") == "V201400112007"
    assert is_valid_upn("v201400112007")


@pytest.mark.parametrize("upn,word", [
    ("V20140011200", "13 characters"),
    ("V2014001120077", "13 characters"),
    ("I201400112007", "check letter"),  # I, O and S are never check letters
    ("O201400112007", "check letter"),
    ("S201400112007", "check letter"),
    ("1201400112007", "check letter"),
    ("V2014001120A7", "digits"),
    ("V20140011200" + "²", "last character"),
    ("V" + "２０１４００１１２００７", "digits"),  # full-width digits
    ("W201400112007", "check letter does not match"),
])
def test_upn_problems(upn, word):
    problem = upn_problem(upn)
    assert problem is not None and word in problem
    assert_plain(problem)


def test_check_letter_rejects_bad_bodies():
    with pytest.raises(ValueError):
        check_letter("12345")
    with pytest.raises(ValueError):
        check_letter("20140011200٧")  # an Arabic-Indic seven is not a UPN digit


_UPN_PARTS = (st.integers(0, 999), st.integers(0, 9999), st.integers(0, 99), st.integers(0, 999))


@given(*_UPN_PARTS)
def test_make_upn_always_validates(la, establishment, year, serial):
    upn = make_upn(la, establishment, year, serial)
    assert len(upn) == 13 and upn[0] in CHECK_LETTERS
    assert upn_problem(upn) is None


@given(*_UPN_PARTS, st.integers(1, 12), st.integers(1, 9))
def test_changing_any_one_digit_invalidates(la, establishment, year, serial, position, shift):
    upn = make_upn(la, establishment, year, serial)
    new_digit = str((int(upn[position]) + shift) % 10)
    typo = upn[:position] + new_digit + upn[position + 1:]
    assert typo != upn
    assert not is_valid_upn(typo)


@given(*_UPN_PARTS, st.sampled_from(CHECK_LETTERS))
def test_changing_the_check_letter_invalidates(la, establishment, year, serial, letter):
    upn = make_upn(la, establishment, year, serial)
    assert is_valid_upn(letter + upn[1:]) == (letter == upn[0])


# -- year groups and key stages -----------------------------------------------------------

@pytest.mark.parametrize("year,stage", [
    (0, "EYFS"), (1, "KS1"), (2, "KS1"), (3, "KS2"), (6, "KS2"), (7, "KS3"), (9, "KS3"),
    (10, "KS4"), (11, "KS4"), (12, "KS5"), (13, "KS5"),
])
def test_key_stage(year, stage):
    assert key_stage(year) == stage


@pytest.mark.parametrize("year", [-1, 14])
def test_key_stage_outside_school(year):
    with pytest.raises(ValueError):
        key_stage(year)


@pytest.mark.parametrize("text,year", [
    ("Reception", 0), ("R", 0), ("rec", 0), ("Y7", 7), ("y 7", 7), ("Year 10", 10),
    ("7", 7), (" Y13 ", 13), ("year1", 1),
])
def test_parse_year_group(text, year):
    assert parse_year_group(text) == year
    assert parse_year_group(year_group_label(year)) == year


@pytest.mark.parametrize("text", ["Y14", "14", "Y-1", "", "seven", "²", "٣", "Y7.5"])
def test_parse_year_group_rejects(text):
    with pytest.raises(ValueError) as caught:
        parse_year_group(text)
    assert "year group" in str(caught.value)


def test_year_group_labels():
    assert year_group_label(0) == "Reception"
    assert year_group_label(11) == "Y11"


@pytest.mark.parametrize("dob,on,year", [
    # Born either side of the 31 August / 1 September boundary: a school year apart.
    (date(2012, 8, 31), date(2026, 11, 22), 10),
    (date(2012, 9, 1), date(2026, 11, 22), 9),
    # The same child moves up on 1 September, not on their birthday or on 1 January.
    (date(2012, 8, 31), date(2026, 8, 31), 9),
    (date(2012, 8, 31), date(2026, 9, 1), 10),
    (date(2012, 9, 1), date(2027, 1, 1), 9),
    # Reception starts in the September after the fourth birthday.
    (date(2021, 9, 1), date(2026, 9, 1), 0),
    (date(2022, 8, 31), date(2026, 9, 1), 0),
    (date(2008, 9, 1), date(2026, 11, 22), 13),
])
def test_expected_year_group(dob, on, year):
    assert expected_year_group(dob, on) == year


# -- ages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dob,on,age", [
    (date(2010, 11, 22), date(2026, 11, 21), 15),
    (date(2010, 11, 22), date(2026, 11, 22), 16),  # on the birthday
    (date(2010, 11, 22), date(2026, 11, 23), 16),
    (date(2012, 2, 29), date(2013, 2, 28), 0),  # leap-day birthdays count from 1 March
    (date(2012, 2, 29), date(2013, 3, 1), 1),
    (date(2012, 2, 29), date(2016, 2, 28), 3),
    (date(2012, 2, 29), date(2016, 2, 29), 4),
    (date(2012, 12, 31), date(2013, 1, 1), 0),
])
def test_age_on(dob, on, age):
    assert age_on(dob, on) == age


# -- dates --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("22/11/2026", date(2026, 11, 22)),
    ("01/09/2014", date(2014, 9, 1)),
    (" 1/9/2014 ", date(2014, 9, 1)),
    ("2/3/12", date(2012, 3, 2)),
    ("2/3/98", date(1998, 3, 2)),
    ("22.11.2026", date(2026, 11, 22)),
    ("22-11-2026", date(2026, 11, 22)),
    ("29/02/2012", date(2012, 2, 29)),
    ("2026-11-22", date(2026, 11, 22)),
    ("2012-02-29", date(2012, 2, 29)),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2012", "29/02/2023", "32/01/2012", "00/01/2012", "13/13/2013", "2026-13-01",
    "2026/11/22", "22/11/202", "2026-1-5", "", "   ", "tomorrow", "22 November 2026",
    "11/22", "01/01/0000",
])
def test_parse_date_rejects(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert "date" in str(caught.value)
    assert_plain(str(caught.value))


def test_format_uk_and_school_years():
    assert format_uk(date(2026, 3, 4)) == "04/03/2026"
    assert format_uk(None) == ""
    assert parse_date(format_uk(date(2011, 12, 1))) == date(2011, 12, 1)
    assert academic_year_start(date(2026, 8, 31)) == 2025
    assert academic_year_start(date(2026, 9, 1)) == 2026
    assert academic_year_label(date(2026, 11, 22)) == "2026/27"
    assert academic_year_label(date(2099, 10, 1)) == "2099/00"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_uk_dates_round_trip(d):
    assert parse_date(format_uk(d)) == d
    assert parse_date(d.isoformat()) == d


def test_uk_datetime_is_local_time_as_people_write_it(london_time):
    assert uk_datetime("2026-06-01T08:30:00+00:00") == "01/06/2026 09:30"  # summer time
    assert uk_datetime("2026-11-22T09:30:00+00:00") == "22/11/2026 09:30"
    assert uk_datetime("2026-11-22T23:30:00-05:00") == "23/11/2026 04:30"
    assert uk_datetime("2026-06-01T08:30") == "01/06/2026 08:30"  # no zone: local already
    assert uk_datetime("") == "" and uk_datetime("soon") == "soon"
