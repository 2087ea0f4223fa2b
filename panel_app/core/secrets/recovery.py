"""Recovery keys: 160 random bits written as 8 groups of 4 characters a person can type.

The alphabet is Crockford's base32 (no I, L, O or U), and reading is forgiving: case,
spaces and dashes are ignored and the look-alikes O/I/L are read as 0/1/1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
GROUPS = 8
GROUP_LEN = 4
BITS = GROUPS * GROUP_LEN * 5  # 160


def new_recovery_key() -> str:
    value = secrets.randbits(BITS)
    chars = []
    for _ in range(GROUPS * GROUP_LEN):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    text = "".join(reversed(chars))
    return "-".join(text[i : i + GROUP_LEN] for i in range(0, len(text), GROUP_LEN))


def normalise_recovery_key(text: str) -> str:
    """Canonical form of a typed recovery key; ValueError with a plain message if invalid."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != GROUPS * GROUP_LEN:
        raise ValueError(
            f"A recovery key has {GROUPS * GROUP_LEN} letters and digits "
            f"({GROUPS} groups of {GROUP_LEN}); this one has {len(cleaned)}."
        )
    bad = sorted({ch for ch in cleaned if ch not in ALPHABET})
    if bad:
        raise ValueError(f"A recovery key never contains {', '.join(bad)}: check the typing.")
    return "-".join(cleaned[i : i + GROUP_LEN] for i in range(0, len(cleaned), GROUP_LEN))
