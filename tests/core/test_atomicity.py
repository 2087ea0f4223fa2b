"""A write that fails halfway leaves no partial rows: not the pupil without its case, not
a change-log or audit row for something that was not saved."""

from __future__ import annotations

import pytest

from panel_app.core.errors import StorageError
from panel_app.core.storage import connection
from panel_app.core.storage.connection import IntegrityError
from tests.core.util import assert_plain, case_values

TABLES = ("pupils", "cases", "case_notes", "documents", "changes", "audit_log")


def _rows(session) -> dict[str, int]:
    conn = session.db.conn
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_integrity_error_after_an_insert_rolls_back_the_block(session):
    existing = session.create_case(case_values("Ada", "Brown", year=8)).case
    before = _rows(session)
    with pytest.raises(IntegrityError), session.db.atomic():
        pupil_id = session.repo.insert("pupil", {
            "first_name": "Half", "last_name": "Written", "year_group": 8,
            "home_school_id": existing.home_school_id})
        assert _rows(session)["pupils"] == before["pupils"] + 1  # it was really there
        session.repo.insert("case", {"pupil_id": pupil_id, "case_ref": existing.case_ref,
                                     "created_at": "2026-11-22"})  # duplicate reference
    assert _rows(session) == before
    assert session.db.conn.execute("SELECT 1 FROM pupils WHERE id = ?",
                                   (pupil_id,)).fetchone() is None


def test_create_case_failing_at_the_case_row_stores_no_pupil(session):
    """The facade inserts the pupil, then the case; make the second insert fail."""
    session.create_case(case_values("Ada", "Brown", year=8))
    before = _rows(session)
    session.db.conn.execute(
        "CREATE TEMP TRIGGER fail_case BEFORE INSERT ON cases "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
    with pytest.raises(StorageError) as caught:
        session.create_case(case_values("Ben", "Adams", year=8, serial=2))
    assert "simulated failure" in str(caught.value)
    assert _rows(session) == before
    assert not session.db.conn.in_transaction

    session.db.conn.execute("DROP TRIGGER temp.fail_case")
    session.create_case(case_values("Ben", "Adams", year=8, serial=2))  # the control
    assert _rows(session)["cases"] == before["cases"] + 1


def test_update_failing_at_the_case_row_keeps_the_pupil_unchanged(session):
    case = session.create_case(case_values("Ada", "Brown", year=8)).case
    before = _rows(session)
    session.db.conn.execute(
        "CREATE TEMP TRIGGER fail_update BEFORE UPDATE ON cases "
        "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
    with pytest.raises(StorageError):
        session.update_case(case.case_ref, {"last_name": "Browne", "risk": "red"})
    assert _rows(session) == before
    again = session.get_case(case.id)
    assert (again.last_name, again.risk) == ("Brown", "green")


def test_read_only_database_gives_a_plain_storage_error(session, monkeypatch):
    before = _rows(session)
    session.db.conn.execute("PRAGMA query_only = ON")  # SQLite refuses writes as "readonly"
    # The file's permissions as the reason (os.access, which root passes for any file).
    monkeypatch.setattr(connection, "can_write", lambda path: False)
    with pytest.raises(StorageError) as caught:
        session.create_case(case_values("Ada", "Brown", year=8))
    message = str(caught.value)
    assert_plain(message)
    assert "read-only" in message and "nothing was saved" in message
    # A writable file whose writes are refused all the same: not blamed on permissions.
    monkeypatch.undo()
    with pytest.raises(StorageError) as caught:
        session.create_case(case_values("Ada", "Brown", year=8))
    message = str(caught.value)
    assert_plain(message)
    assert "read-only" not in message and "nothing was saved" in message
    session.db.conn.execute("PRAGMA query_only = OFF")
    assert _rows(session) == before
