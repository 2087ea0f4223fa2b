"""Reads of meetings, agendas, decisions, actions, referrals and minutes versions.

Every write goes through ``Repository.insert/update/delete`` (so it is logged per field
for bundles and audited); this module only reads. The tables are created by schema
version 5 (``schema._MEETINGS_V5``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlite_utils

from panel_app.core.domain.meetings import (
    Action,
    AgendaItem,
    Decision,
    Interest,
    Meeting,
    MeetingSettings,
    Member,
    MinutesStatus,
    MinutesVersion,
    Referral,
)


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


_MEETING_SELECT = """
    SELECT m.id, coalesce(m.series_id, ''), m.date, m.start_time, m.end_time,
           m.venue_school_id, coalesce(s.name, m.venue), m.chair_id,
           coalesce(pc.name, m.chair_name), m.clerk_id, coalesce(pk.name, m.clerk_name),
           m.status, m.notes,
           (SELECT status FROM meeting_minutes mm WHERE mm.meeting_id = m.id
            ORDER BY version DESC LIMIT 1),
           (SELECT max(version) FROM meeting_minutes mm WHERE mm.meeting_id = m.id)
    FROM meetings m
    LEFT JOIN schools s ON s.id = m.venue_school_id
    LEFT JOIN people pc ON pc.id = m.chair_id
    LEFT JOIN people pk ON pk.id = m.clerk_id
"""


def _meeting(r: Any) -> Meeting:
    return Meeting(
        id=r[0], series_id=r[1], date=date.fromisoformat(r[2]), start_time=r[3], end_time=r[4],
        venue_school_id=r[5], venue=r[6] or "", chair_id=r[7], chair=r[8] or "",
        clerk_id=r[9], clerk=r[10] or "", status=r[11], notes=r[12],
        minutes_status=r[13] or MinutesStatus.DRAFT.value, minutes_version=int(r[14] or 0),
    )


class MeetingsRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        return self.db.conn.execute(sql, params).fetchall()

    # -- series ----------------------------------------------------------------------------
    def settings(self) -> MeetingSettings | None:
        rows = self._rows(
            "SELECT id, name, every_days, start_time, quorum_schools, cutoff_weekday, "
            "cutoff_weeks_before, marking, venues FROM meeting_series "
            "ORDER BY created_at, id LIMIT 1")
        if not rows:
            return None
        r = rows[0]
        return MeetingSettings(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]))

    # -- meetings --------------------------------------------------------------------------
    def meetings(self) -> list[Meeting]:
        return [_meeting(r) for r in
                self._rows(_MEETING_SELECT + " ORDER BY m.date, m.start_time, m.id")]

    def meeting(self, meeting_id: str) -> Meeting | None:
        rows = self._rows(_MEETING_SELECT + " WHERE m.id = ?", (meeting_id,))
        return _meeting(rows[0]) if rows else None

    def meetings_on(self, on: date) -> list[Meeting]:
        return [_meeting(r) for r in self._rows(
            _MEETING_SELECT + " WHERE m.date = ? ORDER BY m.start_time", (on.isoformat(),))]

    def previous_meeting(self, meeting: Meeting) -> Meeting | None:
        rows = self._rows(
            _MEETING_SELECT + " WHERE (m.date < ? OR (m.date = ? AND m.start_time < ?)) "
            "AND m.status != 'cancelled' ORDER BY m.date DESC, m.start_time DESC LIMIT 1",
            (meeting.date.isoformat(), meeting.date.isoformat(), meeting.start_time))
        return _meeting(rows[0]) if rows else None

    def next_meeting(self, meeting: Meeting) -> Meeting | None:
        rows = self._rows(
            _MEETING_SELECT + " WHERE (m.date > ? OR (m.date = ? AND m.start_time > ?)) "
            "AND m.status != 'cancelled' ORDER BY m.date, m.start_time LIMIT 1",
            (meeting.date.isoformat(), meeting.date.isoformat(), meeting.start_time))
        return _meeting(rows[0]) if rows else None

    # -- members ---------------------------------------------------------------------------
    def members(self, meeting_id: str) -> list[Member]:
        rows = self._rows(
            """SELECT mm.id, mm.meeting_id, mm.person_id, coalesce(p.name, mm.name), mm.role,
                      mm.school_id, coalesce(s.name, ''), mm.attendance, mm.part
               FROM meeting_members mm
               LEFT JOIN people p ON p.id = mm.person_id
               LEFT JOIN schools s ON s.id = mm.school_id
               WHERE mm.meeting_id = ?
               ORDER BY s.name IS NULL, s.name COLLATE NOCASE, mm.name COLLATE NOCASE, mm.id""",
            (meeting_id,))
        return [Member(*r) for r in rows]

    def interests(self, meeting_id: str) -> list[Interest]:
        rows = self._rows(
            """SELECT i.id, i.meeting_id, i.member_id, coalesce(p.name, mm.name), i.text,
                      i.item_id
               FROM meeting_interests i JOIN meeting_members mm ON mm.id = i.member_id
               LEFT JOIN people p ON p.id = mm.person_id
               WHERE i.meeting_id = ? ORDER BY mm.name COLLATE NOCASE, i.id""",
            (meeting_id,))
        return [Interest(*r) for r in rows]

    # -- referrals -------------------------------------------------------------------------
    _REFERRAL_SELECT = """
        SELECT r.id, r.case_id, c.case_ref, r.kind, r.category, r.summary, r.referred_on,
               r.referred_by, r.school_id, r.status
        FROM meeting_referrals r JOIN cases c ON c.id = r.case_id
    """

    def referrals(self, status: str | None = None) -> list[Referral]:
        where, params = ("WHERE r.status = ?", (status,)) if status else ("", ())
        rows = self._rows(self._REFERRAL_SELECT + f" {where} ORDER BY r.referred_on, r.id",
                          params)
        return [self._referral(r) for r in rows]

    def referral(self, referral_id: str) -> Referral | None:
        rows = self._rows(self._REFERRAL_SELECT + " WHERE r.id = ?", (referral_id,))
        return self._referral(rows[0]) if rows else None

    @staticmethod
    def _referral(r: Any) -> Referral:
        return Referral(r[0], r[1], r[2], r[3], r[4], r[5], date.fromisoformat(r[6]), r[7],
                        r[8], r[9])

    def open_listing_elsewhere(self, entity: str, entity_id: str, meeting_id: str,
                               from_date: date) -> list[str]:
        """Meetings on or after ``from_date`` (other than ``meeting_id``) whose agenda
        lists the entity with no decision yet."""
        rows = self._rows(
            """SELECT a.meeting_id FROM meeting_agenda a JOIN meetings m ON m.id = a.meeting_id
               LEFT JOIN meeting_decisions d ON d.item_id = a.id
               WHERE a.entity = ? AND a.entity_id = ? AND a.meeting_id != ?
                 AND d.id IS NULL AND m.date >= ?""",
            (entity, entity_id, meeting_id, from_date.isoformat()))
        return [r[0] for r in rows]

    # -- agenda and decisions --------------------------------------------------------------
    def agenda(self, meeting_id: str) -> list[AgendaItem]:
        rows = self._rows(
            """SELECT a.id, a.meeting_id, a.position, a.section, a.title, a.entity, a.entity_id,
                      a.case_id, coalesce(c.case_ref, ''), a.notes, a.late, a.late_note,
                      a.source
               FROM meeting_agenda a LEFT JOIN cases c ON c.id = a.case_id
               WHERE a.meeting_id = ? ORDER BY a.position, a.id""",
            (meeting_id,))
        decisions = {d.item_id: d for d in self.decisions(meeting_id)}
        return [AgendaItem(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                           bool(r[10]), r[11], r[12], decisions.get(r[0])) for r in rows]

    def agenda_item(self, item_id: str) -> AgendaItem | None:
        row = self._rows("SELECT meeting_id FROM meeting_agenda WHERE id = ?", (item_id,))
        if not row:
            return None
        return next((i for i in self.agenda(row[0][0]) if i.id == item_id), None)

    _DECISION_SELECT = """
        SELECT id, meeting_id, item_id, outcome, method, votes_for, votes_against,
               votes_abstain, conditions, rationale, dissent, review_on, ladder, recorded_by
        FROM meeting_decisions
    """

    @staticmethod
    def _decision(r: Any) -> Decision:
        return Decision(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                        _d(r[11]), json.loads(r[12]) if r[12] else None, r[13])

    def decisions(self, meeting_id: str) -> list[Decision]:
        return [self._decision(r) for r in
                self._rows(self._DECISION_SELECT + " WHERE meeting_id = ?", (meeting_id,))]

    def decision(self, decision_id: str) -> Decision | None:
        rows = self._rows(self._DECISION_SELECT + " WHERE id = ?", (decision_id,))
        return self._decision(rows[0]) if rows else None

    def reviews_due(self, on_or_before: date, before_meeting: Meeting) -> list[tuple[Decision,
                                                                                    str | None]]:
        """Decisions of earlier meetings whose review date has come by ``on_or_before``
        and that no later agenda item has reviewed (decided) yet; with the case id."""
        rows = self._rows(
            """SELECT d0.id, d0.meeting_id, d0.item_id, d0.outcome, d0.method, d0.votes_for,
                      d0.votes_against, d0.votes_abstain, d0.conditions, d0.rationale,
                      d0.dissent, d0.review_on, d0.ladder, d0.recorded_by
               FROM meeting_decisions d0 JOIN meetings m ON m.id = d0.meeting_id
               WHERE d0.review_on IS NOT NULL AND d0.review_on <= ? AND m.date < ?
                 AND NOT EXISTS (
                     SELECT 1 FROM meeting_agenda a
                     JOIN meeting_decisions d ON d.item_id = a.id
                     WHERE a.entity = 'decision' AND a.entity_id = d0.id
                       AND a.meeting_id != ?)
               ORDER BY d0.review_on, d0.id""",
            (on_or_before.isoformat(), before_meeting.date.isoformat(), before_meeting.id))
        out = []
        for r in rows:
            d = self._decision(r)
            case = self._rows("SELECT case_id FROM meeting_agenda WHERE id = ?", (d.item_id,))
            out.append((d, case[0][0] if case else None))
        return out

    # -- actions ---------------------------------------------------------------------------
    _ACTION_SELECT = """
        SELECT a.id, a.meeting_id, m.date, a.item_id, ag.position, a.text, a.owner_id,
               coalesce(p.name, a.owner_name), a.due_on, a.done_on
        FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id
        LEFT JOIN meeting_agenda ag ON ag.id = a.item_id
        LEFT JOIN people p ON p.id = a.owner_id
    """

    @staticmethod
    def _action(r: Any) -> Action:
        return Action(r[0], r[1], date.fromisoformat(r[2]), r[3], r[4], r[5], r[6], r[7],
                      date.fromisoformat(r[8]), _d(r[9]))

    def actions(self, meeting_id: str | None = None, *, open_only: bool = False,
                before: date | None = None) -> list[Action]:
        where, params = [], []
        if meeting_id:
            where.append("a.meeting_id = ?")
            params.append(meeting_id)
        if open_only:
            where.append("a.done_on IS NULL")
        if before is not None:
            where.append("m.date < ?")
            params.append(before.isoformat())
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        order = "a.rowid" if meeting_id else "a.due_on, m.date, a.rowid"
        return [self._action(r) for r in self._rows(
            self._ACTION_SELECT + f" {clause} ORDER BY {order}", params)]

    def action(self, action_id: str) -> Action | None:
        rows = self._rows(self._ACTION_SELECT + " WHERE a.id = ?", (action_id,))
        return self._action(rows[0]) if rows else None

    def find_action_ids(self, prefix: str) -> list[str]:
        like = prefix.replace("%", "").replace("_", "") + "%"
        return [r[0] for r in self._rows("SELECT id FROM meeting_actions WHERE id LIKE ?",
                                         (like,))]

    # -- minutes ---------------------------------------------------------------------------
    _MINUTES_SELECT = """
        SELECT id, meeting_id, version, status, reason, created_at, created_by, approved_on,
               approved_at_meeting, sha256 FROM meeting_minutes
    """

    def minutes_versions(self, meeting_id: str) -> list[MinutesVersion]:
        rows = self._rows(self._MINUTES_SELECT + " WHERE meeting_id = ? ORDER BY version",
                          (meeting_id,))
        return [MinutesVersion(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]),
                               r[6], _d(r[7]), r[8], r[9]) for r in rows]

    def minutes_content(self, meeting_id: str, version: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT content FROM meeting_minutes WHERE meeting_id = ? "
                          "AND version = ? AND content != ''", (meeting_id, version))
        return json.loads(rows[0][0]) if rows else None

    def pupils_for_cases(self, case_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Identity of the pupils of these cases (for the minutes and their checks)."""
        if not case_ids:
            return {}
        marks = ", ".join("?" for _ in case_ids)
        rows = self._rows(
            f"""SELECT c.id, c.case_ref, p.first_name, p.last_name, p.dob, p.upn,
                       p.year_group, s.name
                FROM cases c JOIN pupils p ON p.id = c.pupil_id
                JOIN schools s ON s.id = p.home_school_id WHERE c.id IN ({marks})""",
            case_ids)
        return {r[0]: {"case_ref": r[1], "first_name": r[2], "last_name": r[3],
                       "dob": r[4], "upn": r[5], "year_group": r[6], "school": r[7]}
                for r in rows}
