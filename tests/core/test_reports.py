"""Reports per school and term, checked against figures worked out by hand.

A fixed small partnership for the school year 2025/26 (England default calendar: autumn
3 Sep - 19 Dec 2025, spring 5 Jan - 27 Mar 2026, summer 13 Apr - 22 Jul 2026). Today is
22/11/2026, so the year is over and the report date is 31/08/2026. Oakfield (roll 1,200 on
its record) and Riverside (roll 950 on its record; its spring term totals: roll 960,
7 suspensions, 4 pupils suspended).

Pupils (cases opened 01/09/2025 unless said): A, B, C at Oakfield; D, E at Riverside;
F (Oakfield, opened 01/10/2026) and G (Riverside, closed 15/07/2025) are not open in the
year. Exclusions:

    A  suspension 01/07/2025 1 day (previous year: not counted)
    A  suspension 06/10/2025 2 days          autumn  Oakfield
    A  suspension 22/12/2025 1 day (holiday)  autumn  Oakfield
    A  suspension 20/01/2026 1.5 days        spring  Oakfield
    B  suspension 12/11/2025 3 days          autumn  Oakfield
    B  PX 03/03/2026 upheld                  spring  Oakfield
    C  PX 05/05/2026 rescinded               summer  Oakfield (not counted)
    D  suspension 10/10/2025 at a school outside the partnership (not counted)
    D  suspension 20/01/2026 0.5 day         spring  Riverside (term totals replace the count)
    D  suspension 15/06/2026 5 days          summer  Riverside
    E  PX 15/06/2026 pending                 summer  Riverside (counts)
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from panel_app.core.reports import statistics as stats
from tests.core.util import case_values


def _case(s, first, last, serial, school, year=9, **extra):
    values = case_values(first, last, serial=serial, school=school, year=year,
                         opened_on="01/09/2025", **extra)
    return s.create_case(values).case


@pytest.fixture
def data(session):
    s = session
    a = _case(s, "Ann", "Able", 1, "OAK")
    b = _case(s, "Ben", "Baker", 2, "OAK")
    c = _case(s, "Cat", "Cole", 3, "OAK")
    d = _case(s, "Dan", "Dale", 4, "RIV")
    e = _case(s, "Eve", "Eden", 5, "RIV")
    f = s.create_case(case_values("Fay", "Ford", serial=6, school="OAK",
                                  opened_on="01/10/2026")).case
    s.create_case(case_values("Gus", "Gray", serial=7, school="RIV", opened_on="01/09/2024",
                              status="closed", closed_on="15/07/2025"))
    x = s.exclusions
    x.add(a.case_ref, kind="suspension", start="01/07/2025", days=1, reason="PD")
    x.add(a.case_ref, kind="suspension", start="06/10/2025", days=2, reason="PD")
    x.add(a.case_ref, kind="suspension", start="22/12/2025", days=1, reason="VA")
    x.add(a.case_ref, kind="suspension", start="20/01/2026", days="1.5", reason="PD")
    x.add(b.case_ref, kind="suspension", start="12/11/2025", days=3, reason="PP")
    x.add(b.case_ref, kind="permanent", start="03/03/2026", reason="PA", status="upheld",
          decided_on="10/03/2026")
    x.add(c.case_ref, kind="permanent", start="05/05/2026", reason="DA", status="rescinded",
          decided_on="12/05/2026")
    x.add(d.case_ref, kind="suspension", start="20/01/2026", days="0.5", reason="VA")
    x.add(d.case_ref, kind="suspension", start="15/06/2026", days=5, reason="BU")
    x.add(e.case_ref, kind="permanent", start="15/06/2026", reason="PA")
    with s._write():  # by a school outside the partnership (as a CTF history brings it)
        s.repo.insert("exclusion", {"pupil_id": d.pupil_id, "school_id": None,
                                    "kind": "suspension", "start_on": date(2025, 10, 10),
                                    "days": 2.0, "reason": "PD", "source": "ctf",
                                    "created_at": "2026-11-22T09:30:00+00:00"})
    x.set_figures("RIV", year="2025/26", term="spring", roll=960, suspensions=7,
                  pupils_suspended=4)
    # moves
    m = s.moves
    m1 = m.add(a.case_ref, to="RIV", start="03/11/2025", weeks=6).id
    m.end(m1, outcome="returned-home", on="12/12/2025")
    m2 = m.add(b.case_ref, to="RIV", start="12/01/2026", weeks=6).id
    m.end(m2, outcome="converted", on="27/02/2026")
    m3 = m.add(d.case_ref, to="OAK", start="19/01/2026", weeks=6).id
    m.end(m3, outcome="broke-down", on="06/02/2026", reason="belonging")
    m.add(d.case_ref, to="OAK", start="20/04/2026", weeks=6)  # still running
    m.add(c.case_ref, to="RIV", start="02/11/2026", weeks=2)  # next year: not counted
    # placements (the referring school is the home school)
    p = s.placements
    p1 = p.add(c.case_ref, provider_type="pru", start="15/09/2025", end="19/12/2025").id
    p.end(p1, outcome="reintegrated", on="19/12/2025")
    p2 = p.add(a.case_ref, provider_type="partnership-unit", start="05/01/2026",
               end="27/03/2026").id
    p.end(p2, outcome="reintegrated", on="27/03/2026")
    p5 = p.add(b.case_ref, provider_type="pru", start="08/09/2025", end="24/10/2025").id
    p.end(p5, outcome="reintegrated", on="24/10/2025")
    p3 = p.add(e.case_ref, provider_type="pru", start="02/02/2026", end="10/06/2026").id
    p.end(p3, outcome="permanently-excluded", on="10/06/2026")
    p.add(d.case_ref, provider_type="registered", start="22/06/2026")  # running
    # ladder evidence (Ashfield: 1 internal exclusion, 2 hosted, 3 managed move, 4 on-site AP)
    s.ladders.load_preset("ashfield")
    ev = s.ladders.add_evidence
    ev(a.case_ref, step="1", kind="internal_exclusion", started_on="20/09/2025")
    ev(a.case_ref, step="2", kind="hosted_internal_exclusion", started_on="01/10/2025")
    ev(b.case_ref, step="1", kind="internal_exclusion", started_on="20/09/2025")
    ev(b.case_ref, step="2", kind="hosted_internal_exclusion", started_on="01/10/2025")
    ev(b.case_ref, step="3", kind="managed_move", started_on="12/01/2026")
    ev(c.case_ref, step="4", kind="on_site_ap", started_on="01/02/2026")
    ev(d.case_ref, step="1", kind="internal_exclusion", started_on="10/09/2026")  # too late
    ev(f.case_ref, step="1", kind="internal_exclusion", started_on="05/10/2026")
    s.quotas.set_year("2025/26", places=4, cost_per_place="17,500")
    return s


def _row(report, school, term):
    rows = [*report.rows, *report.totals]
    return next(r for r in rows if r.school == school and r.term == term)


def _rate(rate):
    return (rate.numerator, rate.denominator, rate.percent)


def test_exclusion_figures_per_school_and_term(data):
    r = data.reports.exclusions(year="2025/26")
    assert r.year == 2025 and r.on == date(2026, 8, 31)
    oak_autumn = _row(r, "Oakfield Academy", "autumn")
    assert (oak_autumn.roll, oak_autumn.roll_source) == (1200, "school record")
    assert _rate(oak_autumn.suspension_rate) == (3, 1200, 0.25)
    assert oak_autumn.suspension_days == 6.0
    assert _rate(oak_autumn.pupils_suspended_rate) == (2, 1200, 0.17)
    assert _rate(oak_autumn.px_rate) == (0, 1200, 0.0)
    oak_spring = _row(r, "Oakfield Academy", "spring")
    assert _rate(oak_spring.suspension_rate) == (1, 1200, 0.08)
    assert oak_spring.suspension_days == 1.5
    assert _rate(oak_spring.px_rate) == (1, 1200, 0.08)
    oak_summer = _row(r, "Oakfield Academy", "summer")
    assert (oak_summer.permanent_exclusions, oak_summer.px_rescinded) == (0, 1)
    oak_year = _row(r, "Oakfield Academy", "year")
    assert _rate(oak_year.suspension_rate) == (4, 1200, 0.33)
    assert oak_year.suspension_days == 7.5
    assert _rate(oak_year.pupils_suspended_rate) == (2, 1200, 0.17)  # A and B, once each
    assert _rate(oak_year.px_rate) == (1, 1200, 0.08)
    assert oak_year.px_rescinded == 1
    assert oak_year.suspension_rate.text == "4 of 1,200 (0.33%)"


def test_term_totals_replace_the_count_and_the_roll(data):
    r = data.reports.exclusions(year="2025/26")
    riv_autumn = _row(r, "Riverside School", "autumn")
    assert _rate(riv_autumn.suspension_rate) == (0, 950, 0.0)  # outside school ignored
    spring = _row(r, "Riverside School", "spring")
    assert (spring.roll, spring.roll_source) == (960, "term totals")
    assert _rate(spring.suspension_rate) == (7, 960, 0.73)
    assert _rate(spring.pupils_suspended_rate) == (4, 960, 0.42)
    assert spring.suspension_days == 0.5  # no total given: counted from the record
    assert spring.sources == {"suspensions": "term totals", "suspension_days": "records",
                              "pupils_suspended": "term totals",
                              "permanent_exclusions": "records"}
    summer = _row(r, "Riverside School", "summer")
    assert _rate(summer.suspension_rate) == (1, 950, 0.11)
    assert _rate(summer.px_rate) == (1, 950, 0.11)  # pending counts
    year = _row(r, "Riverside School", "year")
    assert (year.roll, year.roll_source) == (960, "term totals")
    assert _rate(year.suspension_rate) == (8, 960, 0.83)
    assert year.suspension_days == 5.5
    assert year.pupils_suspended is None  # term totals cannot be made distinct
    assert _rate(year.px_rate) == (1, 960, 0.1)


def test_partnership_totals(data):
    r = data.reports.exclusions(year="2025/26")
    autumn = _row(r, stats.ALL_SCHOOLS, "autumn")
    assert _rate(autumn.suspension_rate) == (3, 2150, 0.14)
    assert _rate(autumn.pupils_suspended_rate) == (2, 2150, 0.09)
    spring = _row(r, stats.ALL_SCHOOLS, "spring")
    assert _rate(spring.suspension_rate) == (8, 2160, 0.37)
    assert _rate(spring.pupils_suspended_rate) == (5, 2160, 0.23)
    assert _rate(spring.px_rate) == (1, 2160, 0.05)
    summer = _row(r, stats.ALL_SCHOOLS, "summer")
    assert (summer.suspensions, summer.permanent_exclusions, summer.px_rescinded) == (1, 1, 1)
    year = _row(r, stats.ALL_SCHOOLS, "year")
    assert _rate(year.suspension_rate) == (12, 2160, 0.56)
    assert year.suspension_days == 13.0
    assert year.pupils_suspended is None
    assert _rate(year.px_rate) == (2, 2160, 0.09)


def test_one_school_and_another_year(data):
    r = data.reports.exclusions(year="2025/26", school="RIV")
    assert {x.school for x in r.rows} == {"Riverside School"}
    r = data.reports.exclusions(year="2024/25")
    assert _row(r, "Oakfield Academy", "summer").suspensions == 1  # A, 01/07/2025


def _moves(report, school, term):
    return next(m for m in report.rows if m.school == school and m.term == term)


def test_moves_sent_received_converted(data):
    r = data.reports.moves(year="2025/26")
    got = {(m.school, m.term): (m.sent, m.received, m.net, m.converted.numerator,
                                m.converted.denominator) for m in r.rows}
    assert got == {
        ("Oakfield Academy", "autumn"): (1, 0, -1, 0, 0),
        ("Oakfield Academy", "spring"): (1, 1, 0, 0, 1),
        ("Oakfield Academy", "summer"): (0, 1, 1, 0, 0),
        ("Oakfield Academy", "year"): (2, 2, 0, 0, 1),
        ("Riverside School", "autumn"): (0, 1, 1, 0, 1),
        ("Riverside School", "spring"): (1, 1, 0, 1, 1),
        ("Riverside School", "summer"): (1, 0, -1, 0, 0),
        ("Riverside School", "year"): (2, 2, 0, 1, 2),
    }
    assert _moves(r, "Riverside School", "year").converted.text == "1 of 2 (50%)"
    o = r.overall
    assert (o.total, o.running, o.planned, o.ended) == (4, 1, 0, 3)
    assert (o.rates["converted"].numerator, o.rates["converted"].denominator) == (1, 3)
    assert o.rates["converted"].percent == 33.3
    assert (o.moved_again.numerator, o.moved_again.denominator) == (1, 3)
    only = data.reports.moves(year="2025/26", school="OAK")
    assert {m.school for m in only.rows} == {"Oakfield Academy"}
    assert _moves(only, "Oakfield Academy", "year").sent == 2


def test_outcomes_placements_reach_and_quota(data):
    r = data.reports.outcomes(year="2025/26")
    by = {p.school: p for p in r.placements}
    oak, riv, total = by["Oakfield Academy"], by["Riverside School"], by[stats.ALL_SCHOOLS]
    assert (oak.started, oak.running, oak.ended) == (3, 0, 3)
    assert _rate(oak.reintegration) == (3, 3, 100.0)
    assert _rate(oak.sustained) == (1, 2, 50.0)  # C kept; B permanently excluded later
    assert (riv.started, riv.running, riv.ended) == (2, 1, 1)
    assert _rate(riv.reintegration) == (0, 1, 0.0)
    assert _rate(riv.outcomes["permanently-excluded"]) == (1, 1, 100.0)
    assert (total.started, total.running, total.ended) == (5, 1, 4)
    assert _rate(total.reintegration) == (3, 4, 75.0)
    assert _rate(total.sustained) == (1, 2, 50.0)
    assert r.ladder.startswith("Ashfield")
    reach = {k: [_rate(s.reached) for s in v] for k, v in r.reach.items()}
    assert reach[stats.ALL_SCHOOLS] == [(3, 5, 60.0), (3, 5, 60.0), (2, 5, 40.0),
                                        (1, 5, 20.0)]
    assert reach["Oakfield Academy"] == [(3, 3, 100.0), (3, 3, 100.0), (2, 3, 66.7),
                                         (1, 3, 33.3)]
    assert reach["Riverside School"] == [(0, 2, 0.0)] * 4
    q = {row.school: row for row in r.quota}
    assert (q["Oakfield Academy"].allocated, q["Riverside School"].allocated) == (2, 2)
    assert _rate(q[stats.ALL_SCHOOLS].in_use) == (0, 4, 0.0)
    # place-weeks come from the quota report itself (the same figures, not recomputed)
    quota = data.quotas.report("2025/26", "31/08/2026")
    used = {s.name: round(s.place_weeks_used, 2) for s in quota.schools}
    assert q["Oakfield Academy"].place_weeks.numerator == used["Oakfield Academy"] > 0


def test_csv_has_numerators_and_denominators(data):
    text = data.reports.csv_text("exclusions", year="2025/26")
    rows = list(csv.DictReader(io.StringIO(text)))
    oak = next(r for r in rows if r["school"] == "Oakfield Academy" and r["term"] == "year")
    assert (oak["suspension_rate_numerator"], oak["suspension_rate_denominator"],
            oak["suspension_rate_percent"]) == ("4", "1200", "0.33")
    moves = list(csv.DictReader(io.StringIO(data.reports.csv_text("moves", year="2025/26"))))
    riv = next(r for r in moves if r["school"] == "Riverside School" and r["term"] == "year")
    assert (riv["converted_numerator"], riv["converted_denominator"]) == ("1", "2")
    out = list(csv.DictReader(io.StringIO(data.reports.csv_text("outcomes",
                                                               year="2025/26"))))
    assert any(r["section"] == "ladder reach" and r["rate_numerator"] == "2"
               and r["rate_denominator"] == "5" for r in out)


def test_exports_are_atomic_audited_and_marked(data, tmp_path: Path):
    sql = ("SELECT action, fields, detail FROM audit_log WHERE action = 'report_exported' "
           "ORDER BY seq")
    before = data.db.conn.execute(sql).fetchall()
    pdf = data.reports.write_pdf(["exclusions", "moves", "outcomes"], tmp_path / "r.pdf",
                                 year="2025/26", marking="OFFICIAL-SENSITIVE")
    assert pdf.encrypted is False and "not encrypted" in pdf.notice
    reader = PdfReader(str(pdf.path))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert text.count("OFFICIAL-SENSITIVE") >= 2 * len(reader.pages)
    assert "4 of 1,200 (0.33%)" in text and "Ladder-step reach" in text
    assert "Page 1 of" in text
    out = data.reports.write_csv("moves", tmp_path / "moves.csv", year="2025/26")
    assert out.path.read_text().startswith("year,school,term,sent")
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    rows = data.db.conn.execute(sql).fetchall()
    assert len(rows) - len(before) == 4  # three reports in the PDF, one CSV
    assert all('"year":2025' in r[2] for r in rows)
    assert data.reports.write_pdf.leaves_encryption  # the mark the GUI shows


def test_empty_partnership_reports_without_dividing_by_zero(session):
    r = session.reports.exclusions()
    year = _row(r, "Oakfield Academy", "year")
    assert year.suspension_rate.text == "0 of 1,200 (0.00%)"
    o = session.reports.outcomes()
    assert o.reach == {} and o.quota == [] and "No quota" in o.quota_note
    assert session.reports.moves().overall.total == 0


def _points(series, measure):
    return [(p.term, p.count(measure), p.roll, p.rate(measure)) for p in series.points]


def test_trend_per_school_and_term_by_hand(data):
    """This year (2026/27, today 22/11/2026) and last: last year's three terms and this
    autumn so far; spring and summer 2026/27 have not begun and are left out."""
    t = data.reports.exclusion_trend()
    assert t.terms == [(2025, "autumn"), (2025, "spring"), (2025, "summer"),
                       (2026, "autumn")]
    assert t.labels[0] == "Autumn 2025/26" and t.labels[-1] == "Autumn 2026/27 so far"
    assert t.so_far  # the autumn term runs to December
    oak, riv = t.schools
    assert (oak.school, riv.school) == ("Oakfield Academy", "Riverside School")
    # Oakfield: 3 suspensions in autumn (22/12 is in the holiday: autumn), 1 in spring;
    # its summer PX was rescinded (not counted); roll 1,200 from its record
    assert _points(oak, "suspensions") == [("autumn", 3, 1200, 2.5), ("spring", 1, 1200, 0.83),
                                           ("summer", 0, 1200, 0.0), ("autumn", 0, 1200, 0.0)]
    assert [p.count("permanent_exclusions") for p in oak.points] == [0, 1, 0, 0]
    # Riverside: spring from its term totals (7 of a roll of 960); the 10/10/2025
    # suspension was at a school outside the partnership; summer PX pending counts
    assert _points(riv, "suspensions") == [("autumn", 0, 950, 0.0), ("spring", 7, 960, 7.29),
                                           ("summer", 1, 950, 1.05), ("autumn", 0, 950, 0.0)]
    assert _points(riv, "permanent_exclusions")[2] == ("summer", 1, 950, 1.05)
    assert _points(t.total, "suspensions")[:2] == [("autumn", 3, 2150, 1.4),
                                                   ("spring", 8, 2160, 3.7)]
    assert riv.points[1].text("suspensions") == "7 of 960 on roll: 7.29 per 1,000"
    # a past year: all its terms; one school: one line
    past = data.reports.exclusion_trend(year="2025/26", school="OAK")
    assert [s.school for s in past.schools] == ["Oakfield Academy"]
    assert len(past.terms) == 6  # 2024/25 had A's suspension of 01/07/2025
    assert not past.so_far and past.labels[-1] == "Summer 2025/26"
    assert past.schools[0].points[2].count("suspensions") == 1
    # a year with nothing recorded before it starts the trend
    riv_only = data.reports.exclusion_trend(year="2025/26", school="RIV")
    assert riv_only.terms == [(2025, "autumn"), (2025, "spring"), (2025, "summer")]
    assert t.to_dict()["schools"][1]["points"][1]["suspensions_per_1000"] == 7.29
