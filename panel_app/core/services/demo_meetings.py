"""The demo partnership's meetings (all invented): three past fortnightly meetings with
attendance, declarations, decisions and actions, and the next meeting with its agenda
built from the data (new referrals, one of them late, carried actions, reviews due).

Called by ``build_demo`` after the cases and the ladder demo exist; it draws from its own
random generator, so the pupils and evidence that come before stay the same. The minutes
of each past meeting are approved at the meeting after it; the last past meeting's
minutes are still a draft, to be approved at the next one.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from panel_app.core.domain.meetings import Outcome
from panel_app.core.domain.models import CaseFilter, Role
from panel_app.core.services.session import PartnershipSession

PAST_MEETINGS = 3
REQUESTS = ["AP place", "managed move", "AP place", "managed move", "respite placement"]
RATIONALES = {
    Outcome.APPROVED: "The ladder was followed: PSP reviewed twice and outreach completed. "
                      "The family agrees and the receiving school can meet the need.",
    Outcome.APPROVED_WITH_CONDITIONS: "Agreed as a six-week managed move; the home school "
                                      "keeps the pupil on roll and attends the review.",
    Outcome.DEFERRED: "The referring school was not represented; to be heard next time.",
    Outcome.MORE_EVIDENCE: "The outreach exit report and an updated PSP are needed before the "
                           "panel can consider a place.",
    Outcome.DECLINED: "Earlier steps of the ladder were not evidenced; the school to use the "
                      "internal exclusion facility and outreach first.",
}
ACTIONS = [
    "Arrange the admission meeting with the family and both schools",
    "Send the updated PSP and attendance record to the LA officer",
    "Book the six-week review meeting",
    "Share the outreach exit report with the receiving school",
    "Confirm transport arrangements with the LA",
]


def _tuesdays_around(session: PartnershipSession) -> tuple[list[date], date]:
    """The past meeting dates (school-day Tuesdays a fortnight apart) and the next one."""
    cal = session.calendar.calendar()
    today = session.clock.today()
    upcoming = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    while not cal.is_school_day(upcoming):
        upcoming += timedelta(days=14)
    past: list[date] = []
    d = upcoming
    for _ in range(12):
        d -= timedelta(days=14)
        if cal.is_school_day(d) and d < today:
            past.append(d)
        if len(past) == PAST_MEETINGS:
            break
    return sorted(past), upcoming


def add_meeting_demo(session: PartnershipSession, *, seed: int) -> list[str]:
    """Add the demo meetings; returns their ids, oldest first."""
    rng = random.Random(seed * 11 + 5)
    m = session.meetings
    people = session.list_people()
    reps = [p for p in people if p.school_id and p.role in (Role.VICE_PRINCIPAL.value,
                                                           Role.ASSISTANT_HEAD.value)]
    others = [p for p in people if p.role in (Role.LA_OFFICER.value, Role.PRU_HEAD.value)]
    clerk = next((p.name for p in people if p.role == Role.CLERK.value), None)
    schools = [s for s in session.list_schools() if s.member]
    chair = reps[0].name if reps else None
    past, upcoming = _tuesdays_around(session)
    m.update_settings(quorum_schools=max(1, len(schools) // 2 + 1),
                      venues=[s.id for s in schools])
    ids: list[str] = []
    for n, on in enumerate([*past, upcoming]):
        saved = m.add_meeting(on, time="09:30", end_time="12:00",
                              venue=schools[n % len(schools)].id if schools else None,
                              chair=chair, clerk=clerk)
        ids.append(saved.id)
    rows = session.list_cases(CaseFilter(sort="opened")).rows
    cases = sorted(rows, key=lambda r: (r.opened_on, r.name))  # the ladder demo's order
    next_case = iter(cases)
    outcomes = [
        [Outcome.APPROVED, Outcome.MORE_EVIDENCE, Outcome.APPROVED_WITH_CONDITIONS],
        [Outcome.APPROVED_WITH_CONDITIONS, Outcome.DEFERRED, Outcome.DECLINED],
        [Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.MORE_EVIDENCE],
    ]
    for n, (meeting_id, on) in enumerate(zip(ids, past, strict=False)):
        # Referrals received for this meeting (before its cut-off but one).
        cutoff = m.cutoff(meeting_id)
        for k in range(3):
            row = next(next_case, None)
            if row is None:
                break
            late = k == 0 and n == 1  # one late referral, heard anyway
            when = cutoff + timedelta(days=1) if late else cutoff - timedelta(
                days=rng.randrange(1, 9))
            request = REQUESTS[(n * 3 + k) % len(REQUESTS)]
            m.refer_case(row.case_ref, category=request, on=when,
                         summary=f"The school asks the panel for "
                                 f"{'an' if request[0] in 'AEIOU' else 'a'} {request}.")
            if request == "AP place":
                session.ladders.record_check(row.case_ref, "ap-place", on=when)
        if n == 1 and (row := next(next_case, None)) is not None:
            m.refer_case(row.case_ref, kind="fair_access", category="new arrival",
                         on=cutoff - timedelta(days=2),
                         summary="Arrived from another authority; no school place yet.")
        m.build_agenda(meeting_id)
        absent = rng.choice(reps[1:]) if len(reps) > 1 else None  # never the chair
        m.record_attendance(meeting_id,
                            present=[p.name for p in [*reps, *others] if p is not absent]
                            + ([clerk] if clerk else []),
                            apologies=[absent.name] if absent else [])
        if n == 0 and len(reps) > 2:
            m.declare_interest(meeting_id, reps[2].name,
                               "Parent governor at a receiving school")
        agenda = m.agenda(meeting_id)
        for item in agenda:
            if item.section == "previous" and item.entity == "meeting":
                m.decide(meeting_id, item.position, Outcome.APPROVED.value,
                         rationale="Agreed as a true record.")
        for item in agenda:
            if item.section == "reviews":
                m.decide(meeting_id, item.position, Outcome.APPROVED.value,
                         rationale="Reviewed: attendance and behaviour improving; the "
                                   "arrangement continues as agreed.")
        decided = [i for i in agenda if i.entity == "referral"]
        for k, item in enumerate(decided):
            outcome = outcomes[n][k % 3]
            vote = outcome == Outcome.DECLINED or (outcome == Outcome.APPROVED and k == 0
                                                   and n == 2)
            m.decide(
                meeting_id, item.position, outcome.value,
                votes=(4, 2, 1) if outcome == Outcome.DECLINED else (5, 1, 1) if vote
                else None,
                rationale=RATIONALES[outcome],
                conditions="Six-week managed move with a review at week three; the home "
                           "school keeps the pupil on roll." if
                outcome == Outcome.APPROVED_WITH_CONDITIONS else "",
                dissent="One member felt the pupil should stay at the home school with "
                        "outreach." if vote else "",
                review_on=(on + timedelta(days=28)) if outcome in (
                    Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS) else None,
            )
            if outcome in (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS) and reps:
                owner = reps[(n + k) % len(reps)].name
                m.add_action(meeting_id, ACTIONS[(n + k) % len(ACTIONS)], owner=owner,
                             due_on=on + timedelta(days=rng.choice([7, 14, 21])),
                             item=item.position)
        if others:
            m.add_action(meeting_id, ACTIONS[(n + 1) % len(ACTIONS)], owner=others[0].name,
                         due_on=on + timedelta(days=14))
    # Some actions are done; those of the oldest meeting all are but one, now overdue.
    today = session.clock.today()
    for action in m.actions(state="outstanding"):
        if action.due_on < today and rng.random() < 0.6:
            m.complete_action(action.id, on=min(action.due_on, today))
    # The next meeting: two new referrals (one after the cut-off), then its agenda.
    cutoff = m.cutoff(ids[-1])
    for when in (min(cutoff, today), min(cutoff + timedelta(days=2), today)):
        row = next(next_case, None)
        if row is not None and when > past[-1]:
            m.refer_case(row.case_ref, category="AP place", on=when,
                         summary="The school asks the panel for an AP place.")
    m.build_agenda(ids[-1])
    return ids
