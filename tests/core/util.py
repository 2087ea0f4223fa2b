"""Small helpers shared by the core tests (no fixtures here: see tests/conftest.py)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

from panel_app.core.domain.upn import make_upn

SQLITE_HEADER = b"SQLite format 3\x00"

# Words that give away a raw library error, a traceback or a Python repr.
_NOT_PLAIN = ("sqlite", "sqlcipher", "traceback", "errno", "keyerror", "valueerror",
              "operationalerror", "integrityerror", "invalid literal", "nonetype", "b'", "\\x")


def assert_plain(message: str) -> None:
    """A message fit for a user: one line, a sentence, no library or Python internals."""
    assert message.strip(), "empty message"
    assert "\n" not in message, message
    lowered = message.lower()
    for word in _NOT_PLAIN:
        assert word not in lowered, f"{word!r} in {message!r}"


def digest(path: Path) -> str | None:
    """SHA-256 of a file, or None when it does not exist."""
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def companions(db: Path) -> list[Path]:
    """The database file, its WAL and shared-memory files and its key file."""
    return [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm", ".key")]


def snapshot(db: Path) -> dict[str, str | None]:
    return {p.name: digest(p) for p in companions(db)}


def dob_for_year(year_group: int, today: date = date(2026, 11, 22)) -> date:
    """A date of birth that puts a pupil in ``year_group`` on ``today`` (1 December)."""
    start = today.year if today.month >= 9 else today.year - 1
    return date(start - year_group - 5, 12, 1)


def case_values(first: str, last: str, *, year: int = 9, school: str = "Oakfield Academy",
                serial: int = 1, **extra: Any) -> dict[str, Any]:
    """Form values for a valid case; ``extra`` overrides or adds fields."""
    values: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "dob": dob_for_year(year).strftime("%d/%m/%Y"),
        "upn": make_upn(823, 4100, 2014, serial),
        "year_group": f"Y{year}",
        "home_school_id": school,
    }
    values.update(extra)
    return values
