"""SQLCipher's own errors become plain sentences that say what to do: a full disk (even
when SQLite only says "disk I/O error" because the WAL file could not be made) and a
damaged file ("database disk image is malformed")."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import pytest

from panel_app.core.errors import NotADatabaseError, StorageError
from panel_app.core.storage import connection
from panel_app.core.storage.connection import (
    DatabaseError,
    OperationalError,
    database_error,
    storage_error,
    unreadable,
)
from tests.core.util import assert_plain

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def disk_free(monkeypatch):
    def set_free(free: int) -> None:
        monkeypatch.setattr(connection.shutil, "disk_usage",
                            lambda _p: Usage(10**9, 10**9 - free, free))
    return set_free


def test_a_disk_io_error_on_a_full_disk_says_the_disk_is_full(disk_free, tmp_path):
    disk_free(0)
    error = unreadable(DatabaseError("disk I/O error"), tmp_path / "north.panel")
    assert isinstance(error, StorageError)
    assert "full" in str(error) and "north.panel" in str(error)
    assert_plain(str(error))
    assert "full" in str(storage_error(OperationalError("disk I/O error"),
                                       tmp_path / "north.panel"))


def test_a_disk_io_error_with_room_left_is_not_called_a_full_disk(disk_free, tmp_path):
    disk_free(10**9)
    error = unreadable(DatabaseError("disk I/O error"), tmp_path / "north.panel")
    assert isinstance(error, NotADatabaseError) and "full" not in str(error)
    assert "backup" in str(error)


def test_a_damaged_file_says_so_and_what_to_do(tmp_path):
    path = Path(tmp_path / "north.panel")
    malformed = DatabaseError("database disk image is malformed")
    for error in (unreadable(malformed, path), database_error(malformed, path),
                  storage_error(malformed, path)):
        assert "damaged" in str(error) and "backup" in str(error)
        assert_plain(str(error))
    assert isinstance(database_error(malformed, path), NotADatabaseError)


READONLY = OperationalError("attempt to write a readonly database")


def test_a_write_refused_on_a_read_only_file_points_at_its_permissions(monkeypatch, tmp_path):
    path = tmp_path / "north.panel"
    path.write_bytes(b"x")
    monkeypatch.setattr(connection.os, "access", lambda _p, _mode: False)  # tests run as root
    error = storage_error(READONLY, path)
    assert "read-only" in str(error) and "permissions" in str(error)
    assert_plain(str(error))


def test_a_write_refused_on_a_writable_damaged_file_points_at_doctor(tmp_path):
    path = tmp_path / "north.panel"
    path.write_bytes(b"x")
    for error in (storage_error(READONLY, path, damaged=True), storage_error(READONLY, path)):
        assert "permissions" not in str(error) and "read-only" not in str(error)
        assert "panel-app doctor" in str(error)
        assert_plain(str(error))
    assert "damaged" in str(storage_error(READONLY, path, damaged=True))


def test_a_write_after_reading_a_damaged_page_says_damaged_not_read_only(db_path, no_keyring,
                                                                        clock):
    from panel_app.core.services import unlock
    from tests.conftest import PASSPHRASE

    data = bytearray(db_path.read_bytes())
    pages = len(data) // 4096
    for page in range(pages - 1, 0, -1):  # a page late in the file: the file still opens
        data[page * 4096 + 2048] ^= 0x01
        db_path.write_bytes(bytes(data))
        try:
            session = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
        except (NotADatabaseError, DatabaseError):
            data[page * 4096 + 2048] ^= 0x01
            continue
        break
    try:
        with pytest.raises(DatabaseError):  # reading every page meets the damaged one
            session.db.execute("PRAGMA integrity_check").fetchall()
        with pytest.raises(StorageError) as caught:
            session.add_school("Westfield Academy")
    finally:
        session.lock()
    message = str(caught.value)
    assert "damaged" in message and "panel-app doctor" in message, message
    assert "permissions" not in message and "read-only" not in message
    assert_plain(message)
