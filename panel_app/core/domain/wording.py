"""Counts in words, as the app's messages say them: '1 new case', '3 new cases'."""

from __future__ import annotations

from typing import Any


def plural(count: int, word: str, many: str = "") -> str:
    """``count`` and ``word``, made plural unless the count is one (``many``: the plural
    when it is not ``word`` + 's', e.g. 'entries')."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def bundle_contents(entry: dict[str, Any]) -> str:
    """What a bundle in the history held (sent) or changed here (received), in words:
    records sent are not comparable with changes received, so each says its own."""
    counts = entry.get("counts") or {}
    if entry["direction"] == "sent":
        text = plural(sum((counts.get("records") or {}).values()), "record")
        if counts.get("documents"):
            text += ", " + plural(counts["documents"], "document")
        return text
    parts = [plural(counts.get("new_records", 0), "new record"),
             plural(counts.get("changed_fields", 0), "changed field")]
    if counts.get("conflicts"):
        parts.append(plural(counts["conflicts"], "conflict"))
    if counts.get("deleted"):
        parts.append(plural(counts["deleted"], "deletion"))
    return ", ".join(parts)
