"""The demo partnership's exclusion and attendance records (all invented).

Called last by ``build_demo``, from its own random generator (so everything made before
stays the same), through ``session.exclusions`` in one transaction with the repository's
batch (``Repository.batched``), which keeps the demo quick to build. For every school
term from last autumn to today it adds:

- **suspensions**: each case's suspensions (the count and days the case already shows)
  as records at the pupil's home school, in the terms the pupil was at secondary school
  (a Y7 pupil's all this year), fewer each term; about 10 per school per term, about 30
  a year, the level East Bassetlaw reached (domain brief);
- **permanent exclusions**: one to three a term across the seven schools, falling (as in
  Lincolnshire), upheld by the governors; one rescinded after the panel's turn-around
  move (the ``rescind-px`` proposal), one made outside the panel (the ``challenge-px``
  proposal) and one still pending;
- **attendance**: the school's own figures per term (attendance %, and last year's roll)
  as term totals, and each open case's attendance % this term as the pupil's record.

The case summaries follow the records (``ExclusionsService.sync_cases``): suspensions are
laid out to match what the cases show, so only the cases given a permanent exclusion
change. Returns the counts made.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from panel_app.core.domain.calendar import Term
from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.exclusions import term_of
from panel_app.core.domain.models import CaseFilter
from panel_app.core.services.session import PartnershipSession

# Census reason codes and how often the demo uses them (persistent disruption first).
SUSPENSION_REASONS = (("PD", 34), ("VA", 18), ("VP", 10), ("PP", 10), ("PA", 4), ("DA", 5),
                      ("DM", 5), ("BU", 4), ("TH", 3), ("RA", 2), ("OT", 5))
PX_REASONS = ("PD", "PA", "PP", "DA", "PD", "VA")
TERM_WEIGHTS = (30, 26, 21, 12)  # last autumn, spring, summer, this autumn (Y7 join it)
PX_PER_TERM = (3, 2, 2, 1)  # upheld, partnership-wide, in the same terms
ATTENDANCE = {"autumn": 92.4, "spring": 90.8, "summer": 89.6}  # typical secondary %


def _terms(session: PartnershipSession, today: date) -> list[Term]:
    """Last year's terms and this year's that have begun, in order."""
    cal = session.calendar.calendar()
    year = academic_year_start(today)
    out = list(cal.terms_for_year(year - 1))
    out += [t for t in cal.terms_for_year(year) if t.start <= today]
    return out


def _school_day(term: Term, last: date, rng: random.Random) -> date | None:
    """A random school day of ``term`` on or before ``last`` (None: none yet)."""
    end = min(term.end, last)
    span = (end - term.start).days
    if span < 0:
        return None
    for _ in range(20):
        d = term.start + timedelta(days=rng.randrange(span + 1))
        if term.is_school_day(d):
            return d
    d = end
    while d >= term.start and not term.is_school_day(d):
        d -= timedelta(days=1)
    return d if d >= term.start else None


def add_exclusions_demo(session: PartnershipSession, *, seed: int) -> dict[str, Any]:
    """Add the demo's exclusion and attendance records and schools' term totals."""
    rng = random.Random(seed * 17 + 11)
    today = session.clock.today()
    year = academic_year_start(today)
    terms = _terms(session, today)
    weights = list(TERM_WEIGHTS[:len(terms)]) + [TERM_WEIGHTS[-1]] * (len(terms) - 4)
    x = session.exclusions
    made = {"suspensions": 0, "permanent_exclusions": 0, "attendance": 0, "term_totals": 0}
    reasons, reason_weights = zip(*SUSPENSION_REASONS, strict=True)
    cases = sorted((session.get_case(r.id) for r in
                    session.list_cases(CaseFilter(status=None, sort="name")).rows),
                   key=lambda c: (c.last_name, c.first_name))
    with session._write(), session.repo.batched():
        # -- suspensions: what each case shows, spread over the terms -------------------
        for case in cases:
            count = case.suspensions or 0
            if not count:
                continue
            # a Y7 pupil was at primary school last year: this year's terms only
            allowed = [i for i, t in enumerate(terms)
                       if case.year_group != 7 or t.academic_year == year]
            if not allowed:
                continue
            days = (case.suspension_days or count) / count
            for _ in range(count):
                index = rng.choices(allowed, weights=[weights[i] for i in allowed])[0]
                day = _school_day(terms[index], today, rng)
                if day is None:
                    continue
                x.add(case.case_ref, kind="suspension", start=day, days=days,
                      reason=rng.choices(reasons, weights=reason_weights)[0])
                made["suspensions"] += 1
        # -- permanent exclusions ---------------------------------------------------------
        taken: set[str] = set()

        def px(case: Any, day: date, status: str, decided: date | None) -> None:
            x.add(case.case_ref, kind="permanent", start=day, reason=rng.choice(PX_REASONS),
                  status=status, decided_on=decided)
            taken.add(case.id)
            made["permanent_exclusions"] += 1

        by_id = {c.id: c for c in cases}
        cal = session.calendar.calendar()
        for kind, status in (("rescind-px", "rescinded"), ("challenge-px", "upheld")):
            for prop in session.proposals.list_proposals(kind=kind)[:1]:
                found = by_id.get(prop.case_id)
                if found is None or prop.submitted_on is None:
                    continue
                day = cal.subtract_school_days(prop.submitted_on, 3)
                px(found, day, status, prop.decided_on or prop.submitted_on)
        # the rest go to pupils with several suspensions, at different schools in turn
        candidates = [c for c in cases if (c.suspensions or 0) >= 3 and c.id not in taken]
        rng.shuffle(candidates)
        schools_used: list[str] = []
        for index, term in enumerate(terms):
            wanted = PX_PER_TERM[min(index, len(PX_PER_TERM) - 1)]
            for _ in range(wanted):
                pick = next((c for c in candidates if c.id not in taken
                             and c.home_school_id not in schools_used[-3:]
                             and (c.year_group != 7 or term.academic_year == year)), None)
                day = _school_day(term, today, rng)
                if pick is None or day is None:
                    continue
                schools_used.append(pick.home_school_id)
                decided = cal.add_school_days(day, 10)
                px(pick, day, "upheld", decided if decided <= today else None)
        pending = next((c for c in candidates if c.id not in taken), None)
        recent = cal.subtract_school_days(today, 2)
        if pending is not None and recent >= terms[-1].start:
            px(pending, recent, "pending", None)
        # -- attendance: schools' term totals, and the cases' this term -------------------
        for school in session.list_schools():
            if not school.member:
                continue
            tilt = (school.fsm_count or 0) / max(1, school.roll or 1) * -6.0
            for term in terms:
                figures: dict[str, Any] = {
                    "attendance_pct": round(ATTENDANCE[term.name] + 1.2 + tilt
                                            + rng.uniform(-0.8, 0.8), 1)}
                if term.academic_year < year and school.roll:
                    figures["roll"] = school.roll - rng.randrange(5, 40)
                x.set_figures(school.id, year=term.academic_year, term=term.name,
                              notes="Invented demo figures.", **figures)
                made["term_totals"] += 1
        this_year, this_term = term_of(today, cal)
        if terms[-1].academic_year == year:
            for case in cases:
                if case.status == "open" and case.attendance_pct is not None:
                    x.set_attendance(case.case_ref, year=this_year, term=this_term,
                                     percent=case.attendance_pct)
                    made["attendance"] += 1
    return made
