#!/usr/bin/env bash
# Build the Linux one-folder app (PyInstaller) from a fresh virtual environment, then run
# its self-test offscreen and print the folder's size.
#
#   bash installers/build.sh   ->  dist/PartnershipPanel/panel-app (and PartnershipPanel, a link)
#
# Environment (all optional):
#   PANEL_BUILD_DIR  the build venv, a clean copy of the sources and PyInstaller's work
#                    files (default: build/ in the checkout)
#   PANEL_DIST_DIR   where the PartnershipPanel/ folder is written (default: dist/)
#   PYTHON           the Python to build with (default: python3); it needs its shared
#                    library (libpython3.X.so), as PyInstaller copies it into the app
# Needs the network (or pip's cache) for PySide6, PyInstaller and the other dependencies;
# never uses another virtual environment. Linux only: Windows and macOS builds use the same
# spec with their own Python (see installers/README.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PANEL_BUILD_DIR:-$root/build}
dist=${PANEL_DIST_DIR:-$root/dist}
py=${PYTHON:-python3}
venv=$build/pyinstaller-venv
src=$build/pyinstaller-src
app=$dist/PartnershipPanel
started=$(date +%s)

say() { echo "build.sh: $*"; }

if [ "$(uname -s)" != "Linux" ]; then
  say "this script builds the Linux app; on $(uname -s) run PyInstaller with installers/pyinstaller/panel_app.spec (see installers/README.md)." >&2
  exit 1
fi
if ! "$py" -c 'import sys, sysconfig; sys.exit(0 if sysconfig.get_config_var("Py_ENABLE_SHARED") else 1)'; then
  say "$("$py" -c 'import sys; print(sys.executable)') was built without its shared library (libpython), which PyInstaller needs; use a Python built with --enable-shared (Debian's python3, pyenv with PYTHON_CONFIGURE_OPTS=--enable-shared) via PYTHON=..." >&2
  exit 1
fi

# A fresh environment every time: what is in the app is exactly what pip installs now.
say "creating $venv"
rm -rf "$venv" "$src"
mkdir -p "$build" "$dist" "$src"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip

# Install the project as a wheel (not editable: panel_app.resources must be a real
# package) from a clean copy of what the wheel needs, so that no stale build/lib or local
# file can slip into the app.
cp -R "$root/panel_app" "$root/resources" "$root/setup.py" "$root/pyproject.toml" \
  "$root/README.md" "$src/"
find "$src" -name __pycache__ -type d -prune -exec rm -rf {} +
say "installing the app and PyInstaller"
"$venv/bin/python" -m pip install -q "$src" "pyinstaller>=6.10,<7"
"$venv/bin/python" -m pip list --format=freeze >"$build/pyinstaller-packages.txt"
say "$(grep -i -E '^(pyinstaller|pyside6[-_]essentials|sqlcipher3|keyring)==' "$build/pyinstaller-packages.txt" | tr '\n' ' ')"

say "running PyInstaller"
rm -rf "$app"
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$build/pyinstaller-work" \
  "$root/installers/pyinstaller/panel_app.spec"

say "self-test of the built app (offscreen)"
QT_QPA_PLATFORM=offscreen "$app/panel-app" --self-test

size_mb=$(du -sm "$app" | cut -f1)
files=$(find "$app" -type f | wc -l)
say "built $app in $(( $(date +%s) - started )) s"
say "folder size: ${size_mb} MiB ($files files)"
