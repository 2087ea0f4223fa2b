"""The audit trail: append-only, inside the encrypted database, each entry chained to the
one before it by a SHA-256 hash.

Chain format (schema version 7; docs/PRIVACY.md). Each ``audit_log`` row holds ``seq``,
``at``, ``actor``, ``action``, ``entity``, ``entity_id``, ``fields`` (JSON list of field
names, never values), ``detail`` (JSON object of codes and counts, never free text),
``prev_hash`` (the ``hash`` of entry ``seq - 1``; 64 zeros for entry 1) and ``hash``::

    hash = sha256(utf8(json.dumps(["panel-audit-v1", seq, at, actor, action, entity,
                                   entity_id, fields, detail, prev_hash],
                                  ensure_ascii=False, separators=(",", ":"))))

``fields`` and ``detail`` enter the hash as the exact text stored. Numbers are
consecutive from 1 (AUTOINCREMENT; ``sqlite_sequence`` remembers the last one ever
given), so a removed entry leaves a gap and removed last entries leave the sequence
ahead of the table. Triggers refuse UPDATE and DELETE on ``audit_log``.

What it proves: an entry changed, removed, inserted or re-ordered by editing the file
outside the app (with the key) is found, and the first broken link is named. What it
cannot prove: someone holding the key who rewrites the whole chain from the break onward
(a hash chain has no secret); a copy of the head elsewhere (a printed ``audit verify``,
a backup) shows that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
CHAIN_TAG = "panel-audit-v1"
GUARD_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")
_COLUMNS = "seq, at, actor, action, entity, entity_id, fields, detail, prev_hash, hash"


# json.dumps(..., ensure_ascii=False, separators=(",", ":")), made once: verifying walks
# every entry (about 0.7 s per 100,000 entries, most of it reading the pages).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def entry_hash(seq: int, at: str, actor: str, action: str, entity: str, entity_id: str,
               fields: str, detail: str, prev_hash: str) -> str:
    """The hash of one entry (see the module docstring for the format)."""
    payload = _ENCODE([CHAIN_TAG, seq, at, actor, action, entity, entity_id, fields, detail,
                       prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def detail_text(detail: Mapping[str, Any] | None) -> str:
    if not detail:
        return "{}"
    return json.dumps(dict(detail), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


_STR = json.encoder.encode_basestring_ascii


def fields_text(fields: Iterable[str]) -> str:
    """``json.dumps(sorted(fields))``: the stored (and hashed) text of the field names,
    made directly when they are all strings (an import writes tens of thousands)."""
    names = sorted(fields)
    if all(type(n) is str for n in names):
        return "[" + ", ".join(map(_STR, names)) + "]"
    return json.dumps(names)


def _head(conn: Any) -> tuple[int, str]:
    """(the last number given, the hash of the last entry)."""
    row = conn.execute(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0), "
        "coalesce((SELECT max(seq) FROM audit_log), 0)), "
        "(SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1)").fetchone()
    return int(row[0] or 0), str(row[1] or GENESIS)


def append(conn: Any, rows: Iterable[tuple[str, str, str, str, str, Iterable[str],
                                           Mapping[str, Any] | None]]) -> None:
    """Append entries ``(at, actor, action, entity, entity_id, fields, detail)`` to the
    chain. Must run inside the caller's write transaction (so the entry and what it
    records commit or roll back together)."""
    last, prev = _head(conn)
    out = []
    for at, actor, action, entity, entity_id, fields, detail in rows:
        last += 1
        fields_json = fields_text(fields)
        detail_json = detail_text(detail)
        digest = entry_hash(last, at, actor, action, entity, entity_id, fields_json,
                            detail_json, prev)
        out.append((last, at, actor, action, entity, entity_id, fields_json, detail_json,
                    prev, digest))
        prev = digest
    if out:
        conn.executemany(
            f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out)


@dataclass(frozen=True)
class AuditProblem:
    """The first broken link: which entry, a stable code and a sentence."""

    seq: int
    code: str  # changed | unsealed | link_broken | missing | truncated | unguarded
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: AuditProblem | None = None
    problems: tuple[AuditProblem, ...] = field(default=())

    @property
    def text(self) -> str:
        if self.ok:
            return (f"Audit trail intact: {self.entries} entries, chain verified (last entry "
                    f"{self.head_seq}, {self.head_hash[:16]}).")
        assert self.problem is not None
        return self.problem.message

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq,
                "head_hash": self.head_hash, "text": self.text,
                "problem": self.problem.to_dict() if self.problem else None,
                "problems": [p.to_dict() for p in self.problems]}


_ACT = (" Keep this database file as it is (it is evidence), tell your data protection "
        "officer, and compare it with a backup made before that date.")


def _what(row: tuple[Any, ...]) -> str:
    at = str(row[1])[:16].replace("T", " ")
    what = str(row[3]) + (f" {row[4]}" if row[4] else "")
    return f"audit entry {row[0]} ({at}, {what} by {row[2]})"


def verify(conn: Any, *, limit: int = 20) -> AuditCheck:
    """Walk the whole chain and report every broken link (up to ``limit``), the first
    one as ``problem``."""
    problems: list[AuditProblem] = []
    expected_seq, prev, count, last_hash, last_seq = 1, GENESIS, 0, GENESIS, 0
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY seq"):
        count += 1
        seq = int(row[0])
        if seq > expected_seq:
            gap = (f"entry {expected_seq} is" if seq == expected_seq + 1
                   else f"entries {expected_seq} to {seq - 1} are")
            problems.append(AuditProblem(expected_seq, "missing",
                                         f"Audit {gap} missing: removed from the database "
                                         f"outside the app (found before {_what(row)})." + _ACT))
        digest = entry_hash(seq, str(row[1]), str(row[2]), str(row[3]), str(row[4]),
                            str(row[5]), str(row[6]), str(row[7]), str(row[8]))
        if not row[9]:
            problems.append(AuditProblem(seq, "unsealed",
                                         f"The {_what(row)} has no hash: it was added outside "
                                         "the app." + _ACT))
        elif row[9] != digest:
            problems.append(AuditProblem(seq, "changed",
                                         f"The {_what(row)} was changed after it was written: "
                                         "its content no longer matches its hash." + _ACT))
        elif row[8] != prev and seq == expected_seq:
            problems.append(AuditProblem(
                seq, "link_broken",
                f"The {_what(row)} does not follow entry {seq - 1}: entry {seq - 1} was "
                "rewritten, or this entry was inserted or moved, outside the app." + _ACT))
        prev, last_hash, last_seq = str(row[9]), str(row[9]), seq
        expected_seq = seq + 1
        if len(problems) >= limit:
            break
    given = conn.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    if given is not None and int(given[0]) > last_seq and len(problems) < limit:
        problems.append(AuditProblem(
            last_seq + 1, "truncated",
            f"The last audit entries are missing: entries {last_seq + 1} to {int(given[0])} "
            "were removed from the end of the trail outside the app." + _ACT))
    names = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")}
    missing = [t for t in GUARD_TRIGGERS if t not in names]
    if missing and len(problems) < limit:
        problems.append(AuditProblem(
            0, "unguarded",
            "The audit trail's append-only guard was removed (" + ", ".join(missing)
            + ") outside the app." + _ACT))
    return AuditCheck(not problems, count, last_seq, last_hash,
                      problems[0] if problems else None, tuple(problems))


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    fields: tuple[str, ...]
    detail: Mapping[str, Any]
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "entity": self.entity, "entity_id": self.entity_id,
                "fields": list(self.fields), "detail": dict(self.detail), "hash": self.hash}


def _loads(text: str, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def entries(conn: Any, *, records: Iterable[tuple[str, str]] | None = None,
            actions: Iterable[str] | None = None, since: str | None = None,
            actor: str | None = None, limit: int | None = None,
            newest_first: bool = True) -> list[AuditEntry]:
    """Entries filtered by record (entity, id), action names, time (ISO, inclusive) and
    actor (a case-insensitive part of the name)."""
    where: list[str] = []
    params: list[Any] = []
    if actions is not None:
        acts = sorted(set(actions))
        if not acts:
            return []
        where.append(f"action IN ({', '.join('?' for _ in acts)})")
        params += acts
    if since:
        where.append("at >= ?")
        params.append(since)
    if actor:
        where.append("instr(lower(actor), ?) > 0")
        params.append(actor.lower())
    wanted: set[tuple[str, str]] | None = None
    if records is not None:
        wanted = set(records)
        ids = sorted({i for _e, i in wanted})
        if not ids:
            return []
        if len(ids) <= 900:
            where.append(f"entity_id IN ({', '.join('?' for _ in ids)})")
            params += ids
    sql = f"SELECT {_COLUMNS} FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq" + (" DESC" if newest_first else "")
    out: list[AuditEntry] = []
    for r in conn.execute(sql, params):
        if wanted is not None and (r[4], r[5]) not in wanted:
            continue
        out.append(AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], r[5],
                              tuple(_loads(r[6], [])), _loads(r[7], {}), r[9]))
        if limit is not None and len(out) >= limit:
            break
    return out
