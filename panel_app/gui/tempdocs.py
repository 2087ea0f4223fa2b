"""Decrypted copies of case documents, opened with the system viewer.

They live in one private folder (mode 0700, files 0600) that is deleted when the case
form closes (its own files), on lock and at exit (everything). A viewer that still
holds a file open on Windows can stop a delete; that is retried at the next clear.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_name(filename: str) -> str:
    name = _UNSAFE.sub("_", Path(filename).name).strip(" .") or "document"
    return name[:120]


class TempDocuments:
    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self._root: Path | None = None
        self._owned: dict[str, list[Path]] = {}

    @property
    def root(self) -> Path | None:
        return self._root

    def _ensure_root(self) -> Path:
        if self._root is None or not self._root.is_dir():
            self._root = Path(tempfile.mkdtemp(prefix="panel-app-docs-",
                                               dir=str(self._base) if self._base else None))
            os.chmod(self._root, stat.S_IRWXU)
        return self._root

    def write(self, owner: str, filename: str, content: bytes) -> Path:
        """Write a decrypted copy for ``owner`` (a dialog's id) and return its path."""
        folder = Path(tempfile.mkdtemp(dir=self._ensure_root()))
        os.chmod(folder, stat.S_IRWXU)
        path = folder / safe_name(filename)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        self._owned.setdefault(owner, []).append(folder)
        return path

    def files(self, owner: str | None = None) -> list[Path]:
        folders = (self._owned.get(owner, []) if owner is not None
                   else [f for fs in self._owned.values() for f in fs])
        return [p for f in folders if f.is_dir() for p in f.iterdir()]

    def clear(self, owner: str | None = None) -> None:
        """Delete ``owner``'s copies, or every copy and the private folder."""
        owners = [owner] if owner is not None else list(self._owned)
        for name in owners:
            for folder in self._owned.pop(name, []):
                shutil.rmtree(folder, ignore_errors=True)
        if owner is None and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            if not self._root.exists():
                self._root = None
