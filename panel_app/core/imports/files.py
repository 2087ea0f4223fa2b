"""Checks on a file before an import reads it: it exists, it is not too large, it is the
kind of file expected (not a workbook, a PDF or another binary file), and its text
encoding (UTF-8 with or without a byte-order mark, UTF-16 with one, else Windows-1252
with a note saying so).

Every refusal is an ``ImportFileError`` whose message says what to do; nothing is read
beyond the size limit and nothing is stored.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from panel_app.core.errors import PanelError

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # an MIS export of a whole school is a few MB
CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
CTF_SUFFIXES = frozenset({".xml", ".ctf"})  # what the import dialog offers; XML inside
CP1252_NOTE = ("The file is not UTF-8, so it was read as Windows-1252 (Western European), "
               "the encoding older MIS exports and Excel use: check names with accents in "
               "the preview. Saving the export as 'CSV UTF-8' avoids this.")

_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel or Word file"),
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a picture"),
    (b"\xff\xd8\xff", "a picture"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"SQLite format 3", "a database"),
)


class ImportFileError(PanelError):
    """The file cannot be imported (too large, wrong kind, unreadable); nothing stored."""


@dataclass(frozen=True)
class ImportFile:
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _what_it_is(head: bytes) -> str | None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    return None


def _expected(kind: str) -> tuple[frozenset[str], str]:
    if kind == "ctf":
        return CTF_SUFFIXES, ("a Common Transfer File (.xml): export the CTF from the MIS "
                              "and import that")
    return CSV_SUFFIXES, ("a CSV file: save the MIS report or spreadsheet as 'CSV UTF-8 "
                          "(comma delimited)' and import that")


def check_content(name: str, data: bytes, kind: str,
                  max_bytes: int = MAX_IMPORT_BYTES) -> ImportFile:
    """Refuse data that is too large, empty or plainly not a CSV (``kind='csv'``) or an
    XML file (``kind='ctf'``)."""
    suffixes, advice = _expected(kind)
    if len(data) > max_bytes:
        raise ImportFileError(
            f"{name} is {_megabytes(len(data))}, over the {_megabytes(max_bytes)} limit for "
            "an import: export fewer pupils or columns (one year group at a time) and "
            "import each file.")
    if not data.strip():
        raise ImportFileError(f"{name} is empty: export the report again and import it.")
    what = _what_it_is(data[:16])
    if what is not None:
        raise ImportFileError(f"{name} is {what}, not {advice}.")
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise ImportFileError(f"{name} is not {advice}.")
    return ImportFile(name, data)


def read_import_file(path: Path, kind: str, max_bytes: int = MAX_IMPORT_BYTES) -> ImportFile:
    """Read a file to import: refused before reading when it is larger than ``max_bytes``."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"There is no file {path.name} in {path.parent}: check the "
                              "name and the folder.")
    if not path.is_file():
        raise ImportFileError(f"{path.name} is a folder, not a file: choose the exported "
                              "file itself.")
    size = path.stat().st_size
    if size > max_bytes:  # refused from its size alone: a 50 MB file is never read
        raise ImportFileError(
            f"{path.name} is {_megabytes(size)}, over the {_megabytes(max_bytes)} limit for "
            "an import: export fewer pupils or columns (one year group at a time) and "
            "import each file.")
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ImportFileError(f"{path.name} could not be read ({exc.strerror or 'error'}): "
                              "check that it is not open in another program.") from None
    return check_content(path.name, data, kind, max_bytes)


def decode_text(name: str, data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, notes) of a CSV file's bytes. UTF-8 (a byte-order mark is
    dropped) or UTF-16 with a byte-order mark; otherwise Windows-1252, with a note."""
    notes: list[str] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(f"{name} says it is UTF-16 text but is damaged: export it "
                                  "again as 'CSV UTF-8'.") from None
    elif data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(f"{name} says it is UTF-8 text but contains bytes that are "
                                  "not: export it again as 'CSV UTF-8'.") from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{name} is not text in an encoding this import reads (UTF-8 or "
                    "Windows-1252): save it as 'CSV UTF-8' from Excel or the MIS and import "
                    "it again.") from None
            notes.append(CP1252_NOTE)
    if "\x00" in text:
        raise ImportFileError(f"{name} contains binary data, so it is not a CSV file: save "
                              "the report as 'CSV UTF-8 (comma delimited)' and import that.")
    return text, encoding, notes
