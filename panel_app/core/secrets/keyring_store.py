"""The data key in the operating system's keyring, when a real, safe backend exists.

Fail closed: the fail and null backends, an empty chainer, the plain-text and
self-encrypted file backends of keyrings.alt (the latter would prompt on a terminal),
and any backend that errors (a locked keychain) all count as "no keyring", and the
app asks for the passphrase instead. The key is never written anywhere in plain text.
"""

from __future__ import annotations

from typing import Any

import keyring
import keyring.backend
import keyring.errors

SERVICE = "panel-app"

# keyrings.alt keeps secrets in files (plain, or encrypted with a password it prompts
# for on a terminal), and so does keyrings.cryptfile: none of them is an OS keyring.
_REFUSED_MODULES = (
    "keyring.backends.fail",
    "keyring.backends.null",
    "keyrings.alt",
    "keyrings.cryptfile",
)


def _leaf_backends(backend: Any) -> list[Any]:
    inner = getattr(backend, "backends", None)
    if inner is not None and type(backend).__name__ == "ChainerBackend":
        return list(inner)
    return [backend]


def refusal_reason(backend: Any) -> str | None:
    """None if ``backend`` may hold the key, else why not (a plain sentence)."""
    leaves = _leaf_backends(backend)
    if not leaves:
        return "no keyring backend is available on this computer"
    for leaf in leaves:
        module = type(leaf).__module__
        name = type(leaf).__name__
        if module.startswith(_REFUSED_MODULES):
            return f"the keyring backend {module}.{name} is not a secure store"
        if "plaintext" in name.lower():
            return f"the keyring backend {name} stores secrets in plain text"
        priority = getattr(leaf, "priority", 1)
        try:
            if float(priority) <= 0:
                return f"the keyring backend {name} is not usable"
        except (TypeError, ValueError):
            return f"the keyring backend {name} is not usable"
    return None


class KeyringStore:
    """The OS keyring, or an injected backend (tests pass an in-memory one)."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> Any:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def describe(self) -> str:
        b = self.backend
        return f"{type(b).__module__}.{type(b).__name__}"

    def unusable_reason(self) -> str | None:
        try:
            return refusal_reason(self.backend)
        except Exception as exc:  # a broken keyring install must not stop the app
            return f"the keyring could not be loaded ({type(exc).__name__})"

    def usable(self) -> bool:
        return self.unusable_reason() is None

    def get(self, database_id: str) -> bytes | None:
        if not self.usable():
            return None
        try:
            value = self.backend.get_password(SERVICE, database_id)
        except Exception:  # locked keychain, dbus errors: fall back to the passphrase
            return None
        if not value:
            return None
        try:
            key = bytes.fromhex(value)
        except ValueError:
            return None
        return key if len(key) == 32 else None

    def set(self, database_id: str, key: bytes) -> bool:
        """Store the key; False (and nothing stored) when the keyring is not usable."""
        if not self.usable():
            return False
        try:
            self.backend.set_password(SERVICE, database_id, key.hex())
        except Exception:
            return False
        return True

    def delete(self, database_id: str) -> bool:
        try:
            self.backend.delete_password(SERVICE, database_id)
        except keyring.errors.PasswordDeleteError:
            return False
        except Exception:
            return False
        return True
