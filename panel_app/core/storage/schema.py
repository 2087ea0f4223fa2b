"""Numbered schema migrations, tracked by ``PRAGMA user_version``.

Each migration runs in its own transaction together with the version bump. Before a
file is migrated an encrypted copy of it is written beside it
(``NAME.schema-vN.bak``), and a file whose version is newer than this app knows is
refused before anything is touched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from panel_app.core.errors import NewerVersionError
from panel_app.core.storage.connection import encrypted_copy

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE partnership (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ladder_preset TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    urn TEXT NOT NULL DEFAULT '',
    phase TEXT NOT NULL DEFAULT 'secondary',
    roll INTEGER NOT NULL DEFAULT 0,
    fsm_count INTEGER NOT NULL DEFAULT 0,
    short_code TEXT NOT NULL DEFAULT '',
    member INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'other',
    school_id TEXT REFERENCES schools(id),
    email TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE pupils (
    id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    dob TEXT,
    upn TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    year_group INTEGER,
    home_school_id TEXT NOT NULL REFERENCES schools(id),
    sen_status TEXT NOT NULL DEFAULT 'none',
    primary_need TEXT NOT NULL DEFAULT '',
    fsm INTEGER NOT NULL DEFAULT 0,
    pupil_premium INTEGER NOT NULL DEFAULT 0,
    lac INTEGER NOT NULL DEFAULT 0,
    social_care TEXT NOT NULL DEFAULT 'none',
    eal INTEGER NOT NULL DEFAULT 0,
    young_carer INTEGER NOT NULL DEFAULT 0,
    youth_justice INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX pupils_upn ON pupils(upn);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    pupil_id TEXT NOT NULL REFERENCES pupils(id),
    case_ref TEXT NOT NULL UNIQUE,
    risk TEXT NOT NULL DEFAULT 'green',
    status TEXT NOT NULL DEFAULT 'open',
    opened_on TEXT,
    closed_on TEXT,
    summary TEXT NOT NULL DEFAULT '',
    attendance_pct REAL,
    suspensions INTEGER NOT NULL DEFAULT 0,
    suspension_days REAL NOT NULL DEFAULT 0,
    permanent_exclusions INTEGER NOT NULL DEFAULT 0,
    pupil_voice TEXT NOT NULL DEFAULT '',
    family_voice TEXT NOT NULL DEFAULT '',
    lead TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_pupil ON cases(pupil_id);
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'note',
    text TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    filename TEXT NOT NULL,
    mime TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
CREATE INDEX documents_case ON documents(case_id);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    at TEXT NOT NULL,
    site_id TEXT NOT NULL
);
CREATE INDEX changes_entity ON changes(entity, entity_id);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]'
);
"""

# Version 2: the case list at 100k cases. A lower-cased search key on each pupil (name,
# UPN) so a filter keystroke is one indexed-table scan, indexes for the list's filters,
# and a reason recorded when a case is closed.
_V2 = """
ALTER TABLE pupils ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_status_risk ON cases(status, risk);
CREATE INDEX pupils_school_year ON pupils(home_school_id, year_group);
"""


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def run(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.conn.execute(statement)

    return run


def _fold(text: str) -> str:
    # Frozen copy of repository.fold as it was at version 2 (NFKC, case-folded).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _v2(db: sqlite_utils.Database) -> None:
    _script(_V2)(db)
    rows = db.conn.execute("SELECT id, first_name, last_name, upn FROM pupils").fetchall()
    db.conn.executemany(
        "UPDATE pupils SET search_key = ? WHERE id = ?",
        [(_fold(f"{first} {last} {upn}"), pid) for pid, first, last, upn in rows],
    )


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _script(_V1),
    2: _v2,
}
LATEST = max(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(db: sqlite_utils.Database, path: Path) -> int:
    version = schema_version(db)
    if version > LATEST:
        raise NewerVersionError(
            f"{path.name} was saved by a newer version of Partnership Panel (schema "
            f"version {version}; this app reads up to {LATEST}). Install the latest "
            "version to open it. The file was not changed."
        )
    return version


def migrate(
    db: sqlite_utils.Database,
    path: Path,
    key: bytes,
    *,
    target: int = LATEST,
) -> list[int]:
    """Bring the database up to ``target``; returns the versions applied."""
    current = check_not_newer(db, path)
    if current >= target:
        return []
    if current > 0:
        encrypted_copy(db, path.with_name(f"{path.name}.schema-v{current}.bak"), key)
    applied = []
    for version in range(current + 1, target + 1):
        with db.atomic():
            MIGRATIONS[version](db)
            db.conn.execute(f"PRAGMA user_version = {version}")
        applied.append(version)
    return applied
