"""Case bundles on the session facade: ``session.bundles``.

Identity, the partnership directory of contact cards, this installation's own school,
export of encrypted signed bundles, import with a preview, and the conflicts queue. The
GUI and the CLI call only this class; the format lives in ``core.bundles.format``, the
merge in ``core.bundles.merge``, scope in ``core.bundles.scope`` and the SQL in
``core.storage.bundles_repo``. Decrypted bundle contents stay in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel_app import __version__
from panel_app.core.bundles import format as fmt
from panel_app.core.bundles.identity import (
    MANIFEST_CONTEXT,
    Card,
    KeyPairs,
    decode_card,
    encode_card,
    fingerprint,
    generate_keys,
    normalise_fingerprint,
    sign,
    verify,
)
from panel_app.core.bundles.merge import (
    KnownConflict,
    LocalRecord,
    Plan,
    RowWrite,
    describe_value,
    plan_merge,
    rebuild_row,
    record_label,
    sql_value,
)
from panel_app.core.bundles.scope import Audience, ScopeData, Scoper, all_may_receive
from panel_app.core.domain.changelog import DELETED, Change, TableInfo
from panel_app.core.domain.dates import uk_day
from panel_app.core.domain.models import new_id
from panel_app.core.domain.validation import ALL_FIELDS, coerce_fields, label
from panel_app.core.domain.wording import plural
from panel_app.core.errors import BundleError, NotFoundError, ValidationError
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.secrets.keyfile import passphrase_problem
from panel_app.core.storage.bundles_repo import BundleStore
from panel_app.core.storage.privacy_repo import PrivacyStore, purged_history
from panel_app.core.storage.repository import ENTITY_TABLES
from panel_app.core.storage.schema import LATEST

if TYPE_CHECKING:
    from panel_app.core.services.session import Changes, PartnershipSession

Progress = Callable[[int, int, str], None]

SEAT_KEY, SCHOOL_KEY = "installation_seat", "installation_school_id"
MAX_CLOCK_SKEW = timedelta(days=1)


def _no_progress(done: int, total: int, text: str) -> None:
    return None


def _changes(entities: Iterable[str], ids: Iterable[str] = ()) -> Changes:
    from panel_app.core.services.session import Changes

    return Changes(frozenset(entities), frozenset(ids))


def import_summary(sender: str, new_cases: int, new_records: int, changed: int,
                   deleted: int, conflicts: int) -> str:
    """What an import brings, in words (the counts of a preview or of its result), as the
    command line and the Bundles section both say it."""
    parts = []
    if new_records:
        others = new_records - new_cases
        parts.append(plural(new_cases, "new case") + (
            f" and {plural(others, 'other new record')}" if others else ""))
    if changed:
        parts.append(plural(changed, "changed field"))
    if deleted:
        parts.append(plural(deleted, "deletion"))
    if conflicts:
        parts.append(plural(conflicts, "conflict") + " to resolve")
    detail = ", ".join(parts) or "no change to any record, only to their history"
    return f"From {sender}: {detail}."


@dataclass(frozen=True)
class Identity:
    installation_id: str
    fingerprint: str
    age_recipient: str
    sign_public: str
    seat: str
    school_id: str
    school_name: str
    label: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Partner:
    """A card in the partnership directory."""

    fingerprint: str
    installation_id: str
    label: str
    seat: str
    school_id: str
    school_name: str
    status: str
    added_at: str
    status_at: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CardCheck:
    """What importing a card would do; show ``fingerprint`` for the user to confirm."""

    card: Card
    fingerprint: str
    seat: str
    school_id: str
    school_name: str
    action: str  # new | same | replaces
    replaces: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "installation_id": self.card.installation_id,
                "label": self.card.label, "seat": self.seat, "school_id": self.school_id,
                "school_name": self.school_name, "action": self.action,
                "replaces": list(self.replaces),
                "partnership": self.card.partnership_name}


@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    sequence: int
    size: int
    scope: str
    recipients: list[str]
    counts: dict[str, Any]
    prerequisites: list[dict[str, Any]]
    warning: str
    changes: Changes

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "bundle_id": self.bundle_id, "sequence": self.sequence,
                "size": self.size, "too_large_for_mail": bool(self.warning),
                "warning": self.warning, "scope": self.scope, "recipients": self.recipients,
                "counts": self.counts, "prerequisites": self.prerequisites}


@dataclass
class ImportPreview:
    """Everything an import would change, computed without writing. The records stay in
    memory here and nowhere else."""

    manifest: fmt.Manifest
    sender: Partner
    status: str  # ready | already_imported | nothing_new
    message: str
    plan: Plan
    reapply: bool = False
    joins_partnership: bool = False
    _records: list[fmt.Record] = field(default_factory=list, repr=False)
    _written: int = -1  # the connection's write count when planned (-1: plan again)

    @property
    def new_cases(self) -> list[str]:
        return [lbl for e, _i, lbl in self.plan.new_records if e == "case"]

    def new_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for e, _i, _l in self.plan.new_records:
            counts[e] += 1
        return dict(counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "bundle": self.manifest.to_dict(),
            "sender": self.sender.to_dict(),
            "joins_partnership": self.joins_partnership,
            "new_cases": self.new_cases,
            "new_records": self.new_counts(),
            "changed_fields": [
                {"entity": c.entity, "id": c.entity_id, "record": c.label, "field": c.field,
                 "old": c.old, "new": c.new} for c in self.plan.field_changes],
            "conflicts": [
                {"entity": c.entity, "id": c.entity_id, "record": c.label, "field": c.field,
                 "mine": _json_or_text(c.local.value), "theirs": _json_or_text(c.remote.value)}
                for c in self.plan.conflicts],
            "deleted": [{"entity": e, "id": i, "record": lbl}
                        for e, i, lbl in self.plan.deletions],
            "notes": self.plan.notes,
            "new_changes": len(self.plan.changes),
        }


@dataclass
class ImportResult:
    bundle_id: str
    applied: bool
    message: str
    new_records: int
    changed_fields: int
    conflicts: int
    deleted: int
    changes: Changes

    def to_dict(self) -> dict[str, Any]:
        return {"bundle_id": self.bundle_id, "applied": self.applied, "message": self.message,
                "new_records": self.new_records, "changed_fields": self.changed_fields,
                "conflicts": self.conflicts, "deleted": self.deleted}


@dataclass
class ConflictInfo:
    id: str
    entity: str
    entity_id: str
    record: str
    field: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    current: Any
    detected_at: str
    status: str
    resolution: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


UNASSIGNED = "Unassigned installation"  # the label of a card made before its seat was set


def _directory_label(check: CardCheck) -> str:
    """How the directory names a partner: the card's own label, unless the card was made
    before the partner set its school (a new installation joining), when the school or
    panel seat it was imported as names it instead of "Unassigned installation"."""
    label = check.card.label
    where = "Panel clerk" if check.seat == "panel" else check.school_name
    if label.startswith(UNASSIGNED) and where:
        return where + label[len(UNASSIGNED):]
    return label


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class BundleService:
    """Bundles for one open session (``session.bundles``)."""

    def __init__(self, session: PartnershipSession) -> None:
        self.session = session

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def store(self) -> BundleStore:
        return BundleStore(self.session.db)

    def _now(self) -> str:
        return self.session.clock.now().isoformat(timespec="microseconds")

    def _tables(self) -> dict[str, TableInfo]:
        store = self.store
        return {entity: store.table_info(entity) for entity in ENTITY_TABLES}

    def _keys(self) -> KeyPairs:
        raw = self.store.keys()
        if raw is not None:
            return KeyPairs(*raw)
        keys = generate_keys()
        with self.session._write():
            self.store.store_keys(keys.age_identity, keys.age_recipient, keys.sign_private,
                                  keys.sign_public, self._now())
            self.session.repo.audit("identity_created")
        return keys

    # -- identity and own school ----------------------------------------------------------------
    def own_seat(self) -> tuple[str, str]:
        repo = self.session.repo
        return repo.get_meta(SEAT_KEY), repo.get_meta(SCHOOL_KEY)

    def _school_name(self, school_id: str) -> str:
        return next((s.name for s in self.session.list_schools() if s.id == school_id), "")

    def _own_label(self) -> str:
        seat, school_id = self.own_seat()
        where = ("Panel clerk" if seat == "panel" else self._school_name(school_id)
                 or UNASSIGNED)
        return f"{where} ({self.session.user_name})"

    def identity(self) -> Identity:
        keys = self._keys()
        seat, school_id = self.own_seat()
        return Identity(
            installation_id=self.session.site_id,
            fingerprint=fingerprint(keys.age_recipient, keys.sign_public),
            age_recipient=keys.age_recipient,
            sign_public=base64.b64encode(keys.sign_public).decode(),
            seat=seat,
            school_id=school_id,
            school_name=self._school_name(school_id),
            label=self._own_label(),
            created_at=self.store.identity_created_at(),
        )

    def set_own_school(self, school: str | None, *, panel: bool = False) -> Changes:
        """This installation belongs to one member school, or is the panel (clerk's) seat.
        Cards exported afterwards say so; export a new card and send it to partners."""
        if panel == bool(school):
            raise ValidationError([_issue("Name this installation's school, or choose the "
                                             "panel seat (not both).")])
        school_id = "" if panel else self.session.find_school(str(school)).id
        with self.session._write():
            self.session.repo.set_meta(SEAT_KEY, "panel" if panel else "school")
            self.session.repo.set_meta(SCHOOL_KEY, school_id)
            self.session.repo.audit("set_installation_school")
        return _changes(["installation"])

    def new_installation_identity(self) -> Identity:
        """Make this database a separate installation with its own id and keys (after a
        database was copied to a second computer: two installations must never share
        them). Partners need this installation's new card."""
        new_site = new_id()
        keys = generate_keys()
        with self.session._write():
            store = self.store
            store.set_site_id(new_site)
            store.store_keys(keys.age_identity, keys.age_recipient, keys.sign_private,
                             keys.sign_public, self._now())
            store.forget_exchanges()
            self.session.repo.audit("new_installation_identity")
        self.session.site_id = new_site
        self.session.repo.site_id = new_site
        return self.identity()

    def age_identity_text(self) -> str:
        """The age secret key (``AGE-SECRET-KEY-1...``), for disaster recovery with the
        ``age`` tool. Whoever holds it can read every bundle sent to this installation."""
        text = self._keys().age_identity
        with self.session._write():
            self.session.repo.audit("age_identity_exported")
        return text

    # -- cards and the directory ------------------------------------------------------------------
    def card(self) -> Card:
        keys = self._keys()
        seat, school_id = self.own_seat()
        school = next((s for s in self.session.list_schools() if s.id == school_id), None)
        partnership = self.store.partnership()
        return Card(
            installation_id=self.session.site_id,
            label=self._own_label(),
            seat=seat,
            school_id=school.id if school else "",
            school_name=school.name if school else "",
            school_urn=school.urn if school else "",
            partnership_id=partnership["id"],
            partnership_name=partnership["name"],
            age_recipient=keys.age_recipient,
            sign_public=keys.sign_public,
            issued_at=self._now(),
        )

    def export_card(self, path: Path | None = None) -> bytes:
        data = encode_card(self.card(), self._keys().sign_private)
        if path is not None:
            write_atomic(Path(path), data, mode=0o644)
        with self.session._write():
            self.session.repo.audit("card_exported")
        return data

    def _partner(self, row: dict[str, Any]) -> Partner:
        return Partner(row["fingerprint"], row["installation_id"], row["label"], row["seat"],
                       row["school_id"] or "", self._school_name(row["school_id"] or ""),
                       row["status"], row["added_at"], row["status_at"] or "")

    def directory(self) -> list[Partner]:
        return [self._partner(r) for r in self.store.directory()]

    def check_card(self, data: bytes, *, school: str | None = None,
                   panel: bool = False) -> CardCheck:
        card = decode_card(data)
        if card.installation_id == self.session.site_id:
            raise BundleError("This is this installation's own card: import the cards of the "
                              "other schools and of the panel clerk.")
        ours = self.store.partnership()
        if card.partnership_id != ours["id"] and card.seat and not self.store.is_empty():
            # An installation set up in a partnership of its own (a school or the panel
            # seat): its bundles would be refused here, and ours would give it our records.
            # A new installation has no seat yet: its card is how it joins (BUNDLES.md).
            raise BundleError(
                f"This card belongs to another partnership ('{card.partnership_name}'), not "
                f"'{ours['name']}': bundles from that installation could never be imported "
                "here, so it was not imported; nothing was changed. A new installation that "
                "is to join this partnership sends its card before choosing its school or the "
                "panel seat.")
        fp = card.fingerprint
        existing = self.store.card_by_fingerprint(fp)
        if existing is not None and existing["status"] == "revoked":
            revoked_on = uk_day(existing["status_at"])
            raise BundleError(f"This card ({fp}) was revoked on {revoked_on} and "
                              "cannot be imported again. Ask the partner for a new card.")
        seat, school_id = self._card_school(card, school, panel)
        others = [r for r in self.store.cards_of_installation(card.installation_id)
                  if r["status"] == "active" and r["fingerprint"] != fp]
        action = "same" if existing else ("replaces" if others else "new")
        return CardCheck(card, fp, seat, school_id, self._school_name(school_id), action,
                         tuple(r["fingerprint"] for r in others))

    def _card_school(self, card: Card, school: str | None, panel: bool) -> tuple[str, str]:
        if panel or (card.seat == "panel" and not school):
            return "panel", ""
        if school:
            return "school", self.session.find_school(school).id
        schools = self.session.list_schools()
        for found in (
            [s for s in schools if s.id == card.school_id],
            [s for s in schools if card.school_urn and s.urn == card.school_urn],
            [s for s in schools if card.school_name
             and s.name.casefold() == card.school_name.casefold()],
        ):
            if len(found) == 1:
                return "school", found[0].id
        named = card.school_name or "no school"
        raise BundleError(f"The card names {named}, which is not a school in this partnership: "
                          "say which school it belongs to (--school), or that it is the panel "
                          "seat (--panel).")

    def import_card(self, data: bytes, fingerprint_confirmed: str, *, school: str | None = None,
                    panel: bool = False) -> Partner:
        """Add (or replace) a partner's card. ``fingerprint_confirmed`` is what the user
        checked with the partner (read out over the phone); it must match."""
        check = self.check_card(data, school=school, panel=panel)
        if normalise_fingerprint(fingerprint_confirmed) != check.fingerprint:
            raise BundleError("The fingerprint you confirmed does not match this card: do not "
                              "import it. Check the card's origin with the partner; nothing "
                              "was changed.")
        now = self._now()
        card = check.card
        with self.session._write():
            for old in check.replaces:
                self.store.set_card_status(old, "replaced", now)
            self.store.add_card({
                "fingerprint": check.fingerprint, "installation_id": card.installation_id,
                "label": _directory_label(check), "seat": check.seat,
                "school_id": check.school_id or None,
                "partnership_id": card.partnership_id, "age_recipient": card.age_recipient,
                "sign_public": card.sign_public, "card": data.decode("utf-8"),
                "status": "active", "added_at": now, "status_at": None,
            })
            self.session.repo.audit("card_imported", "card", card.installation_id)
        row = self.store.card_by_fingerprint(check.fingerprint)
        assert row is not None
        return self._partner(row)

    def revoke(self, who: str) -> Partner:
        """Stop trusting a card (a lost laptop, a partner leaving): bundles signed with it
        are refused and nothing more is encrypted to it."""
        matches = self._find_cards(who, active_only=False)
        active = [m for m in matches if m["status"] != "revoked"]
        if len(active) != 1:
            raise NotFoundError(
                f"'{who}' matches {len(active)} cards that are not revoked: give the card's "
                "fingerprint (see 'panel-app card list')." if active else
                f"No card matches '{who}' (or it is already revoked): see 'panel-app card list'.")
        with self.session._write():
            self.store.set_card_status(active[0]["fingerprint"], "revoked", self._now())
            self.session.repo.audit("card_revoked", "card", active[0]["installation_id"])
        row = self.store.card_by_fingerprint(active[0]["fingerprint"])
        assert row is not None
        return self._partner(row)

    def _find_cards(self, who: str, *, active_only: bool = True) -> list[dict[str, Any]]:
        rows = self.store.directory()
        if active_only:
            rows = [r for r in rows if r["status"] == "active"]
        wanted = who.strip()
        fp = normalise_fingerprint(wanted)
        hits = [r for r in rows if r["fingerprint"] == fp or r["installation_id"] == wanted]
        if hits:
            return hits
        if wanted.casefold() in {"panel", "clerk", "panel clerk"}:
            return [r for r in rows if r["seat"] == "panel"]
        try:
            school = self.session.find_school(wanted)
        except NotFoundError:
            return [r for r in rows if r["label"].casefold() == wanted.casefold()]
        return [r for r in rows if r["school_id"] == school.id]

    def partners_for(self, who: str) -> list[Partner]:
        return [self._partner(r) for r in self._find_cards(who)]

    # -- export ---------------------------------------------------------------------------------
    def export_bundle(
        self,
        to: Sequence[str],
        out: Path,
        *,
        since_last: bool = False,
        passphrase: str | None = None,
        progress: Progress | None = None,
    ) -> ExportResult:
        """Write one bundle for the named partners (schools, 'panel', card fingerprints).
        It carries only the records every one of them is party to; with ``since_last``,
        only what changed since the last bundle to each (naming that bundle as its
        prerequisite). With ``passphrase`` the bundle is for a partner with no card yet."""
        progress = progress or _no_progress
        out = Path(out)
        self._refuse_own_files(out)
        if not to:
            raise BundleError("Choose at least one recipient (a school, or the panel).")
        keys = self._keys()
        own_seat, own_school = self.own_seat()
        cards: list[dict[str, Any]] = []
        if passphrase is not None:
            if since_last:
                raise BundleError("A passphrase bundle is always complete: leave out "
                                  "'changes since the last bundle'.")
            problem = passphrase_problem(passphrase)
            if problem:
                raise ValidationError([_issue(problem, "passphrase")])
            audiences, parties = self._passphrase_audiences(to)
        else:
            cards = self._recipient_cards(to)
            audiences = [Audience(c["seat"], c["school_id"] or "") for c in cards]
            parties = [fmt.Party(c["installation_id"], c["fingerprint"], c["label"], c["seat"],
                                 c["school_id"] or "") for c in cards]
        tables = self._tables()
        store = self.store
        progress(0, 1, "Choosing records")
        max_seq = store.max_seq_by_record()
        sent = {c["installation_id"]: store.sent(c["installation_id"]) for c in cards}
        links = {c["installation_id"]: store.link(c["installation_id"]) for c in cards}
        incremental = since_last and any(links.values())
        live: dict[str, dict[str, dict[str, Any]]] = {e: store.rows(i) for e, i in tables.items()}
        deleted = self._deleted_rows(store, tables, live)
        data = ScopeData(cases={**deleted.get("case", {}), **live.get("case", {})},
                         pupils={**deleted.get("pupil", {}), **live.get("pupil", {})},
                         moves={**deleted.get("move", {}), **live.get("move", {})})
        scoper = Scoper(tables, {e: {**deleted.get(e, {}), **live.get(e, {})} for e in tables},
                        data)
        chosen: list[tuple[str, str, dict[str, Any] | None]] = []
        for entity in tables:
            for rows, is_live in ((live[entity], True), (deleted.get(entity, {}), False)):
                for rid, row in rows.items():
                    if not all_may_receive(audiences, scoper.scope(entity, row)):
                        continue
                    key = (entity, rid)
                    if incremental and not any(
                            sent[c["installation_id"]].get(key, -1) < max_seq.get(key, 0)
                            for c in cards):
                        continue
                    chosen.append((entity, rid, row if is_live else None))
        records, blobs, counts = self._pack_records(store, tables, chosen, progress)
        compressed, raw_size = fmt.compress_records(records)
        blob_bytes = bytes(blobs)
        partnership = store.partnership()
        sequence = store.next_sequence()
        created = self._now()
        prerequisites = [
            fmt.Prerequisite(inst, link["bundle_id"], int(link["sequence"]), link["created_at"])
            for inst, link in links.items() if incremental and link]
        manifest = fmt.Manifest(
            format_version=fmt.FORMAT_VERSION, bundle_id=new_id(), sequence=sequence,
            created_at=created, schema_version=LATEST, app_version=__version__,
            partnership_id=partnership["id"], partnership_name=partnership["name"],
            sender=fmt.Party(self.session.site_id, fingerprint(keys.age_recipient,
                                                               keys.sign_public),
                             self._own_label(), own_seat, own_school),
            recipients=tuple(parties),
            protection="passphrase" if passphrase is not None else "recipients",
            scope="incremental" if incremental else "full",
            prerequisites=tuple(prerequisites), counts=counts,
            records_sha256=hashlib.sha256(compressed).hexdigest(), records_size=raw_size,
            blobs_sha256=hashlib.sha256(blob_bytes).hexdigest())
        manifest_raw = fmt.encode_manifest(manifest)
        signature = sign(keys.sign_private, MANIFEST_CONTEXT, manifest_raw)
        inner = fmt.pack(manifest_raw, signature, compressed, blob_bytes)
        progress(0, 1, "Encrypting")
        if passphrase is not None:
            data_out = fmt.encrypt_with_passphrase(inner, passphrase)
        else:
            data_out = fmt.encrypt(inner, [c["age_recipient"] for c in cards]
                                   + [keys.age_recipient])
        del inner
        progress(0, 1, "Writing")
        write_atomic(out, data_out, mode=0o600)
        with self.session._write():
            store.record_export(manifest.bundle_id, sequence, created, manifest.scope,
                                [p.to_dict() for p in parties], len(data_out), counts)
            for c in cards:
                inst = c["installation_id"]
                store.set_link(inst, manifest.bundle_id, sequence, created)
                store.mark_sent(inst, [(e, i, max_seq.get((e, i), 0)) for e, i, _r in chosen])
            self.session.repo.audit("bundle_export", "bundle", manifest.bundle_id,
                                    fields=sorted(counts["records"]))
        progress(1, 1, "Done")
        size = len(data_out)
        warning = ""
        if size > fmt.WARN_BYTES:
            warning = (f"The bundle is {size / 1e6:.1f} MB, more than many mail systems accept "
                       "(10 MB): send it another secure way, or send changes since the last "
                       "bundle instead.")
        return ExportResult(out, manifest.bundle_id, sequence, size, manifest.scope,
                            [p.label for p in parties], counts,
                            [p.to_dict() for p in prerequisites], warning,
                            _changes(["bundle"], [manifest.bundle_id]))

    def _refuse_own_files(self, out: Path) -> None:
        db = self.session.path
        own = {Path(f"{db}{s}").resolve() for s in ("", "-wal", "-shm", "-journal", ".key")}
        if out.resolve() in own:
            raise BundleError(f"A bundle cannot be written over {out.name}, which the open "
                              "database uses: choose another file name.")
        if not out.parent.is_dir():
            raise BundleError(f"The folder {out.parent} does not exist: choose another.")

    def _recipient_cards(self, to: Sequence[str]) -> list[dict[str, Any]]:
        cards: dict[str, dict[str, Any]] = {}
        for who in to:
            found = self._find_cards(who)
            if not found:
                revoked = self._find_cards(who, active_only=False)
                if revoked:
                    raise BundleError(f"The card of '{who}' was revoked: import a new card "
                                      "from them before sending a bundle.")
                raise BundleError(f"There is no partner card for '{who}': import their card "
                                  "first ('panel-app card import'), or protect the bundle with "
                                  "a passphrase.")
            for c in found:
                if c["seat"] not in ("school", "panel") or (c["seat"] == "school"
                                                            and not c["school_id"]):
                    raise BundleError(f"The card of {c['label']} is not linked to a school: "
                                      "import it again and say which school it belongs to.")
                cards[c["fingerprint"]] = c
        return list(cards.values())

    def _passphrase_audiences(self, to: Sequence[str]
                              ) -> tuple[list[Audience], list[fmt.Party]]:
        audiences, parties = [], []
        for who in to:
            if who.strip().casefold() in {"panel", "clerk", "panel clerk"}:
                audiences.append(Audience("panel"))
                parties.append(fmt.Party("", "", "Panel clerk", "panel", ""))
                continue
            school = self.session.find_school(who)
            audiences.append(Audience("school", school.id))
            parties.append(fmt.Party("", "", school.name, "school", school.id))
        return audiences, parties

    def _deleted_rows(self, store: BundleStore, tables: dict[str, TableInfo],
                      live: dict[str, dict[str, dict[str, Any]]]
                      ) -> dict[str, dict[str, dict[str, Any]]]:
        """Deleted records, rebuilt from their change logs (their tombstones travel to the
        same partners the records did)."""
        gone: dict[str, list[str]] = defaultdict(list)
        for entity, rid in store.deleted_records():
            if entity in tables and rid not in live.get(entity, {}):
                gone[entity].append(rid)
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for entity, ids in gone.items():
            logs = store.changes_of(entity, ids)
            out[entity] = {rid: {**rebuild_row(logs.get(rid, [])), "id": rid} for rid in ids}
        return out

    def _pack_records(
        self,
        store: BundleStore,
        tables: dict[str, TableInfo],
        chosen: list[tuple[str, str, dict[str, Any] | None]],
        progress: Progress,
    ) -> tuple[list[dict[str, Any]], bytearray, dict[str, Any]]:
        by_entity: dict[str, list[tuple[str, dict[str, Any] | None]]] = defaultdict(list)
        for entity, rid, row in chosen:
            by_entity[entity].append((rid, row))
        records: list[dict[str, Any]] = []
        blobs = bytearray()
        counts: dict[str, Any] = {"records": {}, "changes": 0, "documents": 0,
                                  "document_bytes": 0, "deleted": 0}
        done, total = 0, len(chosen)
        for entity, items in by_entity.items():
            info = tables[entity]
            logs = store.changes_of(entity, [rid for rid, _ in items])
            counts["records"][entity] = len(items)
            for rid, row in items:
                refs: dict[str, dict[str, Any]] = {}
                if row is not None:
                    for col in sorted(info.blob_columns):
                        content = store.blob(info, col, rid)
                        refs[col] = {"offset": len(blobs), "length": len(content),
                                     "sha256": hashlib.sha256(content).hexdigest()}
                        blobs += content
                        counts["documents"] += 1
                        counts["document_bytes"] += len(content)
                else:
                    counts["deleted"] += 1
                history = logs.get(rid, [])
                if row is None:
                    history = purged_history(history)  # a purge sends only tombstones
                counts["changes"] += len(history)
                records.append({"entity": entity, "id": rid, "row": row, "blobs": refs,
                                "changes": [c.to_list() for c in history]})
                done += 1
                if done % 200 == 0:
                    progress(done, total, "Packing records")
        progress(total, total, "Packing records")
        return records, blobs, counts

    # -- import ---------------------------------------------------------------------------------
    def needs_passphrase(self, source: Path | bytes) -> bool:
        return fmt.is_passphrase_protected(self._read(source))

    def _read(self, source: Path | bytes) -> bytes:
        if isinstance(source, bytes | bytearray):
            return bytes(source)
        path = Path(source)
        try:
            if path.stat().st_size > fmt.MAX_BUNDLE_BYTES:
                raise BundleError(f"{path.name} is too large to be a bundle (over 2 GB).")
            return path.read_bytes()
        except OSError as exc:
            raise BundleError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None

    def _open(self, source: Path | bytes, passphrase: str | None
              ) -> tuple[fmt.Container, dict[str, Any]]:
        """Decrypt and check the signature against the directory."""
        data = self._read(source)
        if passphrase is not None:
            inner = fmt.decrypt_with_passphrase(data, passphrase)
        else:
            inner = fmt.decrypt(data, [self._keys().age_identity])
        container = fmt.unpack(inner)
        sender_id = fmt.manifest_sender_id(container.manifest_bytes)
        if sender_id == self.session.site_id:
            raise BundleError("This bundle was made by this installation: send it to the "
                              "partner it is for; it has nothing to import here.")
        cards = self.store.cards_of_installation(sender_id)
        active = [c for c in cards if c["status"] == "active"]
        if not active:
            if any(c["status"] == "revoked" for c in cards):
                raise BundleError("This bundle was signed with a card that was revoked here: it "
                                  "was refused. Nothing was changed.")
            if cards:
                raise BundleError("This bundle was signed with an old card of the sender that "
                                  "was replaced: ask them for a new bundle. Nothing was changed.")
            raise BundleError("This bundle comes from an installation that is not in your "
                              "partnership directory. Import the sender's card first (check its "
                              "fingerprint with them), then import the bundle again. Nothing "
                              "was changed.")
        for card in active:
            if verify(card["sign_public"], MANIFEST_CONTEXT, container.manifest_bytes,
                      container.signature):
                return container, card
        raise BundleError(f"The bundle's signature does not match the card of {active[0]['label']}"
                          ": it was changed after it was signed, or signed by someone else. It "
                          "was refused; nothing was changed. Check with the sender.")

    def inspect(self, source: Path | bytes, *, passphrase: str | None = None) -> dict[str, Any]:
        """The manifest of a bundle and whether it could be imported here (nothing is
        written)."""
        data = self._read(source)
        if passphrase is None and fmt.is_passphrase_protected(data):
            raise BundleError("This bundle is protected by a passphrase: give the passphrase the "
                              "sender told you.")
        inner = (fmt.decrypt_with_passphrase(data, passphrase) if passphrase is not None
                 else fmt.decrypt(data, [self._keys().age_identity]))
        container = fmt.unpack(inner)
        manifest = fmt.parse_manifest(container.manifest_bytes)
        signature = "valid"
        try:
            self._open(data, passphrase)
        except BundleError as exc:
            signature = str(exc)
        prereq = manifest.prerequisite_for(self.session.site_id)
        info = manifest.to_dict()
        info.update({
            "size": len(data),
            "signature": signature,
            "already_imported": self.store.imported(manifest.bundle_id) is not None,
            "missing_prerequisite": (prereq.to_dict() if prereq is not None
                                     and self.store.imported(prereq.bundle_id) is None
                                     else None),
            "readable_schema": manifest.schema_version <= LATEST,
        })
        return info

    def open_bundle(
        self,
        source: Path | bytes,
        *,
        passphrase: str | None = None,
        reapply: bool = False,
        progress: Progress | None = None,
    ) -> ImportPreview:
        """Every check, in order, then the preview of what importing would change.
        Raises BundleError (nothing written) when the bundle must be refused."""
        progress = progress or _no_progress
        progress(0, 4, "Decrypting")
        container, card = self._open(source, passphrase)
        sender = self._partner(card)
        manifest = fmt.parse_manifest(container.manifest_bytes)
        if manifest.sender.installation_id != card["installation_id"]:
            raise fmt.damaged("its sender is not consistent")
        if manifest.schema_version > LATEST:
            raise BundleError(
                f"This bundle was made by a newer version of Partnership Panel (database schema "
                f"version {manifest.schema_version}; this app has version {LATEST}). Install a "
                f"version that reads schema version {manifest.schema_version}, then import it "
                "again. Nothing was changed.")
        store = self.store
        local_p = store.partnership()
        joins = False
        if manifest.partnership_id != local_p["id"]:
            if not store.is_empty():
                raise BundleError(
                    f"This bundle belongs to another partnership ('{manifest.partnership_name}'),"
                    f" not to '{local_p['name']}'. It was refused; nothing was changed.")
            joins = True
        done_before = store.imported(manifest.bundle_id)
        if done_before is not None and not reapply:
            return ImportPreview(
                manifest, sender, "already_imported",
                f"This bundle was already imported on {uk_day(done_before['imported_at'])}: "
                "importing it again changes nothing.", Plan())
        last = store.last_import_from(card["installation_id"])
        if (last is not None and manifest.sequence <= int(last["sequence"]) and not reapply
                and done_before is None):
            raise BundleError(
                f"This is an older bundle from {sender.label} (number {manifest.sequence}; "
                f"number {last['sequence']} was imported on {uk_day(last['imported_at'])}), so it "
                "was refused as a replay. If you really mean to apply it again, re-apply it "
                "explicitly (--reapply). Nothing was changed.")
        prereq = manifest.prerequisite_for(self.session.site_id)
        if prereq is not None and store.imported(prereq.bundle_id) is None:
            raise BundleError(
                f"This bundle builds on bundle number {prereq.sequence} from {sender.label} "
                f"(made {uk_day(prereq.created_at)}), which has not been imported here. Ask "
                f"{sender.label} for that bundle (or for a full bundle) and import it first. "
                "Nothing was changed.")
        progress(1, 4, "Checking records")
        records = fmt.parse_records(container, manifest)
        tables = self._tables()
        self._validate(records, tables)
        progress(2, 4, "Comparing with this database")
        plan = self._plan(records, tables)
        progress(4, 4, "Ready")
        status = "nothing_new" if plan.empty else "ready"
        message = self._summary(plan, sender)
        return ImportPreview(manifest, sender, status, message, plan, reapply, joins, records,
                             self.session.db.conn.total_changes)

    def _summary(self, plan: Plan, sender: Partner) -> str:
        if plan.empty:
            return f"Nothing new from {sender.label}: this database already has all of it."
        return import_summary(sender.label,
                              sum(1 for e, _i, _l in plan.new_records if e == "case"),
                              len(plan.new_records), len(plan.field_changes),
                              len(plan.deletions), len(plan.conflicts))

    def _validate(self, records: list[fmt.Record], tables: dict[str, TableInfo]) -> None:
        limit = self.session.clock.now() + MAX_CLOCK_SKEW
        limit_hlc = f"{int(limit.timestamp() * 1000):015d}.99999999"
        for record in records:
            info = tables.get(record.entity)
            if info is None:
                raise BundleError(
                    f"The bundle holds records of a kind this version does not know "
                    f"({record.entity}). Install the latest version of Partnership Panel, then "
                    "import it again. Nothing was changed.")
            what = f"a {record.entity} record"
            if record.row is not None:
                unknown = set(record.row) - set(info.snapshot_columns)
                if unknown:
                    raise _invalid(what, f"it has fields this version does not know "
                                         f"({', '.join(sorted(unknown))})")
                for col, value in record.row.items():
                    _check_type(info, col, value, what, row=True)
            if set(record.blobs) - info.blob_columns:
                raise _invalid(what, "it carries a document this version does not know")
            values: list[tuple[str, Any]] = []
            for change in record.changes:
                if change.hlc > limit_hlc:
                    raise BundleError("The bundle has changes dated more than a day after the "
                                      "time on this computer: check both computers' clocks. "
                                      "Nothing was changed.")
                if change.field == DELETED:
                    continue
                if change.field not in info.columns or change.field in info.blob_columns:
                    raise _invalid(what, f"it changes a field this version does not know: "
                                         f"{change.field}")
                value = change.decoded()
                _check_type(info, change.field, value, what, row=False)
                values.append((change.field, value))
            if record.row is not None:
                values += list(record.row.items())
            if record.entity in ("case", "pupil"):
                for name, value in values:
                    if name not in ALL_FIELDS:
                        continue
                    _typed, issues = coerce_fields({name: value})
                    if any(i.severity == "error" for i in issues):
                        raise _invalid(what, f"its {label(name).lower()} is not valid")

    def _local_state(self, records: list[fmt.Record], tables: dict[str, TableInfo]
                     ) -> dict[tuple[str, str], LocalRecord]:
        store = self.store
        by_entity: dict[str, list[str]] = defaultdict(list)
        for r in records:
            by_entity[r.entity].append(r.id)
        local: dict[tuple[str, str], LocalRecord] = {}
        for entity, ids in by_entity.items():
            rows = store.rows(tables[entity], ids)
            logs = store.changes_of(entity, ids)
            for rid in ids:
                local[(entity, rid)] = LocalRecord(rows.get(rid), logs.get(rid, []))
        return local

    def _plan(self, records: list[fmt.Record], tables: dict[str, TableInfo]) -> Plan:
        local = self._local_state(records, tables)
        known: dict[tuple[str, str, str], list[KnownConflict]] = defaultdict(list)
        for c in self.store.conflicts_on(local):
            known[(c["entity"], c["entity_id"], c["field"])].append(KnownConflict(
                c["id"], c["status"], c["local_change"]["change_id"],
                c["remote_change"]["change_id"]))
        plan = plan_merge(records, local, tables, known)
        self._keep_references(plan, tables)
        return plan

    def _keep_references(self, plan: Plan, tables: dict[str, TableInfo]) -> None:
        """Deletions and additions must leave every reference whole: a record that is
        still referred to here is kept; a deleted record that an arriving record refers to
        is restored from its change log."""
        store = self.store
        by_table = {info.table: info for info in tables.values()}
        deleting = {(w.entity, w.entity_id) for w in plan.writes if w.kind == "delete"}
        kept: set[tuple[str, str]] = set()
        for w in plan.writes:
            if w.kind != "delete":
                continue
            info = tables[w.entity]
            for child in tables.values():
                for col, parent_table, _pcol in child.foreign_keys:
                    if parent_table != info.table:
                        continue
                    live = [i for i in store.referencing(child, col, w.entity_id)
                            if (child.entity, i) not in deleting]
                    if live:
                        kept.add((w.entity, w.entity_id))
        if kept:
            plan.writes = [w for w in plan.writes
                           if not (w.kind == "delete" and (w.entity, w.entity_id) in kept)]
            for e, i, lbl in [d for d in plan.deletions if (d[0], d[1]) in kept]:
                plan.deletions.remove((e, i, lbl))
                plan.notes.append(f"{lbl} was deleted by the sender but records here still "
                                  "refer to it, so it was kept.")
        inserting = {(w.entity, w.entity_id) for w in plan.writes if w.kind == "insert"}
        pending = [w for w in plan.writes if w.kind in ("insert", "update")]
        while pending:
            w = pending.pop()
            for col, parent_table, _pcol in tables[w.entity].foreign_keys:
                parent_id = w.values.get(col)
                parent = by_table.get(parent_table)
                if parent is None or not parent_id or (parent.entity, parent_id) in inserting:
                    continue
                if store.exists(parent, str(parent_id)):
                    continue
                history = store.changes_of(parent.entity, [str(parent_id)]).get(str(parent_id))
                if not history:
                    continue  # the foreign key check names it
                values = {k: v for k, v in rebuild_row(history).items() if k in parent.columns}
                values["id"] = str(parent_id)
                if parent.required() - set(values):
                    continue
                revive = RowWrite("insert", parent.entity, str(parent_id), values)
                plan.writes.append(revive)
                inserting.add((parent.entity, str(parent_id)))
                pending.append(revive)
                lbl = record_label(parent.entity, values, str(parent_id))
                plan.new_records.append((parent.entity, str(parent_id), lbl))
                plan.notes.append(f"{lbl} had been deleted here but arriving records refer "
                                  "to it, so it was restored.")

    def apply(self, preview: ImportPreview, *, progress: Progress | None = None
              ) -> ImportResult:
        """Apply an accepted preview in one transaction (recomputed inside it, so edits
        made since the preview are taken into account)."""
        progress = progress or _no_progress
        manifest = preview.manifest
        if preview.status == "already_imported":
            return ImportResult(manifest.bundle_id, False, preview.message, 0, 0, 0, 0,
                                _changes([]))
        tables = self._tables()
        store = self.store
        now = self._now()
        actor = f"{self.session.user_name} (bundle from {preview.sender.label})"
        touched_entities: set[str] = set()
        touched_ids: set[str] = set()
        with self.session._write():
            self.session.db.conn.execute("PRAGMA defer_foreign_keys = ON")
            unchanged = self.session.db.conn.total_changes == preview._written
            if preview.joins_partnership:
                store.drop_partnership(store.partnership()["id"])
            # Plan again unless nothing was written since the preview was made.
            plan = (preview.plan if unchanged and not preview.joins_partnership
                    else self._plan(preview._records, tables))
            progress(0, 3, "Saving changes")
            store.insert_changes(plan.changes)
            audit: list[tuple[str, str, str, str, str, list[str]]] = []
            for w in _ordered(plan.writes, tables):
                info = tables[w.entity]
                if w.kind == "insert":
                    store.insert_row(info, w.values)
                elif w.kind == "update":
                    store.update_row(info, w.entity_id, w.values)
                else:
                    store.delete_row(info, w.entity_id)
                audit.append((now, actor, f"merge_{w.kind}", w.entity, w.entity_id,
                              [k for k in w.values if k != "id" and k not in info.blob_columns]))
                touched_entities.add(w.entity)
                touched_ids.add(w.entity_id)
            progress(1, 3, "Recording conflicts")
            for c in plan.conflicts:
                store.add_conflict(new_id(), c.entity, c.entity_id, c.field, _side(c.local),
                                   _side(c.remote), manifest.bundle_id, now)
            for cid in plan.closed_conflicts:
                store.close_conflict(cid, "superseded", now, preview.sender.label)
            # records the sender purged: scrub their values here too (issue 8)
            purged = PrivacyStore(self.session.db).scrub_purged(plan.changes, tables)
            if preview.joins_partnership:
                seat, _school = self.own_seat()
                mine = next((r for r in manifest.recipients
                             if r.installation_id == self.session.site_id), None)
                if not seat and mine is not None and mine.seat in ("school", "panel"):
                    self.session.repo.set_meta(SEAT_KEY, mine.seat)
                    self.session.repo.set_meta(SCHOOL_KEY, mine.school_id)
            counts = {"new_records": len(plan.new_records),
                      "changed_fields": len(plan.field_changes),
                      "conflicts": len(plan.conflicts), "deleted": len(plan.deletions),
                      "changes": len(plan.changes)}
            store.record_import(manifest.bundle_id, preview.sender.installation_id,
                                manifest.sequence, manifest.created_at, now, manifest.scope,
                                counts)
            store.audit_many(audit)
            self.session.repo.audit("bundle_import" if not preview.reapply
                                    else "bundle_reapply", "bundle", manifest.bundle_id,
                                    fields=sorted(touched_entities))
            progress(2, 3, "Checking references")
            checked = tables if plan.deletions else {e: tables[e] for e in touched_entities}
            if store.foreign_key_problems(i.table for i in checked.values()):
                raise BundleError(
                    "The bundle refers to records that are not in this database (for example "
                    "a school or a case it does not include). Ask the sender for a full "
                    "bundle. Nothing was changed.")
        if purged:
            PrivacyStore(self.session.db).compact()  # no old page keeps purged values
        progress(3, 3, "Done")
        if any(e in touched_entities for e in ("case", "pupil", "case_note", "document")):
            touched_entities.add("case")
        if plan.conflicts:
            touched_entities.add("conflict")
        message = self._summary(plan, preview.sender)
        return ImportResult(manifest.bundle_id, True, message, len(plan.new_records),
                            len(plan.field_changes), len(plan.conflicts), len(plan.deletions),
                            _changes(touched_entities | {"bundle"}, touched_ids))

    def import_bundle(self, source: Path | bytes, *, passphrase: str | None = None,
                      reapply: bool = False, accept: Callable[[ImportPreview], bool] | None = None,
                      progress: Progress | None = None) -> ImportResult:
        """open_bundle, then apply if ``accept(preview)`` says yes (default: yes)."""
        preview = self.open_bundle(source, passphrase=passphrase, reapply=reapply,
                                   progress=progress)
        if preview.status == "already_imported" or (accept is not None and not accept(preview)):
            return ImportResult(preview.manifest.bundle_id, False, preview.message, 0, 0, 0, 0,
                                _changes([]))
        return self.apply(preview, progress=progress)

    def history(self) -> list[dict[str, Any]]:
        """Bundles sent and received, oldest first, with partner names."""
        names = {r["installation_id"]: r["label"] for r in self.store.directory()}
        out = []
        for h in self.store.history():
            h["partners"] = [names.get(p, self._school_name(p) or p) for p in h["partners"]]
            out.append(h)
        return out

    # -- conflicts ------------------------------------------------------------------------------
    def _who(self, site_id: str) -> str:
        if site_id == self.session.site_id:
            return "this installation"
        cards = self.store.cards_of_installation(site_id)
        return cards[-1]["label"] if cards else f"installation {site_id[:8]}"

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictInfo]:
        tables = self._tables()
        store = self.store
        out = []
        for c in store.conflicts(None if include_resolved else "open"):
            info = tables.get(c["entity"])
            row = store.rows(info, [c["entity_id"]]).get(c["entity_id"]) if info else None
            current: Any = (None if row is None else True) if c["field"] == DELETED else (
                row.get(c["field"]) if row else None)
            out.append(ConflictInfo(
                c["id"], c["entity"], c["entity_id"],
                record_label(c["entity"], row or self._rebuilt(c["entity"], c["entity_id"]),
                             c["entity_id"]),
                c["field"], self._side_info(c["local_change"], c["field"]),
                self._side_info(c["remote_change"], c["field"]), current, c["detected_at"],
                c["status"], c["resolution"]))
        return out

    def _rebuilt(self, entity: str, entity_id: str) -> dict[str, Any]:
        return rebuild_row(self.store.changes_of(entity, [entity_id]).get(entity_id, []))

    def _side_info(self, side: dict[str, Any], fld: str) -> dict[str, Any]:
        value = side.get("value")
        if fld == DELETED:
            value = "deleted" if isinstance(value, dict) else "kept or edited"
        return {"value": value, "shown": describe_value(value), "who": self._who(side["site_id"]),
                "at": side["at"], "change_id": side["change_id"]}

    def resolve(self, conflict_id: str, choice: str, value: Any = None) -> Changes:
        """Settle a conflict: ``mine`` (the value here), ``theirs`` (the partner's), or
        ``value`` with a new value. For a deleted-versus-edited record: ``keep`` or
        ``delete``. The choice is a new change, so it travels in the next bundle."""
        found = [c for c in self.store.conflicts("open") if c["id"] == conflict_id
                 or (len(conflict_id) >= 6 and c["id"].startswith(conflict_id))]
        if len(found) != 1:
            raise NotFoundError(f"No open conflict '{conflict_id}': see "
                                "'panel-app conflicts list'.")
        c = found[0]
        tables = self._tables()
        info = tables.get(c["entity"])
        if info is None:
            raise BundleError("This conflict is about a kind of record this version does not "
                              "know: install the latest version.")
        if c["field"] == DELETED:
            return self._resolve_deletion(c, info, choice, tables)
        if choice == "mine":
            chosen = c["local_change"]["value"]
        elif choice == "theirs":
            chosen = c["remote_change"]["value"]
        elif choice == "value":
            chosen = value
            if c["entity"] in ("case", "pupil") and c["field"] in ALL_FIELDS:
                typed, issues = coerce_fields({c["field"]: value})
                if any(i.severity == "error" for i in issues):
                    raise ValidationError(issues)
                chosen = _json_ready(typed[c["field"]])
        else:
            raise BundleError("Choose mine, theirs, or a new value.")
        if not self.store.exists(info, c["entity_id"]):
            raise BundleError("That record is no longer here (it was deleted), so the "
                              "conflict cannot be settled this way.")
        chosen = _column_value(info, c["field"], chosen)
        now = self._now()
        with self.session._write():
            self.store.write_field(info, c["entity_id"], c["field"], sql_value(chosen),
                                   json.dumps(chosen), now, self.session.site_id, new_id())
            self._close_field(c, choice, now)
        return _changes(self._kinds(c["entity"]), [c["entity_id"]])

    def _close_field(self, c: dict[str, Any], choice: str, now: str) -> None:
        for other in self.store.conflicts("open"):
            if (other["entity"], other["entity_id"], other["field"]) == (
                    c["entity"], c["entity_id"], c["field"]):
                self.store.close_conflict(other["id"], choice if other["id"] == c["id"]
                                          else "superseded", now, self.session.user_name)
        self.session.repo.audit("resolve_conflict", c["entity"], c["entity_id"],
                                fields=[c["field"]])

    def _resolve_deletion(self, c: dict[str, Any], info: TableInfo, choice: str,
                          tables: dict[str, TableInfo]) -> Changes:
        local_is_tomb = isinstance(c["local_change"]["value"], dict)
        if choice in ("mine", "theirs"):
            picks_tomb = local_is_tomb == (choice == "mine")
            choice = "delete" if picks_tomb else "keep"
        if choice not in ("keep", "delete"):
            raise BundleError("For a record deleted on one side and edited on the other, "
                              "choose keep or delete.")
        now = self._now()
        with self.session._write():
            if choice == "keep":
                self.store.write_field(info, c["entity_id"], DELETED, None, "false", now,
                                       self.session.site_id, new_id())
            else:
                self._delete_tree(info, c["entity_id"], tables)
            self._close_field(c, choice, now)
        return _changes(self._kinds(c["entity"]), [c["entity_id"]])

    def _delete_tree(self, info: TableInfo, row_id: str, tables: dict[str, TableInfo]) -> None:
        for child in tables.values():
            for col, parent_table, _p in child.foreign_keys:
                if parent_table == info.table:
                    for cid in self.store.referencing(child, col, row_id):
                        self._delete_tree(child, cid, tables)
        self.session.repo.delete(info.entity, row_id)

    @staticmethod
    def _kinds(entity: str) -> list[str]:
        return [entity, "conflict"] + (["case"] if entity in ("pupil", "case_note", "document")
                                       else [])


def _ordered(writes: list[RowWrite], tables: dict[str, TableInfo]) -> list[RowWrite]:
    """Parents before children for additions, children before parents for deletions."""
    by_table = {i.table: e for e, i in tables.items()}
    depth: dict[str, int] = {}

    def level(entity: str, seen: frozenset[str] = frozenset()) -> int:
        if entity not in depth:
            parents = [by_table.get(p) for _c, p, _pc in tables[entity].foreign_keys]
            depth[entity] = 1 + max([level(p, seen | {entity}) for p in parents
                                     if p and p not in seen and p != entity] or [0])
        return depth[entity]

    adds = sorted((w for w in writes if w.kind != "delete"), key=lambda w: level(w.entity))
    dels = sorted((w for w in writes if w.kind == "delete"), key=lambda w: -level(w.entity))
    return adds + dels


def _side(change: Change) -> dict[str, Any]:
    return {"change_id": change.change_id, "value": _json_or_text(change.value),
            "at": change.at, "hlc": change.hlc, "site_id": change.site_id}


def _json_ready(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _invalid(what: str, why: str) -> BundleError:
    return BundleError(f"The bundle was refused because {what} in it is not valid ({why}). "
                       "Nothing was changed; tell the sender.")


_TYPES: dict[str, tuple[type, ...]] = {
    "INTEGER": (int,),
    "REAL": (int, float),
    "TEXT": (str,),
}


def _check_type(info: TableInfo, column: str, value: Any, what: str, *, row: bool) -> None:
    col = info.columns[column]
    if value is None:
        if col.notnull and (row or column != "id"):
            raise _invalid(what, f"{label(column)} is empty")
        return
    allowed = _TYPES.get(col.type)
    if allowed is None:
        return
    if isinstance(value, bool) and col.type != "INTEGER":
        raise _invalid(what, f"{label(column)} has the wrong type")
    if not isinstance(value, allowed):
        raise _invalid(what, f"{label(column)} has the wrong type")


def _column_value(info: TableInfo, column: str, value: Any) -> Any:
    """A value typed by a user (text) as the column's type; refuses what does not fit."""
    kind = info.columns[column].type
    if isinstance(value, str) and kind in ("INTEGER", "REAL"):
        try:
            value = int(value) if kind == "INTEGER" else float(value)
        except ValueError:
            raise ValidationError([_issue(f"{label(column)} must be a number.", column)]
                                  ) from None
    try:
        _check_type(info, column, value, "your choice", row=False)
    except BundleError:
        raise ValidationError([_issue(f"That is not a valid value for {label(column)}.",
                                      column)]) from None
    return value


def _issue(message: str, fld: str = "school") -> Any:
    from panel_app.core.domain.issues import Issue

    return Issue("invalid", "error", fld, message)


__all__ = [
    "BundleService",
    "CardCheck",
    "ConflictInfo",
    "ExportResult",
    "Identity",
    "ImportPreview",
    "ImportResult",
    "Partner",
]
