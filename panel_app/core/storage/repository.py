"""Repositories: every read and write of partnership records.

Each write runs inside one transaction and, in the same transaction, appends one row
per changed field to ``changes`` (what bundles will send and merge) and one row to
``audit_log`` (who did what; field names only for free text, never the values).

Inside ``Repository.batched()`` (a large import) the same change-log rows and audit
entries are collected and written together when the block ends, still inside the caller's
transaction: the change rows in one ``executemany`` with their hybrid-logical-clock values
worked out as the ``changes_hlc_stamp`` trigger would give them (storage/schema.py), the
audit entries chained in one ``audit.append``, with a larger page cache while the batch
runs. Same rows, same order, same chain; a first import of 10,000 pupils went from about
21 s to about 6 s (benchmarks/README.md).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlite_utils

from panel_app.core.domain.models import (
    CaseNote,
    CaseRecord,
    DocumentInfo,
    Person,
    School,
    new_id,
    new_ids,
)
from panel_app.core.storage import audit as audit_chain

ENTITY_TABLES = {
    "school": "schools",
    "person": "people",
    "pupil": "pupils",
    "case": "cases",
    "case_note": "case_notes",
    "document": "documents",
    "partnership": "partnership",
    # intervention ladders (schema version 4; SQL in storage/ladders.py)
    "ladder": "ladders",
    "ladder_version": "ladder_versions",
    "evidence": "evidence",
    "evidence_document": "evidence_documents",
    "ladder_check": "ladder_checks",
    "calendar_term": "calendar_terms",
    # meetings (schema version 5; reads in storage/meetings_repo.py)
    "meeting_series": "meeting_series",
    "meeting": "meetings",
    "meeting_member": "meeting_members",
    "meeting_interest": "meeting_interests",
    "referral": "meeting_referrals",
    "agenda_item": "meeting_agenda",
    "decision": "meeting_decisions",
    "action": "meeting_actions",
    "minutes": "meeting_minutes",
    # proposals, moves, placements and quotas (schema version 6; reads in
    # storage/proposals_repo.py)
    "proposal": "proposals",
    "proposal_event": "proposal_events",
    "move": "moves",
    "placement": "placements",
    "quota_year": "quota_years",
    "quota_allocation": "quota_allocations",
    "quota_charge": "quota_charges",
    # exclusion and attendance records, school term totals, import column mappings
    # (schema version 8; reads in storage/records_repo.py)
    "exclusion": "exclusions",
    "attendance": "attendance_records",
    "school_term_figures": "school_term_figures",
    "import_mapping": "import_mappings",
}


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


_ENCODE_STR = json.encoder.encode_basestring_ascii  # what json.dumps uses for a str


def _json_text(value: Any) -> str:
    """``json.dumps(_json_value(value))``, with the common scalars written directly (a
    large import logs hundreds of thousands of field values)."""
    kind = type(value)
    if kind is str:
        return _ENCODE_STR(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(_json_value(value))


def _to_sql(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def fold(text: str) -> str:
    """Text for matching regardless of case and Unicode normalisation (NFKC, then
    case-folded): "ZOË" typed composed finds "Zoë" saved as e + combining diaeresis."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_key(first: str, last: str, upn: str) -> str:
    """What the case list's search box matches: names and UPN, case-folded (Unicode)."""
    return fold(f"{first} {last} {upn}")


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


ChangeRow = tuple[str, str, str, str, str, str]  # entity, id, field, JSON value, at, site
AuditRow = tuple[str, str, str, str, str, list[str], Mapping[str, Any] | None]

# The physical part of a hybrid logical clock, exactly as the changes_hlc_stamp trigger
# computes it from ``at`` (so batched and trigger-stamped rows agree to the millisecond).
_HLC_MS_SQL = ("SELECT value, coalesce(CAST(round((julianday(value) - 2440587.5) * "
               "86400000.0) AS INTEGER), 0) FROM json_each(?)")


BATCH_ROWS = 20_000  # a batch writes what it has collected every so many rows (memory)
BATCH_CACHE_KIB = 65_536  # the page cache while a batch runs (64 MiB; default 8 MiB)
BULK_ROWS = 2_000  # from this many change rows a flush sets the HLC trigger aside
HLC_TRIGGER = "changes_hlc_stamp"  # storage/schema.py (version 3)


@dataclass
class _Batch:
    changes: list[ChangeRow] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)


class Repository:
    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        site_id: str,
        actor: Callable[[], str],
        now: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.site_id = site_id
        self._actor = actor
        self._now = now
        self._batch: _Batch | None = None

    # -- low-level recording -------------------------------------------------------------
    def _stamp(self) -> str:
        return self._now().isoformat(timespec="microseconds")

    def _log_changes(self, entity: str, entity_id: str, fields: Mapping[str, Any], at: str) -> None:
        if self._batch is not None:
            self._batch.changes += [(entity, entity_id, name, _json_text(value), at, self.site_id)
                                    for name, value in fields.items()]
            if len(self._batch.changes) >= BATCH_ROWS:
                self._flush_changes()
            return
        rows = [
            (new_id(), entity, entity_id, name, json.dumps(_json_value(value)), at, self.site_id)
            for name, value in fields.items()
        ]
        self.db.conn.executemany(
            "INSERT INTO changes (change_id, entity, entity_id, field, value, at, site_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def audit(self, action: str, entity: str = "", entity_id: str = "",
              fields: Iterable[str] = (), detail: Mapping[str, Any] | None = None) -> None:
        """Append one entry to the hash-chained audit trail (storage/audit.py), in the
        caller's transaction: field names only, ``detail`` codes and counts only."""
        entry = (self._stamp(), self._actor(), action, entity, entity_id, list(fields), detail)
        if self._batch is not None:
            self._batch.audit.append(entry)
            if len(self._batch.audit) >= BATCH_ROWS:
                self._flush_audit()
            return
        audit_chain.append(self.db.conn, [entry])

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Collect the change-log rows and audit entries of the writes in the block and
        write them when it ends (see the module docstring). Use inside a write transaction:
        if the block raises, nothing collected is written and the transaction rolls back.
        Nested blocks join the outer one."""
        if self._batch is not None:
            yield
            return
        conn = self.db.conn
        cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        if -BATCH_CACHE_KIB < cache <= 0:  # a bigger page cache while the indexes grow
            conn.execute(f"PRAGMA cache_size = {-BATCH_CACHE_KIB}")
        self._batch = _Batch()
        try:
            yield
            self._flush_changes()
            self._flush_audit()
        finally:
            self._batch = None
            conn.execute(f"PRAGMA cache_size = {cache}")

    def _flush_audit(self) -> None:
        if self._batch is not None and self._batch.audit:
            entries, self._batch.audit = self._batch.audit, []
            audit_chain.append(self.db.conn, entries)

    def _flush_changes(self) -> None:
        """Write the collected change rows with the clock values the trigger would give:
        ``max(at in ms, the largest HLC held)``, a counter for ties (storage/schema.py)."""
        if self._batch is None or not self._batch.changes:
            return
        rows, self._batch.changes = self._batch.changes, []
        conn = self.db.conn
        stamps = json.dumps(sorted({r[4] for r in rows}))
        phys = {str(at): int(ms) for at, ms in conn.execute(_HLC_MS_SQL, (stamps,))}
        last = conn.execute("SELECT nullif(max(hlc), '') FROM changes").fetchone()[0]
        known = last is not None  # a clock value is held already
        last_ms, counter = (int(last[:15]), int(last[16:24])) if known else (0, 0)
        out = []
        # Random ids as ever, handed out in ascending order: the unique index on change_id
        # then fills leaf by leaf instead of touching a random page per row.
        for change_id, (entity, entity_id, name, value, at, site) in zip(
                sorted(new_ids(len(rows))), rows, strict=True):
            ms = phys[at]
            if not known or ms > last_ms:
                known, last_ms, counter = True, ms, 0
            else:
                counter += 1
            out.append((change_id, entity, entity_id, name, value, at, site,
                        f"{last_ms:015d}.{counter:08d}"))
        # Every row has its clock value, so the trigger would do nothing but still be
        # entered for each row (about a fifth of a large import's time): a large flush
        # drops it and puts back the same definition, both inside this write transaction,
        # so no other connection ever sees the table without it and a failure rolls back
        # to it. Another connection cannot write meanwhile (the transaction holds the
        # write lock).
        trigger = None
        if len(out) >= BULK_ROWS:
            found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                 "name = ?", (HLC_TRIGGER,)).fetchone()
            trigger = str(found[0]) if found else None
        if trigger:
            conn.execute(f"DROP TRIGGER {HLC_TRIGGER}")
        try:
            conn.executemany(
                "INSERT INTO changes (change_id, entity, entity_id, field, value, at, site_id, "
                "hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", out)
        finally:
            if trigger:
                conn.execute(trigger)

    def insert(self, entity: str, row: Mapping[str, Any], *, stamp_field: str | None = "updated_at",
               log: bool = True) -> str:
        """Insert one record; must run inside ``db.atomic()``."""
        at = self._stamp()
        values = {k: _to_sql(v) for k, v in row.items()}
        values.setdefault("id", new_id())
        if stamp_field:
            values[stamp_field] = at
        names = ("first_name", "last_name", "upn")
        keyed = entity == "pupil" and all(isinstance(values.get(n), str) for n in names)
        if keyed:  # the search key with the row, rather than a second write
            values["search_key"] = search_key(*(values[n] for n in names))
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.db.conn.execute(
            f"INSERT INTO {ENTITY_TABLES[entity]} ({cols}) VALUES ({marks})",
            list(values.values()),
        )
        if entity == "pupil" and not keyed:
            self._refresh_search_key(str(values["id"]))
        if log:
            logged = {k: v for k, v in row.items() if k not in {"id", "content"}}
            self._log_changes(entity, values["id"], logged, at)
        self.audit("create", entity, values["id"], fields=[k for k in row if k != "id"])
        return str(values["id"])

    def update(self, entity: str, entity_id: str, fields: Mapping[str, Any]) -> list[str]:
        """Update the fields that really differ; returns their names. Inside ``atomic()``."""
        table = ENTITY_TABLES[entity]
        current = self.db.conn.execute(
            f"SELECT * FROM {table} WHERE id = ?", (entity_id,)
        ).fetchone()
        if current is None:
            return []
        names = [d[0] for d in self.db.conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
        now_row = dict(zip(names, current, strict=True))
        changed = {k: v for k, v in fields.items() if now_row.get(k) != _to_sql(v)}
        if not changed:
            return []
        at = self._stamp()
        sets = {k: _to_sql(v) for k, v in changed.items()}
        if "updated_at" in names:
            sets["updated_at"] = at
        assignments = ", ".join(f"{k} = ?" for k in sets)
        self.db.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*sets.values(), entity_id]
        )
        if entity == "pupil":
            self._refresh_search_key(entity_id)
        self._log_changes(entity, entity_id, changed, at)
        self.audit("update", entity, entity_id, fields=changed.keys())
        return list(changed)

    def delete(self, entity: str, entity_id: str, *, purged: bool = False) -> bool:
        """Delete one record and log a tombstone (field ``__deleted__``), so bundles carry
        the deletion; its value lists the changes of the record this deletion saw, so an
        edit made elsewhere that it did not see is not silently lost (bundles.merge).
        ``purged`` marks a retention purge or lawful deletion (``"purged": true`` in the
        tombstone): its change log is scrubbed here and by every partner that applies it.
        Delete dependent records first. Inside ``atomic()``; False if it was not there."""
        table = ENTITY_TABLES[entity]
        if self.db.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?",
                                (entity_id,)).fetchone() is None:
            return False
        self._flush_changes()  # in a batch: the tombstone must see the record's changes
        seen = [r[0] for r in self.db.conn.execute(
            "SELECT change_id FROM changes WHERE entity = ? AND entity_id = ? "
            "AND field != '__deleted__' ORDER BY seq", (entity, entity_id))]
        self.db.conn.execute(f"DELETE FROM {table} WHERE id = ?", (entity_id,))
        tomb: dict[str, Any] = {"seen": seen, **({"purged": True} if purged else {})}
        self._log_changes(entity, entity_id, {"__deleted__": tomb}, self._stamp())
        self.audit("delete", entity, entity_id)
        return True

    def _refresh_search_key(self, pupil_id: str) -> None:
        row = self.db.conn.execute(
            "SELECT first_name, last_name, upn FROM pupils WHERE id = ?", (pupil_id,)).fetchone()
        self.db.conn.execute("UPDATE pupils SET search_key = ? WHERE id = ?",
                             (search_key(*row), pupil_id))

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def partnership(self) -> dict[str, Any]:
        row = self.db.conn.execute(
            "SELECT id, name, ladder_preset, settings, created_at FROM partnership LIMIT 1"
        ).fetchone()
        if row is None:
            return {}
        return {"id": row[0], "name": row[1], "ladder_preset": row[2],
                "settings": json.loads(row[3] or "{}"), "created_at": row[4]}

    # -- schools and people ----------------------------------------------------------------
    def schools(self) -> list[School]:
        rows = self.db.conn.execute(
            "SELECT id, name, urn, phase, roll, fsm_count, short_code, member "
            "FROM schools ORDER BY name COLLATE NOCASE"
        ).fetchall()
        return [School(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]

    def people(self) -> list[Person]:
        rows = self.db.conn.execute(
            "SELECT id, name, role, school_id, email FROM people ORDER BY name COLLATE NOCASE"
        ).fetchall()
        return [Person(*r) for r in rows]

    # -- cases -----------------------------------------------------------------------------
    def find_pupil_by_upn(self, upn: str) -> str | None:
        row = self.db.conn.execute("SELECT id FROM pupils WHERE upn = ? AND upn != ''",
                                   (upn,)).fetchone()
        return str(row[0]) if row else None

    def case_ref_exists(self, ref: str) -> bool:
        return self.db.conn.execute("SELECT 1 FROM cases WHERE case_ref = ?",
                                    (ref,)).fetchone() is not None

    def case_refs(self) -> set[str]:
        """Every case reference held (an import checks thousands of new ones)."""
        return {str(r[0]) for r in self.db.conn.execute("SELECT case_ref FROM cases")}

    def resolve_case_id(self, id_or_ref: str) -> str | None:
        row = self.db.conn.execute(
            "SELECT id FROM cases WHERE id = ? OR case_ref = ? COLLATE NOCASE",
            (id_or_ref, id_or_ref),
        ).fetchone()
        return str(row[0]) if row else None

    def case(self, case_id: str) -> CaseRecord | None:
        cur = self.db.conn.execute(
            """SELECT c.id, c.pupil_id, c.case_ref, p.first_name, p.last_name, p.dob, p.upn,
                      p.year_group, p.home_school_id, p.gender, p.sen_status, p.primary_need,
                      p.fsm, p.pupil_premium, p.lac, p.social_care, p.eal, p.young_carer,
                      p.youth_justice, c.risk, c.status, c.opened_on, c.closed_on, c.summary,
                      c.attendance_pct, c.suspensions, c.suspension_days,
                      c.permanent_exclusions, c.pupil_voice, c.family_voice, c.lead,
                      s.name, max(c.updated_at, p.updated_at)
               FROM cases c JOIN pupils p ON p.id = c.pupil_id
               JOIN schools s ON s.id = p.home_school_id WHERE c.id = ?""",
            (case_id,),
        )
        r = cur.fetchone()
        if r is None:
            return None
        record = CaseRecord(
            id=r[0], pupil_id=r[1], case_ref=r[2], first_name=r[3], last_name=r[4],
            dob=_d(r[5]), upn=r[6], year_group=r[7], home_school_id=r[8], gender=r[9],
            sen_status=r[10], primary_need=r[11], fsm=bool(r[12]), pupil_premium=bool(r[13]),
            lac=bool(r[14]), social_care=r[15], eal=bool(r[16]), young_carer=bool(r[17]),
            youth_justice=bool(r[18]), risk=r[19], status=r[20], opened_on=_d(r[21]),
            closed_on=_d(r[22]), summary=r[23], attendance_pct=r[24], suspensions=r[25],
            suspension_days=r[26], permanent_exclusions=r[27], pupil_voice=r[28],
            family_voice=r[29], lead=r[30], home_school_name=r[31], updated_at=_dt(r[32]),
        )
        record.notes = [
            CaseNote(n[0], n[1], datetime.fromisoformat(n[2]), n[3], n[4], n[5])
            for n in self.db.conn.execute(
                "SELECT id, case_id, at, author, kind, text FROM case_notes "
                "WHERE case_id = ? ORDER BY at", (case_id,))
        ]
        record.documents = self.documents(case_id)
        return record

    def documents(self, case_id: str) -> list[DocumentInfo]:
        return [
            DocumentInfo(d[0], d[1], d[2], d[3], d[4], datetime.fromisoformat(d[5]), d[6])
            for d in self.db.conn.execute(
                "SELECT id, case_id, filename, size, sha256, added_at, added_by FROM documents "
                "WHERE case_id = ? ORDER BY added_at", (case_id,))
        ]

    def document_content(self, doc_id: str) -> tuple[DocumentInfo, bytes] | None:
        d = self.db.conn.execute(
            "SELECT id, case_id, filename, size, sha256, added_at, added_by, content "
            "FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if d is None:
            return None
        info = DocumentInfo(d[0], d[1], d[2], d[3], d[4], datetime.fromisoformat(d[5]), d[6])
        return info, bytes(d[7])

    def case_list_rows(self, case_ids: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
        """Everything the case list shows or filters on, one tuple per case:
        (id, case_ref, first_name, last_name, upn, year_group, home_school_id, school name,
        risk, status, sen_status, opened_on, updated_at, search_key). All cases, or only
        ``case_ids`` (the case list index refreshes just what changed)."""
        sql = """SELECT c.id, c.case_ref, p.first_name, p.last_name, p.upn, p.year_group,
                        p.home_school_id, s.name, c.risk, c.status, p.sen_status,
                        coalesce(c.opened_on, ''), max(c.updated_at, p.updated_at),
                        p.search_key
                 FROM cases c JOIN pupils p ON p.id = c.pupil_id
                 JOIN schools s ON s.id = p.home_school_id"""
        if case_ids is None:
            return self.db.conn.execute(sql).fetchall()
        ids = list(case_ids)
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            out += self.db.conn.execute(f"{sql} WHERE c.id IN ({marks})", chunk).fetchall()
        return out

    def change_mark(self) -> int:
        """The newest change-log sequence number (0 when there are none)."""
        row = self.db.conn.execute("SELECT max(seq) FROM changes").fetchone()
        return int(row[0] or 0)

    def changed_since(self, seq: int) -> list[tuple[str, str]]:
        """(entity, entity_id) of every record changed after change number ``seq``."""
        return [
            (str(e), str(i))
            for e, i in self.db.conn.execute(
                "SELECT DISTINCT entity, entity_id FROM changes WHERE seq > ?", (seq,)
            )
        ]

    def cases_of_pupils(self, pupil_ids: Iterable[str]) -> list[str]:
        ids = list(pupil_ids)
        out: list[str] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            out += [str(r[0]) for r in self.db.conn.execute(
                f"SELECT id FROM cases WHERE pupil_id IN ({marks})", chunk)]
        return out

    def case_count(self) -> int:
        return int(self.db.conn.execute("SELECT count(*) FROM cases").fetchone()[0])

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("schools", "people", "pupils", "cases", "case_notes", "documents",
                      "changes", "audit_log"):
            out[table] = int(self.db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return out
