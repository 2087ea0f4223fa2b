#!/usr/bin/env bash
# Debian/Ubuntu packages that Qt (PySide6 wheels) needs to run, on a screen or offscreen,
# plus fonts, poppler-utils (pdftoppm, used by tests to look at PDFs), age (tests check
# that the standard age tool decrypts a case bundle), and appstream and desktop-file-utils
# (tests validate the Linux desktop entry and AppStream metadata with them).
# Installs only what is missing; uses sudo when not root. Safe to run repeatedly.
set -euo pipefail
packages=(
  libegl1 libgl1 libglib2.0-0 libx11-6 libx11-xcb1 libxcb1 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libfontconfig1
  libfreetype6 libdbus-1-3 fonts-dejavu-core poppler-utils age appstream desktop-file-utils
)
command -v dpkg-query >/dev/null 2>&1 || { echo "Not a Debian-based system: install Qt's runtime libraries yourself."; exit 0; }
python3 -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
