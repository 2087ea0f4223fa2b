"""Reads of proposals, their history, moves, placements, quota years and charges.

Every write goes through ``Repository.insert/update`` (so it is logged per field for
bundles and audited); this module only reads. The tables are created by schema version 6
(``schema._PROPOSALS_V6``). The proposals board is filtered, grouped and counted in SQL
(it must stay quick at tens of thousands of proposals).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlite_utils

from panel_app.core.domain.moves import Admission, Attendee, Move, Placement
from panel_app.core.domain.proposals import (
    BOARD_ORDER,
    KIND_LABELS,
    Board,
    BoardFilter,
    BoardRow,
    Proposal,
    ProposalEvent,
)
from panel_app.core.domain.quotas import QuotaCharge, QuotaYear, Span


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _dates(text: str | None) -> list[date]:
    return sorted(date.fromisoformat(x) for x in json.loads(text or "[]"))


def _where_sql(clauses: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _case_filters(alias: str, *, case_id: str | None, pupil_id: str | None,
                  open_only: bool) -> tuple[list[str], list[Any]]:
    """Conditions on a move or placement (table alias ``alias``, joined to ``cases c``):
    of a case, of a pupil, not ended."""
    clauses: list[str] = []
    params: list[Any] = []
    if case_id:
        clauses.append(f"{alias}.case_id = ?")
        params.append(case_id)
    if pupil_id:
        clauses.append("c.pupil_id = ?")
        params.append(pupil_id)
    if open_only:
        clauses.append(f"{alias}.ended_on IS NULL")
    return clauses, params


_PROPOSAL_SELECT = """
    SELECT p.id, p.case_id, c.case_ref, p.kind, p.state, p.title, p.school_id,
           coalesce(s.name, ''), p.receiving_school_id, coalesce(r.name, ''),
           p.fair_access_reason, p.year_group, p.requested_start, p.requested_weeks,
           p.details, p.ladder_check_id, p.submitted_on, p.submitted_by, p.meeting_id,
           p.decision_id, p.decision_outcome, p.decided_on, p.decision_conditions,
           p.review_on, p.over_quota_by, p.over_quota_note, p.close_outcome, p.closed_on,
           p.close_note, p.created_at, p.created_by, p.updated_at
    FROM proposals p JOIN cases c ON c.id = p.case_id
    LEFT JOIN schools s ON s.id = p.school_id
    LEFT JOIN schools r ON r.id = p.receiving_school_id
"""


def _proposal(r: Any) -> Proposal:
    return Proposal(
        id=r[0], case_id=r[1], case_ref=r[2], kind=r[3], state=r[4], title=r[5],
        school_id=r[6], school=r[7], receiving_school_id=r[8], receiving_school=r[9],
        fair_access_reason=r[10], year_group=r[11], requested_start=_d(r[12]),
        requested_weeks=r[13], details=r[14], ladder_check_id=r[15], submitted_on=_d(r[16]),
        submitted_by=r[17], meeting_id=r[18], decision_id=r[19], decision_outcome=r[20],
        decided_on=_d(r[21]), decision_conditions=r[22], review_on=_d(r[23]),
        over_quota_by=r[24], over_quota_note=r[25], close_outcome=r[26], closed_on=_d(r[27]),
        close_note=r[28], created_at=_dt(r[29]), created_by=r[30], updated_at=_dt(r[31]))


_MOVE_SELECT = """
    SELECT m.id, m.case_id, c.case_ref, c.pupil_id, m.arrangement, m.kind, m.home_school_id,
           coalesce(h.name, ''), m.receiving_school_id, coalesce(r.name, ''), m.start_on,
           m.planned_end, m.proposal_id, m.dual_registration, m.trial,
           m.parents_notified_on, m.admission_meeting_on, m.admission_attendees, m.targets,
           m.review_dates, m.reviewed_on, m.reentry_meeting_on, m.outcome, m.ended_on,
           m.breakdown_reason, m.notes, m.created_at, m.updated_at
    FROM moves m JOIN cases c ON c.id = m.case_id
    LEFT JOIN schools h ON h.id = m.home_school_id
    LEFT JOIN schools r ON r.id = m.receiving_school_id
"""


def _move(r: Any) -> Move:
    return Move(
        id=r[0], case_id=r[1], case_ref=r[2], pupil_id=r[3], arrangement=r[4], kind=r[5],
        home_school_id=r[6], home_school=r[7], receiving_school_id=r[8],
        receiving_school=r[9], start=date.fromisoformat(r[10]), planned_end=_d(r[11]),
        proposal_id=r[12], dual_registration=bool(r[13]), trial=bool(r[14]),
        parents_notified_on=_d(r[15]), admission_meeting_on=_d(r[16]),
        attendees=[Attendee(str(a.get("name", "")), str(a.get("side", "other")))
                   for a in json.loads(r[17] or "[]")],
        targets=[str(t) for t in json.loads(r[18] or "[]")], review_dates=_dates(r[19]),
        reviewed_on=_d(r[20]), reentry_meeting_on=_d(r[21]), outcome=r[22],
        ended_on=_d(r[23]), breakdown_reason=r[24], notes=r[25], created_at=_dt(r[26]),
        updated_at=_dt(r[27]))


_PLACEMENT_SELECT = """
    SELECT pl.id, pl.case_id, c.case_ref, c.pupil_id, pl.provider_type, pl.provider_name,
           pl.school_id, coalesce(s.name, ''), pl.start_on, pl.planned_end, pl.pathway,
           pl.provider_school_id, pl.proposal_id, pl.in_quota, pl.dual_registered,
           pl.review_dates, pl.reviewed_on, pl.ended_on, pl.outcome, pl.notes,
           pl.created_at, pl.updated_at
    FROM placements pl JOIN cases c ON c.id = pl.case_id
    LEFT JOIN schools s ON s.id = pl.school_id
"""


def _placement(r: Any) -> Placement:
    return Placement(
        id=r[0], case_id=r[1], case_ref=r[2], pupil_id=r[3], provider_type=r[4],
        provider_name=r[5], school_id=r[6], school=r[7], start=date.fromisoformat(r[8]),
        planned_end=_d(r[9]), pathway=r[10], provider_school_id=r[11], proposal_id=r[12],
        in_quota=bool(r[13]), dual_registered=bool(r[14]), review_dates=_dates(r[15]),
        reviewed_on=_d(r[16]), ended_on=_d(r[17]), outcome=r[18], notes=r[19],
        created_at=_dt(r[20]), updated_at=_dt(r[21]))


class ProposalsRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.db.conn.execute(sql, list(params)).fetchall()

    def resolve(self, table: str, text: str) -> list[str]:
        """Ids of ``table`` equal to ``text`` or starting with it (at least 6 characters)."""
        t = text.strip().lower()
        exact = self._rows(f"SELECT id FROM {table} WHERE id = ?", (t,))
        if exact or len(t) < 6:
            return [r[0] for r in exact]
        like = t.replace("%", "").replace("_", "") + "%"
        return [r[0] for r in self._rows(f"SELECT id FROM {table} WHERE id LIKE ? LIMIT 3",
                                         (like,))]

    # -- cases ---------------------------------------------------------------------------
    def case_facts(self, case_id: str) -> dict[str, Any] | None:
        rows = self._rows(
            """SELECT c.id, c.case_ref, c.pupil_id, p.home_school_id, p.year_group, p.lac,
                      p.sen_status FROM cases c JOIN pupils p ON p.id = c.pupil_id
               WHERE c.id = ?""", (case_id,))
        if not rows:
            return None
        r = rows[0]
        return {"id": r[0], "case_ref": r[1], "pupil_id": r[2], "home_school_id": r[3],
                "year_group": r[4], "lac": bool(r[5]), "ehcp": r[6] == "EHCP"}

    # -- proposals -----------------------------------------------------------------------
    def proposal(self, proposal_id: str) -> Proposal | None:
        rows = self._rows(_PROPOSAL_SELECT + " WHERE p.id = ?", (proposal_id,))
        return _proposal(rows[0]) if rows else None

    def proposals(self, *, case_id: str | None = None, states: Sequence[str] = (),
                  kind: str | None = None, school_id: str | None = None,
                  limit: int | None = None) -> list[Proposal]:
        where, params = self._where(case_id=case_id, states=states, kind=kind,
                                    school_id=school_id)
        lim = f" LIMIT {int(limit)}" if limit else ""
        return [_proposal(r) for r in self._rows(
            _PROPOSAL_SELECT + where + " ORDER BY p.created_at, p.id" + lim, params)]

    @staticmethod
    def _where(*, case_id: str | None = None, states: Sequence[str] = (),
               kind: str | None = None, school_id: str | None = None,
               exclude_state: str | None = None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if case_id:
            clauses.append("p.case_id = ?")
            params.append(case_id)
        if states:
            clauses.append(f"p.state IN ({', '.join('?' for _ in states)})")
            params += list(states)
        if exclude_state:
            clauses.append("p.state != ?")
            params.append(exclude_state)
        if kind:
            clauses.append("p.kind = ?")
            params.append(kind)
        if school_id:
            clauses.append("(p.school_id = ? OR p.receiving_school_id = ?)")
            params += [school_id, school_id]
        return _where_sql(clauses), params

    def board(self, flt: BoardFilter) -> Board:
        """Board columns by state (most recently changed first), counted in SQL."""
        where, params = self._where(states=flt.states, kind=flt.kind,
                                    school_id=flt.school_id,
                                    exclude_state=None if flt.include_closed else "closed")
        counts = {s: 0 for s in BOARD_ORDER}
        for state, n in self._rows(f"SELECT p.state, count(*) FROM proposals p{where} "
                                   "GROUP BY p.state", params):
            counts[state] = int(n)
        columns: dict[str, list[BoardRow]] = {s: [] for s in BOARD_ORDER}
        per = f"LIMIT {int(flt.limit_per_state)}" if flt.limit_per_state else ""
        wanted = [s for s in BOARD_ORDER if counts.get(s)]
        for state in wanted:
            extra = (" AND " if where else " WHERE ") + "p.state = ?"
            rows = self._rows(
                f"""SELECT p.id, c.case_ref, p.kind, p.state, p.school_id, coalesce(s.name, ''),
                           coalesce(r.name, ''), p.title, coalesce(p.submitted_on, ''),
                           p.decision_outcome, p.updated_at
                    FROM proposals p JOIN cases c ON c.id = p.case_id
                    LEFT JOIN schools s ON s.id = p.school_id
                    LEFT JOIN schools r ON r.id = p.receiving_school_id
                    {where}{extra} ORDER BY p.updated_at DESC, p.id DESC {per}""",
                [*params, state])
            columns[state] = [BoardRow(r[0], r[1], r[2], KIND_LABELS.get(r[2], r[2]), r[3],
                                       r[4], r[5], r[6], r[7], r[8], r[9], r[10])
                              for r in rows]
        return Board(columns, counts, sum(counts.values()))

    def events(self, proposal_id: str) -> list[ProposalEvent]:
        return [ProposalEvent(r[0], r[1], datetime.fromisoformat(r[2]), r[3], r[4], r[5], r[6],
                              r[7])
                for r in self._rows(
                    "SELECT id, proposal_id, at, by, event, from_state, to_state, note "
                    "FROM proposal_events WHERE proposal_id = ? ORDER BY at, rowid",
                    (proposal_id,))]

    def fair_access_admissions(self) -> list[Admission]:
        """Approved fair-access placements (a school named to admit the pupil)."""
        rows = self._rows(
            """SELECT p.receiving_school_id, coalesce(p.year_group, pu.year_group),
                      coalesce(p.decided_on, p.submitted_on, substr(p.created_at, 1, 10)),
                      pu.lac OR p.fair_access_reason = 'lac', pu.sen_status
               FROM proposals p JOIN cases c ON c.id = p.case_id
               JOIN pupils pu ON pu.id = c.pupil_id
               WHERE p.kind = 'fair-access' AND p.receiving_school_id IS NOT NULL
                 AND ((p.state IN ('decided', 'active', 'under_review')
                       AND p.decision_outcome IN ('approved', 'approved_with_conditions'))
                      OR (p.state = 'closed' AND p.close_outcome = 'admitted'))""")
        return [Admission(r[0], r[1], date.fromisoformat(r[2]), bool(r[3]), r[4] == "EHCP")
                for r in rows]

    def linked(self, proposal_id: str) -> tuple[list[str], list[str]]:
        moves = [r[0] for r in self._rows("SELECT id FROM moves WHERE proposal_id = ?",
                                          (proposal_id,))]
        placements = [r[0] for r in self._rows(
            "SELECT id FROM placements WHERE proposal_id = ?", (proposal_id,))]
        return moves, placements

    # -- moves ---------------------------------------------------------------------------
    def move(self, move_id: str) -> Move | None:
        rows = self._rows(_MOVE_SELECT + " WHERE m.id = ?", (move_id,))
        return _move(rows[0]) if rows else None

    def moves(self, *, case_id: str | None = None, pupil_id: str | None = None,
              open_only: bool = False, school_id: str | None = None) -> list[Move]:
        clauses, params = _case_filters("m", case_id=case_id, pupil_id=pupil_id,
                                        open_only=open_only)
        if school_id:
            clauses.append("(m.home_school_id = ? OR m.receiving_school_id = ?)")
            params += [school_id, school_id]
        return [_move(r) for r in self._rows(
            _MOVE_SELECT + _where_sql(clauses) + " ORDER BY m.start_on, m.id", params)]

    # -- placements ----------------------------------------------------------------------
    def placement(self, placement_id: str) -> Placement | None:
        rows = self._rows(_PLACEMENT_SELECT + " WHERE pl.id = ?", (placement_id,))
        return _placement(rows[0]) if rows else None

    def placements(self, *, case_id: str | None = None, pupil_id: str | None = None,
                   open_only: bool = False, school_id: str | None = None) -> list[Placement]:
        clauses, params = _case_filters("pl", case_id=case_id, pupil_id=pupil_id,
                                        open_only=open_only)
        if school_id:
            clauses.append("pl.school_id = ?")
            params.append(school_id)
        return [_placement(r) for r in self._rows(
            _PLACEMENT_SELECT + _where_sql(clauses) + " ORDER BY pl.start_on, pl.id", params)]

    def spans(self, first: date, last: date) -> list[Span]:
        """Placements holding a place on some day from ``first`` to ``last``."""
        rows = self._rows(
            """SELECT id, school_id, start_on, coalesce(ended_on, planned_end), in_quota
               FROM placements
               WHERE start_on <= ? AND coalesce(ended_on, planned_end, '9999-12-31') >= ?""",
            (last.isoformat(), first.isoformat()))
        return [Span(r[0], r[1], date.fromisoformat(r[2]), _d(r[3]), bool(r[4])) for r in rows]

    # -- quotas --------------------------------------------------------------------------
    def quota_year(self, academic_year: int) -> QuotaYear | None:
        """The year's quota (the first recorded, if two installations both set one)."""
        rows = self._rows(
            "SELECT id, academic_year, places, cost_per_place, envelope, funded_places, "
            "formula, roll_weight, fsm_weight, notes FROM quota_years "
            "WHERE academic_year = ? ORDER BY created_at, id LIMIT 1", (academic_year,))
        if not rows:
            return None
        r = rows[0]
        year = QuotaYear(r[0], r[1], r[2], r[3], r[4], r[5], r[6], float(r[7]), float(r[8]),
                         r[9])
        year.allocations = {a[0]: int(a[1]) for a in self._rows(
            "SELECT school_id, places FROM quota_allocations WHERE quota_year_id = ?",
            (year.id,))}
        return year

    def quota_years(self) -> list[int]:
        return [int(r[0]) for r in self._rows(
            "SELECT DISTINCT academic_year FROM quota_years ORDER BY academic_year")]

    def allocation_rows(self, quota_year_id: str) -> dict[str, tuple[str, int]]:
        return {r[1]: (r[0], int(r[2])) for r in self._rows(
            "SELECT id, school_id, places FROM quota_allocations WHERE quota_year_id = ?",
            (quota_year_id,))}

    def charges(self, academic_year: int | None = None) -> list[QuotaCharge]:
        where, params = ("WHERE q.academic_year = ?", [academic_year]) if (
            academic_year is not None) else ("", [])
        return [QuotaCharge(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]), r[5], r[6], r[7],
                            r[8] or "", r[9], r[10])
                for r in self._rows(
                    f"""SELECT q.id, q.academic_year, q.school_id, coalesce(s.name, ''),
                               q.charged_on, q.amount, q.reason, q.case_id, c.case_ref,
                               q.proposal_id, q.created_by
                        FROM quota_charges q LEFT JOIN schools s ON s.id = q.school_id
                        LEFT JOIN cases c ON c.id = q.case_id {where}
                        ORDER BY q.charged_on, q.id""", params)]
