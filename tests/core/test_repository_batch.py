"""``Repository.batched()``: the writes of a large import collect their change-log rows and
audit entries and write them together. Whatever is batched must leave exactly what the
same writes leave one by one: the same change rows in the same order with the same hybrid
logical clock values (as the changes_hlc_stamp trigger gives them), the same audit chain,
and a tombstone that still sees the changes made earlier in the batch."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

import pytest

from panel_app.core.domain.models import new_ids
from panel_app.core.services import unlock
from panel_app.core.storage import repository
from tests.conftest import FIXED_NOW, PASSPHRASE
from tests.core.imports_util import stored


@dataclass
class TickingClock:
    """0.4 ms later at every call: some rows share a millisecond (the HLC counter runs),
    others move it on (the counter restarts)."""

    at: datetime = FIXED_NOW
    step: timedelta = field(default=timedelta(microseconds=400))

    def now(self) -> datetime:
        self.at += self.step
        return self.at

    def today(self) -> date:
        return self.at.date()


def _writes(s: Any) -> None:
    repo = s.repo
    school = s.list_schools()[0].id
    for n in range(6):
        pid = f"pupil{n:02d}"
        repo.insert("pupil", {"id": pid, "first_name": f"Zoë{n}", "last_name": "Ashworth",
                              "upn": f"A8234100141{n:02d}", "home_school_id": school,
                              "year_group": 9, "fsm": n % 2 == 0, "dob": date(2012, 12, n + 1)})
        repo.insert("case", {"id": f"case{n:02d}", "pupil_id": pid, "case_ref": f"C-TEST0{n}",
                             "created_at": FIXED_NOW.isoformat(), "opened_on": date(2026, 11, 2),
                             "summary": "Invented"})
        repo.update("pupil", pid, {"year_group": 10, "last_name": "Ashworth-Begum"})
    repo.insert("case_note", {"id": "note1", "case_id": "case01", "at": FIXED_NOW.isoformat(),
                              "author": "Clerk", "kind": "note", "text": "Invented note"},
                stamp_field=None)
    repo.delete("case_note", "note1")  # in a batch: sees the note's changes made above
    repo.audit("import", "school", school, fields=["pupils"], detail={"rows": 6})


def _run(path: Path, no_keyring: Any, batched: bool) -> tuple[list[Any], list[Any]]:
    s = unlock(path, passphrase=PASSPHRASE, keyring=no_keyring, clock=TickingClock())
    try:
        start = s.repo.change_mark()
        first_audit = s.db.conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        with s._write():
            if batched:
                with s.repo.batched():
                    _writes(s)
            else:
                _writes(s)
        changes = s.db.conn.execute(
            "SELECT seq, change_id, entity, entity_id, field, value, at, site_id, hlc "
            "FROM changes WHERE seq > ? ORDER BY seq", (start,)).fetchall()
        audit = s.db.conn.execute("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq",
                                  (first_audit,)).fetchall()
        assert s.verify_audit().ok
        return changes, audit
    finally:
        s.lock()


def _comparable(changes: list[Any]) -> list[Any]:
    """Everything but the random change ids (a tombstone lists the ids it saw: how many)."""
    out = []
    for _seq, _cid, entity, entity_id, name, value, at, site, hlc in changes:
        if name == "__deleted__":
            value = len(json.loads(value)["seen"])
        out.append((entity, entity_id, name, value, at, site, hlc))
    return out


def _trigger_sql(path: Path, no_keyring: Any) -> str:
    s = unlock(path, passphrase=PASSPHRASE, keyring=no_keyring, clock=TickingClock())
    try:
        return str(s.db.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                     (repository.HLC_TRIGGER,)).fetchone()[0])
    finally:
        s.lock()


@pytest.mark.parametrize(("chunk", "bulk"), [
    (repository.BATCH_ROWS, repository.BULK_ROWS),  # one flush, the trigger in place
    (7, repository.BULK_ROWS),  # written in several chunks
    (repository.BATCH_ROWS, 1)])  # the trigger set aside while the rows are written
def test_batched_writes_leave_what_single_writes_leave(db_path, tmp_path, no_keyring,
                                                       monkeypatch, chunk, bulk):
    monkeypatch.setattr(repository, "BATCH_ROWS", chunk)
    monkeypatch.setattr(repository, "BULK_ROWS", bulk)
    other = tmp_path / "other.panel"
    shutil.copy2(db_path, other)
    shutil.copy2(str(db_path) + ".key", str(other) + ".key")
    trigger = _trigger_sql(db_path, no_keyring)
    assert _trigger_sql(other, no_keyring) == trigger  # (both files the same again)
    one_by_one, audit_single = _run(db_path, no_keyring, batched=False)
    batched, audit_batched = _run(other, no_keyring, batched=True)
    assert len(one_by_one) > 6 * 8
    assert _comparable(batched) == _comparable(one_by_one)
    hlcs = [r[-1] for r in batched]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    assert any(h.endswith(".00000000") for h in hlcs) and any(
        not h.endswith(".00000000") for h in hlcs)  # both rules of the clock were used
    # the audit chain is entry for entry the same (same hashes)
    assert audit_batched == audit_single
    assert [a[3] for a in audit_batched].count("create") == 13
    # the tombstone saw the note's creation, written earlier in the same batch
    tomb = next(r for r in batched if r[4] == "__deleted__")
    seen = json.loads(tomb[5])["seen"]
    note_ids = [r[1] for r in batched if r[2] == "case_note" and r[4] != "__deleted__"]
    assert seen == note_ids and len(seen) == 5
    # the clock trigger is there as it was, and stamps the next ordinary write
    assert _trigger_sql(other, no_keyring) == trigger
    s = unlock(other, passphrase=PASSPHRASE, keyring=no_keyring, clock=TickingClock())
    try:
        s.add_person("Invented Person", role="clerk")
        last = s.db.conn.execute("SELECT hlc FROM changes ORDER BY seq DESC LIMIT 1").fetchone()
        assert last[0] > hlcs[-1]
    finally:
        s.lock()


def test_a_failed_batch_writes_nothing(session):
    before = stored(session)
    cache = session.db.conn.execute("PRAGMA cache_size").fetchone()[0]
    with pytest.raises(RuntimeError), session._write(), session.repo.batched():
        session.repo.insert("pupil", {"first_name": "Amy", "last_name": "Ash", "upn": "",
                                      "home_school_id": session.list_schools()[0].id,
                                      "year_group": 8})
        session.repo.audit("import", detail={"rows": 1})
        raise RuntimeError("stop")
    assert stored(session) == before
    assert session.repo._batch is None
    assert session.db.conn.execute("PRAGMA cache_size").fetchone()[0] == cache
    assert session.verify_audit().ok


def test_new_ids_have_the_form_of_new_id():
    import uuid

    ids = new_ids(500)
    assert len(set(ids)) == 500 and new_ids(0) == []
    for text in ids:
        parsed = uuid.UUID(hex=text)
        assert parsed.version == 4 and parsed.hex == text and len(text) == 32


def test_an_imported_export_travels_in_a_bundle(_template_db, tmp_path, no_keyring, clock):
    """Bundles are made from the change log: pupils imported in one batch reach a partner
    field for field, with their attendance records."""
    from tests.core.bundle_helpers import introduce, make_site, shared_rows
    from tests.core.imports_util import generated_export

    panel = make_site(_template_db, tmp_path, "panel", no_keyring, clock, panel=True)
    riv = make_site(_template_db, tmp_path, "riv", no_keyring, clock, school="RIV")
    try:
        introduce(panel, riv)
        path, expected = generated_export(tmp_path / "riv.csv", 12)
        result = riv.session.imports.import_csv(path, school="RIV")
        assert result.created == 12 and result.attendance == 12
        out = tmp_path / "to-panel.panelbundle"
        riv.b.export_bundle(["panel"], out)
        panel.b.apply(panel.b.open_bundle(out))
        sid = riv.session.find_school("RIV").id
        assert shared_rows(panel.session, sid) == shared_rows(riv.session, sid)
        got = {c.upn for c in panel.session.list_cases().rows}
        assert got == {e["upn"] for e in expected}
        assert panel.session.verify_audit().ok and riv.session.verify_audit().ok
    finally:
        panel.session.lock()
        riv.session.lock()


class _Kind(StrEnum):
    A = "a"


class _Number(IntEnum):
    TWO = 2


@pytest.mark.parametrize("value", [
    "plain", 'Zoë "quoted" \\ \n\t', "", None, True, False, 0, -5, 10**20, 1.5, 2.0,
    float("nan"), date(2020, 1, 2), datetime(2020, 1, 2, 3, 4, 5, 6), _Kind.A, _Number.TWO,
    [1, "a"], {"k": 1}, b"bytes"])
def test_change_values_are_written_as_json_dumps_writes_them(value):
    assert repository._json_text(value) == json.dumps(repository._json_value(value))


@pytest.mark.parametrize("fields", [[], ["b", "a"], ["Zoë", 'q"uote', "back\\slash"],
                                    ("x",), {"k": 1}.keys()])
@pytest.mark.parametrize("detail", [None, {}, {"rows": 3, "format": "csv", "é": [1, 2]}])
def test_audit_texts_are_what_json_dumps_writes(fields, detail):
    """The chain hashes the stored text: the quick forms must not change a byte."""
    from panel_app.core.storage import audit

    assert audit.fields_text(fields) == json.dumps(sorted(fields))
    assert audit.detail_text(detail) == json.dumps(dict(detail or {}), sort_keys=True,
                                                   ensure_ascii=False, separators=(",", ":"))
