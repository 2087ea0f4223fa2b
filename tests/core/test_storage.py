"""The encrypted store: connection settings, the sqlite-utils exception trap, backups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from panel_app.core.errors import NotADatabaseError, StorageError
from panel_app.core.secrets.keyfile import KeyFile, key_file_path
from panel_app.core.storage.connection import cipher_settings, encrypted_copy, open_database
from tests.conftest import PASSPHRASE
from tests.core.util import SQLITE_HEADER, assert_plain, digest, snapshot

RAW_KEY = os.urandom(32)


@pytest.fixture
def raw_db(tmp_path: Path):
    db = open_database(tmp_path / "raw.panel", RAW_KEY, create=True)
    yield db
    db.close()


# -- the sqlite-utils trap ----------------------------------------------------------------
# sqlite-utils catches the standard library's sqlite3.OperationalError in drop(ignore=True)
# and insert(alter=True); sqlcipher3 raises its own class. connection.py points sqlite-utils
# at sqlcipher3; these two fail if that is lost (e.g. after a sqlite-utils upgrade).

def test_drop_ignore_on_a_missing_table(raw_db):
    raw_db["never_created"].drop(ignore=True)
    assert "never_created" not in raw_db.table_names()


def test_insert_alter_adds_a_column(raw_db):
    raw_db["t"].insert({"a": 1})
    raw_db["t"].insert({"a": 2, "b": "new column"}, alter=True)
    assert [c.name for c in raw_db["t"].columns] == ["a", "b"]
    assert list(raw_db["t"].rows) == [{"a": 1, "b": None}, {"a": 2, "b": "new column"}]


def test_transform_renames_a_column(raw_db):
    raw_db["t"].insert({"a": 1, "b": 2})
    raw_db["t"].create_index(["a"], index_name="t_a")
    raw_db["t"].transform(rename={"b": "c"})
    assert [c.name for c in raw_db["t"].columns] == ["a", "c"]


# -- settings -------------------------------------------------------------------------------

def test_store_settings(session):
    settings = cipher_settings(session.db)
    assert settings["journal_mode"] == "wal"
    assert settings["foreign_keys"] == "1"
    assert settings["temp_store"] == "2"  # MEMORY: no temporary files with pupil data
    assert settings["cipher_version"].startswith("4")
    conn = session.db.conn
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert str(conn.execute("PRAGMA cipher_page_size").fetchone()[0]) == "4096"


def test_foreign_keys_are_enforced(session):
    from panel_app.core.storage.connection import IntegrityError

    with pytest.raises(IntegrityError), session.db.atomic():
        session.db.conn.execute(
            "INSERT INTO people (id, name, school_id, updated_at) VALUES ('x', 'n', 'none', '')")


# -- opening ------------------------------------------------------------------------------

def test_empty_file_is_not_opened_or_written(tmp_path):
    path = tmp_path / "empty.panel"
    path.write_bytes(b"")
    with pytest.raises(NotADatabaseError) as caught:
        open_database(path, os.urandom(32))
    assert_plain(str(caught.value))
    assert path.read_bytes() == b""
    assert not Path(f"{path}-wal").exists()


def test_missing_file_is_not_created(tmp_path):
    path = tmp_path / "missing.panel"
    with pytest.raises(NotADatabaseError):
        open_database(path, os.urandom(32))
    assert list(tmp_path.iterdir()) == []


# -- backups --------------------------------------------------------------------------------

def test_backup_is_encrypted_with_the_same_key(session, db_path, tmp_path):
    session.create_case({"first_name": "Ada", "last_name": "Brown", "dob": "01/12/2013",
                         "year_group": "Y8", "home_school_id": "OAK"})
    out = session.backup(tmp_path / "backup.panel")
    assert not out.read_bytes().startswith(SQLITE_HEADER)
    assert not Path(f"{out}.partial").exists()
    assert not Path(f"{out}-wal").exists()
    key = KeyFile.load(key_file_path(db_path)).unwrap_with_passphrase(PASSPHRASE)
    copy = open_database(out, key)
    assert copy.conn.execute("SELECT first_name FROM pupils").fetchall() == [("Ada",)]
    copy.close()
    assert "backup" in [e["action"] for e in session.audit_entries()]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", ".key"])
def test_backup_refuses_to_overwrite_the_open_database(session, db_path, suffix):
    """Replacing the live file (or its key file) would lose every later write, or the key."""
    session.create_case({"first_name": "Ada", "last_name": "Brown", "dob": "01/12/2013",
                         "year_group": "Y8", "home_school_id": "OAK"})
    before = digest(key_file_path(db_path))
    with pytest.raises(StorageError) as caught:
        session.backup(Path(f"{db_path}{suffix}"))
    assert_plain(str(caught.value))
    assert digest(key_file_path(db_path)) == before
    assert session.list_cases().total == 1


def test_backup_overwrites_an_older_backup(session, tmp_path):
    target = tmp_path / "weekly.panel"
    target.write_bytes(b"last week's copy")
    session.backup(target)
    assert target.stat().st_size > 1000


def test_encrypted_copy_reports_an_unwritable_folder(raw_db, tmp_path):
    with pytest.raises(StorageError) as caught:
        encrypted_copy(raw_db, tmp_path / "no" / "such" / "folder" / "x.panel", RAW_KEY)
    assert_plain(str(caught.value))
    assert "x.panel" in str(caught.value)


def test_encrypted_copy_onto_a_folder_is_refused(raw_db, tmp_path):
    raw_db["t"].insert({"a": 1})
    encrypted_copy(raw_db, tmp_path / "fine.panel", RAW_KEY)  # the control
    (tmp_path / "folder.panel").mkdir()
    with pytest.raises(StorageError) as caught:
        encrypted_copy(raw_db, tmp_path / "folder.panel", RAW_KEY)
    assert_plain(str(caught.value))
    assert not (tmp_path / "folder.panel.partial").exists()


def test_lock_leaves_no_wal_behind(session, db_path):
    session.create_case({"first_name": "Ada", "last_name": "Brown", "dob": "01/12/2013",
                         "year_group": "Y8", "home_school_id": "OAK"})
    assert Path(f"{db_path}-wal").exists()
    session.lock()
    state = snapshot(db_path)
    assert state[f"{db_path.name}-wal"] is None and state[f"{db_path.name}-shm"] is None
