"""The key file beside the database: the data key wrapped twice, never in plain text.

Format (JSON, UTF-8), written atomically with mode 0600::

    {"magic": "panel-app-keyfile", "version": 1, "database_id": "...",
     "demo": false,
     "slots": {
        "passphrase": {"kdf": "argon2id", "salt": b64, "time_cost": 3,
                        "memory_cost": 65536, "parallelism": 4,
                        "nonce": b64, "wrapped": b64},
        "recovery":   {"kdf": "hkdf-sha256", "salt": b64, "nonce": b64, "wrapped": b64}}}

Each slot wraps the 32-byte data key with AES-256-GCM under a key derived from the
secret; the database id and the slot name are the associated data, so a slot cannot
be moved to another file or another slot. A wrong secret fails the GCM tag check.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.exceptions import Argon2Error
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from panel_app.core.errors import NotADatabaseError, WrongPassphraseError
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.secrets.recovery import normalise_recovery_key

MAGIC = "panel-app-keyfile"
VERSION = 1
MIN_PASSPHRASE = 8
MAX_TIME_COST = 20
MAX_MEMORY_KIB = 2 * 1024 * 1024  # 2 GiB
MAX_PARALLELISM = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults follow RFC 9106's second recommended option
    (64 MiB, 3 passes); tests pass cheaper ones, which are stored in the file too."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4


def key_file_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".key")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _damaged(path: Path) -> NotADatabaseError:
    return NotADatabaseError(
        f"The key file {path.name} is damaged. Restore it from your backup; nothing was "
        "changed."
    )


def passphrase_problem(passphrase: str) -> str | None:
    if len(passphrase) < MIN_PASSPHRASE:
        return f"Use a passphrase of at least {MIN_PASSPHRASE} characters."
    return None


def _argon2(secret: str, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def _hkdf(secret: str, salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"panel-app recovery key"
    ).derive(secret.encode("ascii"))


class KeyFile:
    """In-memory view of a key file; ``save`` writes it back atomically."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = Path(path)
        self.data = data

    @property
    def database_id(self) -> str:
        return str(self.data["database_id"])

    @property
    def demo(self) -> bool:
        return bool(self.data.get("demo", False))

    # -- creation and I/O -------------------------------------------------------------
    @classmethod
    def new(cls, path: Path, database_id: str, *, demo: bool = False) -> KeyFile:
        return cls(path, {"magic": MAGIC, "version": VERSION, "database_id": database_id,
                          "demo": demo, "slots": {}})

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise NotADatabaseError(
                f"The key file {path.name} is missing. It must sit beside the database; "
                "restore it from your backup, or ask whoever set up the partnership."
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            ok = isinstance(data, dict) and data.get("magic") == MAGIC
        except (UnicodeDecodeError, json.JSONDecodeError):
            ok = False
        if not ok:
            raise NotADatabaseError(f"{path.name} is not a Partnership Panel key file.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise _damaged(path)
        if version > VERSION:
            raise NotADatabaseError(
                f"{path.name} was written by a newer version of Partnership Panel: "
                "install the latest version."
            )
        if not (isinstance(data.get("database_id"), str) and data["database_id"]
                and isinstance(data.get("slots"), dict)
                and all(isinstance(v, dict) for v in data["slots"].values())):
            raise _damaged(path)
        return cls(path, data)

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=2).encode("utf-8") + b"\n")

    # -- slots --------------------------------------------------------------------------
    def _aad(self, slot: str) -> bytes:
        return f"{MAGIC}/{self.database_id}/{slot}".encode()

    def _seal(self, slot: str, kek: bytes, data_key: bytes, extra: dict[str, Any]) -> None:
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(slot))
        self.data["slots"][slot] = {**extra, "nonce": _b64(nonce), "wrapped": _b64(wrapped)}

    def _open(self, slot: str, kek: bytes) -> bytes:
        entry = self.data["slots"][slot]
        try:
            nonce, wrapped = _unb64(entry["nonce"]), _unb64(entry["wrapped"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _damaged(self.path) from None
        try:
            data_key = AESGCM(kek).decrypt(nonce, wrapped, self._aad(slot))
        except ValueError:  # a nonce of the wrong length
            raise _damaged(self.path) from None
        except InvalidTag:
            what = "passphrase" if slot == "passphrase" else "recovery key"
            raise WrongPassphraseError(
                f"That {what} is not right for this database. Nothing was changed; "
                "try again" + (", or use the recovery key." if slot == "passphrase" else ".")
            ) from None
        return data_key

    def has_slot(self, slot: str) -> bool:
        return slot in self.data["slots"]

    def set_passphrase(self, data_key: bytes, passphrase: str,
                       params: KdfParams | None = None) -> None:
        params = params or KdfParams()
        salt = os.urandom(16)
        kek = _argon2(passphrase, salt, params)
        self._seal("passphrase", kek, data_key, {
            "kdf": "argon2id", "salt": _b64(salt), "time_cost": params.time_cost,
            "memory_cost": params.memory_cost, "parallelism": params.parallelism})

    def unwrap_with_passphrase(self, passphrase: str) -> bytes:
        entry = self.data["slots"].get("passphrase")
        if entry is None:
            raise WrongPassphraseError("This database has no passphrase set: use the recovery key.")
        try:
            params = KdfParams(int(entry["time_cost"]), int(entry["memory_cost"]),
                               int(entry["parallelism"]))
            if not (1 <= params.time_cost <= MAX_TIME_COST
                    and 8 <= params.memory_cost <= MAX_MEMORY_KIB
                    and 1 <= params.parallelism <= MAX_PARALLELISM):
                # A tampered file could otherwise make unlock hang or exhaust memory.
                raise ValueError("Argon2 cost out of range")
            kek = _argon2(passphrase, _unb64(entry["salt"]), params)
        except (KeyError, TypeError, ValueError, AttributeError, Argon2Error):
            raise _damaged(self.path) from None
        return self._open("passphrase", kek)

    def set_recovery_key(self, data_key: bytes, recovery_key: str) -> None:
        salt = os.urandom(16)
        kek = _hkdf(normalise_recovery_key(recovery_key), salt)
        self._seal("recovery", kek, data_key, {"kdf": "hkdf-sha256", "salt": _b64(salt)})

    def unwrap_with_recovery_key(self, recovery_key: str) -> bytes:
        try:
            canonical = normalise_recovery_key(recovery_key)
        except ValueError as exc:
            raise WrongPassphraseError(str(exc)) from None
        entry = self.data["slots"].get("recovery")
        if entry is None:
            raise WrongPassphraseError("This database has no recovery key.")
        try:
            kek = _hkdf(canonical, _unb64(entry["salt"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _damaged(self.path) from None
        return self._open("recovery", kek)

    def describe(self) -> dict[str, Any]:
        """What doctor shows: slot kinds and KDF costs, never secrets."""
        out: dict[str, Any] = {"path": str(self.path), "database_id": self.database_id}
        for name, entry in self.data["slots"].items():
            out[name] = {k: v for k, v in entry.items()
                         if k not in {"nonce", "wrapped", "salt"}}
        return out
