"""PartnershipSession: the one object through which the GUI and CLI reach the data.

Create or unlock a partnership with the module functions, then call methods on the
session. Mutating methods return what changed (``Changes``) so a view refreshes only
when its data did. Nothing here imports Qt.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import mimetypes
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import sqlite_utils

from panel_app import __version__
from panel_app.core.domain.issues import Issue, errors, warnings
from panel_app.core.domain.models import (
    CASE_FIELDS,
    PUPIL_FIELDS,
    CaseFilter,
    CaseList,
    CaseRecord,
    CaseStatus,
    Person,
    Phase,
    Role,
    School,
    new_case_ref,
    new_id,
)
from panel_app.core.domain.validation import check_case, coerce_fields
from panel_app.core.errors import (
    KeyUnavailableError,
    LockedError,
    NotFoundError,
    PanelError,
    StorageError,
    ValidationError,
    WrongKeyError,
    WrongPassphraseError,
)
from panel_app.core.secrets.keyfile import KdfParams, KeyFile, key_file_path, passphrase_problem
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.secrets.recovery import new_recovery_key
from panel_app.core.services.case_index import CaseIndex
from panel_app.core.services.clock import Clock, SystemClock
from panel_app.core.services.exports import plaintext_export
from panel_app.core.storage import backups
from panel_app.core.storage.audit import AuditCheck, AuditProblem
from panel_app.core.storage.audit import verify as verify_audit_chain
from panel_app.core.storage.connection import (
    DatabaseError,
    cipher_settings,
    damaged_advice,
    encrypted_copy,
    open_database,
    write_error,
)
from panel_app.core.storage.repository import Repository
from panel_app.core.storage.schema import LATEST, migrate, schema_version

if TYPE_CHECKING:
    from panel_app.core.reports.minutes import QuotaSnapshot
    from panel_app.core.services.bundles import BundleService
    from panel_app.core.services.calendar import CalendarService
    from panel_app.core.services.exclusions import ExclusionsService
    from panel_app.core.services.imports import ImportsService
    from panel_app.core.services.ladders import LadderService
    from panel_app.core.services.meetings import MeetingsService
    from panel_app.core.services.moves import MovesService, PlacementsService
    from panel_app.core.services.privacy import PrivacyService
    from panel_app.core.services.proposals import ProposalsService
    from panel_app.core.services.quotas import QuotasService
    from panel_app.core.services.reports import ReportsService

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024

_T = TypeVar("_T")


@dataclass(frozen=True)
class Changes:
    """What a mutating call changed: entity kinds and the ids touched."""

    entities: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entity: str, *ids: str) -> Changes:
        return cls(frozenset({entity}), frozenset(ids))

    def __bool__(self) -> bool:
        return bool(self.entities)


@dataclass
class SavedCase:
    case: CaseRecord
    warnings: list[Issue]
    changed_fields: list[str]
    changes: Changes


@dataclass
class CreatedPartnership:
    session: PartnershipSession
    recovery_key: str
    in_keyring: bool
    keyring_note: str


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "user"


def create_partnership(
    path: Path,
    name: str,
    passphrase: str,
    *,
    keyring: KeyringStore | None = None,
    kdf: KdfParams | None = None,
    clock: Clock | None = None,
    user_name: str | None = None,
    ladder_preset: str = "",
    demo: bool = False,
) -> CreatedPartnership:
    """Create a new encrypted partnership file, its key file and a recovery key."""
    path = Path(path)
    if not name.strip():
        raise ValidationError([Issue("required", "error", "name", "Give the partnership a name.")])
    problem = passphrase_problem(passphrase)
    if problem:
        raise ValidationError([Issue("weak_passphrase", "error", "passphrase", problem)])
    keyfile_path = key_file_path(path)
    for existing in (path, keyfile_path):
        if existing.exists():
            raise PanelError(f"{existing} already exists: choose another file name.")
    if not path.parent.is_dir():
        raise PanelError(f"The folder {path.parent} does not exist.")
    if ladder_preset:
        from panel_app.core.services.ladders import install_preset, resolve_preset

        ladder_preset = resolve_preset(ladder_preset)  # an unknown name: nothing created
    clock = clock or SystemClock()
    keyring = keyring or KeyringStore()
    data_key = os.urandom(32)
    database_id = new_id()
    recovery = new_recovery_key()
    keyfile = KeyFile.new(keyfile_path, database_id, demo=demo)
    keyfile.set_passphrase(data_key, passphrase, kdf)
    keyfile.set_recovery_key(data_key, recovery)
    try:
        db = open_database(path, data_key, create=True)
        migrate(db, path, data_key)
        site_id = new_id()
        user = user_name or _default_user()
        repo = Repository(db, site_id=site_id, actor=lambda: user, now=clock.now)
        with db.atomic():
            repo.set_meta("database_id", database_id)
            repo.set_meta("site_id", site_id)
            repo.set_meta("user_name", user)
            repo.set_meta("created_with", __version__)
            repo.insert(
                "partnership",
                {
                    "id": new_id(),
                    "name": name.strip(),
                    "ladder_preset": ladder_preset,
                    "settings": "{}",
                    "created_at": clock.now().isoformat(),
                },
                stamp_field=None,
            )
            repo.audit("init")
            if ladder_preset:
                install_preset(repo, ladder_preset, actor=user, now=clock.now())
        keyfile.save()
    except BaseException:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), keyfile_path):
            leftover.unlink(missing_ok=True)
        raise
    in_keyring = keyring.set(database_id, data_key)
    note = "" if in_keyring else (keyring.unusable_reason() or "the keyring refused the key")
    session = PartnershipSession(path, db, data_key, keyfile, keyring, clock)
    return CreatedPartnership(session, recovery, in_keyring, note)


def key_status(path: Path, keyring: KeyringStore | None = None) -> dict[str, Any]:
    """Can this file be opened without a prompt? (For the unlock dialog.)"""
    keyfile = KeyFile.load(key_file_path(Path(path)))
    keyring = keyring or KeyringStore()
    reason = keyring.unusable_reason()
    return {
        "database_id": keyfile.database_id,
        "keyring_usable": reason is None,
        "keyring_reason": reason or "",
        "in_keyring": keyring.get(keyfile.database_id) is not None,
        "demo": keyfile.demo,
        "has_recovery": keyfile.has_slot("recovery"),
    }


def unlock(
    path: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    new_passphrase: str | None = None,
    keyring: KeyringStore | None = None,
    clock: Clock | None = None,
    kdf: KdfParams | None = None,
) -> PartnershipSession:
    """Open a partnership: with the passphrase, the recovery key (which then requires a
    new passphrase), or silently from the OS keyring when none is given."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"There is no database at {path}.")
    keyring = keyring or KeyringStore()
    keyfile = KeyFile.load(key_file_path(path))
    if recovery_key is not None:
        if new_passphrase is None:
            raise PanelError("Unlocking with the recovery key needs a new passphrase to set.")
        problem = passphrase_problem(new_passphrase)
        if problem:
            raise ValidationError([Issue("weak_passphrase", "error", "passphrase", problem)])
        data_key = keyfile.unwrap_with_recovery_key(recovery_key)
    elif passphrase is not None:
        data_key = keyfile.unwrap_with_passphrase(passphrase)
    else:
        found = keyring.get(keyfile.database_id)
        if found is None:
            raise KeyUnavailableError(
                "This computer does not hold the key for this database: enter the passphrase."
            )
        data_key = found
    try:
        db = open_database(path, data_key)
    except WrongKeyError:
        if passphrase is None and recovery_key is None:
            # The keyring holds a stale key (the file was replaced or restored): ask.
            raise KeyUnavailableError(
                "The key stored on this computer does not open this database: enter the "
                "passphrase."
            ) from None
        raise
    try:
        migrate(db, path, data_key)
    except BaseException:
        db.close()
        raise
    session = PartnershipSession(path, db, data_key, keyfile, keyring, clock or SystemClock())
    if recovery_key is not None and new_passphrase is not None:
        keyfile.set_passphrase(data_key, new_passphrase, kdf)
        keyfile.save()
    try:
        session.verify_audit()  # before this unlock is added: info() says if it is broken
        with session._write():
            if recovery_key is not None:
                session.repo.audit("passphrase_reset_with_recovery_key")
            session.repo.audit("unlock")
    except BaseException:
        session.lock()
        raise
    return session


class PartnershipSession:
    def __init__(
        self,
        path: Path,
        db: sqlite_utils.Database,
        data_key: bytes,
        keyfile: KeyFile,
        keyring: KeyringStore,
        clock: Clock,
    ) -> None:
        self.path = Path(path)
        self._db: sqlite_utils.Database | None = db
        self._key: bytes | None = data_key
        self.keyfile = keyfile
        self.keyring = keyring
        self.clock = clock
        site = db.conn.execute("SELECT value FROM meta WHERE key='site_id'").fetchone()
        self.site_id = str(site[0]) if site else ""
        user = db.conn.execute("SELECT value FROM meta WHERE key='user_name'").fetchone()
        self.user_name = str(user[0]) if user else _default_user()
        self._case_index: CaseIndex | None = None
        self.audit_check: AuditCheck | None = None  # the audit chain as last verified
        self._repo: Repository | None = Repository(
            db, site_id=self.site_id, actor=lambda: self.user_name, now=clock.now
        )

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._db is None

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        return self._db

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        return self._repo

    def lock(self) -> None:
        """Close the database and drop the key. The session cannot be used again."""
        if self._db is None:
            return
        try:
            with self._db.atomic():
                self.repo.audit("lock")
            self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except DatabaseError:
            pass
        self._db.close()
        self._db = None
        self._repo = None
        self._case_index = None  # holds pupil names: dropped with the key
        self._key = None

    close = lock

    @functools.cached_property
    def ladders(self) -> LadderService:
        """The intervention ladder, evidence on cases and ladder checks."""
        from panel_app.core.services.ladders import LadderService

        return LadderService(self)

    @functools.cached_property
    def calendar(self) -> CalendarService:
        """The school calendar (term dates) and school-week arithmetic."""
        from panel_app.core.services.calendar import CalendarService

        return CalendarService(self)

    @functools.cached_property
    def bundles(self) -> BundleService:
        """Case bundles: identity, partner cards, export, import, conflicts."""
        from panel_app.core.services.bundles import BundleService

        return BundleService(self)

    @functools.cached_property
    def meetings(self) -> MeetingsService:
        """Meetings, agendas, decisions, actions and the minutes PDF."""
        from panel_app.core.services.meetings import MeetingsService

        return MeetingsService(self)

    @functools.cached_property
    def proposals(self) -> ProposalsService:
        """Proposals to the panel and their lifecycle (issue 4)."""
        from panel_app.core.services.proposals import ProposalsService

        return ProposalsService(self)

    @functools.cached_property
    def moves(self) -> MovesService:
        """Managed moves and directions off-site, statistics, balance, rotation."""
        from panel_app.core.services.moves import MovesService

        return MovesService(self)

    @functools.cached_property
    def placements(self) -> PlacementsService:
        """AP placements."""
        from panel_app.core.services.moves import PlacementsService

        return PlacementsService(self)

    @functools.cached_property
    def quotas(self) -> QuotasService:
        """The quota and budget year: allocations, usage, money, forecast, charges."""
        from panel_app.core.services.quotas import QuotasService

        return QuotasService(self)

    def quota_snapshot(self, on: date) -> QuotaSnapshot | None:
        """The quota position on ``on`` for the agenda and minutes (None: no quota set)."""
        return self.quotas.snapshot(on)

    @functools.cached_property
    def privacy(self) -> PrivacyService:
        """Audit trail, retention and purge, lawful deletion, subject-access exports."""
        from panel_app.core.services.privacy import PrivacyService

        return PrivacyService(self)

    @functools.cached_property
    def imports(self) -> ImportsService:
        """MIS CSV and Common Transfer File imports: preview, then one transaction."""
        from panel_app.core.services.imports import ImportsService

        return ImportsService(self)

    @functools.cached_property
    def exclusions(self) -> ExclusionsService:
        """Exclusion and attendance records per pupil, schools' term totals."""
        from panel_app.core.services.exclusions import ExclusionsService

        return ExclusionsService(self)

    @functools.cached_property
    def reports(self) -> ReportsService:
        """Exclusions, moves and outcomes reports per school and term; CSV and PDF."""
        from panel_app.core.services.reports import ReportsService

        return ReportsService(self)

    def verify_audit(self) -> AuditCheck:
        """Verify the audit trail's hash chain; the first broken link is ``problem``
        (entry number and what is wrong). Kept in ``audit_check`` for ``info()``."""
        self.audit_check = verify_audit_chain(self.db.conn)
        return self.audit_check

    def _write(self) -> Any:
        """Transaction for a write, with disk errors turned into a StorageError."""
        return _WriteTxn(self.db, self.path)

    # -- partnership -----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        p = self.repo.partnership()
        audit = self.audit_check or self.verify_audit()  # verified on unlock
        return {
            "path": str(self.path),
            "partnership": p.get("name", ""),
            "partnership_id": p.get("id", ""),
            "ladder_preset": p.get("ladder_preset", ""),
            "schema_version": schema_version(self.db),
            "site_id": self.site_id,
            "user_name": self.user_name,
            "demo": self.keyfile.demo,
            "in_keyring": self.keyring.get(self.keyfile.database_id) is not None,
            "counts": self.repo.counts(),
            "audit_ok": audit.ok,
            "audit_problem": audit.problem.message if audit.problem else "",
        }

    def set_user_name(self, name: str) -> Changes:
        name = name.strip()
        if not name:
            raise ValidationError([Issue("required", "error", "user_name", "Enter your name.")])
        with self._write():
            self.repo.set_meta("user_name", name)
            self.repo.audit("set_user_name")
        self.user_name = name
        return Changes.of("installation")

    # -- schools and people ----------------------------------------------------------------
    def list_schools(self) -> list[School]:
        return self.repo.schools()

    def find_school(self, id_or_name: str) -> School:
        wanted = id_or_name.strip().casefold()
        for school in self.repo.schools() if wanted else []:
            names = {school.id, school.name.casefold(), school.short_code.casefold(),
                     school.urn.casefold()} - {""}
            if wanted in names:
                return school
        raise NotFoundError(
            f"No school called '{id_or_name}' in this partnership: see 'panel-app school list'."
        )

    def add_school(
        self,
        name: str,
        *,
        urn: str = "",
        phase: str = Phase.SECONDARY.value,
        roll: int = 0,
        fsm_count: int = 0,
        short_code: str = "",
        member: bool = True,
    ) -> tuple[School, Changes]:
        issues: list[Issue] = []
        if not name.strip():
            issues.append(Issue("required", "error", "name", "A school needs a name."))
        if roll < 0 or fsm_count < 0:
            issues.append(
                Issue("negative", "error", "roll", "Roll and FSM count cannot be negative.")
            )
        if fsm_count > roll > 0:
            issues.append(
                Issue(
                    "fsm_over_roll",
                    "error",
                    "fsm_count",
                    "The FSM count cannot be larger than the roll.",
                )
            )
        if urn and not (urn.isdigit() and len(urn) == 6):
            issues.append(Issue("invalid_urn", "error", "urn", "A URN has six digits."))
        if phase not in {p.value for p in Phase}:
            issues.append(
                Issue(
                    "invalid_phase",
                    "error",
                    "phase",
                    f"Phase is one of: {', '.join(p.value for p in Phase)}.",
                )
            )
        if any(s.name.casefold() == name.strip().casefold() for s in self.repo.schools()):
            issues.append(Issue("duplicate", "error", "name", f"{name.strip()} is already listed."))
        if errors(issues):
            raise ValidationError(issues)
        code = (
            short_code.strip() or "".join(w[0] for w in name.split() if w[:1].isalpha())[:4].upper()
        )
        with self._write():
            sid = self.repo.insert(
                "school",
                {
                    "name": name.strip(),
                    "urn": urn,
                    "phase": phase,
                    "roll": roll,
                    "fsm_count": fsm_count,
                    "short_code": code,
                    "member": member,
                },
            )
        school = self.find_school(sid)
        return school, Changes.of("school", sid)

    def list_people(self) -> list[Person]:
        return self.repo.people()

    def add_person(
        self,
        name: str,
        *,
        role: str = Role.OTHER.value,
        school_id: str | None = None,
        email: str = "",
    ) -> tuple[Person, Changes]:
        if not name.strip():
            raise ValidationError([Issue("required", "error", "name", "A person needs a name.")])
        if role not in {r.value for r in Role}:
            raise ValidationError(
                [
                    Issue(
                        "invalid_role",
                        "error",
                        "role",
                        f"Role is one of: {', '.join(r.value for r in Role)}.",
                    )
                ]
            )
        if school_id:
            school_id = self.find_school(school_id).id
        with self._write():
            pid = self.repo.insert(
                "person",
                {
                    "name": name.strip(),
                    "role": role,
                    "school_id": school_id or None,
                    "email": email,
                },
            )
        person = next(p for p in self.repo.people() if p.id == pid)
        return person, Changes.of("person", pid)

    # -- cases -----------------------------------------------------------------------------
    def list_cases(self, flt: CaseFilter | None = None) -> CaseList:
        """Cases matching the filter, sorted; a page of them when ``flt.limit`` is set."""
        if self._case_index is None:
            self._case_index = CaseIndex(self.repo)
        return self._case_index.query(flt or CaseFilter())

    def get_case(self, id_or_ref: str) -> CaseRecord:
        case_id = self.repo.resolve_case_id(id_or_ref.strip())
        record = self.repo.case(case_id) if case_id else None
        if record is None:
            raise NotFoundError(f"No case '{id_or_ref}': see 'panel-app case list'.")
        return record

    def _resolve_school_field(self, raw: dict[str, Any]) -> list[Issue]:
        value = raw.get("home_school_id")
        if value in (None, ""):
            return []
        try:
            raw["home_school_id"] = self.find_school(str(value)).id
        except NotFoundError:
            return [
                Issue(
                    "unknown_school",
                    "error",
                    "home_school_id",
                    f"'{value}' is not a school in this partnership: add it first "
                    "(Settings > Schools, or 'panel-app school add').",
                )
            ]
        return []

    def check_case_input(
        self, values: Mapping[str, Any], case_id: str | None = None
    ) -> tuple[dict[str, Any], list[Issue]]:
        """Validate form input without saving: (typed fields, issues)."""
        raw = dict(values)
        issues = self._resolve_school_field(raw)
        if issues:
            raw.pop("home_school_id")
        typed, more = coerce_fields(raw)
        issues += more
        merged: dict[str, Any] = {}
        if case_id is not None:
            current = self.get_case(case_id)
            merged = {f: getattr(current, f) for f in (*PUPIL_FIELDS, *CASE_FIELDS)}
        merged.update(typed)
        if issues and "home_school_id" not in typed and case_id is None:
            merged["home_school_id"] = "\0unknown"
        school_ids = {s.id for s in self.repo.schools()}
        for issue in check_case(merged, today=self.clock.today(), school_ids=school_ids):
            if not any(i.field == issue.field and i.severity == "error" for i in issues):
                issues.append(issue)
        return typed, issues

    def create_case(self, values: Mapping[str, Any]) -> SavedCase:
        typed, issues = self.check_case_input(values)
        if errors(issues):
            raise ValidationError(issues)
        today = self.clock.today()
        if typed.get("opened_on") is None:  # not given, or given empty: opened today
            typed["opened_on"] = today
        if typed.get("status") == CaseStatus.CLOSED.value and not typed.get("closed_on"):
            typed["closed_on"] = today
        pupil = {k: v for k, v in typed.items() if k in PUPIL_FIELDS}
        case = {k: v for k, v in typed.items() if k in CASE_FIELDS}
        with self._write():
            pupil_id = self.repo.insert("pupil", pupil)
            ref = new_case_ref()
            while self.repo.case_ref_exists(ref):
                ref = new_case_ref()
            case_id = self.repo.insert(
                "case",
                {
                    "pupil_id": pupil_id,
                    "case_ref": ref,
                    "created_at": self.clock.now().isoformat(),
                    **case,
                },
            )
        record = self.get_case(case_id)
        return SavedCase(record, warnings(issues), list(typed), Changes.of("case", case_id))

    def update_case(
        self, id_or_ref: str, values: Mapping[str, Any], *, closed_reason: str | None = None
    ) -> SavedCase:
        current = self.get_case(id_or_ref)
        typed, issues = self.check_case_input(values, case_id=current.id)
        if errors(issues):
            raise ValidationError(issues)
        if (
            typed.get("status") == CaseStatus.CLOSED.value
            and not typed.get("closed_on")
            and not current.closed_on
        ):
            typed["closed_on"] = self.clock.today()
        if typed.get("status") == CaseStatus.OPEN.value and "closed_on" not in typed:
            typed["closed_on"] = None
        pupil = {k: v for k, v in typed.items() if k in PUPIL_FIELDS}
        case = {k: v for k, v in typed.items() if k in CASE_FIELDS}
        if closed_reason is not None:
            case["closed_reason"] = closed_reason
        with self._write():
            changed = self.repo.update("pupil", current.pupil_id, pupil)
            changed += self.repo.update("case", current.id, case)
        record = self.get_case(current.id)
        changes = Changes.of("case", current.id) if changed else Changes()
        return SavedCase(record, warnings(issues), changed, changes)

    def close_case(self, id_or_ref: str, reason: str = "", on: date | None = None) -> SavedCase:
        current = self.get_case(id_or_ref)
        return self.update_case(
            current.id,
            {"status": CaseStatus.CLOSED.value, "closed_on": on or self.clock.today()},
            closed_reason=reason.strip(),
        )

    def add_note(self, id_or_ref: str, text: str, kind: str = "note") -> Changes:
        case = self.get_case(id_or_ref)
        if not text.strip():
            raise ValidationError([Issue("required", "error", "text", "The note is empty.")])
        with self._write():
            nid = self.repo.insert(
                "case_note",
                {
                    "case_id": case.id,
                    "at": self.clock.now(),
                    "author": self.user_name,
                    "kind": kind,
                    "text": text.strip(),
                },
                stamp_field=None,
            )
        return Changes(frozenset({"case", "case_note"}), frozenset({case.id, nid}))

    def add_document(self, id_or_ref: str, filename: str, content: bytes) -> Changes:
        case = self.get_case(id_or_ref)
        name = Path(filename).name.strip()
        if not name:
            raise ValidationError(
                [Issue("required", "error", "filename", "The document needs a name.")]
            )
        if len(content) > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                [
                    Issue(
                        "too_large",
                        "error",
                        "content",
                        "Documents over 25 MB cannot be attached: reduce the "
                        "file (for example, scan at a lower resolution).",
                    )
                ]
            )
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        digest = hashlib.sha256(content).hexdigest()
        with self._write():
            did = self.repo.insert(
                "document",
                {
                    "case_id": case.id,
                    "filename": name,
                    "mime": mime,
                    "size": len(content),
                    "sha256": digest,
                    "content": content,
                    "added_at": self.clock.now(),
                    "added_by": self.user_name,
                },
                stamp_field=None,
            )
        return Changes(frozenset({"case", "document"}), frozenset({case.id, did}))

    @plaintext_export("document")  # the window opens it from a temporary file
    def document(self, doc_id: str) -> tuple[str, bytes]:
        found = self.repo.document_content(doc_id)
        if found is None:
            raise NotFoundError("That document is no longer in the database.")
        info, content = found
        with self._write():
            self.repo.audit("open_document", "document", doc_id)
        return info.filename, content

    # -- keys ------------------------------------------------------------------------------
    def verify_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` is this database's passphrase (asked again before a
        key change, so an unattended unlocked laptop cannot have its key replaced)."""
        try:
            return self.keyfile.unwrap_with_passphrase(passphrase) == self._key
        except WrongPassphraseError:
            return False

    def change_passphrase(self, new_passphrase: str, kdf: KdfParams | None = None) -> None:
        problem = passphrase_problem(new_passphrase)
        if problem:
            raise ValidationError([Issue("weak_passphrase", "error", "passphrase", problem)])
        if self._key is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        self.keyfile.set_passphrase(self._key, new_passphrase, kdf)
        self.keyfile.save()
        with self._write():
            self.repo.audit("passphrase_changed")

    def new_recovery_key(self) -> str:
        """Replace the recovery key; the old one stops working. Shown once."""
        if self._key is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        recovery = new_recovery_key()
        self.keyfile.set_recovery_key(self._key, recovery)
        self.keyfile.save()
        with self._write():
            self.repo.audit("recovery_key_replaced")
        return recovery

    def forget_on_this_computer(self) -> bool:
        if self.locked:
            raise LockedError("The partnership is locked: unlock it to continue.")
        removed = self.keyring.delete(self.keyfile.database_id)
        with self._write():
            self.repo.audit("keyring_forget")
        return removed

    def remember_on_this_computer(self) -> bool:
        if self._key is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        stored = self.keyring.set(self.keyfile.database_id, self._key)
        if stored:
            with self._write():
                self.repo.audit("keyring_store")
        return stored

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, target: Path) -> Path:
        """An encrypted copy (same key), safe to put on a USB stick or network share."""
        if self._key is None:
            raise LockedError("The partnership is locked: unlock it to continue.")
        out = encrypted_copy(self.db, Path(target), self._key)
        with self._write():
            # remembered on this computer, so a later purge can offer to remove it
            backups.remember(self.db.conn, out, self.clock.now())
            self.repo.audit("backup")
        return out

    def doctor(self) -> dict[str, Any]:
        """Integrity and cipher checks, foreign keys, the audit chain and the record
        counts. A check that meets a damaged page puts "damaged: REASON" in its place (and
        in ``damaged``) instead of failing, so the report is whole; ``advice`` then says
        what to do."""
        db = self.db
        damaged: dict[str, str] = {}

        def checked(name: str, run: Callable[[], _T], instead: Callable[[str], _T]) -> _T:
            try:
                return run()
            except DatabaseError as exc:
                damaged[name] = f"damaged: {exc}"
                return instead(damaged[name])

        integrity = checked(
            "integrity_check",
            lambda: [str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall()],
            lambda reason: [reason])
        cipher_check = checked(
            "cipher_integrity_check",
            lambda: [str(r[0]) for r in db.execute("PRAGMA cipher_integrity_check").fetchall()],
            lambda reason: [reason])
        fk: int | None = checked(
            "foreign_key_check",
            lambda: len(db.execute("PRAGMA foreign_key_check").fetchall()),
            lambda _reason: None)
        audit = checked("audit", self.verify_audit, _unreadable_audit)
        counts = checked("counts", self.repo.counts, lambda _reason: {})
        sound = integrity == ["ok"] and not cipher_check and not damaged
        return {
            "ok": sound and fk == 0 and audit.ok,
            "damaged": damaged,
            "advice": None if sound else damaged_advice(self.path),
            "audit": audit.to_dict(),
            "integrity_check": integrity,
            "cipher_integrity_check": cipher_check or ["ok"],
            "foreign_key_violations": fk,
            "schema_version": schema_version(db),
            "schema_latest": LATEST,
            "cipher": cipher_settings(db),
            "database": str(self.path),
            "key_file": self.keyfile.describe(),
            "keyring": {
                "backend": self.keyring.describe(),
                "usable": self.keyring.usable(),
                "reason": self.keyring.unusable_reason() or "",
                "holds_key": self.keyring.get(self.keyfile.database_id) is not None,
            },
            "counts": counts,
            "app_version": __version__,
        }

    def audit_entries(self, limit: int = 200) -> list[dict[str, Any]]:
        rows = self.db.conn.execute(
            "SELECT seq, at, actor, action, entity, entity_id, fields FROM audit_log "
            "ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {
                "seq": r[0],
                "at": r[1],
                "actor": r[2],
                "action": r[3],
                "entity": r[4],
                "entity_id": r[5],
                "fields": json.loads(r[6]),
            }
            for r in rows
        ]

    def changes_since(self, seq: int = 0) -> list[dict[str, Any]]:
        rows = self.db.conn.execute(
            "SELECT seq, change_id, entity, entity_id, field, value, at, site_id FROM changes "
            "WHERE seq > ? ORDER BY seq",
            (seq,),
        ).fetchall()
        return [
            {
                "seq": r[0],
                "change_id": r[1],
                "entity": r[2],
                "entity_id": r[3],
                "field": r[4],
                "value": json.loads(r[5]) if r[5] else None,
                "at": r[6],
                "site_id": r[7],
            }
            for r in rows
        ]


def _unreadable_audit(reason: str) -> AuditCheck:
    """The audit check of a trail that could not be read to the end (a damaged page)."""
    problem = AuditProblem(0, "damaged", "The audit trail could not be read to the end: part "
                           f"of the file is damaged ({reason.removeprefix('damaged: ')}).")
    return AuditCheck(False, 0, 0, "", problem, (problem,))


@dataclass
class _WriteTxn:
    """One write transaction, taken with ``BEGIN IMMEDIATE`` so that another connection to
    the same file (a second window, the CLI) makes this one wait for the busy timeout
    instead of failing at its first write after a read; nested writes become savepoints
    (``sqlite_utils.Database.atomic``). Disk errors become a StorageError.

    The outermost write is the transaction itself, not a savepoint inside it: in a
    savepoint SQLite copies every existing page a statement touches to the sub-journal,
    statement after statement, which made a write into a large change log (an import, the
    demo) many times slower."""

    db: sqlite_utils.Database
    path: Path
    _cm: Any = field(default=None, init=False)
    _own: bool = field(default=False, init=False)

    def __enter__(self) -> sqlite_utils.Database:
        try:
            if not self.db.conn.in_transaction:
                self.db.conn.execute("BEGIN IMMEDIATE")
                self._own = True
                return self.db
            self._cm = self.db.atomic()
            return self._cm.__enter__()  # type: ignore[no-any-return]
        except DatabaseError as exc:
            self._finish(failed=True)
            raise write_error(exc, self.db.conn, self.path) from None

    def _finish(self, *, failed: bool) -> None:
        if not self._own:
            return
        self._own = False
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK" if failed else "COMMIT")

    def __exit__(self, *exc: Any) -> Literal[False]:
        try:
            if self._cm is not None:
                self._cm.__exit__(*exc)
            self._finish(failed=exc[0] is not None)
        except DatabaseError as err:
            self._finish(failed=True)
            raise write_error(err, self.db.conn, self.path) from None
        except BaseException:
            self._finish(failed=True)
            raise
        if exc[0] is not None and issubclass(exc[0], DatabaseError):
            raise write_error(exc[1], self.db.conn, self.path) from None
        return False


__all__ = [
    "Changes",
    "CreatedPartnership",
    "PartnershipSession",
    "SavedCase",
    "StorageError",
    "create_partnership",
    "key_status",
    "unlock",
]
