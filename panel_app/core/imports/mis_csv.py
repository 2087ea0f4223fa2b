"""MIS CSV exports: recognise the columns, map them to case fields, read the rows.

Schools' systems (SIMS, Arbor, Bromcom, Scholarpack...) name the same column in many ways
("Legal Forename", "Forename", "First Name"); ``recognise`` maps header names to fields,
a school's remembered mapping and the user's own choices (``resolve_mapping``) come first.
Values are normalised as MIS exports write them: SEN provision codes (K support, E EHC
plan, N none; S statement counts as an EHC plan), yes/no as Y/N/True/1, dates as
dd/mm/yyyy (with or without a time, or 12-Sep-2012), year groups as 7, Y7, Year 7, NC 7, R.

Two kinds of file: **pupils** (identity, year group, needs, attendance %) and
**exclusions** (one row per suspension or permanent exclusion: UPN, category, date,
length, reason, status). A file's kind is told from its columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from panel_app.core.domain.dates import parse_date
from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import PRIMARY_NEEDS, SenStatus
from panel_app.core.domain.schoolyears import parse_year_group

PUPILS, EXCLUSIONS = "pupils", "exclusions"
IGNORE = "ignore"

# field -> label, in the order a preview shows them
PUPIL_TARGETS = {
    "upn": "UPN",
    "first_name": "First name",
    "last_name": "Last name",
    "dob": "Date of birth",
    "year_group": "Year group",
    "gender": "Gender",
    "sen_status": "SEN status",
    "primary_need": "Primary need",
    "fsm": "FSM",
    "pupil_premium": "Pupil premium",
    "eal": "EAL",
    "lac": "Looked after (LAC/CLA)",
    "attendance_pct": "Attendance %",
    "school": "School",
}
PUPIL_REQUIRED = ("upn", "first_name", "last_name", "dob", "year_group")
EXCLUSION_TARGETS = {
    "upn": "UPN",
    "kind": "Category (suspension or permanent)",
    "start_on": "Start date",
    "days": "Length (school days)",
    "sessions": "Length (sessions)",
    "reason": "Reason",
    "status": "Status (permanent exclusions)",
    "decided_on": "Decision date",
    "school": "School",
}
EXCLUSION_REQUIRED = ("upn", "kind", "start_on")
TARGETS = {PUPILS: PUPIL_TARGETS, EXCLUSIONS: EXCLUSION_TARGETS}
REQUIRED = {PUPILS: PUPIL_REQUIRED, EXCLUSIONS: EXCLUSION_REQUIRED}


def norm_header(text: str) -> str:
    """'Legal Forename' -> 'legalforename'; 'Attendance %' -> 'attendancepct'."""
    t = unicodedata.normalize("NFKC", text).casefold().replace("%", "pct")
    return "".join(c for c in t if c.isalnum())


# Recognised header names (normalised) per field, best first: a file with both "Legal
# Forename" and "Preferred Forename" maps the legal one.
_PUPIL_NAMES: dict[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber", "pupilupn", "studentupn"),
    "first_name": ("legalforename", "forename", "firstname", "givenname", "legalfirstname",
                   "forenames", "preferredforename", "preferredfirstname"),
    "last_name": ("legalsurname", "surname", "lastname", "familyname", "legallastname",
                  "preferredsurname", "preferredlastname"),
    "dob": ("dob", "dateofbirth", "birthdate", "birthday", "dateofbirthddmmyyyy"),
    "year_group": ("ncyear", "ncyearactual", "yeargroup", "year", "nationalcurriculumyear",
                   "curriculumyear", "nc", "yr", "yeargrp", "ncyeargroup"),
    "gender": ("gender", "sex", "legalsex"),
    "sen_status": ("senprovision", "senstatus", "sen", "sendstatus", "senstage",
                   "sendprovision", "send", "senprovisiontype"),
    "primary_need": ("primaryneed", "senprimaryneed", "primarysenneed", "primarysendneed",
                     "senneed", "sentype", "primarysentype"),
    "fsm": ("fsm", "fsmeligible", "freeschoolmeals", "fsmeligibility", "fsmstatus",
            "eligibleforfsm", "freeschoolmealseligible", "fsmindicator"),
    "pupil_premium": ("pp", "pupilpremium", "ppindicator", "pupilpremiumindicator",
                      "pupilpremiumeligible", "ppeligible", "disadvantaged"),
    "eal": ("eal", "englishasanadditionallanguage", "ealstatus", "ealindicator"),
    "lac": ("lac", "cla", "lookedafter", "lookedafterchild", "childlookedafter",
            "incare", "lookedafterstatus", "lacstatus", "clastatus", "inlacare"),
    "attendance_pct": ("attendancepct", "pctattendance", "attendance", "attendancepercentage",
                       "attendancepercent", "attpct", "att", "overallattendance",
                       "overallattendancepct", "attendancetodate", "pctattendancetodate",
                       "attendancerate", "pctpresent", "presentpct"),
    "school": ("school", "schoolname", "urn", "schoolurn", "establishment"),
}
_EXCLUSION_NAMES: dict[str, tuple[str, ...]] = {
    "upn": _PUPIL_NAMES["upn"],
    "kind": ("exclusioncategory", "category", "exclusiontype", "type", "suspensiontype",
             "exclusionkind", "kind"),
    "start_on": ("startdate", "exclusionstartdate", "exclusiondate", "start", "date",
                 "suspensiondate", "suspensionstartdate", "datefrom", "from"),
    "days": ("days", "lengthdays", "length", "totaldays", "duration", "numberofdays",
             "noofdays", "schooldays", "daysexcluded"),
    "sessions": ("sessions", "lengthsessions", "numberofsessions", "noofsessions",
                 "totalsessions", "sessionsexcluded"),
    "reason": ("reason", "exclusionreason", "reasoncategory", "reasoncode", "primaryreason"),
    "status": ("status", "outcome", "result", "reviewoutcome", "governorsdecision",
               "decision", "appealresult", "exclusionstatus"),
    "decided_on": ("decisiondate", "reviewdate", "dateofdecision", "outcomedate"),
    "school": _PUPIL_NAMES["school"],
}
_NAMES = {PUPILS: _PUPIL_NAMES, EXCLUSIONS: _EXCLUSION_NAMES}


def recognise(header: str, kind: str) -> tuple[str, int] | None:
    """(field, rank) for a header name this import knows; rank 0 is the best name."""
    key = norm_header(header)
    for name, options in _NAMES[kind].items():
        if key in options:
            return name, options.index(key)
    return None


def detect_kind(headers: Sequence[str]) -> str:
    """Exclusions when the columns say so (a category or length, and no date of birth)."""
    pupil = {r[0] for h in headers if (r := recognise(h, PUPILS))}
    excl = {r[0] for h in headers if (r := recognise(h, EXCLUSIONS))}
    if "dob" not in pupil and {"kind", "start_on"} <= excl:
        return EXCLUSIONS
    if "dob" not in pupil and "kind" in excl and ({"days", "sessions"} & excl):
        return EXCLUSIONS
    return PUPILS


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    delimiter: str
    skipped_lines: int = 0  # title lines before the header row


def read_table(text: str) -> Table:
    """The header row and data rows of CSV text. The delimiter is sniffed (comma,
    semicolon, tab or bar); title lines an MIS report prints above the header are skipped
    (the header is the first of the first ten lines naming two or more known columns)."""
    delimiter = _delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            lines.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num} could not be read as CSV ({exc})") from None
    lines = [(n, cells) for n, cells in lines if any(cells)]
    if not lines:
        return Table([], [], delimiter)
    header_at = 0
    for i, (_n, cells) in enumerate(lines[:10]):
        known = sum(1 for c in cells if recognise(c, PUPILS) or recognise(c, EXCLUSIONS))
        if known >= 2:
            header_at = i
            break
    headers = _unique([c.strip().lstrip("\ufeff") for c in lines[header_at][1]])
    return Table(headers, lines[header_at + 1:], delimiter, header_at)


def _delimiter(sample: str) -> str:
    """The delimiter under which the first lines name the most known columns (an MIS
    export's header row says it best); else what csv.Sniffer guesses; else a comma."""
    best, score = ",", 0
    for candidate in (",", ";", "\t", "|"):
        try:
            lines = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""),
                                                     delimiter=candidate), 10))
        except csv.Error:
            continue
        known = max((sum(1 for c in cells if recognise(c, PUPILS) or recognise(c, EXCLUSIONS))
                     for cells in lines), default=0)
        if known > score:
            best, score = candidate, known
    if score >= 2:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        name = h or f"Column {i + 1}"
        if name.casefold() in seen:
            seen[name.casefold()] += 1
            name = f"{name} ({seen[name.casefold()]})"
        seen.setdefault(name.casefold(), 1)
        out.append(name)
    return out


@dataclass
class ColumnMapping:
    """A column mapping: header -> field, and where each choice came from."""

    columns: dict[str, str] = field(default_factory=dict)  # header -> field
    origin: dict[str, str] = field(default_factory=dict)  # header -> given|remembered|recognised

    def field_of(self, header: str) -> str | None:
        return self.columns.get(header)

    def header_of(self, name: str) -> str | None:
        for h, f in self.columns.items():
            if f == name:
                return h
        return None


def _err(code: str, fld: str, message: str, **params: object) -> Issue:
    return Issue(code, "error", fld, message, dict(params))


def parse_map_options(options: Sequence[str]) -> tuple[dict[str, str], list[Issue]]:
    """``COLUMN=FIELD`` pairs (from --map) -> {column: field}."""
    out: dict[str, str] = {}
    issues: list[Issue] = []
    for option in options:
        column, sep, name = option.rpartition("=")
        if not sep or not column.strip() or not name.strip():
            issues.append(_err("invalid_map", "mapping",
                               f"'{option}' is not COLUMN=FIELD (for example "
                               "'Legal Forename=first_name', or 'Notes=ignore')."))
            continue
        out[column.strip()] = name.strip()
    return out, issues


def resolve_mapping(headers: Sequence[str], kind: str, *,
                    remembered: Mapping[str, str] | None = None,
                    given: Mapping[str, str] | None = None) -> tuple[ColumnMapping, list[Issue]]:
    """Map each header to a field: the user's choices (``given``), then the school's
    remembered mapping, then recognised names. Errors: a choice naming a column the file
    lacks or an unknown field, two columns chosen for one field, required fields with no
    column."""
    targets = TARGETS[kind]
    issues: list[Issue] = []
    by_key = {norm_header(h): h for h in headers}
    chosen: dict[str, tuple[str, str]] = {}  # header -> (field, origin)
    for column, name in (given or {}).items():
        header = column if column in headers else by_key.get(norm_header(column))
        fname = name.strip().lower().replace(" ", "_").replace("-", "_")
        if fname in ("-", "none", "skip"):
            fname = IGNORE
        if header is None:
            issues.append(_err("unknown_column", "mapping",
                               f"The file has no column '{column}'. Its columns are: "
                               + ", ".join(headers) + ".", column=column))
            continue
        if fname != IGNORE and fname not in targets:
            issues.append(_err("unknown_target", "mapping",
                               f"'{name}' is not a field this import fills: use one of "
                               + ", ".join([*targets, IGNORE]) + ".", field=name))
            continue
        chosen[header] = (fname, "given")
    for column, name in (remembered or {}).items():
        if column in headers and column not in chosen and (name in targets or name == IGNORE):
            chosen[column] = (name, "remembered")
    ranked: dict[str, tuple[int, str]] = {}
    taken = {f for f, _ in chosen.values()}
    for header in headers:
        if header in chosen:
            continue
        found = recognise(header, kind)
        if found is None or found[0] in taken:
            continue
        name, rank = found
        if name not in ranked or rank < ranked[name][0]:
            ranked[name] = (rank, header)
    for name, (_rank, header) in ranked.items():
        chosen[header] = (name, "recognised")
    result = ColumnMapping()
    seen: dict[str, str] = {}
    for header in headers:
        if header not in chosen:
            continue
        name, origin = chosen[header]
        if name == IGNORE:
            continue
        if name in seen:
            issues.append(_err("mapped_twice", "mapping",
                               f"Columns '{seen[name]}' and '{header}' are both mapped to "
                               f"{targets[name]}: map one of them to '{IGNORE}'.",
                               field=name))
            continue
        seen[name] = header
        result.columns[header] = name
        result.origin[header] = origin
    missing = [n for n in REQUIRED[kind] if n not in seen]
    if kind == EXCLUSIONS and "days" not in seen and "sessions" not in seen:
        missing.append("days")
    if missing and not any(i.code in ("unknown_column", "unknown_target") for i in issues):
        labels = ", ".join(targets[n] for n in missing)
        example = f"--map 'COLUMN={missing[0]}'"
        issues.append(_err("missing_columns", "mapping",
                           f"The file has no column for {labels}: choose one with {example}. "
                           "Its columns are: " + ", ".join(headers) + ".",
                           missing=missing))
    return result, issues


# -- values ----------------------------------------------------------------------------------

_TIME = re.compile(r"^(.*?\d)[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")
_TEXT_DATE_FORMATS = ("%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%y", "%d %b %y",
                      "%d-%B-%Y")


def parse_mis_date(text: str) -> date:
    """dd/mm/yyyy (also with a time after it), ISO, or 12-Sep-2012 / 12 September 2012."""
    t = text.strip()
    m = _TIME.match(t)
    if m:
        t = m.group(1)
    try:
        return parse_date(t)
    except ValueError as first:
        for fmt in _TEXT_DATE_FORMATS:
            try:
                return datetime.strptime(t, fmt).date()
            except ValueError:
                continue
        raise first from None


def parse_mis_year(text: str) -> int:
    """'7', 'Y7', 'Year 7', 'NC 7', 'Yr 7', '07', 'R', 'Reception' -> a year group."""
    t = text.strip().upper()
    for prefix in ("NC YEAR", "NCYEAR", "NC", "YEAR", "YR"):
        if t.startswith(prefix):
            t = t[len(prefix):].strip()
            break
    if t.isascii() and t.isdigit():
        t = str(int(t))
    if t in ("N1", "N2", "N", "NURSERY"):
        raise ValueError(f"'{text.strip()}' is a nursery year: the panel takes Reception to "
                         "Y13.")
    if t in ("X", ""):
        raise ValueError(f"'{text.strip()}' is not a year group: give the NC year "
                         "(Reception or Y1 to Y13).")
    try:
        return parse_year_group(t)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a year group (Reception or Y1 to Y13)."
                         ) from None


_YES = {"y", "yes", "true", "t", "1", "eligible", "x", "✓", "ticked"}
_NO = {"n", "no", "false", "f", "0", "not eligible", "ineligible", "-", "none"}


def parse_yes_no(text: str) -> bool:
    t = text.strip().casefold()
    if t in _YES:
        return True
    if t in _NO:
        return False
    raise ValueError(f"'{text.strip()}' is not yes or no.")


def parse_sen(text: str) -> str:
    """MIS SEN provision: N none, K SEN support, E EHC plan (S statement, A/P school action
    (plus) and their words are read too)."""
    t = " ".join(text.strip().casefold().replace("_", " ").split())
    if t in ("", "n", "no", "none", "no sen", "not sen", "no special educational need"):
        return SenStatus.NONE.value
    if t in ("k", "sen support", "support", "school support", "a", "p", "school action",
             "school action plus", "sa", "sa+", "sap"):
        return SenStatus.SEN_SUPPORT.value
    if t in ("e", "ehcp", "ehc plan", "ehc", "education health and care plan",
             "education, health and care plan", "s", "statement", "statemented"):
        return SenStatus.EHCP.value
    raise ValueError(f"'{text.strip()}' is not a SEN provision: write N (none), K (SEN "
                     "support) or E (EHC plan).")


_NEED_CODES = {
    "semh": "SEMH", "social emotional and mental health": "SEMH", "asd": "ASD",
    "autistic spectrum disorder": "ASD", "autism": "ASD", "slcn": "SLCN",
    "speech language and communication needs": "SLCN", "mld": "MLD",
    "moderate learning difficulty": "MLD", "spld": "SpLD",
    "specific learning difficulty": "SpLD", "hi": "HI", "hearing impairment": "HI",
    "vi": "VI", "visual impairment": "VI", "pd": "PD", "physical disability": "PD",
    "adhd": "ADHD (within SEMH)", "nsa": "", "": "",
}


def parse_need(text: str) -> str:
    """A primary need as the case form lists it; codes without a place there (MSI, SLD,
    PMLD, OTH) become 'Other'."""
    t = " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())
    if t in _NEED_CODES:
        return _NEED_CODES[t]
    for need in PRIMARY_NEEDS:
        if need and t == need.casefold():
            return need
    return "Other"


def parse_gender(text: str) -> str:
    """M or F; anything else given (U, X, not known, other) is recorded as X."""
    t = text.strip().casefold()
    if t in ("m", "male", "boy"):
        return "M"
    if t in ("f", "female", "girl"):
        return "F"
    return "X" if t else ""


def parse_percent(text: str) -> float:
    t = text.strip().rstrip("%").strip().replace(",", ".")
    return float(t)
