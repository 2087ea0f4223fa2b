"""Quota and budget arithmetic and the quotas facade: allocation formulas (largest
remainder: the sum is the places purchased, whatever the order of schools), the South
Rotherham reference figures, place-weeks counted in school weeks across holidays, the
carry-over deduction, the unilateral-PX charge, approving over quota, and bad input.

Dates: the clock is Sunday 22/11/2026; the England default calendar puts the autumn half
term 2026 on 26-30/10/2026 and Christmas between 18/12/2026 and 05/01/2027."""

from __future__ import annotations

import random
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel_app.core.domain.calendar import SchoolCalendar
from panel_app.core.domain.quotas import QuotaYear, Span, format_gbp, parse_money
from panel_app.core.errors import ValidationError
from panel_app.core.rules import quotas as q
from tests.core.meetings_fixtures import Panel, make_panel
from tests.core.util import assert_plain, case_values

CAL = SchoolCalendar()

# -- money -----------------------------------------------------------------------------------


def test_money_is_pence_and_reads_as_people_write_it():
    assert parse_money("17,500") == 1_750_000
    assert parse_money("£630,000.00") == 63_000_000
    assert parse_money("17500.5") == 1_750_050
    assert parse_money("-5") == -500
    for bad in ("17.500,00", "lots", "1,50", ""):
        with pytest.raises(ValueError):
            parse_money(bad)
    assert format_gbp(63_000_000) == "£630,000"
    assert format_gbp(1_750_050) == "£17,500.50"
    assert format_gbp(-10_500) == "-£105"


# -- allocations -------------------------------------------------------------------------------

schools_st = st.lists(
    st.tuples(st.integers(0, 3000), st.integers(0, 900)), min_size=1, max_size=17,
).map(lambda rows: [q.SchoolBasis(f"s{n:02d}", f"School {n}", roll, min(fsm, roll))
                    for n, (roll, fsm) in enumerate(rows)])


@settings(max_examples=300, deadline=None)
@given(schools=schools_st, places=st.integers(0, 400),
       formula=st.sampled_from(["equal", "roll", "roll-fsm"]),
       weights=st.tuples(st.sampled_from([0, 0.25, 0.5, 1, 2, 3]),
                         st.sampled_from([0, 0.25, 0.5, 1, 2])),
       seed=st.integers(0, 10_000))
def test_allocations_add_up_and_do_not_depend_on_order(schools, places, formula, weights,
                                                       seed):
    result = q.allocate(places, schools, formula, roll_weight=weights[0],
                        fsm_weight=weights[1])
    if not result.ok:  # no roll recorded, or both weights zero: refused, nothing allocated
        assert {i.code for i in result.issues} <= {"no_roll", "no_fsm", "zero_weights"}
        assert sum(result.places.values()) == 0
        return
    assert sum(result.places.values()) == places
    assert all(n >= 0 for n in result.places.values())
    for sid, share in result.shares.items():
        # largest remainder: each school gets the floor or the ceiling of its exact share
        assert result.places[sid] in (int(share), int(share) + (share.denominator != 1))
    shuffled = list(schools)
    random.Random(seed).shuffle(shuffled)
    again = q.allocate(places, shuffled, formula, roll_weight=weights[0],
                       fsm_weight=weights[1])
    assert again.places == result.places


def test_allocation_formulas_on_known_figures():
    s = [q.SchoolBasis("a", "A", 1000, 100), q.SchoolBasis("b", "B", 1000, 300),
         q.SchoolBasis("c", "C", 2000, 100)]
    assert q.allocate(10, s, "equal").places == {"a": 4, "b": 3, "c": 3}  # tie: lower id
    assert q.allocate(10, s, "roll").places == {"a": 3, "b": 2, "c": 5}  # 2.5 2.5 5: 'a'
    # Half by roll, half by FSM: a 0.125+0.1, b 0.125+0.3, c 0.25+0.1 (x 20 places)
    r = q.allocate(20, s, "roll-fsm", roll_weight=0.5, fsm_weight=0.5)
    assert r.shares == {"a": Fraction(9, 2), "b": Fraction(17, 2), "c": 7}
    assert r.places == {"a": 5, "b": 8, "c": 7}  # 4.5 and 8.5: one place left, to 'a'
    assert sum(r.places.values()) == 20
    manual = q.allocate(6, s, "manual", manual={"a": 1, "b": 2, "c": 3})
    assert manual.ok and manual.places == {"a": 1, "b": 2, "c": 3}
    short = q.allocate(6, s, "manual", manual={"a": 1, "b": 2})
    assert [i.code for i in short.issues] == ["allocations_do_not_add_up"]
    assert "add up to 3 place(s) but 6 were purchased" in short.issues[0].message
    assert q.allocate(6, s, "roll-fsm", roll_weight=-1, fsm_weight=1).issues[0].code == (
        "negative_weight")
    assert q.largest_remainder(7, {"x": Fraction(1), "y": Fraction(1)}) == {"x": 4, "y": 3}


# -- usage counted in school weeks ---------------------------------------------------------------


def test_place_weeks_count_school_days_only_across_half_term_and_christmas():
    first, last = q.year_bounds(2026)
    # Monday 19/10 to Friday 06/11/2026: three calendar weeks around the half term
    one = Span("p1", "oak", date(2026, 10, 19), date(2026, 11, 6))
    segs = q.occupancy([one], CAL, first, last)
    assert q.place_weeks(segs) == 2.0
    # Monday 14/12/2026 to Friday 08/01/2027: the last week of term, the first of spring
    # (from Tuesday 05/01) -> 5 + 4 school days
    two = Span("p2", "oak", date(2026, 12, 14), date(2027, 1, 8))
    assert q.place_weeks(q.occupancy([two], CAL, first, last)) == pytest.approx(9 / 5)
    # Both together: 2 + 1.8 place-weeks; never more than one at a time
    both = q.occupancy([one, two], CAL, first, last)
    assert q.place_weeks(both) == pytest.approx(3.8)
    assert q.peak(both) == 1
    assert q.in_use_on([one, two], date(2026, 10, 28)) == 1  # held over the break
    # Not in the quota: not counted
    assert q.place_weeks(q.occupancy([Span("x", "oak", date(2026, 10, 19),
                                           date(2026, 11, 6), False)], CAL, first, last)) == 0
    # An open-ended placement runs to the year end: a year's weeks
    weeks = q.weeks_in_year(CAL, 2026)
    assert q.place_weeks(q.occupancy([Span("o", "oak", first, None)], CAL, first, last)) == (
        pytest.approx(weeks))
    assert 37 <= weeks <= 40


def test_excess_over_the_places_is_measured_day_by_day():
    first, last = q.year_bounds(2026)
    spans = [Span("a", "x", date(2026, 11, 2), date(2026, 11, 13)),  # two school weeks
             Span("b", "x", date(2026, 11, 9), date(2026, 11, 20)),  # overlaps one week
             Span("c", "y", date(2026, 11, 9), date(2026, 11, 13))]
    segs = q.occupancy(spans, CAL, first, last)
    assert q.peak(segs) == 3
    assert q.excess_place_weeks(segs, 1) == pytest.approx(2.0)  # 9-13/11: 3 in use, 2 over
    assert q.excess_place_weeks(segs, 3) == 0


def test_carry_over_deduction_from_going_over():
    y = QuotaYear("y", 2025, places=1, cost_per_place=1_750_000, envelope=63_000_000)
    spans = [Span("a", "x", date(2025, 11, 3), date(2025, 11, 14)),
             Span("b", "x", date(2025, 11, 3), date(2025, 11, 14))]  # 2 places, 2 weeks
    co = q.carry_over(y, spans, CAL, date(2026, 11, 22))
    weeks = q.weeks_in_year(CAL, 2025)
    assert co.excess_place_weeks == pytest.approx(2.0) and co.final
    assert co.amount == round(Fraction(2) / Fraction(str(weeks)) * 1_750_000)
    assert co.to_dict()["amount_text"] == format_gbp(co.amount)
    none = q.carry_over(y, spans[:1], CAL, date(2026, 11, 22))
    assert none.amount == 0


def test_check_request_before_approving():
    y = QuotaYear("y", 2026, places=2, cost_per_place=1, envelope=2,
                  allocations={"oak": 1, "riv": 1})
    spans = [Span("a", "oak", date(2026, 11, 2), date(2026, 12, 18)),
             Span("b", "riv", date(2026, 12, 1), None)]
    found = q.check_request(y, spans, "oak", "Oakfield", date(2026, 11, 23), date(2026, 12, 4))
    assert [w.code for w in found] == ["school_over_quota", "partnership_over_quota"]
    assert all(w.severity == "warning" for w in found)
    assert found[0].params["would_use"] == 2 and found[0].params["allocated"] == 1
    after = q.check_request(y, spans, "oak", "Oakfield", date(2027, 1, 11), date(2027, 2, 1))
    assert after == []  # Oakfield's place is free again, Riverside uses its own


# -- the facade --------------------------------------------------------------------------------


@pytest.fixture
def panel(session) -> Panel:
    return make_panel(session)


def rows(session, table: str) -> int:
    return int(session.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def refused(session, call, *codes: str) -> ValidationError:
    tables = ("quota_years", "quota_allocations", "quota_charges", "proposals", "changes")
    before = {t: rows(session, t) for t in tables}
    with pytest.raises(ValidationError) as info:
        call()
    assert set(codes) <= {i.code for i in info.value.issues}, info.value.issues
    assert_plain(str(info.value))
    assert {t: rows(session, t) for t in tables} == before
    return info.value


def test_south_rotherham_figures(panel):
    s = panel.session
    saved = s.quotas.set_year("2026/27", places=30, cost_per_place="17,500", funded_places=36,
                              formula="roll-fsm", roll_weight=0.5, fsm_weight=0.5)
    assert saved.warnings == ()
    y = s.quotas.get_year("2026/27")
    assert (y.places, y.cost_per_place, y.envelope) == (30, 1_750_000, 63_000_000)
    assert y.envelope == 36 * y.cost_per_place
    assert sum(y.allocations.values()) == 30 and len(y.allocations) == 3
    r = s.quotas.report("2026/27")
    assert r.committed == 52_500_000
    assert r.left == 10_500_000 and format_gbp(r.left) == "£105,000"
    money = r.to_dict()["money"]["text"]
    assert money == {"envelope": "£630,000", "deduction": "£0",
                     "effective_envelope": "£630,000", "committed": "£525,000",
                     "charges": "£0", "left": "£105,000", "forecast_deduction": "£0"}
    # The same figures given as an envelope
    s.quotas.set_year(2026, places=30, cost_per_place=1_750_000, envelope="630,000")
    assert s.quotas.report(2026).left == 10_500_000
    assert s.quotas.get_year(2026).formula == "equal"
    assert sorted(s.quotas.get_year(2026).allocations.values()) == [10, 10, 10]


def test_setting_a_quota_refuses_bad_figures(panel):
    s = panel.session
    refused(s, lambda: s.quotas.set_year(2026, places=30, cost_per_place="-17,500"),
            "negative_cost")
    refused(s, lambda: s.quotas.set_year(2026, places=-1, cost_per_place="100"),
            "negative_places")
    refused(s, lambda: s.quotas.set_year(2026, places=3, cost_per_place="ten"),
            "invalid_money")
    refused(s, lambda: s.quotas.set_year(2026, places=3, cost_per_place="10",
                                         envelope="-1"), "negative_envelope")
    refused(s, lambda: s.quotas.set_year(2026, places=6, cost_per_place="10",
                                         formula="manual",
                                         allocations={"OAK": 2, "RIV": 2, "HIL": 1}),
            "allocations_do_not_add_up")
    refused(s, lambda: s.quotas.set_year(2026, places=6, cost_per_place="10",
                                         formula="manual", allocations={"Nowhere": 6}),
            "unknown_school")
    refused(s, lambda: s.quotas.set_year("26-7", places=6, cost_per_place="10"),
            "invalid_year")
    saved = s.quotas.set_year(2026, places=40, cost_per_place="17,500", envelope="630,000")
    assert [w.code for w in saved.warnings] == ["over_envelope"]  # stored, with a warning
    refused(s, lambda: s.quotas.charge_unilateral_px("OAK", amount="-17,500"),
            "negative_cost")


def test_resetting_a_year_updates_allocations(panel):
    s = panel.session
    s.quotas.set_year(2026, places=6, cost_per_place="10", formula="manual",
                      allocations={"OAK": 3, "RIV": 2, "HIL": 1})
    first = s.quotas.get_year(2026)
    s.quotas.set_year(2026, places=6, cost_per_place="10", formula="manual",
                      allocations={"OAK": 1, "RIV": 2, "HIL": 3})
    again = s.quotas.get_year(2026)
    assert again.id == first.id and rows(s, "quota_allocations") == 3
    assert again.allocations[s.find_school("HIL").id] == 3
    assert s.quotas.years() == [2026]


def test_usage_place_weeks_and_forecast_in_the_report(panel):
    s = panel.session
    s.quotas.set_year(2026, places=2, cost_per_place="17,500", formula="manual",
                      allocations={"OAK": 1, "RIV": 1})
    zoe, sam = panel.cases["zoe"], panel.cases["sam"]  # both at Oakfield
    s.placements.add(zoe, provider_type="pru", start="19/10/2026", end="06/11/2026",
                     review_dates=["02/11/2026"])
    s.placements.add(sam, provider_type="pru", start="16/11/2026", weeks=4)
    s.placements.add(panel.cases["tyler"], provider_type="registered",
                     start="16/11/2026", weeks=4)  # not in the quota
    r = s.quotas.report(2026, on="20/11/2026")
    oak = next(x for x in r.schools if x.name == "Oakfield Academy")
    assert oak.in_use == 1 and oak.remaining == 0 and oak.allocated == 1
    assert oak.place_weeks_used == pytest.approx(2.0 + 1.0)  # across the half term + 1 week
    assert oak.forecast_place_weeks == pytest.approx(2.0 + 4.0)
    assert r.in_use == 1 and r.place_weeks_allowed == pytest.approx(2 * r.weeks)
    assert r.forecast_places == pytest.approx(6.0 / r.weeks)
    assert r.occupancy and max(n for _d, n in r.occupancy) == 1
    assert r.to_dict()["usage"]["place_weeks_used"] == 3.0


def test_carry_over_is_deducted_from_the_next_envelope(panel):
    s = panel.session
    s.quotas.set_year(2025, places=1, cost_per_place="17,500", envelope="100,000")
    s.quotas.set_year(2026, places=30, cost_per_place="17,500", funded_places=36)
    # Two pupils in last year's single place for two school weeks: two place-weeks over.
    s.placements.add(panel.cases["zoe"], provider_type="pru", start="03/11/2025",
                     end="14/11/2025", review_dates=["07/11/2025"])
    s.placements.add(panel.cases["tyler"], provider_type="pru", start="03/11/2025",
                     end="14/11/2025", review_dates=["07/11/2025"])
    last = s.quotas.report(2025)
    assert last.forecast_excess_place_weeks == pytest.approx(2.0)
    r = s.quotas.report(2026)
    cal = s.calendar.calendar()
    weeks = q.weeks_in_year(cal, 2025)
    expected = round(Fraction(2) / Fraction(str(weeks)) * 1_750_000)
    assert r.deduction is not None and r.deduction.final
    assert r.deduction_amount == expected == last.forecast_deduction
    assert r.effective_envelope == 63_000_000 - expected
    assert r.left == 10_500_000 - expected
    assert "carry_over_deduction" in {w.code for w in r.warnings}


def test_unilateral_px_is_charged_to_the_excluding_school(panel):
    s = panel.session
    refused(s, lambda: s.quotas.charge_unilateral_px("OAK"), "no_quota")
    s.quotas.set_year(2026, places=30, cost_per_place="17,500", funded_places=36)
    saved = s.quotas.charge_unilateral_px("RIV", case=panel.cases["tyler"], on="02/11/2026")
    charge = s.quotas.charges(2026)[0]
    assert charge.id == saved.id and charge.amount == 1_750_000
    assert charge.school == "Riverside School" and charge.case_ref == panel.cases["tyler"]
    r = s.quotas.report(2026)
    riv = next(x for x in r.schools if x.name == "Riverside School")
    assert riv.charges == 1_750_000 and r.charges == 1_750_000
    assert r.left == 10_500_000 + 1_750_000
    # Closing a challenge to an exclusion made outside the panel as 'charged' charges too.
    p = s.proposals
    pid = p.add(panel.cases["mia"], "challenge-px").id  # Hilltop excluded
    p.submit(pid)
    p.decide(pid, "approved")
    closed = p.close(pid, "charged", on="20/11/2026")
    assert "quota_charge" in closed.changes.entities
    charges = s.quotas.charges(2026)
    assert [c.school for c in charges] == ["Riverside School", "Hilltop School"]
    assert charges[1].proposal_id == pid and charges[1].amount == 1_750_000
    assert s.quotas.report(2026).charges == 3_500_000


def test_approving_over_quota_warns_and_records_who_approved_anyway(panel):
    s = panel.session
    s.quotas.set_year(2026, places=1, cost_per_place="17,500", formula="manual",
                      allocations={"OAK": 1})
    s.placements.add(panel.cases["zoe"], provider_type="pru", start="02/11/2026",
                     weeks=16, review_dates=["16/11/2026"])
    p = s.proposals
    pid = p.add(panel.cases["tyler"], "ap-place", start="30/11/2026", weeks=6).id
    p.submit(pid)
    warned = [w.code for w in p.quota_check(pid)]
    assert warned == ["school_over_quota", "partnership_over_quota"]
    err = refused(s, lambda: p.decide(pid, "approved"), "over_quota_confirm")
    assert "Riverside School" in str(err) and "give the name" in str(err)
    assert p.get(pid).state == "submitted"
    saved = p.decide(pid, "approved", over_quota_by="Lena Officer")
    assert {w.code for w in saved.warnings} >= {"school_over_quota", "partnership_over_quota"}
    got = p.get(pid)
    assert got.state == "decided" and got.over_quota_by == "Lena Officer"
    assert "over its allocation of 0" in got.over_quota_note
    assert "approved over quota by Lena Officer" in p.history(pid)[-1].note
    # Declining needs no name.
    other = p.add(panel.cases["sam"], "ap-place").id
    p.submit(other)
    assert p.decide(other, "declined").warnings == ()


def test_approving_over_quota_at_a_meeting_records_the_chair(panel):
    s = panel.session
    s.quotas.set_year(2026, places=0, cost_per_place="17,500")
    p = s.proposals
    pid = p.add(panel.cases["tyler"], "ap-place").id
    p.submit(pid, on="04/11/2026")
    mid = panel.m.add_meeting("10/11/2026", chair="Anna Vice").id
    panel.m.build_agenda(mid)
    item = next(i for i in panel.m.agenda(mid) if i.entity == "proposal")
    saved = panel.m.decide(mid, item.position, "approved")
    assert {"school_over_quota", "partnership_over_quota"} <= {w.code for w in saved.warnings}
    got = p.get(pid)
    assert got.over_quota_by == "Anna Vice" and "10/11/2026" in got.over_quota_note


def test_quota_snapshot_reaches_the_agenda_and_the_minutes(panel):
    s = panel.session
    mid = panel.m.add_meeting("10/11/2026").id
    assert s.quota_snapshot(date(2026, 11, 10)) is None
    s.quotas.set_year(2026, places=30, cost_per_place="17,500", funded_places=36)
    s.placements.add(panel.cases["zoe"], provider_type="pru", start="02/11/2026",
                     weeks=16, review_dates=["16/11/2026"])
    snap = s.quota_snapshot(date(2026, 11, 10))
    assert snap is not None and snap.unit == "places"
    assert [(r.label, r.allocated, r.used) for r in snap.rows if r.used] == [
        ("Oakfield Academy", 10.0, 1.0)]
    assert "£105,000 left for other programmes" in snap.note
    assert "place-weeks used 1.4 of 1,164;" in snap.note  # as the dashboard shows them
    panel.m.build_agenda(mid)
    assert any(i.section == "quota" for i in panel.m.agenda(mid))
    doc = panel.m.minutes_document(mid)
    assert doc.quota is not None and doc.quota.title == snap.title
    assert panel.m.render_minutes(mid).startswith(b"%PDF")


def test_a_school_joining_after_the_quota_is_flagged(panel):
    s = panel.session
    s.quotas.set_year(2026, places=3, cost_per_place="10")
    s.add_school("Newtown School", urn="100009")
    r = s.quotas.report(2026)
    assert "school_not_allocated" in {w.code for w in r.warnings}
    s.create_case(case_values("Ann", "New", school="Newtown School", serial=8))
    assert len(r.schools) == 4
