"""Numbered schema migrations, tracked by ``PRAGMA user_version``.

Each migration runs in its own transaction together with the version bump. Before a
file is migrated an encrypted copy of it is written beside it
(``NAME.schema-vN.bak``), and a file whose version is newer than this app knows is
refused before anything is touched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from panel_app.core.errors import NewerVersionError
from panel_app.core.storage.connection import encrypted_copy

_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE partnership (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ladder_preset TEXT NOT NULL DEFAULT '',
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    urn TEXT NOT NULL DEFAULT '',
    phase TEXT NOT NULL DEFAULT 'secondary',
    roll INTEGER NOT NULL DEFAULT 0,
    fsm_count INTEGER NOT NULL DEFAULT 0,
    short_code TEXT NOT NULL DEFAULT '',
    member INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'other',
    school_id TEXT REFERENCES schools(id),
    email TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE pupils (
    id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    dob TEXT,
    upn TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    year_group INTEGER,
    home_school_id TEXT NOT NULL REFERENCES schools(id),
    sen_status TEXT NOT NULL DEFAULT 'none',
    primary_need TEXT NOT NULL DEFAULT '',
    fsm INTEGER NOT NULL DEFAULT 0,
    pupil_premium INTEGER NOT NULL DEFAULT 0,
    lac INTEGER NOT NULL DEFAULT 0,
    social_care TEXT NOT NULL DEFAULT 'none',
    eal INTEGER NOT NULL DEFAULT 0,
    young_carer INTEGER NOT NULL DEFAULT 0,
    youth_justice INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX pupils_upn ON pupils(upn);
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    pupil_id TEXT NOT NULL REFERENCES pupils(id),
    case_ref TEXT NOT NULL UNIQUE,
    risk TEXT NOT NULL DEFAULT 'green',
    status TEXT NOT NULL DEFAULT 'open',
    opened_on TEXT,
    closed_on TEXT,
    summary TEXT NOT NULL DEFAULT '',
    attendance_pct REAL,
    suspensions INTEGER NOT NULL DEFAULT 0,
    suspension_days REAL NOT NULL DEFAULT 0,
    permanent_exclusions INTEGER NOT NULL DEFAULT 0,
    pupil_voice TEXT NOT NULL DEFAULT '',
    family_voice TEXT NOT NULL DEFAULT '',
    lead TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_pupil ON cases(pupil_id);
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'note',
    text TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    filename TEXT NOT NULL,
    mime TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    added_at TEXT NOT NULL,
    added_by TEXT NOT NULL
);
CREATE INDEX documents_case ON documents(case_id);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    at TEXT NOT NULL,
    site_id TEXT NOT NULL
);
CREATE INDEX changes_entity ON changes(entity, entity_id);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]'
);
"""

# Version 2: the case list at 100k cases. A lower-cased search key on each pupil (name,
# UPN) so a filter keystroke is one indexed-table scan, indexes for the list's filters,
# and a reason recorded when a case is closed.
_V2 = """
ALTER TABLE pupils ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_status_risk ON cases(status, risk);
CREATE INDEX pupils_school_year ON pupils(home_school_id, year_group);
"""


def _script(sql: str) -> Callable[[sqlite_utils.Database], None]:
    def run(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.conn.execute(statement)

    return run


def _fold(text: str) -> str:
    # Frozen copy of repository.fold as it was at version 2 (NFKC, case-folded).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _v2(db: sqlite_utils.Database) -> None:
    _script(_V2)(db)
    rows = db.conn.execute("SELECT id, first_name, last_name, upn FROM pupils").fetchall()
    db.conn.executemany(
        "UPDATE pupils SET search_key = ? WHERE id = ?",
        [(_fold(f"{first} {last} {upn}"), pid) for pid, first, last, upn in rows],
    )


# Version 3 (case bundles, issue 6): a hybrid logical clock on every change, and the
# tables bundles need: this installation's keys, the partnership directory of contact
# cards, what was sent to and received from each partner, and the conflicts queue.
# Self-contained: it touches only ``changes`` (a column, an index, a trigger) and its own
# ``bundle_*`` tables.
#
# The trigger gives every change written without a clock value (every local edit, through
# Repository) the next HLC: max(wall-clock milliseconds of ``at``, the largest HLC known,
# local or received) with a counter for ties. Text of fixed width, so it sorts as text:
# 15-digit milliseconds since 1970, a dot, an 8-digit counter. Changes received in a
# bundle keep the sender's HLC (the trigger does not fire for them), so the local clock
# moves past everything it has seen: the HLC receive rule.
_BUNDLES_V3 = [
    "ALTER TABLE changes ADD COLUMN hlc TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX changes_hlc ON changes(hlc)",
    """CREATE TRIGGER changes_hlc_stamp AFTER INSERT ON changes WHEN NEW.hlc = ''
    BEGIN
        UPDATE changes SET hlc = (
            SELECT CASE
                WHEN last IS NULL OR phys > CAST(substr(last, 1, 15) AS INTEGER)
                    THEN printf('%015d.%08d', phys, 0)
                ELSE printf('%015d.%08d', CAST(substr(last, 1, 15) AS INTEGER),
                            CAST(substr(last, 17, 8) AS INTEGER) + 1)
            END
            FROM (SELECT coalesce(CAST(round((julianday(NEW.at) - 2440587.5) * 86400000.0)
                                       AS INTEGER), 0) AS phys,
                         nullif((SELECT max(hlc) FROM changes), '') AS last)
        ) WHERE seq = NEW.seq;
    END""",
    """CREATE TABLE bundle_identity (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        age_identity TEXT NOT NULL,
        age_recipient TEXT NOT NULL,
        sign_private BLOB NOT NULL,
        sign_public BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE bundle_directory (
        fingerprint TEXT PRIMARY KEY,
        installation_id TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        seat TEXT NOT NULL DEFAULT '',
        school_id TEXT,
        partnership_id TEXT NOT NULL DEFAULT '',
        age_recipient TEXT NOT NULL,
        sign_public BLOB NOT NULL,
        card TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        added_at TEXT NOT NULL,
        status_at TEXT
    )""",
    "CREATE INDEX bundle_directory_installation ON bundle_directory(installation_id, status)",
    """CREATE TABLE bundle_exports (
        bundle_id TEXT PRIMARY KEY,
        sequence INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        scope TEXT NOT NULL,
        recipients TEXT NOT NULL DEFAULT '[]',
        size INTEGER NOT NULL DEFAULT 0,
        counts TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE bundle_links (
        installation_id TEXT PRIMARY KEY,
        bundle_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE bundle_sent (
        installation_id TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (installation_id, entity, entity_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE bundle_imports (
        bundle_id TEXT PRIMARY KEY,
        sender_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        scope TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX bundle_imports_sender ON bundle_imports(sender_id, sequence)",
    """CREATE TABLE bundle_conflicts (
        id TEXT PRIMARY KEY,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        local_change TEXT NOT NULL,
        remote_change TEXT NOT NULL,
        bundle_id TEXT NOT NULL DEFAULT '',
        detected_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        resolution TEXT NOT NULL DEFAULT '',
        resolved_at TEXT,
        resolved_by TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX bundle_conflicts_open ON bundle_conflicts(status, entity, entity_id)",
]


def _hlc_ms(at: str) -> int:
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def _v3_bundles(db: sqlite_utils.Database) -> None:
    # Existing changes get clock values in their order of writing, as the trigger would
    # have given them, before the trigger exists (it would fire on none of these anyway).
    rows = db.conn.execute("SELECT seq, at FROM changes ORDER BY seq").fetchall()
    phys, counter, stamps = -1, 0, []
    for seq, at in rows:
        ms = _hlc_ms(at)
        if ms > phys:
            phys, counter = ms, 0
        else:
            counter += 1
        stamps.append((f"{phys:015d}.{counter:08d}", seq))
    statements = iter(_BUNDLES_V3)
    db.conn.execute(next(statements))  # the column first, then fill it
    db.conn.executemany("UPDATE changes SET hlc = ? WHERE seq = ?", stamps)
    for statement in statements:
        db.conn.execute(statement)


# Version 4 (intervention ladders, issue 3): the partnership's ladder and its versions
# (each edit stores the whole definition as a new immutable version, so a recorded check
# keeps the ladder it was checked against), evidence on a case with links to the case's
# documents, recorded ladder checks with overrides, and the school calendar's term dates.
# Self-contained: only new tables. Every row has a random id; removals set ``deleted``.
# ``ladder_checks.ladder_version_id`` has no foreign key on purpose: a check that arrives
# in a bundle carries its frozen result even when this installation lacks that version.
_LADDERS_V4 = """
CREATE TABLE ladders (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    preset TEXT NOT NULL DEFAULT '',
    current_version_id TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE ladder_versions (
    id TEXT PRIMARY KEY,
    ladder_id TEXT NOT NULL REFERENCES ladders(id),
    number INTEGER NOT NULL,
    definition TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX ladder_versions_ladder ON ladder_versions(ladder_id, number);
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    step_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    review_on TEXT,
    outcome TEXT NOT NULL DEFAULT 'ongoing',
    notes TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    verified_by TEXT NOT NULL DEFAULT '',
    verified_role TEXT NOT NULL DEFAULT '',
    verified_at TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX evidence_case ON evidence(case_id, deleted);
CREATE TABLE evidence_documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    evidence_id TEXT NOT NULL REFERENCES evidence(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    added_at TEXT NOT NULL
);
CREATE INDEX evidence_documents_evidence ON evidence_documents(evidence_id);
CREATE TABLE ladder_checks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    action TEXT NOT NULL,
    on_date TEXT NOT NULL,
    ladder_version_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    result TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    checked_by TEXT NOT NULL,
    override_reason TEXT NOT NULL DEFAULT '',
    override_by TEXT NOT NULL DEFAULT '',
    override_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX ladder_checks_case ON ladder_checks(case_id, checked_at);
CREATE TABLE calendar_terms (
    id TEXT PRIMARY KEY,
    academic_year INTEGER NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    half_term_start TEXT,
    half_term_end TEXT,
    closures TEXT NOT NULL DEFAULT '[]',
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE INDEX calendar_terms_year ON calendar_terms(academic_year, deleted);
"""


# Version 5 (meetings, issue 5): meeting series (recurrence, quorum, referral cut-off,
# protective marking), meetings, invited members and attendance, declared interests, cases
# referred to the panel, agenda items (an entity kind + id: referral, decision, action,
# meeting, later proposal), decisions, actions and frozen minutes versions. Self-contained:
# only new tables.
_MEETINGS_V5 = [
    """CREATE TABLE meeting_series (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        every_days INTEGER NOT NULL DEFAULT 14,
        start_time TEXT NOT NULL DEFAULT '09:30',
        quorum_schools INTEGER NOT NULL DEFAULT 0,
        cutoff_weekday INTEGER NOT NULL DEFAULT 3,
        cutoff_weeks_before INTEGER NOT NULL DEFAULT 1,
        marking TEXT NOT NULL DEFAULT 'OFFICIAL-SENSITIVE',
        venues TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE meetings (
        id TEXT PRIMARY KEY,
        series_id TEXT REFERENCES meeting_series(id),
        date TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL DEFAULT '',
        venue_school_id TEXT,
        venue TEXT NOT NULL DEFAULT '',
        chair_id TEXT,
        chair_name TEXT NOT NULL DEFAULT '',
        clerk_id TEXT,
        clerk_name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'planned',
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meetings_date ON meetings(date, start_time)",
    """CREATE TABLE meeting_members (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        person_id TEXT,
        name TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        school_id TEXT,
        attendance TEXT NOT NULL DEFAULT 'invited',
        part TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_members_meeting ON meeting_members(meeting_id)",
    """CREATE TABLE meeting_interests (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        member_id TEXT NOT NULL REFERENCES meeting_members(id),
        item_id TEXT,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_interests_meeting ON meeting_interests(meeting_id)",
    """CREATE TABLE meeting_referrals (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        kind TEXT NOT NULL DEFAULT 'panel',
        category TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        referred_on TEXT NOT NULL,
        referred_by TEXT NOT NULL DEFAULT '',
        school_id TEXT,
        status TEXT NOT NULL DEFAULT 'open',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_referrals_status ON meeting_referrals(status, kind)",
    """CREATE TABLE meeting_agenda (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        position INTEGER NOT NULL,
        section TEXT NOT NULL,
        title TEXT NOT NULL,
        entity TEXT NOT NULL DEFAULT '',
        entity_id TEXT NOT NULL DEFAULT '',
        case_id TEXT,
        notes TEXT NOT NULL DEFAULT '',
        late INTEGER NOT NULL DEFAULT 0,
        late_note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT 'auto',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_agenda_meeting ON meeting_agenda(meeting_id, position)",
    "CREATE INDEX meeting_agenda_entity ON meeting_agenda(entity, entity_id)",
    """CREATE TABLE meeting_decisions (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        item_id TEXT NOT NULL UNIQUE REFERENCES meeting_agenda(id),
        outcome TEXT NOT NULL,
        method TEXT NOT NULL DEFAULT 'consensus',
        votes_for INTEGER NOT NULL DEFAULT 0,
        votes_against INTEGER NOT NULL DEFAULT 0,
        votes_abstain INTEGER NOT NULL DEFAULT 0,
        conditions TEXT NOT NULL DEFAULT '',
        rationale TEXT NOT NULL DEFAULT '',
        dissent TEXT NOT NULL DEFAULT '',
        review_on TEXT,
        ladder TEXT NOT NULL DEFAULT '',
        recorded_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_decisions_review ON meeting_decisions(review_on)",
    """CREATE TABLE meeting_actions (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        item_id TEXT,
        text TEXT NOT NULL,
        owner_id TEXT,
        owner_name TEXT NOT NULL,
        due_on TEXT NOT NULL,
        done_on TEXT,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX meeting_actions_due ON meeting_actions(done_on, due_on)",
    """CREATE TABLE meeting_minutes (
        id TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL REFERENCES meetings(id),
        version INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'draft',
        reason TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        sha256 TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        approved_on TEXT,
        approved_at_meeting TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (meeting_id, version)
    )""",
]


def _v5_meetings(db: sqlite_utils.Database) -> None:
    for statement in _MEETINGS_V5:
        db.conn.execute(statement)


# Version 6 (proposals, managed moves, AP placements, quotas; issue 4): proposals to the
# panel with their lifecycle state and a history of transitions, managed moves and
# directions off-site, AP placements, the quota and budget year with per-school
# allocations, and charges to schools (a permanent exclusion made outside the panel).
# Self-contained: only new tables. Money is whole pence. ``meeting_id`` and
# ``decision_id`` have no foreign key on purpose: meetings do not travel in bundles, and
# a proposal must still travel with its case.
_PROPOSALS_V6 = [
    """CREATE TABLE proposals (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        kind TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'draft',
        title TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        school_id TEXT NOT NULL REFERENCES schools(id),
        receiving_school_id TEXT REFERENCES schools(id),
        fair_access_reason TEXT NOT NULL DEFAULT '',
        year_group INTEGER,
        requested_start TEXT,
        requested_weeks INTEGER,
        ladder_check_id TEXT REFERENCES ladder_checks(id),
        submitted_on TEXT,
        submitted_by TEXT NOT NULL DEFAULT '',
        meeting_id TEXT,
        decision_id TEXT,
        decision_outcome TEXT NOT NULL DEFAULT '',
        decided_on TEXT,
        decision_conditions TEXT NOT NULL DEFAULT '',
        review_on TEXT,
        over_quota_by TEXT NOT NULL DEFAULT '',
        over_quota_note TEXT NOT NULL DEFAULT '',
        close_outcome TEXT NOT NULL DEFAULT '',
        closed_on TEXT,
        close_note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX proposals_board ON proposals(state, updated_at, id)",
    "CREATE INDEX proposals_kind ON proposals(kind, state, updated_at)",
    "CREATE INDEX proposals_school ON proposals(school_id, state, updated_at)",
    "CREATE INDEX proposals_receiving ON proposals(receiving_school_id, state)",
    "CREATE INDEX proposals_case ON proposals(case_id)",
    """CREATE TABLE proposal_events (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES proposals(id),
        case_id TEXT NOT NULL REFERENCES cases(id),
        at TEXT NOT NULL,
        by TEXT NOT NULL DEFAULT '',
        event TEXT NOT NULL,
        from_state TEXT NOT NULL DEFAULT '',
        to_state TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX proposal_events_proposal ON proposal_events(proposal_id, at)",
    """CREATE TABLE moves (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        proposal_id TEXT REFERENCES proposals(id),
        arrangement TEXT NOT NULL DEFAULT 'off-site-direction',
        kind TEXT NOT NULL DEFAULT 'fixed-term',
        home_school_id TEXT NOT NULL REFERENCES schools(id),
        receiving_school_id TEXT NOT NULL REFERENCES schools(id),
        start_on TEXT NOT NULL,
        planned_end TEXT,
        dual_registration INTEGER NOT NULL DEFAULT 1,
        trial INTEGER NOT NULL DEFAULT 0,
        parents_notified_on TEXT,
        admission_meeting_on TEXT,
        admission_attendees TEXT NOT NULL DEFAULT '[]',
        targets TEXT NOT NULL DEFAULT '[]',
        review_dates TEXT NOT NULL DEFAULT '[]',
        reviewed_on TEXT,
        reentry_meeting_on TEXT,
        outcome TEXT NOT NULL DEFAULT '',
        ended_on TEXT,
        breakdown_reason TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX moves_case ON moves(case_id)",
    "CREATE INDEX moves_start ON moves(start_on)",
    "CREATE INDEX moves_open ON moves(ended_on, planned_end)",
    """CREATE TABLE placements (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        proposal_id TEXT REFERENCES proposals(id),
        provider_type TEXT NOT NULL,
        provider_name TEXT NOT NULL DEFAULT '',
        provider_school_id TEXT REFERENCES schools(id),
        pathway TEXT NOT NULL DEFAULT 'other',
        school_id TEXT NOT NULL REFERENCES schools(id),
        start_on TEXT NOT NULL,
        planned_end TEXT,
        review_dates TEXT NOT NULL DEFAULT '[]',
        reviewed_on TEXT,
        ended_on TEXT,
        outcome TEXT NOT NULL DEFAULT '',
        in_quota INTEGER NOT NULL DEFAULT 1,
        dual_registered INTEGER NOT NULL DEFAULT 1,
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX placements_case ON placements(case_id)",
    "CREATE INDEX placements_dates ON placements(start_on, ended_on, planned_end)",
    """CREATE TABLE quota_years (
        id TEXT PRIMARY KEY,
        academic_year INTEGER NOT NULL,
        places INTEGER NOT NULL,
        cost_per_place INTEGER NOT NULL,
        envelope INTEGER NOT NULL,
        funded_places INTEGER,
        formula TEXT NOT NULL DEFAULT 'equal',
        roll_weight REAL NOT NULL DEFAULT 1,
        fsm_weight REAL NOT NULL DEFAULT 0,
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX quota_years_year ON quota_years(academic_year, created_at)",
    """CREATE TABLE quota_allocations (
        id TEXT PRIMARY KEY,
        quota_year_id TEXT NOT NULL REFERENCES quota_years(id),
        school_id TEXT NOT NULL REFERENCES schools(id),
        places INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX quota_allocations_year ON quota_allocations(quota_year_id)",
    """CREATE TABLE quota_charges (
        id TEXT PRIMARY KEY,
        academic_year INTEGER NOT NULL,
        school_id TEXT NOT NULL REFERENCES schools(id),
        case_id TEXT REFERENCES cases(id),
        proposal_id TEXT REFERENCES proposals(id),
        charged_on TEXT NOT NULL,
        amount INTEGER NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX quota_charges_year ON quota_charges(academic_year, school_id)",
]


def _v6_proposals(db: sqlite_utils.Database) -> None:
    for statement in _PROPOSALS_V6:
        db.conn.execute(statement)


# Version 7 (privacy and accountability, issue 8): a tamper-evident audit trail. Each
# ``audit_log`` entry gets ``detail`` (JSON codes and counts: a purge's rule, a lawful
# deletion's reason; never free text), ``prev_hash`` and ``hash``: SHA-256 over the
# entry's content and the previous entry's hash (format in storage/audit.py). Existing
# entries are chained here in their order; triggers make the table append-only.
# Self-contained: a frozen copy of the hash, and only ``audit_log`` is touched.
_AUDIT_V7 = [
    "ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT ''",
]
_AUDIT_GUARDS_V7 = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]


def _audit_hash_v7(row: tuple[object, ...], prev: str) -> str:
    # Frozen copy of storage.audit.entry_hash as it was at version 7.
    import hashlib
    import json

    payload = json.dumps(["panel-audit-v1", *row, prev], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _v7_audit_chain(db: sqlite_utils.Database) -> None:
    for statement in _AUDIT_V7:
        db.conn.execute(statement)
    rows = db.conn.execute(
        "SELECT seq, at, actor, action, entity, entity_id, fields, detail FROM audit_log "
        "ORDER BY seq").fetchall()
    prev, sealed = "0" * 64, []
    for row in rows:
        digest = _audit_hash_v7(tuple(row), prev)
        sealed.append((prev, digest, row[0]))
        prev = digest
    db.conn.executemany("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", sealed)
    for statement in _AUDIT_GUARDS_V7:
        db.conn.execute(statement)


# Version 8 (data in and out, issue 7): exclusion and attendance records per pupil,
# per-school term totals (when only totals are known), and the CSV column mapping each
# school's MIS export was last imported with. Self-contained: only new tables; random ids.
# ``exclusions.school_id`` is the excluding school; it is NULL for an exclusion by a school
# outside the partnership (read from a pupil's CTF history). No UNIQUE keys: two
# installations may each record the same term's totals, and bundles must still merge.
_RECORDS_V8 = [
    """CREATE TABLE exclusions (
        id TEXT PRIMARY KEY,
        pupil_id TEXT NOT NULL REFERENCES pupils(id),
        school_id TEXT REFERENCES schools(id),
        kind TEXT NOT NULL,
        start_on TEXT NOT NULL,
        days REAL,
        reason TEXT NOT NULL DEFAULT 'OT',
        status TEXT NOT NULL DEFAULT '',
        decided_on TEXT,
        source TEXT NOT NULL DEFAULT 'entered',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX exclusions_pupil ON exclusions(pupil_id, start_on)",
    "CREATE INDEX exclusions_school ON exclusions(school_id, start_on)",
    """CREATE TABLE attendance_records (
        id TEXT PRIMARY KEY,
        pupil_id TEXT NOT NULL REFERENCES pupils(id),
        school_id TEXT REFERENCES schools(id),
        academic_year INTEGER NOT NULL,
        term TEXT NOT NULL DEFAULT '',
        percent REAL NOT NULL,
        sessions_possible INTEGER,
        sessions_attended INTEGER,
        source TEXT NOT NULL DEFAULT 'entered',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX attendance_records_pupil ON attendance_records(pupil_id, academic_year, term)",
    """CREATE TABLE school_term_figures (
        id TEXT PRIMARY KEY,
        school_id TEXT NOT NULL REFERENCES schools(id),
        academic_year INTEGER NOT NULL,
        term TEXT NOT NULL,
        roll INTEGER,
        suspensions INTEGER,
        suspension_days REAL,
        pupils_suspended INTEGER,
        permanent_exclusions INTEGER,
        attendance_pct REAL,
        notes TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX school_term_figures_key ON school_term_figures(academic_year, school_id, term)",
    """CREATE TABLE import_mappings (
        id TEXT PRIMARY KEY,
        school_id TEXT NOT NULL REFERENCES schools(id),
        kind TEXT NOT NULL,
        mapping TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX import_mappings_school ON import_mappings(school_id, kind)",
]


def _v8_records(db: sqlite_utils.Database) -> None:
    for statement in _RECORDS_V8:
        db.conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _script(_V1),
    2: _v2,
    3: _v3_bundles,
    4: _script(_LADDERS_V4),
    5: _v5_meetings,
    6: _v6_proposals,
    7: _v7_audit_chain,
    8: _v8_records,
}
LATEST = max(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(db: sqlite_utils.Database, path: Path) -> int:
    version = schema_version(db)
    if version > LATEST:
        raise NewerVersionError(
            f"{path.name} was saved by a newer version of Partnership Panel (schema "
            f"version {version}; this app reads up to {LATEST}). Install the latest "
            "version to open it. The file was not changed."
        )
    return version


def migrate(
    db: sqlite_utils.Database,
    path: Path,
    key: bytes,
    *,
    target: int = LATEST,
) -> list[int]:
    """Bring the database up to ``target``; returns the versions applied."""
    current = check_not_newer(db, path)
    if current >= target:
        return []
    if current > 0:
        encrypted_copy(db, path.with_name(f"{path.name}.schema-v{current}.bak"), key)
    applied = []
    for version in range(current + 1, target + 1):
        with db.atomic():
            MIGRATIONS[version](db)
            db.conn.execute(f"PRAGMA user_version = {version}")
        applied.append(version)
    return applied
