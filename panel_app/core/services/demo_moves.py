"""The demo partnership's proposals, moves, placements and quota years (all invented).

Called by ``build_demo`` after the cases, the ladder demo and the meetings exist; it draws
from its own random generator, so everything made before stays the same. It adds:

- a quota year set up like South Rotherham for this school year: 630,000 GBP (36 funded
  places x 17,500) buying 30 PRU places, which leaves 105,000 GBP for other programmes,
  allocated by roll and FSM; last year bought only 12 places and went over them, so a
  deduction is carried into this year's envelope;
- two years of PRU and partnership-unit placements (KS4 vocational and 16-week KS1-3
  intervention places) and of managed moves and directions off-site with their outcomes;
- proposals in every state of the lifecycle (drafts, submitted ones that join the next
  meeting's agenda, one deferred, active ones with their move or placement, closed ones,
  fair-access placements for the "whose turn" rotation, a challenge to an exclusion made
  outside the panel, charged to the excluding school);
- the partnership's own labels for the two kinds of move.

Only cases whose ladder is met are submitted as moves or AP places (no override), so the
ladder demo's single override stays the only one. Finally the next meeting's agenda is
built again so that it lists the proposals, the reviews due and the quota report.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.models import CaseFilter
from panel_app.core.errors import PanelError
from panel_app.core.rules.quotas import year_bounds
from panel_app.core.services.session import PartnershipSession

LA_OFFICER = "Ruth Kendal"
PRU = "Elmbridge Vale PRU"
UNIT = "Vale Partnership Unit"
COST = 1_750_000  # 17,500 GBP a place, in pence


def add_moves_demo(session: PartnershipSession, *, seed: int) -> dict[str, Any]:
    """Add the demo's quota years, placements, moves and proposals; returns counts."""
    rng = random.Random(seed * 13 + 7)
    today = session.clock.today()
    year = academic_year_start(today)
    cal = session.calendar.calendar()

    def school_day(d: date) -> date:
        return cal.next_school_day(d)

    def before_today(d: date) -> date:
        d = school_day(d)
        return d if d <= today else cal.subtract_school_days(today, 1)

    made: dict[str, Any] = {"placements": 0, "moves": 0, "proposals": 0}
    session.moves.set_labels(managed_move="Permanent managed move (transfer)",
                             off_site="Managed move (dual registered)")
    # -- quota years ----------------------------------------------------------------------
    session.quotas.set_year(year - 1, places=12, cost_per_place=COST, funded_places=36,
                            formula="roll-fsm", roll_weight=0.5, fsm_weight=0.5,
                            notes="Year one of the memorandum of understanding.")
    session.quotas.set_year(year, places=30, cost_per_place=COST, funded_places=36,
                            formula="roll-fsm", roll_weight=0.5, fsm_weight=0.5,
                            notes="630,000 GBP (36 x 17,500) buys 30 PRU places.")

    # -- cases: those the ladder and meeting demos use come first; history uses the rest --
    open_rows = sorted(session.list_cases(CaseFilter(sort="opened")).rows,
                       key=lambda r: (r.opened_on, r.name))
    busy = {r.id for r in open_rows[:40]}
    pool = [r for r in sorted(session.list_cases(CaseFilter(status=None, sort="name")).rows,
                              key=lambda r: r.name) if r.id not in busy]
    rng.shuffle(pool)
    half = len(pool) // 2
    place_pool, move_pool = pool[:half], pool[half:]

    # -- placements over two years ----------------------------------------------------------
    last_first, last_last = year_bounds(year - 1)
    summer_end = cal.terms_for_year(year - 1)[-1].end
    this_summer_end = cal.terms_for_year(year)[-1].end
    plan: list[tuple[date, str, date | None, str]] = []  # start, pathway, end, outcome
    for n in range(8):  # KS4 vocational places, the whole of last year
        plan.append((school_day(last_first + timedelta(days=3 + 9 * n)), "ks4-vocational",
                     summer_end, rng.choice(["continued", "continued", "reintegrated"])))
    for n in range(10):  # 16-week intervention places, staggered through last year
        start = school_day(last_first + timedelta(days=10 + 21 * n))
        plan.append((start, "ks1-3-intervention", None,
                     rng.choices(["reintegrated", "specialist-placement", "terminated"],
                                 weights=[7, 2, 1])[0]))
    this_first = year_bounds(year)[0]
    for n in range(6):  # this year's vocational places, running
        plan.append((school_day(this_first + timedelta(days=3 + 4 * n)), "ks4-vocational",
                     this_summer_end, ""))
    for n in range(4):  # this year's intervention places
        start = school_day(this_first + timedelta(days=7 + 14 * n))
        if start <= today:
            plan.append((start, "ks1-3-intervention", None, ""))
    cases = iter(place_pool)
    for start, pathway, end, outcome in plan:
        row = next(cases, None)
        if row is None:
            break
        provider = "pru" if pathway == "ks1-3-intervention" or rng.random() < 0.7 else (
            "partnership-unit")
        review = cal.add_school_weeks(start, 2)
        try:
            saved = session.placements.add(
                row.id, provider_type=provider, start=start, end=end, pathway=pathway,
                provider_name=PRU if provider == "pru" else UNIT,
                review_dates=[review, cal.add_school_weeks(start, 8)],
                notes="Invented demo placement.")
        except PanelError:
            continue
        made["placements"] += 1
        pl = session.placements.get(saved.id)
        last = pl.planned_end or summer_end
        held = [r for r in pl.review_dates if r <= min(today, last)]
        if held:
            session.placements.record_review(pl.id, held[-1])
        if outcome and last < today:
            session.placements.end(pl.id, outcome=outcome, on=last)

    # -- moves over two years -----------------------------------------------------------------
    kinds = [("fixed-term", 6), ("respite", 2), ("turn-around", 1), ("extended", 12),
             ("fixed-term", 6), ("fixed-term", 5)]
    outcomes = ["converted"] * 9 + ["returned-home"] * 3 + ["broke-down", "moved-to-ap"]
    rng.shuffle(outcomes)
    move_starts = [school_day(last_first + timedelta(days=14 + 22 * n)) for n in range(12)]
    move_starts += [school_day(this_first + timedelta(days=7 + 15 * n)) for n in range(4)]
    member_ids = [s.id for s in session.list_schools() if s.member]
    cases = iter(move_pool)
    for n, start in enumerate(move_starts):
        if start > today:
            continue
        row = next(cases, None)
        if row is None:
            break
        record = session.get_case(row.id)
        others = [s for s in member_ids if s != record.home_school_id]
        kind, weeks = kinds[n % len(kinds)]
        notified = cal.subtract_school_days(start, 3)
        try:
            saved = session.moves.add(
                row.id, to=rng.choice(others), start=start, kind=kind, weeks=weeks,
                parents_notified_on=notified, review_dates=[cal.add_school_weeks(start, 1)
                                                            if weeks > 1 else start])
        except PanelError:
            continue
        made["moves"] += 1
        m = session.moves.get(saved.id)
        session.moves.record_admission_meeting(
            m.id, start, [("Head of year", "home"), ("Assistant head", "receiving"),
                          ("Parent", "family"), (record.first_name, "pupil")],
            ["Attendance above 95%", "No more than two behaviour points a week",
             "Weekly work sent by the home school"])
        held = [r for r in m.review_dates if r <= today]
        if held:
            session.moves.record_review(m.id, held[-1])
        if m.planned_end is not None and m.planned_end < today and outcomes:
            outcome = outcomes.pop()
            end = m.planned_end if outcome != "broke-down" else cal.add_school_days(
                m.start, 4)
            session.moves.end(m.id, outcome=outcome, on=end,
                              reason="Belonging: the pupil did not settle with the new "
                                     "tutor group." if outcome == "broke-down" else "",
                              reentry_meeting_on=end)

    # -- proposals in every state ---------------------------------------------------------------
    p = session.proposals
    meetings = session.meetings.list_meetings(upcoming=True)
    upcoming = meetings[0] if meetings else None
    on_time = before_today(session.meetings.cutoff(upcoming.id) - timedelta(days=2)
                           if upcoming else today)
    met: dict[str, list[Any]] = {"ap-place": [], "managed-move": []}
    for row in open_rows[:30]:
        for action, found in met.items():
            if session.ladders.check(row.id, action).verdict == "met":
                found.append(row)
    ap = iter(met["ap-place"])
    mm = iter([r for r in met["managed-move"] if r not in met["ap-place"]]
              + [r for r in met["managed-move"] if r in met["ap-place"]])
    schools = session.list_schools()

    def other_school(home_name: str) -> str:
        return next(s.id for s in schools if s.name != home_name)

    # The ladder evidence of the demo is complete only today (verified today), so the
    # requests that need it are submitted and decided today; they run from the next
    # school day.
    decided_on = before_today(today - timedelta(days=21))
    nxt = cal.add_school_days(today, 1)
    if (row := next(ap, None)) is not None:  # approved, placement about to start: active
        saved = p.add(row.id, "ap-place", title="Intervention place at the PRU", start=nxt,
                      weeks=16)
        p.submit(saved.id)
        p.decide(saved.id, "approved", over_quota_by=LA_OFFICER,
                 review_on=cal.add_school_weeks(nxt, 2))
        try:
            session.placements.add(row.id, provider_type="pru", provider_name=PRU, start=nxt,
                                   pathway="ks1-3-intervention", proposal=saved.id,
                                   review_dates=[cal.add_school_weeks(nxt, 2)])
        except PanelError:
            pass
        made["proposals"] += 1
    if (row := next(ap, None)) is not None:  # submitted: on the next agenda
        saved = p.add(row.id, "ap-place", title="KS4 vocational place",
                      start=cal.add_school_weeks(today, 2), weeks=20)
        p.submit(saved.id)
        made["proposals"] += 1
    if (row := next(ap, None)) is not None:  # a draft the school is still writing
        p.add(row.id, "ap-place", title="Place at the partnership unit (draft)")
        made["proposals"] += 1
    if (row := next(mm, None)) is not None:  # approved with conditions, move starting
        to = other_school(row.school)
        saved = p.add(row.id, "managed-move", to=to, start=nxt, weeks=6,
                      title="Six-week managed move for a fresh start")
        p.submit(saved.id)
        p.decide(saved.id, "approved_with_conditions",
                 conditions="Weekly check-in with the home school's head of year.")
        try:
            moved = session.moves.add(
                row.id, to=to, start=nxt, weeks=6, proposal=saved.id,
                parents_notified_on=cal.subtract_school_days(today, 3),
                review_dates=[cal.add_school_weeks(nxt, 3)])
            session.moves.record_admission_meeting(
                moved.id, today,
                [("Head of year", "home"), ("SENCO", "receiving"), ("Parent", "family")],
                ["Attendance above 95%", "Daily report card", "Work sent weekly"])
        except PanelError:
            pass
        made["proposals"] += 1
    if (row := next(mm, None)) is not None:  # submitted: on the next agenda
        saved = p.add(row.id, "managed-move", to=other_school(row.school),
                      title="Managed move after a friendship breakdown", weeks=6)
        p.submit(saved.id)
        made["proposals"] += 1
    if (row := next(mm, None)) is not None:  # deferred: heard again next time
        saved = p.add(row.id, "managed-move", to=other_school(row.school),
                      title="Respite at a partner school", weeks=2)
        p.submit(saved.id)
        p.decide(saved.id, "deferred", note="The receiving school was not represented.")
        made["proposals"] += 1
    # A move recorded last term, now under review (no ladder needed to record history).
    if (row := next(mm, None)) is not None or (row := next(iter(move_pool[::-1]), None)):
        saved = p.add(row.id, "rescind-px", title="Turn-around move instead of exclusion")
        p.submit(saved.id, on=decided_on)
        p.decide(saved.id, "approved", on=decided_on)
        p.close(saved.id, "rescinded", on=decided_on)
        made["proposals"] += 1

    # Fair access: earlier admissions this year (for the rotation), one waiting.
    spare = list(open_rows[30:40]) + move_pool[::-1]
    fair = iter(spare)
    admitted_on = [school_day(this_first + timedelta(days=10 + 12 * n)) for n in range(4)]
    for n, when in enumerate(admitted_on):
        row = next(fair, None)
        if row is None or when > today:
            break
        saved = p.add(row.id, "fair-access", fair_access_reason=[
            "new-arrival", "ehe-return", "lac", "new-arrival"][n], title="School place needed")
        p.submit(saved.id, on=when)
        turn = session.moves.whose_turn(row.year_group or 9)
        home = next((s.id for s in schools if s.name == row.school), "")
        admit = next((t.school_id for t in turn if t.school_id != home), None)
        p.decide(saved.id, "approved", on=when, to=admit)
        p.close(saved.id, "admitted", on=when)
        made["proposals"] += 1
    if (row := next(fair, None)) is not None:
        saved = p.add(row.id, "fair-access", fair_access_reason="new-arrival",
                      title="Arrived from another authority; no school place yet")
        p.submit(saved.id, on=on_time)
        made["proposals"] += 1
    # A permanent exclusion made outside the panel: challenged, then charged.
    if (row := next(fair, None)) is not None:
        when = before_today(today - timedelta(days=35))
        saved = p.add(row.id, "challenge-px", title="Exclusion made without the panel")
        p.submit(saved.id, on=when)
        p.decide(saved.id, "approved", on=when, note="The memorandum applies.")
        p.close(saved.id, "charged", on=before_today(when + timedelta(days=7)))
        made["proposals"] += 1
    if (row := next(fair, None)) is not None:
        saved = p.add(row.id, "other", title="Request for partnership mentoring funds")
        p.submit(saved.id, on=decided_on)
        p.decide(saved.id, "declined", on=decided_on,
                 note="Funding for mentoring is agreed at the summer meeting.")
        p.close(saved.id, on=decided_on)
        made["proposals"] += 1
    if (row := next(fair, None)) is not None:
        p.add(row.id, "other", title="Transport for a move (draft)")
        made["proposals"] += 1

    if upcoming is not None:
        session.meetings.build_agenda(upcoming.id)
    return made
