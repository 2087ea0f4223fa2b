"""A demo partnership with invented schools, staff and pupils.

Everything here is generated: no real pupil, school or person. The generator is seeded,
so the same call builds the same partnership (screenshots and tests rely on that).
Later features extend ``build_demo`` with ladders, meetings, moves, placements and
exclusion and attendance records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.models import Risk, Role, SenStatus, SocialCare
from panel_app.core.domain.upn import make_upn
from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services.clock import Clock, SystemClock
from panel_app.core.services.session import CreatedPartnership, create_partnership

# Demo data are invented, so their passphrase may be public: the unlock dialog shows it
# for files created as demos. Never use it for real data.
DEMO_PASSPHRASE = "demo-partnership"
DEMO_NAME = "Elmbridge Vale Pupil Management Group (demo)"

Progress = Callable[[int, int, str], None]

SCHOOLS = [
    # name, URN, roll, FSM count, code
    ("Ashcombe Park Academy", "900101", 1180, 271, "APA"),
    ("Brookfield Community School", "900102", 940, 310, "BCS"),
    ("Castleton High School", "900103", 1420, 199, "CHS"),
    ("Dunmore Academy", "900104", 860, 344, "DUN"),
    ("Eastgate School", "900105", 1050, 231, "EGS"),
    ("Fernhill Academy", "900106", 1290, 387, "FHA"),
    ("Greystone College", "900107", 780, 148, "GRC"),
]

FIRST = [
    "Aiden",
    "Bella",
    "Callum",
    "Darcy",
    "Ellis",
    "Freya",
    "Gethin",
    "Harper",
    "Idris",
    "Jasmine",
    "Kai",
    "Lacey",
    "Mason",
    "Nia",
    "Oscar",
    "Poppy",
    "Quinn",
    "Riley",
    "Summer",
    "Tyler",
    "Umar",
    "Violet",
    "Warren",
    "Xanthe",
    "Yusuf",
    "Zara",
    "Alfie",
    "Brooke",
    "Connor",
    "Demi",
    "Ethan",
    "Faith",
    "Gracie",
    "Harley",
    "Isla",
    "Jayden",
    "Kian",
    "Leah",
    "Mohammed",
    "Niamh",
    "Olly",
    "Paige",
    "Reece",
    "Sienna",
    "Toby",
]
LAST = [
    "Ashdown",
    "Blakemore",
    "Crawshaw",
    "Dunleavy",
    "Eckersley",
    "Fairbrother",
    "Gorringe",
    "Hallworth",
    "Ingleby",
    "Jessop",
    "Kettlewell",
    "Lomax",
    "Moorcroft",
    "Nettleton",
    "Oldroyd",
    "Pickersgill",
    "Quarmby",
    "Rushworth",
    "Sowerby",
    "Thwaite",
    "Uttley",
    "Varley",
    "Whitworth",
    "Yardley",
    "Brackenbury",
    "Cawthorne",
]
STAFF = [
    "Sarah Whitlock",
    "Daniel Okafor",
    "Priya Raman",
    "Mark Hebden",
    "Claire Tolson",
    "James Achebe",
    "Helen Marsden",
    "Tom Greaves",
    "Aisha Begum",
    "Neil Coverdale",
]
SUMMARIES = [
    "Persistent disruption in lessons; several suspensions this term.",
    "Dysregulated behaviour at unstructured times; possible unmet SEMH need.",
    "Attendance falling since Easter; family report anxiety about school.",
    "Physical altercation with peer; at risk of permanent exclusion.",
    "Refusal to follow instructions, internal exclusion used repeatedly.",
    "Concerns about exploitation outside school; police involvement.",
    "Returned from elective home education; needs a fresh start.",
    "Friendship breakdown and online conflict escalating in school.",
]
VOICES = [
    "Says lessons move too fast and gets angry when unable to keep up.",
    "Wants a fresh start somewhere nobody knows them.",
    "Feels teachers pick on them; likes PE and design technology.",
    "Parent asks for more communication from school and help with mornings.",
    "",
]


def build_demo(
    path: Path,
    *,
    keyring: KeyringStore | None = None,
    kdf: KdfParams | None = None,
    clock: Clock | None = None,
    seed: int = 2026,
    pupils: int = 150,
    progress: Progress | None = None,
) -> CreatedPartnership:
    """Create ``path`` as the demo partnership, unlocked, and return it."""
    clock = clock or SystemClock()
    rng = random.Random(seed)
    created = create_partnership(
        path,
        DEMO_NAME,
        DEMO_PASSPHRASE,
        keyring=keyring,
        kdf=kdf,
        clock=clock,
        user_name="Demo Clerk",
        ladder_preset="lincolnshire",
        demo=True,
    )
    session = created.session
    total = len(SCHOOLS) + pupils
    done = 0
    school_ids = []
    for name, urn, roll, fsm, code in SCHOOLS:
        school, _ = session.add_school(name, urn=urn, roll=roll, fsm_count=fsm, short_code=code)
        school_ids.append(school.id)
        done += 1
        if progress:
            progress(done, total, f"School {name}")
    staff = list(STAFF)
    rng.shuffle(staff)
    for school_id, person in zip(school_ids, staff, strict=False):
        role = rng.choice([Role.VICE_PRINCIPAL, Role.ASSISTANT_HEAD])
        session.add_person(person, role=role.value, school_id=school_id)
    session.add_person("Ruth Kendal", role=Role.LA_OFFICER.value)
    session.add_person("Graham Pell", role=Role.PRU_HEAD.value)
    session.add_person("Demo Clerk", role=Role.CLERK.value)

    today = clock.today()
    this_year = academic_year_start(today)
    used_names: set[tuple[str, str]] = set()
    for n in range(pupils):
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if (first, last) not in used_names:
                used_names.add((first, last))
                break
        year_group = rng.choices([7, 8, 9, 10, 11], weights=[1, 2, 3, 4, 3])[0]
        born_year = this_year - year_group - 5  # school year of birth starts 1 Sept
        dob = date(born_year, 9, 1) + timedelta(days=rng.randrange(0, 365))
        school_idx = rng.randrange(len(SCHOOLS))
        school_urn = int(SCHOOLS[school_idx][1])
        opened_year = this_year if rng.random() < 0.55 else this_year - 1
        start = date(opened_year, 9, 8)
        span = 300 if opened_year < this_year else max(1, (today - start).days)
        opened = min(start + timedelta(days=rng.randrange(0, span)), today)
        closed = opened_year < this_year and rng.random() < 0.45
        sen = rng.choices(list(SenStatus), weights=[5, 4, 1])[0]
        risk = rng.choices(list(Risk), weights=[2, 4, 4])[0]
        suspensions = rng.choices([0, 1, 2, 3, 5, 8], weights=[4, 4, 3, 2, 1, 1])[0]
        values = {
            "first_name": first,
            "last_name": last,
            "dob": dob,
            "upn": make_upn(900, school_urn % 10000, opened_year - year_group + 7, n + 1),
            "gender": rng.choice(["M", "F", "M", "F", "X"]),
            "year_group": year_group,
            "home_school_id": school_ids[school_idx],
            "sen_status": sen.value,
            "primary_need": "SEMH"
            if sen != SenStatus.NONE and rng.random() < 0.7
            else (rng.choice(["ASD", "SLCN", "MLD", "SpLD"]) if sen != SenStatus.NONE else ""),
            "fsm": rng.random() < 0.45,
            "pupil_premium": rng.random() < 0.5,
            "lac": rng.random() < 0.06,
            "social_care": rng.choices(list(SocialCare), weights=[12, 3, 2, 1])[0].value,
            "eal": rng.random() < 0.15,
            "young_carer": rng.random() < 0.05,
            "youth_justice": rng.random() < 0.05,
            "risk": risk.value,
            "status": "closed" if closed else "open",
            "opened_on": opened,
            "closed_on": min(opened + timedelta(days=rng.randrange(30, 200)), today)
            if closed
            else None,
            "summary": rng.choice(SUMMARIES),
            "attendance_pct": round(rng.uniform(52, 97), 1),
            "suspensions": suspensions,
            "suspension_days": float(suspensions * rng.choice([1, 1, 2, 3])),
            "permanent_exclusions": 0,
            "pupil_voice": rng.choice(VOICES),
            "family_voice": rng.choice(VOICES),
            "lead": staff[school_idx % len(staff)],
        }
        saved = session.create_case(values)
        if rng.random() < 0.4:
            session.add_note(saved.case.id, "Discussed at panel; school to update the plan.")
        done += 1
        if progress and (done % 10 == 0 or done == total):
            progress(done, total, "Pupils")
    # Term dates, ladder evidence histories and recorded checks (own random generator).
    from panel_app.core.services.demo_ladders import add_ladder_demo

    if progress:
        progress(done, total, "Ladder evidence")
    add_ladder_demo(session, seed=seed)
    # Past meetings with decisions and actions, and the next one with its agenda.
    from panel_app.core.services.demo_meetings import add_meeting_demo

    if progress:
        progress(done, total, "Meetings")
    add_meeting_demo(session, seed=seed)
    # Two years of moves and placements, proposals in every state, quota years.
    from panel_app.core.services.demo_moves import add_moves_demo

    if progress:
        progress(done, total, "Moves, placements and quotas")
    add_moves_demo(session, seed=seed)
    # Suspensions, permanent exclusions and attendance over the terms since last autumn.
    from panel_app.core.services.demo_exclusions import add_exclusions_demo

    if progress:
        progress(done, total, "Exclusions and attendance")
    add_exclusions_demo(session, seed=seed)
    return created
