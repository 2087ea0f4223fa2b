"""Encrypted backups of a partnership file: where they are, whether one holds given
records, and removing one for good.

Two kinds of backup are made by the app, both encrypted with the partnership's data key:
``NAME.panel.schema-vN.bak`` beside the file (before each schema migration) and the
copies written by ``session.backup(target)`` (anywhere: a USB stick, a network share),
whose paths are remembered in this installation's ``meta`` table (``backups``; local, never
in a bundle). A purge uses this to offer the removal of older backups that still hold
what it removed. Copies made outside the app (a file copied by hand, the computer's own
backup) are not known here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from panel_app.core.errors import PanelError
from panel_app.core.storage.connection import DatabaseError, open_read_only

META_KEY = "backups"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_CHUNK = 500
_WRITE = 1 << 20


def recorded(conn: Any) -> list[dict[str, str]]:
    """The backups this installation wrote (``{"path", "at"}``), oldest first."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    try:
        items = json.loads(row[0]) if row and row[0] else []
    except ValueError:
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("path"), str)]


def _store(conn: Any, items: list[dict[str, str]]) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                 "SET value = excluded.value", (META_KEY, json.dumps(items, sort_keys=True)))


def remember(conn: Any, path: Path, at: datetime) -> None:
    """Record a backup just written (inside the caller's write transaction)."""
    where = str(Path(path).resolve())
    items = [i for i in recorded(conn) if i["path"] != where]
    items.append({"path": where, "at": at.isoformat(timespec="seconds")})
    _store(conn, items)


def forget(conn: Any, paths: Iterable[str]) -> None:
    """Drop removed backups from the record (inside the caller's write transaction)."""
    gone = {str(p) for p in paths}
    _store(conn, [i for i in recorded(conn) if i["path"] not in gone])


def migration_backups(db_path: Path) -> list[Path]:
    """``NAME.panel.schema-vN.bak`` beside the file."""
    db_path = Path(db_path)
    return sorted(p for p in db_path.parent.glob(f"{db_path.name}.schema-v*.bak")
                  if p.is_file())


def candidates(db_path: Path, conn: Any) -> tuple[list[Path], list[Path]]:
    """(present, missing): the migration backups and the recorded backups that exist, and
    the recorded ones that cannot be found now (a USB stick not plugged in, a file moved
    or deleted)."""
    live = {Path(f"{Path(db_path).resolve()}{s}") for s in ("", *_SIDE_FILES, ".key")}
    present: dict[Path, None] = dict.fromkeys(p.resolve() for p in migration_backups(db_path))
    missing: list[Path] = []
    for item in recorded(conn):
        path = Path(item["path"])
        if path in live:
            continue
        if path.is_file():
            present.setdefault(path, None)
        else:
            missing.append(path)
    return list(present), missing


def holds_records(path: Path, key: bytes, ids: Collection[str]) -> bool | None:
    """Whether the backup at ``path`` holds any of the records ``ids`` (a row, or an
    entry in its change log); None when it does not open with ``key`` or cannot be read
    (then it is not this partnership's backup, or not one the app can check)."""
    try:
        conn = open_read_only(path, key)
    except PanelError:
        return None
    try:
        wanted = sorted(set(ids))
        tables = [str(r[0]) for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i:i + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            if "changes" in tables and conn.execute(
                    f"SELECT 1 FROM changes WHERE entity_id IN ({marks}) LIMIT 1",
                    chunk).fetchone():
                return True
            for table in tables:
                columns = {str(c[1]) for c in conn.execute(f"PRAGMA table_info('{table}')")}
                if "id" in columns and conn.execute(
                        f"SELECT 1 FROM \"{table}\" WHERE id IN ({marks}) LIMIT 1",
                        chunk).fetchone():
                    return True
        return False
    except DatabaseError:
        return None
    finally:
        conn.close()


def remove_for_good(path: Path) -> None:
    """Overwrite the file (and any journal beside it) with random bytes, flush it to the
    disk, then delete it. On an SSD or a copy-on-write or journalling file system the
    old blocks may survive the overwrite; they are still encrypted with the data key.
    Raises OSError when the file cannot be overwritten or removed."""
    path = Path(path)
    for target in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        if not target.is_file():
            continue
        size = target.stat().st_size
        with open(target, "r+b", buffering=0) as handle:
            left = size
            while left > 0:
                n = min(left, _WRITE)
                handle.write(os.urandom(n))
                left -= n
            os.fsync(handle.fileno())
        target.unlink()
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
