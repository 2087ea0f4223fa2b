"""Files that leave the encrypted database: how the facade says so.

Every facade method that writes (or returns, for the caller to write) a plaintext file
is marked with ``plaintext_export(kind)``; its dialog in the GUI looks the mark up with
``leaves_encryption(method)`` and shows ``LEAVES_ENCRYPTION`` before saving. Methods that
write the files themselves return ``PlaintextFile`` records carrying the same notice. Each
such export is recorded in the audit trail by the method itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

LEAVES_ENCRYPTION = (
    "This file is not encrypted: once saved it is outside the protection of the "
    "partnership database. Save it only to an encrypted drive, send it only by a secure "
    "route, and delete it when it is no longer needed. The export is recorded in the "
    "audit trail."
)

F = TypeVar("F", bound=Callable[..., Any])


def plaintext_export(kind: str) -> Callable[[F], F]:
    """Mark a facade method as producing a plaintext file of ``kind``."""

    def mark(fn: F) -> F:
        setattr(fn, "plaintext_export", kind)  # noqa: B010 (a function attribute)
        setattr(fn, "leaves_encryption", LEAVES_ENCRYPTION)  # noqa: B010
        return fn

    return mark


def leaves_encryption(method: Any) -> str | None:
    """The notice to show before ``method`` writes a file, or None if its output stays
    encrypted."""
    return getattr(getattr(method, "__func__", method), "leaves_encryption", None)


@dataclass(frozen=True)
class PlaintextFile:
    """A file written outside the encrypted database."""

    path: Path
    kind: str
    size: int
    notice: str = LEAVES_ENCRYPTION
    encrypted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "size": self.size,
                "encrypted": self.encrypted, "notice": self.notice}
