"""`panel-app`: every capability of the app, scriptable, over the same session facade.

Conventions (every command follows them):
- ``--db PATH`` (or the ``PANEL_DB`` environment variable) names the database file.
- The passphrase comes from ``--passphrase-stdin`` (first line of standard input), the
  ``PANEL_PASSPHRASE`` environment variable, the OS keyring, or a prompt on a terminal,
  in that order. Nothing prompts when standard input is not a terminal.
- list/show commands take ``--json`` and print stable keys (documented in docs/CLI.md).
- Exit codes: 0 ok, 1 failure (one line on stderr saying what to do), 2 usage error.

Each command group lives in its own module with a ``register(sub, parents)`` function;
add a new group to ``GROUPS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from panel_app import __version__
from panel_app.cli import bundles, cases, imports, keys, ladder, meetings, privacy, proposals
from panel_app.cli.common import (
    EXIT_FAIL,
    CliError,
    Parents,
    Secrets,
    validation_failed,
    writes,
)
from panel_app.core.errors import PanelError, ValidationError
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import DatabaseError, database_error

GROUPS = [keys, cases, ladder, bundles, meetings, proposals, privacy, imports]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database file (or PANEL_DB)")
    common.add_argument(
        "--passphrase-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read the passphrase (then any new one) from standard input",
    )
    jsonp = argparse.ArgumentParser(add_help=False)
    jsonp.add_argument("--json", action="store_true", help="print JSON with stable keys")

    p = argparse.ArgumentParser(
        prog="panel-app",
        description="Partnership Panel: the encrypted case list of a behaviour and attendance "
        "partnership. With no command, opens the app window.",
        parents=[common],
    )
    p.add_argument("--version", action="version", version=f"panel-app {__version__}")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check that this installation works (encryption, cases, ladder, minutes PDF, "
        "bundles, keyring, Qt) in a temporary folder, one line per check; exit 0 if all pass",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("gui", parents=[common], help="open the app window")
    s.add_argument(
        "file",
        nargs="?",
        default=None,
        help="a bundle (.panelbundle) to preview for import once the partnership is open, "
        "or the partnership file to open (like --db)",
    )
    s.add_argument("--demo", action="store_true", help="open (creating if needed) the demo")
    s.add_argument(
        "--demo-if-new",
        action="store_true",
        help="open the demo when no partnership has been opened on this computer yet",
    )
    s.add_argument(
        "--new-instance",
        action="store_true",
        help="start a separate copy even if the app is already running (IT, debugging)",
    )
    s.set_defaults(func=None)

    parents = Parents(common, jsonp)
    for group in GROUPS:
        group.register(sub, parents)
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    keyring: KeyringStore | None = None,
    gui_main: Callable[[list[str]], int] | None = None,
) -> int:
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    args.db = getattr(args, "db", None)
    args.passphrase_stdin = getattr(args, "passphrase_stdin", False)
    args.json = getattr(args, "json", False)
    args.keyring = keyring or KeyringStore()
    if args.self_test:
        from panel_app.cli import selftest

        backend = None if keyring is None else (lambda: args.keyring.backend)
        return selftest.run(out, err, keyring_backend=backend)
    if args.command == "unlock":
        args.recovery_key = args.recovery_key_value is not None
    if args.command in (None, "gui"):
        gui_args = [str(args.db)] if args.db else []
        if getattr(args, "file", None):
            gui_args.append(str(args.file))
        for flag in ("demo", "demo_if_new", "new_instance"):
            if getattr(args, flag, False):
                gui_args.append("--" + flag.replace("_", "-"))
        if gui_main is None:
            from panel_app.gui.app import main as gui_main
        return gui_main(gui_args)
    secrets = Secrets(args, stdin)
    try:
        return int(args.func(args, secrets, out, err))
    except ValidationError as exc:
        return validation_failed(exc, err, saving=writes(args))
    except (PanelError, CliError) as exc:
        err.write(f"panel-app: {exc}\n")
        return EXIT_FAIL
    except DatabaseError as exc:  # a damaged file or a full disk met in the middle of a command
        path = args.db or os.environ.get("PANEL_DB")
        err.write(f"panel-app: {database_error(exc, Path(path) if path else None)}\n")
        return EXIT_FAIL
    except KeyboardInterrupt:
        err.write("panel-app: interrupted; nothing further was changed.\n")
        return EXIT_FAIL


def _entry() -> NoReturn:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (`panel-app case list | head`): no traceback. Point stdout
        # at devnull so that Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_FAIL
    sys.exit(code)
