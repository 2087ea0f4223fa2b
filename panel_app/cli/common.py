"""Shared conventions of every `panel-app` command: where the database and the
passphrase come from, JSON and table output, and how failures are reported."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from panel_app.core.domain.calendar import parse_year_label
from panel_app.core.errors import KeyUnavailableError, ValidationError
from panel_app.core.services import (
    DatabaseError,
    PartnershipSession,
    database_error,
    unlock,
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

_T = TypeVar("_T")


@dataclass
class Parents:
    """Parent parsers every subcommand takes: ``common`` (--db, --passphrase-stdin) and
    ``jsonp`` (--json, for list/show/report commands)."""

    common: argparse.ArgumentParser
    jsonp: argparse.ArgumentParser


class CliError(Exception):
    """A failure with a one-line reason; exit code 1."""


class Secrets:
    """Reads secrets in order from stdin lines, environment variables or a prompt."""

    def __init__(self, args: argparse.Namespace, stdin: TextIO) -> None:
        self.from_stdin = bool(getattr(args, "passphrase_stdin", False))
        self.stdin = stdin
        self._lines: list[str] | None = None

    def _stdin_line(self) -> str | None:
        if self._lines is None:
            self._lines = [line.rstrip("\r\n") for line in self.stdin.read().splitlines()]
        return self._lines.pop(0) if self._lines else None

    def get(
        self, env: str, prompt: str, *, confirm: bool = False, required: bool = True
    ) -> str | None:
        if self.from_stdin:
            value = self._stdin_line()
            if value is not None:
                return value
        value = os.environ.get(env)
        if value:
            return value
        if not required:
            return None
        if self.stdin.isatty():
            first = getpass.getpass(prompt)
            if confirm and getpass.getpass("Type it again: ") != first:
                raise CliError("The two entries did not match; nothing was changed.")
            return first
        raise CliError(
            f"No {prompt.strip(': ').lower()} given: set {env} or pipe it with --passphrase-stdin."
        )


def db_path(args: argparse.Namespace) -> Path:
    raw = args.db or os.environ.get("PANEL_DB")
    if not raw:
        raise CliError("Name the database with --db PATH or the PANEL_DB environment variable.")
    return Path(raw).expanduser()


def open_session(args: argparse.Namespace, secrets: Secrets) -> PartnershipSession:
    path = db_path(args)
    passphrase = secrets.get("PANEL_PASSPHRASE", "Passphrase: ", required=False)
    if passphrase is not None:
        return unlock(path, passphrase=passphrase, keyring=args.keyring)
    try:
        return unlock(path, keyring=args.keyring)
    except KeyUnavailableError:
        passphrase = secrets.get("PANEL_PASSPHRASE", "Passphrase: ")
        return unlock(path, passphrase=passphrase, keyring=args.keyring)


@contextmanager
def unlocked(args: argparse.Namespace, secrets: Secrets) -> Iterator[PartnershipSession]:
    """The open session for a ``with`` block; it is locked again however the block ends.
    A SQLCipher error (a damaged file, a full disk) becomes one plain sentence."""
    try:
        session = open_session(args, secrets)
    except DatabaseError as exc:
        raise database_error(exc, db_path(args)) from None
    failed = False
    try:
        yield session
    except DatabaseError as exc:
        failed = True
        raise database_error(exc, session.path) from None
    finally:
        try:
            session.lock()
        except DatabaseError as exc:
            if not failed:  # else the error above already says what is wrong
                raise database_error(exc, session.path) from None


def run_unlocked(args: argparse.Namespace, secrets: Secrets,
                 work: Callable[[PartnershipSession], _T]) -> _T:
    """``work(session)`` on the open session, which is locked again afterwards."""
    with unlocked(args, secrets) as session:
        return work(session)


def command_group(sub: Any, name: str, help: str, *, dest: str = "",
                  metavar: str = "ACTION") -> Any:
    """A command with actions of its own (``panel-app NAME ACTION ...``): the subparsers
    to add the actions to. The action chosen is in ``args.<dest>`` (``NAME_command``)."""
    return sub.add_parser(name, help=help).add_subparsers(
        dest=dest or f"{name}_command", metavar=metavar, required=True)


def given_options(args: argparse.Namespace, fields: Mapping[str, str]) -> dict[str, Any]:
    """The options among ``fields`` (option dest -> field name) given on the command line
    (not None), by field name."""
    values: dict[str, Any] = {}
    for opt, name in fields.items():
        value = getattr(args, opt, None)
        if value is not None:
            values[name] = value
    return values


def read_file(path: str) -> bytes:
    source = Path(path)
    try:
        return source.read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read {source}: {exc.strerror}.") from None


def school_year(text: str | None) -> int | None:
    """A school year option such as 2026/27 (None when not given)."""
    if not text:
        return None
    try:
        return parse_year_label(text)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def progress_to(err: TextIO) -> Callable[[int, int, str], None]:
    """A progress callback that keeps one line on ``err`` up to date, if it is a terminal."""

    def show(done: int, total: int, text: str) -> None:
        if err.isatty():
            err.write(f"\r{text}: {done}/{total}   ")

    return show


def print_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    out.write("\n")


def json_or_text(args: argparse.Namespace, data: Any, text: str, out: TextIO) -> int:
    """``data`` as JSON with --json, else the line ``text``; exit code 0."""
    if args.json:
        print_json(data, out)
    else:
        out.write(text + "\n")
    return EXIT_OK


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO) -> None:
    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def show_warnings(warnings: Sequence[Any], err: TextIO) -> None:
    for w in warnings:
        err.write(f"warning: {w.message}\n")


_F = TypeVar("_F", bound=Callable[..., Any])


def reads_only(*writing_options: str) -> Callable[[_F], _F]:
    """Mark a command that only reads (a list, a report): a problem with what it was given
    is then reported as just that, without "Nothing was saved." (which is for writes).
    With ``writing_options`` it reads only unless one of those options is given (``ladder
    check --record``). Put it above any other decorator of the command."""

    def mark(func: _F) -> _F:
        func.writing_options = writing_options  # type: ignore[attr-defined]
        return func

    return mark


def writes(args: argparse.Namespace) -> bool:
    """Whether the command chosen would write (every command not marked ``reads_only``)."""
    options = getattr(getattr(args, "func", None), "writing_options", None)
    if options is None:
        return True
    return any(getattr(args, name, None) not in (None, False, "", []) for name in options)


def validation_failed(exc: ValidationError, err: TextIO, *, saving: bool = True) -> int:
    """Exit 1 with the problems on one line; a command that writes first says that nothing
    was saved."""
    errors = [i for i in exc.issues if i.severity == "error"]
    problems = " ".join(i.message for i in errors)
    err.write(("Nothing was saved. " if saving else "panel-app: ") + problems + "\n")
    return EXIT_FAIL
