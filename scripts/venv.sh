#!/usr/bin/env bash
# Create .venv (if needed) and install the project into it, editable, with the extras
# given as arguments (e.g. "test"). Sourced by run-app.sh and run-tests.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
extras=${1:-}
py=${PYTHON:-python3}
if [ ! -x "$root/.venv/bin/python" ]; then
  "$py" -m venv "$root/.venv"
fi
"$root/.venv/bin/python" -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  "$root/.venv/bin/python" -m pip install -q -e "$root[$extras]"
else
  "$root/.venv/bin/python" -m pip install -q -e "$root"
fi
