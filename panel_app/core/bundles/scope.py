"""Who may receive which record: the least data each partner needs (UK GDPR).

A bundle for a school carries only the cases that school is party to, with everything
hanging off them, plus the partnership-wide records (the partnership, its schools and
its people). The panel (clerk's) seat is party to every case.

How a record kind is scoped, generically over ``ENTITY_TABLES``:

- kinds in ``SHARED_ENTITIES`` go to every partner;
- ``case``: the schools party to the case (``parties_to_case``, the one definition);
- ``pupil``: its home school and the parties to each of its cases;
- any other kind with a ``case_id`` column follows its case; with a ``pupil_id`` column,
  its pupil; with neither, the scope its foreign-key parents share (``Scoper``);
- a record never travels without the records it refers to;
- anything else is not sent at all (fail closed): a new partnership-wide kind must be
  added to ``SHARED_ENTITIES`` to travel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from panel_app.core.domain.changelog import TableInfo

SHARED_ENTITIES = frozenset({
    "partnership", "school", "person",
    # partnership-wide definitions (the agreed ladder and its versions, term dates)
    "ladder", "ladder_version", "calendar_term",
    # the quota and budget year and its per-school allocations
    "quota_year", "quota_allocation",
})


@dataclass(frozen=True)
class Audience:
    """A recipient, as far as scope goes: a member school's installation or the panel."""

    seat: str  # "school" or "panel"
    school_id: str = ""


class _Everyone:
    def __repr__(self) -> str:
        return "EVERYONE"


EVERYONE: Any = _Everyone()
Scope = Any  # EVERYONE, a frozenset of school ids, or None (a kind that never travels)


@dataclass
class ScopeData:
    """The rows that decide who is party to what (deleted ones rebuilt from history)."""

    cases: Mapping[str, Mapping[str, Any]]
    pupils: Mapping[str, Mapping[str, Any]]
    cases_of_pupil: dict[str, list[str]] = field(default_factory=dict)
    moves: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # move rows
    receiving_of_case: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.cases_of_pupil:
            for cid, row in self.cases.items():
                pid = row.get("pupil_id")
                if pid:
                    self.cases_of_pupil.setdefault(str(pid), []).append(cid)
        if not self.receiving_of_case:
            for move in self.moves.values():
                case_id, school = move.get("case_id"), move.get("receiving_school_id")
                if case_id and school:
                    self.receiving_of_case.setdefault(str(case_id), set()).add(str(school))


def parties_to_case(case_id: str, data: ScopeData) -> frozenset[str]:
    """The schools party to a case: its pupil's home school and the receiving school of
    every managed move or direction off-site of the case (``ScopeData.moves``, filled from
    the ``moves`` table, deleted rows included). This is the one place that says so."""
    case = data.cases.get(case_id)
    if case is None:
        return frozenset()
    pupil = data.pupils.get(str(case.get("pupil_id") or ""))
    home = str(pupil.get("home_school_id") or "") if pupil else ""
    parties = set(data.receiving_of_case.get(case_id, ()))
    if home:
        parties.add(home)
    return frozenset(parties)


def pupil_parties(pupil_id: str, data: ScopeData) -> frozenset[str]:
    pupil = data.pupils.get(pupil_id)
    found: set[str] = set()
    if pupil and pupil.get("home_school_id"):
        found.add(str(pupil["home_school_id"]))
    for cid in data.cases_of_pupil.get(pupil_id, []):
        found |= parties_to_case(cid, data)
    return frozenset(found)


_DERIVE: Any = object()


def _own_scope(entity: str, row: Mapping[str, Any], data: ScopeData) -> Scope:
    if entity in SHARED_ENTITIES:
        return EVERYONE
    if entity == "case":
        return parties_to_case(str(row.get("id")), data)
    if entity == "pupil":
        return pupil_parties(str(row.get("id")), data)
    if row.get("case_id"):
        return parties_to_case(str(row["case_id"]), data)
    if row.get("pupil_id"):
        return pupil_parties(str(row["pupil_id"]), data)
    return _DERIVE


def record_scope(entity: str, row: Mapping[str, Any], data: ScopeData) -> Scope:
    """The scope of a record from its own columns alone (no foreign keys followed)."""
    own = _own_scope(entity, row, data)
    return None if own is _DERIVE else own


def intersect(scopes: list[Scope]) -> Scope:
    out: Scope = EVERYONE
    for scope in scopes:
        if scope is None:
            return None
        if scope is EVERYONE:
            continue
        out = scope if out is EVERYONE else out & scope
    return out


class Scoper:
    """Scopes of records, following foreign keys: a record never travels without the
    records it refers to (the receiver could not store it), and a kind with neither
    ``case_id`` nor ``pupil_id`` takes the scope its parents share (a decision follows
    the agenda item of its case). A kind with no parent and no rule never travels."""

    def __init__(self, tables: Mapping[str, TableInfo],
                 rows: Mapping[str, Mapping[str, Mapping[str, Any]]], data: ScopeData) -> None:
        self.tables = tables
        self.rows = rows
        self.data = data
        self.entity_of = {info.table: entity for entity, info in tables.items()}
        self._memo: dict[tuple[str, str], Scope] = {}
        self._busy: set[tuple[str, str]] = set()

    def scope(self, entity: str, row: Mapping[str, Any]) -> Scope:
        key = (entity, str(row.get("id")))
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:  # a cycle of references: neutral
            return EVERYONE
        self._busy.add(key)
        try:
            own = _own_scope(entity, row, self.data)
            parents = []
            info = self.tables.get(entity)
            for col, parent_table, _pcol in (info.foreign_keys if info else ()):
                parent_entity = self.entity_of.get(parent_table)
                value = row.get(col)
                if parent_entity is None or not value:
                    continue
                parent = self.rows.get(parent_entity, {}).get(str(value))
                if parent is not None:
                    parents.append(self.scope(parent_entity, parent))
            if own is _DERIVE:
                result = intersect(parents) if parents else None
            else:
                result = intersect([own, *parents])
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result


def may_receive(audience: Audience, scope: Scope) -> bool:
    if scope is None:
        return False
    if scope is EVERYONE or audience.seat == "panel":
        return True
    return audience.school_id in scope


def all_may_receive(audiences: list[Audience], scope: Scope) -> bool:
    """One file can be opened by every recipient, so it carries only what all of them
    are party to."""
    return bool(audiences) and all(may_receive(a, scope) for a in audiences)
