"""The demo partnership's calendar, ladder evidence and recorded checks (all invented).

Called by ``build_demo`` after the cases exist. The demo uses the Lincolnshire preset
(installed by ``create_partnership``). Open cases get evidence histories, oldest cases
first, so that on the demo's "today" some cases meet the ladder for an AP place or a
managed move, some meet it partly, and the rest have nothing recorded; a few checks are
recorded, one with an override. It draws from its own random generator, so the pupils
that ``build_demo`` makes stay the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from panel_app.core.domain.calendar import england_default_terms
from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.models import CaseFilter
from panel_app.core.services.session import PartnershipSession

LA_OFFICER = "Ruth Kendal"  # the demo's LA officer (see demo.py)

# (profile, how many cases). Profiles are described in _record().
PROFILES = [
    ("ap-ready", 4),
    ("move-ready", 3),
    ("outreach-running", 4),
    ("continuation-unverified", 2),
    ("psp-short", 3),
    ("psp-no-document", 2),
    ("move-no-agreement", 2),
]


def _document(case_ref: str, what: str) -> tuple[str, bytes]:
    text = f"{what} for case {case_ref}.\nInvented demo document: no real pupil.\n"
    return f"{what.lower().replace(' ', '-')}-{case_ref}.txt", text.encode()


def add_ladder_demo(
    session: PartnershipSession,
    *,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> dict[str, list[str]]:
    """Add the calendar, evidence and checks; returns case refs by profile."""
    rng = random.Random(seed * 7 + 3)
    today = session.clock.today()
    year = academic_year_start(today)
    # Term dates entered for last year and this one, with a training (INSET) day on the
    # first day of each autumn term; other years use the default pattern.
    terms = []
    for y in (year - 1, year):
        autumn, spring, summer = england_default_terms(y)
        terms += [replace(autumn, closures=(autumn.start,)), spring, summer]
    session.calendar.set_terms(terms)
    cal = session.calendar.calendar()

    def weeks_ago(n: int) -> date:
        return cal.subtract_school_weeks(today, n)

    open_cases = sorted(
        session.list_cases(CaseFilter(sort="opened")).rows, key=lambda r: (r.opened_on, r.name)
    )  # names are unique in the demo
    made: dict[str, list[str]] = {}
    lad = session.ladders
    index = 0
    for profile, count in PROFILES:
        for _ in range(count):
            if index >= len(open_cases):
                return made
            row = open_cases[index]
            index += 1
            _record(session, row.id, row.case_ref, profile, weeks_ago, rng)
            made.setdefault(profile, []).append(row.case_ref)
            if progress:
                progress(f"Ladder evidence {row.case_ref}")
    # Recorded checks, as a panel would keep them with its minutes.
    for ref in made.get("ap-ready", [])[:2]:
        lad.record_check(ref, "ap-place")
    for ref in made.get("outreach-running", [])[:1]:
        lad.record_check(ref, "ap-place")
    if index < len(open_cases):
        urgent = open_cases[index].case_ref  # nothing recorded: an extreme situation
        lad.record_check(
            urgent,
            "managed-move",
            override_reason="Unexpected and extreme situation: serious incident "
            "outside school; the family asked for a fresh start at once.",
            override_by=LA_OFFICER,
        )
        made["override"] = [urgent]
    return made


def _record(
    session: PartnershipSession,
    case_id: str,
    ref: str,
    profile: str,
    weeks_ago: Callable[[int], date],
    rng: random.Random,
) -> None:
    lad = session.ladders
    jitter = rng.randrange(0, 3)

    def psp(start: int, end: int | None, document: bool = True) -> None:
        lad.add_evidence(
            case_id,
            step="psp",
            kind="psp",
            started_on=weeks_ago(start + jitter),
            ended_on=weeks_ago(end) if end is not None else None,
            review_on=weeks_ago(start + jitter - 3),
            notes="Targets for lessons and unstructured times; weekly check-ins.",
            attachments=[_document(ref, "Pastoral support plan")] if document else (),
        )

    def approval(weeks: int, verified: bool = True) -> None:
        saved = lad.add_evidence(
            case_id,
            step="outreach",
            kind="psp_approval",
            started_on=weeks_ago(weeks + jitter),
            outcome="agreed",
        )
        if verified:
            lad.verify_evidence(saved.evidence.id, by=LA_OFFICER)

    def outreach(start: int, end: int | None, outcome: str = "") -> None:
        lad.add_evidence(
            case_id,
            step="outreach",
            kind="outreach",
            started_on=weeks_ago(start + jitter),
            ended_on=weeks_ago(end) if end is not None else None,
            outcome=outcome,
            notes="Outreach worker in school twice a week.",
        )

    if profile in {"ap-ready", "move-ready", "move-no-agreement"}:
        # Everything up to step 2: a PSP that ran its course, LA approval, 20+ weeks of
        # outreach completed.
        psp(34, 24)
        approval(23)
        outreach(22, 1, "completed")
        if profile == "move-ready":
            lad.add_evidence(
                case_id,
                step="outreach",
                kind="family_agreement",
                started_on=weeks_ago(1),
                outcome="agreed",
                notes="Parents agree a fresh start is the better option.",
            )
        if profile == "move-no-agreement":
            lad.add_evidence(
                case_id,
                step="outreach",
                kind="family_agreement",
                started_on=weeks_ago(1),
                outcome="declined",
                notes="Parents want the pupil to stay at the home school.",
            )
    elif profile == "outreach-running":
        psp(16, 8)
        approval(8)
        outreach(7, None)
    elif profile == "continuation-unverified":
        psp(26, 16)
        approval(16, verified=False)
        outreach(15, 3, "continuation-plan")
    elif profile == "psp-short":
        psp(3, None)
    elif profile == "psp-no-document":
        psp(9, None, document=False)
