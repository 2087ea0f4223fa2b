"""Build the golden database at schema version 1: tests/data/schema_v1.panel and its key
file, which tests/core/test_migration.py upgrades to the latest version.

Run from the repository root (only when the golden file must be rebuilt; the committed
file is what proves that real version-1 files still open)::

    python tests/data/make_golden.py

The rows are inserted with plain SQL that matches the version-1 schema, not through the
session facade, which always writes the latest schema. Invented data only.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from panel_app.core.secrets.keyfile import KdfParams, KeyFile, key_file_path
from panel_app.core.storage.connection import open_database
from panel_app.core.storage.schema import migrate, schema_version

PASSPHRASE = "golden schema v1 passphrase"
RECOVERY_KEY = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
KDF = KdfParams(time_cost=1, memory_cost=1024, parallelism=1)  # cheap, for tests only
NAME = "schema_v1.panel"

DATABASE_ID = "9f1c2a7e5b3d4c6a8e0f1a2b3c4d5e6f"
SITE_ID = "2b7d9e1f3a5c4b6d8f0e2a4c6e8a0b1c"
PARTNERSHIP_ID = "5a5a5a5a5a5a4a5a8a5a5a5a5a5a5a5a"
STAMP = "2025-10-06T09:15:00.000000+00:00"

SCHOOLS = [
    # id, name, urn, roll, fsm_count, short_code
    ("a1000000000000000000000000000001", "Ashcombe High School", "900001", 1040, 250, "ASH"),
    ("a1000000000000000000000000000002", "Brookvale Academy", "900002", 880, 170, "BRK"),
]
PUPILS = [
    # id, first, last, dob, upn, year_group, school_id, sen_status
    ("b2000000000000000000000000000001", "Golda", "Vintermann", "2012-03-14",
     "V201400112007", 8, SCHOOLS[0][0], "SEN support"),
    ("b2000000000000000000000000000002", "Zoë", "Ødegård-Ñúñez", "2011-10-02",
     "G20140011200Z", 9, SCHOOLS[1][0], "EHCP"),
    ("b2000000000000000000000000000003", "Tomasz", "O'Reilly-Żak", "2013-06-30",
     "", 7, SCHOOLS[0][0], "none"),
]
CASES = [
    # id, pupil_id, case_ref, risk, status, opened_on, closed_on, summary
    ("c3000000000000000000000000000001", PUPILS[0][0], "C-GLD001", "red", "open",
     "2025-09-15", None, "Three suspensions this term; managed move requested."),
    ("c3000000000000000000000000000002", PUPILS[1][0], "C-ZOE002", "amber", "open",
     "2025-09-22", None, "Attendance falling since the summer."),
    ("c3000000000000000000000000000003", PUPILS[2][0], "C-TOM003", "green", "closed",
     "2025-06-01", "2025-07-18", "Settled after the reintegration plan."),
]
NOTE = ("d4000000000000000000000000000001", CASES[0][0], STAMP, "Golden Clerk", "note",
        "Panel agreed a six-week placement review.")
DOCUMENT = ("e5000000000000000000000000000001", CASES[1][0], "attendance.csv", "text/csv",
            b"date,mark\n2025-09-01,/\n2025-09-02,N\n")


def build(folder: Path) -> Path:
    """Write NAME and NAME.key into ``folder`` (replacing them); returns the database path."""
    path = Path(folder) / NAME
    for old in (path, key_file_path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        old.unlink(missing_ok=True)
    key = os.urandom(32)
    db = open_database(path, key, create=True)
    migrate(db, path, key, target=1)
    conn = db.conn
    with db.atomic():
        for meta_key, value in (("database_id", DATABASE_ID), ("site_id", SITE_ID),
                                ("user_name", "Golden Clerk"), ("created_with", "0.1.0")):
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (meta_key, value))
        conn.execute("INSERT INTO partnership (id, name, ladder_preset, settings, created_at) "
                     "VALUES (?, ?, '', '{}', ?)", (PARTNERSHIP_ID, "Golden Partnership", STAMP))
        for sid, name, urn, roll, fsm, code in SCHOOLS:
            conn.execute("INSERT INTO schools (id, name, urn, roll, fsm_count, short_code, "
                         "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (sid, name, urn, roll, fsm, code, STAMP))
        for pid, first, last, dob, upn, year, school, sen in PUPILS:
            conn.execute("INSERT INTO pupils (id, first_name, last_name, dob, upn, year_group, "
                         "home_school_id, sen_status, fsm, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                         (pid, first, last, dob, upn, year, school, sen, STAMP))
        for cid, pid, ref, risk, status, opened, closed, summary in CASES:
            conn.execute("INSERT INTO cases (id, pupil_id, case_ref, risk, status, opened_on, "
                         "closed_on, summary, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (cid, pid, ref, risk, status, opened, closed, summary, STAMP, STAMP))
        conn.execute("INSERT INTO case_notes (id, case_id, at, author, kind, text) "
                     "VALUES (?, ?, ?, ?, ?, ?)", NOTE)
        did, cid, filename, mime, content = DOCUMENT
        conn.execute("INSERT INTO documents (id, case_id, filename, mime, size, sha256, "
                     "content, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (did, cid, filename, mime, len(content),
                      hashlib.sha256(content).hexdigest(), content, STAMP, "Golden Clerk"))
        conn.execute("INSERT INTO changes (change_id, entity, entity_id, field, value, at, "
                     "site_id) VALUES (?, 'case', ?, 'risk', '\"red\"', ?, ?)",
                     ("f6000000000000000000000000000001", CASES[0][0], STAMP, SITE_ID))
        conn.execute("INSERT INTO audit_log (at, actor, action) VALUES (?, 'Golden Clerk', "
                     "'init')", (STAMP,))
    assert schema_version(db) == 1
    # One self-contained file: no WAL or shared-memory file beside it.
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("VACUUM")
    db.close()

    keyfile = KeyFile.new(key_file_path(path), DATABASE_ID)
    keyfile.set_passphrase(key, PASSPHRASE, KDF)
    keyfile.set_recovery_key(key, RECOVERY_KEY)
    keyfile.save()
    return path


if __name__ == "__main__":
    out = build(Path(__file__).resolve().parent)
    leftovers = [p for p in (Path(f"{out}-wal"), Path(f"{out}-shm")) if p.exists()]
    if leftovers:
        sys.exit(f"unexpected files left beside the golden database: {leftovers}")
    print(f"wrote {out} ({out.stat().st_size} bytes) and {key_file_path(out).name}")
