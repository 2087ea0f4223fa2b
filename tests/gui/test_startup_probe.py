"""The hidden ``--startup-probe`` option: the time from process start to the first
window, printed once, then the app quits (benchmarks/frozen_start.py uses it on the
frozen build; tests/test_frozen_build.py too)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from PySide6.QtWidgets import QDialog

from panel_app.gui import startup_probe
from panel_app.gui.app import parse_args
from panel_app.gui.startup_probe import StartupProbe

PROBE_LINE = re.compile(r"^startup: (\d+\.\d\d) s to (\w+) \(from process start\)$")


def test_the_option_is_hidden():
    assert parse_args(["--startup-probe"]).startup_probe
    assert not parse_args([]).startup_probe
    proc = subprocess.run([sys.executable, "-m", "panel_app.gui.app", "--help"],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0 and "--data-dir" in proc.stdout
    assert "startup-probe" not in proc.stdout


def test_process_start_is_before_now_and_after_boot():
    started, basis = startup_probe.process_start()
    if sys.platform.startswith("linux"):
        assert basis == "process start"
    assert started <= time.time()
    assert started > time.time() - 24 * 3600 * 365


def test_the_first_window_to_paint_is_reported_once(qapp, qtbot):
    lines: list[str] = []
    codes: list[int] = []
    probe = StartupProbe(qapp, write=lines.append, finish=codes.append)
    try:
        first = QDialog()
        first.setWindowTitle("first")
        qtbot.addWidget(first)
        first.show()
        qtbot.waitUntil(lambda: codes == [0], timeout=5000)
        second = QDialog()
        qtbot.addWidget(second)
        second.show()
        qtbot.wait(50)
    finally:
        qapp.removeEventFilter(probe)
        probe.deleteLater()
    [line] = lines
    assert line.startswith("startup: ") and " s to QDialog (from " in line, line
    assert codes == [0]


def test_the_app_prints_the_time_to_its_first_window_and_quits(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    proc = subprocess.run(
        [sys.executable, "-m", "panel_app.gui.app", "--startup-probe",
         "--settings", str(tmp_path / "settings.ini"), "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL,
        check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("startup:")]
    m = PROBE_LINE.match(line)
    assert m, line
    assert m.group(2) == "FirstRunDialog"
    assert 0 < float(m.group(1)) < 60
