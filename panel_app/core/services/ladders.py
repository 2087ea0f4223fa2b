"""The intervention ladder, evidence and ladder checks, on the session: ``session.ladders``.

- The ladder is data: presets ship in ``resources/ladders/*.json``; every edit
  (add, reorder, remove steps and items; load a preset or a file) stores the whole
  definition as a new version, so a recorded check keeps the version it was checked
  against.
- Evidence records belong to a case and name a step (by its stable key) and an item kind
  of the current ladder; documents are the case's documents (``session.add_document``),
  linked to the record.
- ``check`` runs ``rules.ladder.check_ladder`` on the school calendar; ``record_check``
  stores the result (frozen, with the ladder version id) so proposals and minutes can
  refer to it; an override needs a reason and a person and is kept with the check.

Mutating calls return ``Changes`` (or a ``SavedEvidence`` holding them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.dates import format_uk, parse_date
from panel_app.core.domain.issues import Issue, errors, warnings
from panel_app.core.domain.ladder import (
    ENDING_OUTCOMES,
    VERIFY_ROLES,
    Action,
    Evidence,
    Ladder,
    LadderItem,
    LadderStep,
    Outcome,
    action_label,
    check_evidence_dates,
    check_ladder_definition,
    items_help,
    ladder_from_dict,
    slugify,
    step_refs_help,
)
from panel_app.core.domain.models import Role
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.resources import resource
from panel_app.core.rules.ladder import LadderCheck, Override, Verdict, check_ladder
from panel_app.core.services.session import Changes
from panel_app.core.storage.ladders import LadderStore, VersionRow
from panel_app.core.storage.repository import Repository

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession

PRESET_ALIASES = {
    "ebbap": "east-bassetlaw",
    "rotherham": "south-rotherham",
    "sbap": "ashfield",
    "lincs": "lincolnshire",
}


# -- presets -------------------------------------------------------------------------------


def _preset_files() -> dict[str, Any]:
    folder = resource("ladders")
    return {f.name.removesuffix(".json"): f for f in folder.iterdir() if f.name.endswith(".json")}


def preset_names() -> list[str]:
    return sorted(_preset_files())


def resolve_preset(name: str) -> str:
    """The canonical preset name for ``name`` (any case, spaces or underscores)."""
    key = "-".join(name.strip().casefold().replace("_", " ").split())
    key = PRESET_ALIASES.get(key, key)
    if key not in _preset_files():
        raise ValidationError(
            [
                Issue(
                    "unknown_preset",
                    "error",
                    "ladder_preset",
                    f"There is no ladder preset '{name.strip()}': choose one of "
                    f"{', '.join(preset_names())}.",
                    {"preset": name, "presets": preset_names()},
                )
            ]
        )
    return key


def load_preset(name: str) -> Ladder:
    key = resolve_preset(name)
    data = json.loads(_preset_files()[key].read_text(encoding="utf-8"))
    ladder, issues = ladder_from_dict(data)
    if ladder is None or errors(issues):  # pragma: no cover - presets are tested
        raise PanelError(f"The built-in ladder preset '{key}' is damaged: reinstall the app.")
    return ladder


def install_preset(
    repo: Repository, preset: str, *, actor: str, now: datetime, note: str = ""
) -> VersionRow:
    """Store ``preset`` as the partnership's ladder (a new version). Inside a transaction;
    ``create_partnership`` calls it for ``init --ladder PRESET``."""
    ladder = load_preset(preset)
    store = LadderStore(repo)
    row = store.ladder()
    ladder_id = row["id"] if row else store.create_ladder(ladder.name, ladder.preset)
    version = store.add_version(
        ladder_id,
        ladder.to_dict(),
        note=note or f"Preset {ladder.preset}",
        created_by=actor,
        created_at=now,
    )
    repo.audit("ladder_preset", "ladder", ladder_id, fields=[ladder.preset])
    return version


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LadderVersion:
    id: str
    ladder_id: str
    number: int
    ladder: Ladder
    note: str
    created_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "ladder_id": self.ladder_id,
            "version_id": self.id,
            "version": self.number,
            "note": self.note,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "definition": self.ladder.to_dict(),
        }


@dataclass
class SavedEvidence:
    evidence: Evidence
    warnings: list[Issue] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)


_UNSET: Any = object()
EVIDENCE_FIELDS = ("started_on", "ended_on", "review_on", "outcome", "notes")
ITEM_FIELDS = (
    "label",
    "description",
    "optional",
    "min_count",
    "min_weeks",
    "min_terms",
    "outcomes",
    "early_exit_ok",
    "document_required",
    "verify_role",
    "applies_to",
)


def _version(row: VersionRow) -> LadderVersion:
    ladder, _ = ladder_from_dict(row.definition)
    assert ladder is not None
    return LadderVersion(
        row.id, row.ladder_id, row.number, ladder, row.note, row.created_at, row.created_by
    )


def _invalid(code: str, field_name: str, message: str, **params: Any) -> ValidationError:
    return ValidationError([Issue(code, "error", field_name, message, params)])


def _typed_date(value: Any, field_name: str, label: str, issues: list[Issue]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError as exc:
        issues.append(Issue("invalid_date", "error", field_name, f"{label}: {exc}"))
        return None


class LadderService:
    def __init__(self, session: PartnershipSession) -> None:
        self._session = session

    @property
    def _store(self) -> LadderStore:
        return LadderStore(self._session.repo)

    # -- the definition --------------------------------------------------------------------
    def presets(self) -> list[Ladder]:
        return [load_preset(name) for name in preset_names()]

    def current(self) -> LadderVersion | None:
        """The partnership's ladder as it stands now, or None if it has none yet."""
        row = self._store.ladder()
        if row is None or not row["current_version_id"]:
            return None
        version = self._store.version(row["current_version_id"])
        return _version(version) if version else None

    def get_version(self, ref: int | str) -> LadderVersion:
        """A version by number (1, 2, ...) or id."""
        row = self._store.ladder()
        found = None
        if row is not None:
            text = str(ref).strip()
            if text.isascii() and text.isdigit():
                found = self._store.version_by_number(row["id"], int(text))
            else:
                found = self._store.version(text)
        if found is None:
            raise NotFoundError(
                f"There is no ladder version '{ref}': see 'panel-app ladder history'."
            )
        return _version(found)

    def history(self) -> list[LadderVersion]:
        row = self._store.ladder()
        return [] if row is None else [_version(v) for v in self._store.versions(row["id"])]

    def _save(self, ladder: Ladder, note: str, action: str) -> Changes:
        issues = check_ladder_definition(ladder)
        if errors(issues):
            raise ValidationError(issues)
        current = self.current()
        if current is not None and current.ladder == ladder:
            return Changes()
        session = self._session
        with session._write():
            row = self._store.ladder()
            ladder_id = row["id"] if row else self._store.create_ladder(ladder.name, ladder.preset)
            version = self._store.add_version(
                ladder_id,
                ladder.to_dict(),
                note=note.strip(),
                created_by=session.user_name,
                created_at=session.clock.now(),
            )
            session.repo.audit(action, "ladder", ladder_id)
        return Changes(frozenset({"ladder"}), frozenset({ladder_id, version.id}))

    def _edit(self, change: Callable[[Ladder], Ladder], note: str, action: str) -> Changes:
        current = self.current()
        base = current.ladder if current else Ladder(name="Intervention ladder")
        return self._save(change(base), note, action)

    def load_preset(self, preset: str, note: str = "") -> Changes:
        """Replace the ladder with a preset (a new version; old checks keep theirs)."""
        ladder = load_preset(preset)
        changes = self._save(ladder, note or f"Preset {ladder.preset}", "ladder_preset")
        partnership = self._session.repo.partnership()
        if partnership:
            with self._session._write():
                self._session.repo.update(
                    "partnership", partnership["id"], {"ladder_preset": ladder.preset}
                )
        return changes

    def replace(self, definition: Ladder | Mapping[str, Any], note: str = "") -> Changes:
        """Replace the ladder with a whole definition (e.g. a file from ``ladder show
        --json``, edited). Raises ValidationError, storing nothing, if it is not valid."""
        if isinstance(definition, Ladder):
            ladder = definition
        else:
            read, issues = ladder_from_dict(definition)
            if read is None or errors(issues):
                raise ValidationError(issues)
            ladder = read
        return self._save(ladder, note, "ladder_replace")

    def set_details(
        self, *, name: str | None = None, description: str | None = None, note: str = ""
    ) -> Changes:
        def change(ladder: Ladder) -> Ladder:
            return replace(
                ladder,
                name=ladder.name if name is None else name.strip(),
                description=ladder.description if description is None else description.strip(),
            )

        return self._edit(change, note, "ladder_edit")

    # steps
    @staticmethod
    def _find_step(ladder: Ladder, ref: str) -> tuple[int, LadderStep]:
        found = ladder.find_step(str(ref))
        if found is None:
            steps = step_refs_help(ladder) or "the ladder has no steps yet"
            raise _invalid(
                "unknown_step",
                "step",
                f"There is no step '{ref}' in the ladder: give a step number, key "
                f"or name ({steps}).",
                step=str(ref),
            )
        return found

    @staticmethod
    def _position(position: int | None, length: int) -> int:
        """0-based index for a 1-based ``position`` among ``length`` places."""
        if position is None:
            return length - 1
        if not 1 <= position <= length:
            raise _invalid(
                "invalid_position",
                "position",
                f"Position {position} is not between 1 and {length}.",
                position=position,
            )
        return position - 1

    def add_step(
        self,
        name: str,
        *,
        key: str | None = None,
        description: str = "",
        unlocks: Sequence[str] = (),
        min_optional: int = 0,
        position: int | None = None,
        note: str = "",
    ) -> Changes:
        def change(ladder: Ladder) -> Ladder:
            taken = {s.key for s in ladder.steps}
            new_key = (key or "").strip().casefold()
            if not new_key:
                base = slugify(name)
                new_key, n = base, 2
                while new_key in taken:
                    new_key, n = f"{base}-{n}", n + 1
            step = LadderStep(
                new_key,
                name.strip(),
                description.strip(),
                tuple(a.strip() for a in unlocks),
                min_optional,
            )
            steps = list(ladder.steps)
            steps.insert(self._position(position, len(steps) + 1), step)
            return replace(ladder, steps=tuple(steps))

        return self._edit(change, note, "ladder_edit")

    def update_step(
        self,
        step: str,
        *,
        name: str | None = None,
        description: str | None = None,
        unlocks: Sequence[str] | None = None,
        min_optional: int | None = None,
        note: str = "",
    ) -> Changes:
        def change(ladder: Ladder) -> Ladder:
            i, old = self._find_step(ladder, step)
            new = replace(
                old,
                name=old.name if name is None else name.strip(),
                description=old.description if description is None else description.strip(),
                unlocks=old.unlocks if unlocks is None else tuple(a.strip() for a in unlocks),
                min_optional=old.min_optional if min_optional is None else min_optional,
            )
            steps = list(ladder.steps)
            steps[i] = new
            return replace(ladder, steps=tuple(steps))

        return self._edit(change, note, "ladder_edit")

    def remove_step(self, step: str, note: str = "") -> Changes:
        """Remove a step. Evidence recorded against it stays on the cases (and in older
        checks) but no longer counts."""

        def change(ladder: Ladder) -> Ladder:
            i, _ = self._find_step(ladder, step)
            return replace(ladder, steps=ladder.steps[:i] + ladder.steps[i + 1 :])

        return self._edit(change, note, "ladder_edit")

    def move_step(self, step: str, position: int, note: str = "") -> Changes:
        def change(ladder: Ladder) -> Ladder:
            i, found = self._find_step(ladder, step)
            steps = list(ladder.steps)
            steps.pop(i)
            steps.insert(self._position(position, len(ladder.steps)), found)
            return replace(ladder, steps=tuple(steps))

        return self._edit(change, note, "ladder_edit")

    # items
    @staticmethod
    def _find_item(step: LadderStep, number: int, kind: str) -> tuple[int, LadderItem]:
        wanted = kind.strip().casefold()
        for i, item in enumerate(step.items):
            if item.kind == wanted:
                return i, item
        raise _invalid(
            "unknown_item",
            "kind",
            f"Step {number} ({step.name}) has no item '{kind}': use one of {items_help(step)}.",
            step=step.key,
            kind=kind,
        )

    def _with_items(
        self, ladder: Ladder, step: str, change: Callable[[int, LadderStep], list[LadderItem]]
    ) -> Ladder:
        i, found = self._find_step(ladder, step)
        steps = list(ladder.steps)
        steps[i] = replace(found, items=tuple(change(i + 1, found)))
        return replace(ladder, steps=tuple(steps))

    def add_item(
        self,
        step: str,
        kind: str,
        *,
        label: str | None = None,
        position: int | None = None,
        note: str = "",
        **fields: Any,
    ) -> Changes:
        """Add an evidence item to a step. ``fields`` are LadderItem fields
        (description, optional, min_count, min_weeks, min_terms, outcomes, early_exit_ok,
        document_required, verify_role, applies_to)."""
        from panel_app.core.domain.ladder import EVIDENCE_KINDS

        bad = set(fields) - set(ITEM_FIELDS)
        if bad:
            raise _invalid("unknown_field", "item", f"Items have no field {sorted(bad)[0]}.")
        kind = kind.strip().casefold()
        item = LadderItem(
            kind=kind,
            label=(label or EVIDENCE_KINDS.get(kind, kind)).strip(),
            **_item_values(fields),
        )

        def items(number: int, found: LadderStep) -> list[LadderItem]:
            out = list(found.items)
            out.insert(self._position(position, len(out) + 1), item)
            return out

        return self._edit(lambda ladder: self._with_items(ladder, step, items), note, "ladder_edit")

    def update_item(self, step: str, kind: str, *, note: str = "", **fields: Any) -> Changes:
        bad = set(fields) - set(ITEM_FIELDS)
        if bad:
            raise _invalid("unknown_field", "item", f"Items have no field {sorted(bad)[0]}.")

        def items(number: int, found: LadderStep) -> list[LadderItem]:
            i, old = self._find_item(found, number, kind)
            out = list(found.items)
            out[i] = replace(old, **_item_values(fields))
            return out

        return self._edit(lambda ladder: self._with_items(ladder, step, items), note, "ladder_edit")

    def remove_item(self, step: str, kind: str, note: str = "") -> Changes:
        def items(number: int, found: LadderStep) -> list[LadderItem]:
            i, _ = self._find_item(found, number, kind)
            return [x for n, x in enumerate(found.items) if n != i]

        return self._edit(lambda ladder: self._with_items(ladder, step, items), note, "ladder_edit")

    def move_item(self, step: str, kind: str, position: int, note: str = "") -> Changes:
        def items(number: int, found: LadderStep) -> list[LadderItem]:
            i, item = self._find_item(found, number, kind)
            out = list(found.items)
            out.pop(i)
            out.insert(self._position(position, len(found.items)), item)
            return out

        return self._edit(lambda ladder: self._with_items(ladder, step, items), note, "ladder_edit")

    # -- evidence ----------------------------------------------------------------------------
    def list_evidence(self, case: str) -> list[Evidence]:
        record = self._session.get_case(case)
        return self._store.evidence_for_case(record.id)

    def _resolve(self, table: str, text: str, what: str, hint: str) -> str:
        ids = self._store.resolve_id(table, text)
        if not ids:
            raise NotFoundError(f"No {what} '{text.strip()}': {hint}")
        if len(ids) > 1:
            raise PanelError(
                f"More than one {what} starts with '{text.strip()}': give more of the id."
            )
        return ids[0]

    def get_evidence(self, evidence_id: str) -> Evidence:
        eid = self._resolve(
            "evidence", evidence_id, "evidence record", "see 'panel-app evidence list CASE'."
        )
        found = self._store.evidence(eid)
        assert found is not None
        return found

    def _check_documents(
        self, case_id: str, document_ids: Sequence[str], issues: list[Issue]
    ) -> list[str]:
        known = self._store.case_document_ids(case_id)
        out = []
        for doc in document_ids:
            doc = doc.strip()
            if doc not in known:
                issues.append(
                    Issue(
                        "unknown_document",
                        "error",
                        "documents",
                        f"Document '{doc}' is not attached to this case: attach "
                        "the file instead, or pick one from the case's documents.",
                    )
                )
            else:
                out.append(doc)
        return out

    def _attach(
        self,
        case_id: str,
        evidence_id: str,
        document_ids: Sequence[str],
        attachments: Sequence[tuple[str, bytes]],
    ) -> set[str]:
        """Inside a transaction: add new files to the case and link them and any existing
        documents to the evidence record. Returns the ids written."""
        session = self._session
        now = session.clock.now()
        written: set[str] = set()
        docs = list(document_ids)
        for filename, content in attachments:
            changes = session.add_document(case_id, filename, content)
            docs += sorted(changes.ids - {case_id})
            written |= changes.ids - {case_id}
        for doc in docs:
            link = self._store.link_document(case_id, evidence_id, doc, now)
            if link:
                written.add(link)
        return written

    def add_evidence(
        self,
        case: str,
        *,
        step: str,
        kind: str,
        started_on: date | str | None,
        ended_on: date | str | None = None,
        review_on: date | str | None = None,
        outcome: str = "",
        notes: str = "",
        document_ids: Sequence[str] = (),
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> SavedEvidence:
        """Record evidence of a step's item on a case. Raises ValidationError, storing
        nothing, for an unknown step or item, impossible dates or an end before the start."""
        session = self._session
        record = session.get_case(case)
        current = self.current()
        if current is None:
            raise _invalid(
                "no_ladder",
                "step",
                "The partnership has no intervention ladder yet: load a preset "
                "('panel-app ladder load PRESET') or add steps first.",
            )
        ladder = current.ladder
        number, found = self._find_step(ladder, step)
        _, item = self._find_item(found, number + 1, kind)
        issues: list[Issue] = []
        start = _typed_date(started_on, "started_on", "Start date", issues)
        end = _typed_date(ended_on, "ended_on", "End date", issues)
        review = _typed_date(review_on, "review_on", "Review date", issues)
        outcome = (outcome or "").strip().casefold() or (
            Outcome.COMPLETED.value if end else Outcome.ONGOING.value
        )
        if not any(i.field == "started_on" for i in issues):
            issues += check_evidence_dates(start, end, review, outcome)
        docs = self._check_documents(record.id, document_ids, issues)
        for filename, _ in attachments:
            if not filename.strip():
                issues.append(
                    Issue(
                        "required", "error", "filename", "An attached document needs a file name."
                    )
                )
        today = session.clock.today()
        if start and start > today:
            issues.append(
                Issue(
                    "starts_in_future",
                    "warning",
                    "started_on",
                    f"The start date {format_uk(start)} is in the future: the "
                    "record counts from that date.",
                    {"start": start.isoformat()},
                )
            )
        if errors(issues):
            raise ValidationError(issues)
        assert start is not None
        with session._write():
            eid = self._store.insert_evidence(
                {
                    "case_id": record.id,
                    "step_key": found.key,
                    "kind": item.kind,
                    "started_on": start,
                    "ended_on": end,
                    "review_on": review,
                    "outcome": outcome,
                    "notes": notes.strip(),
                    "recorded_by": session.user_name,
                    "recorded_at": session.clock.now().isoformat(),
                }
            )
            ids = self._attach(record.id, eid, docs, attachments)
        saved = self._store.evidence(eid)
        assert saved is not None
        return SavedEvidence(
            saved,
            warnings(issues),
            Changes(frozenset({"case", "evidence"}), frozenset({record.id, eid, *ids})),
        )

    def update_evidence(
        self,
        evidence_id: str,
        values: Mapping[str, Any],
        *,
        document_ids: Sequence[str] = (),
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> SavedEvidence:
        """Change dates, outcome or notes, or attach documents. Keys of ``values``:
        started_on, ended_on, review_on, outcome, notes ("" or None clears a date).
        Changing dates or the outcome of a verified record clears the verification."""
        session = self._session
        current = self.get_evidence(evidence_id)
        unknown = set(values) - set(EVIDENCE_FIELDS)
        if unknown:
            raise _invalid(
                "unknown_field",
                sorted(unknown)[0],
                f"Evidence has no field '{sorted(unknown)[0]}': use {', '.join(EVIDENCE_FIELDS)}.",
            )
        issues: list[Issue] = []
        labels = {"started_on": "Start date", "ended_on": "End date", "review_on": "Review date"}
        new: dict[str, Any] = {}
        for name, label in labels.items():
            if name in values:
                new[name] = _typed_date(values[name], name, label, issues)
        start = new.get("started_on", current.started_on)
        end = new.get("ended_on", current.ended_on)
        review = new.get("review_on", current.review_on)
        if "outcome" in values and str(values["outcome"] or "").strip():
            outcome = str(values["outcome"]).strip().casefold()
        elif "ended_on" in new and end and current.outcome == Outcome.ONGOING.value:
            outcome = Outcome.COMPLETED.value
        elif "ended_on" in new and end is None and current.outcome in ENDING_OUTCOMES:
            outcome = Outcome.ONGOING.value
        else:
            outcome = current.outcome
        new["outcome"] = outcome
        if "notes" in values:
            new["notes"] = str(values["notes"] or "").strip()
        if not any(i.field == "started_on" for i in issues):
            issues += check_evidence_dates(start, end, review, outcome)
        docs = self._check_documents(current.case_id, document_ids, issues)
        if errors(issues):
            raise ValidationError(issues)
        substantive = any(
            new.get(k, getattr(current, k)) != getattr(current, k)
            for k in ("started_on", "ended_on", "outcome")
        )
        if current.verified and substantive:
            new.update({"verified_by": "", "verified_role": "", "verified_at": None})
            issues.append(
                Issue(
                    "verification_cleared",
                    "warning",
                    "verified_by",
                    f"The record was verified by {current.verified_by}; its dates "
                    "or outcome changed, so it needs verifying again.",
                )
            )
        with session._write():
            changed = self._store.update_evidence(current.id, new)
            ids = self._attach(current.case_id, current.id, docs, attachments)
        saved = self._store.evidence(current.id)
        assert saved is not None
        changes = (
            Changes(frozenset({"case", "evidence"}), frozenset({current.case_id, current.id, *ids}))
            if changed or ids
            else Changes()
        )
        return SavedEvidence(saved, warnings(issues), changes)

    def verify_evidence(
        self, evidence_id: str, *, by: str | None = None, role: str | None = None
    ) -> SavedEvidence:
        """Record who verified the evidence and when. The role is the one given, else the
        role of the person of that name in the partnership's people list."""
        session = self._session
        current = self.get_evidence(evidence_id)
        who = (by if by is not None else session.user_name).strip()
        if not who:
            raise _invalid("required", "verified_by", "Give the name of the person verifying.")
        roles = [r.value for r in Role]
        if role is not None and role.strip():
            match = next((r for r in roles if r.casefold() == role.strip().casefold()), None)
            if match is None:
                raise _invalid(
                    "unknown_role",
                    "verified_role",
                    f"'{role}' is not a role: use {', '.join(roles)}.",
                )
            verified_role = match
        else:
            person = next(
                (p for p in session.list_people() if p.name.casefold() == who.casefold()), None
            )
            verified_role = person.role if person else ""
        issues: list[Issue] = []
        if who.casefold() == current.recorded_by.casefold():
            issues.append(
                Issue(
                    "self_verified",
                    "warning",
                    "verified_by",
                    f"{who} also recorded this evidence: a second person usually verifies it.",
                )
            )
        with session._write():
            self._store.update_evidence(
                current.id,
                {
                    "verified_by": who,
                    "verified_role": verified_role,
                    "verified_at": session.clock.now().isoformat(),
                },
            )
        saved = self._store.evidence(current.id)
        assert saved is not None
        return SavedEvidence(
            saved,
            issues,
            Changes(frozenset({"case", "evidence"}), frozenset({current.case_id, current.id})),
        )

    def remove_evidence(self, evidence_id: str) -> Changes:
        """Take a record off the case (marked deleted; older checks still show it)."""
        current = self.get_evidence(evidence_id)
        with self._session._write():
            self._store.update_evidence(current.id, {"deleted": 1})
        return Changes(frozenset({"case", "evidence"}), frozenset({current.case_id, current.id}))

    # -- checks ------------------------------------------------------------------------------
    @staticmethod
    def _action(action: str) -> str:
        value = action.strip().casefold().replace("_", "-").replace(" ", "-")
        actions = [a.value for a in Action]
        if value not in actions:
            raise _invalid(
                "unknown_action",
                "action",
                f"'{action}' is not a request the ladder checks: use {', '.join(actions)}.",
                action=action,
            )
        return value

    def _on(self, on: date | str | None) -> date:
        if on is None or on == "":
            return self._session.clock.today()
        issues: list[Issue] = []
        found = _typed_date(on, "on", "Check date", issues)
        if issues or found is None:
            raise ValidationError(issues)
        return found

    def check(self, case: str, action: str, on: date | str | None = None) -> LadderCheck:
        """Check a case against the current ladder for ``action`` on ``on`` (default today).
        Stores nothing; an ordinary "not met" is in the result, never raised."""
        record = self._session.get_case(case)
        action = self._action(action)
        day = self._on(on)
        version = self.current()
        result = check_ladder(
            version.ladder if version else None,
            self._store.evidence_for_case(record.id),
            action=action,
            on=day,
            calendar=self._session.calendar.calendar(),
            case_id=record.id,
        )
        result.case_ref = record.case_ref
        if version is not None:
            result.ladder_id = version.ladder_id
            result.ladder_version_id = version.id
            result.ladder_version = version.number
        result.checked_at = self._session.clock.now()
        result.checked_by = self._session.user_name
        return result

    def record_check(
        self,
        case: str,
        action: str,
        on: date | str | None = None,
        *,
        override_reason: str = "",
        override_by: str = "",
    ) -> tuple[LadderCheck, Changes]:
        """Check and store the result (with the ladder version id) so that proposals and
        minutes can refer to it; with an override reason and person, record the override
        too (refused, nothing stored, when the check is met or either is missing)."""
        result = self.check(case, action, on)
        wants_override = bool(override_reason.strip() or override_by.strip())
        if wants_override:
            self._override_problems(result, override_reason, override_by)
        session = self._session
        with session._write():
            cid = self._store.insert_check(
                {
                    "case_id": result.case_id,
                    "action": result.action,
                    "on_date": result.on,
                    "ladder_version_id": result.ladder_version_id,
                    "verdict": result.verdict,
                    "result": json.dumps(result.result_dict(), sort_keys=True, ensure_ascii=False),
                    "checked_at": (result.checked_at or session.clock.now()).isoformat(),
                    "checked_by": result.checked_by,
                }
            )
            if wants_override:
                self._store.update_check(cid, self._override_values(override_reason, override_by))
        return self.get_check(cid), Changes(
            frozenset({"case", "ladder_check"}), frozenset({result.case_id, cid})
        )

    @staticmethod
    def _override_problems(result: LadderCheck, reason: str, by: str) -> None:
        issues = []
        if result.override is not None:
            issues.append(
                Issue(
                    "already_overridden",
                    "error",
                    "override",
                    f"This check was already overridden by {result.override.by}: "
                    "record a new check to override again.",
                )
            )
        elif result.verdict == Verdict.MET.value:
            issues.append(
                Issue(
                    "override_not_needed",
                    "error",
                    "override",
                    f"The ladder is met for {action_label(result.action)}: no override is needed.",
                )
            )
        if not reason.strip():
            issues.append(
                Issue(
                    "required",
                    "error",
                    "override_reason",
                    "Give the reason for the override (for example the unexpected "
                    "and extreme situation).",
                )
            )
        if not by.strip():
            issues.append(
                Issue(
                    "required",
                    "error",
                    "override_by",
                    "Give the name of the person who agreed the override.",
                )
            )
        if issues:
            raise ValidationError(issues)

    def _override_values(self, reason: str, by: str) -> dict[str, Any]:
        return {
            "override_reason": reason.strip(),
            "override_by": by.strip(),
            "override_at": self._session.clock.now().isoformat(),
        }

    def override_check(self, check_id: str, reason: str, by: str) -> tuple[LadderCheck, Changes]:
        """Override a recorded check that is not met, with the reason and the person."""
        check = self.get_check(check_id)
        self._override_problems(check, reason, by)
        with self._session._write():
            self._store.update_check(check.id, self._override_values(reason, by))
        return self.get_check(check.id), Changes(
            frozenset({"case", "ladder_check"}), frozenset({check.case_id, check.id})
        )

    def get_check(self, check_id: str) -> LadderCheck:
        cid = self._resolve(
            "ladder_checks", check_id, "recorded check", "see 'panel-app ladder checks CASE'."
        )
        row = self._store.check_row(cid)
        assert row is not None
        return _check_from_row(row)

    def list_checks(self, case: str) -> list[LadderCheck]:
        record = self._session.get_case(case)
        return [_check_from_row(r) for r in self._store.checks_for_case(record.id)]


def _check_from_row(row: Mapping[str, Any]) -> LadderCheck:
    check = LadderCheck.from_dict(row["result"])
    check.id = row["id"]
    if row["override_at"]:
        check.override = Override(
            row["override_reason"], row["override_by"], datetime.fromisoformat(row["override_at"])
        )
    return check


def _item_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in {"outcomes", "early_exit_ok", "applies_to"}:
            out[name] = tuple(str(v).strip().casefold() for v in (value or ()) if str(v).strip())
        elif name in {"min_weeks", "min_terms"}:
            out[name] = value if value else None
        elif name == "verify_role":
            text = str(value or "").strip()
            out[name] = next((r for r in VERIFY_ROLES if r.casefold() == text.casefold()), text)
        elif name in {"label", "description"}:
            out[name] = str(value or "").strip()
        else:
            out[name] = value
    return out
