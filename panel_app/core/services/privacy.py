"""Privacy and accountability on the session facade: ``session.privacy``.

- **Audit trail**: list and filter it, verify its hash chain (``verify_audit``), export a
  case's history as CSV.
- **Retention**: the partnership's policy (``retention_policy``), the cases due for
  review, and a purge in two steps: ``plan_purge`` returns a ``PurgePlan`` that names
  what will go; ``purge(plan)`` applies it.
- **Lawful deletion** of one record or one field, with a reason code
  (``plan_deletion``, then ``purge``).
- **Subject access**: everything held about one pupil as a PDF and a JSON file, other
  pupils redacted, with a list of third-party information to review.

A purge deletes the case and everything hanging off it through ``Repository.delete``
(tombstones marked ``purged``, so the deletion travels to partners in the next bundle and
they scrub it too), scrubs the values from the change log (keeping the tombstones and id
references), redacts frozen minutes, writes one audit entry per case (id, rule, who,
when, counts; never a name) and rewrites the file (VACUUM, WAL emptied) so no old page
keeps the data. Record kinds are found generically over ``ENTITY_TABLES``: ``case_id`` and
``pupil_id`` columns, foreign keys, ``X_id`` columns naming a kind, ``entity``/``entity_id``
pairs, so kinds added later are covered.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel_app.core.bundles.scope import SHARED_ENTITIES
from panel_app.core.domain.changelog import TableInfo
from panel_app.core.domain.dates import format_uk, parse_date
from panel_app.core.domain.exclusions import KIND_LABELS as EXCLUSION_KINDS
from panel_app.core.domain.exclusions import STATUS_LABELS as EXCLUSION_STATUS
from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import PUPIL_FIELDS
from panel_app.core.domain.retention import (
    LAWFUL_REASON_LABELS,
    LAWFUL_REASONS,
    SETTINGS_KEY,
    CaseFacts,
    Due,
    RetentionPolicy,
    RuleInfo,
    due_reasons,
)
from panel_app.core.domain.spreadsheet import spreadsheet_row
from panel_app.core.domain.validation import label
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.reports.minutes import Identity, MinutesDocument
from panel_app.core.reports.redaction import remove_from_minutes
from panel_app.core.reports.sar import (
    SubjectAccess,
    ThirdParty,
)
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.services.exports import LEAVES_ENCRYPTION, PlaintextFile, plaintext_export
from panel_app.core.storage import audit as audit_chain
from panel_app.core.storage import backups as backup_files
from panel_app.core.storage.audit import AuditCheck, AuditEntry
from panel_app.core.storage.bundles_repo import BundleStore
from panel_app.core.storage.privacy_repo import PrivacyStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from panel_app.core.services.session import Changes, PartnershipSession

    Progress = Callable[[int, int, str], None]

# Kinds a purge never deletes (partnership-wide records and meetings themselves); a
# nullable reference from one of them to a purged record is cleared instead.
PROTECTED = SHARED_ENTITIES | {"meeting_series", "meeting", "meeting_member", "quota_year",
                               "quota_allocation"}
# Groups for ``audit list --action``: every action in a group.
ACTION_GROUPS: dict[str, frozenset[str]] = {
    "export": frozenset({"minutes_exported", "sar_exported", "audit_exported",
                         "calendar_exported", "card_exported", "age_identity_exported",
                         "open_document", "bundle_export", "backup"}),
    "keys": frozenset({"init", "passphrase_changed", "passphrase_reset_with_recovery_key",
                       "recovery_key_replaced", "keyring_store", "keyring_forget",
                       "identity_created", "new_installation_identity"}),
    "session": frozenset({"unlock", "lock"}),
    "purge": frozenset({"purge", "lawful_delete", "backups_removed"}),
    "bundle": frozenset({"bundle_export", "bundle_import", "bundle_reapply", "merge_insert",
                         "merge_update", "merge_delete", "resolve_conflict"}),
}
KIND_LABELS: dict[str, tuple[str, str]] = {  # entity: (one, section title)
    "case": ("case", "Cases"),
    "pupil": ("pupil record", "Pupil"),
    "case_note": ("note", "Notes"),
    "document": ("document", "Documents"),
    "evidence": ("evidence record", "Evidence of intervention"),
    "evidence_document": ("evidence link", "Evidence links to documents"),
    "ladder_check": ("ladder check", "Ladder checks"),
    "referral": ("referral", "Referrals to the panel"),
    "agenda_item": ("agenda item", "Panel agenda items"),
    "decision": ("panel decision", "Panel decisions"),
    "action": ("action", "Actions"),
    "meeting_interest": ("declared interest", "Declared interests"),
    "minutes": ("minutes version", "Minutes"),
    "proposal": ("proposal", "Proposals"),
    "proposal_event": ("proposal history entry", "Proposal history"),
    "move": ("managed move", "Managed moves"),
    "placement": ("placement", "Placements"),
    "quota_charge": ("charge", "Charges"),
    "exclusion": ("exclusion record", "Exclusion records"),
    "attendance": ("attendance record", "Attendance records"),
}
REQUIRED_CASE_FIELDS = frozenset({"first_name", "last_name", "dob", "year_group",
                                  "home_school_id", "pupil_id", "case_ref"})
DATE_COLUMNS = ("at", "on_date", "started_on", "date", "referred_on", "added_at",
                 "recorded_at", "checked_at", "start_on", "submitted_on", "created_at")


def kind_label(entity: str, plural: bool = False) -> str:
    one, many = KIND_LABELS.get(entity, (entity.replace("_", " "),
                                         entity.replace("_", " ").capitalize() + "s"))
    return many if plural else one


def detail_text(detail: Mapping[str, Any]) -> str:
    """An audit entry's detail in words, for the audit viewer: a lawful deletion's reason,
    a purge's rule and counts, a policy change from and to, other codes and counts."""
    rules = {r.key: r.label for r in RetentionPolicy().rules()}
    parts: list[str] = []
    for key, value in detail.items():
        if key == "reason" and isinstance(value, str):
            parts.insert(0, "Reason: " + LAWFUL_REASON_LABELS.get(value, value))
        elif key == "rule" and isinstance(value, str):
            parts.insert(0, "Rule: " + rules.get(value, value.replace("_", " ")))
        elif key in ("records", "files") and isinstance(value, int):
            parts.append(f"{value} {key[:-1]}{'' if value == 1 else 's'}")
        elif key == "failed" and not value:
            continue
        elif key in rules and isinstance(value, list) and len(value) == 2:
            old, new = ("off" if v == 0 else str(v) for v in value)
            parts.append(f"{rules[key]}: {old} → {new}")
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _count_text(counts: Mapping[str, int]) -> str:
    parts = []
    for entity, n in counts.items():
        one = kind_label(entity)
        parts.append(f"{n} {one}" + ("" if n == 1 else "s"))
    return ", ".join(parts)


def _changes(entities: Iterable[str], ids: Iterable[str] = ()) -> Changes:
    from panel_app.core.services.session import Changes

    return Changes(frozenset(entities), frozenset(ids))


def _reason_code(reason: str) -> str:
    """A lawful-deletion reason code from what the user gave, or ValidationError."""
    code = reason.strip().lower().replace("-", "_").replace(" ", "_")
    if code not in LAWFUL_REASONS:
        raise ValidationError([Issue("invalid_reason", "error", "reason",
                                     "Give the reason as one of: "
                                     + ", ".join(LAWFUL_REASONS) + ".")])
    return code


def _plan_signature(kind: str, targets: Iterable[PurgeTarget]) -> str:
    payload = json.dumps([kind, [[t.entity, t.id, t.field, t.rule, sorted(t.records),
                                  sorted(t.unlinks), sorted(t.minutes)]
                                 for t in targets]], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _date(text: Any) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


# -- results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewItem:
    """A case due for review under the retention policy (its pupil's name is for the
    screen only: it is never logged or audited)."""

    case_id: str
    case_ref: str
    pupil: str
    status: str
    closed_on: date | None
    reasons: tuple[Due, ...]

    @property
    def due_since(self) -> date:
        return min(r.since for r in self.reasons)

    @property
    def rule(self) -> str:
        return self.reasons[0].rule

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "case_ref": self.case_ref, "pupil": self.pupil,
                "status": self.status,
                "closed_on": self.closed_on.isoformat() if self.closed_on else None,
                "due_since": self.due_since.isoformat(), "rule": self.rule,
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class PurgeTarget:
    """One thing a purge removes: a case with everything hanging off it, one record with
    what depends on it, or one field of a record."""

    entity: str
    id: str
    display: str  # for the confirmation on screen; may name the pupil; never logged
    case_ref: str
    rule: str  # a retention rule key, or a lawful-deletion reason code
    why: str
    records: tuple[tuple[str, str], ...]  # (entity, id), the target itself included
    unlinks: tuple[tuple[str, str, str], ...] = ()  # (entity, id, column) cleared
    minutes: tuple[str, ...] = ()  # frozen minutes versions to redact
    field: str = ""  # a single field erased
    identities: tuple[tuple[str, str, str, str | None, str], ...] = ()  # (ref, first, ...)
    kept: tuple[tuple[str, int], ...] = ()  # what stays on the same case: (entity, count)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for entity, _id in self.records:
            out[entity] += 1
        return dict(sorted(out.items(), key=lambda kv: (kv[0] not in ("case", "pupil"),
                                                        kv[0])))

    def line(self) -> str:
        why = self.why or "(no reason chosen yet)"
        if self.field:
            return (f"{self.display}: the field '{label(self.field)}' will be erased (and its "
                    f"earlier values); the rest of the record stays. Reason: {why}")
        text = f"{self.display}: {why} Will remove {_count_text(self.counts)}."
        if self.unlinks:
            text += f" {len(self.unlinks)} other records will lose their link to it."
        if self.minutes:
            text += (f" {len(self.minutes)} approved minutes version(s) mentioning it will be "
                     "redacted.")
        if self.entity not in ("case", "pupil") and self.case_ref:
            stays = _count_text(dict(self.kept))
            text += (f"\nKept: case {self.case_ref}" + (f" with {stays}" if stays else "")
                     + (" (the review outcome, recorded as a note or decision, stays)"
                        if self.rule == "overturned" else "") + ".")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.id, "record": self.display,
                "case_ref": self.case_ref, "rule": self.rule, "why": self.why,
                "field": self.field, "counts": self.counts,
                "records": [list(r) for r in self.records],
                "unlinks": [list(u) for u in self.unlinks], "minutes": list(self.minutes),
                "kept": dict(self.kept)}


@dataclass(frozen=True)
class PurgePlan:
    """What a purge or lawful deletion will remove, for the user to confirm. Pass it to
    ``purge``; it is refused if the records changed in between."""

    kind: str  # retention | lawful
    targets: tuple[PurgeTarget, ...]
    made_at: str
    signature: str
    warnings: tuple[str, ...] = ()
    backups: tuple[str, ...] = ()  # older encrypted backups that hold these records
    unreachable: tuple[str, ...] = ()  # backups recorded here that cannot be checked now

    @property
    def empty(self) -> bool:
        return not self.targets

    @property
    def reason_missing(self) -> bool:
        """A lawful deletion planned before its reason was chosen."""
        return self.kind == "lawful" and any(not t.rule for t in self.targets)

    def with_reason(self, reason: str) -> PurgePlan:
        """The same lawful deletion for the reason code ``reason`` (see
        ``LAWFUL_REASONS``); ValidationError for anything else."""
        if self.kind != "lawful":
            raise PanelError("A retention purge takes its reason from the policy.")
        code = _reason_code(reason)
        targets = tuple(replace(t, rule=code, why=LAWFUL_REASONS[code]) for t in self.targets)
        return replace(self, targets=targets, signature=_plan_signature(self.kind, targets))

    @property
    def record_count(self) -> int:
        return sum(len(t.records) for t in self.targets if not t.field)

    def lines(self) -> list[str]:
        """The confirmation text: one line per target, then the warnings."""
        return [t.line() for t in self.targets] + list(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "made_at": self.made_at, "signature": self.signature,
                "targets": [t.to_dict() for t in self.targets],
                "records": self.record_count, "warnings": list(self.warnings),
                "backups": list(self.backups), "unreachable": list(self.unreachable),
                "lines": self.lines()}


@dataclass
class PurgeResult:
    targets: int
    records: int
    changes_scrubbed: int
    minutes_redacted: int
    message: str
    changes: Changes
    backups_removed: list[str] = field(default_factory=list)
    backups_failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"targets": self.targets, "records": self.records,
                "changes_scrubbed": self.changes_scrubbed,
                "minutes_redacted": self.minutes_redacted, "message": self.message,
                "backups_removed": self.backups_removed,
                "backups_failed": self.backups_failed}


@dataclass
class SarResult:
    files: list[PlaintextFile]
    third_party: list[ThirdParty]
    redactions: int
    notice: str = LEAVES_ENCRYPTION

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files], "notice": self.notice,
                "redactions": self.redactions,
                "third_party": [t.__dict__ for t in self.third_party]}


@dataclass
class _Tree:
    chosen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    order: list[tuple[str, str]] = field(default_factory=list)
    unlinks: list[tuple[str, str, str]] = field(default_factory=list)


class PrivacyService:
    """Audit, retention, lawful deletion and subject access (``session.privacy``)."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def store(self) -> PrivacyStore:
        return PrivacyStore(self._s.db)

    def _now(self) -> str:
        return self._s.clock.now().isoformat(timespec="microseconds")

    # -- the audit trail ------------------------------------------------------------------
    def verify_audit(self) -> AuditCheck:
        """Walk the hash chain; the first broken link (entry number, what is wrong) is
        ``problem``."""
        return self._s.verify_audit()

    def case_records(self, case: str) -> set[tuple[str, str]]:
        """Every record of a case and its pupil, live or deleted: the case, the pupil,
        everything hanging off them now, and what their change logs tie to them."""
        store = self.store
        try:
            record = self._s.get_case(case)
            case_id, pupil_id = record.id, record.pupil_id
        except NotFoundError:
            # a deleted or purged case, by id: its tombstone and id references remain
            case_id = case.strip()
            pupil_id = store.value_from_changes("case", case_id, "pupil_id")
            if not pupil_id:
                raise
        tables = store.tables()
        tree = self._tree({"case": {case_id}, "pupil": {pupil_id}}, tables, strict=False)
        found = set(tree.order)
        found |= {("case", case_id), ("pupil", pupil_id)}
        found |= store.related_by_changes([case_id, pupil_id])
        return found

    def audit_entries(self, *, case: str | None = None, action: str | None = None,
                      since: date | str | None = None, person: str | None = None,
                      limit: int | None = 500, newest_first: bool = True) -> list[AuditEntry]:
        """Audit entries, newest first: about one case (and everything of it), of one
        action or group (``export``, ``keys``, ``session``, ``purge``, ``bundle``), since
        a date, by a person (part of the name)."""
        actions: set[str] | None = None
        if action:
            actions = set(ACTION_GROUPS.get(action.strip().lower(), {action.strip()}))
        when: str | None = None
        if isinstance(since, date):
            when = since.isoformat()
        elif since:
            try:
                when = parse_date(str(since)).isoformat()
            except ValueError:
                raise ValidationError([Issue("invalid_date", "error", "since",
                                             f"'{since}' is not a date: use dd/mm/yyyy.")]
                                      ) from None
        records = self.case_records(case) if case else None
        return audit_chain.entries(self._s.db.conn, records=records, actions=actions,
                                   since=when, actor=person, limit=limit,
                                   newest_first=newest_first)

    @plaintext_export("audit_csv")
    def export_audit(self, case: str, out: Path) -> PlaintextFile:
        """A case's history (every audit entry about it, oldest first) as CSV, written
        atomically. Not encrypted; the export is audited."""
        record = self._s.get_case(case)
        out = Path(out)
        self._check_folder(out.parent, "out")
        rows = self.audit_entries(case=record.id, limit=None, newest_first=False)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["seq", "at", "actor", "action", "record", "record_id", "fields",
                         "detail", "hash"])
        for e in rows:
            writer.writerow(spreadsheet_row([  # no formulas (CSV injection)
                e.seq, e.at, e.actor, e.action, kind_label(e.entity) if e.entity else "",
                e.entity_id, " ".join(e.fields),
                json.dumps(dict(e.detail), sort_keys=True) if e.detail else "", e.hash]))
        data = buffer.getvalue().encode("utf-8")
        write_atomic(out, data)
        with self._s._write():
            self._s.repo.audit("audit_exported", "case", record.id,
                               detail={"entries": len(rows), "format": "csv"})
        return PlaintextFile(out, "audit_csv", len(data))

    # -- retention policy -------------------------------------------------------------------
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy.from_settings(self._s.repo.partnership().get("settings"))

    def retention_rules(self) -> list[RuleInfo]:
        """The rules with their values, defaults and reasons (for Settings)."""
        return self.retention_policy().rules()

    def set_retention_policy(self, **values: Any) -> Changes:
        """Change rules (``closed_case_years=7``; 0 turns a rule off). The policy is
        partnership-wide: it travels to partners with the partnership record."""
        before = self.retention_policy()
        policy, issues = before.with_changes(values)
        if issues:
            raise ValidationError(issues)
        p = self._s.repo.partnership()
        settings = dict(p.get("settings") or {})
        if settings.get(SETTINGS_KEY) == policy.to_dict():
            return _changes([])
        settings[SETTINGS_KEY] = policy.to_dict()
        old, new = before.to_dict(), policy.to_dict()
        changed = sorted(k for k in new if old.get(k) != new[k]) or sorted(values)
        with self._s._write():
            self._s.repo.update("partnership", p["id"],
                                {"settings": json.dumps(settings, sort_keys=True)})
            # the rules changed, from and to (numbers of years: nothing about a person)
            self._s.repo.audit("retention_policy_set", "partnership", p["id"],
                               fields=changed,
                               detail={k: [old.get(k), new[k]] for k in changed})
        return _changes(["partnership", "retention"], [p["id"]])

    def due_for_review(self, on: date | None = None) -> list[ReviewItem]:
        """Cases the retention policy says are due for review, longest overdue first."""
        today = on or self._s.clock.today()
        policy = self.retention_policy()
        store = self.store
        latest = store.latest_by_case(store.tables().values())
        out = []
        for f in store.case_facts():
            activity = max(filter(None, (f["updated_at"], f["pupil_updated_at"],
                                         latest.get(f["case_id"]))), default=None)
            facts = CaseFacts(f["case_id"], f["status"], _date(f["opened_on"]),
                              _date(f["closed_on"]), _date(activity), _date(f["dob"]))
            reasons = due_reasons(facts, policy, today)
            if reasons:
                out.append(ReviewItem(f["case_id"], f["case_ref"],
                                      f"{f['first_name']} {f['last_name']}".strip(),
                                      f["status"], facts.closed_on, tuple(reasons)))
        return sorted(out, key=lambda r: (r.due_since, r.case_ref))

    # -- which case a record belongs to ----------------------------------------------------
    def case_refs(self, records: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The reference of the case each record belongs to (a case itself, its pupil, or
        a record hanging off either, followed through its id references, live or deleted),
        for lists such as the audit viewer. A record with no case, or whose case was
        purged (its reference scrubbed), is left out."""
        cases = self._owning_cases(records)
        refs = self.store.case_refs({c for cs in cases.values() for c in cs})
        out: dict[tuple[str, str], str] = {}
        for key, cs in cases.items():
            names = sorted({refs[c] for c in cs if c in refs})
            if names:
                out[key] = ", ".join(names)
        return out

    def _owning_cases(self, records: Iterable[tuple[str, str]]
                      ) -> dict[tuple[str, str], set[str]]:
        """The ids of the cases each record belongs to (see ``case_refs``)."""
        tables = self.store.tables()
        store = self.store
        keys = {(e, i) for e, i in records if e in tables and i}
        owners: dict[tuple[str, str], set[tuple[str, str]]] = {k: {k} for k in keys}
        cases: dict[tuple[str, str], set[str]] = defaultdict(set)
        pupils: dict[tuple[str, str], set[str]] = defaultdict(set)
        seen: set[tuple[str, str]] = set()
        parents: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        found: dict[tuple[str, str], tuple[str, str]] = {}  # record -> ("case"|"pupil", id)
        for _level in range(5):
            if not any(owners.values()):
                break
            todo = {r for rs in owners.values() for r in rs} - seen
            seen |= todo
            by_entity: dict[str, list[str]] = defaultdict(list)
            for entity, rid in todo:
                by_entity[entity].append(rid)
            for entity, ids in by_entity.items():
                if entity in ("case", "pupil"):
                    found.update({(entity, i): (entity, i) for i in ids})
                    continue
                info = tables[entity]
                targets = {col: next((e for e, t in tables.items() if t.table == ptable), "")
                           for col, ptable, _pcol in info.foreign_keys}
                for rid, refs in store.references(info, ids).items():
                    if refs.get("case_id"):
                        found[(entity, rid)] = ("case", refs["case_id"])
                        continue
                    if refs.get("pupil_id"):
                        found[(entity, rid)] = ("pupil", refs["pupil_id"])
                        continue
                    for col, value in refs.items():
                        kind = targets.get(col) or self._kind_named(col, tables)
                        if col == "entity_id" and refs.get("entity") in tables:
                            kind = refs["entity"]
                        if kind and kind not in PROTECTED and col != "entity":
                            parents[(entity, rid)].add((kind, value))
            for key, rs in owners.items():
                nxt: set[tuple[str, str]] = set()
                for r in rs:
                    if r in found:
                        kind, rid = found[r]
                        (cases if kind == "case" else pupils)[key].add(rid)
                    else:
                        nxt |= parents.get(r, set())
                owners[key] = nxt
        by_pupil = store.cases_of_pupils({p for ps in pupils.values() for p in ps})
        for key, ps in pupils.items():
            for pid in ps:
                cases[key] |= by_pupil.get(pid, set())
        return dict(cases)

    @staticmethod
    def _kind_named(column: str, tables: Mapping[str, TableInfo]) -> str:
        """The kind an ``X_id`` column names (``item_id`` -> agenda item), or ""."""
        if not column.endswith("_id") or column == "entity_id":
            return ""
        stem = column[:-3]
        named = [e for e in tables if e == stem or e.endswith("_" + stem)]
        return named[0] if len(named) == 1 else ""

    # -- finding what hangs off a record ----------------------------------------------------
    @staticmethod
    def _references(child: str, info: TableInfo, parent: str,
                    tables: Mapping[str, TableInfo]) -> list[tuple[str, str]]:
        """How records of ``child`` refer to ``parent`` records: (column, how), with how
        ``own`` (they belong to it), ``link`` (a nullable foreign key: cleared) or
        ``pair`` (an entity/entity_id pair)."""
        parent_table = tables[parent].table
        out: dict[str, str] = {}
        fks = {col: ptable for col, ptable, _pcol in info.foreign_keys}
        for col, ptable in fks.items():
            if ptable != parent_table:
                continue
            nullable = not info.columns[col].notnull
            own = col in ("case_id", "pupil_id") or not nullable
            out[col] = "own" if own else "link"
        if parent in ("case", "pupil") and f"{parent}_id" in info.columns:
            out.setdefault(f"{parent}_id", "own")
        for col in info.columns:
            if col in fks or not col.endswith("_id") or col in out:
                continue
            stem = col[:-3]
            named = [e for e in tables if e == stem or e.endswith("_" + stem)]
            if named == [parent]:
                out[col] = "own"
        pairs = [(c, h) for c, h in out.items()]
        if {"entity", "entity_id"} <= set(info.columns):
            pairs.append(("entity_id", "pair"))
        return pairs

    def _tree(self, roots: Mapping[str, set[str]], tables: Mapping[str, TableInfo], *,
              strict: bool = True, exclude: Mapping[str, set[str]] | None = None) -> _Tree:
        """The roots and every record that hangs off them (children found level by level;
        ``order`` lists parents before their children). Records in ``exclude`` are
        neither taken nor followed."""
        store = self.store
        tree = _Tree()
        for entity, ids in (exclude or {}).items():
            tree.chosen[entity] |= set(ids)
        queue: list[tuple[str, set[str]]] = []
        for entity, ids in roots.items():
            fresh = set(ids) - tree.chosen[entity]
            tree.chosen[entity] |= fresh
            tree.order += [(entity, i) for i in sorted(fresh)]
            queue.append((entity, fresh))
        links: list[tuple[str, str, str]] = []
        while queue:
            parent, ids = queue.pop(0)
            if not ids:
                continue
            for child, info in tables.items():
                for col, how in self._references(child, info, parent, tables):
                    found = (store.ids_where_entity(info.table, parent, ids) if how == "pair"
                             else store.ids_where(info.table, col, ids))
                    fresh = set(found) - tree.chosen[child]
                    if not fresh:
                        continue
                    if how == "link":
                        links += [(child, i, col) for i in sorted(fresh)]
                        continue
                    if child in PROTECTED:
                        if how != "pair" and not info.columns[col].notnull:
                            links += [(child, i, col) for i in sorted(fresh)]
                        elif strict:
                            raise PanelError(
                                f"A {kind_label(child)} record that must be kept refers to "
                                "this record, so it cannot be removed automatically: tell "
                                "the partnership's administrator (nothing was changed).")
                        continue
                    tree.chosen[child] |= fresh
                    tree.order += [(child, i) for i in sorted(fresh)]
                    queue.append((child, fresh))
        tree.unlinks = sorted({u for u in links if u[1] not in tree.chosen[u[0]]})
        return tree

    # -- planning a purge ---------------------------------------------------------------------
    def _signature(self, kind: str, targets: list[PurgeTarget]) -> str:
        return _plan_signature(kind, targets)

    def _plan(self, kind: str, targets: list[PurgeTarget], *, field_only: bool = False
              ) -> PurgePlan:
        """The plan with its warnings and the older backups that hold its records."""
        held, unreachable = self._older_backups(targets)
        warnings = list(self._warnings(targets, held, unreachable))
        if field_only:  # no partner bundle warning: the new value travels like any edit
            warnings = [w for w in warnings if not w.startswith("Partners")]
        return PurgePlan(kind, tuple(targets), self._now(), self._signature(kind, targets),
                         tuple(warnings), tuple(str(p) for p in held),
                         tuple(str(p) for p in unreachable))

    def _older_backups(self, targets: list[PurgeTarget]) -> tuple[list[Path], list[Path]]:
        """(held, unreachable): the app's encrypted backups that hold any of these records
        (migration backups beside the file, and backups written with ``backup``), and
        recorded backups that cannot be found or read now."""
        key = self._s._key
        if not targets or key is None:
            return [], []
        ids = {rid for t in targets for _e, rid in t.records}
        present, missing = backup_files.candidates(self._s.path, self._s.db.conn)
        held, unreadable = [], []
        for path in present:
            holds = backup_files.holds_records(path, key, ids)
            if holds:
                held.append(path)
            elif holds is None and path not in backup_files.migration_backups(self._s.path):
                unreadable.append(path)
        return held, missing + unreadable

    def _warnings(self, targets: list[PurgeTarget], held: list[Path] | None = None,
                  unreachable: list[Path] | None = None) -> tuple[str, ...]:
        if not targets:
            return ()
        out = []
        if held:
            one = len(held) == 1
            out.append(f"{len(held)} older encrypted backup{'' if one else 's'} made by the "
                       f"app still hold{'s' if one else ''} these records; unless you keep "
                       f"{'it' if one else 'them'}, {'it is' if one else 'they are'} "
                       "overwritten and deleted after the purge: "
                       + "; ".join(str(p) for p in held) + ".")
        if unreachable:
            out.append("Backups written earlier cannot be found or read now (a USB stick "
                       "not plugged in, a file moved): delete or replace them yourself: "
                       + "; ".join(str(p) for p in unreachable) + ".")
        out += [
            "Copies the app does not know of (a file copied by hand, the computer's own "
            "backups) still hold these records until they are replaced.",
            "Partners remove them when they import your next bundle; send one to every "
            "partner that had these cases.",
            "This cannot be undone.",
        ]
        return tuple(out)

    def _case_target(self, case_id: str, rule: str, why: str, tables: Mapping[str, TableInfo],
                     purging: set[str], *, with_pupil: bool | None = None) -> PurgeTarget:
        record = self._s.get_case(case_id)
        store = self.store
        others = set(store.ids_where("cases", "pupil_id", [record.pupil_id])) - {record.id}
        # The pupil goes when all of its cases go, with the last of them.
        take_pupil = not (others - purging) and record.id == max({record.id} | others)
        tree = self._tree({"case": {record.id}}, tables)
        order, unlinks = list(tree.order), set(tree.unlinks)
        if take_pupil:
            ptree = self._tree({"pupil": {record.pupil_id}}, tables,
                               exclude={"case": others | {record.id}})
            order = ptree.order + [r for r in order if r not in set(ptree.order)]
            unlinks |= set(ptree.unlinks)
        records = tuple(order)
        minutes = tuple(mid for mid, _c in store.minutes_mentioning([record.case_ref]))
        ident = (record.case_ref, record.first_name, record.last_name,
                 record.dob.isoformat() if record.dob else None, record.upn)
        return PurgeTarget(
            "case", record.id, f"{record.case_ref} {record.full_name} "
            f"({record.home_school_name})", record.case_ref, rule, why, records,
            tuple(sorted(unlinks)), minutes, identities=(ident,))

    def plan_purge(self, cases: Iterable[str] | None = None) -> PurgePlan:
        """The purge of every case due for review (or of the named ones, which must be
        due): what will go, for the user to confirm. Nothing is changed."""
        due = {r.case_id: r for r in self.due_for_review()}
        if cases is None:
            chosen = list(due.values())
        else:
            chosen = []
            for ref in cases:
                record = self._s.get_case(ref)
                if record.id not in due:
                    raise PanelError(
                        f"{record.case_ref} is not due for review under the retention "
                        "policy, so it cannot be purged by it. To remove it for another "
                        f"lawful reason, use lawful deletion ('panel-app delete "
                        f"{record.case_ref} --reason CODE').")
                chosen.append(due[record.id])
        tables = self.store.tables()
        purging = {r.case_id for r in chosen}
        targets = [self._case_target(r.case_id, r.rule, r.reasons[0].text, tables, purging)
                   for r in chosen]
        return self._plan("retention", targets)

    def _resolve_record(self, record: str) -> tuple[str, str]:
        text = record.strip()
        entity_hint = ""
        if ":" in text:
            entity_hint, text = (p.strip() for p in text.split(":", 1))
        found = self.store.find_record(text)
        if entity_hint:
            found = [f for f in found if f[0] == entity_hint]
        if not found:
            raise NotFoundError(f"No record '{record}': give a case reference, or KIND:ID "
                                "(for example case_note:3f2a9c) from 'case show --json'.")
        if len(found) > 1:
            kinds = ", ".join(sorted({f"{e}:{i[:8]}" for e, i in found}))
            raise NotFoundError(f"'{record}' matches several records ({kinds}): give more "
                                "of the id, or KIND:ID.")
        return found[0]

    def plan_deletion(self, record: str, *, reason: str | None, field: str | None = None
                      ) -> PurgePlan:
        """The lawful deletion of one record (a case ref, or KIND:ID such as
        ``case_note:3f2a9c``) with what depends on it, or of one ``field`` of it, for the
        reason code ``reason`` (see ``LAWFUL_REASONS``). Nothing is changed. With
        ``reason=None`` the plan can be shown but not applied until ``with_reason``."""
        code = _reason_code(reason) if reason is not None else ""
        why = LAWFUL_REASONS.get(code, "")
        entity, rid = self._resolve_record(record)
        tables = self.store.tables()
        if entity in PROTECTED:
            raise PanelError(f"A {kind_label(entity)} is partnership-wide and cannot be "
                             "deleted this way.")
        if field:
            return self._plan("lawful", [self._field_target(entity, rid, field, code, why,
                                                            tables)], field_only=True)
        if entity == "case":
            targets = [self._case_target(rid, code, why, tables, {rid})]
        elif entity == "pupil":
            case_ids = self.store.ids_where("cases", "pupil_id", [rid])
            purging = set(case_ids)
            targets = [self._case_target(c, code, why, tables, purging) for c in case_ids]
            if not targets:
                tree = self._tree({"pupil": {rid}}, tables)
                targets = [PurgeTarget("pupil", rid, f"pupil record {rid[:8]}", "", code, why,
                                       tuple(tree.order), tuple(tree.unlinks))]
        else:
            own, shared = self._evidence_documents(entity, rid, tables)
            tree = self._tree(self._roots(entity, rid, tables), tables)
            row = self.store.rows(tables[entity], [rid]).get(rid, {})
            ref = self.case_refs([(entity, rid)]).get((entity, rid), "")
            display = (self._describe_evidence(row, ref, own, shared, tables)
                       if entity == "evidence" else self._describe(entity, row, ref))
            targets = [PurgeTarget(entity, rid, display, ref, code,
                                   why, tuple(tree.order), tuple(tree.unlinks),
                                   kept=self._kept(entity, rid, tree.order, tables))]
        return self._plan("lawful", targets)

    def _kept(self, entity: str, rid: str, going: Iterable[tuple[str, str]],
              tables: Mapping[str, TableInfo]) -> tuple[tuple[str, int], ...]:
        """What stays on the live case(s) of a record being deleted on its own: every other
        record of the case and of its pupil, counted by kind."""
        case_ids = self._owning_cases([(entity, rid)]).get((entity, rid), set())
        live = self.store.pupils_of_cases(case_ids)  # the live ones
        if not live:
            return ()
        tree = self._tree({"case": set(live)}, tables, strict=False)
        pupil_ids = set(live.values())
        every_case = set(self.store.ids_where("cases", "pupil_id", pupil_ids))
        ptree = self._tree({"pupil": pupil_ids}, tables, strict=False,
                           exclude={"case": every_case})
        stays = (set(tree.order) | set(ptree.order)) - set(going)
        counts: dict[str, int] = defaultdict(int)
        for kind, _id in stays:
            if kind not in ("case", "pupil"):
                counts[kind] += 1
        return tuple(sorted(counts.items()))

    @staticmethod
    def _describe(entity: str, row: Mapping[str, Any], case_ref: str) -> str:
        when = next((_date(row.get(c)) for c in DATE_COLUMNS if _date(row.get(c))), None)
        text = kind_label(entity).capitalize()
        if entity == "exclusion" and row.get("kind") in EXCLUSION_KINDS:
            text = EXCLUSION_KINDS[str(row["kind"])].capitalize()
        if when:
            text += f" of {format_uk(when)}"
        if entity == "exclusion" and row.get("status") in EXCLUSION_STATUS:
            text += f" ({EXCLUSION_STATUS[str(row['status'])]})"
        if row.get("filename"):
            text += f" ({row['filename']})"
        return text + (f" on case {case_ref}" if case_ref else "")

    def _roots(self, entity: str, rid: str, tables: Mapping[str, TableInfo]
               ) -> dict[str, set[str]]:
        """What a lawful deletion of one record starts from: the record, and for an
        evidence record the documents attached to it that no other record uses."""
        own, _shared = self._evidence_documents(entity, rid, tables)
        return {entity: {rid}, "document": own} if own else {entity: {rid}}

    def _evidence_documents(self, entity: str, rid: str, tables: Mapping[str, TableInfo]
                            ) -> tuple[set[str], set[str]]:
        """(own, shared): the documents attached to evidence record ``rid`` that no other
        evidence record uses (they go with it), and those another one uses (they stay)."""
        if entity != "evidence" or "evidence_document" not in tables:
            return set(), set()
        links = tables["evidence_document"]
        store = self.store
        docs = {str(r["document_id"]) for r in store.rows(
            links, store.ids_where(links.table, "evidence_id", [rid])).values()}
        users: dict[str, set[str]] = defaultdict(set)
        for r in store.rows(links, store.ids_where(links.table, "document_id", docs)).values():
            users[str(r["document_id"])].add(str(r["evidence_id"]))
        own = {d for d in docs if users[d] <= {rid}}
        return own, docs - own

    def _describe_evidence(self, row: Mapping[str, Any], case_ref: str, own: set[str],
                           shared: set[str], tables: Mapping[str, TableInfo]) -> str:
        """For the confirmation: "Evidence record of 07/09/2026 for step 1 (Pastoral
        Support Plan (PSP)), with its document plan.pdf, on case C-…", the ladder item and
        the documents that go (and those that stay: another evidence record uses them)."""
        text = self._describe("evidence", row, "")
        version = self._s.ladders.current()
        kind = str(row.get("kind", ""))
        found = version.ladder.step_by_key(str(row.get("step_key", ""))) if version else None
        item = found[1].item(kind) if found else None
        text += (f" for step {found[0] + 1} ({item.label if item else kind})" if found
                 else f" ({kind}, a step no longer in the ladder)")
        names = {i: str(r.get("filename", "")) for i, r in
                 self.store.rows(tables["document"], own | shared).items()}

        def listed(ids: set[str]) -> str:
            files = sorted(names.get(i, i[:8]) for i in ids)
            return f"document{'' if len(files) == 1 else 's'} {', '.join(files)}"

        if own:
            text += f", with its {listed(own)}"
        if shared:
            one = len(shared) == 1
            text += (f" ({listed(shared)} {'stays' if one else 'stay'}: another evidence "
                     f"record uses {'it' if one else 'them'}; only the link goes)")
        return text + (f", on case {case_ref}" if case_ref else "")

    def _field_target(self, entity: str, rid: str, name: str, code: str, why: str,
                      tables: Mapping[str, TableInfo]) -> PurgeTarget:
        name = name.strip()
        if entity == "case" and name in PUPIL_FIELDS:
            entity, rid = "pupil", self._s.get_case(rid).pupil_id
        info = tables[entity]
        if name not in info.columns or name in info.blob_columns:
            raise ValidationError([Issue("unknown_field", "error", "field",
                                         f"A {kind_label(entity)} has no field '{name}'.")])
        notnull, default = self.store.column_defaults(info.table)[name]
        if (name in REQUIRED_CASE_FIELDS or name == "id" or name.endswith("_id")
                or (notnull and default is None)):
            raise ValidationError([Issue("required_field", "error", "field",
                                         f"'{label(name)}' cannot be erased on its own (every "
                                         f"{kind_label(entity)} needs it): correct it, or "
                                         "delete the whole record.")])
        row = self.store.rows(info, [rid]).get(rid, {})
        if entity == "case":
            ref = str(row.get("case_ref") or "")
        else:
            ref = self.case_refs([(entity, rid)]).get((entity, rid), "")
        display = self._describe(entity, row, ref) if entity != "case" else f"Case {ref}"
        return PurgeTarget(entity, rid, display, ref, code, why, ((entity, rid),), field=name)

    def _replan(self, plan: PurgePlan) -> PurgePlan:
        tables = self.store.tables()
        purging = {t.id for t in plan.targets if t.entity == "case" and not t.field}
        if plan.kind == "retention":
            due = {r.case_id for r in self.due_for_review()}
            if purging - due:
                raise PanelError("Some of these cases are no longer due for review (reopened, "
                                 "or the policy changed): prepare the purge again and check "
                                 "the list. Nothing was changed.")
        targets: list[PurgeTarget] = []
        for t in plan.targets:
            if t.field:
                targets.append(self._field_target(t.entity, t.id, t.field, t.rule, t.why,
                                                  tables))
            elif t.entity == "case":
                targets.append(self._case_target(t.id, t.rule, t.why, tables, purging))
            else:
                tree = self._tree(self._roots(t.entity, t.id, tables), tables)
                targets.append(PurgeTarget(t.entity, t.id, t.display, t.case_ref, t.rule,
                                           t.why, tuple(tree.order), tuple(tree.unlinks)))
        return replace(plan, targets=tuple(targets),
                       signature=self._signature(plan.kind, targets))

    # -- applying it --------------------------------------------------------------------------
    def purge(self, plan: PurgePlan, *, progress: Progress | None = None,
              remove_backups: bool = True) -> PurgeResult:
        """Apply a confirmed plan in one transaction, then rewrite the file so that no
        old page keeps the data, and (``remove_backups``) overwrite and delete the older
        backups the plan lists. Refused (nothing changed) if the records changed since
        the plan was made, or a lawful deletion has no reason."""
        if plan.empty:
            return PurgeResult(0, 0, 0, 0, "Nothing to purge.", _changes([]))
        if plan.reason_missing:
            raise ValidationError([Issue("reason_required", "error", "reason",
                                         "Choose the reason for this deletion: it is "
                                         "recorded in the audit trail. Nothing was changed.")])
        try:
            fresh = self._replan(plan)
        except NotFoundError:
            raise PanelError("Some of these records are no longer here: prepare the purge "
                             "again and check the list. Nothing was changed.") from None
        if fresh.signature != plan.signature:
            raise PanelError("The records changed since this purge was prepared: prepare it "
                             "again and check the list. Nothing was changed.")
        tables = self.store.tables()
        store, repo = self.store, self._s.repo
        action = "purge" if plan.kind == "retention" else "lawful_delete"
        scrubbed = redacted = removed = 0
        entities: set[str] = set()
        ids: set[str] = set()
        total = len(plan.targets)
        # pupils whose exclusion or attendance records go on their own: their open cases'
        # summary fields (suspensions, permanent exclusions ...) follow, as after any edit
        resync = self._pupils_to_resync(plan, tables)
        with self._s._write():
            self._s.db.conn.execute("PRAGMA defer_foreign_keys = ON")
            for n, target in enumerate(plan.targets):
                if progress is not None:
                    progress(n, total + 1, "Removing records")
                entities.add(target.entity)
                ids.add(target.id)
                if target.field:
                    scrubbed += self._erase_field(target, tables)
                    repo.audit(action, target.entity, target.id, fields=[target.field],
                               detail={"reason": target.rule})
                    continue
                for entity, rid, col in target.unlinks:
                    repo.update(entity, rid, {col: None})
                    entities.add(entity)
                by_entity: dict[str, list[str]] = defaultdict(list)
                for entity, rid in reversed(target.records):
                    if repo.delete(entity, rid, purged=True):
                        removed += 1
                    by_entity[entity].append(rid)
                    entities.add(entity)
                    ids.add(rid)
                for entity, rids in by_entity.items():
                    scrubbed += store.scrub_changes(entity, rids)
                store.drop_conflicts(target.records)
                redacted += self._redact_minutes(target)
                counts = target.counts
                detail: dict[str, Any] = {"records": sum(counts.values()), "kinds": counts}
                detail["rule" if plan.kind == "retention" else "reason"] = target.rule
                repo.audit(action, target.entity, target.id, detail=detail)
            if resync:
                updated = self._s.exclusions.sync_cases(resync)
                if updated:
                    entities.add("case")
                    ids.update(updated)
            if BundleStore(self._s.db).foreign_key_problems(i.table for i in tables.values()):
                raise PanelError("The purge would leave records pointing at removed ones, so "
                                 "it was stopped; nothing was changed. Tell the partnership's "
                                 "administrator.")
        if progress is not None:
            progress(total, total + 1, "Rewriting the database file")
        store.compact()
        removed_files, failed_files = (self._remove_backups(plan.backups) if remove_backups
                                       else ([], []))
        if progress is not None:
            progress(total + 1, total + 1, "Done")
        what = "Erased" if any(t.field for t in plan.targets) and not removed else "Removed"
        them = "it" if removed <= 1 else "them"
        message = (f"{what} {removed} record{'' if removed == 1 else 's'}" if removed
                   else f"{what} the field(s)") + (
            f" of {total} {'case' if total == 1 else 'cases'}"
            if plan.kind == "retention" else "") + (
            f"; {redacted} minutes version(s) redacted" if redacted else "") + (
            f". Send a bundle to partners so that they remove {them} too.")
        if removed_files:
            one = len(removed_files) == 1
            message += (f" {len(removed_files)} older backup{'' if one else 's'} holding "
                        f"{them} {'was' if one else 'were'} overwritten and deleted.")
        if failed_files:
            message += (" Could not remove " + "; ".join(failed_files) + ": delete "
                        f"{'it' if len(failed_files) == 1 else 'them'} yourself.")
        elif plan.backups and not remove_backups:
            one = len(plan.backups) == 1
            message += (f" {len(plan.backups)} older backup{'' if one else 's'} still "
                        f"hold{'s' if one else ''} {them}: keep {'it' if one else 'them'} only "
                        "as long as the retention policy allows.")
        if "case" in entities or "pupil" in entities:
            entities.add("case")
        return PurgeResult(total, removed, scrubbed, redacted, message,
                           _changes(entities | {"audit"}, ids), removed_files, failed_files)

    def _pupils_to_resync(self, plan: PurgePlan, tables: Mapping[str, TableInfo]
                          ) -> list[str]:
        out: list[str] = []
        for t in plan.targets:
            if t.field or t.entity in ("case", "pupil"):
                continue
            for entity, rid in t.records:
                if entity in ("exclusion", "attendance"):
                    refs = self.store.references(tables[entity], [rid]).get(rid, {})
                    if refs.get("pupil_id"):
                        out.append(refs["pupil_id"])
        return list(dict.fromkeys(out))

    def _remove_backups(self, paths: Iterable[str]) -> tuple[list[str], list[str]]:
        """Overwrite and delete the backups a purge listed (still there, still opening
        with this key); audited with the number of files, never their names."""
        removed: list[str] = []
        failed: list[str] = []
        key = self._s._key
        for text in paths:
            path = Path(text)
            if not path.is_file():
                continue
            if key is None or backup_files.holds_records(path, key, ()) is None:
                failed.append(text)  # replaced by something else since: not ours to delete
                continue
            try:
                backup_files.remove_for_good(path)
                removed.append(text)
            except OSError:
                failed.append(text)
        if removed or failed:
            with self._s._write():
                backup_files.forget(self._s.db.conn, removed)
                self._s.repo.audit("backups_removed",
                                   detail={"files": len(removed), "failed": len(failed)})
        return removed, failed

    def _erase_field(self, target: PurgeTarget, tables: Mapping[str, TableInfo]) -> int:
        info = tables[target.entity]
        _notnull, default = self.store.column_defaults(info.table)[target.field]
        mark = self._s.repo.change_mark()
        self._s.repo.update(target.entity, target.id, {target.field: default})
        return self.store.scrub_field(target.entity, target.id, target.field, mark)

    def _redact_minutes(self, target: PurgeTarget) -> int:
        if not target.minutes or not target.identities:
            return 0
        refs = {ref: Identity(first, last, dob, upn)
                for ref, first, last, dob, upn in target.identities}
        staff = self.store.people_names()
        note = (f"Redacted on {format_uk(self._s.clock.today())}: a case was removed under "
                "the partnership's retention policy or a lawful deletion.")
        count = 0
        for mid, content in self.store.minutes_mentioning(list(refs)):
            if mid not in target.minutes:
                continue
            try:
                doc = MinutesDocument.from_dict(json.loads(content))
            except (ValueError, TypeError, KeyError):
                continue
            clean = remove_from_minutes(doc, refs, note, keep=staff)
            text = json.dumps(clean.to_dict(), sort_keys=True, ensure_ascii=False)
            self._s.repo.update("minutes", mid, {
                "content": text, "sha256": hashlib.sha256(text.encode()).hexdigest()})
            count += 1
        return count

    # -- subject access -----------------------------------------------------------------------
    def subject_access(self, case: str) -> SubjectAccess:
        """Everything held about the pupil of ``case`` (all of the pupil's cases), other
        pupils redacted, with the third-party information to review. Nothing is written."""
        from panel_app.core.services.subject_access import build_subject_access

        return build_subject_access(self, case)


    @plaintext_export("subject_access")
    def write_subject_access(self, case: str, folder: Path, *, documents: bool = False
                             ) -> SarResult:
        """Write the subject-access PDF and JSON (and, with ``documents``, copies of the
        attached documents) into ``folder``. Not encrypted; the export is audited."""
        from panel_app.core.reports.sar_pdf import render_subject_access

        folder = Path(folder)
        self._check_folder(folder, "out")
        record = self._s.get_case(case)
        sar = self.subject_access(record.id)
        stem = f"subject-access-{record.case_ref}-{sar.produced_on}"
        pdf = render_subject_access(sar)
        data = json.dumps(sar.to_dict(), indent=2, ensure_ascii=False, sort_keys=True,
                          default=str).encode("utf-8")
        files = []
        for name, content, kind in ((f"{stem}.pdf", pdf, "sar_pdf"),
                                    (f"{stem}.json", data, "sar_json")):
            write_atomic(folder / name, content)
            files.append(PlaintextFile(folder / name, kind, len(content)))
        if documents:
            files += self._write_documents(folder / f"{stem}-documents", record.pupil_id)
        with self._s._write():
            self._s.repo.audit("sar_exported", "pupil", record.pupil_id,
                               detail={"files": len(files), "cases": len(sar.cases),
                                       "redactions": sar.redactions,
                                       "third_party": len(sar.third_party)})
        return SarResult(files, sar.third_party, sar.redactions)

    def _write_documents(self, folder: Path, pupil_id: str) -> list[PlaintextFile]:
        store = self.store
        tables = store.tables()
        cases = store.ids_where("cases", "pupil_id", [pupil_id])
        doc_ids = store.ids_where(tables["document"].table, "case_id", cases)
        if not doc_ids:
            return []
        folder.mkdir(mode=0o700, exist_ok=True)
        out, used = [], set()
        for did in sorted(doc_ids):
            found = self._s.repo.document_content(did)
            if found is None:
                continue
            info, content = found
            name = re.sub(r"[^\w.\- ]+", "_", Path(info.filename).name).strip() or did
            while name in used:
                name = f"{did[:6]}-{name}"
            used.add(name)
            write_atomic(folder / name, content)
            out.append(PlaintextFile(folder / name, "document", len(content)))
        return out

    @staticmethod
    def _check_folder(folder: Path, field_name: str) -> None:
        if not folder.is_dir():
            raise ValidationError([Issue("no_folder", "error", field_name,
                                         f"The folder {folder} does not exist: choose "
                                         "another place to save the file.")])


__all__ = [
    "ACTION_GROUPS",
    "LAWFUL_REASONS",
    "PrivacyService",
    "PurgePlan",
    "PurgeResult",
    "PurgeTarget",
    "ReviewItem",
    "SarResult",
    "detail_text",
]
