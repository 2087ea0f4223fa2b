#!/usr/bin/env bash
# Remove Partnership Panel installed by install.sh for the current user.
#
#   ~/.local/lib/partnership-panel/uninstall.sh [--prefix DIR]   (default PREFIX: ~/.local)
#
# Removes the app, its links, menu entry, AppStream data, file type and icons. It never
# removes partnership files, settings or keys: it prints where they are.
set -euo pipefail
prefix=${PREFIX:-$HOME/.local}
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
app_id=org.partnershippanel.PanelApp
app_dir=$prefix/lib/partnership-panel
share=$prefix/share

for name in panel-app-gui panel-app; do  # only our own links
  path=$prefix/bin/$name
  if [ -L "$path" ] && case $(readlink "$path") in "$app_dir"/*) true ;; *) false ;; esac; then
    rm -f "$path"
  fi
done
rm -f "$share/applications/$app_id.desktop" "$share/metainfo/$app_id.metainfo.xml" \
  "$share/mime/packages/$app_id-mime.xml"
for icon in "$share"/icons/hicolor/*/apps/"$app_id".png "$share"/icons/hicolor/*/apps/"$app_id".svg; do
  [ -e "$icon" ] && rm -f "$icon"
done
rm -rf "$app_dir"

if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$share/applications" ]; then
  update-desktop-database -q "$share/applications" || true
fi
if command -v update-mime-database >/dev/null 2>&1 && [ -d "$share/mime" ]; then
  update-mime-database "$share/mime" >/dev/null 2>&1 || true
fi

data=${XDG_DATA_HOME:-$HOME/.local/share}/panel-app
config=${XDG_CONFIG_HOME:-$HOME/.config}/panel-app
echo "Partnership Panel is removed. Your data were kept:"
echo "  partnership files you created or saved (*.panel with their *.panel.key), wherever you"
echo "  put them; new partnerships and the demo are in $data"
echo "  settings (last file opened, lock time): $config"
echo "  data keys in your keyring (service \"panel-app\"), if one was available"
echo "Delete them yourself only when the partnership's data are no longer needed (kept in a"
echo "backup, or lawfully disposed of). A partnership cannot be opened without its .panel.key"
echo "file; its keyring entry holds the data key, so remove that too when disposing of data."
