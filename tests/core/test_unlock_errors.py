"""Opening fails with a typed PanelError and a plain message, and touches no file.

Wrong passphrase, wrong key, missing or damaged key file, files that are not our
database: never a raw sqlite exception, never a changed byte on disk.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from panel_app.core.errors import (
    NotADatabaseError,
    NotFoundError,
    PanelError,
    WrongKeyError,
    WrongPassphraseError,
)
from panel_app.core.secrets.keyfile import KeyFile, key_file_path
from panel_app.core.services import create_partnership, unlock
from panel_app.core.storage.connection import open_database
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.util import assert_plain, snapshot


def _assert_untouched(db_path: Path, before: dict[str, str | None]) -> None:
    assert snapshot(db_path) == before


def test_wrong_passphrase_is_refused_and_changes_nothing(db_path, no_keyring, clock):
    before = snapshot(db_path)
    assert before[f"{db_path.name}-wal"] is None  # the template was closed cleanly
    with pytest.raises(WrongPassphraseError) as caught:
        unlock(db_path, passphrase="not the passphrase", keyring=no_keyring, clock=clock)
    message = str(caught.value)
    assert_plain(message)
    assert "passphrase" in message and "not the passphrase" not in message
    _assert_untouched(db_path, before)
    # ... and the right one still works afterwards.
    unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock).lock()


def test_wrong_key_applied_to_the_database(db_path):
    before = snapshot(db_path)
    with pytest.raises(WrongKeyError) as caught:
        open_database(db_path, os.urandom(32))
    assert_plain(str(caught.value))
    _assert_untouched(db_path, before)


def test_key_file_of_another_database(db_path, tmp_path, no_keyring, clock):
    other = create_partnership(tmp_path / "other.panel", "Other", "other passphrase",
                               keyring=no_keyring, kdf=FAST_KDF, clock=clock)
    other.session.lock()
    key_file_path(db_path).write_bytes(key_file_path(tmp_path / "other.panel").read_bytes())
    before = snapshot(db_path)
    with pytest.raises(WrongKeyError) as caught:
        unlock(db_path, passphrase="other passphrase", keyring=no_keyring, clock=clock)
    assert_plain(str(caught.value))
    _assert_untouched(db_path, before)


def test_missing_key_file(db_path, no_keyring, clock):
    key_file_path(db_path).unlink()
    before = snapshot(db_path)
    with pytest.raises(NotADatabaseError) as caught:
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    message = str(caught.value)
    assert_plain(message)
    assert "missing" in message and "key file" in message
    _assert_untouched(db_path, before)


def test_missing_database(tmp_path, no_keyring, clock):
    with pytest.raises(NotFoundError) as caught:
        unlock(tmp_path / "nowhere.panel", passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    assert_plain(str(caught.value))


def _slot_damage(field: str, value: object):
    def damage(data: dict) -> None:
        data["slots"]["passphrase"][field] = value
    return damage


def _drop(field: str):
    def damage(data: dict) -> None:
        del data["slots"]["passphrase"][field]
    return damage


JSON_DAMAGE = {
    "slots_not_a_dict": lambda d: d.update(slots=[]),
    "no_database_id": lambda d: d.pop("database_id"),
    "no_slots": lambda d: d.pop("slots"),
    "version_not_a_number": lambda d: d.update(version="one"),
    "salt_not_base64": _slot_damage("salt", "!!not base64!!"),
    "nonce_wrong_length": _slot_damage("nonce", "AAAA"),
    "nonce_missing": _drop("nonce"),
    "kdf_cost_missing": _drop("memory_cost"),
    "kdf_cost_impossible": _slot_damage("memory_cost", 1),
    "wrapped_not_text": _slot_damage("wrapped", 12345),
}


@pytest.mark.parametrize("damage", list(JSON_DAMAGE), ids=list(JSON_DAMAGE))
def test_damaged_key_file_structure(db_path, no_keyring, clock, damage):
    path = key_file_path(db_path)
    data = json.loads(path.read_text())
    JSON_DAMAGE[damage](data)
    path.write_text(json.dumps(data))
    before = snapshot(db_path)
    with pytest.raises(NotADatabaseError) as caught:
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    assert_plain(str(caught.value))
    assert path.name in str(caught.value)
    _assert_untouched(db_path, before)


def _truncated(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


BYTE_DAMAGE = {
    "garbage": lambda raw: os.urandom(len(raw)),
    "truncated": _truncated,
    "empty": lambda raw: b"",
    "not_json": lambda raw: b"this is not a key file\n",
    "json_list": lambda raw: b"[1, 2, 3]",
    "wrong_magic": lambda raw: raw.replace(b"panel-app-keyfile", b"other-app-keyfile"),
    "newer_version": lambda raw: raw.replace(b'"version": 1', b'"version": 99'),
}


@pytest.mark.parametrize("damage", list(BYTE_DAMAGE), ids=list(BYTE_DAMAGE))
def test_corrupt_key_file(db_path, no_keyring, clock, damage):
    path = key_file_path(db_path)
    raw = path.read_bytes()
    damaged = BYTE_DAMAGE[damage](raw)
    assert damaged != raw
    path.write_bytes(damaged)
    before = snapshot(db_path)
    with pytest.raises(NotADatabaseError) as caught:
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    assert_plain(str(caught.value))
    _assert_untouched(db_path, before)


def test_flipped_bit_in_wrapped_key_is_refused(db_path, no_keyring, clock):
    """AES-GCM cannot tell a damaged slot from a wrong passphrase: either way, refused."""
    path = key_file_path(db_path)
    data = json.loads(path.read_text())
    wrapped = bytearray(data["slots"]["passphrase"]["wrapped"].encode())
    wrapped[5] = ord("A") if wrapped[5] != ord("A") else ord("B")
    data["slots"]["passphrase"]["wrapped"] = wrapped.decode()
    path.write_text(json.dumps(data))
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)


def _plain_sqlite(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE pupils (name TEXT)")
    conn.commit()
    conn.close()


NOT_OURS = {
    "random_bytes": lambda p: p.write_bytes(os.urandom(64 * 1024)),
    "text_file": lambda p: p.write_text("minutes of the meeting\n" * 200),
    "plain_sqlite": _plain_sqlite,
    "empty_file": lambda p: p.write_bytes(b""),
    "truncated_database": lambda p: p.write_bytes(p.read_bytes()[:100]),
}


@pytest.mark.parametrize("kind", list(NOT_OURS), ids=list(NOT_OURS))
def test_file_that_is_not_our_database(db_path, no_keyring, clock, kind):
    NOT_OURS[kind](db_path)
    before = snapshot(db_path)
    with pytest.raises(PanelError) as caught:
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    assert isinstance(caught.value, (WrongKeyError, NotADatabaseError))
    assert_plain(str(caught.value))
    _assert_untouched(db_path, before)


def test_key_file_round_trip_keeps_secrets_wrapped(db_path):
    """KeyFile.load followed by save writes the same slots (nothing decrypted in between)."""
    path = key_file_path(db_path)
    original = json.loads(path.read_text())
    KeyFile.load(path).save()
    assert json.loads(path.read_text()) == original
    assert oct(path.stat().st_mode & 0o777) == "0o600"
