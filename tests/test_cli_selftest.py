"""`panel-app --self-test`: exit 0 with one PASS line per check (the core checks and the
Qt check), exit 1 naming the check when one is broken, in-process and as a subprocess."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from panel_app.cli import main
from panel_app.cli import selftest as cli_selftest
from panel_app.core.reports import minutes_pdf
from panel_app.core.services.selftest import check_names
from panel_app.gui import selftest_qt
from tests.test_architecture import _qt_modules_after_importing

LINE = re.compile(r"^(PASS|FAIL)  ([^:]+): .+$")
ALL = [*check_names(), "Qt"]


def self_test(keyring) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--self-test"], stdout=out, stderr=err, keyring=keyring,
                gui_main=lambda a: 99)
    return code, out.getvalue(), err.getvalue()


def statuses(out: str) -> dict[str, str]:
    lines = out.splitlines()
    found = {}
    for line in lines[:-1]:
        m = LINE.match(line)
        assert m, line
        found[m.group(2)] = m.group(1)
    return found


@pytest.fixture(autouse=True)
def _offscreen(monkeypatch, qapp):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


def test_all_checks_pass(no_keyring):
    code, out, err = self_test(no_keyring)
    assert code == 0, out + err
    assert statuses(out) == dict.fromkeys(ALL, "PASS")
    assert out.splitlines()[-1].startswith(f"OK    self-test: {len(ALL)} passed, 0 failed")
    assert "DejaVu Sans" in out and "'offscreen' loads" in out
    assert err == ""


def test_the_injected_keyring_is_the_one_reported(memory_keyring):
    code, out, _ = self_test(memory_keyring)
    assert code == 0
    assert "PASS  keyring: tests.conftest.MemoryKeyring: the app would keep the key in it" in out
    assert memory_keyring.backend.store == {}


def test_a_broken_check_fails_loudly(no_keyring, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("reportlab could not open its font")

    monkeypatch.setattr(minutes_pdf, "render_minutes", broken)
    code, out, err = self_test(no_keyring)
    assert code == 1
    found = statuses(out)
    assert found.pop("minutes PDF") == "FAIL"
    assert set(found.values()) == {"PASS"} and len(found) == len(ALL) - 1
    assert "FAIL  minutes PDF: OSError: reportlab could not open its font" in out
    assert err.startswith("panel-app: self-test failed: minutes PDF.")


def test_a_missing_platform_plugin_fails_the_qt_check(no_keyring, monkeypatch):
    monkeypatch.setattr(selftest_qt, "find_platform_plugin", lambda name: None)
    code, out, err = self_test(no_keyring)
    assert code == 1
    assert "FAIL  Qt: Qt's offscreen platform plugin is missing from the installation" in out
    assert "self-test failed: Qt." in err


def test_a_native_plugin_that_cannot_load(no_keyring, monkeypatch):
    """xcb missing a system library: a failure when the app would use xcb, a note when it
    runs offscreen (CI, the self-test itself)."""
    real = selftest_qt.load_problem

    def problem(plugin):
        if "xcb" in plugin.name:
            return "libxcb-cursor.so.0: cannot open shared object file"
        return real(plugin)

    monkeypatch.setattr(selftest_qt, "load_problem", problem)
    monkeypatch.setattr(selftest_qt, "native_platform", lambda: "xcb")
    code, out, _ = self_test(no_keyring)
    assert code == 0
    assert "'xcb' cannot load here (libxcb-cursor.so.0: cannot open shared object file)" in out
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    code, out, err = self_test(no_keyring)
    assert code == 1
    assert ("FAIL  Qt: Qt's 'xcb' platform plugin does not load: libxcb-cursor.so.0: cannot "
            "open shared object file. Install the system library it names") in out


def test_without_pyside6_there_is_no_qt_check(monkeypatch):
    monkeypatch.setattr(cli_selftest.importlib.util, "find_spec", lambda name: None)
    assert cli_selftest.qt_checks() == []
    assert [c.name for c in cli_selftest.all_checks()] == check_names()


def test_a_pyside6_that_cannot_be_imported_is_a_failed_check(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "panel_app.gui.selftest_qt", None)  # import fails
    [check] = cli_selftest.qt_checks()
    out, err = io.StringIO(), io.StringIO()
    assert cli_selftest.run(out, err, checks=[check]) == 1
    assert out.getvalue().startswith("FAIL  Qt: PySide6 is installed but cannot be imported: "
                                     "ModuleNotFoundError")
    assert "Qt" in err.getvalue()


def test_self_test_as_a_real_command(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.run([sys.executable, "-m", "panel_app.cli", "--self-test"],
                          capture_output=True, text=True, timeout=120, env=env,
                          stdin=subprocess.DEVNULL, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert statuses(proc.stdout) == dict.fromkeys(ALL, "PASS")
    assert "keyring.backends.fail.Keyring: no usable keyring" in proc.stdout
    assert list(tmp_path.iterdir()) == []  # its temporary folder is gone


def test_the_cli_still_imports_without_qt():
    assert _qt_modules_after_importing(["panel_app.cli", "panel_app.cli.selftest",
                                        "panel_app.core.services.selftest"]) == []
