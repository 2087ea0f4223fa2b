"""`panel-app audit|retention|delete|sar`, in-process over real encrypted files, and
`doctor` failing on an audit trail edited outside the app."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from panel_app.core.services import unlock
from tests.conftest import PASSPHRASE
from tests.core.util import case_values
from tests.test_cli import Run


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    monkeypatch.setenv("PANEL_DB", str(db_path))
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    return Run(no_keyring, monkeypatch)


@pytest.fixture
def cases(db_path, no_keyring, clock) -> dict[str, str]:
    s = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    old = s.create_case(case_values("Zebedee", "Quuxleyworth", serial=9,
                                    opened_on="01/09/2015")).case.case_ref
    s.add_note(old, "Zebedee Quuxleyworth refused to attend")
    s.close_case(old, on=date(2018, 7, 20))
    new = s.create_case(case_values("Ada", "Brown", year=8, permanent_exclusions="1")).case
    s.add_note(new.case_ref, "Tyler was there too")
    s.lock()
    return {"old": old, "new": new.case_ref, "new_id": new.id}


def test_audit_list_verify_and_export(run, cases, tmp_path):
    code, out, err = run("audit", "verify")
    assert code == 0 and "Audit trail intact" in out, err
    code, out, _ = run("audit", "list", "--case", cases["new"], "--json")
    entries = json.loads(out)
    assert code == 0 and {e["entity"] for e in entries} >= {"case", "pupil", "case_note"}
    assert set(entries[0]) >= {"seq", "at", "actor", "action", "entity", "entity_id", "fields",
                               "detail", "hash"}
    code, out, _ = run("audit", "list", "--action", "session")
    assert code == 0 and "unlock" in out and "lock" in out
    code, out, err = run("audit", "list", "--since", "31/31/2026")
    assert code == 1 and "not a date" in err
    csv_path = tmp_path / "history.csv"
    code, out, err = run("audit", "export", cases["new"], "--out", str(csv_path))
    assert code == 0 and "not encrypted" in err
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("seq,at,actor,action") and len(lines) == 4  # 3 entries
    assert "Brown" not in csv_path.read_text()
    code, out, _ = run("audit", "list", "--action", "export", "--json")
    assert "audit_exported" in {e["action"] for e in json.loads(out)}


def test_doctor_and_audit_verify_fail_naming_the_edited_entry(run, cases, db_path, no_keyring,
                                                              clock):
    s = unlock(db_path, passphrase=PASSPHRASE, keyring=no_keyring, clock=clock)
    s.db.conn.execute("DROP TRIGGER audit_log_no_update")
    s.db.conn.execute("UPDATE audit_log SET fields = '[]' WHERE seq = 7")
    s.db.conn.commit()
    s.db.conn.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                      "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
    s.lock()
    code, out, err = run("doctor")
    assert code == 1
    assert "Audit trail:     BROKEN" in out and "PROBLEMS FOUND" in out
    assert "audit entry 7 " in err and "changed after it was written" in err
    code, out, _ = run("doctor", "--json")
    report = json.loads(out)
    assert code == 1 and report["audit"]["problem"]["seq"] == 7
    code, out, err = run("audit", "verify")
    assert code == 1 and out.startswith("entry 7: changed") and "audit entry 7 " in err
    code, out, _ = run("audit", "verify", "--json")
    assert code == 1 and json.loads(out)["problem"]["code"] == "changed"


def test_retention_policy_review_and_purge(run, cases, db_path):
    code, out, _ = run("retention", "policy")
    assert code == 0 and "Closed case kept after closure: 6 years" in out
    assert "Limitation Act" in out
    code, out, err = run("retention", "policy", "--set", "closed_case_years=9", "--json")
    assert code == 0 and {r["key"]: r["value"] for r in json.loads(out)}[
        "closed_case_years"] == 9
    code, out, _ = run("retention", "review")
    assert "No case is due" in out
    run("retention", "policy", "--set", "closed_case_years=6")
    code, out, err = run("retention", "policy", "--set", "closed_case_years=99")
    assert code == 1 and "1 to 40" in err
    code, out, _ = run("retention", "review", "--json")
    due = json.loads(out)
    assert [d["case_ref"] for d in due] == [cases["old"]]
    assert due[0]["rule"] == "closed_case_years" and due[0]["due_since"] == "2024-07-20"

    code, out, _ = run("retention", "purge", "--dry-run")
    assert code == 0 and cases["old"] in out and "Zebedee Quuxleyworth" in out
    assert "Dry run: nothing was removed" in out
    code, out, err = run("retention", "purge")  # no terminal, no --yes
    assert code == 1 and "add --yes" in err
    code, out, err = run("retention", "purge", "--case", cases["new"])
    assert code == 1 and "not due" in err
    code, out, err = run("retention", "purge", "--yes", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["result"]["targets"] == 1 and data["plan"]["targets"][0]["counts"]["case_note"] == 1
    code, out, _ = run("retention", "purge", "--yes")
    assert "Nothing is due" in out
    code, out, _ = run("case", "list", "--json")
    assert [c["case_ref"] for c in json.loads(out)["cases"]] == [cases["new"]]
    code, out, _ = run("audit", "list", "--action", "purge", "--json")
    assert json.loads(out)[0]["detail"]["rule"] == "closed_case_years"
    code, out, _ = run("doctor")
    assert code == 0


def test_lawful_delete_and_sar(run, cases, tmp_path):
    code, out, err = run("delete", cases["new"], "--reason", "overturned",
                         "--field", "permanent_exclusions", "--dry-run")
    assert code == 0 and "Permanent exclusions" in out and "Dry run" in out
    code, out, err = run("delete", cases["new"], "--reason", "overturned",
                         "--field", "permanent_exclusions", "--yes")
    assert code == 0, err
    code, out, _ = run("case", "show", cases["new"], "--json")
    shown = json.loads(out)
    assert shown["permanent_exclusions"] == 0 and shown["notes"]
    note = shown["notes"][0]["id"]
    code, out, err = run("delete", f"case_note:{note}", "--reason", "whim", "--yes")
    assert code == 2  # not a reason code
    code, out, err = run("delete", f"case_note:{note[:8]}", "--reason", "inaccurate", "--yes")
    assert code == 0 and "Removed 1 record." in out, err
    code, out, err = run("delete", "nothing-like-it", "--reason", "inaccurate", "--yes")
    assert code == 1 and "No record" in err

    folder = tmp_path / "sar"
    folder.mkdir()
    code, out, err = run("sar", cases["new"], "--out", str(folder), "--json")
    assert code == 0, err
    data = json.loads(out)
    kinds = sorted(f["kind"] for f in data["files"])
    assert kinds == ["sar_json", "sar_pdf"] and all(not f["encrypted"] for f in data["files"])
    assert "not encrypted" in data["notice"]
    code, out, err = run("sar", cases["new"], "--out", str(folder))
    assert code == 0 and "Review before release" in out and "not encrypted" in err
    code, out, err = run("sar", cases["new"], "--out", str(tmp_path / "missing"))
    assert code == 1 and "does not exist" in err


def test_purge_lists_older_backups_and_removes_them_unless_kept(run, cases, tmp_path):
    first, second = tmp_path / "monday.panel", tmp_path / "tuesday.panel"
    for target in (first, second):
        code, out, err = run("backup", "--out", str(target))
        assert code == 0, err
    code, out, _ = run("retention", "purge", "--dry-run")
    assert str(first.resolve()) in out and str(second.resolve()) in out
    code, out, err = run("retention", "purge", "--yes", "--keep-backups", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert sorted(data["plan"]["backups"]) == sorted(str(p.resolve()) for p in (first, second))
    assert data["result"]["backups_removed"] == [] and first.exists() and second.exists()

    code, out, err = run("backup", "--out", str(tmp_path / "wednesday.panel"))
    code, out, err = run("delete", cases["new"], "--reason", "erasure_request", "--yes")
    assert code == 0, err
    # the three backups held the second case: all overwritten and deleted by default
    assert "3 older backups holding them were overwritten and deleted" in out
    assert not any(tmp_path.glob("*day.panel"))
