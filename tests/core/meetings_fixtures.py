"""The meetings tests' partnership: people and open cases on top of the ``session``
fixture (each test module wraps ``make_panel`` in its own ``panel`` fixture).

Dates: the clock is Sunday 22/11/2026. Tuesday 10/11 and 17/11/2026 are past school
days, Tuesday 24/11/2026 is the next one; 26-30/10/2026 is the autumn half-term break
(England default calendar).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.core.util import case_values


@dataclass
class Panel:
    session: object
    cases: dict[str, str] = field(default_factory=dict)  # key -> case ref

    @property
    def m(self):  # the meetings facade
        return self.session.meetings  # type: ignore[attr-defined]


PEOPLE = [
    ("Anna Vice", "vice principal", "OAK"),
    ("Ben Head", "assistant head", "RIV"),
    ("Cara Hill", "vice principal", "HIL"),
    ("Lena Officer", "LA officer", None),
    ("Paul Pru", "PRU head", None),
    ("Fay Access", "fair access officer", None),
    ("Carl Clerk", "clerk", None),
]
PUPILS = {
    # key: (first, last, school)
    "zoe": ("Zoë", "Ñúñez", "Oakfield Academy"),
    "tyler": ("Tyler", "Ashdown", "Riverside School"),
    "mia": ("Mia", "Blakemore", "Hilltop School"),
    "sam": ("Sam", "Eckersley", "Oakfield Academy"),
}


def make_panel(session) -> Panel:
    session.add_school("Hilltop School", urn="100003", roll=800, fsm_count=160,
                       short_code="HIL")
    for name, role, school in PEOPLE:
        session.add_person(name, role=role, school_id=school)
    p = Panel(session)
    for n, (key, (first, last, school)) in enumerate(PUPILS.items(), start=1):
        p.cases[key] = session.create_case(
            case_values(first, last, school=school, serial=n)).case.case_ref
    return p
