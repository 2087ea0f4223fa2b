#!/usr/bin/env bash
# Install Partnership Panel for the current user: no root, nothing outside PREFIX.
#
#   ./install.sh [--prefix DIR]        (default PREFIX: ~/.local)
#
# PREFIX/lib/partnership-panel/        the app (replaced as a whole on upgrade)
# PREFIX/bin/panel-app-gui, panel-app  links to the window and the command line
# PREFIX/share/applications, metainfo, mime/packages, icons/hicolor: menu entry, AppStream
#                                      data, the .panelbundle file type, the icon
# Run it again from a newer tarball to upgrade. Partnership files and settings are never
# touched (see uninstall.sh for where they are).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=${PREFIX:-$HOME/.local}
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
app_id=org.partnershippanel.PanelApp
app_dir=$prefix/lib/partnership-panel
bin=$prefix/bin
share=$prefix/share

[ -x "$here/app/PartnershipPanel" ] || { echo "install.sh: run it from the unpacked tarball (no app/ beside it)." >&2; exit 1; }
if [ "$(id -u)" -eq 0 ] && [ -z "${PREFIX:-}" ] && [ "$prefix" = "$HOME/.local" ]; then
  echo "install.sh: you are root; this installs for root only. Run it as the user who will use the app." >&2
fi

echo "Installing Partnership Panel into $app_dir"
mkdir -p "$prefix/lib" "$bin" "$share/applications" "$share/metainfo" "$share/mime/packages"
rm -rf "$app_dir.new"
cp -a "$here/app" "$app_dir.new"
cp "$here/uninstall.sh" "$app_dir.new/uninstall.sh"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"

link() {  # link NAME TARGET: never replaces a real file (e.g. a pip-installed panel-app)
  local path=$bin/$1
  if [ -e "$path" ] && [ ! -L "$path" ]; then
    echo "  kept $path: it is not ours (another installation?); use $2 directly" >&2
    return
  fi
  ln -sfn "$2" "$path"
  echo "  $path"
}
link panel-app-gui "$app_dir/PartnershipPanel"
link panel-app "$app_dir/panel-app"

# The menu entry starts the installed executable by its full path (~/.local/bin is not
# always on the desktop session's PATH).
# Quoted as the Desktop Entry spec says: in "...", escape \ " ` $ with \\ and write % as %%.
exe=$app_dir/PartnershipPanel
quoted=\"$(printf '%s' "$exe" | sed -e 's/[\\"`$]/\\\\&/g' -e 's/%/%%/g')\"
while IFS= read -r line; do
  case $line in
    Exec=*) printf 'Exec=%s %%f\n' "$quoted" ;;
    TryExec=*) printf 'TryExec=%s\n' "${exe//\\/\\\\}" ;;
    *) printf '%s\n' "$line" ;;
  esac
done <"$here/share/applications/$app_id.desktop" >"$share/applications/$app_id.desktop"
cp "$here/share/metainfo/$app_id.metainfo.xml" "$share/metainfo/"
cp "$here/share/mime/packages/$app_id-mime.xml" "$share/mime/packages/"
(cd "$here/share" && find icons -type f) | while read -r icon; do
  mkdir -p "$share/$(dirname "$icon")"
  cp "$here/share/$icon" "$share/$icon"
done

# Refresh the caches when the tools exist (desktop-file-utils, shared-mime-info, GTK).
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$share/applications" || true
fi
if command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database "$share/mime" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ]; then
  gtk-update-icon-cache -q -t -f "$share/icons/hicolor" || true
fi

echo "Done. Start \"Partnership Panel\" from the applications menu, or run $bin/panel-app-gui."
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Note: $bin is not on your PATH; add it to use panel-app and panel-app-gui by name." ;;
esac
echo "Check it with: $bin/panel-app --self-test"
echo "Remove it with: $app_dir/uninstall.sh"
