"""Spot folders that a cloud service synchronises (pure functions, no Qt).

An encrypted partnership file in a synced folder is copied to the provider and can
fork into conflicting copies when two laptops edit it; we warn, we do not forbid.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# Matched against each folder name, case-insensitively. "Box" must be the whole name
# (or "Box Sync", "Box Drive", macOS's "Box-Box") so "Xbox" or "Inbox" do not match.
_PROVIDERS: list[tuple[str, re.Pattern[str]]] = [
    ("OneDrive", re.compile(r"^onedrive\b", re.IGNORECASE)),
    ("Dropbox", re.compile(r"^dropbox\b", re.IGNORECASE)),
    ("Google Drive", re.compile(r"^(google ?drive|googledrive|my drive)\b", re.IGNORECASE)),
    ("iCloud", re.compile(r"^(icloud|icloud ?drive|mobile documents|com~apple~clouddocs)\b",
                          re.IGNORECASE)),
    ("Box", re.compile(r"^box([ -](sync|drive|box))?$", re.IGNORECASE)),
]


def cloud_provider(path: str | PurePath) -> str | None:
    """The name of the sync service whose folder contains ``path``, or None."""
    text = str(path).replace("\\", "/")
    for part in text.split("/"):
        name = part.strip()
        if not name:
            continue
        for provider, pattern in _PROVIDERS:
            if pattern.search(name):
                return provider
    return None


def cloud_warning(path: str | PurePath) -> str:
    """A sentence to show beside a chosen location, or '' when it looks local."""
    provider = cloud_provider(path)
    if provider is None:
        return ""
    return (f"This folder looks like it is synchronised by {provider}. The file stays "
            "encrypted, but copies on two computers can conflict and overwrite each "
            "other's changes: keep the partnership in a local folder and use backups "
            "or bundles to share it.")
