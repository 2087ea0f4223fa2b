"""installers/pyinstaller/entry.py, the frozen app's entry point: the window by default,
the command line for `panel-app` options and commands (run here without freezing)."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENTRY = Path(__file__).resolve().parents[1] / "installers" / "pyinstaller" / "entry.py"


@pytest.fixture(scope="module")
def entry():
    spec = importlib.util.spec_from_file_location("panel_app_frozen_entry", ENTRY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [
    ["--self-test"], ["--version"], ["--help"], ["-h"], ["--db", "x.panel", "doctor"],
    ["--db=x.panel"], ["init", "--partnership", "P"], ["case", "list"], ["bundle", "import"],
    ["gui", "--demo"], ["doctor"], ["case"],
])
def test_command_line_arguments_run_the_cli(entry, argv):
    assert entry.wants_cli(argv)


@pytest.mark.parametrize("argv", [
    [], ["north.panel"], ["--demo"], ["--demo-if-new"], ["--startup-probe", "x.panel"],
    ["--settings", "s.ini"], ["--data-dir", "/tmp"], ["-psn_0_12345"],
])
def test_window_arguments_open_the_window(entry, argv):
    assert not entry.wants_cli(argv)


def test_main_dispatches(entry, monkeypatch):
    import panel_app.cli
    import panel_app.gui.app

    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(panel_app.cli, "main", lambda a: calls.append(("cli", a)) or 0)
    monkeypatch.setattr(panel_app.gui.app, "main", lambda a: calls.append(("gui", a)) or 0)
    assert entry.main(["--self-test"]) == 0
    assert entry.main(["north.panel"]) == 0
    assert entry.main([]) == 0
    assert calls == [("cli", ["--self-test"]), ("gui", ["north.panel"]), ("gui", [])]


def test_startup_probe_uses_the_entry_start_time(entry, monkeypatch):
    import panel_app.gui.app
    from panel_app.gui import startup_probe

    monkeypatch.setattr(panel_app.gui.app, "main", lambda a: 0)
    monkeypatch.setattr(startup_probe, "_EARLIEST", entry.STARTED + 100)
    entry.main(["--startup-probe"])
    assert startup_probe._EARLIEST == entry.STARTED


def test_missing_streams_are_given_somewhere_to_go(entry, monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    entry._ensure_streams()
    assert isinstance(sys.stdout, io.TextIOBase)
    sys.stdout.write("goes nowhere\n")
    sys.stdout.close()


def test_entry_runs_as_a_script():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(ENTRY), "--version"], capture_output=True,
                          text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    import panel_app

    assert proc.stdout.strip() == f"panel-app {panel_app.__version__}"
