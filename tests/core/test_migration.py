"""Schema upgrades from the committed golden file, and refusal of newer files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from panel_app.core.domain.models import CaseFilter
from panel_app.core.errors import NewerVersionError
from panel_app.core.secrets.keyfile import KeyFile, key_file_path
from panel_app.core.services import unlock
from panel_app.core.storage.connection import open_database
from panel_app.core.storage.schema import LATEST, schema_version
from tests.conftest import PASSPHRASE
from tests.core.util import SQLITE_HEADER, assert_plain, snapshot
from tests.data import make_golden

GOLDEN = Path(make_golden.__file__).parent / make_golden.NAME


@pytest.fixture
def golden_copy(tmp_path: Path) -> Path:
    target = tmp_path / make_golden.NAME
    shutil.copy2(GOLDEN, target)
    shutil.copy2(key_file_path(GOLDEN), key_file_path(target))
    return target


def _golden_key(path: Path) -> bytes:
    return KeyFile.load(key_file_path(path)).unwrap_with_passphrase(make_golden.PASSPHRASE)


def test_golden_file_is_committed_at_version_1():
    assert GOLDEN.exists() and key_file_path(GOLDEN).exists()
    assert not Path(f"{GOLDEN}-wal").exists() and not Path(f"{GOLDEN}-shm").exists()
    assert not GOLDEN.read_bytes().startswith(SQLITE_HEADER)
    assert GOLDEN.stat().st_size < 256 * 1024


def test_upgrade_from_version_1(golden_copy, no_keyring, clock):
    session = unlock(golden_copy, passphrase=make_golden.PASSPHRASE, keyring=no_keyring,
                     clock=clock)
    assert LATEST >= 2
    info = session.info()
    assert info["schema_version"] == LATEST
    assert info["partnership"] == "Golden Partnership"
    assert info["site_id"] == make_golden.SITE_ID
    assert info["user_name"] == "Golden Clerk"
    assert info["counts"]["pupils"] == len(make_golden.PUPILS)
    assert info["counts"]["cases"] == len(make_golden.CASES)
    assert info["counts"]["changes"] == 1

    assert [s.name for s in session.list_schools()] == [s[1] for s in make_golden.SCHOOLS]
    for cid, pid, ref, risk, status, opened, closed, summary in make_golden.CASES:
        case = session.get_case(ref)
        pupil = next(p for p in make_golden.PUPILS if p[0] == pid)
        assert (case.id, case.pupil_id, case.first_name, case.last_name) == (cid, pid, *pupil[1:3])
        assert (case.dob.isoformat(), case.upn, case.year_group) == pupil[3:6]
        assert (case.risk, case.status, case.summary) == (risk, status, summary)
        assert case.opened_on.isoformat() == opened
        assert (case.closed_on.isoformat() if case.closed_on else None) == closed
    first = session.get_case("C-GLD001")
    assert [n.text for n in first.notes] == [make_golden.NOTE[-1]]
    did, _, filename, _, content = make_golden.DOCUMENT
    assert session.document(did) == (filename, content)

    # Version 2 filled the new search key, so the case list finds pupils by name and UPN.
    keys = session.db.conn.execute("SELECT search_key FROM pupils").fetchall()
    assert all(k[0] for k in keys)
    for text, ref in [("vintermann", "C-GLD001"), ("GOLDA", "C-GLD001"),
                      ("ØDEGÅRD", "C-ZOE002"), ("o'reilly-żak", "C-TOM003"),
                      ("g20140011200z", "C-ZOE002")]:
        rows = session.list_cases(CaseFilter(text=text, status=None)).rows
        assert [r.case_ref for r in rows] == [ref], text
    closed_reason = session.db.conn.execute("SELECT closed_reason FROM cases").fetchall()
    assert closed_reason == [("",)] * len(make_golden.CASES)
    session.lock()

    # Unlocking again does not migrate (or back up) a second time.
    bak = golden_copy.with_name(f"{golden_copy.name}.schema-v1.bak")
    stamp = bak.stat().st_mtime_ns
    unlock(golden_copy, passphrase=make_golden.PASSPHRASE, keyring=no_keyring,
           clock=clock).lock()
    assert bak.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in golden_copy.parent.glob("*.bak")) == [bak.name]


def test_migration_backup_opens_at_version_1(golden_copy, no_keyring, clock):
    golden_hash = hashlib.sha256(GOLDEN.read_bytes()).hexdigest()
    unlock(golden_copy, passphrase=make_golden.PASSPHRASE, keyring=no_keyring,
           clock=clock).lock()
    bak = golden_copy.with_name(f"{golden_copy.name}.schema-v1.bak")
    assert bak.exists()
    assert not bak.read_bytes().startswith(SQLITE_HEADER)
    assert not Path(f"{bak}.partial").exists()

    db = open_database(bak, _golden_key(golden_copy))
    assert schema_version(db) == 1
    columns = {c.name for c in db["pupils"].columns}
    assert "search_key" not in columns
    names = db.conn.execute("SELECT first_name, last_name FROM pupils ORDER BY id").fetchall()
    assert names == [(p[1], p[2]) for p in make_golden.PUPILS]
    db.close()
    # The committed golden file itself was never touched.
    assert hashlib.sha256(GOLDEN.read_bytes()).hexdigest() == golden_hash


def test_golden_also_opens_with_its_recovery_key(golden_copy, no_keyring, clock):
    typed = make_golden.RECOVERY_KEY.lower().replace("-", " ").replace("0", "o")
    session = unlock(golden_copy, recovery_key=typed, new_passphrase="after recovery",
                     keyring=no_keyring, clock=clock)
    assert session.info()["schema_version"] == LATEST
    session.lock()


def test_make_golden_still_builds(tmp_path):
    """The script keeps working, so the golden file can be rebuilt."""
    path = make_golden.build(tmp_path)
    db = open_database(path, _golden_key(path))
    assert schema_version(db) == 1
    assert db["cases"].count == len(make_golden.CASES)
    db.close()


def test_newer_file_is_refused_untouched(db_path, no_keyring, clock):
    key = KeyFile.load(key_file_path(db_path)).unwrap_with_passphrase(PASSPHRASE)
    db = open_database(db_path, key)
    db.conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    db.close()
    before = snapshot(db_path)
    assert before[f"{db_path.name}-wal"] is None

    with pytest.raises(NewerVersionError) as caught:
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    message = str(caught.value)
    assert_plain(message)
    assert "newer version" in message and db_path.name in message
    assert f"version {LATEST + 1}" in message and "not changed" in message
    assert snapshot(db_path) == before
    assert list(db_path.parent.glob("*.bak")) == []
