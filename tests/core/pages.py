"""Reading the pages of an SQLCipher 4 file, decrypted, to prove that deleted data is gone
from every page of the file and of its WAL (free pages and old WAL frames included),
not merely from the tables.

SQLCipher 4 defaults: 4096-byte pages; each ends with 80 reserved bytes (a 16-byte IV,
then a 64-byte HMAC-SHA512); page 1 starts with the 16-byte salt. The database is keyed
with a raw 32-byte key (``PRAGMA key = "x'...'"``), which is the AES-256-CBC key itself.
A WAL file has a 32-byte header, then frames of a 24-byte header and one page.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE, RESERVE = 4096, 80


def _decrypt(key: bytes, page: bytes, first: bool) -> bytes:
    start = 16 if first else 0
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    d = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return d.update(page[start : PAGE - RESERVE]) + d.finalize()


def db_pages(path: Path, key: bytes) -> list[bytes]:
    data = Path(path).read_bytes() if Path(path).exists() else b""
    return [_decrypt(key, data[o : o + PAGE], o == 0)
            for o in range(0, len(data) - PAGE + 1, PAGE)]


def wal_pages(path: Path, key: bytes) -> list[bytes]:
    data = Path(path).read_bytes() if Path(path).exists() else b""
    out, offset = [], 32
    while offset + 24 + PAGE <= len(data):
        number = int.from_bytes(data[offset : offset + 4], "big")
        out.append(_decrypt(key, data[offset + 24 : offset + 24 + PAGE], number == 1))
        offset += 24 + PAGE
    return out


def forms(text: str) -> set[bytes]:
    variants = {text, text.casefold(), text.upper(), text.lower()}
    return {v.encode(enc) for v in variants for enc in ("utf-8", "utf-16-le", "utf-16-be")}


def traces(db: Path, key: bytes, needles: list[str]) -> dict[str, list[str]]:
    """Which needles are in the decrypted pages of the database and its WAL, and in the
    raw bytes of all three files (-shm holds no page content, only the WAL index)."""
    found: dict[str, list[str]] = {}
    blobs = {
        "db pages": b"".join(db_pages(db, key)),
        "wal pages": b"".join(wal_pages(Path(f"{db}-wal"), key)),
    }
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        blobs[f"raw{suffix or ' db'}"] = path.read_bytes() if path.exists() else b""
    for where, data in blobs.items():
        hits = [n for n in needles if any(f in data for f in forms(n))]
        if hits:
            found[where] = hits
    return found
