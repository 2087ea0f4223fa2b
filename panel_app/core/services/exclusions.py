"""Exclusion and attendance records, and schools' term totals: ``session.exclusions``.

Records hang off the pupil (a pupil's history follows them between cases and schools);
the excluding school is kept with each exclusion. A pupil is named by a case reference or
id, or by UPN. Whenever a pupil's records change, the summary fields of the pupil's open
cases follow them (in the same transaction, logged per field like any edit): suspensions
(count), suspension days (sum), permanent exclusions (those not rescinded) and attendance %
(the latest term's, a whole-year figure counting after the summer term).

Term totals are a school's own figures for a term; a report uses them instead of counting
records for that school, term and measure.

Mutating calls validate first and raise ``ValidationError`` (nothing stored); otherwise
they write in one transaction through ``Repository`` and return ``Saved``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.exclusions import (
    FIGURE_FIELDS,
    REASONS,
    WHOLE_YEAR,
    AttendanceRecord,
    Exclusion,
    ExclusionKind,
    PxStatus,
    Source,
    TermFigures,
    attendance_percent,
    check_attendance,
    check_exclusion,
    check_figures,
    parse_kind,
    parse_reason,
    parse_status,
    parse_term,
    term_index,
    term_label,
)
from panel_app.core.domain.inputs import date_input as day
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import school_year
from panel_app.core.domain.issues import Issue, errors, warnings
from panel_app.core.domain.upn import normalise_upn
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.services.meetings import Saved
from panel_app.core.services.session import Changes
from panel_app.core.storage.records_repo import RecordsStore

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession



def _number(value: Any, fld: str, what: str, issues: list[Issue], *,
            whole: bool = False) -> Any:
    """An int (``whole``) or float from a number or text; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        issues.append(_err("invalid_number", fld, f"{what} must be a number."))
        return None
    try:
        number = float(str(value).strip().rstrip("%").replace(",", ""))
    except ValueError:
        issues.append(_err("invalid_number", fld, f"{what} must be a number."))
        return None
    if not math.isfinite(number):
        issues.append(_err("invalid_number", fld, f"{what} must be a number."))
        return None
    if whole:
        if number != int(number):
            issues.append(_err("invalid_number", fld, f"{what} must be a whole number."))
            return None
        return int(number)
    return number


def case_summary(exclusions: Iterable[Exclusion], attendance: Iterable[AttendanceRecord],
                 *, exclusions_changed: bool = False) -> dict[str, Any]:
    """The case fields that follow a pupil's records: the exclusion counts when there are
    exclusion records (or they were just changed: the last one removed counts 0), the
    attendance % when there are attendance records."""
    out: dict[str, Any] = {}
    excl = list(exclusions)
    if excl or exclusions_changed:
        susp = [e for e in excl if e.kind == ExclusionKind.SUSPENSION.value]
        out["suspensions"] = len(susp)
        out["suspension_days"] = float(sum(e.days or 0.0 for e in susp))
        out["permanent_exclusions"] = sum(1 for e in excl if e.counts_as_px)
    att = sorted(attendance, key=lambda a: (a.academic_year, term_index(a.term)))
    if att:
        out["attendance_pct"] = att[-1].percent
    return out


class ExclusionsService:
    """The records part of the facade; reach it as ``session.exclusions``."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def store(self) -> RecordsStore:
        return RecordsStore(self._s.db)

    def _today(self) -> date:
        return self._s.clock.today()

    def _year(self, year: int | str | None) -> int:
        return school_year(year, self._today())

    def pupil_id(self, ref: str) -> str:
        """A pupil from a case reference or id, or a UPN."""
        text = ref.strip()
        case_id = self._s.repo.resolve_case_id(text) if text else None
        if case_id:
            found = self.store.pupil_of_case(case_id)
            if found:
                return found
        pid = self._s.repo.find_pupil_by_upn(normalise_upn(text)) if text else None
        if pid:
            return pid
        raise NotFoundError(f"No case or pupil '{ref}': give a case reference (C-XXXXXX) or "
                            "the pupil's UPN (see 'panel-app case list').")

    def get(self, ref: str) -> Exclusion:
        ids = self.store.resolve("exclusions", ref)
        if len(ids) > 1:
            raise PanelError(f"More than one exclusion starts with '{ref.strip()}': give "
                             "more of the id.")
        found = self.store.exclusion(ids[0]) if ids else None
        if found is None:
            raise NotFoundError(f"No exclusion '{ref.strip()}': see 'panel-app exclusion "
                                "list'.")
        return found

    # -- reading ---------------------------------------------------------------------------
    def list_exclusions(self, *, pupil: str | None = None, school: str | None = None,
                        year: int | str | None = None) -> list[Exclusion]:
        """Exclusions of a pupil (case reference or UPN), of a school, in a school year."""
        pid = self.pupil_id(pupil) if pupil else None
        sid = self._s.find_school(school).id if school else None
        first = last = None
        if year is not None and str(year).strip():
            number = self._year(year)
            first, last = date(number, 9, 1), date(number + 1, 8, 31)
        return self.store.exclusions(pupil_id=pid, school_id=sid, first=first, last=last)

    def list_attendance(self, pupil: str) -> list[AttendanceRecord]:
        return self.store.attendance(pupil_id=self.pupil_id(pupil))

    def list_figures(self, *, year: int | str | None = None,
                     school: str | None = None) -> list[TermFigures]:
        number = self._year(year) if year is not None and str(year).strip() else None
        sid = self._s.find_school(school).id if school else None
        return self.store.figures(academic_year=number, school_id=sid)

    # -- exclusions ------------------------------------------------------------------------
    def _parse(self, values: dict[str, Any], issues: list[Issue]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "kind" in values:
            try:
                kind, lunchtime = parse_kind(str(values["kind"]))
                out["kind"] = kind
                if lunchtime and values.get("days") in (None, ""):
                    out["days"] = 0.5
            except ValueError as exc:
                issues.append(_err("invalid_kind", "kind", str(exc)))
        if "start_on" in values:
            out["start_on"] = day(values["start_on"], "start_on", "Date", issues)
        if "days" in values and "days" not in out:
            out["days"] = _number(values["days"], "days", "The length in days", issues)
        if "reason" in values:
            code, known = parse_reason(str(values["reason"] or ""))
            out["reason"] = code
            if not known:
                issues.append(Issue("reason_not_recognised", "warning", "reason",
                                    "The reason was not one of the census categories: it is "
                                    f"recorded as '{REASONS[code]}'."))
        if "status" in values and values["status"] is not None:
            try:
                out["status"] = parse_status(str(values["status"]))
            except ValueError as exc:
                issues.append(_err("invalid_status", "status", str(exc)))
        if "decided_on" in values:
            out["decided_on"] = day(values["decided_on"], "decided_on", "Decision date",
                                    issues)
        return out

    def add(self, pupil: str, *, kind: str, start: date | str, days: float | str | None = None,
            reason: str = "", status: str | None = None, decided_on: date | str | None = None,
            school: str | None = None) -> Saved:
        """Record a suspension (with its length in school days) or a permanent exclusion
        (status pending, upheld or rescinded) for a pupil; ``school`` is the excluding school
        (default the pupil's home school)."""
        pid = self.pupil_id(pupil)
        issues: list[Issue] = []
        fields = self._parse({"kind": kind, "start_on": start, "days": days, "reason": reason,
                              "status": status, "decided_on": decided_on}, issues)
        if fields.get("kind") == ExclusionKind.PERMANENT.value:
            fields.setdefault("status", PxStatus.PENDING.value)
        else:
            fields.setdefault("status", "")
        school_id = (self._s.find_school(school).id if school
                     else self.store.pupil_label(pid)[2])
        if "kind" in fields:
            issues += check_exclusion(fields["kind"], fields.get("start_on"),
                                      fields.get("days"), fields.get("status", ""),
                                      fields.get("decided_on"), self._today(),
                                      calendar=self._s.calendar.calendar())
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            eid = self._s.repo.insert("exclusion", {
                "pupil_id": pid, "school_id": school_id, **fields,
                "source": Source.ENTERED.value, "created_at": self._s.clock.now().isoformat()})
            ids = self.sync_cases([pid])
        return Saved(eid, Changes(frozenset({"exclusion", "case"}), frozenset([eid, *ids])),
                     tuple(warnings(issues)))

    def update(self, ref: str, **values: Any) -> Saved:
        """Change an exclusion: ``start``, ``days``, ``reason``, ``status``, ``decided_on``
        (e.g. a PX upheld or rescinded by the governors)."""
        e = self.get(ref)
        issues: list[Issue] = []
        raw = {("start_on" if k == "start" else k): v for k, v in values.items()
               if v is not None}
        fields = self._parse(raw, issues)
        merged = {"kind": e.kind, "start_on": e.start_on, "days": e.days, "status": e.status,
                  "decided_on": e.decided_on, **fields}
        if (fields.get("status") in (PxStatus.UPHELD.value, PxStatus.RESCINDED.value)
                and merged["decided_on"] is None):
            merged["decided_on"] = fields["decided_on"] = self._today()
        issues += check_exclusion(merged["kind"], merged["start_on"], merged["days"],
                                  merged["status"], merged["decided_on"], self._today(),
                                  calendar=(self._s.calendar.calendar()
                                            if "start_on" in fields else None))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("exclusion", e.id, fields)
            ids = self.sync_cases([e.pupil_id]) if changed else []
        return Saved(e.id, Changes(frozenset({"exclusion", "case"}), frozenset([e.id, *ids]))
                     if changed else Changes(), tuple(warnings(issues)))

    def remove(self, ref: str) -> Changes:
        """Take a wrongly recorded exclusion off the pupil's record (travels in bundles as
        a deletion)."""
        e = self.get(ref)
        with self._s._write():
            self._s.repo.delete("exclusion", e.id)
            ids = self.sync_cases([e.pupil_id])
        return Changes(frozenset({"exclusion", "case"}), frozenset([e.id, *ids]))

    # -- attendance ------------------------------------------------------------------------
    def set_attendance(self, pupil: str, *, year: int | str | None = None, term: str = "",
                       percent: float | str | None = None, possible: int | str | None = None,
                       attended: int | str | None = None, school: str | None = None) -> Saved:
        """A pupil's attendance for a term (or the whole year: ``term=""``), as a percentage
        or as sessions attended of sessions possible; replaces the record for that term."""
        pid = self.pupil_id(pupil)
        issues: list[Issue] = []
        number = self._year(year)
        try:
            term_name = parse_term(term)
        except ValueError as exc:
            issues.append(_err("invalid_term", "term", str(exc)))
            term_name = WHOLE_YEAR
        pct = _number(percent, "percent", "Attendance %", issues)
        poss = _number(possible, "sessions_possible", "Sessions possible", issues, whole=True)
        att = _number(attended, "sessions_attended", "Sessions attended", issues, whole=True)
        if pct is None and poss is not None and att is not None and 0 <= att <= poss:
            pct = attendance_percent(poss, att)
        issues += check_attendance(pct, poss, att)
        if errors(issues):
            raise ValidationError(issues)
        school_id = (self._s.find_school(school).id if school
                     else self.store.pupil_label(pid)[2])
        row = {"pupil_id": pid, "school_id": school_id, "academic_year": number,
               "term": term_name, "percent": pct, "sessions_possible": poss,
               "sessions_attended": att}
        held = self.store.attendance_ids([pid]).get((pid, number, term_name))
        with self._s._write():
            if held:
                self._s.repo.update("attendance", held, {**row, "source":
                                                         Source.ENTERED.value})
                rid = held
            else:
                rid = self._s.repo.insert("attendance", {**row,
                                                         "source": Source.ENTERED.value})
            ids = self.sync_cases([pid], exclusions_changed=False)
        return Saved(rid, Changes(frozenset({"attendance", "case"}), frozenset([rid, *ids])))

    # -- term totals -----------------------------------------------------------------------
    def set_figures(self, school: str, *, year: int | str | None = None, term: str,
                    notes: str | None = None, **values: Any) -> Saved:
        """A school's own totals for a term (``roll``, ``suspensions``, ``suspension_days``,
        ``pupils_suspended``, ``permanent_exclusions``, ``attendance_pct``); figures not
        given stay as they were (use ``clear=[names]`` to forget one)."""
        sid = self._s.find_school(school).id
        issues: list[Issue] = []
        number = self._year(year)
        try:
            term_name = parse_term(term)
        except ValueError as exc:
            issues.append(_err("invalid_term", "term", str(exc)))
            term_name = ""
        if not term_name and not errors(issues):
            issues.append(_err("invalid_term", "term",
                               "Term totals are for one term: write autumn, spring or summer."))
        clear = set(values.pop("clear", None) or ())
        unknown = (set(values) | clear) - set(FIGURE_FIELDS)
        if unknown:
            issues.append(_err("unknown_figure", "figures", "There is no figure called "
                               + ", ".join(sorted(unknown)) + "."))
        parsed: dict[str, Any] = {}
        for name in FIGURE_FIELDS:
            if name in values and values[name] is not None:
                whole = name in ("roll", "suspensions", "pupils_suspended",
                                 "permanent_exclusions")
                parsed[name] = _number(values[name], name, name.replace("_", " ").capitalize(),
                                       issues, whole=whole)
        for name in clear:
            parsed[name] = None
        held = self.store.figures_id(sid, number, term_name) if term_name else None
        current: dict[str, Any] = {}
        if held:
            found = [f for f in self.store.figures(academic_year=number, school_id=sid)
                     if f.term == term_name]
            if found:
                current = {n: getattr(found[0], n) for n in FIGURE_FIELDS}
        merged = {**current, **parsed}
        if not errors(issues):
            issues += check_figures(merged)
        if errors(issues):
            raise ValidationError(issues)
        fields = {**parsed, **({"notes": notes.strip()} if notes is not None else {})}
        with self._s._write():
            if held:
                changed = self._s.repo.update("school_term_figures", held, fields)
                rid = held
            else:
                rid = self._s.repo.insert("school_term_figures", {
                    "school_id": sid, "academic_year": number, "term": term_name, **fields})
                changed = list(fields)
        return Saved(rid, Changes(frozenset({"school_term_figures"}), frozenset({rid}))
                     if changed else Changes())

    # -- the case summary ------------------------------------------------------------------
    def sync_cases(self, pupil_ids: Iterable[str], *,
                   exclusions_changed: bool = True) -> list[str]:
        """Bring the summary fields of each pupil's open cases into line with the pupil's
        records. Runs inside the caller's write transaction; returns the cases changed."""
        changed: list[str] = []
        for pid in dict.fromkeys(pupil_ids):
            summary = case_summary(self.store.exclusions(pupil_id=pid),
                                   self.store.attendance(pupil_id=pid),
                                   exclusions_changed=exclusions_changed)
            if not summary:
                continue
            for cid in self.store.open_cases_of(pid):
                if self._s.repo.update("case", cid, summary):
                    changed.append(cid)
        return changed

    def describe(self, e: Exclusion) -> str:
        """One line about an exclusion, for lists."""
        text = f"{e.start_on.strftime('%d/%m/%Y')} {e.kind}"
        if e.kind == ExclusionKind.SUSPENSION.value:
            text += f" {e.days:g} day(s)"
        else:
            text += f" ({e.status}" + (f" {format_uk(e.decided_on)}" if e.decided_on else "") + ")"
        return text + f", {REASONS.get(e.reason, e.reason)}, {e.school or 'another school'}"


__all__ = ["ExclusionsService", "case_summary", "term_label"]
