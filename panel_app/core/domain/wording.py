"""Counts in words, as the app's messages say them: '1 new case', '3 new cases'."""

from __future__ import annotations


def plural(count: int, word: str, many: str = "") -> str:
    """``count`` and ``word``, made plural unless the count is one (``many``: the plural
    when it is not ``word`` + 's', e.g. 'entries')."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
