"""Benchmark the frozen one-folder app (installers/build.sh): size and start time.

Run by hand (not in CI; tests/test_frozen_build.py prints the same figures in CI)::

    bash installers/build.sh                              # builds dist/PartnershipPanel
    python benchmarks/frozen_start.py                     # measures it
    python benchmarks/frozen_start.py --build --runs 9    # builds first, 9 timed starts
    python benchmarks/frozen_start.py --app /path/to/PartnershipPanel

It reports the folder's size and its largest files, then, offscreen, in a temporary
folder (never the user's settings, data or keyring: HOME points there and the keyring
is the 'fail' backend):

1. ``panel-app --version`` (the bootloader and Python starting, no Qt),
2. ``panel-app --self-test`` (every check, Qt included),
3. the start to the unlock window of a partnership made with the frozen ``panel-app
   init``: the window's own ``--startup-probe`` figure (from process start to the first
   paint) and the wall-clock time seen from outside (which adds exiting); the first run
   (cold disk cache for a new build) apart from the median of the others,
4. the same for the first-run window (no partnership yet),

and, for comparison, the unfrozen app (``python -m panel_app.gui.app``) in this Python.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = re.compile(r"^startup: (\d+\.\d\d) s to (\w+)", re.M)
PASSPHRASE = "benchmark passphrase"


def env_in(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(folder), TMPDIR=str(folder),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


def timed(cmd: list[str], folder: Path, stdin: str | None = None
          ) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env_in(folder),
                          input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                          check=False)
    return time.perf_counter() - started, proc


def probe(gui: list[str], folder: Path, *args: str) -> tuple[float, str, float]:
    wall, proc = timed([*gui, "--startup-probe", "--settings", str(folder / "settings.ini"),
                        "--data-dir", str(folder), *args], folder)
    m = PROBE.search(proc.stdout)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"the start-up probe failed:\n{proc.stdout}{proc.stderr}")
    return float(m.group(1)), m.group(2), wall


def starts(gui: list[str], cli: list[str], runs: int, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="panel-frozen-bench-") as tmp:
        folder = Path(tmp)
        db = folder / "bench.panel"
        _, init = timed([*cli, "--db", str(db), "init", "--partnership", "Benchmark PMG",
                         "--passphrase-stdin"], folder, stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
        if init.returncode != 0:
            raise SystemExit(f"init failed: {init.stderr}")
        first = probe(gui, folder, str(db))
        rest = [probe(gui, folder, str(db)) for _ in range(runs)]
        empty = folder / "empty"
        empty.mkdir()
        first_run = [probe(gui, empty) for _ in range(max(1, runs // 2))]
    print(f"{label}: to {first[1]}, first run        {first[0]:6.2f} s  (wall {first[2]:.2f} s)")
    print(f"{label}: to {rest[0][1]}, median of {runs:<2}     "
          f"{statistics.median(r[0] for r in rest):6.2f} s  "
          f"(wall {statistics.median(r[2] for r in rest):.2f} s; "
          f"min {min(r[0] for r in rest):.2f}, max {max(r[0] for r in rest):.2f})")
    print(f"{label}: to {first_run[0][1]}, median   "
          f"{statistics.median(r[0] for r in first_run):6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT / "dist" / "PartnershipPanel",
                        help="the built folder (default: dist/PartnershipPanel)")
    parser.add_argument("--build", action="store_true", help="run installers/build.sh first")
    parser.add_argument("--runs", type=int, default=5, help="timed starts after the first")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the unfrozen app in this Python")
    args = parser.parse_args()

    if args.build:
        started = time.perf_counter()
        subprocess.run(["bash", str(ROOT / "installers" / "build.sh")], check=True,
                       env={**os.environ, "PANEL_DIST_DIR": str(args.app.parent)})
        print(f"build: {time.perf_counter() - started:.0f} s")
    app = args.app
    cli = app / ("panel-app.exe" if sys.platform == "win32" else "panel-app")
    gui = app / ("PartnershipPanel.exe" if sys.platform == "win32" else "PartnershipPanel")
    if not cli.exists():
        raise SystemExit(f"No built app at {app}: run bash installers/build.sh (or --build).")

    print(f"Partnership Panel frozen-app benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    files = [f for f in app.rglob("*") if f.is_file() and not f.is_symlink()]
    size = sum(f.stat().st_size for f in files)
    print(f"folder: {app}  {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB), {len(files)} files")
    for f in sorted(files, key=lambda f: f.stat().st_size, reverse=True)[:10]:
        print(f"  {f.stat().st_size / 1e6:6.1f} MB  {f.relative_to(app)}")

    with tempfile.TemporaryDirectory(prefix="panel-frozen-bench-") as tmp:
        seconds, proc = timed([str(cli), "--version"], Path(tmp))
        print(f"panel-app --version: {seconds:.2f} s ({proc.stdout.strip()})")
        seconds, proc = timed([str(cli), "--self-test"], Path(tmp))
        verdict = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
        print(f"panel-app --self-test: {seconds:.2f} s, exit {proc.returncode}: {verdict}")

    starts([str(gui)], [str(cli)], args.runs, "frozen  ")
    if not args.no_compare:
        starts([sys.executable, "-m", "panel_app.gui.app"],
               [sys.executable, "-m", "panel_app.cli"], args.runs, "unfrozen")


if __name__ == "__main__":
    main()
