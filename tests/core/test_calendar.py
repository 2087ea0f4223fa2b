"""The school calendar: term dates, the England default pattern, CSV import, and
school-week arithmetic (property tests with hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel_app.core.domain.calendar import (
    SchoolCalendar,
    Term,
    check_terms,
    easter_sunday,
    england_default_terms,
    parse_terms_csv,
    parse_year_label,
    terms_to_csv,
)
from panel_app.core.errors import ValidationError
from tests.core.ladder_util import state
from tests.core.util import assert_plain

DAY = timedelta(days=1)


def _custom_calendar() -> SchoolCalendar:
    """Entered dates for two years (a six-term year and a year with closures), default
    for the rest: the properties must hold on both kinds of year."""
    six = [
        Term("term 1", date(2027, 9, 1), date(2027, 10, 22)),
        Term("term 2", date(2027, 11, 1), date(2027, 12, 17)),
        Term("term 3", date(2028, 1, 4), date(2028, 2, 11)),
        Term("term 4", date(2028, 2, 21), date(2028, 3, 31)),
        Term("term 5", date(2028, 4, 18), date(2028, 5, 26)),
        Term("term 6", date(2028, 6, 5), date(2028, 7, 21)),
    ]
    autumn, spring, summer = england_default_terms(2026)
    closures = [
        replace(autumn, closures=(autumn.start, date(2026, 11, 20))),
        spring,
        replace(summer, closures=(*summer.closures, date(2027, 6, 25))),
    ]
    return SchoolCalendar([*six, *closures])


CALENDARS = [SchoolCalendar(), _custom_calendar()]
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
near_dates = st.dates(min_value=date(2025, 6, 1), max_value=date(2029, 9, 30))
calendars = st.sampled_from(CALENDARS)


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(cal=calendars, d=dates, n=st.integers(min_value=0, max_value=200))
def test_adding_school_weeks_is_inverted_by_counting_them(cal, d, n):
    later = cal.add_school_weeks(d, n)
    assert cal.school_weeks_between(d, later) == n
    assert cal.full_school_weeks_between(d, later) == n
    assert cal.school_days_between(d, later) == 5 * n
    if n:
        assert cal.is_school_day(later) and later > d


@settings(max_examples=150, deadline=None)
@given(cal=calendars, d=dates, n=st.integers(min_value=0, max_value=1000))
def test_adding_and_subtracting_school_days_invert_counting(cal, d, n):
    assert cal.school_days_between(d, cal.add_school_days(d, n)) == n
    earlier = cal.subtract_school_days(d, n)
    assert cal.school_days_between(earlier, d) == n
    assert cal.is_school_day(earlier) and earlier <= d
    # going back then forward lands on the last school day on or before d
    assert cal.add_school_days(earlier, n) == cal.subtract_school_days(d, 0)


@settings(max_examples=100, deadline=None)
@given(cal=calendars, a=near_dates, span=st.integers(min_value=0, max_value=500))
def test_holidays_weekends_and_closures_are_never_counted(cal, a, span):
    b = a + timedelta(days=span)
    counted = 0
    day = a + DAY
    while day <= b:
        term = cal.term_on(day)
        school = (
            term is not None
            and day.weekday() < 5
            and not term.in_half_term(day)
            and day not in term.closures
        )
        assert cal.is_school_day(day) == school
        counted += school
        day += DAY
    assert cal.school_days_between(a, b) == counted


@settings(max_examples=150, deadline=None)
@given(
    cal=calendars,
    ds=st.lists(dates, min_size=3, max_size=3),
    n=st.integers(min_value=0, max_value=60),
)
def test_counts_are_monotonic_and_additive(cal, ds, n):
    a, b, c = sorted(ds)
    ab, bc, ac = (
        cal.school_days_between(a, b),
        cal.school_days_between(b, c),
        cal.school_days_between(a, c),
    )
    assert 0 <= ab <= ac and ab + bc == ac
    assert cal.school_days_between(c, a) == -ac
    assert cal.terms_between(a, b) <= cal.terms_between(a, c) + 1e-9
    assert cal.half_terms_between(a, b) <= cal.half_terms_between(a, c) + 1e-9
    # later start, later (or same) result
    assert cal.add_school_weeks(a, n) <= cal.add_school_weeks(b, n)
    assert cal.add_school_weeks(a, n) <= cal.add_school_weeks(a, n + 1)


@settings(max_examples=60, deadline=None)
@given(
    cal=calendars,
    year=st.integers(min_value=2001, max_value=2058),
    back=st.integers(min_value=1, max_value=15),
    forward=st.integers(min_value=1, max_value=15),
)
def test_correct_across_school_year_boundaries(cal, year, back, forward):
    summer = cal.terms_for_year(year)[-1]
    autumn = cal.terms_for_year(year + 1)[0]
    start = cal.subtract_school_days(summer.end, back - 1)  # ``back`` days before the break
    later = cal.add_school_days(start, back - 1 + forward)
    assert cal.term_on(later) == autumn
    assert later == cal.add_school_days(autumn.start - DAY, forward)
    assert cal.school_days_between(summer.end, autumn.start - DAY) == 0  # the holiday
    assert cal.school_days_between(start, later) == back - 1 + forward


@pytest.mark.parametrize("cal", CALENDARS)
@pytest.mark.parametrize("year", [2024, 2026, 2027, 2038])
def test_a_whole_year_is_its_terms_and_half_terms(cal, year):
    terms = cal.terms_for_year(year)
    before, last = terms[0].start - DAY, terms[-1].end
    assert cal.terms_between(before, last) == pytest.approx(len(terms))
    assert cal.half_terms_between(before, last) == pytest.approx(2 * len(terms))
    one = terms[0]
    assert cal.terms_between(one.start - DAY, one.end) == pytest.approx(1.0)
    if one.half_term_start:
        assert cal.half_terms_between(one.start - DAY, one.half_term_start) == pytest.approx(1)


# -- concrete dates --------------------------------------------------------------------------


def test_easter_dates():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027, 2038)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2038, 4, 25),
    ]


def test_england_default_pattern_2026_27():
    autumn, spring, summer = england_default_terms(2026)
    assert (autumn.start, autumn.end) == (date(2026, 9, 3), date(2026, 12, 18))
    assert (autumn.half_term_start, autumn.half_term_end) == (
        date(2026, 10, 26),
        date(2026, 10, 30),
    )
    assert (spring.start, spring.end) == (date(2027, 1, 5), date(2027, 3, 19))
    assert (summer.start, summer.end) == (date(2027, 4, 5), date(2027, 7, 22))
    assert summer.closures == (date(2027, 5, 3),)  # early May bank holiday
    assert (summer.half_term_start, summer.half_term_end) == (date(2027, 5, 31), date(2027, 6, 4))
    assert not check_terms([autumn, spring, summer])


def test_six_calendar_weeks_over_easter_are_four_school_weeks():
    cal = SchoolCalendar()
    start = date(2026, 3, 3)
    assert cal.full_school_weeks_between(start, date(2026, 4, 14)) == 4
    assert cal.add_school_weeks(start, 6) == date(2026, 4, 28)


def test_a_week_with_a_closure_takes_six_weekdays():
    autumn, spring, summer = england_default_terms(2026)
    cal = SchoolCalendar([replace(autumn, closures=(date(2026, 11, 20),)), spring, summer])
    assert cal.add_school_weeks(date(2026, 11, 16), 1) == date(2026, 11, 24)
    assert SchoolCalendar().add_school_weeks(date(2026, 11, 16), 1) == date(2026, 11, 23)


def test_year_labels():
    assert parse_year_label("2025/26") == parse_year_label("2025-2026") == 2025
    with pytest.raises(ValueError, match="2025/26"):
        parse_year_label("2025/27")


# -- checking and CSV ------------------------------------------------------------------------

GOOD_CSV = """year,term,start,end,half_term_start,half_term_end
2027/28,autumn,02/09/2027,17/12/2027,25/10/2027,29/10/2027
2027/28,spring,04/01/2028,31/03/2028,14/02/2028,18/02/2028
2027/28,summer,18/04/2028,21/07/2028,29/05/2028,02/06/2028
2027/28,closure,01/05/2028,,,
2027/28,inset,04/01/2028,,,
"""


def test_csv_round_trip():
    terms, issues = parse_terms_csv(GOOD_CSV)
    assert not issues
    assert [t.name for t in terms] == ["autumn", "spring", "summer"]
    assert terms[1].closures == (date(2028, 1, 4),) and terms[2].closures == (date(2028, 5, 1),)
    again, issues = parse_terms_csv(terms_to_csv(terms))
    assert not issues and again == terms


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "csv_empty", "empty"),
        ("name,first,last\nautumn,1,2\n", "csv_missing_columns", "start"),
        ("term,start,end\nautumn,03/09/2027,31/02/2028\n", "invalid_date", "not a real date"),
        ("term,start,end\nautumn,03/09/2027,17/12/2027,x\n", "csv_extra_cells", "stray comma"),
        (
            "term,start,end\nautumn,17/12/2027,03/09/2027\nspring,04/01/2028,31/03/2028\n"
            "summer,18/04/2028,21/07/2028\n",
            "term_end_before_start",
            "before it starts",
        ),
        (
            "term,start,end\nautumn,02/09/2027,17/12/2027\nspring,10/12/2027,31/03/2028\n"
            "summer,18/04/2028,21/07/2028\n",
            "terms_overlap",
            "overlaps",
        ),
        ("term,start,end\nautumn,02/09/2027,17/12/2027\n", "year_incomplete", "every term"),
        (
            "term,start,end,half_term_start,half_term_end\nautumn,02/09/2027,17/12/2027,"
            "20/12/2027,22/12/2027\nspring,04/01/2028,31/03/2028,,\nsummer,18/04/2028,"
            "21/07/2028,,\n",
            "half_term_outside_term",
            "not inside",
        ),
        (
            "term,start,end\nautumn,02/09/2027,17/12/2027\nspring,04/01/2028,31/03/2028\n"
            "summer,18/04/2028,21/09/2028\n",
            "term_crosses_years",
            "31 August",
        ),
        (
            "term,start,end\nautumn,02/09/2027,17/12/2027\nspring,04/01/2028,31/03/2028\n"
            "summer,18/04/2028,21/07/2028\nclosure,25/12/2027,,\n",
            "closure_outside_term",
            "not inside any term",
        ),
        (
            "year,term,start,end\n2026/27,autumn,02/09/2027,17/12/2027\n",
            "year_mismatch",
            "belongs to 2027/28",
        ),
    ],
)
def test_bad_csv_is_refused_with_plain_messages(text, code, words):
    _, issues = parse_terms_csv(text)
    assert code in {i.code for i in issues}
    found = next(i for i in issues if i.code == code)
    assert words in found.message
    assert_plain(found.message)


# -- on the session ----------------------------------------------------------------------------


def test_import_stores_terms_through_the_change_log(session):
    before = state(session)
    changes = session.calendar.import_csv(GOOD_CSV)
    assert "calendar" in changes.entities
    assert session.calendar.stored_years() == [2027]
    year = session.calendar.year(2027)
    assert year["source"] == "stored" and year["terms"][0]["start"] == "2027-09-02"
    assert year["terms"][1]["closures"] == ["2028-01-04"]
    after = state(session)
    assert after["calendar_terms"] == before["calendar_terms"] + 3
    logged = {c["entity"] for c in session.changes_since(0)}
    assert "calendar_term" in logged
    assert session.calendar.import_csv(GOOD_CSV) == type(changes)()  # same again: no change
    # a year can be replaced, and reset to the default
    session.calendar.import_csv(GOOD_CSV.replace("02/09/2027", "06/09/2027"))
    assert session.calendar.year(2027)["terms"][0]["start"] == "2027-09-06"
    assert len(session.calendar.calendar().terms_for_year(2027)) == 3
    session.calendar.reset_year(2027)
    assert session.calendar.year(2027)["source"] == "default"


@pytest.mark.parametrize(
    "text",
    [
        "term,start,end\nautumn,02/09/2027,17/12/2027\nspring,10/12/2027,31/03/2028\n"
        "summer,18/04/2028,21/07/2028\n",
        "term;start;end\n",
        "term,start,end\nautumn,32/09/2027,17/12/2027\n",
        "term,start,end\nautumn,17/12/2027,02/09/2027\n",
    ],
)
def test_bad_import_stores_nothing(session, text):
    session.calendar.import_csv(GOOD_CSV)
    before = state(session)
    terms_before = session.calendar.year(2027)
    with pytest.raises(ValidationError) as info:
        session.calendar.import_csv(text)
    assert_plain(str(info.value))
    assert state(session) == before
    assert session.calendar.year(2027) == terms_before
