"""Retention: the partnership's policy, the cases due for review, and a purge that names
what will go, removes the case and everything hanging off it, leaves a tombstone in the
audit trail, rewrites the file so that no page keeps the data, and travels to partners
in the next bundle. Lawful deletion of one record or one field with a reason code."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from panel_app.core.domain.retention import (
    CaseFacts,
    RetentionPolicy,
    add_years,
    due_reasons,
)
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.services import FixedClock
from tests.conftest import FIXED_NOW
from tests.core.bundle_helpers import introduce, make_site
from tests.core.meetings_fixtures import make_panel
from tests.core.pages import traces
from tests.core.util import assert_plain, case_values

FIRST, LAST = "Zebedee", "Quuxleyworth"
NOTE = "Zebedee Quuxleyworth threw a chair in science"
DOC = b"%PDF-1.4 Educational psychologist report on Quuxleyworth, ref 88421-ZQ"
NEEDLES = [FIRST, LAST, "threw a chair in science", "88421-ZQ"]
PAST = "17/11/2026"
TODAY = date(2026, 11, 22)


# -- the policy, pure -------------------------------------------------------------------------

def _facts(**kw) -> CaseFacts:
    base = {"case_id": "c", "status": "closed", "opened_on": date(2015, 9, 1),
            "closed_on": date(2019, 7, 20), "last_activity": date(2019, 7, 20),
            "dob": date(2010, 1, 5)}
    base.update(kw)
    return CaseFacts(**base)


def test_default_policy_has_a_reason_for_every_rule():
    policy = RetentionPolicy()
    rules = {r.key: r for r in policy.rules()}
    assert (rules["closed_case_years"].value, rules["max_age"].value,
            rules["inactive_open_years"].value) == (6, 25, 3)
    assert all(len(r.reason) > 80 and r.value == r.default for r in rules.values())
    changed, issues = policy.with_changes({"closed_case_years": "7", "max_age": 0})
    assert not issues and (changed.closed_case_years, changed.max_age) == (7, 0)
    _, issues = policy.with_changes({"closed_case_years": 99, "nonsense": 1, "max_age": "x"})
    assert {i.code for i in issues} == {"out_of_range", "unknown_rule", "invalid_value"}
    assert RetentionPolicy.from_settings({"retention": {"max_age": 30, "junk": "x"}}).max_age == 30


def test_due_reasons_for_each_rule():
    policy = RetentionPolicy()
    assert [d.rule for d in due_reasons(_facts(), policy, TODAY)] == ["closed_case_years"]
    assert due_reasons(_facts(closed_on=date(2021, 1, 1)), policy, TODAY) == []
    old = due_reasons(_facts(status="open", closed_on=None, dob=date(2000, 2, 29),
                             last_activity=date(2026, 1, 5)), policy, TODAY)
    assert [d.rule for d in old] == ["max_age"] and old[0].since == date(2025, 2, 28)
    idle = due_reasons(_facts(status="open", closed_on=None, last_activity=date(2023, 1, 2)),
                       policy, TODAY)
    assert [d.rule for d in idle] == ["inactive_open_years"]
    off = RetentionPolicy(closed_case_years=0)
    assert due_reasons(_facts(), off, TODAY) == []
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert all("Zebedee" not in d.text for d in due_reasons(_facts(), policy, TODAY))


def test_policy_is_stored_partnership_wide_and_audited(session):
    assert session.privacy.retention_policy() == RetentionPolicy()
    changes = session.privacy.set_retention_policy(closed_case_years=8)
    assert "retention" in changes.entities
    assert session.privacy.retention_policy().closed_case_years == 8
    assert session.repo.partnership()["settings"]["retention"]["closed_case_years"] == 8
    with pytest.raises(ValidationError) as caught:
        session.privacy.set_retention_policy(max_age=3)
    assert_plain(str(caught.value))
    assert "18 to 40" in str(caught.value)
    assert not session.privacy.set_retention_policy(closed_case_years=8)  # no change
    entry = session.privacy.audit_entries(action="retention_policy_set")[0]
    assert entry.fields == ("closed_case_years",)


# -- a case with everything hanging off it ------------------------------------------------------

def _insert(session, entity: str, values: dict) -> str | None:
    """A record of a kind added by another issue, only when its table exists here."""
    tables = session.privacy.store.tables()
    if entity not in tables:
        return None
    stamp = "updated_at" if "updated_at" in tables[entity].columns else None
    with session._write():
        return session.repo.insert(entity, values, stamp_field=stamp)


def _full_case(session) -> dict[str, str]:
    """The subject (open since 2015, closed in 2018) with notes, a document, evidence
    linked to it, a ladder check, proposal, managed move and placement (when those kinds
    exist), a referral, an agenda item with a decision and an action at a past meeting
    whose minutes are approved, next to another pupil who stays."""
    p = make_panel(session)
    s = session
    case = s.create_case(case_values(FIRST, LAST, year=9, serial=9, opened_on="01/09/2015",
                                     summary=f"{FIRST} was referred after an incident")).case
    ref = case.case_ref
    s.add_note(ref, NOTE)
    s.add_document(ref, "ep-report.pdf", DOC)
    doc_id = s.get_case(ref).documents[0].id
    now = FIXED_NOW.isoformat()
    school = case.home_school_id
    riv = s.find_school("RIV").id
    ev = _insert(s, "evidence", {"case_id": case.id, "step_key": "psp", "kind": "psp",
                                 "started_on": "2016-01-04", "notes": f"PSP for {FIRST}",
                                 "recorded_by": "Anna Vice", "recorded_at": now})
    _insert(s, "evidence_document", {"case_id": case.id, "evidence_id": ev,
                                     "document_id": doc_id, "added_at": now})
    prop = _insert(s, "proposal", {"case_id": case.id, "kind": "managed_move",
                                   "title": f"Managed move for {FIRST} {LAST}",
                                   "school_id": school, "receiving_school_id": riv,
                                   "created_at": now})
    if prop:
        _insert(s, "proposal_event", {"proposal_id": prop, "case_id": case.id, "at": now,
                                      "event": "submit", "to_state": "submitted",
                                      "note": f"{LAST} family agrees"})
    _insert(s, "move", {"case_id": case.id, "proposal_id": prop, "home_school_id": school,
                        "receiving_school_id": riv, "start_on": "2017-01-09",
                        "notes": f"{FIRST} settled well", "created_at": now})
    _insert(s, "placement", {"case_id": case.id, "provider_type": "pru", "school_id": school,
                             "start_on": "2017-09-04", "created_at": now})
    # the panel: both pupils on the agenda of a past meeting, decisions, an action
    p.m.refer_case(ref, category="AP place", summary=f"AP place for {FIRST}", on="04/11/2026")
    p.m.refer_case(p.cases["tyler"], category="managed move", on="04/11/2026")
    mid = p.m.add_meeting(PAST, chair="Anna Vice", clerk="Carl Clerk", venue="OAK").id
    p.m.build_agenda(mid)
    items = {i.case_ref: i for i in p.m.agenda(mid) if i.case_ref}
    p.m.decide(mid, items[ref].position, "approved",
               rationale=f"{FIRST} {LAST} met the threshold")
    p.m.decide(mid, items[p.cases["tyler"]].position, "deferred",
               rationale="More evidence from Riverside")
    p.m.add_action(mid, f"Tell {FIRST}'s family", owner="Anna Vice",
                   item=items[ref].position)
    p.m.add_action(mid, "Ask Riverside for the PSP", owner="Ben Head",
                   item=items[p.cases["tyler"]].position)
    p.m.approve_minutes(mid)
    s.close_case(ref, "Settled at Riverside", on=date(2018, 7, 20))
    # (after the decisions, which read the case's checks: this one is not a real result)
    _insert(s, "ladder_check", {"case_id": case.id, "action": "ap-place",
                                "on_date": "2016-03-01", "ladder_version_id": "v",
                                "verdict": "met", "result": json.dumps({"who": LAST}),
                                "checked_at": now, "checked_by": "Anna Vice"})
    return {"ref": ref, "case_id": case.id, "pupil_id": case.pupil_id, "meeting": mid,
            "tyler": p.cases["tyler"]}


def _counts(session, case_id: str, pupil_id: str) -> dict[str, int]:
    conn = session.db.conn
    out = {}
    for entity, info in session.privacy.store.tables().items():
        cols = info.columns
        n = 0
        if "case_id" in cols:
            n += conn.execute(f"SELECT count(*) FROM {info.table} WHERE case_id = ?",
                              (case_id,)).fetchone()[0]
        if "pupil_id" in cols:
            n += conn.execute(f"SELECT count(*) FROM {info.table} WHERE pupil_id = ?",
                              (pupil_id,)).fetchone()[0]
        if entity in ("case", "pupil"):
            n += conn.execute(f"SELECT count(*) FROM {info.table} WHERE id IN (?, ?)",
                              (case_id, pupil_id)).fetchone()[0]
        if n:
            out[entity] = n
    return out


def test_review_list_and_purge_plan_name_what_will_go(session):
    c = _full_case(session)
    due = session.privacy.due_for_review()
    assert [r.case_ref for r in due] == [c["ref"]]
    assert due[0].rule == "closed_case_years" and due[0].due_since == date(2024, 7, 20)
    assert due[0].pupil == f"{FIRST} {LAST}"

    plan = session.privacy.plan_purge()
    assert plan.kind == "retention" and len(plan.targets) == 1
    target = plan.targets[0]
    counts = target.counts
    assert counts["case"] == 1 and counts["pupil"] == 1
    assert counts["case_note"] == 1 and counts["document"] == 1
    assert counts["referral"] == 1 and counts["agenda_item"] == 1
    assert counts["decision"] == 1 and counts["action"] == 1
    for kind in ("evidence", "evidence_document", "ladder_check", "proposal", "move",
                 "placement", "proposal_event"):
        if kind in session.privacy.store.tables():
            assert counts[kind] == 1, kind
    assert len(target.minutes) == 1  # the approved minutes will be redacted
    text = "\n".join(plan.lines())
    assert c["ref"] in text and f"{FIRST} {LAST}" in text  # named for the user to confirm
    assert "1 note" in text and "1 panel decision" in text and "cannot be undone" in text
    assert "backups" in text
    # nothing changed yet
    assert session.get_case(c["ref"]).first_name == FIRST

    # naming a case that is not due is refused with the way to do it lawfully
    with pytest.raises(PanelError) as caught:
        session.privacy.plan_purge([c["tyler"]])
    assert "lawful deletion" in str(caught.value)
    assert_plain(str(caught.value))


def test_purge_removes_every_trace_from_the_file_and_leaves_a_tombstone(session, db_path):
    c = _full_case(session)
    key = session._key
    session.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    # positive control: the decrypting scan finds the pupil before the purge
    before = traces(db_path, key, NEEDLES)
    assert set(before.get("db pages", []) + before.get("wal pages", [])) == set(NEEDLES)
    assert not any(k.startswith("raw") for k in before)  # encrypted at rest
    kept_before = _counts(session, session.get_case(c["tyler"]).id,
                          session.get_case(c["tyler"]).pupil_id)

    plan = session.privacy.plan_purge()
    result = session.privacy.purge(plan)
    assert result.targets == 1 and result.records == plan.record_count
    assert result.minutes_redacted == 1 and result.changes_scrubbed > 20
    assert "case" in result.changes.entities

    # gone from the tables ...
    assert _counts(session, c["case_id"], c["pupil_id"]) == {}
    with pytest.raises(NotFoundError):
        session.get_case(c["ref"])
    assert session.list_cases().total == 4  # the other pupils stay
    assert _counts(session, session.get_case(c["tyler"]).id,
                   session.get_case(c["tyler"]).pupil_id) == kept_before
    # ... from every page of the file and of the WAL
    assert traces(db_path, key, NEEDLES) == {}
    # the tombstones stay (they travel), the values in the change log are gone
    tombs = session.db.conn.execute(
        "SELECT value FROM changes WHERE entity = 'case' AND entity_id = ? AND "
        "field = '__deleted__'", (c["case_id"],)).fetchall()
    assert len(tombs) == 1 and json.loads(tombs[0][0])["purged"] is True
    left = session.db.conn.execute(
        "SELECT field, value FROM changes WHERE entity = 'case' AND entity_id = ? AND "
        "value != 'null' AND field != '__deleted__'", (c["case_id"],)).fetchall()
    assert {f for f, _v in left} == {"pupil_id"}  # a random id, so the tombstone is routed
    # the audit trail: one tombstone entry (id, date, rule, who), no name
    entry = session.privacy.audit_entries(action="purge")[0]
    assert (entry.entity, entry.entity_id, entry.actor) == ("case", c["case_id"], "Test Clerk")
    assert entry.detail["rule"] == "closed_case_years" and entry.detail["records"] > 10
    assert entry.at.startswith("2026-11-22")
    dump = json.dumps([e.to_dict() for e in session.privacy.audit_entries(limit=None)])
    assert FIRST not in dump and LAST not in dump and c["ref"] not in dump
    assert session.verify_audit().ok
    # the frozen minutes: the other pupil's item stays, the purged one is emptied
    doc = session.meetings.minutes_document(c["meeting"])
    assert c["tyler"] in doc.pupils and c["ref"] not in doc.pupils
    assert "Item about a case since removed" in {i.title for i in doc.items}
    assert "[removed with its case]" in {a.text for a in doc.actions}
    assert "Redacted on 22/11/2026" in doc.status_note
    assert session.meetings.render_minutes(c["meeting"])  # still prints
    assert session.privacy.due_for_review() == []
    assert session.doctor()["ok"]


def test_purge_is_refused_when_the_case_changed_since_the_plan(session):
    c = _full_case(session)
    plan = session.privacy.plan_purge()
    session.add_note(c["ref"], "A late note")
    with pytest.raises(PanelError) as caught:
        session.privacy.purge(plan)
    assert "changed since" in str(caught.value)
    assert session.get_case(c["ref"]).first_name == FIRST
    again = session.privacy.plan_purge()
    assert again.targets[0].counts["case_note"] == 2
    session.privacy.set_retention_policy(closed_case_years=20)  # no longer due
    with pytest.raises(PanelError) as caught:
        session.privacy.purge(again)
    assert "no longer due" in str(caught.value)
    session.privacy.set_retention_policy(closed_case_years=6)
    session.privacy.purge(again)
    assert session.privacy.due_for_review() == []


def test_a_pupil_with_another_live_case_is_kept(session):
    s = session
    old = s.create_case(case_values(FIRST, LAST, year=9, serial=9, opened_on="01/09/2015"))
    s.close_case(old.case.case_ref, on=date(2018, 7, 20))
    # a second, current case of the same pupil (same UPN is one pupil? use the pupil id)
    with s._write():
        newer = s.repo.insert("case", {"pupil_id": old.case.pupil_id, "case_ref": "C-NEWER01",
                                       "created_at": FIXED_NOW.isoformat(),
                                       "opened_on": "2026-09-01"})
    plan = s.privacy.plan_purge()
    assert plan.targets[0].counts == {"case": 1}
    s.privacy.purge(plan)
    assert s.get_case("C-NEWER01").first_name == FIRST
    assert s.get_case(newer).pupil_id == old.case.pupil_id


def test_purge_travels_to_a_partner_in_the_next_bundle(_template_db, tmp_path, no_keyring):
    panel = make_site(_template_db, tmp_path, "panel", no_keyring, FixedClock(FIXED_NOW),
                      panel=True)
    oak = make_site(_template_db, tmp_path, "oak", no_keyring, FixedClock(FIXED_NOW),
                    school="OAK")
    introduce(panel, oak)
    ps, os_ = panel.session, oak.session
    try:
        case = ps.create_case(case_values(FIRST, LAST, school="OAK", year=9, serial=9,
                                          opened_on="01/09/2015")).case
        ps.add_note(case.id, NOTE)
        ps.add_document(case.id, "ep-report.pdf", DOC)
        ps.close_case(case.id, on=date(2018, 7, 20))
        first = tmp_path / "first.panelbundle"
        ps.bundles.export_bundle(["OAK"], first)
        oak.b.import_bundle(first)
        assert os_.get_case(case.case_ref).last_name == LAST
        # the school sends its copy back before it hears of the purge
        back = tmp_path / "back.panelbundle"
        os_.clock.at += timedelta(minutes=5)
        os_.bundles.export_bundle(["panel"], back)

        ps.clock.at += timedelta(minutes=10)
        ps.privacy.purge(ps.privacy.plan_purge())
        second = tmp_path / "second.panelbundle"
        export = ps.bundles.export_bundle(["OAK"], second, since_last=True)
        assert export.counts["deleted"] >= 4 and export.scope == "incremental"
        # the bundle carries only tombstones for the purged records
        from tests.core.bundle_helpers import decrypt_as

        _m, records = decrypt_as(oak, second.read_bytes())
        purged = [r for r in records if r.row is None]
        assert purged and all(c.field == "__deleted__" for r in purged for c in r.changes)

        result = oak.b.import_bundle(second)
        assert result.deleted >= 4
        with pytest.raises(NotFoundError):
            os_.get_case(case.case_ref)
        assert os_.list_cases().total == 0
        # the partner scrubbed its change log and rewrote its file too
        assert traces(os_.path, os_._key, NEEDLES) == {}

        # the old bundle from the school does not bring the case back
        ps.clock.at += timedelta(minutes=10)
        preview = ps.bundles.open_bundle(back)
        ps.bundles.apply(preview)
        with pytest.raises(NotFoundError):
            ps.get_case(case.case_ref)
        assert ps.db.conn.execute("SELECT count(*) FROM changes WHERE value LIKE ?",
                                  (f"%{LAST}%",)).fetchone()[0] == 0
        assert ps.verify_audit().ok and os_.verify_audit().ok
    finally:
        ps.lock()
        os_.lock()


# -- lawful deletion of one record --------------------------------------------------------------

def test_lawful_deletion_of_one_record_keeps_the_rest(session):
    c = _full_case(session)
    s = session
    record = s.get_case(c["ref"])
    note_id = record.notes[0].id
    with pytest.raises(ValidationError) as caught:
        s.privacy.plan_deletion(f"case_note:{note_id}", reason="because")
    assert "overturned" in str(caught.value)
    plan = s.privacy.plan_deletion(f"case_note:{note_id[:8]}", reason="inaccurate")
    assert plan.kind == "lawful" and plan.targets[0].counts == {"case_note": 1}
    assert "Note of" in plan.lines()[0] and c["ref"] in plan.lines()[0]
    s.privacy.purge(plan)
    assert s.get_case(c["ref"]).notes == []
    assert s.get_case(c["ref"]).documents  # the rest stays
    assert s.db.conn.execute("SELECT count(*) FROM changes WHERE value LIKE ?",
                             ("%threw a chair%",)).fetchone()[0] == 0
    entry = s.privacy.audit_entries(action="lawful_delete")[0]
    assert (entry.entity, entry.entity_id, entry.detail["reason"]) == (
        "case_note", note_id, "inaccurate")

    # a document with what depends on it (the evidence link), not the evidence itself
    doc_id = s.get_case(c["ref"]).documents[0].id
    plan = s.privacy.plan_deletion(f"document:{doc_id}", reason="recorded_in_error")
    counts = plan.targets[0].counts
    assert counts["document"] == 1
    if "evidence_document" in s.privacy.store.tables():
        assert counts["evidence_document"] == 1 and "evidence" not in counts
    s.privacy.purge(plan)
    assert s.get_case(c["ref"]).documents == []
    assert s.doctor()["ok"]


def test_lawful_erasure_of_a_field_keeps_the_review_outcome(session):
    """An overturned permanent exclusion: the exclusion record goes, the case and the
    review outcome (a note saying the PX was rescinded) stay."""
    s = session
    ref = s.create_case(case_values("Ada", "Brown", year=8, permanent_exclusions="1",
                                    summary="Permanently excluded 03/10/2026")).case.case_ref
    s.add_note(ref, "Independent review panel: exclusion rescinded, pupil reinstated")
    plan = s.privacy.plan_deletion(ref, reason="overturned", field="permanent_exclusions")
    assert "Permanent exclusions" in plan.lines()[0]
    s.privacy.purge(plan)
    case = s.get_case(ref)
    assert case.permanent_exclusions == 0
    assert case.notes[0].text.startswith("Independent review panel")
    history = s.db.conn.execute(
        "SELECT value FROM changes WHERE entity = 'case' AND entity_id = ? AND "
        "field = 'permanent_exclusions' ORDER BY seq", (case.id,)).fetchall()
    assert [h[0] for h in history] == ["null", "0"]  # the old value scrubbed, the new one kept
    # a free-text field of the pupil record, through the case
    s.privacy.purge(s.privacy.plan_deletion(ref, reason="inaccurate", field="summary"))
    assert s.get_case(ref).summary == ""
    for name in ("first_name", "dob", "case_ref", "pupil_id"):
        with pytest.raises(ValidationError) as caught:
            s.privacy.plan_deletion(ref, reason="inaccurate", field=name)
        assert "cannot be erased on its own" in str(caught.value)
    with pytest.raises(NotFoundError):
        s.privacy.plan_deletion("case_note:nothing-like-this", reason="inaccurate")
    entries = s.privacy.audit_entries(action="purge")
    assert [e.fields for e in entries] == [("summary",), ("permanent_exclusions",)]
    assert all("Ada" not in json.dumps(e.to_dict()) for e in entries)


def test_deleting_a_whole_case_lawfully(session):
    s = session
    ref = s.create_case(case_values(FIRST, LAST, year=9, serial=9)).case.case_ref
    s.add_note(ref, NOTE)
    plan = s.privacy.plan_deletion(ref, reason="recorded_in_error")
    assert plan.targets[0].counts == {"case": 1, "pupil": 1, "case_note": 1}
    s.privacy.purge(plan)
    assert s.list_cases().total == 0
    entry = s.privacy.audit_entries(action="purge")[0]
    assert entry.action == "lawful_delete" and entry.detail["reason"] == "recorded_in_error"
    with pytest.raises(PanelError):
        s.privacy.plan_deletion(s.find_school("OAK").id, reason="inaccurate")
    # the history of a purged case is still found by its id (ids and tombstones remain)
    about = s.privacy.audit_entries(case=plan.targets[0].id)
    assert {"create", "delete", "lawful_delete"} <= {e.action for e in about}


def test_an_empty_plan_is_plain_data():
    """The facade's plan is plain data, safe to show and to serialise."""
    from panel_app.core.services.privacy import PurgePlan

    empty = PurgePlan("retention", (), "now", "sig")
    assert empty.empty and empty.lines() == [] and empty.to_dict()["records"] == 0


# -- older backups ------------------------------------------------------------------------------

def _scan(path, key) -> bool:
    """Whether the pupil's name is in any decrypted page of ``path`` (a backup copy is
    written in rollback-journal mode: the file is all of it)."""
    from tests.core.pages import db_pages, forms

    data = b"".join(db_pages(path, key))
    return any(f in data for n in (FIRST, LAST) for f in forms(n))


def _backups(session, db_path, tmp_path):
    """A migration backup beside the file, a backup written elsewhere, and one written
    before the pupil existed (it does not hold them)."""
    from panel_app.core.storage.connection import encrypted_copy

    elsewhere = tmp_path / "usb-stick"
    elsewhere.mkdir()
    early = session.backup(elsewhere / "before-the-case.panel")
    c = _full_case(session)
    migration = encrypted_copy(session.db, db_path.with_name(f"{db_path.name}.schema-v7.bak"),
                               session._key)
    later = session.backup(elsewhere / "weekly.panel")
    gone = session.backup(elsewhere / "on-a-stick-not-plugged-in.panel")
    gone.unlink()
    return c, {"early": early, "migration": migration, "later": later, "gone": gone}


def test_purge_overwrites_and_deletes_older_backups_that_hold_the_pupil(session, db_path,
                                                                          tmp_path):
    c, files = _backups(session, db_path, tmp_path)
    key = session._key
    assert _scan(files["migration"], key) and _scan(files["later"], key)  # positive control
    assert not _scan(files["early"], key)

    plan = session.privacy.plan_purge()
    assert sorted(plan.backups) == sorted(str(files[k].resolve())
                                          for k in ("migration", "later"))
    assert plan.unreachable == (str(files["gone"].resolve()),)
    text = "\n".join(plan.lines())
    assert str(files["later"].resolve()) in text and "overwritten and deleted" in text
    assert "cannot be found" in text and str(files["gone"].resolve()) in text

    result = session.privacy.purge(plan)
    assert sorted(result.backups_removed) == sorted(plan.backups)
    assert "2 older backups holding them were overwritten and deleted" in result.message
    assert not files["migration"].exists() and not files["later"].exists()
    assert files["early"].exists()  # it never held the pupil: kept
    # every file left in both folders: none holds the pupil's name, decrypted or raw
    for folder in (db_path.parent, files["later"].parent):
        for path in folder.iterdir():
            if path.is_file() and path.suffix in (".panel", ".bak"):
                assert not _scan(path, key), path
                raw = path.read_bytes()
                assert not any(f in raw for f in (FIRST.encode(), LAST.encode())), path
    assert traces(db_path, key, NEEDLES) == {}
    entry = session.privacy.audit_entries(action="backups_removed")[0]
    assert entry.detail == {"files": 2, "failed": 0}
    assert str(tmp_path) not in json.dumps(entry.to_dict())  # no paths in the audit trail
    # the removed ones are forgotten; the unreachable one is still remembered
    from panel_app.core.storage.backups import recorded

    kept = {i["path"] for i in recorded(session.db.conn)}
    assert str(files["gone"].resolve()) in kept and str(files["later"].resolve()) not in kept
    assert session.get_case(c["tyler"])


def test_keeping_backups_leaves_them_and_says_so(session, db_path, tmp_path):
    _c, files = _backups(session, db_path, tmp_path)
    plan = session.privacy.plan_purge()
    result = session.privacy.purge(plan, remove_backups=False)
    assert result.backups_removed == [] and "still hold them" in result.message  # 2 of them
    assert _scan(files["later"], session._key)  # the data is still in the kept backup
    assert traces(db_path, session._key, NEEDLES) == {}


def test_a_file_put_where_a_backup_was_is_not_deleted(session, db_path, tmp_path):
    _c, files = _backups(session, db_path, tmp_path)
    plan = session.privacy.plan_purge()
    files["later"].write_bytes(b"someone else's file")  # replaced between plan and purge
    result = session.privacy.purge(plan)
    assert result.backups_failed == [str(files["later"].resolve())]
    assert files["later"].read_bytes() == b"someone else's file"
    assert "delete it yourself" in result.message


# -- the policy change in the audit trail -------------------------------------------------------

def test_a_policy_change_records_the_rules_changed_from_and_to(session):
    from panel_app.core.services.privacy import detail_text

    session.privacy.set_retention_policy(closed_case_years=8, max_age=25,
                                         inactive_open_years=0)
    entry = session.privacy.audit_entries(action="retention_policy_set")[0]
    assert entry.fields == ("closed_case_years", "inactive_open_years")
    assert entry.detail == {"closed_case_years": [6, 8], "inactive_open_years": [3, 0]}
    assert detail_text(entry.detail) == ("Closed case kept after closure: 6 → 8; "
                                         "Open case with no change for: 3 → off")


# -- lawful deletion of an exclusion record ------------------------------------------------------

def test_an_overturned_exclusion_goes_the_review_outcome_stays(session):
    s = session
    case = s.create_case(case_values(FIRST, LAST, year=9, serial=9)).case
    ref = case.case_ref
    px = s.exclusions.add(ref, kind="permanent", start="03/10/2026", reason="PA").id
    s.exclusions.add(ref, kind="suspension", start="15/09/2026", days=2, reason="VA")
    s.add_note(ref, "Independent review panel: exclusion quashed, pupil reinstated")
    assert s.get_case(ref).permanent_exclusions == 1

    plan = s.privacy.plan_deletion(f"exclusion:{px}", reason=None)
    assert plan.reason_missing and plan.targets[0].case_ref == ref
    line = plan.lines()[0]
    assert line.startswith(f"Permanent exclusion of 03/10/2026 (pending the governors' review) "
                           f"on case {ref}")
    assert "no reason chosen yet" in line
    assert "Kept: case" in line and "1 note" in line and "1 exclusion record" in line
    with pytest.raises(ValidationError) as caught:
        s.privacy.purge(plan)  # no reason: refused, nothing changed
    assert "Choose the reason" in str(caught.value)
    assert len(s.exclusions.list_exclusions(pupil=ref)) == 2
    with pytest.raises(ValidationError):
        plan.with_reason("")
    ready = plan.with_reason("overturned")
    assert not ready.reason_missing and ready.signature != plan.signature
    assert "overturned on review" in ready.lines()[0]

    result = s.privacy.purge(ready)
    assert result.records == 1
    left = s.exclusions.list_exclusions(pupil=ref)
    assert [e.kind for e in left] == ["suspension"]
    record = s.get_case(ref)
    assert record.permanent_exclusions == 0 and record.suspensions == 1  # summary follows
    assert record.notes[0].text.startswith("Independent review panel")
    entry = s.privacy.audit_entries(action="lawful_delete")[0]
    assert (entry.entity, entry.entity_id, entry.detail["reason"]) == ("exclusion", px,
                                                                       "overturned")
    assert s.privacy.case_refs([("exclusion", px)]) == {("exclusion", px): ref}
    assert s.verify_audit().ok


# -- which case an audit entry is about ---------------------------------------------------------

def test_case_refs_follow_records_to_their_case_and_not_past_a_purge(session):
    c = _full_case(session)
    s = session
    entries = s.privacy.audit_entries(case=c["ref"], limit=None)
    keys = {(e.entity, e.entity_id) for e in entries}
    refs = s.privacy.case_refs(keys)
    kinds = {e for (e, _i), ref in refs.items() if ref == c["ref"]}
    assert {"case", "pupil", "case_note", "document", "referral", "agenda_item",
            "decision"} <= kinds
    assert set(refs.values()) == {c["ref"]}
    school = s.find_school("OAK").id
    assert s.privacy.case_refs([("school", school)]) == {}
    s.privacy.purge(s.privacy.plan_purge())
    assert s.privacy.case_refs(keys) == {}  # the reference was scrubbed with the case
