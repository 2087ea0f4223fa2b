"""Encryption at rest: pupil data written through the facade leaves no readable trace in
any file we write (database, WAL, shared memory, backups, migration backups, key file).

A positive control exports the same database to plain SQLite and checks that the very
same scan does find every needle there, so a passing test means "encrypted", not "the
scan cannot see anything".
"""

from __future__ import annotations

import shutil
from pathlib import Path

from panel_app.core.domain.upn import make_upn
from panel_app.core.secrets.keyfile import KeyFile, key_file_path
from panel_app.core.services import unlock
from panel_app.core.storage.connection import open_database
from tests.conftest import PASSPHRASE
from tests.core.util import SQLITE_HEADER, case_values
from tests.data.make_golden import PASSPHRASE as GOLDEN_PASSPHRASE

GOLDEN = Path(__file__).parent.parent / "data" / "schema_v1.panel"
FIRST, LAST = "Zebedee", "Quuxleyworth"
UPN = make_upn(917, 6623, 2013, 482)
SUMMARY = "Quuxleyworth household moved from Wexcombe after the flood"
NOTE = "Zebedee told his mentor the allotment fire was an accident"
DOCUMENT = b"%PDF-1.4\nEducational psychologist report: Quuxleyworth, ref 88421-ZQ\n"

NEEDLES = ["Zebedee", "Quuxleyworth", UPN, "Wexcombe after the flood",
           "allotment fire was an accident", "88421-ZQ"]


def _forms(text: str) -> set[bytes]:
    """Every byte form a string could take on disk: case variants in UTF-8 and UTF-16."""
    variants = {text, text.casefold(), text.upper(), text.lower()}
    return {v.encode(enc) for v in variants for enc in ("utf-8", "utf-16-le", "utf-16-be")}


def _traces(data: bytes) -> list[str]:
    """The needles (any form) found in ``data``."""
    return [n for n in NEEDLES if any(form in data for form in _forms(n))]


def _scan_folder(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hits = _traces(path.read_bytes())
            if hits:
                found[path.name] = hits
    return found


def _write_sensitive_case(session) -> str:
    saved = session.create_case(case_values(FIRST, LAST, year=8, upn=UPN, risk="red",
                                            summary="First referral"))
    ref = saved.case.case_ref
    session.update_case(ref, {"summary": SUMMARY})
    session.add_note(ref, NOTE)
    session.add_document(ref, "ep-report.pdf", DOCUMENT)
    return ref


def _old_file_with_pupil(folder: Path) -> tuple[Path, bytes]:
    """A copy of the golden schema-version-1 file with the sensitive pupil written into
    it at version 1, so that unlocking it migrates (and writes NAME.schema-v1.bak) while
    the pupil's data is inside."""
    path = folder / "older-version.panel"
    shutil.copy2(GOLDEN, path)
    shutil.copy2(f"{GOLDEN}.key", f"{path}.key")
    key = KeyFile.load(key_file_path(path)).unwrap_with_passphrase(GOLDEN_PASSPHRASE)
    db = open_database(path, key)
    school = db.conn.execute("SELECT id FROM schools LIMIT 1").fetchone()[0]
    now = "2026-11-22T09:30:00+00:00"
    db.conn.execute(
        "INSERT INTO pupils (id, first_name, last_name, dob, upn, year_group, home_school_id,"
        " updated_at) VALUES ('p-old', ?, ?, '2013-10-01', ?, 8, ?, ?)",
        (FIRST, LAST, UPN, school, now))
    db.conn.execute(
        "INSERT INTO cases (id, pupil_id, case_ref, summary, created_at, updated_at) "
        "VALUES ('c-old', 'p-old', 'C-OLD111', ?, ?, ?)", (SUMMARY, now, now))
    db.conn.execute("INSERT INTO case_notes (id, case_id, at, author, text) "
                    "VALUES ('n-old', 'c-old', ?, 'Clerk', ?)", (now, NOTE))
    db.conn.commit()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path, key


def test_scan_finds_needles_in_a_plain_export(session, tmp_path_factory):
    """Positive control: the same data exported unencrypted is found by the scan."""
    _write_sensitive_case(session)
    plain = tmp_path_factory.mktemp("control") / "plain.sqlite"
    conn = session.db.conn
    conn.execute("ATTACH DATABASE ? AS plaintext KEY ''", (str(plain),))
    conn.execute("SELECT sqlcipher_export('plaintext')").fetchall()
    conn.execute("DETACH DATABASE plaintext")
    data = plain.read_bytes()
    assert data.startswith(SQLITE_HEADER)
    assert sorted(_traces(data)) == sorted(NEEDLES)


def test_no_trace_of_pupil_data_in_any_file(session, db_path, no_keyring, clock):
    folder = db_path.parent
    _write_sensitive_case(session)

    # While the database is still open the latest writes sit in the WAL.
    wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
    assert wal.exists() and wal.stat().st_size > 0
    assert shm.exists()
    for path in (db_path, wal, shm):
        assert _traces(path.read_bytes()) == [], path.name
    assert not db_path.read_bytes().startswith(SQLITE_HEADER)

    backup = session.backup(folder / "usb-stick-copy.panel")
    assert backup.exists()
    assert not backup.read_bytes().startswith(SQLITE_HEADER)
    assert _scan_folder(folder) == {}
    session.lock()

    # An older file holding the pupil: unlocking migrates it, and the migration backup
    # holds the pupil too.
    old, key = _old_file_with_pupil(folder)
    reopened = unlock(old, passphrase=GOLDEN_PASSPHRASE, keyring=no_keyring, clock=clock)
    assert f"{FIRST} {LAST}" in {r.name for r in reopened.list_cases().rows}
    reopened.lock()

    bak = folder / f"{old.name}.schema-v1.bak"
    assert bak.exists()
    check = open_database(bak, key)  # the backup really holds the pupil
    assert (LAST,) in check.conn.execute("SELECT last_name FROM pupils").fetchall()
    assert check.conn.execute("PRAGMA user_version").fetchone()[0] == 1
    check.close()
    data = bak.read_bytes()
    assert not data.startswith(SQLITE_HEADER)

    # After lock: every file in the folder, including the key file and both backups.
    names = {p.name for p in folder.iterdir()}
    assert {db_path.name, f"{db_path.name}.key", backup.name, bak.name} <= names
    assert _scan_folder(folder) == {}
    for path in (db_path, backup, bak):
        assert not path.read_bytes().startswith(SQLITE_HEADER), path.name


def test_key_file_holds_no_secret_in_plain(db_path, recovery_key):
    key_file = key_file_path(db_path)
    key = KeyFile.load(key_file).unwrap_with_passphrase(PASSPHRASE)
    text = key_file.read_bytes()
    for secret in (key, key.hex().encode(), key.hex().upper().encode(),
                   PASSPHRASE.encode(), recovery_key.encode(),
                   recovery_key.replace("-", "").encode()):
        assert secret not in text
    data = db_path.read_bytes()
    assert key not in data and key.hex().encode() not in data

