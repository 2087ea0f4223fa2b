#!/usr/bin/env bash
# Package the PyInstaller one-folder build as a per-user Linux tarball.
#
#   bash installers/linux/make-tarball.sh [APP_DIR] [OUT_DIR]
#
# APP_DIR  the one-folder build, with the executables PartnershipPanel (window) and
#          panel-app (command line); default dist/PartnershipPanel (installers/build.sh)
# OUT_DIR  where the tarball goes; default dist/
#
# Writes OUT_DIR/PartnershipPanel-<version>-linux-<arch>.tar.gz holding:
#   app/                      the one-folder build, unchanged
#   share/applications/       org.partnershippanel.PanelApp.desktop
#   share/metainfo/           org.partnershippanel.PanelApp.metainfo.xml (AppStream)
#   share/mime/packages/      org.partnershippanel.PanelApp-mime.xml (.panelbundle files)
#   share/icons/hicolor/      the app icon, 16 to 512 px and scalable
#   install.sh, uninstall.sh  per-user install into ~/.local (no root), and its removal
#   LICENSE, README.txt
# The version comes from pyproject.toml (PANEL_VERSION overrides it). Names, owners and
# times inside the tarball are normalised (SOURCE_DATE_EPOCH, if set, gives the times).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
app_dir=${1:-$root/dist/PartnershipPanel}
out_dir=${2:-$root/dist}
app_id=org.partnershippanel.PanelApp

say() { echo "make-tarball.sh: $*"; }
fail() { say "$*" >&2; exit 1; }

[ -d "$app_dir" ] || fail "no build at $app_dir: run installers/build.sh first, or give the folder as the first argument."
for exe in PartnershipPanel panel-app; do
  [ -x "$app_dir/$exe" ] || fail "$app_dir has no executable '$exe': is it the PyInstaller one-folder build (dist/PartnershipPanel)?"
done

version=${PANEL_VERSION:-$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/pyproject.toml" | head -n 1)}
[ -n "$version" ] || fail "could not read the version from pyproject.toml"
arch=$(uname -m)
name=PartnershipPanel-$version-linux-$arch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top=$stage/$name

mkdir -p "$top/share/applications" "$top/share/metainfo" "$top/share/mime/packages" \
  "$top/share/icons/hicolor/scalable/apps"
cp -a "$app_dir" "$top/app"
cp "$root/resources/desktop/$app_id.desktop" "$top/share/applications/"
cp "$root/resources/desktop/$app_id.metainfo.xml" "$top/share/metainfo/"
cp "$root/resources/desktop/$app_id-mime.xml" "$top/share/mime/packages/"
for size in 16 24 32 48 64 128 256 512; do
  mkdir -p "$top/share/icons/hicolor/${size}x${size}/apps"
  cp "$root/resources/icons/panel-app-$size.png" \
    "$top/share/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
cp "$root/resources/icons/panel-app.svg" "$top/share/icons/hicolor/scalable/apps/$app_id.svg"
cp "$root/installers/linux/install.sh" "$root/installers/linux/uninstall.sh" "$top/"
chmod 755 "$top/install.sh" "$top/uninstall.sh"
cp "$root/LICENSE" "$top/LICENSE"
cat >"$top/README.txt" <<TEXT
Partnership Panel $version for Linux ($arch)

Install for yourself (no administrator rights needed):

    ./install.sh            # into ~/.local; ./install.sh --prefix DIR for elsewhere

Then start "Partnership Panel" from the applications menu, or run panel-app-gui (the
window) or panel-app (the command line) from ~/.local/bin. Double-clicking a
.panelbundle file opens it in the app.

Remove it with ~/.local/lib/partnership-panel/uninstall.sh (or ./uninstall.sh here).
Your partnership files and settings are not removed; uninstall.sh says where they are.

Check the installation with:  ~/.local/bin/panel-app --self-test
TEXT

mkdir -p "$out_dir"
out=$(cd "$out_dir" && pwd)/$name.tar.gz
mtime=${SOURCE_DATE_EPOCH:-$(date +%s)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
  -C "$stage" -czf "$out" "$name"
say "wrote $out ($(du -h "$out" | cut -f1))"
if command -v sha256sum >/dev/null 2>&1; then
  (cd "$(dirname "$out")" && sha256sum "$(basename "$out")" >"$(basename "$out").sha256")
  say "sha256: $(cut -d' ' -f1 "$out.sha256")"
fi
