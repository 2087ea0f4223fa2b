"""The demo partnership's exclusion and attendance records: the Reports section has real
figures on demo data (suspensions and permanent exclusions in every term since last
autumn, attendance per school per term), and the cases agree with their records."""

from __future__ import annotations

from collections import Counter

from panel_app.core.domain.models import CaseFilter
from panel_app.core.services.demo import build_demo
from tests.conftest import FAST_KDF

TERMS = [(2025, "autumn"), (2025, "spring"), (2025, "summer"), (2026, "autumn")]


def test_demo_reports_show_suspensions_and_px_in_every_term(tmp_path, no_keyring, clock):
    s = build_demo(tmp_path / "demo.panel", keyring=no_keyring, kdf=FAST_KDF,
                   clock=clock).session  # 22/11/2026: last year and this autumn so far
    try:
        reports = {y: s.reports.exclusions(year=y) for y in (2025, 2026)}
        totals = {(y, t.term): t for y, r in reports.items() for t in r.totals}
        for key in TERMS:
            t = totals[key]
            assert t.suspensions > 0 and t.permanent_exclusions > 0, (key, t)
            assert t.suspension_rate.denominator > 7000  # the seven schools' rolls
            # plausible for a working partnership: about 10 suspensions per school a term
            assert 20 <= t.suspensions <= 160 and t.permanent_exclusions <= 4, (key, t)
        assert totals[(2025, "autumn")].suspensions > totals[(2025, "summer")].suspensions
        assert totals[(2026, "spring")].suspensions == 0  # not begun: nothing invented
        assert totals[(2026, "year")].px_rescinded == 1  # the panel's turn-around move
        # every school has suspensions in the year and its attendance in every term
        for y, r in reports.items():
            for row in r.rows:
                if (y, row.term) in TERMS:
                    assert row.attendance_pct is not None and 85 < row.attendance_pct < 96
                if row.term == "year":
                    assert row.suspensions > 0, (y, row.school)
        assert {r.roll_source for r in reports[2025].rows} == {"term totals"}
        # the records the report counts: entered, at the pupils' home schools
        records = s.exclusions.list_exclusions()
        kinds = Counter(e.kind for e in records)
        assert kinds["suspension"] >= 200 and 8 <= kinds["permanent"] <= 14
        statuses = Counter(e.status for e in records if e.kind == "permanent")
        assert statuses["rescinded"] == 1 and statuses["pending"] == 1
        assert all(e.school_id for e in records)
        # each open case shows what its pupil's records say (the service keeps them so)
        for row in s.list_cases(CaseFilter()).rows:
            case = s.get_case(row.id)
            mine = s.exclusions.list_exclusions(pupil=case.case_ref)
            susp = [e for e in mine if e.kind == "suspension"]
            if mine:
                assert case.suspensions == len(susp)
                assert case.suspension_days == sum(e.days or 0 for e in susp)
                assert case.permanent_exclusions == sum(e.counts_as_px for e in mine)
            attendance = s.exclusions.list_attendance(case.case_ref)
            assert [a.percent for a in attendance] == [case.attendance_pct]
        # the challenge to an exclusion made outside the panel has its exclusion
        challenge = s.proposals.list_proposals(kind="challenge-px")[0]
        px = [e for e in s.exclusions.list_exclusions(pupil=challenge.case_ref)
              if e.kind == "permanent"]
        assert [e.status for e in px] == ["upheld"]
        assert px[0].start_on <= challenge.submitted_on
        assert s.verify_audit().ok
    finally:
        s.lock()
