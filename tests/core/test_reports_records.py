"""Exclusion and attendance records entered by hand, schools' term totals, and the case
summary that follows a pupil's records (the data the reports count)."""

from __future__ import annotations

import pytest

from panel_app.core.domain.exclusions import parse_kind, parse_reason, parse_status, term_of
from panel_app.core.errors import NotFoundError, ValidationError
from panel_app.core.storage.repository import ENTITY_TABLES
from panel_app.core.storage.schema import LATEST, MIGRATIONS
from tests.core.util import assert_plain, case_values


@pytest.fixture
def case(session):
    return session.create_case(case_values("Ann", "Lee", serial=1)).case


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {i.code for i in exc.value.issues if i.severity == "error"}


def test_schema_8_tables_are_registered():
    assert LATEST >= 8 and 8 in MIGRATIONS
    for entity in ("exclusion", "attendance", "school_term_figures", "import_mapping"):
        assert entity in ENTITY_TABLES


def test_suspensions_and_px_follow_into_the_case(session, case):
    x = session.exclusions
    first = x.add(case.case_ref, kind="suspension", start="05/10/2026", days="1.5",
                  reason="persistent disruptive behaviour")
    x.add(case.upn, kind="permanent", start="10/11/2026", reason="PA")
    got = session.get_case(case.id)
    assert (got.suspensions, got.suspension_days, got.permanent_exclusions) == (1, 1.5, 1)
    px = next(e for e in x.list_exclusions(pupil=case.case_ref) if e.kind == "permanent")
    assert (px.status, px.school) == ("pending", "Oakfield Academy")
    x.update(px.id[:8], status="rescinded")
    px = x.get(px.id)
    assert px.status == "rescinded" and px.decided_on is not None  # today by default
    assert session.get_case(case.id).permanent_exclusions == 0
    x.remove(first.id)
    x.remove(px.id)
    got = session.get_case(case.id)
    assert (got.suspensions, got.suspension_days, got.permanent_exclusions) == (0, 0.0, 0)
    tomb = session.db.conn.execute(
        "SELECT count(*) FROM changes WHERE entity = 'exclusion' AND field = '__deleted__'"
    ).fetchone()[0]
    assert tomb == 2  # the removals travel in bundles


def test_exclusion_input_is_checked(session, case):
    x = session.exclusions
    bad = [
        (dict(kind="suspension", start="05/10/2026"), "required"),
        (dict(kind="suspension", start="05/10/2026", days=46), "too_many_days"),
        (dict(kind="suspension", start="05/10/2026", days=0), "invalid_days"),
        (dict(kind="suspension", start="05/10/2027", days=1), "start_in_future"),
        (dict(kind="permanent", start="31/02/2026"), "invalid_date"),
        (dict(kind="permanent", start="05/10/2026", days=3), "days_not_suspension"),
        (dict(kind="permanent", start="05/10/2026", status="maybe"), "invalid_status"),
        (dict(kind="expelled", start="05/10/2026"), "invalid_kind"),
        (dict(kind="suspension", start="05/10/2026", days=1, status="upheld"),
         "status_not_px"),
    ]
    for values, code in bad:
        with pytest.raises(ValidationError) as caught:
            x.add(case.case_ref, **values)
        assert code in codes(caught), (values, codes(caught))
    saved = x.add(case.case_ref, kind="suspension", start="05/10/2026", days="1.25",
                  reason="kicked a bin")
    assert {w.code for w in saved.warnings} == {"part_day", "reason_not_recognised"}
    assert x.get(saved.id).reason == "OT"
    with pytest.raises(NotFoundError):
        x.add("C-NOPE00", kind="suspension", start="05/10/2026", days=1)


def test_attendance_per_term_replaces_and_sets_the_latest(session, case):
    x = session.exclusions
    x.set_attendance(case.case_ref, year="2025/26", term="summer", percent="88.5")
    x.set_attendance(case.case_ref, year="2026/27", term="autumn", possible=120, attended=102)
    assert session.get_case(case.id).attendance_pct == 85.0
    x.set_attendance(case.case_ref, year="2026/27", term="autumn", percent=90)
    records = x.list_attendance(case.case_ref)
    assert [(r.label, r.percent) for r in records] == [("summer 2025/26", 88.5),
                                                       ("autumn 2026/27", 90.0)]
    assert session.get_case(case.id).attendance_pct == 90.0
    for values, code in ((dict(percent=101), "invalid_percent"),
                         (dict(possible=10, attended=11), "attended_over_possible"),
                         (dict(term="winter", percent=90), "invalid_term"),
                         (dict(), "required")):
        with pytest.raises(ValidationError) as caught:
            x.set_attendance(case.case_ref, **values)
        assert code in codes(caught)


def test_term_totals_are_set_merged_and_checked(session):
    x = session.exclusions
    x.set_figures("OAK", year="2025/26", term="spring", roll=1210, suspensions=12)
    x.set_figures("OAK", year="2025/26", term="spring", pupils_suspended=9)
    [f] = x.list_figures(year="2025/26")
    assert (f.roll, f.suspensions, f.pupils_suspended, f.label) == (1210, 12, 9,
                                                                    "spring 2025/26")
    x.set_figures("OAK", year="2025/26", term="spring", clear=["pupils_suspended"])
    assert x.list_figures(year="2025/26", school="OAK")[0].pupils_suspended is None
    for values, code in ((dict(term="spring", pupils_suspended=13), "pupils_over_suspensions"),
                         (dict(term="spring", roll=-1), "negative"),
                         (dict(term="spring", attendance_pct=120), "invalid_percent"),
                         (dict(term="", roll=5), "invalid_term"),
                         (dict(term="autumn"), "required"),
                         (dict(term="autumn", rolls=5), "unknown_figure")):
        with pytest.raises(ValidationError) as caught:
            x.set_figures("OAK", year="2025/26", **values)
        assert code in codes(caught), (values, codes(caught))


def test_words_an_mis_uses():
    assert parse_kind("Fixed Period") == ("suspension", False)
    assert parse_kind("LNCH") == ("suspension", True)
    assert parse_kind("Permanent exclusion") == ("permanent", False)
    assert parse_reason("pd") == ("PD", True)
    assert parse_reason("Physical assault against an adult") == ("PA", True)
    assert parse_reason("threw a chair") == ("OT", False)
    assert parse_status("Reinstated by governors") == "rescinded"
    assert parse_status("") == "pending"


def test_a_holiday_counts_in_the_term_before(session):
    from datetime import date

    cal = session.calendar.calendar()
    assert term_of(date(2025, 12, 22), cal) == (2025, "autumn")
    assert term_of(date(2026, 2, 17), cal) == (2025, "spring")  # half term
    assert term_of(date(2026, 8, 20), cal) == (2025, "summer")
    assert term_of(date(2026, 9, 1), cal) == (2026, "autumn")  # before the first day


def test_a_pupils_records_go_with_a_lawful_deletion_and_a_subject_access(session, case,
                                                                          tmp_path):
    x = session.exclusions
    x.add(case.case_ref, kind="suspension", start="05/10/2026", days=1, reason="PD")
    x.set_attendance(case.case_ref, term="autumn", percent=91)
    sar = session.privacy.subject_access(case.id)
    text = repr(sar.to_dict())
    assert "exclusion" in text.lower() and "attendance" in text.lower()
    plan = session.privacy.plan_deletion(case.case_ref, reason="recorded_in_error")
    session.privacy.purge(plan)
    conn = session.db.conn
    assert conn.execute("SELECT count(*) FROM exclusions").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM attendance_records").fetchone()[0] == 0


def test_records_travel_in_bundles_only_to_the_pupils_schools(_template_db, tmp_path,
                                                               no_keyring, clock):
    from tests.core.bundle_helpers import decrypt_as, introduce, make_site

    panel = make_site(_template_db, tmp_path, "panel", no_keyring, clock, panel=True)
    riv = make_site(_template_db, tmp_path, "riv", no_keyring, clock, school="RIV")
    oak = make_site(_template_db, tmp_path, "oak", no_keyring, clock, school="OAK")
    try:
        introduce(panel, riv, oak)
        s = riv.session
        case = s.create_case(case_values("Ann", "Lee", serial=1, school="RIV")).case
        s.exclusions.add(case.case_ref, kind="suspension", start="05/10/2026", days=2)
        s.exclusions.set_figures("RIV", term="autumn", roll=960)
        path = tmp_path / "to-panel.panelbundle"
        riv.b.export_bundle(["panel"], path)
        panel.b.apply(panel.b.open_bundle(path))
        got = panel.session.exclusions.list_exclusions(pupil=case.case_ref)
        assert [(e.kind, e.days) for e in got] == [("suspension", 2.0)]
        assert panel.session.reports.exclusions().rows  # the panel can report on it
        riv.b.export_bundle(["OAK"], tmp_path / "to-oak.panelbundle")
        _m, records = decrypt_as(oak, (tmp_path / "to-oak.panelbundle").read_bytes())
        kinds = {r.entity for r in records}
        assert "exclusion" not in kinds and "pupil" not in kinds
        assert "school_term_figures" in kinds  # school totals are partnership-wide
    finally:
        for site in (panel, riv, oak):
            site.session.lock()


TERMS_2026 = """year,term,start,end,half_term_start,half_term_end
2026/27,autumn,02/09/2026,18/12/2026,26/10/2026,30/10/2026
2026/27,spring,05/01/2027,26/03/2027,15/02/2027,19/02/2027
2026/27,summer,12/04/2027,21/07/2027,31/05/2027,04/06/2027
2026/27,closure,02/11/2026,,,
"""


def test_a_suspension_starting_on_a_day_without_school_is_questioned(session, case):
    x = session.exclusions
    saturday = x.add(case.case_ref, kind="suspension", start="10/10/2026", days=1)
    [warning] = [w for w in saturday.warnings if w.code == "weekend_start"]
    assert "10/10/2026 is a Saturday" in warning.message and "school day" in warning.message
    assert_plain(warning.message)
    # half term on the England default dates: only a warning, the dates are a guess
    guessed = x.add(case.case_ref, kind="suspension", start="28/10/2026", days=1)
    assert [w.code for w in guessed.warnings] == ["not_school_day"]
    closed_day = x.add(case.case_ref, kind="suspension", start="02/11/2026", days=1)
    assert not closed_day.warnings  # a school day until the partnership says otherwise

    session.calendar.import_csv(TERMS_2026)  # the partnership's own dates: now an error
    for start in ("28/10/2026", "02/11/2026"):
        with pytest.raises(ValidationError) as refused:
            x.add(case.case_ref, kind="suspension", start=start, days=1)
        assert codes(refused) == {"not_school_day"}
        assert "partnership's calendar" in str(refused.value)
        assert_plain(str(refused.value))
    assert x.add(case.case_ref, kind="suspension", start="10/10/2026", days=1).warnings
    assert not x.add(case.case_ref, kind="permanent", start="02/11/2026").warnings  # PX
    x.update(closed_day.id, days=2)  # recorded before the dates were entered: still editable
    with pytest.raises(ValidationError):
        x.update(closed_day.id, start="28/10/2026")
    assert not x.add(case.case_ref, kind="suspension", start="03/11/2026", days=1).warnings


def test_imported_suspensions_starting_at_a_weekend_are_warned_about(session, tmp_path):
    from tests.core.imports_util import SIMS_HEADERS, pupil_row, upn, write_csv

    session.imports.import_csv(write_csv(tmp_path / "p.csv", SIMS_HEADERS,
                                         [pupil_row(60, "Ann", "Lee", 9)]), school="OAK")
    session.calendar.import_csv(TERMS_2026)
    headers = ["UPN", "Exclusion Type", "Start Date", "Sessions", "Reason"]
    path = write_csv(tmp_path / "excl.csv", headers, [
        [upn(60), "Fixed Period", "10/10/2026", "2", "PD"],
        [upn(60), "Fixed Period", "02/11/2026", "2", "PD"],
        [upn(60), "Fixed Period", "05/10/2026", "2", "PD"]])
    preview = session.imports.preview_csv(path, school="OAK")
    weekend, closed, fine = preview.rows
    assert [i.code for i in weekend.issues] == ["weekend_start"] and weekend.action == "new"
    assert closed.action == "error" and [i.code for i in closed.errors] == ["not_school_day"]
    assert fine.action == "new" and not fine.issues
