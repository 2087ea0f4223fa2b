#!/usr/bin/env bash
# Install everything and open Partnership Panel. With no database yet, it opens the demo
# partnership (invented data); afterwards it reopens the last file you used.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install-system-deps.sh"
bash "$root/scripts/venv.sh"
exec "$root/.venv/bin/panel-app" gui --demo-if-new "$@"
