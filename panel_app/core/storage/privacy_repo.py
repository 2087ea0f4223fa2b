"""The SQL that retention, purges, lawful deletion and subject-access exports need.

Nothing here decides anything (``core.services.privacy`` does). Record kinds are handled
generically over ``ENTITY_TABLES``, their columns and foreign keys read from the schema,
so kinds added later are covered. Calls that write must run inside the session's write
transaction, except ``compact`` which must run outside one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import sqlite_utils

from panel_app.core.domain.changelog import DELETED, Change, TableInfo
from panel_app.core.storage.bundles_repo import BundleStore
from panel_app.core.storage.repository import ENTITY_TABLES

_CHUNK = 500
# Change-log fields whose values stay when a purged record's log is scrubbed: random ids
# (they say which case a tombstone belongs to, so it reaches the same partners), never
# names or free text.
_KEEP_SQL = "(field = ? OR field = 'id' OR field LIKE '%\\_id' ESCAPE '\\')"


def _is_purge(value: str) -> bool:
    try:
        tomb = json.loads(value)
    except ValueError:
        return False
    return isinstance(tomb, dict) and tomb.get("purged") is True


def purged_history(changes: list[Change]) -> list[Change]:
    """What a bundle carries of a deleted record: its whole change log, except for a
    purged record (latest tombstone marked ``purged``), whose values were scrubbed: only
    its tombstones, which is all a partner needs to delete it."""
    tombs = [c for c in changes if c.field == DELETED]
    if not tombs or not _is_purge(max(tombs, key=lambda c: c.order).value):
        return changes
    return tombs


def kept_field(name: str) -> bool:
    """A change-log field a scrub keeps (the tombstone and id references)."""
    return name in (DELETED, "id") or name.endswith("_id")


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(items: list[Any]) -> str:
    return ", ".join("?" for _ in items)


class PrivacyStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @property
    def conn(self) -> Any:
        return self.db.conn

    # -- the schema, generically ----------------------------------------------------------
    def tables(self) -> dict[str, TableInfo]:
        store = BundleStore(self.db)
        return {entity: store.table_info(entity) for entity in ENTITY_TABLES}

    def column_defaults(self, table: str) -> dict[str, tuple[bool, Any]]:
        """Each column's (NOT NULL, default value as SQL would store it, None if none)."""
        out: dict[str, tuple[bool, Any]] = {}
        for _cid, name, _type, notnull, default, _pk in self.conn.execute(
                f"PRAGMA table_info({table})"):
            value: Any = None
            if default is not None:
                value = self.conn.execute(f"SELECT {default}").fetchone()[0]
            out[str(name)] = (bool(notnull), value)
        return out

    # -- finding records ------------------------------------------------------------------
    def ids_where(self, table: str, column: str, values: Iterable[str]) -> list[str]:
        out: list[str] = []
        for chunk in _chunks(sorted(set(values))):
            out += [str(r[0]) for r in self.conn.execute(
                f"SELECT id FROM {table} WHERE {column} IN ({_marks(chunk)})", chunk)]
        return out

    def ids_where_entity(self, table: str, entity: str, ids: Iterable[str]) -> list[str]:
        """Rows of ``table`` that point at records by an ``entity``/``entity_id`` pair."""
        out: list[str] = []
        for chunk in _chunks(sorted(set(ids))):
            out += [str(r[0]) for r in self.conn.execute(
                f"SELECT id FROM {table} WHERE entity = ? AND entity_id IN ({_marks(chunk)})",
                [entity, *chunk])]
        return out

    def rows(self, info: TableInfo, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Rows by id, every column except documents' contents (BLOBs) and derived
        columns (the search key)."""
        cols = list(info.snapshot_columns)
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(ids))):
            for r in self.conn.execute(
                    f"SELECT {', '.join(cols)} FROM {info.table} WHERE id IN ({_marks(chunk)})",
                    chunk):
                row = dict(zip(cols, r, strict=True))
                out[str(row["id"])] = row
        return out

    def blob(self, info: TableInfo, column: str, row_id: str) -> bytes:
        return BundleStore(self.db).blob(info, column, row_id)

    def find_record(self, text: str) -> list[tuple[str, str]]:
        """(entity, id) of records whose id is ``text`` or starts with it (6+ characters),
        and of a case whose reference is ``text``."""
        text = text.strip()
        found: list[tuple[str, str]] = []
        for entity, table in ENTITY_TABLES.items():
            if len(text) >= 6:
                rows = self.conn.execute(
                    f"SELECT id FROM {table} WHERE id = ? OR substr(id, 1, ?) = ?",
                    (text, len(text), text)).fetchall()
            else:
                rows = self.conn.execute(f"SELECT id FROM {table} WHERE id = ?",
                                         (text,)).fetchall()
            found += [(entity, str(r[0])) for r in rows]
        found += [("case", str(r[0])) for r in self.conn.execute(
            "SELECT id FROM cases WHERE case_ref = ? COLLATE NOCASE", (text,))]
        return sorted(set(found))

    def related_by_changes(self, ids: Iterable[str], *, rounds: int = 6
                           ) -> set[tuple[str, str]]:
        """Records, live or deleted, whose change log refers to one of ``ids`` in an id
        field (``case_id``, ``item_id``, ...), followed a few levels down."""
        known: set[str] = set(ids)
        found: set[tuple[str, str]] = set()
        frontier = sorted(known)
        for _ in range(rounds):
            if not frontier:
                break
            nxt: set[str] = set()
            for chunk in _chunks([json.dumps(i) for i in frontier]):
                for entity, entity_id in self.conn.execute(
                        "SELECT DISTINCT entity, entity_id FROM changes WHERE field LIKE "
                        f"'%\\_id' ESCAPE '\\' AND value IN ({_marks(chunk)})", chunk):
                    found.add((str(entity), str(entity_id)))
                    if entity_id not in known:
                        known.add(str(entity_id))
                        nxt.add(str(entity_id))
            frontier = sorted(nxt)
        return found

    def value_from_changes(self, entity: str, entity_id: str, field: str) -> str:
        """The latest logged value of one field (a kept id reference of a purged record)."""
        row = self.conn.execute(
            "SELECT value FROM changes WHERE entity = ? AND entity_id = ? AND field = ? "
            "ORDER BY hlc DESC, seq DESC LIMIT 1", (entity, entity_id, field)).fetchone()
        try:
            value = json.loads(row[0]) if row and row[0] else None
        except ValueError:
            return ""
        return value if isinstance(value, str) else ""

    # -- which case a record belongs to (the audit viewer) ------------------------------------
    def references(self, info: TableInfo, ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """The id references of records (``*_id`` columns, and ``entity`` of an
        entity/entity_id pair), from the live row, else from the change log (which keeps
        them for deleted and purged records)."""
        cols = [c for c in info.columns if c != "id" and (c.endswith("_id") or c == "entity")]
        wanted = sorted(set(ids))
        out: dict[str, dict[str, str]] = {}
        for chunk in _chunks(wanted):
            if cols:
                for r in self.conn.execute(
                        f"SELECT id, {', '.join(cols)} FROM {info.table} WHERE id IN "
                        f"({_marks(chunk)})", chunk):
                    out[str(r[0])] = {c: str(v) for c, v in zip(cols, r[1:], strict=True)
                                      if v}
            else:
                for r in self.conn.execute(
                        f"SELECT id FROM {info.table} WHERE id IN ({_marks(chunk)})", chunk):
                    out[str(r[0])] = {}
        gone = [i for i in wanted if i not in out]
        for chunk in _chunks(gone):
            for entity_id, name, value in self.conn.execute(
                    "SELECT entity_id, field, value FROM changes WHERE entity = ? AND "
                    f"entity_id IN ({_marks(chunk)}) AND (field = 'entity' OR field LIKE "
                    "'%\\_id' ESCAPE '\\') ORDER BY hlc, seq", [info.entity, *chunk]):
                try:
                    text = json.loads(value) if value else None
                except ValueError:
                    text = None
                fields = out.setdefault(str(entity_id), {})
                if isinstance(text, str) and text:
                    fields[str(name)] = text
                else:
                    fields.pop(str(name), None)
        return out

    def cases_of_pupils(self, pupil_ids: Iterable[str]) -> dict[str, set[str]]:
        """Each pupil's cases, live or deleted (a deleted case's ``pupil_id`` stays in the
        change log)."""
        out: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(set(pupil_ids))):
            for cid, pid in self.conn.execute(
                    f"SELECT id, pupil_id FROM cases WHERE pupil_id IN ({_marks(chunk)})",
                    chunk):
                out.setdefault(str(pid), set()).add(str(cid))
            for cid, value in self.conn.execute(
                    "SELECT DISTINCT entity_id, value FROM changes WHERE entity = 'case' AND "
                    f"field = 'pupil_id' AND value IN ({_marks(chunk)})",
                    [json.dumps(i) for i in chunk]):
                out.setdefault(str(json.loads(value)), set()).add(str(cid))
        return out

    def case_refs(self, case_ids: Iterable[str]) -> dict[str, str]:
        """Case references by id: a live case's, else the last one logged (scrubbed, so
        absent, when the case was purged)."""
        wanted = sorted(set(case_ids))
        out: dict[str, str] = {}
        for chunk in _chunks(wanted):
            out.update({str(i): str(r) for i, r in self.conn.execute(
                f"SELECT id, case_ref FROM cases WHERE id IN ({_marks(chunk)})", chunk)})
        for cid in wanted:
            if cid not in out:
                ref = self.value_from_changes("case", cid, "case_ref")
                if ref:
                    out[cid] = ref
        return out

    # -- retention ---------------------------------------------------------------------------
    def case_facts(self) -> list[dict[str, Any]]:
        """One row per case: ids, reference, status, dates, the pupil's name and date of
        birth, and the latest change to the case or its pupil."""
        cols = ("case_id", "case_ref", "status", "opened_on", "closed_on", "updated_at",
                "pupil_id", "first_name", "last_name", "dob", "pupil_updated_at")
        return [dict(zip(cols, r, strict=True)) for r in self.conn.execute(
            "SELECT c.id, c.case_ref, c.status, c.opened_on, c.closed_on, c.updated_at, "
            "p.id, p.first_name, p.last_name, p.dob, p.updated_at "
            "FROM cases c JOIN pupils p ON p.id = c.pupil_id")]

    def latest_by_case(self, tables: Iterable[TableInfo]) -> dict[str, str]:
        """The latest time anything hanging off each case was written (every kind with a
        ``case_id`` column and a time column)."""
        out: dict[str, str] = {}
        for info in tables:
            if "case_id" not in info.columns or info.table == "cases":
                continue
            stamp = next((c for c in ("updated_at", "at", "added_at", "recorded_at",
                                      "created_at") if c in info.columns), None)
            if stamp is None:
                continue
            for case_id, latest in self.conn.execute(
                    f"SELECT case_id, max({stamp}) FROM {info.table} GROUP BY case_id"):
                if case_id and latest and str(latest) > out.get(str(case_id), ""):
                    out[str(case_id)] = str(latest)
        return out

    # -- scrubbing ---------------------------------------------------------------------------
    def scrub_changes(self, entity: str, ids: Iterable[str]) -> int:
        """Replace the values in the change log of deleted records with null, keeping the
        tombstones and id references; returns the number of changes scrubbed."""
        count = 0
        for chunk in _chunks(sorted(set(ids))):
            cur = self.conn.execute(
                f"UPDATE changes SET value = 'null' WHERE entity = ? AND entity_id IN "
                f"({_marks(chunk)}) AND NOT {_KEEP_SQL} AND value IS NOT 'null'",
                [entity, *chunk, DELETED])
            count += max(cur.rowcount, 0)
        return count

    def scrub_field(self, entity: str, entity_id: str, field: str, up_to_seq: int) -> int:
        """Scrub the earlier values of one field of one record (a lawful erasure)."""
        cur = self.conn.execute(
            "UPDATE changes SET value = 'null' WHERE entity = ? AND entity_id = ? AND "
            "field = ? AND seq <= ? AND value IS NOT 'null'",
            (entity, entity_id, field, up_to_seq))
        return max(int(cur.rowcount), 0)

    def scrub_purged(self, changes: Iterable[Change], tables: Mapping[str, TableInfo]) -> int:
        """After a bundle is applied: scrub the change logs of the records it purged (a
        ``__deleted__`` change marked ``purged``) that are gone here too, as the sender
        did; a record kept here (edited since) is left alone. Returns how many."""
        keys = sorted({(c.entity, c.entity_id) for c in changes
                       if c.field == DELETED and _is_purge(c.value)})
        store = BundleStore(self.db)
        gone = [(e, i) for e, i in keys if e in tables and not store.exists(tables[e], i)]
        by_entity: dict[str, list[str]] = {}
        for entity, entity_id in gone:
            by_entity.setdefault(entity, []).append(entity_id)
        for entity, ids in by_entity.items():
            self.scrub_changes(entity, ids)
        self.drop_conflicts(gone)
        return len(gone)

    def drop_conflicts(self, keys: Iterable[tuple[str, str]]) -> int:
        """Open or settled conflicts about purged records hold their values: remove them."""
        count = 0
        for entity, entity_id in set(keys):
            cur = self.conn.execute(
                "DELETE FROM bundle_conflicts WHERE entity = ? AND entity_id = ?",
                (entity, entity_id))
            count += max(cur.rowcount, 0)
        return count

    def minutes_mentioning(self, texts: Iterable[str]) -> list[tuple[str, str]]:
        """(id, content) of frozen minutes whose content contains any of ``texts``."""
        wanted = [t for t in set(texts) if t]
        if not wanted or "minutes" not in ENTITY_TABLES:
            return []
        table = ENTITY_TABLES["minutes"]
        out: dict[str, str] = {}
        for text in wanted:
            for mid, content in self.conn.execute(
                    f"SELECT id, content FROM {table} WHERE content != '' AND "
                    "instr(content, ?) > 0", (text,)):
                out[str(mid)] = str(content)
        return sorted(out.items())

    def compact(self) -> None:
        """Rewrite the file so no free page or old WAL frame keeps deleted content:
        checkpoint and empty the WAL, VACUUM, and empty the WAL again. Outside a
        transaction."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    # -- who is who (subject access) --------------------------------------------------------
    def pupil_identities(self) -> list[tuple[str, str, str, str | None, str]]:
        """(pupil id, first name, last name, date of birth, UPN) of every pupil."""
        return [(str(r[0]), str(r[1] or ""), str(r[2] or ""), r[3], str(r[4] or ""))
                for r in self.conn.execute(
                    "SELECT id, first_name, last_name, dob, upn FROM pupils")]

    def pupils_of_cases(self, case_ids: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(sorted(set(case_ids))):
            out.update({str(c): str(p) for c, p in self.conn.execute(
                f"SELECT id, pupil_id FROM cases WHERE id IN ({_marks(chunk)})", chunk)})
        return out

    def people_names(self) -> list[str]:
        return [str(r[0]) for r in self.conn.execute("SELECT name FROM people") if r[0]]
