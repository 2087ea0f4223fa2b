"""The self-test's core checks, run in-process: all pass on a working installation, a
broken check fails loudly and names itself while the others still run, checks that need
an earlier one say so, the keyring is only looked at, and nothing is left behind."""

from __future__ import annotations

import re
from pathlib import Path

import keyring.backend
import pytest

from panel_app.core.reports import minutes_pdf
from panel_app.core.services import selftest
from panel_app.core.services.selftest import DEFAULT_CHECKS, Check, SelfTestError, run_self_test
from tests.conftest import FailingKeyring, MemoryKeyring

LINE = re.compile(r"^(PASS|FAIL)  (?P<name>[^:]+): (?P<detail>.+)$")
NAMES = ["installation", "encrypted partnership", "cases", "ladder check", "minutes PDF",
         "bundle exchange", "keyring"]


def fail_backend() -> keyring.backend.KeyringBackend:
    from keyring.backends import fail

    return fail.Keyring()


def run(tmp_path: Path, checks=DEFAULT_CHECKS, backend=fail_backend):
    lines: list[str] = []
    result = run_self_test(checks, write=lines.append, folder=tmp_path,
                           keyring_backend=backend)
    return result, lines


def by_name(lines: list[str]) -> dict[str, tuple[str, str]]:
    out = {}
    for line in lines[:-1]:
        m = LINE.match(line)
        assert m, line
        out[m["name"]] = (m.group(1), m["detail"])
    return out


def test_every_check_passes_and_leaves_nothing_behind(tmp_path):
    result, lines = run(tmp_path)
    assert result.ok, lines
    assert [r.name for r in result.results] == NAMES
    assert all(line.startswith("PASS  ") for line in lines[:-1])
    assert lines[-1].startswith("OK    self-test: 7 passed, 0 failed in ")
    checks = by_name(lines)
    assert "SQLCipher 4." in checks["encrypted partnership"][1]
    assert "not met" in checks["ladder check"][1] or "partly met" in checks["ladder check"][1]
    assert "passphrase" in checks["keyring"][1]  # the fail backend: the passphrase is asked
    assert list(tmp_path.iterdir()) == []  # the temporary folder is gone


def test_a_failing_check_is_named_and_the_others_still_run(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("font table damaged")

    monkeypatch.setattr(minutes_pdf, "render_minutes", broken)
    result, lines = run(tmp_path)
    assert not result.ok
    assert [r.name for r in result.failed] == ["minutes PDF"]
    checks = by_name(lines)
    status, detail = checks["minutes PDF"]
    assert status == "FAIL"
    assert detail.startswith("RuntimeError: font table damaged (at ")
    # the checks after it ran and passed
    assert checks["bundle exchange"][0] == checks["keyring"][0] == "PASS"
    assert lines[-1].startswith("FAILED self-test: 6 passed, 1 failed in ")
    assert lines[-1].endswith("(failed: minutes PDF)")
    assert list(tmp_path.iterdir()) == []


def test_checks_that_need_the_partnership_say_why_they_did_not_run(tmp_path, monkeypatch):
    def cannot_create(*args, **kwargs):
        raise SelfTestError("the disk is full")

    monkeypatch.setattr(selftest, "create_partnership", cannot_create)
    result, lines = run(tmp_path)
    checks = by_name(lines)
    assert checks["encrypted partnership"] == ("FAIL", "the disk is full")
    for name in ("cases", "ladder check", "minutes PDF", "bundle exchange"):
        status, detail = checks[name]
        assert status == "FAIL" and "'encrypted partnership' check" in detail, (name, detail)
    assert checks["installation"][0] == checks["keyring"][0] == "PASS"
    assert len(result.failed) == 5


def test_an_exception_of_any_kind_becomes_one_line(tmp_path):
    def explodes(ctx):
        raise SystemExit("a library called exit()")

    def multiline(ctx):
        raise ValueError("first line\nsecond line")

    result, lines = run(tmp_path, [Check("exits", explodes), Check("multi", multiline),
                                   Check("fine", lambda ctx: "all good")])
    assert [r.ok for r in result.results] == [False, False, True]
    assert lines[0].startswith("FAIL  exits: SystemExit: a library called exit() (at ")
    assert lines[1].startswith("FAIL  multi: ValueError: first line second line (at ")
    assert lines[2] == "PASS  fine: all good"
    assert result.summary().endswith("(failed: exits, multi)")


def test_no_checks_is_not_a_pass(tmp_path):
    result, lines = run(tmp_path, [])
    assert not result.ok
    assert len(lines) == 1 and lines[0].startswith("FAILED self-test: 0 passed, 0 failed in ")


def only_keyring(tmp_path, backend):
    result, lines = run(tmp_path, [Check("keyring", selftest.check_keyring)], backend)
    return result.results[0]


def test_keyring_usable_backend_is_reported_and_never_written(tmp_path):
    memory = MemoryKeyring()
    check = only_keyring(tmp_path, lambda: memory)
    assert check.ok
    assert check.detail == "tests.conftest.MemoryKeyring: the app would keep the key in it"
    assert memory.store == {}  # looked at, not written to


def test_keyring_without_a_secure_store_is_a_pass_with_the_passphrase(tmp_path):
    check = only_keyring(tmp_path, fail_backend)
    assert check.ok
    assert "no usable keyring" in check.detail and "ask for the passphrase" in check.detail


def test_keyring_that_cannot_load_is_a_failure(tmp_path):
    def crashes():
        raise ImportError("libdbus missing")

    check = only_keyring(tmp_path, crashes)
    assert not check.ok
    assert check.detail.startswith("ImportError: libdbus missing")


def test_keyring_without_its_backend_list_is_a_failure(tmp_path, monkeypatch):
    """A frozen build without keyring's package metadata finds no OS keyring at all."""
    monkeypatch.setattr(selftest.metadata, "entry_points", lambda **kw: [])
    check = only_keyring(tmp_path, lambda: FailingKeyring())
    assert not check.ok
    assert "list of backends" in check.detail


def test_keyring_whose_os_backend_cannot_be_imported_is_a_failure(tmp_path, monkeypatch):
    monkeypatch.setitem(selftest.NATIVE_KEYRING, __import__("sys").platform,
                        "keyring.backends.NoSuchBackend")
    check = only_keyring(tmp_path, fail_backend)
    assert not check.ok
    assert "keyring.backends.NoSuchBackend" in check.detail


def test_the_real_keyring_is_only_read(tmp_path, monkeypatch):
    """Without an injected backend the check asks keyring which backend it would use
    and calls nothing on it that could store anything."""
    calls: list[str] = []

    class Spy(MemoryKeyring):
        def set_password(self, *args):  # pragma: no cover - must not be called
            calls.append("set")

        def get_password(self, *args):  # pragma: no cover - must not be called
            calls.append("get")

    monkeypatch.setattr(keyring, "get_keyring", lambda: Spy())
    result, lines = run(tmp_path, [Check("keyring", selftest.check_keyring)], None)
    assert result.ok, lines
    assert "Spy" in lines[0] and calls == []


def test_the_temporary_partnerships_never_use_the_os_keyring(tmp_path, monkeypatch):
    def refuse():  # pragma: no cover - must not be called
        raise AssertionError("the self-test asked for the OS keyring")

    monkeypatch.setattr(keyring, "get_keyring", refuse)
    checks = [c for c in DEFAULT_CHECKS if c.name != "keyring"]
    result, lines = run(tmp_path, checks)
    assert result.ok, lines


def test_a_pupil_name_readable_on_disk_is_caught(tmp_path):
    """The cases check looks for the pupil's name in every file beside the database."""

    def leak(ctx):
        s = ctx.session()
        (s.path.parent / "leak.txt").write_text(f"{selftest.PUPIL[1]} was here")
        return selftest.check_cases(ctx)

    result, lines = run(tmp_path, [Check("encrypted partnership", selftest.check_partnership),
                                   Check("cases", leak)])
    assert [r.ok for r in result.results] == [True, False]
    assert lines[1] == "FAIL  cases: the pupil's name is readable in leak.txt: not encrypted"


def test_check_names():
    assert selftest.check_names() == NAMES
    with pytest.raises(SelfTestError, match="encrypted partnership"):
        selftest.SelfTestContext(Path(".")).session()
