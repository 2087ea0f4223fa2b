"""Field-by-field merge of a partner's records into ours (pure: no SQL, no I/O).

Every installation keeps a change log (``changes``): one entry per field write, with a
hybrid logical clock (HLC) value stamped when it was written. A bundle carries, for each
record it sends, the sender's current row and the record's *whole* change log as the
sender knows it. For each field of that record:

- the field's value is the value of its latest change (by HLC, then site, then change id)
  among all the changes either side knows: every installation picks the same one, so all
  end with the same data whatever order bundles arrive in;
- a **conflict** is when both sides changed the field since they last exchanged: we hold
  a change of it the sender had not seen, and the sender holds one we had not seen. Both
  values are kept in the conflicts queue, with the installation and time of each, until
  someone resolves it; the resolution is an ordinary newer change, so it travels in the
  next bundle and closes the conflict wherever it arrives (a change from a sender who had
  seen both sides supersedes it);
- a deletion is a tombstone: a change of the pseudo-field ``__deleted__`` whose value
  lists the changes of the record the deleter had seen. A record is gone when its latest
  ``__deleted__`` change is a tombstone and every change of the record is one it saw. An
  edit the deleter had not seen keeps the record (and is listed as a conflict): nothing is
  silently lost. Undeleting is a newer ``__deleted__`` change of value ``false``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from panel_app.core.bundles.format import Record
from panel_app.core.domain.changelog import DELETED, Change, TableInfo

STAMP_COLUMN = "updated_at"


@dataclass
class LocalRecord:
    row: dict[str, Any] | None
    changes: list[Change]


@dataclass(frozen=True)
class KnownConflict:
    id: str
    status: str
    local_change_id: str
    remote_change_id: str


@dataclass
class NewConflict:
    entity: str
    entity_id: str
    field: str
    local: Change
    remote: Change
    label: str = ""  # how to name the record (case reference, pupil's name, ...)


@dataclass
class FieldChange:
    entity: str
    entity_id: str
    label: str
    field: str
    old: Any
    new: Any


@dataclass
class RowWrite:
    kind: str  # insert | update | delete
    entity: str
    entity_id: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    writes: list[RowWrite] = field(default_factory=list)
    field_changes: list[FieldChange] = field(default_factory=list)
    new_records: list[tuple[str, str, str]] = field(default_factory=list)
    deletions: list[tuple[str, str, str]] = field(default_factory=list)
    conflicts: list[NewConflict] = field(default_factory=list)
    closed_conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.changes or self.writes or self.conflicts or self.closed_conflicts)


def latest(changes: Iterable[Change]) -> Change:
    return max(changes, key=lambda c: c.order)


def sql_value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def same_value(a: Any, b: Any) -> bool:
    return bool(sql_value(a) == sql_value(b)) and (a is None) == (b is None)


def record_label(entity: str, row: Mapping[str, Any] | None, entity_id: str) -> str:
    row = row or {}
    if row.get("case_ref"):
        return str(row["case_ref"])
    if row.get("first_name") or row.get("last_name"):
        return f"{row.get('first_name', '')} {row.get('last_name', '')}".strip()
    for key in ("name", "filename", "title"):
        if row.get(key):
            return str(row[key])
    return f"{entity} {entity_id[:8]}"


def heads(changes: Iterable[Change]) -> dict[str, Change]:
    """The latest change of each field (tombstones included under ``__deleted__``)."""
    out: dict[str, Change] = {}
    for c in changes:
        if c.field not in out or c.order > out[c.field].order:
            out[c.field] = c
    return out


def rebuild_row(changes: Iterable[Change]) -> dict[str, Any]:
    """A record's values as its change log gives them (for a deleted record)."""
    return {f: sql_value(c.decoded()) for f, c in heads(changes).items() if f != DELETED}


def existence(changes: list[Change]) -> tuple[bool, Change | None, list[Change]]:
    """(exists, the tombstone in force, the edits it had not seen)."""
    tombs = [c for c in changes if c.field == DELETED]
    if not tombs:
        return True, None, []
    top = latest(tombs)
    value = top.decoded()
    if not isinstance(value, dict):
        return True, None, []  # undeleted
    seen = set(value.get("seen", []))
    unseen = [c for c in changes if c.field != DELETED and c.change_id not in seen]
    return (bool(unseen), top, unseen)


def plan_merge(
    records: list[Record],
    local: Mapping[tuple[str, str], LocalRecord],
    tables: Mapping[str, TableInfo],
    known_conflicts: Mapping[tuple[str, str, str], list[KnownConflict]],
) -> Plan:
    plan = Plan()
    for record in records:
        _plan_record(plan, record, local.get((record.entity, record.id)) or LocalRecord(None, []),
                     tables[record.entity], known_conflicts)
    return plan


def _plan_record(
    plan: Plan,
    record: Record,
    mine: LocalRecord,
    table: TableInfo,
    known: Mapping[tuple[str, str, str], list[KnownConflict]],
) -> None:
    local_ids = {c.change_id for c in mine.changes}
    remote_ids = {c.change_id for c in record.changes}
    new = [c for c in record.changes if c.change_id not in local_ids]
    label = record_label(record.entity, mine.row or record.row, record.id)
    key = (record.entity, record.id)
    if not new:
        if mine.row is None and not mine.changes and record.row is not None:
            # A record with no change log (made before logs existed): take it as it is.
            _insert(plan, record, table, [], label)
        return
    plan.changes.extend(new)
    everything = mine.changes + new
    local_by_field: dict[str, list[Change]] = defaultdict(list)
    for c in mine.changes:
        local_by_field[c.field].append(c)
    new_by_field: dict[str, list[Change]] = defaultdict(list)
    for c in new:
        new_by_field[c.field].append(c)
    top = heads(everything)
    updates: dict[str, Any] = {}
    for fld, arrived in new_by_field.items():
        local_only = [c for c in local_by_field.get(fld, []) if c.change_id not in remote_ids]
        pair_known = known.get((*key, fld), [])
        if local_only and fld != DELETED:
            mine_c, theirs = latest(local_only), latest(arrived)
            if not any(k.local_change_id == mine_c.change_id
                       and k.remote_change_id == theirs.change_id for k in pair_known):
                plan.conflicts.append(NewConflict(*key, fld, mine_c, theirs, label))
        elif not local_only:
            # The sender had seen every change we hold: an open conflict on this field
            # whose two sides it knew is settled by what it sends.
            for k in pair_known:
                if (k.status == "open" and {k.local_change_id, k.remote_change_id} <= remote_ids
                        and k.id not in plan.closed_conflicts):
                    plan.closed_conflicts.append(k.id)
        if fld != DELETED:
            updates[fld] = sql_value(top[fld].decoded())

    exists, tomb, unseen = existence(everything)
    if tomb is not None and unseen:
        # Deleted on one side, edited on the other: the record stays; list it once.
        edit = latest(unseen)
        tomb_local, edit_local = tomb.change_id in local_ids, edit.change_id in local_ids
        if tomb_local != edit_local:
            pair = (tomb, edit) if tomb_local else (edit, tomb)
            pair_known = known.get((*key, DELETED), [])
            if not any(k.local_change_id == pair[0].change_id
                       and k.remote_change_id == pair[1].change_id for k in pair_known):
                plan.conflicts.append(NewConflict(*key, DELETED, pair[0], pair[1],
                                                        label))

    if mine.row is not None and exists:
        changed = {f: v for f, v in updates.items()
                   if f in table.columns and not same_value(mine.row.get(f), v)}
        # The record's time of last change is that of its latest change, wherever it was
        # made (even when the value it set is the one already here).
        stamp = _stamp(everything)
        if STAMP_COLUMN in table.columns and stamp and mine.row.get(STAMP_COLUMN) != stamp:
            changed[STAMP_COLUMN] = stamp
        if changed:
            plan.writes.append(RowWrite("update", *key, changed))
            for f, v in changed.items():
                if f != STAMP_COLUMN:
                    plan.field_changes.append(
                        FieldChange(*key, label, f, mine.row.get(f), v))
    elif mine.row is not None and not exists:
        plan.writes.append(RowWrite("delete", *key))
        plan.deletions.append((*key, label))
    elif mine.row is None and exists:
        _insert(plan, record, table, everything, label)


def _stamp(changes: list[Change]) -> str:
    edits = [c for c in changes if c.field != DELETED]
    return latest(edits).at if edits else ""


def _insert(plan: Plan, record: Record, table: TableInfo, changes: list[Change],
            label: str) -> None:
    values: dict[str, Any] = {}
    if record.row is not None:
        wanted = set(table.snapshot_columns)
        values.update({k: v for k, v in record.row.items() if k in wanted})
    values.update({k: v for k, v in rebuild_row(changes).items() if k in table.columns})
    values.update({k: v for k, v in record.blobs.items() if k in table.blob_columns})
    stamp = _stamp(changes)
    if STAMP_COLUMN in table.columns and stamp:
        values[STAMP_COLUMN] = stamp
    values["id"] = record.id
    missing = sorted(table.required() - {k for k, v in values.items() if v is not None})
    if missing:
        plan.notes.append(
            f"{label} could not be added: the bundle does not hold all of it "
            f"({', '.join(missing)}). Ask the sender for a full bundle."
        )
        return
    plan.writes.append(RowWrite("insert", record.entity, record.id, values))
    plan.new_records.append((record.entity, record.id, record_label(record.entity, values,
                                                                    record.id)))


def describe_value(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bytes):
        return f"({len(value):,} bytes)"
    if isinstance(value, str):
        return value
    return json.dumps(value)
