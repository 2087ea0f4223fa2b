"""A partnership file with a damaged page: every command fails on one line that says what
to do (no traceback), whichever page is damaged."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_util import run_on_db

PAGE = 4096  # SQLCipher 4's page size


def _flip(path: Path, page: int) -> None:
    data = bytearray(path.read_bytes())
    data[page * PAGE + PAGE // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_page_gives_one_line_never_a_traceback(no_keyring, monkeypatch, db_path):
    clean = db_path.read_bytes()
    pages = len(clean) // PAGE
    run = run_on_db(no_keyring, monkeypatch, db_path)
    said_damaged = 0
    for page in range(1, min(pages, 13)):
        db_path.write_bytes(clean)
        _flip(db_path, page)
        for argv in (("doctor",), ("case", "list"), ("school", "list"),
                     ("report", "all", "--json")):
            code, out, err = run(*argv)  # an exception here is the bug
            assert code in (0, 1), (page, argv, err)
            assert "Traceback" not in err and "sqlcipher" not in err.lower(), err
            if code == 1 and err:
                assert err.count("\n") == 1, err
            said_damaged += "damaged" in err
    assert said_damaged  # some page was one the commands read


def test_doctor_on_a_damaged_page_prints_its_report_and_what_to_do(no_keyring, monkeypatch,
                                                                   db_path):
    clean = db_path.read_bytes()
    run = run_on_db(no_keyring, monkeypatch, db_path)
    reported = 0
    for page in range(1, min(len(clean) // PAGE, 13)):
        db_path.write_bytes(clean)
        _flip(db_path, page)
        code, out, err = run("doctor")
        assert code == 1 and err.count("\n") == 1, (page, err)
        if "Database:" not in out:  # the schema itself is damaged: the file does not open
            assert "damaged" in err, err
            continue
        reported += 1
        assert "Result:          PROBLEMS FOUND" in out and "Key file:" in out, out
        assert "damaged" in err and "latest backup" in err and "IT support" in err, err
        assert "Traceback" not in err and "sqlcipher" not in err.lower(), err
        code, out, _ = run("doctor", "--json")
        report = json.loads(out)
        assert code == 1 and report["ok"] is False and report["damaged"], report
        assert "backup" in report["advice"]
        for check, reason in report["damaged"].items():
            assert reason.startswith("damaged: "), (check, reason)
        if "integrity_check" in report["damaged"]:
            assert report["integrity_check"] == ["damaged: database disk image is malformed"]
    assert reported  # most pages leave the file openable: doctor must report on them


def test_backup_of_a_damaged_file_says_damaged_and_keeps_the_earlier_backup(
        no_keyring, monkeypatch, db_path, tmp_path):
    run = run_on_db(no_keyring, monkeypatch, db_path)
    target = tmp_path / "backups" / "north.panel"
    target.parent.mkdir()
    code, _, err = run("backup", "--out", str(target))
    assert code == 0, err
    good = target.read_bytes()
    clean = db_path.read_bytes()
    for page in range(1, min(len(clean) // PAGE, 13)):
        db_path.write_bytes(clean)
        _flip(db_path, page)
        code, _, err = run("backup", "--out", str(target))
        assert code == 1 and err.count("\n") == 1, (page, err)
        assert "damaged" in err and "read-only" not in err and "permissions" not in err, err
        assert target.read_bytes() == good  # the good backup is not replaced by a bad copy
        assert not list(target.parent.glob("*.partial*"))
