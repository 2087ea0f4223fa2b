"""Recovery key and passphrase changes: what stops working and what keeps working."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel_app.core.errors import ValidationError, WrongPassphraseError
from panel_app.core.secrets import recovery
from panel_app.core.secrets.recovery import (
    ALPHABET,
    BITS,
    new_recovery_key,
    normalise_recovery_key,
)
from panel_app.core.services import unlock
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.util import assert_plain

NEW_PASSPHRASE = "a brand new passphrase"


def _as_typed(key: str) -> str:
    """How a person copies a key off paper: lower case, spaces, letter O for zero, l for one."""
    return key.lower().replace("-", " ").replace("0", "o").replace("1", "l")


def _decode(key: str) -> int:
    value = 0
    for ch in key.replace("-", ""):
        value = value * 32 + ALPHABET.index(ch)
    return value


def _key_with_look_alikes(session) -> str:
    """Replace the recovery key until it holds both a 0 and a 1 (about 2 tries)."""
    for _ in range(100):
        key = session.new_recovery_key()
        if {"0", "1"} <= set(key):
            return key
    raise AssertionError("no recovery key with 0 and 1 in 100 tries")


def test_recovery_key_as_typed_sets_a_new_passphrase(session, db_path, no_keyring, clock):
    key = _key_with_look_alikes(session)
    session.lock()
    typed = _as_typed(key)
    assert typed != key and "o" in typed and "l" in typed

    s = unlock(db_path, recovery_key=typed, new_passphrase=NEW_PASSPHRASE,
               keyring=no_keyring, clock=clock, kdf=FAST_KDF)
    assert "passphrase_reset_with_recovery_key" in [e["action"] for e in s.audit_entries()]
    s.lock()

    with pytest.raises(WrongPassphraseError):
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    unlock(db_path, passphrase=NEW_PASSPHRASE, keyring=no_keyring, clock=clock).lock()
    # The recovery key itself keeps working.
    unlock(db_path, recovery_key=key, new_passphrase="third passphrase!",
           keyring=no_keyring, clock=clock, kdf=FAST_KDF).lock()


def test_recovery_key_needs_a_strong_new_passphrase(db_path, recovery_key, no_keyring, clock):
    with pytest.raises(ValidationError) as caught:
        unlock(db_path, recovery_key=recovery_key, new_passphrase="short",
               keyring=no_keyring, clock=clock, kdf=FAST_KDF)
    assert caught.value.issues[0].field == "passphrase"
    assert_plain(str(caught.value))
    unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock).lock()


@pytest.mark.parametrize("typed", [
    "0000-0000-0000-0000-0000-0000-0000-0000",  # well-formed, wrong
    "ABCD-EFGH",  # too short
    "UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU",  # U is not in the alphabet
])
def test_wrong_recovery_key(db_path, no_keyring, clock, typed):
    with pytest.raises(WrongPassphraseError) as caught:
        unlock(db_path, recovery_key=typed, new_passphrase=NEW_PASSPHRASE,
               keyring=no_keyring, clock=clock, kdf=FAST_KDF)
    assert_plain(str(caught.value))
    unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock).lock()


def test_new_recovery_key_invalidates_the_old_one(session, db_path, recovery_key, no_keyring,
                                                  clock):
    fresh = session.new_recovery_key()
    assert normalise_recovery_key(fresh) != normalise_recovery_key(recovery_key)
    session.lock()
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, recovery_key=recovery_key, new_passphrase=NEW_PASSPHRASE,
               keyring=no_keyring, clock=clock, kdf=FAST_KDF)
    unlock(db_path, recovery_key=fresh, new_passphrase=NEW_PASSPHRASE,
           keyring=no_keyring, clock=clock, kdf=FAST_KDF).lock()


def test_change_passphrase(session, db_path, recovery_key, no_keyring, clock):
    with pytest.raises(ValidationError):
        session.change_passphrase("short")
    session.change_passphrase(NEW_PASSPHRASE, kdf=FAST_KDF)
    assert "passphrase_changed" in [e["action"] for e in session.audit_entries()]
    session.lock()
    with pytest.raises(WrongPassphraseError):
        unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    unlock(db_path, passphrase=NEW_PASSPHRASE, keyring=no_keyring, clock=clock).lock()
    unlock(db_path, recovery_key=recovery_key, new_passphrase="yet another one",
           keyring=no_keyring, clock=clock, kdf=FAST_KDF).lock()


# -- the key format ---------------------------------------------------------------------

def test_new_recovery_key_shape():
    key = new_recovery_key()
    groups = key.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert set(key.replace("-", "")) <= set(ALPHABET)
    assert len({new_recovery_key() for _ in range(50)}) == 50


@given(st.integers(min_value=0, max_value=2**BITS - 1))
def test_new_recovery_key_encodes_all_160_bits(value):
    with mock.patch.object(recovery.secrets, "randbits", return_value=value):
        key = new_recovery_key()
    assert normalise_recovery_key(key) == key
    assert _decode(key) == value


_SEPARATORS = st.sampled_from(["", "-", " ", "  ", " - ", "\t"])


@given(st.integers(min_value=0, max_value=2**BITS - 1), st.data())
def test_normalise_recovery_key_forgives_typing(value, data):
    with mock.patch.object(recovery.secrets, "randbits", return_value=value):
        key = new_recovery_key()
    typed = ""
    for i, group in enumerate(key.split("-")):
        if i:
            typed += data.draw(_SEPARATORS)
        for ch in group:
            options = [ch, ch.lower()]
            options += {"0": ["O", "o"], "1": ["I", "i", "L", "l"]}.get(ch, [])
            typed += data.draw(st.sampled_from(options))
    assert normalise_recovery_key(typed) == key


@pytest.mark.parametrize("typed,word", [
    ("ABCD", "32"),
    ("UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU", "U"),
])
def test_normalise_recovery_key_rejects(typed, word):
    with pytest.raises(ValueError) as caught:
        normalise_recovery_key(typed)
    assert word in str(caught.value)
    assert_plain(str(caught.value))
