"""The bundle file: an age-encrypted container holding a signed manifest and the records.

Outside: the standard age format (``age-encryption.org/v1``), encrypted to the X25519
recipients of the chosen partners (and the sender), or to one scrypt passphrase. So
``age -d -i IDENTITY FILE`` opens a bundle without this app.

Inside (all integers big-endian)::

    magic        8 bytes  b"PPBUNDLE"
    version      u16      FORMAT_VERSION
    manifest     u32 length + UTF-8 JSON (see Manifest)
    signature    u16 length + Ed25519 signature of MANIFEST_CONTEXT + manifest bytes
    records      u64 length + zlib-compressed UTF-8 JSON list of records
    blobs        u64 length + document contents, back to back
    (nothing after)

The manifest names the SHA-256 of the records and blobs sections and the records' size
once decompressed, so the one signature covers everything. Every parser here raises
``BundleError`` and nothing else, whatever the bytes (tests fuzz them with hypothesis).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import pyrage

from panel_app.core.domain.changelog import DELETED, Change
from panel_app.core.errors import BundleError

MAGIC = b"PPBUNDLE"
FORMAT_VERSION = 1
FORMAT_NAME = "partnership-panel-bundle"
AGE_MAGIC = b"age-encryption.org/v1\n"
SUFFIX = ".panelbundle"

MAX_BUNDLE_BYTES = 2 * 1024**3
MAX_MANIFEST_BYTES = 1024**2
MAX_RECORDS_BYTES = 1024**3
MAX_VALUE_CHARS = 10 * 1024**2
WARN_BYTES = 10 * 1000**2  # a common limit of mail attachments

ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
HLC_RE = re.compile(r"^\d{15}\.\d{8}$")
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
SCOPES = ("full", "incremental")
PROTECTIONS = ("recipients", "passphrase")


def damaged(what: str = "") -> BundleError:
    detail = f" ({what})" if what else ""
    return BundleError(
        f"The bundle is damaged or incomplete{detail}. Nothing was changed; ask the sender "
        "to send it again."
    )


# -- the age layer --------------------------------------------------------------------------
def encrypt(inner: bytes, recipients: list[str]) -> bytes:
    try:
        keys = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
        return bytes(pyrage.encrypt(inner, keys))
    except Exception:  # pyrage's own error types
        raise BundleError("A recipient's encryption key is not valid: import their card "
                          "again.") from None


def encrypt_with_passphrase(inner: bytes, passphrase: str) -> bytes:
    return bytes(pyrage.passphrase.encrypt(inner, passphrase))


def _age_header(data: bytes) -> bytes:
    if not data.startswith(AGE_MAGIC):
        raise BundleError("This file is not a Partnership Panel bundle (it is not in the "
                          "encrypted bundle format). Nothing was changed.")
    end = data.find(b"\n---", 0, 64 * 1024)
    if end < 0:
        raise damaged("its encryption header is cut short")
    return data[:end]


def is_passphrase_protected(data: bytes) -> bool:
    return b"\n-> scrypt " in _age_header(data)


def decrypt(data: bytes, identities: list[str]) -> bytes:
    _age_header(data)
    if is_passphrase_protected(data):
        raise BundleError("This bundle is protected by a passphrase: give the passphrase the "
                          "sender told you.")
    try:
        keys = [pyrage.x25519.Identity.from_str(i) for i in identities]
        return bytes(pyrage.decrypt(data, keys))
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise BundleError(
                "This bundle was not encrypted for this installation, so it cannot be opened "
                "here. Ask the sender to make one for your school with your current card. "
                "Nothing was changed."
            ) from None
        raise damaged("it failed its integrity check") from None
    except Exception:
        raise damaged("it failed its integrity check") from None


def decrypt_with_passphrase(data: bytes, passphrase: str) -> bytes:
    _age_header(data)
    if not is_passphrase_protected(data):
        raise BundleError("This bundle is not protected by a passphrase; it opens with this "
                          "installation's key.")
    try:
        return bytes(pyrage.passphrase.decrypt(data, passphrase))
    except Exception:
        raise BundleError("That passphrase does not open this bundle (or the bundle is "
                          "damaged). Check it with the sender; nothing was changed.") from None


# -- the inner container ----------------------------------------------------------------------
@dataclass(frozen=True)
class Container:
    format_version: int
    manifest_bytes: bytes
    signature: bytes
    records: bytes
    blobs: bytes


def pack(manifest_bytes: bytes, signature: bytes, records: bytes, blobs: bytes) -> bytes:
    return b"".join([
        MAGIC,
        struct.pack(">H", FORMAT_VERSION),
        struct.pack(">I", len(manifest_bytes)), manifest_bytes,
        struct.pack(">H", len(signature)), signature,
        struct.pack(">Q", len(records)), records,
        struct.pack(">Q", len(blobs)), blobs,
    ])


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise damaged("it ends too early")
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out

    def number(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        return int(struct.unpack(fmt, self.take(size))[0])


def unpack(inner: bytes) -> Container:
    if not inner.startswith(MAGIC):
        raise BundleError("The decrypted file is not a Partnership Panel bundle. Nothing was "
                          "changed.")
    reader = _Reader(inner)
    reader.take(len(MAGIC))
    version = reader.number(">H")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"This bundle uses bundle format {version}, newer than this app reads "
            f"({FORMAT_VERSION}). Install the latest version of Partnership Panel, then "
            "import it again. Nothing was changed."
        )
    if version < 1:
        raise damaged("its format version is not valid")
    size = reader.number(">I")
    if size > MAX_MANIFEST_BYTES:
        raise damaged("its manifest is too large")
    manifest = reader.take(size)
    signature = reader.take(reader.number(">H"))
    records = reader.take(reader.number(">Q"))
    blobs = reader.take(reader.number(">Q"))
    if reader.pos != len(inner):
        raise damaged("it has unexpected bytes at the end")
    return Container(version, manifest, signature, records, blobs)


# -- the manifest -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Party:
    """A sender or recipient as named in a manifest."""

    installation_id: str  # "" for a passphrase recipient (no card)
    fingerprint: str
    label: str
    seat: str
    school_id: str

    def to_dict(self) -> dict[str, str]:
        return {"installation_id": self.installation_id, "fingerprint": self.fingerprint,
                "label": self.label, "seat": self.seat, "school_id": self.school_id}


@dataclass(frozen=True)
class Prerequisite:
    installation_id: str  # the recipient this applies to
    bundle_id: str
    sequence: int
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"installation_id": self.installation_id, "bundle_id": self.bundle_id,
                "sequence": self.sequence, "created_at": self.created_at}


@dataclass(frozen=True)
class Manifest:
    format_version: int
    bundle_id: str
    sequence: int
    created_at: str
    schema_version: int
    app_version: str
    partnership_id: str
    partnership_name: str
    sender: Party
    recipients: tuple[Party, ...]
    protection: str
    scope: str
    prerequisites: tuple[Prerequisite, ...]
    counts: dict[str, Any]
    records_sha256: str
    records_size: int
    blobs_sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "bundle_id": self.bundle_id,
            "sequence": self.sequence,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "app_version": self.app_version,
            "partnership": {"id": self.partnership_id, "name": self.partnership_name},
            "sender": self.sender.to_dict(),
            "recipients": [r.to_dict() for r in self.recipients],
            "protection": self.protection,
            "scope": self.scope,
            "prerequisites": [p.to_dict() for p in self.prerequisites],
            "counts": self.counts,
            "hashes": {"records_sha256": self.records_sha256, "blobs_sha256": self.blobs_sha256},
            "records_size": self.records_size,
        }

    def prerequisite_for(self, installation_id: str) -> Prerequisite | None:
        return next((p for p in self.prerequisites if p.installation_id == installation_id),
                    None)


def _get(d: Any, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise damaged(f"its manifest has no {what}")
    value = d[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise damaged(f"its manifest's {what} is not valid")
    return value


def _text(d: Any, key: str, what: str, limit: int = 500) -> str:
    value = _get(d, key, str, what)
    if len(value) > limit:
        raise damaged(f"its manifest's {what} is too long")
    return str(value)


def _count(d: Any, key: str, what: str) -> int:
    value = _get(d, key, int, what)
    if value < 0 or value > 2**62:
        raise damaged(f"its manifest's {what} is out of range")
    return int(value)


def _party(d: Any, what: str) -> Party:
    if not isinstance(d, dict):
        raise damaged(f"its manifest's {what} is not valid")
    installation = _text(d, "installation_id", what)
    if installation and not HEX32_RE.match(installation):
        raise damaged(f"its manifest's {what} is not valid")
    return Party(installation, _text(d, "fingerprint", what), _text(d, "label", what),
                 _text(d, "seat", what), _text(d, "school_id", what))


def manifest_sender_id(manifest_bytes: bytes) -> str:
    """Just enough parsing to find whose card verifies the signature."""
    data = _load_json(manifest_bytes, "manifest")
    sender = _get(data, "sender", dict, "sender")
    installation = _text(sender, "installation_id", "sender")
    if not HEX32_RE.match(installation):
        raise damaged("its manifest's sender is not valid")
    return installation


def _load_json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise damaged(f"its {what} is not readable") from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def parse_manifest(manifest_bytes: bytes) -> Manifest:
    data = _load_json(manifest_bytes, "manifest")
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise damaged("its manifest does not say it is a bundle")
    version = _count(data, "format_version", "format version")
    if version > FORMAT_VERSION:
        raise BundleError(
            f"This bundle uses bundle format {version}, newer than this app reads "
            f"({FORMAT_VERSION}). Install the latest version of Partnership Panel."
        )
    partnership = _get(data, "partnership", dict, "partnership")
    recipients = _get(data, "recipients", list, "recipients")
    prereqs = _get(data, "prerequisites", list, "prerequisites")
    hashes = _get(data, "hashes", dict, "hashes")
    counts = _get(data, "counts", dict, "counts")
    if len(recipients) > 500 or len(prereqs) > 500 or len(json.dumps(counts)) > 100_000:
        raise damaged("its manifest is too large")
    protection = _text(data, "protection", "protection")
    scope = _text(data, "scope", "scope")
    if protection not in PROTECTIONS or scope not in SCOPES:
        raise damaged("its manifest's scope is not valid")
    bundle_id = _text(data, "bundle_id", "bundle id")
    if not HEX32_RE.match(bundle_id):
        raise damaged("its manifest's bundle id is not valid")
    prerequisites = []
    for p in prereqs:
        pid = _text(p, "bundle_id", "prerequisite")
        inst = _text(p, "installation_id", "prerequisite")
        if not (HEX32_RE.match(pid) and HEX32_RE.match(inst)):
            raise damaged("its manifest's prerequisite is not valid")
        prerequisites.append(Prerequisite(inst, pid, _count(p, "sequence", "prerequisite"),
                                          _text(p, "created_at", "prerequisite")))
    records_sha = _text(hashes, "records_sha256", "hashes")
    blobs_sha = _text(hashes, "blobs_sha256", "hashes")
    if not (SHA256_RE.match(records_sha) and SHA256_RE.match(blobs_sha)):
        raise damaged("its manifest's hashes are not valid")
    return Manifest(
        format_version=version,
        bundle_id=bundle_id,
        sequence=_count(data, "sequence", "sequence number"),
        created_at=_text(data, "created_at", "creation time"),
        schema_version=_count(data, "schema_version", "schema version"),
        app_version=_text(data, "app_version", "app version"),
        partnership_id=_text(partnership, "id", "partnership"),
        partnership_name=_text(partnership, "name", "partnership"),
        sender=_party(_get(data, "sender", dict, "sender"), "sender"),
        recipients=tuple(_party(r, "recipient") for r in recipients),
        protection=protection,
        scope=scope,
        prerequisites=tuple(prerequisites),
        counts=counts,
        records_sha256=records_sha,
        records_size=_count(data, "records_size", "records size"),
        blobs_sha256=blobs_sha,
    )


def encode_manifest(manifest: Manifest) -> bytes:
    return json.dumps(manifest.to_dict(), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


# -- records --------------------------------------------------------------------------------------
@dataclass
class Record:
    entity: str
    id: str
    row: dict[str, Any] | None  # the sender's current row (None: deleted there)
    changes: list[Change]
    blobs: dict[str, bytes] = field(default_factory=dict)
    blob_refs: dict[str, dict[str, Any]] = field(default_factory=dict)


def compress_records(records: list[dict[str, Any]]) -> tuple[bytes, int]:
    raw = json.dumps(records, separators=(",", ":"), ensure_ascii=False,
                     allow_nan=False).encode()
    return zlib.compress(raw, 6), len(raw)


def _decompress(data: bytes, expected: int) -> bytes:
    if expected > MAX_RECORDS_BYTES:
        raise damaged("its records are too large")
    try:
        d = zlib.decompressobj()
        out = d.decompress(data, expected + 1)
        if d.unconsumed_tail or len(out) != expected or not d.eof or d.unused_data:
            raise damaged("its records are not the size its manifest says")
    except zlib.error:
        raise damaged("its records cannot be unpacked") from None
    return out


def _scalar_ok(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_VALUE_CHARS


def parse_records(container: Container, manifest: Manifest) -> list[Record]:
    """Check the hashes, unpack and check the shape of every record (not yet against the
    database's tables: that is the importer's job)."""
    if hashlib.sha256(container.records).hexdigest() != manifest.records_sha256:
        raise damaged("its records do not match its signed manifest")
    if hashlib.sha256(container.blobs).hexdigest() != manifest.blobs_sha256:
        raise damaged("its documents do not match its signed manifest")
    raw = _decompress(container.records, manifest.records_size)
    data = _load_json(raw, "records")
    if not isinstance(data, list):
        raise damaged("its records are not a list")
    records = []
    seen: set[tuple[str, str]] = set()
    change_ids: set[str] = set()
    for item in data:
        record = _record(item, container.blobs)
        key = (record.entity, record.id)
        if key in seen:
            raise damaged("a record appears twice")
        seen.add(key)
        for c in record.changes:
            if c.change_id in change_ids:
                raise damaged("a change appears twice")
            change_ids.add(c.change_id)
        records.append(record)
    return records


def _record(item: Any, blobs: bytes) -> Record:
    if not isinstance(item, dict) or set(item) != {"entity", "id", "row", "blobs", "changes"}:
        raise damaged("a record is not in the expected shape")
    entity, rid, row = item["entity"], item["id"], item["row"]
    if not (isinstance(entity, str) and NAME_RE.match(entity)):
        raise damaged("a record names no valid kind")
    if not (isinstance(rid, str) and ID_RE.match(rid)):
        raise damaged("a record has no valid id")
    if row is not None:
        if not isinstance(row, dict) or len(row) > 500:
            raise damaged("a record's values are not valid")
        for k, v in row.items():
            if not NAME_RE.match(k) or not _scalar_ok(v):
                raise damaged("a record's values are not valid")
        if row.get("id", rid) != rid:
            raise damaged("a record's id does not match")
    refs = item["blobs"]
    if not isinstance(refs, dict):
        raise damaged("a record's documents are not valid")
    contents: dict[str, bytes] = {}
    for col, ref in refs.items():
        if not (isinstance(col, str) and NAME_RE.match(col) and isinstance(ref, dict)):
            raise damaged("a record's documents are not valid")
        offset, length, digest = ref.get("offset"), ref.get("length"), ref.get("sha256")
        if not (isinstance(offset, int) and isinstance(length, int)
                and not isinstance(offset, bool) and not isinstance(length, bool)
                and offset >= 0 and length >= 0 and offset + length <= len(blobs)
                and isinstance(digest, str)):
            raise damaged("a document is outside the bundle")
        content = blobs[offset : offset + length]
        if hashlib.sha256(content).hexdigest() != digest:
            raise damaged("a document does not match its checksum")
        contents[col] = content
    raw_changes = item["changes"]
    if not isinstance(raw_changes, list):
        raise damaged("a record's history is not valid")
    changes = [_change(c, entity, rid) for c in raw_changes]
    return Record(entity, rid, dict(row) if row is not None else None, changes, contents,
                  {k: dict(v) for k, v in refs.items()})


def _change(c: Any, entity: str, rid: str) -> Change:
    if not (isinstance(c, list) and len(c) == 6 and all(isinstance(x, str) for x in c)):
        raise damaged("a change is not in the expected shape")
    change_id, fld, value, at, hlc, site = c
    if not (ID_RE.match(change_id) and (NAME_RE.match(fld) or fld == DELETED)
            and HLC_RE.match(hlc) and ID_RE.match(site) and len(at) <= 64
            and len(value) <= MAX_VALUE_CHARS):
        raise damaged("a change is not valid")
    try:
        decoded = json.loads(value, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise damaged("a change's value is not readable") from None
    if fld == DELETED:
        if not (decoded is False or decoded is None or (
                isinstance(decoded, dict) and set(decoded) - {"purged"} == {"seen"}
                and decoded.get("purged", True) is True  # a purge (issue 8): scrub it too
                and isinstance(decoded["seen"], list)
                and all(isinstance(s, str) and ID_RE.match(s) for s in decoded["seen"]))):
            raise damaged("a deletion is not valid")
    elif not _scalar_ok(decoded):
        raise damaged("a change's value is not valid")
    return Change(change_id, entity, rid, fld, value, at, hlc, site)
