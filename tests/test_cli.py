"""The `panel-app` command line, run in-process over real encrypted files (and once as
a real subprocess, to prove nothing prompts when standard input is not a terminal)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from panel_app.cli import main
from panel_app.core.domain.upn import make_upn
from tests.conftest import PASSPHRASE


class Run:
    def __init__(self, keyring, monkeypatch) -> None:
        self.keyring = keyring
        self.monkeypatch = monkeypatch

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(
            list(argv),
            stdin=io.StringIO(stdin),
            stdout=out,
            stderr=err,
            keyring=self.keyring,
            gui_main=lambda a: 99,
        )
        return code, out.getvalue(), err.getvalue()


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    monkeypatch.setenv("PANEL_DB", str(db_path))
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PANEL_NEW_PASSPHRASE", raising=False)
    return Run(no_keyring, monkeypatch)


def test_init_prints_recovery_key_once_and_opens(tmp_path, no_keyring, monkeypatch):
    run = Run(no_keyring, monkeypatch)
    monkeypatch.setenv("PANEL_PASSPHRASE", "a long passphrase")
    db = tmp_path / "north.panel"
    code, out, err = run("--db", str(db), "init", "--partnership", "North PMG", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["partnership"] == "North PMG"
    assert len(data["recovery_key"].split("-")) == 8
    assert data["in_keyring"] is False and "not a secure store" in data["keyring_note"]
    code, out, _ = run("--db", str(db), "doctor", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["ok"] and report["schema_version"] == report["schema_latest"]
    assert report["cipher"]["cipher_version"].startswith("4.")
    assert report["key_file"]["passphrase"]["kdf"] == "argon2id"
    # refuses to overwrite
    code, _, err = run("--db", str(db), "init", "--partnership", "Again")
    assert code == 1 and "already exists" in err


def test_school_and_case_round_trip_json(run):
    code, out, err = run(
        "school",
        "add",
        "Castleton High",
        "--urn",
        "123456",
        "--roll",
        "900",
        "--fsm",
        "200",
        "--code",
        "CAS",
        "--json",
    )
    assert code == 0, err
    school = json.loads(out)
    assert school["short_code"] == "CAS" and school["roll"] == 900
    upn = make_upn(900, 1234, 24, 7)
    code, out, err = run(
        "case",
        "add",
        "--first-name",
        "Zola",
        "--last-name",
        "Brackenbury",
        "--dob",
        "12/03/2013",
        "--year",
        "Y8",
        "--school",
        "CAS",
        "--upn",
        upn,
        "--risk",
        "amber",
        "--set",
        "sen_status=EHCP",
        "--set",
        "fsm=yes",
        "--json",
    )
    assert code == 0, err
    case = json.loads(out)
    assert case["case_ref"].startswith("C-") and case["sen_status"] == "EHCP" and case["fsm"]
    code, out, _ = run("case", "list", "--json", "--search", "zola")
    listed = json.loads(out)
    assert listed["total"] == 1 and listed["cases"][0]["id"] == case["id"]
    assert set(listed["cases"][0]) >= {
        "id",
        "case_ref",
        "name",
        "upn",
        "year_group",
        "school",
        "risk",
        "status",
    }
    code, out, err = run("case", "update", case["case_ref"], "--risk", "red", "--json")
    assert code == 0, err
    assert json.loads(out)["changed_fields"] == ["risk"]
    code, out, _ = run("case", "show", case["id"], "--json")
    assert json.loads(out)["risk"] == "red"
    code, out, _ = run("case", "show", case["case_ref"])
    assert "Zola Brackenbury" in out and "12/03/2013" in out


def test_bad_input_is_refused_with_one_line_and_nothing_stored(run):
    cases = [
        (["--upn", "A12345678901X"], "check letter"),
        (["--dob", "01/01/2099"], "in the future"),
        (["--dob", "31/02/2012"], "not a real date"),
        (["--school", "Nowhere School"], "not a school in this partnership"),
        (["--first-name", ""], "First name is required"),
    ]
    base = {
        "--first-name": "Ann",
        "--last-name": "Lee",
        "--dob": "01/10/2012",
        "--year": "Y9",
        "--school": "OAK",
    }
    for override, expected in cases:
        args = dict(base)
        args.update(dict(zip(override[::2], override[1::2], strict=True)))
        flat = [x for kv in args.items() for x in kv]
        code, out, err = run("case", "add", *flat)
        assert code == 1, (override, out)
        assert expected in err, err
        assert err.count("\n") == 1 and "Traceback" not in err
    code, out, _ = run("case", "list", "--status", "all", "--json")
    assert json.loads(out)["all_cases"] == 0


def test_year_group_mismatch_is_a_warning_and_saves(run):
    code, out, err = run(
        "case",
        "add",
        "--first-name",
        "Ann",
        "--last-name",
        "Lee",
        "--dob",
        "01/10/2012",
        "--year",
        "Y7",
        "--school",
        "OAK",
    )
    assert code == 0
    assert "warning:" in err and "Y9" in err


def test_wrong_passphrase_exit_1_plain_message(run, db_path, monkeypatch):
    before = db_path.read_bytes()
    monkeypatch.setenv("PANEL_PASSPHRASE", "not the passphrase")
    code, out, err = run("case", "list")
    assert code == 1
    assert "passphrase is not right" in err and "Traceback" not in err
    assert db_path.read_bytes() == before


def test_passphrase_from_stdin(run, monkeypatch):
    monkeypatch.delenv("PANEL_PASSPHRASE")
    code, _, err = run("--passphrase-stdin", "school", "list", stdin=PASSPHRASE + "\n")
    assert code == 0, err


def test_change_passphrase_and_recovery_routes(run, monkeypatch, recovery_key):
    monkeypatch.setenv("PANEL_NEW_PASSPHRASE", "brand new passphrase")
    code, _, err = run("passphrase", "change")
    assert code == 0, err
    code, _, err = run("school", "list")
    assert code == 1 and "not right" in err
    monkeypatch.setenv("PANEL_PASSPHRASE", "brand new passphrase")
    assert run("school", "list")[0] == 0
    # recovery key (typed sloppily) sets yet another passphrase
    monkeypatch.setenv("PANEL_NEW_PASSPHRASE", "third passphrase here")
    sloppy = recovery_key.lower().replace("-", " ")
    code, out, err = run("unlock", "--recovery-key", sloppy)
    assert code == 0, err
    monkeypatch.setenv("PANEL_PASSPHRASE", "third passphrase here")
    assert run("school", "list")[0] == 0
    code, out, _ = run("recovery-key", "new", "--json")
    new_key = json.loads(out)["recovery_key"]
    assert new_key != recovery_key
    code, _, err = run("unlock", "--recovery-key", recovery_key)
    assert code == 1 and "recovery key is not right" in err


def test_usage_errors_exit_2(run):
    assert run("case", "frobnicate")[0] == 2
    assert run("case", "list", "--risk", "purple")[0] == 2


def test_missing_db_and_no_db_given(run, monkeypatch, tmp_path):
    code, _, err = run("--db", str(tmp_path / "nope.panel"), "case", "list")
    assert code == 1 and "no database" in err.lower()
    monkeypatch.delenv("PANEL_DB")
    code, _, err = run("case", "list")
    assert code == 1 and "PANEL_DB" in err


def test_no_command_opens_gui(run):
    assert run()[0] == 99


def test_subprocess_never_prompts_without_a_terminal(db_path, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    proc = subprocess.run(
        [sys.executable, "-m", "panel_app.cli", "--db", str(db_path), "case", "list"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 1
    assert "PANEL_PASSPHRASE" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "panel_app.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("panel-app ")


def test_read_only_commands_say_just_the_problem_and_writes_say_nothing_was_saved(run):
    for argv, problem in (
            (("audit", "list", "--since", "BAD"), "'BAD' is not a date"),
            (("exclusion", "list", "--year", "BAD"), "'BAD' is not a school year"),
            (("report", "exclusions", "--year", "BAD"), "'BAD' is not a school year"),
            (("report", "trends", "--year", "BAD"), "'BAD' is not a school year"),
            # the bad date first, not the quota that is missing for the year
            (("quota", "report", "--on", "31/02/2026"), "'31/02/2026' is not a real date"),
            (("quota", "report", "--on", "BAD"), "'BAD' is not a date")):
        code, out, err = run(*argv)
        assert code == 1 and err.count("\n") == 1, (argv, err)
        assert err.startswith("panel-app: ") and problem in err, (argv, err)
        assert "Nothing was saved" not in err and "quota" not in err.lower(), (argv, err)
    code, _, err = run("school", "add", "Westfield", "--roll", "-5")  # a write
    assert code == 1 and err.startswith("Nothing was saved. ") and "negative" in err, err
