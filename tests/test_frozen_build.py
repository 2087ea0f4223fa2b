"""The Linux one-folder app (issue 9): installers/build.sh builds it with PyInstaller from
a fresh virtual environment; the built `panel-app --self-test` passes offscreen, reports
the right version and fails loudly when a Qt plugin is missing; the folder size, the
build time and the start time to the unlock window are printed and written to
test-artifacts/frozen-build.txt.

Slow (about a minute with pip's cache, a few more without); CI runs it. The build and the
app live in a temporary folder, so the checkout stays clean."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from panel_app.core.services.selftest import check_names

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
BUILD_TIMEOUT = 30 * 60
PROBE = re.compile(r"^startup: (\d+\.\d\d) s to (\w+) \(from process start\)$", re.M)
LINE = re.compile(r"^(PASS|FAIL)  ([^:]+): (.+)$")
CHECKS = [*check_names(), "Qt"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="installers/build.sh builds the Linux one-folder app; Windows "
                       "and macOS builds use the same spec on those systems"),
]


@dataclass
class Frozen:
    folder: Path
    build_seconds: float
    log: Path
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def cli(self) -> Path:
        return self.folder / "panel-app"

    @property
    def gui(self) -> Path:
        return self.folder / "PartnershipPanel"


def frozen_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update({"QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp), "HOME": str(tmp)}, **extra)
    return env


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> Frozen:
    base = tmp_path_factory.mktemp("frozen")
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "frozen-build.log"
    env = {**os.environ, "PANEL_BUILD_DIR": str(base / "build"),
           "PANEL_DIST_DIR": str(base / "dist"),
           # the Python the tests run on (not the test virtual environment's wrapper)
           "PYTHON": getattr(sys, "_base_executable", sys.executable)}
    env.pop("VIRTUAL_ENV", None)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(["bash", str(ROOT / "installers" / "build.sh")], stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                              timeout=BUILD_TIMEOUT, check=False)
    seconds = time.perf_counter() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, f"installers/build.sh failed; its last lines:\n{text[-4000:]}"
    folder = base / "dist" / "PartnershipPanel"
    assert (folder / "panel-app").is_file() and (folder / "_internal").is_dir()
    return Frozen(folder, seconds, log)


def run(frozen: Frozen, tmp_path: Path, *args: str, stdin: str | None = None,
        **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(frozen.cli), *args], capture_output=True, text=True,
                          timeout=300, input=stdin, env=frozen_env(tmp_path, **env),
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          check=False)


def test_self_test_passes_offscreen(frozen, tmp_path):
    proc = run(frozen, tmp_path, "--self-test")
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    lines = proc.stdout.splitlines()
    found = [LINE.match(line) for line in lines[:-1]]
    assert all(found), report
    assert [m.group(2) for m in found if m] == CHECKS
    assert {m.group(1) for m in found if m} == {"PASS"}, report
    assert "(frozen build)" in lines[0]
    assert "plugins from " + str(frozen.folder / "_internal") in proc.stdout
    assert lines[-1].startswith(f"OK    self-test: {len(CHECKS)} passed, 0 failed")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("panel-app-selftest")]
    assert leftovers == []


def test_version_matches_the_project(frozen, tmp_path):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for exe in (frozen.cli, frozen.gui):
        proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                              timeout=120, env=frozen_env(tmp_path), check=False)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"panel-app {version}"


def test_a_missing_qt_plugin_fails_the_self_test_loudly(frozen, tmp_path):
    plugin = frozen.folder / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms" / \
        "libqoffscreen.so"
    hidden = plugin.with_name("libqoffscreen.so.hidden")
    plugin.rename(hidden)
    try:
        proc = run(frozen, tmp_path, "--self-test")
    finally:
        hidden.rename(plugin)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL  Qt: Qt's offscreen platform plugin is missing from the installation" \
        in proc.stdout
    assert "panel-app: self-test failed: Qt." in proc.stderr
    assert proc.stdout.count("PASS  ") == len(CHECKS) - 1  # the other checks still ran


def probe(frozen: Frozen, tmp_path: Path, *args: str) -> tuple[float, str, float]:
    """(seconds the app reports, window, wall-clock seconds seen from outside)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [str(frozen.gui), "--startup-probe", "--settings", str(tmp_path / "settings.ini"),
         "--data-dir", str(tmp_path), *args],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False,
        env=frozen_env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"))
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = PROBE.search(proc.stdout)
    assert m, proc.stdout + proc.stderr
    return float(m.group(1)), m.group(2), wall


def test_size_and_start_time_are_reported(frozen, tmp_path, capsys):
    db = tmp_path / "probe.panel"
    init = run(frozen, tmp_path, "--db", str(db), "init", "--partnership", "Probe PMG",
               "--passphrase-stdin", stdin="probe passphrase one\nprobe passphrase one\n",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert init.returncode == 0, init.stderr
    probe(frozen, tmp_path, str(db))  # warm the disk cache once, as a second start would be
    runs = [probe(frozen, tmp_path, str(db)) for _ in range(3)]
    assert {window for _, window, _ in runs} == {"UnlockDialog"}
    empty = tmp_path / "empty"
    empty.mkdir()
    first_run = probe(frozen, empty)
    assert first_run[1] == "FirstRunDialog"

    real = [f for f in frozen.folder.rglob("*") if f.is_file() and not f.is_symlink()]
    size = sum(f.stat().st_size for f in real)
    files = len(real)
    start = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[2] for r in runs)
    lines = [
        f"frozen build (Linux one-folder, PyInstaller): {frozen.folder.name}/",
        f"build time: {frozen.build_seconds:.0f} s (installers/build.sh from a fresh venv)",
        f"folder size: {size / 1_000_000:.0f} MB ({size / 2**20:.0f} MiB), {files} files",
        f"startup: {start:.2f} s to UnlockDialog (median of 3, from process start; "
        f"{wall:.2f} s wall clock including exit)",
        f"startup: {first_run[0]:.2f} s to FirstRunDialog (no partnership yet)",
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "frozen-build.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert size < 300_000_000, "the one-folder app grew past 300 MB: see hooks and excludes"
    assert start < 20, "the frozen app took more than 20 s to show its unlock window"

