"""A partnership file with a damaged page: every command fails on one line that says what
to do (no traceback), whichever page is damaged."""

from __future__ import annotations

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
