"""SQL for ladders, evidence, ladder checks and the school calendar.

Reads are plain queries; every write goes through ``Repository.insert/update`` so that it
lands in the ``changes`` log (per field) and ``audit_log``. Callers open the transaction
(``session._write()``). Rows are never deleted: a removed evidence record or a replaced
calendar term is marked ``deleted = 1`` (a change like any other, so bundles carry it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from panel_app.core.domain.calendar import Term
from panel_app.core.domain.ladder import Evidence
from panel_app.core.domain.models import DocumentInfo
from panel_app.core.storage.repository import Repository

# Ids are 32 hex digits; a shorter unique prefix (from a listing) is accepted as well.
MIN_PREFIX = 6


@dataclass(frozen=True)
class VersionRow:
    id: str
    ladder_id: str
    number: int
    definition: dict[str, Any]
    note: str
    created_at: datetime
    created_by: str


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class LadderStore:
    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.conn = repo.db.conn

    # -- ladders and versions ------------------------------------------------------------
    def ladder(self) -> dict[str, Any] | None:
        """The partnership's ladder row (one per partnership; the oldest if several)."""
        row = self.conn.execute(
            "SELECT l.id, l.name, l.preset, l.current_version_id FROM ladders l "
            "LEFT JOIN ladder_versions v ON v.id = l.current_version_id "
            "ORDER BY coalesce(v.created_at, l.updated_at), l.id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "name": row[1], "preset": row[2], "current_version_id": row[3]}

    def _version(self, row: Any) -> VersionRow:
        return VersionRow(
            row[0],
            row[1],
            int(row[2]),
            json.loads(row[3]),
            row[4],
            datetime.fromisoformat(row[5]),
            row[6],
        )

    _VERSION_COLS = "id, ladder_id, number, definition, note, created_at, created_by"

    def version(self, version_id: str) -> VersionRow | None:
        row = self.conn.execute(
            f"SELECT {self._VERSION_COLS} FROM ladder_versions WHERE id = ?", (version_id,)
        ).fetchone()
        return self._version(row) if row else None

    def version_by_number(self, ladder_id: str, number: int) -> VersionRow | None:
        row = self.conn.execute(
            f"SELECT {self._VERSION_COLS} FROM ladder_versions WHERE ladder_id = ? AND "
            "number = ? ORDER BY created_at DESC LIMIT 1",
            (ladder_id, number),
        ).fetchone()
        return self._version(row) if row else None

    def versions(self, ladder_id: str) -> list[VersionRow]:
        return [
            self._version(r)
            for r in self.conn.execute(
                f"SELECT {self._VERSION_COLS} FROM ladder_versions WHERE ladder_id = ? "
                "ORDER BY number, created_at",
                (ladder_id,),
            )
        ]

    def create_ladder(self, name: str, preset: str) -> str:
        return self.repo.insert(
            "ladder", {"name": name, "preset": preset, "current_version_id": None}
        )

    def add_version(
        self,
        ladder_id: str,
        definition: Mapping[str, Any],
        *,
        note: str,
        created_by: str,
        created_at: datetime,
    ) -> VersionRow:
        """Store a new version and make it current. Inside a transaction."""
        number = (
            int(
                self.conn.execute(
                    "SELECT coalesce(max(number), 0) FROM ladder_versions WHERE ladder_id = ?",
                    (ladder_id,),
                ).fetchone()[0]
            )
            + 1
        )
        text = json.dumps(definition, sort_keys=True, ensure_ascii=False)
        vid = self.repo.insert(
            "ladder_version",
            {
                "ladder_id": ladder_id,
                "number": number,
                "definition": text,
                "note": note,
                "created_at": created_at.isoformat(),
                "created_by": created_by,
            },
            stamp_field=None,
        )
        self.repo.update(
            "ladder",
            ladder_id,
            {
                "current_version_id": vid,
                "name": str(definition.get("name", "")),
                "preset": str(definition.get("preset", "")),
            },
        )
        found = self.version(vid)
        assert found is not None
        return found

    # -- evidence --------------------------------------------------------------------------
    _EVIDENCE_COLS = (
        "id, case_id, step_key, kind, started_on, ended_on, review_on, outcome, "
        "notes, recorded_by, recorded_at, verified_by, verified_role, verified_at"
    )

    def _evidence(self, r: Any) -> Evidence:
        ev = Evidence(
            id=r[0],
            case_id=r[1],
            step_key=r[2],
            kind=r[3],
            started_on=date.fromisoformat(r[4]),
            ended_on=_d(r[5]),
            review_on=_d(r[6]),
            outcome=r[7],
            notes=r[8],
            recorded_by=r[9],
            recorded_at=_dt(r[10]),
            verified_by=r[11],
            verified_role=r[12],
            verified_at=_dt(r[13]),
        )
        ev.documents = [
            DocumentInfo(d[0], d[1], d[2], d[3], d[4], datetime.fromisoformat(d[5]), d[6])
            for d in self.conn.execute(
                "SELECT d.id, d.case_id, d.filename, d.size, d.sha256, d.added_at, d.added_by "
                "FROM evidence_documents ed JOIN documents d ON d.id = ed.document_id "
                "WHERE ed.evidence_id = ? ORDER BY d.added_at, d.id",
                (ev.id,),
            )
        ]
        return ev

    def evidence_for_case(self, case_id: str) -> list[Evidence]:
        return [
            self._evidence(r)
            for r in self.conn.execute(
                f"SELECT {self._EVIDENCE_COLS} FROM evidence WHERE case_id = ? AND deleted = 0 "
                "ORDER BY started_on, recorded_at, id",
                (case_id,),
            )
        ]

    def evidence(self, evidence_id: str) -> Evidence | None:
        row = self.conn.execute(
            f"SELECT {self._EVIDENCE_COLS} FROM evidence WHERE id = ? AND deleted = 0",
            (evidence_id,),
        ).fetchone()
        return self._evidence(row) if row else None

    def resolve_id(self, table: str, text: str) -> list[str]:
        """Ids in ``table`` equal to ``text`` or starting with it (at least 6 characters)."""
        assert table in {"evidence", "ladder_checks"}
        text = text.strip().lower()
        extra = " AND deleted = 0" if table == "evidence" else ""
        exact = self.conn.execute(f"SELECT id FROM {table} WHERE id = ?{extra}", (text,)).fetchone()
        if exact:
            return [str(exact[0])]
        if len(text) < MIN_PREFIX or not all(c in "0123456789abcdef" for c in text):
            return []
        return [
            str(r[0])
            for r in self.conn.execute(
                f"SELECT id FROM {table} WHERE substr(id, 1, ?) = ?{extra} LIMIT 5",
                (len(text), text),
            )
        ]

    def insert_evidence(self, values: Mapping[str, Any]) -> str:
        return self.repo.insert("evidence", dict(values))

    def update_evidence(self, evidence_id: str, values: Mapping[str, Any]) -> list[str]:
        return self.repo.update("evidence", evidence_id, values)

    def link_document(
        self, case_id: str, evidence_id: str, document_id: str, at: datetime
    ) -> str | None:
        exists = self.conn.execute(
            "SELECT 1 FROM evidence_documents WHERE evidence_id = ? AND document_id = ?",
            (evidence_id, document_id),
        ).fetchone()
        if exists:
            return None
        return self.repo.insert(
            "evidence_document",
            {
                "case_id": case_id,
                "evidence_id": evidence_id,
                "document_id": document_id,
                "added_at": at.isoformat(),
            },
            stamp_field=None,
        )

    def case_document_ids(self, case_id: str) -> set[str]:
        return {
            str(r[0])
            for r in self.conn.execute("SELECT id FROM documents WHERE case_id = ?", (case_id,))
        }

    # -- checks ------------------------------------------------------------------------------
    _CHECK_COLS = (
        "id, case_id, action, on_date, ladder_version_id, verdict, result, "
        "checked_at, checked_by, override_reason, override_by, override_at"
    )

    def insert_check(self, values: Mapping[str, Any]) -> str:
        return self.repo.insert("ladder_check", dict(values))

    def update_check(self, check_id: str, values: Mapping[str, Any]) -> list[str]:
        return self.repo.update("ladder_check", check_id, values)

    def check_row(self, check_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {self._CHECK_COLS} FROM ladder_checks WHERE id = ?", (check_id,)
        ).fetchone()
        return self._check(row) if row else None

    def checks_for_case(self, case_id: str) -> list[dict[str, Any]]:
        return [
            self._check(r)
            for r in self.conn.execute(
                f"SELECT {self._CHECK_COLS} FROM ladder_checks WHERE case_id = ? "
                "ORDER BY checked_at, id",
                (case_id,),
            )
        ]

    @staticmethod
    def _check(r: Any) -> dict[str, Any]:
        return {
            "id": r[0],
            "case_id": r[1],
            "action": r[2],
            "on_date": r[3],
            "ladder_version_id": r[4],
            "verdict": r[5],
            "result": json.loads(r[6]),
            "checked_at": r[7],
            "checked_by": r[8],
            "override_reason": r[9],
            "override_by": r[10],
            "override_at": r[11],
        }

    # -- calendar ----------------------------------------------------------------------------
    def terms(self) -> list[tuple[str, Term]]:
        out = []
        for r in self.conn.execute(
            "SELECT id, name, start_date, end_date, half_term_start, half_term_end, "
            "closures FROM calendar_terms WHERE deleted = 0 ORDER BY start_date, id"
        ):
            closures = tuple(sorted(date.fromisoformat(c) for c in json.loads(r[6] or "[]")))
            out.append(
                (
                    str(r[0]),
                    Term(
                        r[1],
                        date.fromisoformat(r[2]),
                        date.fromisoformat(r[3]),
                        _d(r[4]),
                        _d(r[5]),
                        closures,
                    ),
                )
            )
        return out

    def insert_term(self, term: Term) -> str:
        return self.repo.insert(
            "calendar_term",
            {
                "academic_year": term.academic_year,
                "name": term.name,
                "start_date": term.start,
                "end_date": term.end,
                "half_term_start": term.half_term_start,
                "half_term_end": term.half_term_end,
                "closures": json.dumps([c.isoformat() for c in sorted(term.closures)]),
            },
        )

    def delete_term(self, term_id: str) -> None:
        self.repo.update("calendar_term", term_id, {"deleted": 1})
