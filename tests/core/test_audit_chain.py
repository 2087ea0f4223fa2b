"""The tamper-evident audit trail: every entry chained to the one before by SHA-256,
append-only, verified on unlock and by doctor, and every kind of event recorded (field
names, never values)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from panel_app.core.secrets.keyfile import key_file_path
from panel_app.core.services import unlock
from panel_app.core.services.exports import LEAVES_ENCRYPTION, leaves_encryption
from panel_app.core.storage.audit import GENESIS, entry_hash
from panel_app.core.storage.connection import IntegrityError
from panel_app.core.storage.schema import LATEST
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.util import case_values
from tests.data import make_golden

GOLDEN = Path(make_golden.__file__).parent / make_golden.NAME


def _rows(session) -> list[tuple]:
    return session.db.conn.execute(
        "SELECT seq, at, actor, action, entity, entity_id, fields, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq").fetchall()


def _unguard(session) -> None:
    """What someone editing the file outside the app would do first."""
    for trigger in ("audit_log_no_update", "audit_log_no_delete"):
        session.db.conn.execute(f"DROP TRIGGER {trigger}")


def _restore_guards(session) -> None:
    for trigger, event in (("audit_log_no_update", "UPDATE"), ("audit_log_no_delete", "DELETE")):
        session.db.conn.execute(
            f"CREATE TRIGGER {trigger} BEFORE {event} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")


def _some_history(session) -> str:
    ref = session.create_case(case_values("Ada", "Brown", year=8, summary="Referred")).case.case_ref
    session.update_case(ref, {"risk": "red"})
    session.add_note(ref, "Met the family")
    return ref


def test_every_entry_is_chained_by_the_documented_hash(session):
    _some_history(session)
    rows = _rows(session)
    assert len(rows) >= 6 and [r[0] for r in rows] == list(range(1, len(rows) + 1))
    prev = GENESIS
    for seq, at, actor, action, entity, entity_id, fields, detail, prev_hash, digest in rows:
        assert prev_hash == prev
        # the format in storage/audit.py, recomputed independently
        payload = json.dumps(["panel-audit-v1", seq, at, actor, action, entity, entity_id,
                              fields, detail, prev_hash], ensure_ascii=False,
                             separators=(",", ":"))
        assert digest == hashlib.sha256(payload.encode()).hexdigest()
        assert digest == entry_hash(seq, at, actor, action, entity, entity_id, fields, detail,
                                    prev_hash)
        prev = digest
    check = session.verify_audit()
    assert check.ok and check.entries == len(rows) and check.head_hash == prev
    assert session.info()["audit_ok"] is True and session.info()["audit_problem"] == ""
    assert session.doctor()["audit"]["ok"] is True


def test_the_table_is_append_only(session):
    _some_history(session)
    for sql in ("UPDATE audit_log SET actor = 'Someone' WHERE seq = 2",
                "DELETE FROM audit_log WHERE seq = 2"):
        with pytest.raises(IntegrityError, match="append-only"):
            session.db.conn.execute(sql)
    assert session.verify_audit().ok


def test_doctor_names_the_entry_edited_outside_the_app(session, db_path, no_keyring, clock):
    _some_history(session)
    target = _rows(session)[4]
    seq = target[0]
    _unguard(session)
    session.db.conn.execute("UPDATE audit_log SET actor = 'Someone Else' WHERE seq = ?", (seq,))
    _restore_guards(session)
    session.db.conn.commit()

    report = session.doctor()
    assert report["ok"] is False
    problem = report["audit"]["problem"]
    assert problem["seq"] == seq and problem["code"] == "changed"
    assert f"audit entry {seq} " in problem["message"]
    assert "changed after it was written" in problem["message"]
    assert "Someone Else" in problem["message"]  # the entry as it now reads
    session.lock()

    # the app verifies on unlock and says so (for the GUI to warn)
    again = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    info = again.info()
    assert info["audit_ok"] is False and f"audit entry {seq} " in info["audit_problem"]
    # later entries are still chained: only the edited one is reported first
    assert again.verify_audit().problem.seq == seq
    again.lock()


@pytest.mark.parametrize("attack, code", [
    ("delete_middle", "missing"),
    ("delete_tail", "truncated"),
    ("rewrite_with_hash", "link_broken"),
    ("insert_unsealed", "unsealed"),
    ("drop_guard", "unguarded"),
])
def test_each_kind_of_tampering_is_reported_precisely(session, attack, code):
    _some_history(session)
    rows = _rows(session)
    conn = session.db.conn
    n = rows[3][0]
    if attack != "drop_guard":
        _unguard(session)
    if attack == "delete_middle":
        conn.execute("DELETE FROM audit_log WHERE seq = ?", (n,))
        expected = n
    elif attack == "delete_tail":
        conn.execute("DELETE FROM audit_log WHERE seq >= ?", (rows[-2][0],))
        expected = rows[-2][0]
    elif attack == "rewrite_with_hash":
        seq, at, actor, action, entity, entity_id, fields, detail, prev, _h = rows[3]
        forged = entry_hash(seq, at, "Forger", action, entity, entity_id, fields, detail, prev)
        conn.execute("UPDATE audit_log SET actor = 'Forger', hash = ? WHERE seq = ?",
                     (forged, seq))
        expected = n + 1  # the next entry no longer links to it
    elif attack == "insert_unsealed":
        conn.execute("INSERT INTO audit_log (at, actor, action) VALUES ('2026-11-22', 'X', "
                     "'unlock')")
        expected = rows[-1][0] + 1
    else:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        expected = 0
    if attack != "drop_guard":
        _restore_guards(session)
    conn.commit()
    check = session.verify_audit()
    assert not check.ok
    assert (check.problem.code, check.problem.seq) == (code, expected)
    assert "\n" not in check.problem.message and "data protection officer" in check.problem.message


def test_a_new_entry_after_a_removed_tail_still_shows_the_gap(session):
    _some_history(session)
    last = _rows(session)[-1][0]
    _unguard(session)
    session.db.conn.execute("DELETE FROM audit_log WHERE seq = ?", (last,))
    _restore_guards(session)
    session.db.conn.commit()
    session.add_note(session.list_cases().rows[0].case_ref, "Later")  # the app writes on
    problem = session.verify_audit().problem
    assert (problem.code, problem.seq) == ("missing", last)


def test_golden_version_1_file_is_chained_by_the_migration(tmp_path, no_keyring, clock):
    target = tmp_path / make_golden.NAME
    shutil.copy2(GOLDEN, target)
    shutil.copy2(key_file_path(GOLDEN), key_file_path(target))
    old = open_old(target)
    session = unlock(target, passphrase=make_golden.PASSPHRASE, keyring=no_keyring, clock=clock)
    assert LATEST >= 7
    rows = _rows(session)
    assert rows[0][8] == GENESIS
    assert [r[:6] for r in rows[: len(old)]] == old  # old entries kept as they were
    assert session.verify_audit().ok and session.info()["audit_ok"]
    session.lock()


def open_old(path: Path) -> list[tuple]:
    from panel_app.core.secrets.keyfile import KeyFile
    from panel_app.core.storage.connection import open_database

    key = KeyFile.load(key_file_path(path)).unwrap_with_passphrase(make_golden.PASSPHRASE)
    db = open_database(path, key)
    rows = db.conn.execute("SELECT seq, at, actor, action, entity, entity_id FROM audit_log "
                           "ORDER BY seq").fetchall()
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return [tuple(r) for r in rows]


def test_every_kind_of_event_is_audited_with_names_not_values(session, tmp_path):
    secret = "Disclosed at home 7731"
    ref = session.create_case(case_values("Ada", "Brown", year=8, summary=secret)).case.case_ref
    session.update_case(ref, {"summary": secret + " more", "risk": "red"})
    session.add_note(ref, "Note text 4471")
    session.add_document(ref, "ep.pdf", b"%PDF report")
    did = session.get_case(ref).documents[0].id
    session.document(did)
    session.change_passphrase("another long passphrase", FAST_KDF)
    session.new_recovery_key()
    session.backup(tmp_path / "copy.panel")
    session.calendar.export_csv()
    session.privacy.export_audit(ref, tmp_path / "history.csv")
    session.privacy.write_subject_access(ref, tmp_path)
    session.privacy.set_retention_policy(closed_case_years=7)
    plan = session.privacy.plan_deletion(f"case_note:{session.get_case(ref).notes[0].id}",
                                         reason="recorded_in_error")
    session.privacy.purge(plan)
    session.lock()  # lock is audited too
    reopened = unlock(session.path, passphrase="another long passphrase",
                      keyring=session.keyring, clock=session.clock)
    entries = reopened.privacy.audit_entries(limit=None)
    actions = {e.action for e in entries}
    assert {"init", "unlock", "lock", "create", "update", "delete", "open_document",
            "passphrase_changed", "recovery_key_replaced", "backup", "calendar_exported",
            "audit_exported", "sar_exported", "retention_policy_set",
            "lawful_delete"} <= actions
    updated = next(e for e in entries if e.action == "update" and e.entity == "case")
    assert set(updated.fields) == {"summary", "risk"}
    lawful = next(e for e in entries if e.action == "lawful_delete")
    assert lawful.entity == "case_note" and lawful.detail["reason"] == "recorded_in_error"
    dump = json.dumps([e.to_dict() for e in entries])
    for text in (secret, "Note text 4471", "Brown", "Ada"):
        assert text not in dump
    # filters
    exports = reopened.privacy.audit_entries(action="export")
    assert {e.action for e in exports} >= {"backup", "sar_exported", "audit_exported",
                                           "calendar_exported", "open_document"}
    about = reopened.privacy.audit_entries(case=ref)
    assert {e.entity for e in about} >= {"case", "pupil", "case_note", "document"}
    assert all(e.entity != "partnership" for e in about)
    assert reopened.privacy.audit_entries(since="23/11/2026") == []
    assert reopened.privacy.audit_entries(person="nobody") == []
    assert reopened.verify_audit().ok
    reopened.lock()


def test_plaintext_exports_declare_that_they_leave_encryption(session):
    for method in (session.meetings.write_minutes, session.calendar.export_csv,
                   session.privacy.write_subject_access, session.privacy.export_audit,
                   session.document):
        assert leaves_encryption(method) == LEAVES_ENCRYPTION
    for method in (session.backup, session.bundles.export_bundle):
        assert leaves_encryption(method) is None  # these stay encrypted
