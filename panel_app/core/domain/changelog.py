"""The change log as data: what storage reads and writes and what bundles carry and merge.

Pure dataclasses (no SQL, no I/O) so that storage and bundles can share them without
depending on each other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

DELETED = "__deleted__"  # the pseudo-field of a tombstone (Repository.delete)
DERIVED_COLUMNS = frozenset({"search_key"})  # recomputed locally, never exchanged


@dataclass(frozen=True)
class Change:
    """One entry of a change log: a field of a record set to a JSON value at an HLC."""

    change_id: str
    entity: str
    entity_id: str
    field: str
    value: str  # JSON text, as stored in ``changes.value``
    at: str
    hlc: str
    site_id: str

    @property
    def order(self) -> tuple[str, str, str]:
        """Total order of changes: HLC, then site, then change id (ties never happen in
        practice, but every installation must break them the same way)."""
        return (self.hlc, self.site_id, self.change_id)

    def decoded(self) -> Any:
        return json.loads(self.value)

    def to_list(self) -> list[str]:
        return [self.change_id, self.field, self.value, self.at, self.hlc, self.site_id]


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # declared type, upper case
    notnull: bool
    has_default: bool


@dataclass(frozen=True)
class TableInfo:
    """A table of ``ENTITY_TABLES`` as the merge needs to know it."""

    entity: str
    table: str
    columns: Mapping[str, ColumnInfo]
    foreign_keys: tuple[tuple[str, str, str], ...]  # (column, parent table, parent column)

    @cached_property
    def blob_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns.values() if c.type == "BLOB")

    @cached_property
    def snapshot_columns(self) -> list[str]:
        return [c for c in self.columns if c not in self.blob_columns
                and c not in DERIVED_COLUMNS]

    def required(self) -> set[str]:
        return {c.name for c in self.columns.values()
                if c.notnull and not c.has_default and c.name != "id"}
