"""Managed moves, directions off-site and AP placements: the DfE distinction and the
partnership's labels, bad input that stores nothing, flags for moves ending or due for
review, outcome rates with numerators and denominators, the send/receive balance, the
fair-access rotation, and bundles reaching the receiving school of a move.

Dates: the clock is Sunday 22/11/2026 (England default calendar: autumn half term
26-30/10/2026; the autumn term ends Friday 18/12/2026)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from panel_app.core.domain.calendar import SchoolCalendar
from panel_app.core.domain.moves import Admission, Move
from panel_app.core.errors import ValidationError
from panel_app.core.rules import moves as rules
from panel_app.core.services import FixedClock
from tests.conftest import FIXED_NOW
from tests.core.bundle_helpers import decrypt_as, introduce, make_site
from tests.core.meetings_fixtures import Panel, make_panel
from tests.core.util import assert_plain, case_values

TABLES = ("moves", "placements", "proposals", "proposal_events", "changes")


@pytest.fixture
def panel(session) -> Panel:
    return make_panel(session)


def state(session) -> dict[str, int]:
    return {t: int(session.db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in TABLES}


def refused(session, call, *codes: str) -> ValidationError:
    before = state(session)
    with pytest.raises(ValidationError) as info:
        call()
    assert set(codes) <= {i.code for i in info.value.issues}, info.value.issues
    assert_plain(str(info.value))
    assert state(session) == before, "something was stored"
    return info.value


# -- moves -----------------------------------------------------------------------------------


def test_a_direction_off_site_with_its_admission_meeting_review_and_outcome(panel):
    s = panel.session
    zoe = panel.cases["zoe"]
    saved = s.moves.add(zoe, to="RIV", start="23/11/2026", weeks=6,
                        parents_notified_on="18/11/2026", review_dates=["04/12/2026"])
    assert saved.warnings == ()
    m = s.moves.get(saved.id[:8])
    assert (m.home_school, m.receiving_school) == ("Oakfield Academy", "Riverside School")
    assert m.arrangement == "off-site-direction" and m.dual_registration
    # Six school weeks from Monday 23/11/2026 run over Christmas to Monday 18/01/2027.
    assert m.planned_end == date(2027, 1, 18)
    assert s.moves.planned_weeks(m) == 6.0
    s.moves.record_admission_meeting(
        m.id, "23/11/2026", [("Ms Head", "home"), ("Mr Vice", "receiving"),
                             ("Parent", "family")], ["Attendance above 95%", "Daily report"])
    s.moves.record_review(m.id, "04/12/2026")
    d = s.moves.detail(m.id)
    assert [a["side"] for a in d["attendees"]] == ["home", "receiving", "family"]
    assert d["targets"] == ["Attendance above 95%", "Daily report"]
    assert d["reviewed_on"] == "2026-12-04" and d["next_review"] is None
    assert d["arrangement_label"] == "Direction off-site (dual registered)"
    ended = s.moves.end(m.id, outcome="returned-home", on="15/01/2027")
    assert [w.code for w in ended.warnings] == ["no_reentry_meeting"]
    m = s.moves.get(m.id)
    assert (m.outcome, m.ended_on) == ("returned-home", date(2027, 1, 15))
    assert len(s.moves.template()) >= 5


def test_the_dfe_distinction_warns(panel):
    s = panel.session
    trial = s.moves.add(panel.cases["zoe"], to="RIV", start="23/11/2026", kind="transfer",
                        arrangement="managed-move", trial=True)
    assert [w.code for w in trial.warnings] == ["managed_move_trial"]
    assert "cannot be a trial" in trial.warnings[0].message
    temporary = s.moves.add(panel.cases["tyler"], to="OAK", start="23/11/2026", weeks=2,
                            kind="respite", arrangement="managed-move")
    assert [w.code for w in temporary.warnings] == ["managed_move_temporary"]
    short = s.moves.add(panel.cases["mia"], to="OAK", start="23/11/2026", days=3,
                        kind="turn-around", parents_notified_on="20/11/2026")
    assert {w.code for w in short.warnings} == {"short_notice", "no_review_date"}
    long = s.moves.add(panel.cases["sam"], to="RIV", start="23/11/2026", weeks=4,
                       kind="respite", parents_notified_on="16/11/2026",
                       review_dates=["30/11/2026"])
    assert [w.code for w in long.warnings] == ["longer_than_kind"]
    # Marking a managed move as a trial afterwards warns too.
    later = s.moves.update(temporary.id, trial=True)
    assert [w.code for w in later.warnings] == ["managed_move_trial"]


def test_partnership_labels_are_configurable(panel):
    s = panel.session
    s.moves.set_labels(off_site="Managed move (dual registered)")
    assert s.moves.labels() == {
        "managed-move": "Managed move (transfer to the new school's roll)",
        "off-site-direction": "Managed move (dual registered)"}
    s.moves.set_labels(off_site="", managed_move="Permanent transfer", due_days=15)
    assert s.moves.labels()["off-site-direction"] == "Direction off-site (dual registered)"
    assert s.moves.label("managed-move") == "Permanent transfer"
    assert s.moves.due_within() == 15
    with pytest.raises(ValidationError):
        s.moves.set_labels(due_days=0)


def test_bad_moves_are_refused_and_nothing_is_stored(panel):
    s = panel.session
    zoe = panel.cases["zoe"]  # at Oakfield Academy
    err = refused(s, lambda: s.moves.add(zoe, to="Oakfield Academy", start="23/11/2026"),
                  "same_school")
    assert "different receiving school" in str(err)
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="23/11/2026", end="20/11/2026"),
            "end_before_start")
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="23/11/2026", review_dates=[
        "01/11/2026"]), "review_before_start")
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="23/11/2026", weeks=0),
            "invalid_length")
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="23/11/2026", weeks=2,
                                   end="01/12/2026"), "end_and_length")
    refused(s, lambda: s.moves.add(zoe, to="Nowhere", start="23/11/2026"), "unknown_school")
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="23/11/2026", kind="forever"),
            "invalid_kind")
    refused(s, lambda: s.moves.add(zoe, to="RIV", start="32/11/2026"), "invalid_date")
    s.moves.add(zoe, to="RIV", start="23/11/2026", weeks=2, review_dates=["27/11/2026"],
                parents_notified_on="18/11/2026")
    refused(s, lambda: s.moves.add(zoe, to="HIL", start="30/11/2026"), "move_overlaps")
    m = s.moves.list_moves(case=zoe)[0]
    refused(s, lambda: s.moves.end(m.id, outcome="broke-down", on="25/11/2026"),
            "reason_needed")
    refused(s, lambda: s.moves.end(m.id, outcome="returned-home", on="20/11/2026"),
            "end_before_start")
    refused(s, lambda: s.moves.end(m.id, outcome="vanished"), "invalid_outcome")
    s.moves.end(m.id, outcome="broke-down", on="25/11/2026", reason="Belonging")
    refused(s, lambda: s.moves.end(m.id, outcome="returned-home"), "already_ended")
    # A proposal that is not approved cannot be carried out.
    pid = s.proposals.add(panel.cases["tyler"], "managed-move", to="OAK").id
    refused(s, lambda: s.moves.add(panel.cases["tyler"], to="OAK", start="23/11/2026",
                                   proposal=pid), "proposal_not_approved")
    refused(s, lambda: s.moves.add(panel.cases["sam"], to="RIV", start="23/11/2026",
                                   proposal=pid), "proposal_other_case")


def test_a_move_starts_and_closes_its_proposal(panel):
    s = panel.session
    tyler = panel.cases["tyler"]  # at Riverside
    pid = s.proposals.add(tyler, "managed-move", to="OAK").id
    s.proposals.submit(pid)
    s.proposals.decide(pid, "approved")
    move = s.moves.add(tyler, to="OAK", start="23/11/2026", weeks=6, proposal=pid,
                       parents_notified_on="18/11/2026", review_dates=["04/12/2026"])
    assert s.proposals.get(pid).state == "active"
    assert s.proposals.detail(pid)["moves"] == [move.id]
    ended = s.moves.end(move.id, outcome="converted", on="15/01/2027",
                        reentry_meeting_on="15/01/2027")
    assert [w.code for w in ended.warnings] == ["update_home_school"]
    got = s.proposals.get(pid)
    assert (got.state, got.close_outcome) == ("closed", "converted")
    # Closing the proposal ends a running move with the same outcome.
    p2 = s.proposals.add(panel.cases["mia"], "managed-move", to="RIV").id
    s.proposals.submit(p2)
    s.proposals.decide(p2, "approved")
    m2 = s.moves.add(panel.cases["mia"], to="RIV", start="23/11/2026", weeks=2, proposal=p2,
                     parents_notified_on="18/11/2026", review_dates=["27/11/2026"])
    s.proposals.close(p2, "moved-to-ap", on="27/11/2026")
    m = s.moves.get(m2.id)
    assert (m.outcome, m.ended_on) == ("moved-to-ap", date(2026, 11, 27))


def test_moves_ending_or_due_for_review_within_n_school_days_are_flagged(panel):
    s = panel.session
    # Ends Friday 04/12/2026: 10 school days after Sunday 22/11 (Mon 23 .. Fri 04)
    a = s.moves.add(panel.cases["zoe"], to="RIV", start="16/11/2026", end="04/12/2026",
                    parents_notified_on="11/11/2026", review_dates=["27/11/2026"]).id
    # Ends in the new year, reviewed long ago without a review recorded: overdue review
    b = s.moves.add(panel.cases["tyler"], to="OAK", start="02/11/2026", end="29/01/2027",
                    kind="extended", parents_notified_on="28/10/2026",
                    review_dates=["13/11/2026"]).id
    flags = s.moves.due()
    got = {(f.entity_id, f.code, f.school_days) for f in flags}
    assert (a, "move_review_due", 5) in got and (a, "move_ending", 10) in got
    assert (b, "move_review_overdue", -5) in got  # Mon 16 .. Fri 20 November
    assert not any(f.entity_id == b and f.code == "move_ending" for f in flags)
    assert [f.entity_id for f in s.moves.due(within=4)] == [b]
    s.moves.record_review(b, "16/11/2026")
    assert all(f.entity_id != b for f in s.moves.due())
    # A placement ending soon is flagged as well.
    s.placements.add(panel.cases["mia"], provider_type="pru", start="02/11/2026",
                     end="25/11/2026", review_dates=["16/11/2026"])
    codes = {f.code for f in s.moves.due()}
    assert {"placement_ending", "placement_review_overdue"} <= codes
    for f in s.moves.due():
        assert_plain(f.message)


def test_reviews_due_join_the_agenda_and_a_decision_records_the_review(panel):
    s = panel.session
    mid = s.moves.add(panel.cases["zoe"], to="RIV", start="02/11/2026", end="29/01/2027",
                      kind="extended", parents_notified_on="28/10/2026",
                      review_dates=["20/11/2026", "15/01/2027"]).id
    meeting = panel.m.add_meeting("24/11/2026").id
    panel.m.build_agenda(meeting)
    item = next(i for i in panel.m.agenda(meeting) if i.entity == "move")
    assert item.section == "reviews" and item.entity_id == mid
    assert item.title == ("Review: Direction off-site (dual registered) to Riverside School "
                          "(review due 20/11/2026)")
    s.clock.at = FIXED_NOW + timedelta(days=2)  # the meeting has happened
    panel.m.decide(meeting, item.position, "approved", rationale="Settling well")
    assert s.moves.get(mid).reviewed_on == date(2026, 11, 24)
    later = panel.m.add_meeting("08/12/2026").id
    panel.m.build_agenda(later)
    assert not [i for i in panel.m.agenda(later) if i.entity == "move"]


# -- statistics, balance, rotation --------------------------------------------------------------


def _move(n: int, home: str, to: str, start: date, outcome: str = "",
          ended: date | None = None) -> Move:
    return Move(f"m{n}", "c", "C-1", "p", "off-site-direction", "fixed-term", home, home.upper(),
                to, to.upper(), start, outcome=outcome, ended_on=ended)


def test_rates_show_numerator_and_denominator():
    # One school's two years: 18 moves, 13 converted, 5 moved again or to AP.
    outcomes = ["converted"] * 13 + ["broke-down"] * 3 + ["moved-to-ap"] * 2
    moves = [_move(n, "a", "b", date(2025, 9, 8), o, date(2025, 10, 10))
             for n, o in enumerate(outcomes)]
    moves.append(_move(99, "a", "b", date(2026, 11, 16)))  # still running
    stats = rules.move_stats(moves, date(2026, 11, 22))
    assert (stats.total, stats.running, stats.ended) == (19, 1, 18)
    assert stats.rates["converted"].text == "13 of 18 (72.2%)"
    assert (stats.moved_again.numerator, stats.moved_again.denominator) == (5, 18)
    assert stats.rates["returned-home"].to_dict()["numerator"] == 0
    assert rules.Rate(0, 0).text == "0 of 0" and rules.Rate(0, 0).percent is None


def test_send_receive_balance_this_year_and_all_time():
    moves = [_move(1, "a", "b", date(2025, 10, 1)), _move(2, "a", "b", date(2026, 9, 15)),
             _move(3, "b", "c", date(2026, 10, 1)), _move(4, "x", "a", date(2026, 10, 2))]
    rows = {r.school_id: r for r in rules.balance(moves, [("a", "A"), ("b", "B"),
                                                          ("c", "C")], 2026)}
    assert (rows["a"].sent_year, rows["a"].received_year, rows["a"].net_year) == (1, 1, 0)
    assert (rows["a"].sent_all, rows["a"].net_all) == (2, -1)
    assert (rows["b"].received_all, rows["b"].sent_all, rows["b"].net_all) == (2, 1, 1)
    assert rows["c"].to_dict()["this_year"] == {"sent": 0, "received": 1, "net": 1}
    assert "x" in rows  # a former member still shows


def test_whose_turn_by_year_group():
    schools = [("a", "Ashcombe"), ("b", "Brookfield"), ("c", "Castleton")]
    admissions = [Admission("a", 9, date(2026, 9, 20)),
                  Admission("b", 9, date(2026, 10, 5), lac=True),
                  Admission("b", 8, date(2026, 10, 6)),  # another year group
                  Admission("c", 9, date(2025, 10, 6)),  # last school year
                  Admission("a", 9, date(2026, 11, 2), ehcp=True)]
    turn = rules.whose_turn(9, schools, admissions, 2026)
    assert [(t.position, t.school_id, t.admitted) for t in turn] == [
        (1, "c", 0), (2, "b", 1), (3, "a", 2)]
    assert (turn[1].lac, turn[2].ehcp) == (1, 1)
    tie = rules.whose_turn(9, schools, [Admission("a", 9, date(2026, 9, 1)),
                                        Admission("b", 9, date(2026, 10, 1))], 2026)
    assert [t.school_id for t in tie] == ["c", "a", "b"]  # least recent admission first


def test_moves_report_through_the_facade(panel):
    s = panel.session
    s.moves.add(panel.cases["zoe"], to="RIV", start="08/09/2025", weeks=6,
                parents_notified_on="03/09/2025", review_dates=["19/09/2025"])
    m = s.moves.add(panel.cases["tyler"], to="OAK", start="02/11/2026", weeks=2,
                    parents_notified_on="28/10/2026", review_dates=["06/11/2026"]).id
    s.moves.end(m, outcome="converted", on="13/11/2026")
    report = s.moves.report()
    assert report["overall"]["total"] == 2
    assert report["overall"]["rates"]["converted"]["text"] == "1 of 1 (100%)"
    bal = {b["name"]: b for b in report["balance"]}
    assert bal["Oakfield Academy"]["this_year"] == {"sent": 0, "received": 1, "net": 1}
    assert bal["Oakfield Academy"]["all_time"] == {"sent": 1, "received": 1, "net": 0}
    assert s.moves.stats(school="OAK").total == 1


# -- placements -------------------------------------------------------------------------------


def test_placements_and_their_bad_input(panel):
    s = panel.session
    zoe = panel.cases["zoe"]
    first = s.placements.add(zoe, provider_type="pru", provider_name="Vale PRU",
                             start="02/11/2026", pathway="ks1-3-intervention",
                             review_dates=["16/11/2026"])
    p = s.placements.get(first.id)
    # A KS1-3 intervention place runs 16 school weeks: to Friday 26/02/2027 (Christmas and
    # the February half term left out).
    cal = SchoolCalendar()
    assert cal.school_days_between(p.start - timedelta(days=1), p.planned_end) == 80
    assert p.in_quota and p.school == "Oakfield Academy"
    err = refused(s, lambda: s.placements.add(zoe, provider_type="registered",
                                              start="01/02/2027", weeks=4), "placement_overlaps")
    assert "Vale PRU" in str(err)
    refused(s, lambda: s.placements.add(zoe, provider_type="pru", start="01/01/2026",
                                        end="31/12/2025"), "end_before_start")
    refused(s, lambda: s.placements.add(zoe, provider_type="spa", start="01/03/2027"),
            "invalid_provider")
    refused(s, lambda: s.placements.add(zoe, provider_type="pru", start="01/03/2027",
                                        pathway="scenic"), "invalid_pathway")
    refused(s, lambda: s.placements.update(p.id, planned_end="01/10/2026"), "end_before_start")
    refused(s, lambda: s.placements.end(p.id, outcome="graduated"), "invalid_outcome")
    refused(s, lambda: s.placements.end(p.id, outcome="reintegrated", on="01/10/2026"),
            "end_before_start")
    # Another pupil may use the same provider at the same time; an unregistered provider
    # reminds the user of the checks.
    other = s.placements.add(panel.cases["tyler"], provider_type="unregistered",
                             provider_name="Farm Project", start="02/11/2026", weeks=6)
    assert {"unregistered_provider", "no_review_date"} <= {w.code for w in other.warnings}
    assert not s.placements.get(other.id).in_quota
    s.placements.end(p.id, outcome="reintegrated", on="05/02/2027")
    # After it ended early, a new placement from the next day is fine.
    s.placements.add(zoe, provider_type="on-site", start="08/02/2027", weeks=4,
                     review_dates=["15/02/2027"])
    assert len(s.placements.list_placements(case=zoe)) == 2


# -- bundles ----------------------------------------------------------------------------------


@pytest.fixture
def sites(_template_db: Path, tmp_path: Path, no_keyring):
    panel = make_site(_template_db, tmp_path, "panel", no_keyring, FixedClock(FIXED_NOW),
                      panel=True)
    riv = make_site(_template_db, tmp_path, "riv", no_keyring, FixedClock(FIXED_NOW),
                    school="RIV")
    introduce(panel, riv)
    yield panel, riv
    for site in (panel, riv):
        site.session.lock()


def test_the_receiving_school_of_a_move_receives_the_case(sites, tmp_path):
    panel, riv = sites
    ps = panel.session
    moving = ps.create_case(case_values("Ann", "Mover", school="OAK", serial=1)).case
    staying = ps.create_case(case_values("Bob", "Stayer", school="OAK", serial=2)).case
    ps.add_note(moving.id, "Admission meeting booked")
    pid = ps.proposals.add(moving.id, "managed-move", to="RIV").id
    ps.proposals.submit(pid)
    ps.proposals.decide(pid, "approved")
    mid = ps.moves.add(moving.id, to="RIV", start="23/11/2026", weeks=6, proposal=pid,
                       parents_notified_on="18/11/2026", review_dates=["04/12/2026"]).id
    ps.quotas.set_year(2026, places=2, cost_per_place="17,500")
    path = tmp_path / "to-riv.panelbundle"
    panel.b.export_bundle(["RIV"], path)
    _manifest, records = decrypt_as(riv, path.read_bytes())
    by_kind: dict[str, set[str]] = {}
    for r in records:
        by_kind.setdefault(r.entity, set()).add(r.id)
    assert by_kind["case"] == {moving.id}  # not the Oakfield pupil who stays
    assert staying.id not in by_kind["case"]
    assert by_kind["move"] == {mid} and pid in by_kind["proposal"]
    assert "case_note" in by_kind and "proposal_event" in by_kind
    assert "quota_year" in by_kind and "quota_allocation" in by_kind  # partnership-wide
    preview = riv.b.open_bundle(path)
    riv.b.apply(preview)
    rs = riv.session
    got = rs.moves.get(mid)
    assert got.receiving_school == "Riverside School" and got.case_ref == moving.case_ref
    assert rs.proposals.get(pid).state == "active"
    assert rs.quotas.get_year(2026).places == 2


def test_an_extended_move_of_a_whole_term_is_not_flagged_as_too_long(panel):
    """Domain brief: moves run "usually up to six weeks, sometimes a term". The autumn term
    2026 (03/09 to 18/12, half term 26-30/10) has 72 school days."""
    s = panel.session
    term = s.moves.add(panel.cases["zoe"], to="RIV", start="03/09/2026", end="18/12/2026",
                       kind="extended", parents_notified_on="28/08/2026",
                       review_dates=["01/10/2026"])
    assert "longer_than_kind" not in [w.code for w in term.warnings]
    longer = s.moves.add(panel.cases["tyler"], to="OAK", start="03/09/2026",
                         end="26/02/2027", kind="extended", parents_notified_on="28/08/2026",
                         review_dates=["01/10/2026"])
    warning = next(w for w in longer.warnings if w.code == "longer_than_kind")
    assert "a move of the kind extended (up to a term)" in warning.message
    assert_plain(warning.message)
