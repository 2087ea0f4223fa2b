"""An installation's keys, its short fingerprint and its signed contact card.

Each installation has an age X25519 key pair (bundles are encrypted to its recipient
``age1...``) and an Ed25519 key pair (it signs the manifests of the bundles it makes).
Both private keys live only inside the encrypted database.

The fingerprint is a hash of both public keys (100 bits), written as five groups of four
characters in Crockford's base32 (no I, L, O or U; when typed back, O counts as 0 and I or
L as 1): short enough to read out over the phone to check that a card really came from
the partner it names.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from panel_app.core.errors import BundleError

FINGERPRINT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
FINGERPRINT_GROUPS = 5
CARD_FORMAT = "partnership-panel-card"
CARD_VERSION = 1
MAX_CARD_BYTES = 64 * 1024
# Domain separation: a card signature can never pass as a bundle signature, or back.
CARD_CONTEXT = b"partnership-panel card v1\n"
MANIFEST_CONTEXT = b"partnership-panel bundle manifest v1\n"

SEATS = ("school", "panel", "")  # "" = not yet assigned to a school or the panel
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class KeyPairs:
    """Secret material: never logged, never written outside the encrypted database
    (except by the explicit 'export the age identity' recovery step)."""

    age_identity: str
    age_recipient: str
    sign_private: bytes
    sign_public: bytes

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"KeyPairs(age_recipient={self.age_recipient!r})"


def generate_keys() -> KeyPairs:
    age_id = pyrage.x25519.Identity.generate()
    signer = Ed25519PrivateKey.generate()
    return KeyPairs(
        age_identity=str(age_id),
        age_recipient=str(age_id.to_public()),
        sign_private=signer.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()),
        sign_public=signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
    )


def fingerprint(age_recipient: str, sign_public: bytes) -> str:
    digest = hashlib.sha256(
        b"partnership-panel fingerprint v1\0" + age_recipient.encode() + b"\0" + sign_public
    ).digest()
    bits = int.from_bytes(digest, "big")
    chars = []
    for i in range(FINGERPRINT_GROUPS * 4):
        chars.append(FINGERPRINT_ALPHABET[(bits >> (256 - 5 * (i + 1))) & 31])
    return "-".join("".join(chars[i : i + 4]) for i in range(0, len(chars), 4))


def normalise_fingerprint(text: str) -> str:
    """Accept a fingerprint typed with spaces, no dashes or in lower case."""
    raw = re.sub(r"[\s\-]", "", text).upper().translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def sign(private: bytes, context: bytes, data: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).sign(context + data)


def verify(public: bytes, context: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, context + data)
    except (InvalidSignature, ValueError):
        return False
    return True


def valid_age_recipient(text: str) -> bool:
    try:
        pyrage.x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises its own RecipientError or ValueError
        return False
    return True


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Card:
    """What one installation tells the others about itself."""

    installation_id: str
    label: str
    seat: str
    school_id: str
    school_name: str
    school_urn: str
    partnership_id: str
    partnership_name: str
    age_recipient: str
    sign_public: bytes
    issued_at: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.age_recipient, self.sign_public)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sign_public"] = base64.b64encode(self.sign_public).decode()
        return d


_CARD_TEXT_FIELDS = ("installation_id", "label", "seat", "school_id", "school_name",
                     "school_urn", "partnership_id", "partnership_name", "age_recipient",
                     "issued_at")


def encode_card(card: Card, sign_private: bytes) -> bytes:
    body = card.to_dict()
    signature = sign(sign_private, CARD_CONTEXT, canonical_json(body))
    doc = {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "card": body,
        "fingerprint": card.fingerprint,
        "signature": base64.b64encode(signature).decode(),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _not_a_card(why: str) -> BundleError:
    return BundleError(f"This is not a valid Partnership Panel contact card ({why}). Ask the "
                       "partner to export their card again; nothing was changed.")


def decode_card(data: bytes) -> Card:
    """Parse a card file and check that it is signed by the key it carries (it proves the
    sender holds that key; that the key is the partner's is what the fingerprint is for)."""
    if len(data) > MAX_CARD_BYTES:
        raise _not_a_card("the file is too large")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _not_a_card("it is not readable text") from None
    if not isinstance(doc, dict) or doc.get("format") != CARD_FORMAT:
        raise _not_a_card("it does not say it is a card")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _not_a_card("it has no version")
    if version > CARD_VERSION:
        raise BundleError("This card was made by a newer version of Partnership Panel: install "
                          "the latest version, then import it again.")
    body = doc.get("card")
    if not isinstance(body, dict) or set(body) != {*_CARD_TEXT_FIELDS, "sign_public"}:
        raise _not_a_card("its fields are not the expected ones")
    if not all(isinstance(body[k], str) and len(body[k]) <= 500 for k in body):
        raise _not_a_card("a field is not text")
    try:
        sign_public = base64.b64decode(body["sign_public"], validate=True)
        signature = base64.b64decode(str(doc.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        raise _not_a_card("a key is not readable") from None
    if len(sign_public) != 32 or len(signature) != 64:
        raise _not_a_card("a key has the wrong length")
    if not _ID.match(body["installation_id"]) or body["seat"] not in SEATS:
        raise _not_a_card("its installation or seat is not valid")
    if not valid_age_recipient(body["age_recipient"]):
        raise _not_a_card("its encryption key is not valid")
    if not verify(sign_public, CARD_CONTEXT, canonical_json(body), signature):
        raise BundleError("This card's signature does not match its keys: it was altered after "
                          "it was made. Ask the partner to export their card again.")
    fields = {k: body[k] for k in _CARD_TEXT_FIELDS}
    return Card(sign_public=sign_public, **fields)
