"""Open an encrypted SQLCipher 4 database and hand it to sqlite-utils.

Order matters: connect -> ``PRAGMA key`` with the raw 256-bit key -> a verifying read
(SQLCipher answers "file is not a database" for a wrong key) -> pragmas -> only then
``sqlite_utils.Database`` (whose constructor already runs a PRAGMA).
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import sqlcipher3
import sqlcipher3.dbapi2 as dbapi2
import sqlite_utils
import sqlite_utils.db
import sqlite_utils.utils

from panel_app.core.errors import NotADatabaseError, PanelError, StorageError, WrongKeyError

KEY_BYTES = 32
LOW_DISK_BYTES = 1024**2  # below this much free space, a disk I/O error is a full disk

# sqlite-utils imports the standard library's sqlite3 (or pysqlite3 when present) and
# catches *its* OperationalError in several places (drop(ignore=True),
# insert(alter=True), ...). sqlcipher3 raises its own classes, which those handlers do
# not catch. Point sqlite-utils at sqlcipher3 so both agree; this process only ever
# opens SQLCipher connections through it. tests/core/test_storage.py keeps a
# regression test for both paths.
sqlite_utils.utils.sqlite3 = dbapi2  # type: ignore[attr-defined]
sqlite_utils.utils.dbapi2 = dbapi2  # type: ignore[attr-defined]
sqlite_utils.utils.OperationalError = dbapi2.OperationalError  # type: ignore[attr-defined,misc,unused-ignore]
sqlite_utils.db.sqlite3 = dbapi2  # type: ignore[attr-defined]
sqlite_utils.db.OperationalError = dbapi2.OperationalError  # type: ignore[attr-defined,misc,unused-ignore]

DatabaseError = dbapi2.DatabaseError
OperationalError = dbapi2.OperationalError
IntegrityError = dbapi2.IntegrityError


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("the data key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(path: Path, key: bytes, *, create: bool = False) -> Any:
    """A keyed, verified sqlcipher3 connection (not yet wrapped)."""
    path = Path(path)
    if not create and not path.exists():
        raise NotADatabaseError(f"There is no database at {path}.")
    if not create and path.is_file() and path.stat().st_size == 0:
        # SQLCipher would treat an empty file as a new database and write to it.
        raise NotADatabaseError(
            f"{path.name} is empty, so it is not a Partnership Panel database (perhaps a "
            "copy that did not finish). Restore it from your backup; it was not changed."
        )
    if not create and path.is_file():
        with open(path, "rb") as handle:
            if handle.read(16) == b"SQLite format 3\x00":
                raise NotADatabaseError(
                    f"{path.name} is an ordinary unencrypted database file, not a Partnership "
                    "Panel database. Open the .panel file that was created with the app."
                )
    try:
        conn = sqlcipher3.connect(str(path), check_same_thread=False)
    except dbapi2.OperationalError as exc:
        raise StorageError(
            f"Cannot open {path}: {exc}. Check the folder exists and is writable."
        ) from None
    _key_and_verify(conn, key, path,
                    "This database could not be unlocked with that key. If the key file "
                    "belongs to another database, use the recovery key; the file itself "
                    "was not changed.")
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA secure_delete = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageError(f"Could not switch {path.name} to WAL mode (got {mode}).")
        conn.execute("PRAGMA synchronous = NORMAL")
    except dbapi2.DatabaseError as exc:
        conn.close()
        raise storage_error(exc, path) from None
    return conn


def _key_and_verify(conn: Any, key: bytes, path: Path, wrong_key: str) -> None:
    """Key ``conn`` and read page 1 through it: ``WrongKeyError(wrong_key)`` when the key
    does not decrypt it, the connection closed on any failure."""
    try:
        # A wrong key is an ordinary event (the user is told plainly): keep SQLCipher's
        # own "hmac check failed" log lines off stderr.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(key))
        # Verifying read: decrypts page 1 or fails.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise WrongKeyError(wrong_key) from None
        raise unreadable(exc, path) from None


def open_read_only(path: Path, key: bytes) -> Any:
    """A keyed, verified, read-only sqlcipher3 connection to a copy (a backup): nothing is
    written to the file, not even a journal mode. ``WrongKeyError`` when ``key`` does not
    open it; ``NotADatabaseError`` when it cannot be read at all."""
    path = Path(path)
    if not path.is_file():
        raise NotADatabaseError(f"There is no database at {path}.")
    try:
        conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                  check_same_thread=False)
    except dbapi2.DatabaseError as exc:
        raise unreadable(exc, path) from None
    _key_and_verify(conn, key, path, f"{path.name} does not open with this partnership's key.")
    return conn


def open_database(path: Path, key: bytes, *, create: bool = False) -> sqlite_utils.Database:
    conn = connect_raw(path, key, create=create)
    return sqlite_utils.Database(conn, execute_plugins=False)


def _damaged(text: str) -> bool:
    return "malformed" in text or "corrupt" in text


def _disk_full(exc: BaseException, path: Path | None) -> bool:
    """SQLite reports a full disk as "database or disk is full", or, when not even the
    WAL or shared-memory file can be made, as a "disk I/O error"."""
    text = str(exc).lower()
    if "full" in text or getattr(exc, "errno", None) == errno.ENOSPC:
        return True
    if "disk i/o error" in text and path is not None:
        try:
            return shutil.disk_usage(Path(path).parent).free < LOW_DISK_BYTES
        except OSError:
            return False
    return False


def damaged_error(path: Path | None = None) -> NotADatabaseError:
    name = path.name if path else "The partnership file"
    return NotADatabaseError(
        f"{name} is damaged (part of it cannot be read), so nothing was changed. Restore "
        "it from your latest backup ('panel-app doctor' checks a copy), or ask IT to "
        "recover the file."
    )


def damaged_advice(path: Path) -> str:
    """What to do about a damaged partnership file, as ``doctor`` says it."""
    return (
        f"{path.name} is damaged: part of it cannot be read. Keep the file as it is and stop "
        f"using it. Restore your latest backup in its place (a copy written by 'panel-app "
        f"backup', or {path.name}.schema-vN.bak beside it if the app has upgraded the file; "
        "both open with the same key file) and run 'panel-app doctor' again; if no backup "
        "opens, or recent work is missing, contact your IT support with this report."
    )


def unreadable(exc: BaseException, path: Path) -> PanelError:
    """The error for a database file that would not open or read."""
    if _disk_full(exc, path):
        return StorageError(
            f"The disk holding {path.name} is full, so it cannot be opened: free some space "
            "and try again. The file was not changed."
        )
    if _damaged(str(exc).lower()):
        return damaged_error(path)
    return NotADatabaseError(f"{path.name} could not be read ({exc}): check that it is a "
                             "Partnership Panel database, or restore it from your backup.")


def database_error(exc: BaseException, path: Path | None = None) -> PanelError:
    """A plain error for a SQLCipher error met while using an open database."""
    if _damaged(str(exc).lower()):
        return damaged_error(path)
    return storage_error(exc, path)


def _read_only(text: str) -> bool:
    return "readonly" in text or "read-only" in text


def can_write(path: Path) -> bool:
    """Whether this process may write the database file and the ``-wal`` and ``-shm``
    files beside it (a new one in its folder, or the ones already there). ``os.access``
    answers for the file's mode and owner and for a read-only disk or share alike."""
    path = Path(path)
    try:
        if not path.is_file() or not os.access(path, os.W_OK):
            return False
        if os.access(path.parent, os.W_OK | os.X_OK):
            return True
        return all(os.access(Path(f"{path}{suffix}"), os.W_OK) for suffix in ("-wal", "-shm"))
    except OSError:
        return False


def probe_damage(conn: Any) -> bool:
    """Whether a page of the open database fails SQLCipher's check. After a page fails it
    while being read, SQLCipher refuses every write on that connection and SQLite reports
    "attempt to write a readonly database", however writable the file is: this tells the
    two apart. Reads every page, so it is only for when a write has already failed."""
    try:
        return bool(conn.execute("PRAGMA cipher_integrity_check").fetchall())
    except DatabaseError:
        return True


def _not_writable_error(path: Path | None, where: str, damaged: bool | None) -> StorageError:
    """A write refused as "readonly": a damaged page, or the file's permissions."""
    if damaged:
        return StorageError(
            f"The database{where} is damaged (part of it cannot be read), so it cannot be "
            "written to: nothing was saved. Run 'panel-app doctor' to see what is damaged, "
            "then restore it from your latest backup."
        )
    if path is None or not can_write(path):
        return StorageError(
            f"The database{where} is read-only: nothing was saved. Check the file's "
            "permissions or copy it to a writable folder."
        )
    maybe = "" if damaged is False else ", or be damaged"
    return StorageError(
        f"The database{where} could not be written, though its file and folder can be (it "
        f"may have been moved or replaced while open{maybe}): nothing was saved. Close it "
        "and open it again; 'panel-app doctor' checks it."
    )


def storage_error(exc: BaseException, path: Path | None = None, *,
                  damaged: bool | None = None) -> StorageError:
    """The plain error for a SQLCipher error met while writing. ``damaged`` is what
    ``probe_damage`` found when the caller could look (None: not looked): it tells a write
    refused because a page is damaged from a file that is read-only."""
    text = str(exc).lower()
    where = f" ({path.name})" if path else ""
    if _disk_full(exc, path):
        return StorageError(
            f"The disk is full{where}: nothing was saved. Free some space and try again."
        )
    if _damaged(text):
        return StorageError(
            f"The database{where} is damaged (part of it cannot be read): nothing was saved. "
            "Restore it from your latest backup, or ask IT to recover the file."
        )
    if _read_only(text):
        return _not_writable_error(path, where, damaged)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"The database{where} is in use by another program: close it and try again."
        )
    return StorageError(f"Could not write to the database{where}: {exc}")


def write_error(exc: BaseException, conn: Any, path: Path) -> StorageError:
    """``storage_error`` for a write on the open connection ``conn`` to ``path``: a write
    refused as read-only although the file can be written is probed for a damaged page."""
    damaged = None
    if _read_only(str(exc).lower()) and can_write(path):
        damaged = probe_damage(conn)
    return storage_error(exc, path, damaged=damaged)


def cipher_settings(db: sqlite_utils.Database) -> dict[str, str]:
    out: dict[str, str] = {}
    for pragma in ("cipher_version", "cipher_provider", "cipher_provider_version"):
        row = db.execute(f"PRAGMA {pragma}").fetchone()
        out[pragma] = str(row[0]) if row else ""
    for pragma in ("cipher_page_size", "kdf_iter", "cipher_hmac_algorithm",
                   "cipher_kdf_algorithm", "journal_mode", "foreign_keys", "temp_store"):
        row = db.execute(f"PRAGMA {pragma}").fetchone()
        out[pragma] = str(row[0]) if row else ""
    return out


def engine_versions() -> dict[str, str]:
    """SQLCipher, its crypto provider and SQLite as this process has them, read from a
    throwaway in-memory connection under a random key: no partnership needs to be open."""
    conn = sqlcipher3.connect(":memory:")
    try:
        conn.execute(_key_pragma(os.urandom(KEY_BYTES)))  # the provider answers once keyed

        def one(sql: str) -> str:
            row = conn.execute(sql).fetchone()
            return str(row[0]) if row else ""

        return {"sqlcipher": one("PRAGMA cipher_version"),
                "cipher_provider": one("PRAGMA cipher_provider_version"),
                "sqlite": one("SELECT sqlite_version()")}
    finally:
        conn.close()


def _whole(conn: Any) -> bool:
    """Whether a freshly written copy reads back as a sound database (``quick_check``:
    every page and b-tree, not the index contents)."""
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except dbapi2.DatabaseError as exc:
        if _damaged(str(exc).lower()):
            return False
        raise
    return [tuple(r) for r in rows] == [("ok",)]


def encrypted_copy(db: sqlite_utils.Database, target: Path, key: bytes) -> Path:
    """Write an encrypted copy of the live database with the SQLite backup API.

    The copy is keyed with the same data key, written to a temporary name, fsynced and
    moved into place, so a crash never leaves a half-written backup under the final name.
    """
    target = Path(target)
    live = next((Path(r[2]) for r in db.conn.execute("PRAGMA database_list")
                 if r[1] == "main" and r[2]), None)
    if live is not None and target.resolve() in {
        Path(f"{live}{suffix}").resolve() for suffix in ("", "-wal", "-shm", "-journal", ".key")
    }:
        # os.replace over the open database (or its key file) would lose data.
        raise StorageError(
            f"A backup cannot be written over {target.name}, which the open database "
            "uses: choose another file name."
        )
    tmp = target.with_name(target.name + ".partial")
    for leftover in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        leftover.unlink(missing_ok=True)
    try:
        dest = sqlcipher3.connect(str(tmp))
    except dbapi2.DatabaseError:  # a folder that is missing or not writable
        raise StorageError(
            f"Could not write {target.name}: check that the folder {target.parent} exists "
            "and is writable."
        ) from None
    try:
        dest.execute(_key_pragma(key))
        db.conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
        dest.commit()
        whole = _whole(dest)
    except dbapi2.DatabaseError as exc:
        dest.close()
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, target) from None
    dest.close()
    if not whole:
        # A page of the live file failed its check: the backup API copies it as garbage
        # without a word, and the copy must not replace a good backup of the same name.
        tmp.unlink(missing_ok=True)
        name = live.name if live is not None else "The partnership file"
        raise StorageError(
            f"{name} is damaged (part of it cannot be read), so a copy of it would be "
            f"damaged too: nothing was written to {target.name} (a backup already there is "
            "kept). Run 'panel-app doctor' to see what is damaged, then restore it from your "
            "latest backup."
        )
    try:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(
            f"Could not write {target.name}: {exc.strerror or exc}. Choose another place."
        ) from None
    return target
