"""DfE Common Transfer Files (CTF): the XML schools use to move pupil records.

Parsed safely with defusedxml: a document type declaration (DTD) is refused outright, so
no entity is ever expanded (no "billion laughs") and nothing outside the file is fetched
(no external entities). CTFs never carry a DTD.

Only what a case needs is read (minimisation); everything else in the file (addresses,
contacts, telephone numbers, ethnicity, assessments, school history...) is never copied
and is only counted, so the preview can say what was left out. From each ``Pupil``:

- ``UPN``, ``Surname``, ``Forename``, ``DOB``, ``Gender`` (or ``Sex``) and
  ``BasicDetails/NCyearActual``;
- ``LookedAfter/InCare``; ``BasicDetails/Languages/Type`` with ``LanguageType`` F (first
  language: EAL when not English);
- ``SENhistory/SEN/SENprovision`` (the latest by ``StartDate``) and the rank-1
  ``SENneeds/SENneed/SENtype``;
- ``FSMhistory/FSMinstance`` (``FSMstartDate``, ``FSMendDate``): FSM when an instance is
  current; pupil premium when eligible for FSM in the last six years ("Ever 6") or looked
  after;
- ``Attendance/YearData`` (``Year``, ``SessionsPossible``, ``SessionsAuthorised``,
  ``SessionsUnauthorised`` or ``SessionsAttended``, the school's ``LEA``/``Estab``/
  ``SchoolName``/``URN``);
- ``Exclusions/Exclusion`` (``StartDate``, ``Category`` FIXD/PERM/LNCH, ``Reason``,
  ``Sessions`` or ``Days``, ``Status``/``Outcome``, the school's ``URN``/``SchoolName``).
  Exclusion blocks differ between CTF versions and suppliers, so the common alternative
  element names are read too (see ``_FIELDS``).

Attendance and exclusions are kept for the current and the two previous school years.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from panel_app.core.domain.dates import academic_year_start
from panel_app.core.errors import PanelError

YEARS_KEPT = 3  # school years of attendance and exclusions kept: this one and two before
EVER_FSM_YEARS = 6

READ = frozenset({"UPN", "Surname", "Forename", "DOB", "Gender", "Sex", "BasicDetails",
                  "LookedAfter", "SENhistory", "FSMhistory", "Attendance", "Exclusions",
                  "NCyearActual"})

_FIELDS = {
    "start": ("StartDate", "ExclusionStartDate", "Date"),
    "category": ("Category", "ExclusionCategory", "Type", "ExclusionType"),
    "reason": ("Reason", "ExclusionReason", "ReasonCode"),
    "sessions": ("Sessions", "ExclusionSessions", "NumberOfSessions"),
    "days": ("Days", "ExclusionDays", "Length"),
    "status": ("Status", "Outcome", "ReviewOutcome", "GovernorsDecision", "Result"),
    "decided": ("DecisionDate", "ReviewDate", "OutcomeDate"),
}


class CtfError(PanelError):
    """The file is not a CTF this import can read; nothing was stored."""


@dataclass
class SchoolRef:
    urn: str = ""
    lea: str = ""
    estab: str = ""
    name: str = ""

    @property
    def empty(self) -> bool:
        return not (self.urn or self.name or (self.lea and self.estab))

    @property
    def text(self) -> str:
        if self.name:
            return self.name
        if self.urn:
            return f"URN {self.urn}"
        return f"{self.lea}/{self.estab}" if self.lea else "an unnamed school"

    def to_dict(self) -> dict[str, str]:
        return {"urn": self.urn, "lea": self.lea, "estab": self.estab, "name": self.name}


@dataclass
class CtfAttendance:
    year: int
    possible: int
    attended: int
    school: SchoolRef


@dataclass
class CtfExclusion:
    start: str
    category: str
    reason: str
    sessions: str
    days: str
    status: str
    decided: str
    school: SchoolRef


@dataclass
class CtfPupil:
    position: int  # 1-based position of the pupil in the file
    values: dict[str, Any]  # raw field values (text), or booleans for the yes/no fields
    attendance: list[CtfAttendance] = field(default_factory=list)
    exclusions: list[CtfExclusion] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


@dataclass
class CtfFile:
    version: str
    source: SchoolRef
    dest: SchoolRef
    pupils: list[CtfPupil]
    left_out: dict[str, int]  # element name -> how many were not read (minimisation)
    older_records: int = 0  # attendance years and exclusions older than YEARS_KEPT


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el: Element | None, *names: str) -> Element | None:
    if el is None:
        return None
    for child in el:
        if _local(child.tag) in names:
            return child
    return None


def _children(el: Element | None, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def _text(el: Element | None, *names: str) -> str:
    found = _child(el, *names) if names else el
    return (found.text or "").strip() if found is not None else ""


def _school(el: Element | None) -> SchoolRef:
    return SchoolRef(urn=_text(el, "URN"), lea=_text(el, "LEA"), estab=_text(el, "Estab"),
                     name=_text(el, "SchoolName"))


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _int(text: str) -> int | None:
    t = text.strip()
    return int(t) if t.isascii() and t.isdigit() else None


def parse_ctf(data: bytes, today: date, name: str = "the file") -> CtfFile:
    """Read a CTF's pupils (see the module docstring for what is kept). Raises CtfError
    with a plain sentence for a file that is unsafe, not XML or not a CTF."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True,
                          forbid_external=True)
    except DefusedXmlException:
        raise CtfError(f"{name} contains a document type declaration or entities, which a "
                       "Common Transfer File never has: it was refused for safety and "
                       "nothing was read. Ask the sending school for a fresh CTF export."
                       ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise CtfError(f"{name} is not well-formed XML (line {line}, column {column}): it "
                       "may be truncated or damaged. Export the CTF again and import the "
                       "new file.") from None
    if _local(root.tag) != "CTfile":
        raise CtfError(f"{name} is XML but not a Common Transfer File (its first element "
                       f"is '{_local(root.tag)[:40]}', not 'CTfile'): export a CTF from the "
                       "MIS.")
    header = _child(root, "Header")
    data_el = _child(root, "CTFpupilData")
    if header is None or data_el is None:
        raise CtfError(f"{name} is not a complete Common Transfer File (no Header or no "
                       "CTFpupilData): export the CTF again.")
    left_out: Counter[str] = Counter()
    pupils: list[CtfPupil] = []
    first_year = academic_year_start(today) - (YEARS_KEPT - 1)
    older = 0
    for position, el in enumerate(_children(data_el, "Pupil"), start=1):
        for child in el:
            tag = _local(child.tag)
            if tag not in READ:
                left_out[tag] += 1
        pupil, dropped = _pupil(el, position, today, first_year)
        older += dropped
        pupils.append(pupil)
    for child in data_el:
        if _local(child.tag) != "Pupil":
            left_out[_local(child.tag)] += 1
    return CtfFile(version=_text(header, "CTFversion"), source=_school(_child(header,
                   "SourceSchool")), dest=_school(_child(header, "DestSchool")),
                   pupils=pupils, left_out=dict(sorted(left_out.items())),
                   older_records=older)


def _pupil(el: Element, position: int, today: date, first_year: int
           ) -> tuple[CtfPupil, int]:
    basic = _child(el, "BasicDetails")
    values: dict[str, Any] = {
        "upn": _text(el, "UPN"),
        "last_name": _text(el, "Surname"),
        "first_name": _text(el, "Forename"),
        "dob": _text(el, "DOB"),
        "gender": _text(el, "Gender", "Sex") or _text(basic, "Gender", "Sex"),
        "year_group": _text(basic, "NCyearActual") or _text(el, "NCyearActual"),
    }
    pupil = CtfPupil(position, values)
    in_care = _text(_child(el, "LookedAfter"), "InCare").casefold()
    values["lac"] = in_care in ("true", "1", "yes", "y")
    values["eal"] = _eal(basic)
    sen, need = _sen(_child(el, "SENhistory"))
    values["sen_status"] = sen
    if need:
        values["primary_need"] = need
    fsm, ever6 = _fsm(_child(el, "FSMhistory"), today)
    values["fsm"] = fsm
    values["pupil_premium"] = ever6 or values["lac"]
    dropped = 0
    for year_el in _children(_child(el, "Attendance"), "YearData"):
        year = _int(_text(year_el, "Year"))
        possible = _int(_text(year_el, "SessionsPossible"))
        if year is None or possible is None or possible <= 0:
            if year is None or possible is None:
                pupil.problems.append(("attendance", "An attendance year without its year or "
                                       "sessions possible was left out."))
            continue
        if year < first_year:
            dropped += 1
            continue
        attended = _int(_text(year_el, "SessionsAttended"))
        if attended is None:
            auth = _int(_text(year_el, "SessionsAuthorised")) or 0
            unauth = _int(_text(year_el, "SessionsUnauthorised")) or 0
            attended = max(0, possible - auth - unauth)
        pupil.attendance.append(CtfAttendance(year, possible, min(attended, possible),
                                              _school(year_el)))
    for ex in _children(_child(el, "Exclusions"), "Exclusion"):
        record = CtfExclusion(
            start=_text(ex, *_FIELDS["start"]), category=_text(ex, *_FIELDS["category"]),
            reason=_text(ex, *_FIELDS["reason"]), sessions=_text(ex, *_FIELDS["sessions"]),
            days=_text(ex, *_FIELDS["days"]), status=_text(ex, *_FIELDS["status"]),
            decided=_text(ex, *_FIELDS["decided"]), school=_school(ex))
        start = _iso(record.start)
        if start is not None and academic_year_start(start) < first_year:
            dropped += 1
            continue
        pupil.exclusions.append(record)
    return pupil, dropped


_ENGLISH = {"ENG", "ENB"}
_UNKNOWN_LANGUAGE = {"NOT", "REF", ""}


def _eal(basic: Element | None) -> bool:
    for lang in _children(_child(basic, "Languages"), "Type"):
        if _text(lang, "LanguageType").upper() == "F":
            code = _text(lang, "Language").upper()
            return code not in _ENGLISH and code not in _UNKNOWN_LANGUAGE
    return False


_SEN = {"N": "none", "K": "SEN support", "A": "SEN support", "P": "SEN support",
        "E": "EHCP", "S": "EHCP"}
_NEEDS = {"SEMH": "SEMH", "ASD": "ASD", "SLCN": "SLCN", "MLD": "MLD", "SPLD": "SpLD",
          "HI": "HI", "VI": "VI", "PD": "PD", "NSA": ""}


def _sen(history: Element | None) -> tuple[str, str]:
    latest: tuple[str, str] | None = None
    for sen in _children(history, "SEN"):
        key = (_text(sen, "StartDate"), _text(sen, "SENprovision").upper())
        if latest is None or key[0] >= latest[0]:
            latest = key
    provision = _SEN.get(latest[1], "none") if latest else "none"
    need = ""
    needs = _children(_child(history, "SENneeds"), "SENneed")
    ranked = sorted(needs, key=lambda n: _int(_text(n, "SENrank")) or 99)
    if ranked and provision != "none":
        code = _text(ranked[0], "SENtype").upper()
        need = _NEEDS.get(code, "Other") if code else ""
    return provision, need


def _fsm(history: Element | None, today: date) -> tuple[bool, bool]:
    current = ever6 = False
    since = date(today.year - EVER_FSM_YEARS, today.month, min(today.day, 28))
    for inst in _children(history, "FSMinstance"):
        start = _iso(_text(inst, "FSMstartDate"))
        end = _iso(_text(inst, "FSMendDate"))
        if start is None or start > today:
            continue
        if end is None or end >= today:
            current = True
        if end is None or end >= since:
            ever6 = True
    return current, ever6
