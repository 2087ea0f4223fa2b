"""Edge cases of unlocking and of the facade found in review."""

from __future__ import annotations

import json
import sqlite3

import pytest

from panel_app.core.errors import (
    KeyUnavailableError,
    LockedError,
    NotADatabaseError,
    NotFoundError,
)
from panel_app.core.secrets.keyfile import key_file_path
from panel_app.core.secrets.keyring_store import refusal_reason
from panel_app.core.services import unlock
from tests.conftest import PASSPHRASE


def test_stale_key_in_keyring_asks_for_the_passphrase(db_path, memory_keyring, clock):
    database_id = json.loads(key_file_path(db_path).read_text())["database_id"]
    memory_keyring.set(database_id, b"\x01" * 32)  # not this database's key
    with pytest.raises(KeyUnavailableError, match="enter the passphrase"):
        unlock(db_path, keyring=memory_keyring, clock=clock)
    unlock(db_path, passphrase=PASSPHRASE, keyring=memory_keyring, clock=clock).lock()


def test_plain_sqlite_file_is_named_as_such(db_path, no_keyring):
    plain = db_path.with_name("plain.panel")
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    key_file_path(plain).write_bytes(key_file_path(db_path).read_bytes())
    before = plain.read_bytes()
    with pytest.raises(NotADatabaseError, match="unencrypted database file"):
        unlock(plain, passphrase=PASSPHRASE, keyring=no_keyring)
    assert plain.read_bytes() == before


def test_key_file_with_absurd_argon2_cost_is_refused_quickly(db_path, no_keyring):
    kf = key_file_path(db_path)
    data = json.loads(kf.read_text())
    data["slots"]["passphrase"]["memory_cost"] = 1 << 40
    kf.write_text(json.dumps(data))
    with pytest.raises(NotADatabaseError, match="damaged"):
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring)


def test_locked_session_refuses_key_operations(session):
    session.lock()
    with pytest.raises(LockedError):
        session.change_passphrase("another passphrase")
    with pytest.raises(LockedError):
        session.forget_on_this_computer()


def test_blank_school_name_matches_nothing(session):
    with pytest.raises(NotFoundError):
        session.find_school("   ")


def test_close_case_stores_reason_with_the_closure(session):
    from tests.core.util import case_values

    saved = session.create_case(case_values("Mabel", "Thwaite"))
    closed = session.close_case(saved.case.id, "Settled at new school")
    assert closed.case.status == "closed"
    row = session.db.execute(
        "SELECT closed_reason, status FROM cases WHERE id = ?", [saved.case.id]
    ).fetchone()
    assert row == ("Settled at new school", "closed")
    logged = {r["field"] for r in session.changes_since(0) if r["entity_id"] == saved.case.id}
    assert {"closed_reason", "status", "closed_on"} <= logged


def test_file_based_keyrings_are_refused():
    class PlaintextKeyring:
        priority = 1

    PlaintextKeyring.__module__ = "keyrings.alt.file"

    class CryptFileKeyring:
        priority = 1

    CryptFileKeyring.__module__ = "keyrings.cryptfile.cryptfile"

    class PyFSKeyring:
        priority = 1

    PyFSKeyring.__module__ = "keyrings.alt.pyfs"
    for backend in (PlaintextKeyring(), CryptFileKeyring(), PyFSKeyring()):
        assert refusal_reason(backend) is not None


def test_verify_passphrase(session):
    assert session.verify_passphrase(PASSPHRASE)
    assert not session.verify_passphrase("something else entirely")


def test_empty_opened_date_means_today(session, clock):
    from tests.core.util import case_values

    values = {**case_values("Nia", "Sowerby"), "opened_on": ""}
    assert session.create_case(values).case.opened_on == clock.today()


def test_info_says_whether_this_computer_holds_the_key(session):
    assert session.info()["in_keyring"] is False
