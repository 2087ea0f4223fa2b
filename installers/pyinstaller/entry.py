"""Entry point of the frozen app (PyInstaller; see panel_app.spec).

Both executables of the one-folder build start here. With no arguments, or with the
window's own (a partnership file or bundle, --demo, --data-dir, --settings, --new-instance,
--startup-probe), it opens the window (or hands over to the one already open); with a
command-line option or command (--self-test, --version, --help, --db, init, case, bundle,
...) it runs ``panel-app``, exactly like the installed command.
"""

from __future__ import annotations

import time

STARTED = time.time()  # before the imports below: the start-up probe's fallback

import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

# Options of `panel-app` itself (not of the window) that may come first.
CLI_OPTIONS = {"--self-test", "--version", "-h", "--help", "--db", "--passphrase-stdin"}


def cli_commands() -> set[str]:
    import argparse

    from panel_app.cli import build_parser

    commands: set[str] = set()
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    return commands


def wants_cli(argv: Sequence[str]) -> bool:
    if not argv:
        return False
    first = argv[0]
    if first in CLI_OPTIONS or first.startswith("--db="):
        return True
    return not first.startswith("-") and first in cli_commands()


def _ensure_streams() -> None:
    """A windowed executable on Windows has no console: give print() somewhere to go."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    _ensure_streams()
    if wants_cli(args):
        from panel_app.cli import main as cli_main

        return cli_main(args)
    if "--startup-probe" in args:
        from panel_app.gui.startup_probe import mark_start

        mark_start(STARTED)
    from panel_app.gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
