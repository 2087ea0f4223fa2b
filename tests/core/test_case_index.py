"""The case list index: same answers as a plain filter over the database, kept current
by the change log, pages that add up."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panel_app.core.domain.models import CaseFilter
from panel_app.core.storage.repository import fold
from tests.core.util import case_values

NAMES = [("Ada", "Zephyr"), ("Élodie", "Ashdown"), ("bob", "ashworth"), ("Cai", "Öberg"),
         ("Dev", "Ash"), ("Eve", "Quist"), ("Fay", "Ashdown")]


def _populate(session):
    schools = session.list_schools()
    ids = []
    for n, (first, last) in enumerate(NAMES):
        values = case_values(first, last, year=7 + n % 5, school=schools[n % 2].name,
                             risk=("red", "amber", "green")[n % 3])
        ids.append(session.create_case(values).case.id)
    session.close_case(ids[-1], "settled")
    return ids


def _naive(session, flt: CaseFilter) -> list[str]:
    """The same question answered the slow way, from each full case record."""
    out = []
    for row in session.list_cases(CaseFilter(status=None)).rows:
        case = session.get_case(row.id)
        key = fold(f"{case.first_name} {case.last_name} {case.upn}") + " " + fold(case.case_ref)
        if flt.text and fold(flt.text.strip()) not in key:
            continue
        if flt.school_id and case.home_school_id != flt.school_id:
            continue
        if flt.year_group is not None and case.year_group != flt.year_group:
            continue
        if flt.risk and case.risk != flt.risk:
            continue
        if flt.status and case.status != flt.status:
            continue
        out.append(case.id)
    return sorted(out)


def test_sorted_by_last_then_first_name_and_reversible(session):
    _populate(session)
    rows = session.list_cases(CaseFilter(status=None)).rows
    lasts = [r.name.split(" ", 1)[1] for r in rows]
    assert lasts == sorted(lasts, key=str.casefold)
    assert rows[0].name == "Dev Ash"
    desc = session.list_cases(CaseFilter(status=None, descending=True)).rows
    assert [r.id for r in desc] == [r.id for r in reversed(rows)]


def test_pages_add_up_to_the_whole_list(session):
    _populate(session)
    whole = session.list_cases(CaseFilter(status=None, sort="risk"))
    paged = []
    for offset in range(0, whole.total, 3):
        page = session.list_cases(CaseFilter(status=None, sort="risk", limit=3, offset=offset))
        assert page.total == whole.total and page.offset == offset
        assert page.by_risk == whole.by_risk
        paged += page.rows
    assert [r.id for r in paged] == [r.id for r in whole.rows]


def test_index_follows_every_kind_of_change(session):
    ids = _populate(session)
    assert session.list_cases(CaseFilter(text="zephyr")).total == 1
    session.update_case(ids[0], {"last_name": "Marlowe"})  # pupil field
    assert session.list_cases(CaseFilter(text="zephyr")).total == 0
    assert session.list_cases(CaseFilter(text="marlowe")).rows[0].id == ids[0]
    lasts = [r.name.split(" ", 1)[1] for r in session.list_cases(CaseFilter(status=None)).rows]
    assert lasts == sorted(lasts, key=str.casefold)  # the edited case moved in the order
    session.update_case(ids[0], {"risk": "green"})  # case field
    assert session.list_cases(CaseFilter(text="marlowe")).rows[0].risk == "green"
    new = session.create_case(case_values("Gus", "Newcombe")).case.id  # new case
    assert session.list_cases(CaseFilter(text="newcombe")).rows[0].id == new
    school = session.list_schools()[0]  # a school renamed: shown on every row
    with session.db.atomic():
        session.repo.update("school", school.id, {"name": "Oakfield Trust Academy"})
    names = {r.school for r in session.list_cases(CaseFilter(status=None)).rows}
    assert "Oakfield Trust Academy" in names and school.name not in names
    with session.db.atomic():  # a deletion (as a bundle tombstone applies it)
        session.db.conn.execute("DELETE FROM case_notes WHERE case_id = ?", (new,))
        session.db.conn.execute("DELETE FROM documents WHERE case_id = ?", (new,))
        session.repo.delete("case", new)
    assert session.list_cases(CaseFilter(text="newcombe")).total == 0


def test_case_reference_and_unicode_search(session):
    ids = _populate(session)
    ref = session.get_case(ids[1]).case_ref
    assert [r.id for r in session.list_cases(CaseFilter(text=ref.lower())).rows] == [ids[1]]
    assert session.list_cases(CaseFilter(text="ÉLODIE")).total == 1
    assert session.list_cases(CaseFilter(text="oberg")).total == 0  # accents are kept
    assert session.list_cases(CaseFilter(text="öberg")).total == 1


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.sampled_from(["", "ash", "ASH", "dow", "é", "zz", "a"]),
       year=st.sampled_from([None, 7, 8, 11]),
       risk=st.sampled_from([None, "red", "amber", "green"]),
       status=st.sampled_from([None, "open", "closed"]),
       school_n=st.sampled_from([None, 0, 1]))
def test_matches_a_naive_filter(session, text, year, risk, status, school_n):
    if session.repo.case_count() == 0:
        _populate(session)
    school = None if school_n is None else session.list_schools()[school_n].id
    flt = CaseFilter(text=text, school_id=school, year_group=year, risk=risk, status=status)
    got = session.list_cases(flt)
    assert sorted(r.id for r in got.rows) == _naive(session, flt)
    assert got.total == len(got.rows) and sum(got.by_risk.values()) == got.total
