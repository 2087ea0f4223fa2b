"""Imports from schools' systems: ``session.imports``.

Two steps, so that nothing is stored before the user has seen it:

1. ``preview_csv`` / ``preview_ctf`` read the file (size, type and encoding checked
   first), map the columns (the user's choices, then the school's remembered mapping, then
   recognised header names), convert and check every row (UPN check letter, UK dates,
   year groups, the case rules of ``domain.validation``), and match pupils by UPN: each
   row is **new**, an **update** (with the fields that would change, old and new),
   **unchanged**, or has **errors** (line, field, what is wrong). The database is only
   read.
2. ``apply`` writes the preview in one transaction: new pupils with an open case, changed
   fields of matched pupils (through ``Repository.update``, so every change is logged per
   field and audited), attendance and exclusion records (an exclusion already held, same
   pupil, kind and date, is updated rather than added again), the school's column mapping
   (remembered for next time), and one audit entry with the counts. A preview with row
   errors is refused unless ``skip_invalid`` (then those rows are left out and counted).

Re-importing the same file changes nothing; an updated export updates the pupils it
matches instead of duplicating them. An empty cell leaves a field as it is. The home school
of a pupil already held is never changed by an import (a warning says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.calendar import SchoolCalendar, parse_year_label
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.exclusions import (
    WHOLE_YEAR,
    ExclusionKind,
    Source,
    attendance_percent,
    check_exclusion,
    parse_kind,
    parse_reason,
    parse_status,
    parse_term,
    term_label,
    term_of,
)
from panel_app.core.domain.issues import Issue, errors
from panel_app.core.domain.models import (
    CASE_FIELDS,
    PUPIL_FIELDS,
    School,
    new_case_ref,
)
from panel_app.core.domain.upn import normalise_upn, upn_problem
from panel_app.core.domain.validation import check_case, coerce_fields, label
from panel_app.core.errors import ValidationError
from panel_app.core.imports import ctf as ctf_mod
from panel_app.core.imports import mis_csv
from panel_app.core.imports.files import (
    MAX_IMPORT_BYTES,
    ImportFile,
    ImportFileError,
    check_content,
    decode_text,
    read_import_file,
)
from panel_app.core.services.session import Changes
from panel_app.core.storage.records_repo import PupilMatch, RecordsStore

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
Progress = Callable[[int, int, str], None]
_BOOLS = ("fsm", "pupil_premium", "eal", "lac")


def _err(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "error", fld, message, params)


def _warn(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "warning", fld, message, params)


def _sql(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _label(name: str) -> str:
    return mis_csv.PUPIL_TARGETS.get(name) or label(name)


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if name in _BOOLS or isinstance(value, bool):
        return "yes" if value else "no"
    if name in ("dob", "start_on", "decided_on"):
        try:
            return format_uk(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "label": _label(self.field), "old": self.old,
                "new": self.new}


@dataclass
class PreviewRow:
    """One row of the file (a CTF pupil, a CSV line) and what importing it would do."""

    line: int
    upn: str
    name: str
    action: str = NEW
    issues: list[Issue] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    pupil_id: str | None = None
    pupil: dict[str, Any] = field(default_factory=dict)  # typed pupil fields
    case: dict[str, Any] = field(default_factory=dict)  # typed case fields
    attendance: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)
    parse_issues: list[Issue] = field(default_factory=list, repr=False)
    new_exclusions: int = 0
    changed_exclusions: int = 0
    attendance_changes: int = 0

    @property
    def errors(self) -> list[Issue]:
        return errors(self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line, "upn": self.upn, "name": self.name, "action": self.action,
            "pupil_id": self.pupil_id,
            "issues": [i.to_dict() for i in self.issues],
            "changes": [c.to_dict() for c in self.changes],
            "exclusions": [{k: _sql(v) for k, v in e.items()} for e in self.exclusions],
            "attendance": [{k: _sql(v) for k, v in a.items()} for a in self.attendance],
            "new_exclusions": self.new_exclusions,
            "changed_exclusions": self.changed_exclusions,
        }


@dataclass
class ImportPreview:
    format: str  # csv | ctf
    kind: str  # pupils | exclusions (a CTF: pupils, with their records)
    filename: str
    size: int
    sha256: str
    school_id: str | None
    school: str
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field
    mapping_origin: dict[str, str] = field(default_factory=dict)
    attendance_term: tuple[int, str] | None = None
    rows: list[PreviewRow] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def unmapped(self) -> list[str]:
        return [h for h in self.headers if h not in self.mapping]

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.error_rows

    @property
    def counts(self) -> dict[str, int]:
        out = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
        for r in self.rows:
            out[r.action] += 1
        out["rows"] = len(self.rows)
        out["warnings"] = sum(1 for r in self.rows for i in r.issues
                              if i.severity == "warning")
        out["new_exclusions"] = sum(r.new_exclusions for r in self.rows if not r.errors)
        out["changed_exclusions"] = sum(r.changed_exclusions for r in self.rows
                                        if not r.errors)
        out["attendance"] = sum(r.attendance_changes for r in self.rows if not r.errors)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "kind": self.kind, "filename": self.filename,
            "size": self.size, "sha256": self.sha256, "school_id": self.school_id,
            "school": self.school, "encoding": self.encoding, "notes": self.notes,
            "headers": self.headers,
            "mapping": [{"column": h, "field": self.mapping.get(h),
                         "origin": self.mapping_origin.get(h, "unmapped")}
                        for h in self.headers],
            "attendance_term": (None if self.attendance_term is None else
                                {"academic_year": self.attendance_term[0],
                                 "term": self.attendance_term[1],
                                 "label": term_label(*self.attendance_term)}),
            "counts": self.counts, "ok": self.ok, "left_out": self.left_out,
            "rows": [r.to_dict() for r in self.rows],
        }


@dataclass
class ImportResult:
    kind: str = mis_csv.PUPILS
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    exclusions_added: int = 0
    exclusions_updated: int = 0
    attendance: int = 0
    mapping_saved: bool = False
    case_ids: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)

    @property
    def message(self) -> str:
        if self.kind == mis_csv.EXCLUSIONS:
            parts = [f"{self.unchanged} row(s) already held"]
        else:
            parts = [f"{self.created} new pupil(s) with a case", f"{self.updated} updated",
                     f"{self.unchanged} unchanged"]
        if self.exclusions_added or self.exclusions_updated:
            parts.append(f"{self.exclusions_added} exclusion(s) added, "
                         f"{self.exclusions_updated} updated")
        if self.attendance:
            parts.append(f"{self.attendance} attendance figure(s)")
        if self.skipped:
            parts.append(f"{self.skipped} row(s) with errors left out")
        return "Imported: " + "; ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped,
                "exclusions_added": self.exclusions_added,
                "exclusions_updated": self.exclusions_updated,
                "attendance": self.attendance, "mapping_saved": self.mapping_saved,
                "case_ids": self.case_ids, "message": self.message}


class _Schools:
    """The partnership's schools, found by id, name, short code or URN (any case)."""

    def __init__(self, schools: Sequence[School]) -> None:
        self.by_key: dict[str, School] = {}
        self.by_id = {s.id: s for s in schools}
        for s in schools:
            for key in (s.id, s.name, s.short_code, s.urn):
                if key:
                    self.by_key.setdefault(key.strip().casefold(), s)

    def find(self, text: str) -> School | None:
        return self.by_key.get(text.strip().casefold()) if text.strip() else None

    def ref(self, ref: ctf_mod.SchoolRef) -> School | None:
        return self.find(ref.urn) or self.find(ref.name)


class ImportsService:
    """The imports part of the facade; reach it as ``session.imports``."""

    max_bytes = MAX_IMPORT_BYTES

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def store(self) -> RecordsStore:
        return RecordsStore(self._s.db)

    def _today(self) -> date:
        return self._s.clock.today()

    def _file(self, path: Path | str | None, data: bytes | None, name: str | None,
              kind: str) -> ImportFile:
        if data is not None:
            return check_content(name or "the file", data, kind, self.max_bytes)
        if path is None:
            raise ImportFileError("Choose the file to import.")
        return read_import_file(Path(path), kind, self.max_bytes)

    # -- column mappings ----------------------------------------------------------------------
    def remembered_mapping(self, school: str, kind: str = mis_csv.PUPILS) -> dict[str, str]:
        """The column mapping the school's last CSV import used (header -> field)."""
        found = self.store.mapping(self._s.find_school(school).id, kind)
        return found[1] if found else {}

    def forget_mapping(self, school: str, kind: str = mis_csv.PUPILS) -> Changes:
        sid = self._s.find_school(school).id
        found = self.store.mapping(sid, kind)
        if found is None:
            return Changes()
        with self._s._write():
            self._s.repo.delete("import_mapping", found[0])
        return Changes.of("import_mapping", found[0])

    # -- CSV ---------------------------------------------------------------------------------
    def preview_csv(self, path: Path | str | None = None, *, data: bytes | None = None,
                    name: str | None = None, school: str | None = None, kind: str = "auto",
                    mapping: Mapping[str, str] | None = None, year: int | str | None = None,
                    term: str | None = None) -> ImportPreview:
        """Read and check a CSV export without storing anything. ``school`` is the school
        whose pupils these are (or a School column names it on each row); ``mapping``
        holds the user's column choices (header -> field, or 'ignore'); ``year``/``term``
        say which term an attendance column covers (default: the current term)."""
        file = self._file(path, data, name, "csv")
        text, encoding, notes = decode_text(file.name, file.data)
        try:
            table = mis_csv.read_table(text)
        except ValueError as exc:
            raise ImportFileError(f"{file.name} is not a readable CSV file: {exc}. Save it "
                                  "again as 'CSV UTF-8' and import that.") from None
        if not table.headers:
            raise ImportFileError(f"{file.name} has no header row: export the report with "
                                  "its column headings.")
        if kind == "auto":
            kind = mis_csv.detect_kind(table.headers)
        if kind not in mis_csv.TARGETS:
            raise ValidationError([_err("invalid_kind", "kind",
                                        "The kind of file is pupils or exclusions.")])
        home = self._s.find_school(school) if school else None
        remembered = {}
        if home is not None:
            found = self.store.mapping(home.id, kind)
            remembered = found[1] if found else {}
        cols, issues = mis_csv.resolve_mapping(table.headers, kind, remembered=remembered,
                                               given=mapping)
        if home is None and cols.header_of("school") is None:
            issues.append(_err("no_school", "school",
                               "Name the school whose export this is (--school), or map a "
                               "School column."))
        if errors(issues):
            raise ValidationError(issues)
        if table.skipped_lines:
            notes.append(f"{table.skipped_lines} title line(s) above the column headings "
                         "were skipped.")
        preview = ImportPreview(
            format="csv", kind=kind, filename=file.name, size=file.size, sha256=file.sha256,
            school_id=home.id if home else None, school=home.name if home else "",
            encoding=encoding, notes=notes, headers=table.headers,
            mapping=dict(cols.columns), mapping_origin=dict(cols.origin))
        schools = _Schools(self._s.list_schools())
        if kind == mis_csv.PUPILS:
            if cols.header_of("attendance_pct") is not None:
                preview.attendance_term = self._attendance_term(year, term)
            self._parse_pupil_rows(preview, table, schools, home)
        else:
            self._parse_exclusion_rows(preview, table, schools, home)
        self._plan(preview)
        return preview

    def _attendance_term(self, year: int | str | None, term: str | None) -> tuple[int, str]:
        issues: list[Issue] = []
        number, name = term_of(self._today(), self._s.calendar.calendar())
        if year is not None and str(year).strip():
            try:
                number = year if isinstance(year, int) else parse_year_label(str(year))
            except ValueError as exc:
                issues.append(_err("invalid_year", "year", str(exc)))
        if term is not None and term.strip():
            try:
                name = parse_term(term)
            except ValueError as exc:
                issues.append(_err("invalid_term", "term", str(exc)))
        if issues:
            raise ValidationError(issues)
        return number, name

    def _cells(self, headers: list[str], cells: list[str], cols: Mapping[str, str]
               ) -> dict[str, str]:
        out: dict[str, str] = {}
        for i, header in enumerate(headers):
            fname = cols.get(header)
            if fname and i < len(cells) and cells[i].strip():
                out[fname] = cells[i].strip()
        return out

    def _parse_pupil_rows(self, preview: ImportPreview, table: mis_csv.Table,
                          schools: _Schools, home: School | None) -> None:
        for line, cells in table.rows:
            raw = self._cells(table.headers, cells, preview.mapping)
            row = self._pupil_row(line, raw, schools, home)
            pct = row.case.get("attendance_pct")
            if pct is not None and preview.attendance_term is not None:
                year, term = preview.attendance_term
                row.attendance.append({"academic_year": year, "term": term, "percent": pct,
                                       "sessions_possible": None, "sessions_attended": None,
                                       "school_id": row.pupil.get("home_school_id"),
                                       "source": Source.CSV.value})
            preview.rows.append(row)

    def _pupil_row(self, line: int, raw: Mapping[str, Any], schools: _Schools,
                   home: School | None) -> PreviewRow:
        """Convert one pupil's values (text as exported, or booleans) to typed fields."""
        issues: list[Issue] = []
        values: dict[str, Any] = {}
        upn = normalise_upn(str(raw.get("upn", "")))
        name = f"{raw.get('first_name', '')} {raw.get('last_name', '')}".strip()
        converters = {
            "dob": ("invalid_date", mis_csv.parse_mis_date),
            "year_group": ("unknown_year_group", mis_csv.parse_mis_year),
            "gender": ("invalid_value", mis_csv.parse_gender),
            "sen_status": ("invalid_value", mis_csv.parse_sen),
            "primary_need": ("invalid_value", mis_csv.parse_need),
            "attendance_pct": ("invalid_value", mis_csv.parse_percent),
        }
        if upn:
            problem = upn_problem(upn)
            if problem:
                issues.append(_err("invalid_upn", "upn", f"UPN {upn}: {problem}"))
            values["upn"] = upn
        else:
            issues.append(_err("required", "upn", "The UPN is missing: an import matches "
                                                  "pupils by UPN."))
        for fname, value in raw.items():
            if fname in ("upn", "school"):
                continue
            if fname in _BOOLS and isinstance(value, bool):
                values[fname] = value
                continue
            text = str(value)
            try:
                if fname in converters:
                    values[fname] = converters[fname][1](text)
                elif fname in _BOOLS:
                    values[fname] = mis_csv.parse_yes_no(text)
                else:
                    values[fname] = text
            except ValueError as exc:
                code = converters[fname][0] if fname in converters else "invalid_value"
                issues.append(_err(code, fname, f"{_label(fname)}: {exc}"))
        school_text = str(raw.get("school", "")).strip()
        school = schools.find(school_text) if school_text else home
        if school_text and school is None:
            issues.append(_err("unknown_school", "home_school_id",
                               f"'{school_text}' is not a school in this partnership: add it "
                               "first (school add) or correct the School column."))
        elif school is None:
            issues.append(_err("required", "home_school_id",
                               "The School cell is empty: give the pupil's school."))
        else:
            values["home_school_id"] = school.id
        typed, more = coerce_fields({k: v for k, v in values.items()
                                     if k in PUPIL_FIELDS or k in CASE_FIELDS})
        issues += more
        bad = {i.field for i in issues if i.severity == "error"}
        for issue in check_case({**typed, "home_school_id": typed.get("home_school_id")
                                 or "\0unknown"}, today=self._today(),
                                school_ids=set(schools.by_id) | {"\0unknown"}):
            if issue.field not in bad:  # one problem per field
                issues.append(issue)
        row = PreviewRow(line, upn, name, parse_issues=issues)
        row.pupil = {k: v for k, v in typed.items() if k in PUPIL_FIELDS}
        row.case = {k: v for k, v in typed.items() if k in CASE_FIELDS}
        return row

    def _parse_exclusion_rows(self, preview: ImportPreview, table: mis_csv.Table,
                              schools: _Schools, home: School | None) -> None:
        calendar = self._s.calendar.calendar()
        for line, cells in table.rows:
            raw = self._cells(table.headers, cells, preview.mapping)
            upn = normalise_upn(raw.get("upn", ""))
            row = PreviewRow(line, upn, "")
            issues: list[Issue] = []
            if not upn:
                issues.append(_err("required", "upn", "The UPN is missing: exclusions are "
                                                      "matched to pupils by UPN."))
            elif upn_problem(upn):
                issues.append(_err("invalid_upn", "upn", f"UPN {upn}: {upn_problem(upn)}"))
            record = self._exclusion_values(raw, issues, source=Source.CSV.value,
                                            calendar=calendar)
            school_text = raw.get("school", "").strip()
            if school_text:
                found = schools.find(school_text)
                if found is None:
                    issues.append(_err("unknown_school", "school",
                                       f"'{school_text}' is not a school in this partnership."))
                record["school_id"] = found.id if found else None
            elif home is not None:
                record["school_id"] = home.id
            if record:
                row.exclusions.append(record)
            row.parse_issues = issues
            preview.rows.append(row)

    def _exclusion_values(self, raw: Mapping[str, str], issues: list[Issue], *,
                          source: str, calendar: SchoolCalendar) -> dict[str, Any]:
        """An exclusion's typed fields from exported text (a CSV row or a CTF block)."""
        out: dict[str, Any] = {"source": source}
        kind, lunchtime = "", False
        try:
            kind, lunchtime = parse_kind(raw.get("kind", ""))
        except ValueError as exc:
            issues.append(_err("invalid_kind", "kind", str(exc)))
        start = None
        if raw.get("start_on"):
            try:
                start = mis_csv.parse_mis_date(raw["start_on"])
            except ValueError as exc:
                issues.append(_err("invalid_date", "start_on", f"Start date: {exc}"))
        else:
            issues.append(_err("required", "start_on", "The exclusion's date is missing."))
        days: float | None = None
        try:
            if raw.get("days"):
                days = float(raw["days"])
            elif raw.get("sessions"):
                days = float(raw["sessions"]) / 2
        except ValueError:
            issues.append(_err("invalid_number", "days", "The length is not a number."))
        if kind == ExclusionKind.SUSPENSION.value and days is None and lunchtime:
            days = 0.5
        if kind == ExclusionKind.PERMANENT.value:
            days = None
        code, known = parse_reason(raw.get("reason", ""))
        if not known:
            issues.append(_warn("reason_not_recognised", "reason",
                                f"The reason '{raw.get('reason', '')[:40]}' is not a census "
                                "category: it is recorded as 'Other'."))
        status = ""
        if kind == ExclusionKind.PERMANENT.value:
            try:
                status = parse_status(raw.get("status", ""))
            except ValueError as exc:
                issues.append(_err("invalid_status", "status", str(exc)))
        decided = None
        if raw.get("decided_on"):
            try:
                decided = mis_csv.parse_mis_date(raw["decided_on"])
            except ValueError as exc:
                issues.append(_err("invalid_date", "decided_on", f"Decision date: {exc}"))
        if kind and not any(i.field in ("kind", "start_on", "days") and i.severity == "error"
                            for i in issues):
            issues += check_exclusion(kind, start, days, status, decided, self._today(),
                                      calendar=calendar)
        out.update({"kind": kind, "start_on": start, "days": days, "reason": code,
                    "status": status, "decided_on": decided})
        return out

    # -- CTF ---------------------------------------------------------------------------------
    def preview_ctf(self, path: Path | str | None = None, *, data: bytes | None = None,
                    name: str | None = None, school: str | None = None) -> ImportPreview:
        """Read and check a Common Transfer File without storing anything. The pupils'
        home school is ``school``, else the CTF's source school when it is a member."""
        file = self._file(path, data, name, "ctf")
        parsed = ctf_mod.parse_ctf(file.data, self._today(), file.name)
        schools = _Schools(self._s.list_schools())
        home = self._s.find_school(school) if school else schools.ref(parsed.source)
        if home is None:
            raise ValidationError([_err(
                "no_school", "school",
                f"The CTF comes from {parsed.source.text}, which is not a school in this "
                "partnership: name the pupils' school with --school.")])
        left = ", ".join(f"{k} ({v})" for k, v in parsed.left_out.items())
        notes = []
        if left:
            notes.append("Not imported (the case does not need it): " + left + ".")
        if parsed.older_records:
            notes.append(f"{parsed.older_records} attendance year(s) or exclusion(s) older "
                         f"than {ctf_mod.YEARS_KEPT} school years were left out.")
        preview = ImportPreview(format="ctf", kind=mis_csv.PUPILS, filename=file.name,
                                size=file.size, sha256=file.sha256, school_id=home.id,
                                school=home.name, encoding="xml", notes=notes,
                                left_out=parsed.left_out)
        calendar = self._s.calendar.calendar()
        for pupil in parsed.pupils:
            raw = {k: v for k, v in pupil.values.items() if v not in ("", None)}
            row = self._pupil_row(pupil.position, raw, schools, home)
            for fld, message in pupil.problems:
                row.parse_issues.append(_warn("left_out", fld, message))
            for att in pupil.attendance:
                where = schools.ref(att.school) if not att.school.empty else home
                row.attendance.append({
                    "academic_year": att.year, "term": WHOLE_YEAR,
                    "percent": attendance_percent(att.possible, att.attended),
                    "sessions_possible": att.possible, "sessions_attended": att.attended,
                    "school_id": where.id if where else None, "source": Source.CTF.value})
            for ex in pupil.exclusions:
                sub: list[Issue] = []
                raw_ex = {"kind": ex.category, "start_on": ex.start, "reason": ex.reason,
                          "sessions": ex.sessions, "days": ex.days, "status": ex.status,
                          "decided_on": ex.decided}
                record = self._exclusion_values(raw_ex, sub, source=Source.CTF.value,
                                                calendar=calendar)
                where = schools.ref(ex.school) if not ex.school.empty else home
                record["school_id"] = where.id if where else None
                when = ex.start or "an unknown date"
                if errors(sub):
                    row.parse_issues.append(_warn(
                        "exclusion_left_out", "exclusions",
                        f"An exclusion on {when} was left out: "
                        + " ".join(i.message for i in errors(sub))))
                    continue
                row.parse_issues += [i for i in sub if i.severity == "warning"]
                row.exclusions.append(record)
            preview.rows.append(row)
        self._plan(preview)
        return preview

    # -- matching ----------------------------------------------------------------------------
    def _plan(self, preview: ImportPreview) -> dict[str, PupilMatch]:
        """Match rows to pupils by UPN and say what each would do (reads only)."""
        store = self.store
        valid = [r for r in preview.rows if not errors(r.parse_issues)]
        matches = store.pupils_by_upn(r.upn for r in valid)
        seen: dict[str, int] = {}
        pids = [m.pupil_id for m in matches.values()]
        held_exclusions = self._held_exclusions(pids)
        held_attendance = self._held_attendance(pids)
        case_pct = store.case_values([c for m in matches.values() for c in m.open_case_ids],
                                     ["attendance_pct"])
        for row in preview.rows:
            row.issues = list(row.parse_issues)
            row.changes, row.pupil_id = [], None
            row.new_exclusions = row.changed_exclusions = row.attendance_changes = 0
            if errors(row.issues):
                row.action = ERROR
                continue
            match = matches.get(row.upn)
            if preview.kind == mis_csv.EXCLUSIONS:
                self._plan_exclusion_row(row, match, held_exclusions)
                continue
            if row.upn in seen:
                row.issues.append(_err("duplicate_upn", "upn",
                                       f"UPN {row.upn} is also on line {seen[row.upn]}: "
                                       "each pupil once."))
                row.action = ERROR
                continue
            seen[row.upn] = row.line
            if match is None:
                row.action = NEW
                row.new_exclusions = len(row.exclusions)
                row.attendance_changes = len(row.attendance)
                continue
            row.pupil_id = match.pupil_id
            row.changes = self._pupil_changes(row, match)
            for cid in match.open_case_ids[:1]:
                if "attendance_pct" in row.case:
                    old = case_pct.get(cid, {}).get("attendance_pct")
                    if old != row.case["attendance_pct"]:
                        row.changes.append(FieldChange("attendance_pct",
                                                       _shown("attendance_pct", old),
                                                       _shown("attendance_pct",
                                                              row.case["attendance_pct"])))
            new_ex, changed_ex = self._exclusion_delta(match.pupil_id, row.exclusions,
                                                       held_exclusions)
            row.new_exclusions, row.changed_exclusions = len(new_ex), len(changed_ex)
            row.attendance_changes = sum(
                1 for a in row.attendance
                if held_attendance.get((match.pupil_id, a["academic_year"], a["term"]))
                != (a["percent"], a["sessions_possible"], a["sessions_attended"]))
            touched = (row.changes or row.new_exclusions or row.changed_exclusions
                       or row.attendance_changes)
            row.action = UPDATE if touched else UNCHANGED
        return matches

    def _pupil_changes(self, row: PreviewRow, match: PupilMatch) -> list[FieldChange]:
        stored = match.values
        out: list[FieldChange] = []
        for fname, value in row.pupil.items():
            if fname == "home_school_id":
                if stored.get("home_school_id") != value:
                    row.issues.append(_warn(
                        "home_school_kept", "home_school_id",
                        "This pupil is held with another home school in the partnership: "
                        "the home school was kept (change it on the case if the pupil has "
                        "moved)."))
                continue
            if stored.get(fname) != _sql(value):
                out.append(FieldChange(fname, _shown(fname, stored.get(fname)),
                                       _shown(fname, _sql(value))))
        changed = {c.field for c in out}
        if "dob" in changed:
            row.issues.append(_warn("dob_differs", "dob",
                                    "The date of birth differs from the pupil held with this "
                                    "UPN: check the UPN before importing."))
        if {"first_name", "last_name"} & changed:
            row.issues.append(_warn("name_differs", "last_name",
                                    "The name differs from the pupil held with this UPN: "
                                    "check the UPN before importing."))
        return out

    def _held_exclusions(self, pupil_ids: Sequence[str]
                         ) -> dict[tuple[str, str, str], dict[str, Any]]:
        out: dict[tuple[str, str, str], dict[str, Any]] = {}
        for e in self.store.exclusions_of(pupil_ids):
            out[(e.pupil_id, e.kind, e.start_on.isoformat())] = {
                "id": e.id, "days": e.days, "reason": e.reason, "status": e.status,
                "decided_on": e.decided_on.isoformat() if e.decided_on else None,
                "school_id": e.school_id}
        return out

    def _held_attendance(self, pupil_ids: Sequence[str]
                         ) -> dict[tuple[str, int, str], tuple[Any, Any, Any]]:
        out: dict[tuple[str, int, str], tuple[Any, Any, Any]] = {}
        for a in self.store.attendance_of(pupil_ids):
            out[(a.pupil_id, a.academic_year, a.term)] = (a.percent, a.sessions_possible,
                                                          a.sessions_attended)
        return out

    @staticmethod
    def _hold(held: dict[tuple[str, str, str], dict[str, Any]], pid: str,
              rec: Mapping[str, Any], rid: str) -> None:
        """Note a record as held (so the same exclusion twice in one file is added once)."""
        held[(pid, rec["kind"], _sql(rec["start_on"]))] = {
            "id": rid, **{k: _sql(rec.get(k)) for k in ("days", "reason", "status",
                                                        "decided_on", "school_id")}}

    @staticmethod
    def _exclusion_delta(pid: str, records: list[dict[str, Any]],
                         held: Mapping[tuple[str, str, str], dict[str, Any]]
                         ) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
        """(records to add, (id, changed fields) of records to update)."""
        new: list[dict[str, Any]] = []
        changed: list[tuple[str, dict[str, Any]]] = []
        keys: set[tuple[str, str, str]] = set()
        for rec in records:
            key = (pid, rec["kind"], _sql(rec["start_on"]))
            found = held.get(key)
            if found is None:
                if key not in keys:
                    new.append(rec)
                    keys.add(key)
                continue
            diff: dict[str, Any] = {
                k: rec[k] for k in ("days", "reason", "status", "decided_on", "school_id")
                if k in rec and _sql(rec[k]) != found[k]
                and not (k == "decided_on" and rec[k] is None)
                and not (k == "school_id" and rec[k] is None)}
            if diff:
                changed.append((found["id"], diff))
        return new, changed

    def _plan_exclusion_row(self, row: PreviewRow, match: PupilMatch | None,
                            held: dict[tuple[str, str, str], dict[str, Any]]) -> None:
        if match is None:
            row.issues.append(_err("unknown_pupil", "upn",
                                   f"No pupil with UPN {row.upn} is held: import the pupils "
                                   "first."))
            row.action = ERROR
            return
        row.pupil_id = match.pupil_id
        row.name = f"{match.values['first_name']} {match.values['last_name']}"
        for rec in row.exclusions:
            if rec.get("school_id") is None:
                rec["school_id"] = match.values["home_school_id"]
        new, changed = self._exclusion_delta(match.pupil_id, row.exclusions, held)
        row.new_exclusions, row.changed_exclusions = len(new), len(changed)
        for rec in new:  # a second row with the same exclusion is then unchanged
            self._hold(held, match.pupil_id, rec, "")
        for _id, diff in changed:
            row.changes += [FieldChange(k, "", _shown(k, _sql(v))) for k, v in diff.items()]
        row.action = NEW if new else (UPDATE if changed else UNCHANGED)

    # -- storing -----------------------------------------------------------------------------
    def apply(self, preview: ImportPreview, *, skip_invalid: bool = False,
              remember_mapping: bool = True, progress: Progress | None = None
              ) -> ImportResult:
        """Store a preview in one transaction (see the module docstring). Rows are matched
        again inside the transaction, so a preview made before another import is safe.
        ``progress(done, total, text)`` is called every hundred rows."""
        bad = preview.error_rows
        if bad and not skip_invalid:
            first = bad[0]
            raise ValidationError([_err(
                "rows_with_errors", "rows",
                f"{len(bad)} row(s) have errors (line {first.line}: "
                f"{first.errors[0].message}): correct the file and import it again, or "
                "import the other rows and leave these out (--skip-invalid).",
                rows=len(bad))])
        result = ImportResult(kind=preview.kind)
        today, now = self._today(), self._s.clock.now().isoformat()
        repo = self._s.repo
        touched: set[str] = set()
        ids: list[str] = []
        with self._s._write(), repo.batched():
            self._plan(preview)
            result.skipped = len(preview.error_rows)
            held = self._held_exclusions([r.pupil_id for r in preview.rows if r.pupil_id])
            attendance_ids = self.store.attendance_ids(
                [r.pupil_id for r in preview.rows if r.pupil_id])
            total = len(preview.rows)
            refs = repo.case_refs() if preview.kind != mis_csv.EXCLUSIONS else set()
            for done, row in enumerate(preview.rows):
                if progress is not None and done % 100 == 0:
                    progress(done, total, "Importing")
                if row.errors:
                    continue
                if row.action == UNCHANGED:
                    result.unchanged += 1
                    continue
                pid = row.pupil_id
                if preview.kind == mis_csv.EXCLUSIONS:
                    assert pid is not None
                elif pid is None:
                    pid = repo.insert("pupil", row.pupil)
                    ref = new_case_ref()
                    while ref in refs:
                        ref = new_case_ref()
                    refs.add(ref)
                    cid = repo.insert("case", {"pupil_id": pid, "case_ref": ref,
                                               "created_at": now, "opened_on": today,
                                               **row.case})
                    ids += [pid, cid]
                    result.case_ids.append(cid)
                    result.created += 1
                else:
                    fields = {c.field: row.pupil[c.field] for c in row.changes
                              if c.field in row.pupil}
                    if fields:
                        repo.update("pupil", pid, fields)
                    if "attendance_pct" in row.case:
                        for cid in self.store.open_cases_of(pid):
                            repo.update("case", cid, {"attendance_pct":
                                                      row.case["attendance_pct"]})
                    ids.append(pid)
                    result.updated += 1
                new, changed = self._exclusion_delta(pid, row.exclusions, held)
                for rec in new:
                    eid = repo.insert("exclusion", {"pupil_id": pid, **rec, "created_at": now})
                    self._hold(held, pid, rec, eid)
                    ids.append(eid)
                for eid, diff in changed:
                    repo.update("exclusion", eid, diff)
                    ids.append(eid)
                result.exclusions_added += len(new)
                result.exclusions_updated += len(changed)
                for att in row.attendance:
                    values = {"pupil_id": pid, **att}
                    rid = attendance_ids.get((pid, att["academic_year"], att["term"]))
                    if rid is None:
                        rid = repo.insert("attendance", values)
                        attendance_ids[(pid, att["academic_year"], att["term"])] = rid
                        result.attendance += 1
                    elif repo.update("attendance", rid, values):
                        result.attendance += 1
                if new or changed or (row.attendance and preview.format == "ctf"):
                    touched.add(pid)
            if touched:
                ids += self._s.exclusions.sync_cases(sorted(touched))
            if (remember_mapping and preview.format == "csv" and preview.school_id
                    and preview.mapping):
                self._remember(preview)
                result.mapping_saved = True
            repo.audit("import", "school", preview.school_id or "", fields=[preview.kind],
                       detail={"format": preview.format, "rows": len(preview.rows),
                               "created": result.created, "updated": result.updated,
                               "unchanged": result.unchanged, "skipped": result.skipped,
                               "exclusions_added": result.exclusions_added,
                               "exclusions_updated": result.exclusions_updated,
                               "attendance": result.attendance})
        if progress is not None:
            progress(len(preview.rows), len(preview.rows), "Imported")
        entities = {"pupil", "case"}
        if result.exclusions_added or result.exclusions_updated:
            entities.add("exclusion")
        if result.attendance:
            entities.add("attendance")
        touched_any = (result.created or result.updated or result.mapping_saved
                       or result.exclusions_added or result.exclusions_updated
                       or result.attendance)
        result.changes = (Changes(frozenset(entities), frozenset(ids)) if touched_any
                          else Changes())
        return result

    def _remember(self, preview: ImportPreview) -> None:
        assert preview.school_id is not None
        value = json.dumps(dict(sorted(preview.mapping.items())), ensure_ascii=False,
                           sort_keys=True)
        found = self.store.mapping(preview.school_id, preview.kind)
        if found is None:
            self._s.repo.insert("import_mapping", {"school_id": preview.school_id,
                                                   "kind": preview.kind, "mapping": value})
        else:
            self._s.repo.update("import_mapping", found[0], {"mapping": value})

    # -- one step ----------------------------------------------------------------------------
    def import_csv(self, path: Path | str, *, school: str | None = None,
                   mapping: Mapping[str, str] | None = None, kind: str = "auto",
                   skip_invalid: bool = False) -> ImportResult:
        """Preview and apply in one call (scripts and tests)."""
        return self.apply(self.preview_csv(path, school=school, mapping=mapping, kind=kind),
                          skip_invalid=skip_invalid)

    def import_ctf(self, path: Path | str, *, school: str | None = None,
                   skip_invalid: bool = False) -> ImportResult:
        return self.apply(self.preview_ctf(path, school=school), skip_invalid=skip_invalid)


__all__ = ["ERROR", "NEW", "UNCHANGED", "UPDATE", "FieldChange", "ImportPreview",
           "ImportResult", "ImportsService", "PreviewRow"]
