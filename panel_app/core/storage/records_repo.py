"""Reads of exclusion and attendance records, school term totals, remembered CSV column
mappings, and what the reports need of pupils, cases and ladder evidence.

Every write goes through ``Repository.insert/update/delete`` (so it is logged per field
for bundles and audited); this module only reads. The tables are created by schema
version 8 (``schema._RECORDS_V8``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from panel_app.core.domain.exclusions import AttendanceRecord, Exclusion, TermFigures

_CHUNK = 500


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class PupilMatch:
    """What an import needs to know of a pupil already held (matched by UPN)."""

    pupil_id: str
    values: dict[str, Any]  # the pupil's fields as stored (SQL values)
    open_case_ids: tuple[str, ...]
    case_ids: tuple[str, ...]


@dataclass(frozen=True)
class CaseSpan:
    """A case as the reports see it: home school and the dates it was open."""

    case_id: str
    pupil_id: str
    school_id: str
    opened_on: date | None
    closed_on: date | None


PUPIL_COLUMNS = ("first_name", "last_name", "dob", "upn", "gender", "year_group",
                 "home_school_id", "sen_status", "primary_need", "fsm", "pupil_premium",
                 "lac", "social_care", "eal", "young_carer", "youth_justice")


class RecordsStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn

    # -- exclusions --------------------------------------------------------------------------
    _EXCLUSION_SQL = (
        "SELECT e.id, e.pupil_id, e.school_id, coalesce(s.name, ''), e.kind, e.start_on, "
        "e.days, e.reason, e.status, e.decided_on, e.source FROM exclusions e "
        "LEFT JOIN schools s ON s.id = e.school_id")

    @staticmethod
    def _exclusion(r: Sequence[Any]) -> Exclusion:
        return Exclusion(id=r[0], pupil_id=r[1], school_id=r[2], school=r[3], kind=r[4],
                         start_on=date.fromisoformat(r[5]), days=r[6], reason=r[7],
                         status=r[8], decided_on=_d(r[9]), source=r[10])

    def exclusion(self, exclusion_id: str) -> Exclusion | None:
        row = self.conn.execute(f"{self._EXCLUSION_SQL} WHERE e.id = ?",
                                (exclusion_id,)).fetchone()
        return self._exclusion(row) if row else None

    def exclusions(self, *, pupil_id: str | None = None, school_id: str | None = None,
                   first: date | None = None, last: date | None = None) -> list[Exclusion]:
        where: list[str] = []
        params: list[Any] = []
        if pupil_id is not None:
            where.append("e.pupil_id = ?")
            params.append(pupil_id)
        if school_id is not None:
            where.append("e.school_id = ?")
            params.append(school_id)
        if first is not None:
            where.append("e.start_on >= ?")
            params.append(first.isoformat())
        if last is not None:
            where.append("e.start_on <= ?")
            params.append(last.isoformat())
        sql = self._EXCLUSION_SQL + (" WHERE " + " AND ".join(where) if where else "")
        return [self._exclusion(r) for r in
                self.conn.execute(sql + " ORDER BY e.start_on, e.id", params)]

    def exclusions_of(self, pupil_ids: Iterable[str]) -> list[Exclusion]:
        """The exclusions of many pupils (an import compares with what is held)."""
        out: list[Exclusion] = []
        ids = list(dict.fromkeys(pupil_ids))
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            out += [self._exclusion(r) for r in self.conn.execute(
                f"{self._EXCLUSION_SQL} WHERE e.pupil_id IN ({marks}) ORDER BY e.start_on, e.id",
                chunk)]
        return out

    def resolve(self, table: str, text: str) -> list[str]:
        """Ids of ``table`` equal to ``text`` or starting with it (six characters or more)."""
        t = text.strip().lower()
        if len(t) < 6 or not all(c in "0123456789abcdef" for c in t):
            return []
        return [r[0] for r in self.conn.execute(
            f"SELECT id FROM {table} WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 3",
            (t, t + "%"))]

    # -- attendance -------------------------------------------------------------------------
    _ATTENDANCE_SQL = (
        "SELECT id, pupil_id, school_id, academic_year, term, percent, sessions_possible, "
        "sessions_attended, source FROM attendance_records")

    def attendance(self, *, pupil_id: str | None = None) -> list[AttendanceRecord]:
        sql, params = self._ATTENDANCE_SQL, list[Any]()
        if pupil_id is not None:
            sql += " WHERE pupil_id = ?"
            params.append(pupil_id)
        return [AttendanceRecord(*r) for r in self.conn.execute(
            sql + " ORDER BY academic_year, term, id", params)]

    def attendance_of(self, pupil_ids: Iterable[str]) -> list[AttendanceRecord]:
        """The attendance records of many pupils."""
        out: list[AttendanceRecord] = []
        ids = list(dict.fromkeys(pupil_ids))
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            out += [AttendanceRecord(*r) for r in self.conn.execute(
                f"{self._ATTENDANCE_SQL} WHERE pupil_id IN ({marks}) "
                "ORDER BY academic_year, term, id", chunk)]
        return out

    def attendance_ids(self, pupil_ids: Iterable[str]) -> dict[tuple[str, int, str], str]:
        """(pupil, academic year, term) -> the id of the record held for it."""
        out: dict[tuple[str, int, str], str] = {}
        ids = list(pupil_ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for rid, pid, year, term in self.conn.execute(
                    f"SELECT id, pupil_id, academic_year, term FROM attendance_records "
                    f"WHERE pupil_id IN ({marks}) ORDER BY updated_at, id", chunk):
                out[(pid, int(year), term)] = rid
        return out

    # -- school term totals -----------------------------------------------------------------
    def figures(self, *, academic_year: int | None = None,
                school_id: str | None = None) -> list[TermFigures]:
        where: list[str] = []
        params: list[Any] = []
        if academic_year is not None:
            where.append("f.academic_year = ?")
            params.append(academic_year)
        if school_id is not None:
            where.append("f.school_id = ?")
            params.append(school_id)
        sql = ("SELECT f.id, f.school_id, s.name, f.academic_year, f.term, f.roll, "
               "f.suspensions, f.suspension_days, f.pupils_suspended, f.permanent_exclusions, "
               "f.attendance_pct, f.notes FROM school_term_figures f "
               "JOIN schools s ON s.id = f.school_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        # the latest entry wins if two installations recorded the same term
        rows = self.conn.execute(sql + " ORDER BY f.updated_at, f.id", params).fetchall()
        latest: dict[tuple[str, int, str], TermFigures] = {}
        for r in rows:
            latest[(r[1], int(r[3]), r[4])] = TermFigures(*r)
        return sorted(latest.values(), key=lambda f: (f.academic_year, f.school, f.term))

    def figures_id(self, school_id: str, academic_year: int, term: str) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM school_term_figures WHERE school_id = ? AND academic_year = ? "
            "AND term = ? ORDER BY updated_at DESC, id DESC LIMIT 1",
            (school_id, academic_year, term)).fetchone()
        return str(row[0]) if row else None

    # -- column mappings ---------------------------------------------------------------------
    def mapping(self, school_id: str, kind: str) -> tuple[str, dict[str, str]] | None:
        row = self.conn.execute(
            "SELECT id, mapping FROM import_mappings WHERE school_id = ? AND kind = ? "
            "ORDER BY updated_at DESC, id DESC LIMIT 1", (school_id, kind)).fetchone()
        if row is None:
            return None
        try:
            value = json.loads(row[1] or "{}")
        except ValueError:
            value = {}
        if not isinstance(value, dict):
            value = {}
        return str(row[0]), {str(k): str(v) for k, v in value.items()}

    # -- pupils and cases -------------------------------------------------------------------
    def pupils_by_upn(self, upns: Iterable[str]) -> dict[str, PupilMatch]:
        """The pupils held with these UPNs (the first one if a UPN is held twice), with
        their cases (open ones first, newest first)."""
        wanted = [u for u in dict.fromkeys(upns) if u]
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        cols = ", ".join(PUPIL_COLUMNS)
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in self.conn.execute(
                    f"SELECT id, {cols} FROM pupils WHERE upn IN ({marks}) "
                    "ORDER BY updated_at, id", chunk):
                values = dict(zip(PUPIL_COLUMNS, row[1:], strict=True))
                found.setdefault(str(values["upn"]), (str(row[0]), values))
        cases: dict[str, list[tuple[str, str, str]]] = {}
        pids = [p for p, _ in found.values()]
        for i in range(0, len(pids), _CHUNK):
            chunk = pids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for cid, pid, status, opened in self.conn.execute(
                    f"SELECT id, pupil_id, status, coalesce(opened_on, created_at) FROM cases "
                    f"WHERE pupil_id IN ({marks})", chunk):
                cases.setdefault(pid, []).append((cid, status, opened))
        out = {}
        for upn, (pid, values) in found.items():
            held = sorted(cases.get(pid, []), key=lambda c: c[2], reverse=True)
            held.sort(key=lambda c: c[1] != "open")  # stable: open ones first, newest first
            out[upn] = PupilMatch(pid, values, tuple(c[0] for c in held if c[1] == "open"),
                                  tuple(c[0] for c in held))
        return out

    def case_values(self, case_ids: Iterable[str], columns: Sequence[str]
                    ) -> dict[str, dict[str, Any]]:
        ids, cols = list(case_ids), ", ".join(columns)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            for row in self.conn.execute(
                    f"SELECT id, {cols} FROM cases WHERE id IN ({marks})", chunk):
                out[str(row[0])] = dict(zip(columns, row[1:], strict=True))
        return out

    def open_cases_of(self, pupil_id: str) -> list[str]:
        return [str(r[0]) for r in self.conn.execute(
            "SELECT id FROM cases WHERE pupil_id = ? AND status = 'open' ORDER BY id",
            (pupil_id,))]

    def pupil_of_case(self, case_id: str) -> str | None:
        row = self.conn.execute("SELECT pupil_id FROM cases WHERE id = ?",
                                (case_id,)).fetchone()
        return str(row[0]) if row else None

    def pupil_label(self, pupil_id: str) -> tuple[str, str, str]:
        """(first name, last name, home school id) of a pupil."""
        row = self.conn.execute(
            "SELECT first_name, last_name, home_school_id FROM pupils WHERE id = ?",
            (pupil_id,)).fetchone()
        return (str(row[0]), str(row[1]), str(row[2])) if row else ("", "", "")

    def case_spans(self) -> list[CaseSpan]:
        return [CaseSpan(r[0], r[1], r[2], _d(r[3]), _d(r[4])) for r in self.conn.execute(
            "SELECT c.id, c.pupil_id, p.home_school_id, c.opened_on, c.closed_on "
            "FROM cases c JOIN pupils p ON p.id = c.pupil_id")]

    def evidence_steps(self, until: date) -> list[tuple[str, str]]:
        """(case id, step key) of every ladder evidence record started by ``until``."""
        return [(str(r[0]), str(r[1])) for r in self.conn.execute(
            "SELECT DISTINCT case_id, step_key FROM evidence WHERE deleted = 0 AND "
            "started_on <= ?", (until.isoformat(),))]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
