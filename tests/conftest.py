"""Shared fixtures: real encrypted databases, an in-memory keyring, a fixed clock.

Databases are real SQLCipher files. Building one costs a key derivation and the
schema, so a template is built once per test session and copied (with its key file)
for each test that needs a fresh partnership, as Anki's tests copy a master file.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import keyring.backend
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, create_partnership, unlock

PASSPHRASE = "test passphrase 1"
FAST_KDF = KdfParams(time_cost=1, memory_cost=1024, parallelism=1)
FIXED_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that lives in this process only. It exists in tests/ and nowhere else,
    so the shipped app can never fall back to it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            import keyring.errors

            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


class FailingKeyring(keyring.backend.KeyringBackend):
    """Looks usable but every call fails, like a locked keychain."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


import keyring.errors  # noqa: E402


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(FIXED_NOW)


@pytest.fixture
def london_time(monkeypatch: pytest.MonkeyPatch):
    """This process's local time is England's (UK summer time included) for the test."""
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def no_keyring() -> KeyringStore:
    """The keyring a bare Linux machine has: the fail backend."""
    from keyring.backends import fail

    return KeyringStore(fail.Keyring())


@pytest.fixture
def memory_keyring() -> KeyringStore:
    return KeyringStore(MemoryKeyring())


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from keyring.backends import fail

    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.panel"
    created = create_partnership(
        path,
        "Test Partnership",
        PASSPHRASE,
        keyring=KeyringStore(fail.Keyring()),
        kdf=FAST_KDF,
        clock=FixedClock(FIXED_NOW),
        user_name="Test Clerk",
    )
    s = created.session
    s.add_school("Oakfield Academy", urn="100001", roll=1200, fsm_count=310, short_code="OAK")
    s.add_school("Riverside School", urn="100002", roll=950, fsm_count=190, short_code="RIV")
    s.lock()
    (folder / "recovery.txt").write_text(created.recovery_key)
    return path


@pytest.fixture
def db_path(_template_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of a small encrypted partnership (two schools, no cases).
    Passphrase: tests.conftest.PASSPHRASE; recovery key: recovery_key fixture."""
    target = tmp_path / "partnership.panel"
    shutil.copy2(_template_db, target)
    shutil.copy2(str(_template_db) + ".key", str(target) + ".key")
    return target


@pytest.fixture
def recovery_key(_template_db: Path) -> str:
    return (_template_db.parent / "recovery.txt").read_text()


@pytest.fixture
def session(db_path: Path, no_keyring: KeyringStore, clock: FixedClock):
    s = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    yield s
    s.lock()
