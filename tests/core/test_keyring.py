"""The OS keyring holds the data key only when it is a real, safe store (fail closed)."""

from __future__ import annotations

import keyring.backend
import keyring.backends.chainer
import pytest
from keyring.backends import fail, null

from panel_app.core.errors import KeyUnavailableError
from panel_app.core.secrets.keyfile import KeyFile, key_file_path
from panel_app.core.secrets.keyring_store import SERVICE, KeyringStore, refusal_reason
from panel_app.core.services import create_partnership, key_status, unlock
from tests.conftest import FAST_KDF, PASSPHRASE, FailingKeyring, MemoryKeyring


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring: works, but writes secrets in
    clear to a file in the home folder."""


class EncryptedKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.EncryptedKeyring (prompts for a password on a
    terminal): refused because of the module it comes from."""


EncryptedKeyring.__module__ = "keyrings.alt.file"


def _empty_chainer(monkeypatch: pytest.MonkeyPatch) -> keyring.backend.KeyringBackend:
    """keyring's own ChainerBackend on a machine where no backend is installed."""
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [])
    return keyring.backends.chainer.ChainerBackend()


def _new(tmp_path, store, clock):
    return create_partnership(tmp_path / "p.panel", "Keyring Test", PASSPHRASE,
                              keyring=store, kdf=FAST_KDF, clock=clock, user_name="Clerk")


def test_key_in_keyring_unlocks_silently(tmp_path, memory_keyring, clock):
    created = _new(tmp_path, memory_keyring, clock)
    assert created.in_keyring and created.keyring_note == ""
    created.session.lock()
    database_id = KeyFile.load(key_file_path(tmp_path / "p.panel")).database_id
    stored = memory_keyring.backend.store
    assert list(stored) == [(SERVICE, database_id)]
    assert len(bytes.fromhex(stored[(SERVICE, database_id)])) == 32
    assert key_status(tmp_path / "p.panel", memory_keyring)["in_keyring"] is True

    session = unlock(tmp_path / "p.panel", keyring=memory_keyring, clock=clock)
    assert session.info()["partnership"] == "Keyring Test"
    session.lock()


def test_forget_on_this_computer(tmp_path, memory_keyring, clock):
    session = _new(tmp_path, memory_keyring, clock).session
    assert session.forget_on_this_computer() is True
    assert memory_keyring.backend.store == {}
    assert "keyring_forget" in [e["action"] for e in session.audit_entries()]
    session.lock()

    with pytest.raises(KeyUnavailableError) as caught:
        unlock(tmp_path / "p.panel", keyring=memory_keyring, clock=clock)
    assert "passphrase" in str(caught.value)
    session = unlock(tmp_path / "p.panel", passphrase=PASSPHRASE, keyring=memory_keyring,
                     clock=clock)
    assert session.remember_on_this_computer() is True  # and back again
    session.lock()
    unlock(tmp_path / "p.panel", keyring=memory_keyring, clock=clock).lock()


def test_wrong_key_in_keyring_is_not_used_silently(tmp_path, memory_keyring, clock):
    """A keyring entry that is not 32 bytes of hex is ignored: the app asks instead."""
    _new(tmp_path, memory_keyring, clock).session.lock()
    (entry,) = memory_keyring.backend.store
    memory_keyring.backend.store[entry] = "not hex at all"
    with pytest.raises(KeyUnavailableError):
        unlock(tmp_path / "p.panel", keyring=memory_keyring, clock=clock)


UNUSABLE = {
    "fail": lambda mp: fail.Keyring(),
    "null": lambda mp: null.Keyring(),
    "empty_chainer": _empty_chainer,
    "plaintext": lambda mp: PlaintextKeyring(),
    "keyrings_alt_file": lambda mp: EncryptedKeyring(),
    "locked_keychain": lambda mp: FailingKeyring(),
}


@pytest.mark.parametrize("kind", list(UNUSABLE), ids=list(UNUSABLE))
def test_unusable_keyring_stores_nothing_and_passphrase_works(tmp_path, clock, monkeypatch,
                                                               kind):
    backend = UNUSABLE[kind](monkeypatch)
    store = KeyringStore(backend)
    created = _new(tmp_path, store, clock)
    assert created.in_keyring is False
    assert created.keyring_note  # a reason the GUI can show
    assert getattr(backend, "store", {}) == {}  # nothing written, not even to a plaintext one
    created.session.lock()

    status = key_status(tmp_path / "p.panel", store)
    assert status["in_keyring"] is False
    with pytest.raises(KeyUnavailableError):
        unlock(tmp_path / "p.panel", keyring=store, clock=clock)
    session = unlock(tmp_path / "p.panel", passphrase=PASSPHRASE, keyring=store, clock=clock)
    assert session.remember_on_this_computer() is False
    assert getattr(backend, "store", {}) == {}
    session.lock()


@pytest.mark.parametrize("kind", ["fail", "null", "empty_chainer", "plaintext",
                                  "keyrings_alt_file"])
def test_refusal_reason_names_the_problem(kind, monkeypatch):
    backend = UNUSABLE[kind](monkeypatch)
    reason = refusal_reason(backend)
    assert reason
    assert not KeyringStore(backend).usable()


def test_plaintext_backends_are_refused_inside_a_chainer(monkeypatch):
    """One plain-text store anywhere in the chain refuses the whole chain."""
    monkeypatch.setattr(keyring.backend, "get_all_keyring",
                        lambda: [MemoryKeyring(), PlaintextKeyring()])
    chainer = keyring.backends.chainer.ChainerBackend()
    assert "plain text" in (refusal_reason(chainer) or "")


def test_memory_keyring_is_usable():
    """The control: a working, non-plaintext backend is accepted."""
    assert refusal_reason(MemoryKeyring()) is None
    assert KeyringStore(MemoryKeyring()).usable()


def test_locked_keychain_reads_as_no_key():
    store = KeyringStore(FailingKeyring())
    assert store.usable()  # it looks fine until used
    assert store.get("anything") is None
    assert store.set("anything", bytes(32)) is False
    assert store.delete("anything") is False
