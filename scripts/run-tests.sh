#!/usr/bin/env bash
# Install everything (system packages for Qt offscreen, .venv with the test extra) and
# run the whole test suite offscreen. Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/install-system-deps.sh"
bash "$root/scripts/venv.sh" test
cd "$root"
export QT_QPA_PLATFORM=offscreen
set +e
"$root/.venv/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests: treating that as a failure." >&2
  exit 1
fi
exit "$rc"
