"""Exclusion and attendance records, and a school's totals for a term.

- A **suspension** (what the DfE called a fixed-period exclusion) has a start date, a
  length in school days (half days allowed: a lunchtime suspension is half a day) and a
  reason category; a pupil may be suspended for at most 45 school days in a school year.
- A **permanent exclusion** (PX) has a date, a reason category and a status: ``pending``
  (the governors have not yet considered it), ``upheld`` or ``rescinded`` (withdrawn by the
  head teacher, or the pupil reinstated by the governors or after an independent review).
  A rescinded PX is kept on record but is not counted as a permanent exclusion.
- **Attendance** is a percentage of possible sessions for a term (``autumn``, ``spring``,
  ``summer``) or for a whole school year (term ``""``), with the sessions when known.
- **Term totals** are a school's own figures for a term when only totals are known (the
  roll, suspensions, suspension days, pupils suspended, PX, attendance): a report uses a
  total instead of counting records for that school, term and measure.

Reason categories use the codes of the school census. Free text about an incident is not
kept here: a reason that is not recognised is recorded as "other" (minimisation).
Pure records and checks: no I/O.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from panel_app.core.domain.calendar import TERM_NAMES, SchoolCalendar, year_label
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.issues import Issue

MAX_SUSPENSION_DAYS = 45.0  # a pupil's suspensions may not exceed 45 school days a year
WHOLE_YEAR = ""  # the term of a whole-year attendance figure


class ExclusionKind(StrEnum):
    SUSPENSION = "suspension"
    PERMANENT = "permanent"


class PxStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    RESCINDED = "rescinded"


class Source(StrEnum):
    ENTERED = "entered"
    CSV = "csv"
    CTF = "ctf"


KIND_LABELS = {
    ExclusionKind.SUSPENSION.value: "suspension",
    ExclusionKind.PERMANENT.value: "permanent exclusion",
}
STATUS_LABELS = {
    PxStatus.PENDING.value: "pending the governors' review",
    PxStatus.UPHELD.value: "upheld",
    PxStatus.RESCINDED.value: "rescinded (pupil reinstated)",
}

# School census reason categories (code -> label).
REASONS = {
    "PP": "Physical assault against a pupil",
    "PA": "Physical assault against an adult",
    "VP": "Verbal abuse or threatening behaviour against a pupil",
    "VA": "Verbal abuse or threatening behaviour against an adult",
    "BU": "Bullying",
    "RA": "Racist abuse",
    "SM": "Sexual misconduct",
    "DA": "Drug and alcohol related",
    "DM": "Damage",
    "TH": "Theft",
    "PD": "Persistent disruptive behaviour",
    "OT": "Other",
}
OTHER = "OT"
_REASON_WORDS = {  # words an MIS export may use instead of the code
    "assault pupil": "PP", "assault adult": "PA", "assault staff": "PA",
    "verbal pupil": "VP", "threatening pupil": "VP", "verbal adult": "VA",
    "threatening adult": "VA", "verbal staff": "VA", "bullying": "BU", "racist": "RA",
    "sexual": "SM", "drug": "DA", "alcohol": "DA", "damage": "DM", "theft": "TH",
    "persistent": "PD", "disruptive": "PD", "disruption": "PD", "other": "OT",
}
_KIND_WORDS = {
    "suspension": ExclusionKind.SUSPENSION, "suspended": ExclusionKind.SUSPENSION,
    "fixed": ExclusionKind.SUSPENSION, "fixd": ExclusionKind.SUSPENSION,
    "fte": ExclusionKind.SUSPENSION, "fpe": ExclusionKind.SUSPENSION,
    "lnch": ExclusionKind.SUSPENSION, "lunchtime": ExclusionKind.SUSPENSION,
    "permanent": ExclusionKind.PERMANENT, "perm": ExclusionKind.PERMANENT,
    "px": ExclusionKind.PERMANENT, "pex": ExclusionKind.PERMANENT,
}
_STATUS_WORDS = {
    "pending": PxStatus.PENDING, "awaiting": PxStatus.PENDING, "": PxStatus.PENDING,
    "upheld": PxStatus.UPHELD, "confirmed": PxStatus.UPHELD, "uphold": PxStatus.UPHELD,
    "rescinded": PxStatus.RESCINDED, "withdrawn": PxStatus.RESCINDED,
    "reinstated": PxStatus.RESCINDED, "overturned": PxStatus.RESCINDED,
    "reinstate": PxStatus.RESCINDED, "rescind": PxStatus.RESCINDED,
}
LUNCHTIME_DAYS = 0.5


def _fold(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in t).split())


def parse_kind(text: str) -> tuple[str, bool]:
    """(kind, lunchtime) from a category as an MIS or the census writes it ('FIXD',
    'Fixed Period', 'Suspension', 'PERM', 'Permanent exclusion', 'LNCH'...)."""
    words = _fold(text).split()
    for word in words:
        kind = _KIND_WORDS.get(word)
        if kind is not None:
            return kind.value, word in ("lnch", "lunchtime")
    raise ValueError(f"'{text.strip()}' is not a kind of exclusion: write suspension or "
                     "permanent.")


def parse_reason(text: str) -> tuple[str, bool]:
    """(census code, recognised). An unrecognised reason becomes 'OT' (other)."""
    raw = text.strip()
    if raw.upper() in REASONS:
        return raw.upper(), True
    folded = _fold(raw)
    if not folded:
        return OTHER, True
    for code, label in REASONS.items():
        if folded == _fold(label):
            return code, True
    words = set(folded.split())
    for phrase, code in _REASON_WORDS.items():
        if set(phrase.split()) <= words:
            return code, True
    return OTHER, False


def parse_status(text: str) -> str:
    folded = _fold(text)
    for word in folded.split() or [""]:
        status = _STATUS_WORDS.get(word)
        if status is not None:
            return status.value
    raise ValueError(f"'{text.strip()}' is not a status of a permanent exclusion: write "
                     "pending, upheld or rescinded.")


def parse_term(text: str) -> str:
    """'autumn', 'Spring term', 'SUM', 'year' (or '') -> a term name or WHOLE_YEAR."""
    t = _fold(text).replace("term", "").strip()
    if t in ("", "year", "whole year", "all", "full year"):
        return WHOLE_YEAR
    for name in TERM_NAMES:
        if t == name or (len(t) >= 3 and name.startswith(t)):
            return name
    raise ValueError(f"'{text.strip()}' is not a term: write autumn, spring or summer.")


def term_index(term: str) -> int:
    """Order of a term in its year; a whole-year figure sorts after the summer term."""
    return TERM_NAMES.index(term) if term in TERM_NAMES else len(TERM_NAMES)


def term_label(academic_year: int, term: str) -> str:
    return (f"{term} {year_label(academic_year)}" if term else f"year {year_label(academic_year)}")


def term_of(day: date, cal: SchoolCalendar) -> tuple[int, str]:
    """The (academic year, term) a date counts in: the last term of its school year that
    started on or before it (a date in a holiday counts in the term before; one before the
    first term, in the first term)."""
    year = academic_year_start(day)
    terms = sorted(cal.terms_for_year(year), key=lambda t: t.start)
    chosen = terms[0].name if terms else TERM_NAMES[0]
    for term in terms:
        if term.start <= day:
            chosen = term.name
    return year, chosen


@dataclass
class Exclusion:
    id: str
    pupil_id: str
    school_id: str | None
    school: str  # the excluding school's name ("" when outside the partnership)
    kind: str
    start_on: date
    days: float | None = None
    reason: str = OTHER
    status: str = ""
    decided_on: date | None = None
    source: str = Source.ENTERED.value

    @property
    def counts_as_px(self) -> bool:
        return (self.kind == ExclusionKind.PERMANENT.value
                and self.status != PxStatus.RESCINDED.value)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start_on"] = self.start_on.isoformat()
        d["decided_on"] = self.decided_on.isoformat() if self.decided_on else None
        d["kind_label"] = KIND_LABELS.get(self.kind, self.kind)
        d["reason_label"] = REASONS.get(self.reason, self.reason)
        d["status_label"] = STATUS_LABELS.get(self.status, self.status)
        return d


@dataclass
class AttendanceRecord:
    id: str
    pupil_id: str
    school_id: str | None
    academic_year: int
    term: str
    percent: float
    sessions_possible: int | None = None
    sessions_attended: int | None = None
    source: str = Source.ENTERED.value

    @property
    def label(self) -> str:
        return term_label(self.academic_year, self.term)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["label"] = self.label
        return d


FIGURE_FIELDS = ("roll", "suspensions", "suspension_days", "pupils_suspended",
                 "permanent_exclusions", "attendance_pct")
FIGURE_LABELS = {
    "roll": "number on roll",
    "suspensions": "suspensions",
    "suspension_days": "suspension days",
    "pupils_suspended": "pupils with one or more suspensions",
    "permanent_exclusions": "permanent exclusions",
    "attendance_pct": "attendance %",
}


@dataclass
class TermFigures:
    """A school's own totals for one term (None: not given, count the records)."""

    id: str
    school_id: str
    school: str
    academic_year: int
    term: str
    roll: int | None = None
    suspensions: int | None = None
    suspension_days: float | None = None
    pupils_suspended: int | None = None
    permanent_exclusions: int | None = None
    attendance_pct: float | None = None
    notes: str = ""

    @property
    def label(self) -> str:
        return term_label(self.academic_year, self.term)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["label"] = self.label
        return d


# -- checks ----------------------------------------------------------------------------------


def _err(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "error", fld, message, params)


def _warn(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "warning", fld, message, params)


def _start_day_issue(start: date, calendar: SchoolCalendar) -> Issue | None:
    """A suspension counts school days, so it starts on one. A Saturday or Sunday start
    is a warning (a slip of the date, most likely); a weekday the partnership's own term
    dates mark closed (holidays, half term, a closure) is an error, and a warning when
    that year's dates are only the England default pattern."""
    when = format_uk(start)
    if start.weekday() >= 5:
        return _warn("weekend_start", "start_on",
                     f"{when} is a {start.strftime('%A')}: a suspension counts school days, so "
                     "it normally starts on a school day. Check the date.",
                     date=start.isoformat())
    if calendar.is_school_day(start):
        return None
    term = calendar.term_on(start)
    why = (f"in the {term.name} half-term break or a closure day" if term
           else "in the school holidays")
    if calendar.is_stored(academic_year_start(start)):
        return _err("not_school_day", "start_on",
                    f"{when} is {why} on the partnership's calendar, and a suspension starts "
                    "on a school day: check the date (or the term dates: 'panel-app calendar "
                    "show').", date=start.isoformat())
    return _warn("not_school_day", "start_on",
                 f"{when} is {why} on the England default term dates (this partnership has "
                 "not entered its own for that year): check the date.",
                 date=start.isoformat())


def check_exclusion(kind: str, start: date | None, days: float | None, status: str,
                    decided_on: date | None, today: date, *,
                    calendar: SchoolCalendar | None = None) -> list[Issue]:
    """The problems of an exclusion as entered or imported. With the partnership's
    ``calendar`` (given when the start date is new or changed), a suspension's start is
    checked too: a weekend start is a warning, a day the partnership's own term dates mark
    closed an error."""
    issues: list[Issue] = []
    if kind not in {k.value for k in ExclusionKind}:
        issues.append(_err("invalid_kind", "kind", "The kind is suspension or permanent."))
        return issues
    if start is None:
        issues.append(_err("required", "start_on", "Give the date of the exclusion."))
    elif start > today:
        issues.append(_err("start_in_future", "start_on",
                           f"The exclusion date {format_uk(start)} is in the future: record "
                           "an exclusion once it has been given."))
    if kind == ExclusionKind.SUSPENSION.value:
        if calendar is not None and start is not None and start <= today:
            found = _start_day_issue(start, calendar)
            if found is not None:
                issues.append(found)
        if days is None:
            issues.append(_err("required", "days",
                               "Give the length of the suspension in school days."))
        elif not math.isfinite(days) or days <= 0:
            issues.append(_err("invalid_days", "days",
                               "The length of a suspension is more than 0 school days."))
        elif days > MAX_SUSPENSION_DAYS:
            issues.append(_err("too_many_days", "days",
                               f"A suspension cannot be longer than {MAX_SUSPENSION_DAYS:g} "
                               "school days: check the length (sessions are half days).",
                               days=days))
        elif (days * 2) != int(days * 2):
            issues.append(_warn("part_day", "days",
                                f"{days:g} days is not a whole number of sessions (half "
                                "days): check the length.", days=days))
        if status:
            issues.append(_err("status_not_px", "status",
                               "Only a permanent exclusion has a status."))
    else:
        if days is not None:
            issues.append(_err("days_not_suspension", "days",
                               "A permanent exclusion has no length in days."))
        if status not in {s.value for s in PxStatus}:
            issues.append(_err("invalid_status", "status",
                               "The status of a permanent exclusion is pending, upheld or "
                               "rescinded."))
        if decided_on is not None and start is not None and decided_on < start:
            issues.append(_err("decided_before_start", "decided_on",
                               "The governors' decision cannot come before the exclusion."))
    return issues


def check_attendance(percent: float | None, possible: int | None,
                     attended: int | None) -> list[Issue]:
    issues: list[Issue] = []
    if percent is None:
        issues.append(_err("required", "percent",
                           "Give the attendance percentage or the sessions."))
    elif not math.isfinite(percent) or not 0 <= percent <= 100:
        issues.append(_err("invalid_percent", "percent",
                           "Attendance is a percentage between 0 and 100."))
    if (possible is not None and possible < 0) or (attended is not None and attended < 0):
        issues.append(_err("negative", "sessions", "Sessions cannot be negative."))
    elif possible is not None and attended is not None and attended > possible:
        issues.append(_err("attended_over_possible", "sessions",
                           f"{attended} sessions attended is more than the {possible} "
                           "possible."))
    return issues


def attendance_percent(possible: int, attended: int) -> float:
    return round(100.0 * attended / possible, 1) if possible > 0 else 0.0


def check_figures(values: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for name in FIGURE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        if not math.isfinite(float(value)) or value < 0:
            issues.append(_err("negative", name,
                               f"The {FIGURE_LABELS[name]} cannot be negative."))
    pct = values.get("attendance_pct")
    if pct is not None and pct > 100:
        issues.append(_err("invalid_percent", "attendance_pct",
                           "Attendance is a percentage between 0 and 100."))
    roll, pupils, count = (values.get("roll"), values.get("pupils_suspended"),
                           values.get("suspensions"))
    if pupils is not None and count is not None and pupils > count:
        issues.append(_err("pupils_over_suspensions", "pupils_suspended",
                           "More pupils suspended than suspensions: each suspended pupil had "
                           "at least one suspension."))
    if roll is not None and pupils is not None and pupils > roll > 0:
        issues.append(_err("pupils_over_roll", "pupils_suspended",
                           "More pupils suspended than on roll: check the figures."))
    if all(values.get(n) is None for n in FIGURE_FIELDS):
        issues.append(_err("required", "figures",
                           "Give at least one figure (roll, suspensions, days, pupils "
                           "suspended, permanent exclusions or attendance)."))
    return issues
