"""Every SQL statement case bundles need: keys, directory, exchange log, conflicts, and
generic reads and writes of the records of ``ENTITY_TABLES`` and their change log.

Nothing here decides anything; ``core.bundles`` and ``core.services.bundles`` do. Calls
that write must run inside the session's write transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from panel_app.core.domain.changelog import DELETED, Change, ColumnInfo, TableInfo
from panel_app.core.storage import audit as audit_chain
from panel_app.core.storage.repository import ENTITY_TABLES, search_key

_CHUNK = 500


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class BundleStore:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    @property
    def conn(self) -> Any:
        return self.db.conn

    # -- this installation's keys -------------------------------------------------------------
    def keys(self) -> tuple[str, str, bytes, bytes] | None:
        """(age identity, age recipient, Ed25519 private, Ed25519 public) or None."""
        row = self.conn.execute(
            "SELECT age_identity, age_recipient, sign_private, sign_public FROM bundle_identity "
            "WHERE id = 1").fetchone()
        if row is None:
            return None
        return str(row[0]), str(row[1]), bytes(row[2]), bytes(row[3])

    def identity_created_at(self) -> str:
        row = self.conn.execute("SELECT created_at FROM bundle_identity WHERE id = 1").fetchone()
        return str(row[0]) if row else ""

    def store_keys(self, age_identity: str, age_recipient: str, sign_private: bytes,
                   sign_public: bytes, created_at: str) -> None:
        self.conn.execute("DELETE FROM bundle_identity")
        self.conn.execute(
            "INSERT INTO bundle_identity (id, age_identity, age_recipient, sign_private, "
            "sign_public, created_at) VALUES (1, ?, ?, ?, ?, ?)",
            (age_identity, age_recipient, sign_private, sign_public, created_at))

    def set_site_id(self, site_id: str) -> None:
        self.conn.execute("UPDATE meta SET value = ? WHERE key = 'site_id'", (site_id,))

    def forget_exchanges(self) -> None:
        """A copied database becoming a new installation: it has sent nothing yet."""
        for table in ("bundle_links", "bundle_sent"):
            self.conn.execute(f"DELETE FROM {table}")

    # -- the partnership directory --------------------------------------------------------------
    _DIR_COLS = ("fingerprint", "installation_id", "label", "seat", "school_id",
                 "partnership_id", "age_recipient", "sign_public", "card", "status", "added_at",
                 "status_at")

    def _dir_rows(self, where: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            f"SELECT {', '.join(self._DIR_COLS)} FROM bundle_directory {where} "
            "ORDER BY label COLLATE NOCASE, added_at", list(params)).fetchall()
        out = []
        for r in rows:
            d = dict(zip(self._DIR_COLS, r, strict=True))
            d["sign_public"] = bytes(d["sign_public"])
            out.append(d)
        return out

    def directory(self) -> list[dict[str, Any]]:
        return self._dir_rows("", [])

    def card_by_fingerprint(self, fp: str) -> dict[str, Any] | None:
        rows = self._dir_rows("WHERE fingerprint = ?", [fp])
        return rows[0] if rows else None

    def cards_of_installation(self, installation_id: str) -> list[dict[str, Any]]:
        return self._dir_rows("WHERE installation_id = ?", [installation_id])

    def add_card(self, entry: dict[str, Any]) -> None:
        cols = [c for c in self._DIR_COLS if c in entry]
        self.conn.execute(
            f"INSERT INTO bundle_directory ({', '.join(cols)}) VALUES "
            f"({', '.join('?' for _ in cols)}) ON CONFLICT(fingerprint) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "fingerprint"),
            [entry[c] for c in cols])

    def set_card_status(self, fp: str, status: str, at: str) -> None:
        self.conn.execute("UPDATE bundle_directory SET status = ?, status_at = ? "
                          "WHERE fingerprint = ?", (status, at, fp))

    # -- what was sent and received -------------------------------------------------------------
    def next_sequence(self) -> int:
        row = self.conn.execute("SELECT max(sequence) FROM bundle_exports").fetchone()
        return int(row[0] or 0) + 1

    def record_export(self, bundle_id: str, sequence: int, created_at: str, scope: str,
                      recipients: list[dict[str, Any]], size: int,
                      counts: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO bundle_exports (bundle_id, sequence, created_at, scope, recipients, "
            "size, counts) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (bundle_id, sequence, created_at, scope, json.dumps(recipients), size,
             json.dumps(counts)))

    def link(self, installation_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT bundle_id, sequence, created_at FROM bundle_links WHERE installation_id = ?",
            (installation_id,)).fetchone()
        return None if row is None else {"bundle_id": row[0], "sequence": row[1],
                                         "created_at": row[2]}

    def set_link(self, installation_id: str, bundle_id: str, sequence: int,
                 created_at: str) -> None:
        self.conn.execute(
            "INSERT INTO bundle_links (installation_id, bundle_id, sequence, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(installation_id) DO UPDATE SET "
            "bundle_id = excluded.bundle_id, sequence = excluded.sequence, "
            "created_at = excluded.created_at",
            (installation_id, bundle_id, sequence, created_at))

    def sent(self, installation_id: str) -> dict[tuple[str, str], int]:
        return {(r[0], r[1]): int(r[2]) for r in self.conn.execute(
            "SELECT entity, entity_id, seq FROM bundle_sent WHERE installation_id = ?",
            (installation_id,))}

    def mark_sent(self, installation_id: str, rows: list[tuple[str, str, int]]) -> None:
        self.conn.executemany(
            "INSERT INTO bundle_sent (installation_id, entity, entity_id, seq) VALUES "
            "(?, ?, ?, ?) ON CONFLICT(installation_id, entity, entity_id) DO UPDATE SET "
            "seq = excluded.seq",
            [(installation_id, e, i, s) for e, i, s in rows])

    def imported(self, bundle_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT bundle_id, sender_id, sequence, created_at, imported_at, scope FROM "
            "bundle_imports WHERE bundle_id = ?", (bundle_id,)).fetchone()
        if row is None:
            return None
        return dict(zip(("bundle_id", "sender_id", "sequence", "created_at", "imported_at",
                         "scope"), row, strict=True))

    def last_import_from(self, sender_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT bundle_id, sequence, imported_at FROM bundle_imports WHERE sender_id = ? "
            "ORDER BY sequence DESC LIMIT 1", (sender_id,)).fetchone()
        return None if row is None else {"bundle_id": row[0], "sequence": row[1],
                                         "imported_at": row[2]}

    def record_import(self, bundle_id: str, sender_id: str, sequence: int, created_at: str,
                      imported_at: str, scope: str, counts: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO bundle_imports (bundle_id, sender_id, sequence, created_at, "
            "imported_at, scope, counts) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(bundle_id) DO UPDATE SET imported_at = excluded.imported_at, "
            "counts = excluded.counts",
            (bundle_id, sender_id, sequence, created_at, imported_at, scope,
             json.dumps(counts)))

    def history(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in self.conn.execute(
                "SELECT bundle_id, sequence, created_at, scope, recipients, size, counts "
                "FROM bundle_exports"):
            out.append({"direction": "sent", "bundle_id": r[0], "sequence": r[1], "at": r[2],
                        "scope": r[3], "partners": [p.get("installation_id", "") or
                                                    p.get("school_id", "")
                                                    for p in json.loads(r[4])],
                        "size": r[5], "counts": json.loads(r[6])})
        for r in self.conn.execute(
                "SELECT bundle_id, sender_id, sequence, imported_at, scope, counts "
                "FROM bundle_imports"):
            out.append({"direction": "received", "bundle_id": r[0], "partners": [r[1]],
                        "sequence": r[2], "at": r[3], "scope": r[4], "size": None,
                        "counts": json.loads(r[5])})
        return sorted(out, key=lambda h: str(h["at"]))

    # -- tables and records ---------------------------------------------------------------------
    def table_info(self, entity: str) -> TableInfo:
        table = ENTITY_TABLES[entity]
        columns = {}
        for _cid, name, ctype, notnull, default, _pk in self.conn.execute(
                f"PRAGMA table_info({table})"):
            columns[name] = ColumnInfo(name, (ctype or "").upper(), bool(notnull),
                                       default is not None)
        fks = tuple((r[3], r[2], r[4] or "id") for r in self.conn.execute(
            f"PRAGMA foreign_key_list({table})"))
        return TableInfo(entity, table, columns, fks)

    def rows(self, info: TableInfo, ids: Iterable[str] | None = None,
             columns: list[str] | None = None) -> dict[str, dict[str, Any]]:
        cols = columns or info.snapshot_columns
        select = ", ".join(cols)
        out: dict[str, dict[str, Any]] = {}
        if ids is None:
            cur = self.conn.execute(f"SELECT {select} FROM {info.table}")
            for r in cur:
                d = dict(zip(cols, r, strict=True))
                out[str(d["id"])] = d
            return out
        for chunk in _chunks(list(ids)):
            cur = self.conn.execute(
                f"SELECT {select} FROM {info.table} WHERE id IN "
                f"({', '.join('?' for _ in chunk)})", chunk)
            for r in cur:
                d = dict(zip(cols, r, strict=True))
                out[str(d["id"])] = d
        return out

    def blob(self, info: TableInfo, column: str, row_id: str) -> bytes:
        row = self.conn.execute(f"SELECT {column} FROM {info.table} WHERE id = ?",
                                (row_id,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""

    def max_seq_by_record(self) -> dict[tuple[str, str], int]:
        return {(r[0], r[1]): int(r[2]) for r in self.conn.execute(
            "SELECT entity, entity_id, max(seq) FROM changes GROUP BY entity, entity_id")}

    def deleted_records(self) -> set[tuple[str, str]]:
        return {(r[0], r[1]) for r in self.conn.execute(
            "SELECT DISTINCT entity, entity_id FROM changes WHERE field = ?", (DELETED,))}

    def changes_of(self, entity: str, ids: Iterable[str]) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = defaultdict(list)
        for chunk in _chunks(list(ids)):
            for r in self.conn.execute(
                    "SELECT change_id, entity_id, field, value, at, hlc, site_id FROM changes "
                    f"WHERE entity = ? AND entity_id IN ({', '.join('?' for _ in chunk)}) "
                    "ORDER BY seq", [entity, *chunk]):
                out[r[1]].append(Change(r[0], entity, r[1], r[2], r[3] if r[3] is not None
                                        else "null", r[4], r[5], r[6]))
        return out

    def known_change_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(ids):
            found |= {r[0] for r in self.conn.execute(
                f"SELECT change_id FROM changes WHERE change_id IN "
                f"({', '.join('?' for _ in chunk)})", chunk)}
        return found

    def max_hlc(self) -> str:
        row = self.conn.execute("SELECT max(hlc) FROM changes").fetchone()
        return str(row[0] or "")

    # -- applying a bundle --------------------------------------------------------------------
    def insert_changes(self, changes: list[Change]) -> None:
        self.conn.executemany(
            "INSERT INTO changes (change_id, entity, entity_id, field, value, at, site_id, hlc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(c.change_id, c.entity, c.entity_id, c.field, c.value, c.at, c.site_id, c.hlc)
             for c in changes])

    def insert_row(self, info: TableInfo, values: dict[str, Any]) -> None:
        cols = list(values)
        self.conn.execute(
            f"INSERT INTO {info.table} ({', '.join(cols)}) VALUES "
            f"({', '.join('?' for _ in cols)})", [values[c] for c in cols])
        self._derived(info, str(values["id"]))

    def update_row(self, info: TableInfo, row_id: str, values: dict[str, Any]) -> None:
        if not values:
            return
        self.conn.execute(
            f"UPDATE {info.table} SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?",
            [*values.values(), row_id])
        self._derived(info, row_id)

    def delete_row(self, info: TableInfo, row_id: str) -> None:
        self.conn.execute(f"DELETE FROM {info.table} WHERE id = ?", (row_id,))

    def _derived(self, info: TableInfo, row_id: str) -> None:
        if "search_key" in info.columns and {"first_name", "last_name", "upn"} <= set(
                info.columns):
            row = self.conn.execute(
                f"SELECT first_name, last_name, upn FROM {info.table} WHERE id = ?",
                (row_id,)).fetchone()
            if row is not None:
                self.conn.execute(f"UPDATE {info.table} SET search_key = ? WHERE id = ?",
                                  (search_key(*row), row_id))

    def exists(self, info: TableInfo, row_id: str) -> bool:
        return self.conn.execute(f"SELECT 1 FROM {info.table} WHERE id = ?",
                                 (row_id,)).fetchone() is not None

    def referencing(self, child: TableInfo, column: str, parent_id: str) -> list[str]:
        return [str(r[0]) for r in self.conn.execute(
            f"SELECT id FROM {child.table} WHERE {column} = ?", (parent_id,))]

    def foreign_key_problems(self, tables: Iterable[str]) -> int:
        return sum(len(self.conn.execute(f"PRAGMA foreign_key_check({t})").fetchall())
                   for t in sorted(set(tables)))

    def write_field(self, info: TableInfo, row_id: str, fld: str, value: Any, json_value: str,
                    at: str, site_id: str, change_id: str) -> None:
        """Set one field and log it even when the value is unchanged (a resolution must
        travel)."""
        if fld != DELETED:
            sets = {fld: value}
            if "updated_at" in info.columns:
                sets["updated_at"] = at
            self.update_row(info, row_id, sets)
        self.conn.execute(
            "INSERT INTO changes (change_id, entity, entity_id, field, value, at, site_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (change_id, info.entity, row_id, fld, json_value, at, site_id))

    def audit(self, at: str, actor: str, action: str, entity: str = "", entity_id: str = "",
              fields: Iterable[str] = ()) -> None:
        audit_chain.append(self.conn, [(at, actor, action, entity, entity_id, fields, None)])

    def audit_many(self, rows: list[tuple[str, str, str, str, str, list[str]]]) -> None:
        """One audit entry per record a merge touched, on the hash chain (storage/audit)."""
        audit_chain.append(self.conn, [(a, b, c, d, e, f, None) for a, b, c, d, e, f in rows])

    # -- the partnership --------------------------------------------------------------------------
    def partnership(self) -> dict[str, str]:
        row = self.conn.execute("SELECT id, name FROM partnership LIMIT 1").fetchone()
        return {"id": row[0], "name": row[1]} if row else {"id": "", "name": ""}

    def is_empty(self) -> bool:
        """No schools, pupils or cases: a new installation that may join a partnership."""
        return all(self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0
                   for t in ("schools", "pupils", "cases"))

    def drop_partnership(self, partnership_id: str) -> None:
        self.conn.execute("DELETE FROM partnership WHERE id = ?", (partnership_id,))
        self.conn.execute("DELETE FROM changes WHERE entity = 'partnership' AND entity_id = ?",
                          (partnership_id,))

    # -- conflicts ------------------------------------------------------------------------------
    _CONFLICT_COLS = ("id", "entity", "entity_id", "field", "local_change", "remote_change",
                      "bundle_id", "detected_at", "status", "resolution", "resolved_at",
                      "resolved_by")

    def conflicts(self, status: str | None = "open") -> list[dict[str, Any]]:
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        out = []
        for r in self.conn.execute(
                f"SELECT {', '.join(self._CONFLICT_COLS)} FROM bundle_conflicts {where} "
                "ORDER BY detected_at, id", params):
            d = dict(zip(self._CONFLICT_COLS, r, strict=True))
            d["local_change"] = json.loads(d["local_change"])
            d["remote_change"] = json.loads(d["remote_change"])
            out.append(d)
        return out

    def conflicts_on(self, keys: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        wanted = set(keys)
        if not wanted:
            return []
        return [c for c in self.conflicts(None) if (c["entity"], c["entity_id"]) in wanted]

    def add_conflict(self, conflict_id: str, entity: str, entity_id: str, fld: str,
                     local: dict[str, Any], remote: dict[str, Any], bundle_id: str,
                     detected_at: str) -> None:
        self.conn.execute(
            "INSERT INTO bundle_conflicts (id, entity, entity_id, field, local_change, "
            "remote_change, bundle_id, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (conflict_id, entity, entity_id, fld, json.dumps(local), json.dumps(remote),
             bundle_id, detected_at))

    def close_conflict(self, conflict_id: str, resolution: str, at: str, by: str) -> None:
        self.conn.execute(
            "UPDATE bundle_conflicts SET status = 'resolved', resolution = ?, resolved_at = ?, "
            "resolved_by = ? WHERE id = ?", (resolution, at, by, conflict_id))
