"""Unique Pupil Number (UPN) validation, including the DfE check letter.

A UPN has 13 characters: a check letter, a 3-digit LA number, a 4-digit DfE
establishment number, a 2-digit year of allocation and a 3-character serial whose
last character is a letter for a temporary UPN. The check letter is the weighted
sum of characters 2-13 (weights 2..13) modulo 23, mapped onto the 23 letters
below; a letter in position 13 counts as its position in the same alphabet.
"""

from __future__ import annotations

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
DIGITS = "0123456789"  # ASCII only: str.isdigit() also accepts "²" and "٣"


def normalise_upn(raw: str) -> str:
    return "".join(raw.split()).upper()


def check_letter(body: str) -> str:
    """Check letter for the 12 characters after it (positions 2-13)."""
    if len(body) != 12:
        raise ValueError("a UPN body has 12 characters")
    total = 0
    for weight, char in enumerate(body, start=2):
        if char in DIGITS:
            value = int(char)
        elif char in CHECK_LETTERS:
            value = CHECK_LETTERS.index(char)
        else:
            raise ValueError(f"character {char!r} cannot appear in a UPN")
        total += weight * value
    return CHECK_LETTERS[total % 23]


def upn_problem(raw: str) -> str | None:
    """None when ``raw`` is a valid UPN, else a sentence saying what is wrong."""
    upn = normalise_upn(raw)
    if len(upn) != 13:
        return f"A UPN has 13 characters; this one has {len(upn)}."
    if upn[0] not in CHECK_LETTERS:
        return "A UPN starts with its check letter (A-Z, not I, O or S)."
    if not all(ch in DIGITS for ch in upn[1:12]):
        return "Characters 2 to 12 of a UPN are digits."
    last = upn[12]
    if not (last in DIGITS or last in CHECK_LETTERS):
        return "The last character of a UPN is a digit or, for a temporary UPN, a letter."
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        return "The check letter does not match: please re-type the UPN from the MIS."
    return None


def is_valid_upn(raw: str) -> bool:
    return upn_problem(raw) is None


def make_upn(la: int, establishment: int, year: int, serial: int) -> str:
    """Build a valid (permanent) UPN; used for generated demo and test pupils."""
    body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
