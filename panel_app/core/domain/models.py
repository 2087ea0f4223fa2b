"""Records of a partnership: schools, people, pupils and their cases.

Every record has a stable random id (a UUID4 hex string) so that installations can
merge each other's changes field by field; nothing refers to rows by position.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


def new_id() -> str:
    return uuid.uuid4().hex


def new_ids(count: int) -> list[str]:
    """``count`` ids of the same form as ``new_id()`` (random UUID version 4, hex), made
    from one read of the system's random source (a large import needs many)."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex()
    return [text[i:i + 32] for i in range(0, 32 * count, 32)]


_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_case_ref() -> str:
    """A short reference safe to print in circulated minutes instead of a name."""
    return "C-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))


class Phase(StrEnum):
    SECONDARY = "secondary"
    PRIMARY = "primary"
    ALL_THROUGH = "all-through"
    SPECIAL = "special"
    AP = "alternative provision"


class Role(StrEnum):
    VICE_PRINCIPAL = "vice principal"
    ASSISTANT_HEAD = "assistant head"
    HEADTEACHER = "headteacher"
    LA_OFFICER = "LA officer"
    PRU_HEAD = "PRU head"
    CLERK = "clerk"
    MENTAL_HEALTH = "mental health worker"
    FAIR_ACCESS = "fair access officer"
    OTHER = "other"


class Risk(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class SenStatus(StrEnum):
    NONE = "none"
    SEN_SUPPORT = "SEN support"
    EHCP = "EHCP"


class SocialCare(StrEnum):
    NONE = "none"
    EARLY_HELP = "early help"
    CIN = "child in need"
    CP = "child protection"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


PRIMARY_NEEDS = [
    "",
    "SEMH",
    "ASD",
    "SLCN",
    "MLD",
    "SpLD",
    "ADHD (within SEMH)",
    "HI",
    "VI",
    "PD",
    "Other",
]

NEED_FLAGS = ("fsm", "pupil_premium", "lac", "eal", "young_carer", "youth_justice")


@dataclass
class School:
    id: str
    name: str
    urn: str = ""
    phase: str = Phase.SECONDARY.value
    roll: int = 0
    fsm_count: int = 0
    short_code: str = ""
    member: bool = True

    @property
    def fsm_percent(self) -> float | None:
        return None if self.roll <= 0 else round(100.0 * self.fsm_count / self.roll, 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Person:
    id: str
    name: str
    role: str = Role.OTHER.value
    school_id: str | None = None
    email: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Fields that a user edits on the case form, in form order. The same names are used by
# the CLI (--field value), the change log and the case JSON.
PUPIL_FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "upn",
    "gender",
    "year_group",
    "home_school_id",
    "sen_status",
    "primary_need",
    "fsm",
    "pupil_premium",
    "lac",
    "social_care",
    "eal",
    "young_carer",
    "youth_justice",
)
CASE_FIELDS = (
    "risk",
    "status",
    "opened_on",
    "closed_on",
    "summary",
    "attendance_pct",
    "suspensions",
    "suspension_days",
    "permanent_exclusions",
    "pupil_voice",
    "family_voice",
    "lead",
)
FREE_TEXT_FIELDS = frozenset({"summary", "pupil_voice", "family_voice", "text"})


@dataclass
class CaseRecord:
    """A pupil and their open or closed case, as the case form shows it."""

    id: str
    pupil_id: str
    case_ref: str
    first_name: str
    last_name: str
    dob: date | None
    upn: str
    year_group: int | None
    home_school_id: str
    gender: str = ""
    sen_status: str = SenStatus.NONE.value
    primary_need: str = ""
    fsm: bool = False
    pupil_premium: bool = False
    lac: bool = False
    social_care: str = SocialCare.NONE.value
    eal: bool = False
    young_carer: bool = False
    youth_justice: bool = False
    risk: str = Risk.GREEN.value
    status: str = CaseStatus.OPEN.value
    opened_on: date | None = None
    closed_on: date | None = None
    summary: str = ""
    attendance_pct: float | None = None
    suspensions: int = 0
    suspension_days: float = 0.0
    permanent_exclusions: int = 0
    pupil_voice: str = ""
    family_voice: str = ""
    lead: str = ""
    home_school_name: str = ""
    updated_at: datetime | None = None
    notes: list[CaseNote] = field(default_factory=list)
    documents: list[DocumentInfo] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(p[0].upper() for p in (self.first_name, self.last_name) if p)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("dob", "opened_on", "closed_on"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        d["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        d["notes"] = [n.to_dict() for n in self.notes]
        d["documents"] = [doc.to_dict() for doc in self.documents]
        d["full_name"] = self.full_name
        return d


@dataclass
class CaseNote:
    id: str
    case_id: str
    at: datetime
    author: str
    kind: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


@dataclass
class DocumentInfo:
    id: str
    case_id: str
    filename: str
    size: int
    sha256: str
    added_at: datetime
    added_by: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["added_at"] = self.added_at.isoformat()
        return d


@dataclass(frozen=True)
class CaseRow:
    """One prepared row of the case list (what the table shows, already formatted)."""

    id: str
    case_ref: str
    name: str
    upn: str
    year_group: int | None
    school: str
    risk: str
    status: str
    sen_status: str
    opened_on: str  # ISO date, sorts as text
    updated_at: str


@dataclass
class CaseFilter:
    text: str = ""
    school_id: str | None = None
    year_group: int | None = None
    risk: str | None = None
    status: str | None = CaseStatus.OPEN.value
    sort: str = "name"
    descending: bool = False
    limit: int | None = None  # rows to return (None: all matching)
    offset: int = 0  # first matching row to return (paging)


@dataclass
class CaseList:
    rows: list[CaseRow]
    total: int  # cases matching the filter
    all_cases: int  # cases in the database
    by_risk: dict[str, int]
    offset: int = 0  # position of rows[0] among the matching cases
