"""`panel-app case list | head`: when the reader stops early, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PASSPHRASE


def test_a_closed_output_pipe_gives_no_traceback(db_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")}
    env.update(PANEL_PASSPHRASE=PASSPHRASE, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "panel_app.cli", "--db", str(db_path), "school", "list"],
            stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE, text=True,
            timeout=60, env=env)
    finally:
        os.close(write_end)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.returncode == 1
