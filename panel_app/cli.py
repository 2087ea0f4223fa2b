"""`panel-app`: every capability of the app, scriptable, over the same session facade.

Conventions (every command follows them):
- ``--db PATH`` (or the ``PANEL_DB`` environment variable) names the database file.
- The passphrase comes from ``--passphrase-stdin`` (first line of standard input), the
  ``PANEL_PASSPHRASE`` environment variable, the OS keyring, or a prompt on a terminal,
  in that order. Nothing prompts when standard input is not a terminal.
- list/show commands take ``--json`` and print stable keys (documented in docs/CLI.md).
- Exit codes: 0 ok, 1 failure (one line on stderr saying what to do), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from panel_app import __version__
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import CaseFilter, CaseRecord, Phase
from panel_app.core.domain.schoolyears import parse_year_group, year_group_label
from panel_app.core.errors import KeyUnavailableError, PanelError, ValidationError
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import PartnershipSession, create_partnership, unlock

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure with a one-line reason; exit code 1."""


class _Secrets:
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


def _db_path(args: argparse.Namespace) -> Path:
    raw = args.db or os.environ.get("PANEL_DB")
    if not raw:
        raise CliError("Name the database with --db PATH or the PANEL_DB environment variable.")
    return Path(raw).expanduser()


def _open(args: argparse.Namespace, secrets: _Secrets) -> PartnershipSession:
    path = _db_path(args)
    passphrase = secrets.get("PANEL_PASSPHRASE", "Passphrase: ", required=False)
    if passphrase is not None:
        return unlock(path, passphrase=passphrase, keyring=args.keyring)
    try:
        return unlock(path, keyring=args.keyring)
    except KeyUnavailableError:
        passphrase = secrets.get("PANEL_PASSPHRASE", "Passphrase: ")
        return unlock(path, passphrase=passphrase, keyring=args.keyring)


def _print_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    out.write("\n")


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str], out: TextIO) -> None:
    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def _case_json(case: CaseRecord) -> dict[str, Any]:
    return case.to_dict()


def _show_warnings(warnings: Sequence[Any], err: TextIO) -> None:
    for w in warnings:
        err.write(f"warning: {w.message}\n")


# -- commands ------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    path = _db_path(args)
    passphrase = secrets.get("PANEL_PASSPHRASE", "New passphrase: ", confirm=True)
    assert passphrase is not None
    created = create_partnership(
        path,
        args.partnership,
        passphrase,
        keyring=args.keyring,
        user_name=args.user,
        ladder_preset=args.ladder or "",
    )
    info = created.session.info()
    created.session.lock()
    if args.json:
        _print_json(
            {
                "path": str(path),
                "partnership": info["partnership"],
                "database_id": created.session.keyfile.database_id,
                "recovery_key": created.recovery_key,
                "in_keyring": created.in_keyring,
                "keyring_note": created.keyring_note,
            },
            out,
        )
        return EXIT_OK
    out.write(f"Created {info['partnership']} in {path}\n")
    out.write(f"Key file: {path}.key (keep it beside the database; back both up)\n\n")
    out.write("RECOVERY KEY (shown once: print it or write it down and store it safely)\n\n")
    out.write(f"    {created.recovery_key}\n\n")
    out.write("With it you can set a new passphrase if the passphrase is forgotten:\n")
    out.write(f"    panel-app --db {path} unlock --recovery-key\n\n")
    if created.in_keyring:
        out.write("The key is also in this computer's keyring, so it opens without a prompt.\n")
    else:
        out.write(
            f"The key was not put in a keyring ({created.keyring_note}); "
            "the passphrase will be asked for each time.\n"
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    from panel_app.core.services.demo import DEMO_PASSPHRASE, build_demo

    path = _db_path(args)

    def progress(done: int, total: int, text: str) -> None:
        if err.isatty():
            err.write(f"\r{text}: {done}/{total}   ")

    created = build_demo(path, keyring=args.keyring, pupils=args.pupils, progress=progress)
    info = created.session.info()
    created.session.lock()
    if err.isatty():
        err.write("\n")
    if args.json:
        _print_json(
            {
                "path": str(path),
                "partnership": info["partnership"],
                "passphrase": DEMO_PASSPHRASE,
                "counts": info["counts"],
            },
            out,
        )
        return EXIT_OK
    out.write(f"Created the demo partnership '{info['partnership']}' in {path}\n")
    out.write(
        f"{info['counts']['schools']} schools, {info['counts']['cases']} cases, all invented.\n"
    )
    out.write(f"Demo passphrase: {DEMO_PASSPHRASE}  (demo data only: never use it for real data)\n")
    return EXIT_OK


def cmd_school_add(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        school, _ = session.add_school(
            args.name,
            urn=args.urn or "",
            phase=args.phase,
            roll=args.roll,
            fsm_count=args.fsm,
            short_code=args.code or "",
        )
    finally:
        session.lock()
    if args.json:
        _print_json(school.to_dict(), out)
    else:
        out.write(f"Added {school.name} ({school.short_code}) id {school.id}\n")
    return EXIT_OK


def cmd_school_list(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        schools = session.list_schools()
    finally:
        session.lock()
    if args.json:
        _print_json([{**s.to_dict(), "fsm_percent": s.fsm_percent} for s in schools], out)
        return EXIT_OK
    _table(
        [
            (
                s.short_code,
                s.name,
                s.urn,
                s.phase,
                s.roll,
                s.fsm_count,
                "" if s.fsm_percent is None else f"{s.fsm_percent}%",
            )
            for s in schools
        ],
        ["Code", "School", "URN", "Phase", "Roll", "FSM", "FSM %"],
        out,
    )
    return EXIT_OK


def _collect_fields(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for opt, name in (
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("dob", "dob"),
        ("upn", "upn"),
        ("year", "year_group"),
        ("school", "home_school_id"),
        ("risk", "risk"),
        ("summary", "summary"),
    ):
        value = getattr(args, opt, None)
        if value is not None:
            values[name] = value
    for item in getattr(args, "set", None) or []:
        if "=" not in item:
            raise CliError(f"--set takes FIELD=VALUE, not '{item}'.")
        key, value = item.split("=", 1)
        values[key.strip()] = value
    return values


def _validation_failed(exc: ValidationError, err: TextIO) -> int:
    errors = [i for i in exc.issues if i.severity == "error"]
    err.write("Nothing was saved. " + " ".join(i.message for i in errors) + "\n")
    return EXIT_FAIL


def cmd_case_add(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        saved = session.create_case(_collect_fields(args))
    except ValidationError as exc:
        return _validation_failed(exc, err)
    finally:
        session.lock()
    _show_warnings(saved.warnings, err)
    if args.json:
        _print_json(
            {**_case_json(saved.case), "warnings": [w.to_dict() for w in saved.warnings]}, out
        )
    else:
        out.write(
            f"Added case {saved.case.case_ref} for {saved.case.full_name} (id {saved.case.id})\n"
        )
    return EXIT_OK


def cmd_case_update(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        saved = session.update_case(args.case, _collect_fields(args))
    except ValidationError as exc:
        return _validation_failed(exc, err)
    finally:
        session.lock()
    _show_warnings(saved.warnings, err)
    if args.json:
        _print_json(
            {
                **_case_json(saved.case),
                "changed_fields": saved.changed_fields,
                "warnings": [w.to_dict() for w in saved.warnings],
            },
            out,
        )
    elif saved.changed_fields:
        out.write(f"Updated {saved.case.case_ref}: {', '.join(saved.changed_fields)}\n")
    else:
        out.write(f"No change to {saved.case.case_ref}.\n")
    return EXIT_OK


def cmd_case_close(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        saved = session.close_case(args.case, args.reason or "")
    finally:
        session.lock()
    out.write(f"Closed {saved.case.case_ref} on {format_uk(saved.case.closed_on)}\n")
    return EXIT_OK


def cmd_case_note(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        session.add_note(args.case, args.text)
    finally:
        session.lock()
    out.write("Note added.\n")
    return EXIT_OK


def cmd_case_attach(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    source = Path(args.file)
    try:
        content = source.read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read {source}: {exc.strerror}.") from None
    session = _open(args, secrets)
    try:
        session.add_document(args.case, source.name, content)
    finally:
        session.lock()
    out.write(f"Attached {source.name} ({len(content):,} bytes), stored encrypted.\n")
    return EXIT_OK


def cmd_case_list(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        flt = CaseFilter(
            text=args.search or "",
            status=None if args.status == "all" else args.status,
            risk=args.risk,
            sort=args.sort,
            descending=args.desc,
        )
        if args.school:
            flt.school_id = session.find_school(args.school).id
        if args.year:
            flt.year_group = parse_year_group(args.year)
        result = session.list_cases(flt)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        session.lock()
    if args.json:
        _print_json(
            {
                "total": result.total,
                "all_cases": result.all_cases,
                "by_risk": result.by_risk,
                "cases": [r.__dict__ for r in result.rows],
            },
            out,
        )
        return EXIT_OK
    _table(
        [
            (
                r.case_ref,
                r.name,
                r.upn,
                "" if r.year_group is None else year_group_label(r.year_group),
                r.school,
                r.risk.upper(),
                r.status,
                r.sen_status,
                format_uk(_iso(r.opened_on)),
            )
            for r in result.rows
        ],
        ["Ref", "Name", "UPN", "Year", "School", "Risk", "Status", "SEN", "Opened"],
        out,
    )
    out.write(
        f"\n{result.total} of {result.all_cases} cases · "
        + ", ".join(f"{n} {k}" for k, n in result.by_risk.items())
        + "\n"
    )
    return EXIT_OK


def _iso(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text) if text else None


def cmd_case_show(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        case = session.get_case(args.case)
    finally:
        session.lock()
    if args.json:
        _print_json(_case_json(case), out)
        return EXIT_OK
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    year = year_group_label(case.year_group) if case.year_group is not None else "?"
    need = f" ({case.primary_need})" if case.primary_need else ""
    lines = [
        f"{case.case_ref}  {case.full_name}  ({case.status}, risk {case.risk.upper()})",
        f"  Born {format_uk(case.dob)}, {year}, UPN {case.upn or '-'}, {case.home_school_name}",
        f"  SEN: {case.sen_status}{need}; "
        f"FSM {yes(case.fsm)}; PP {yes(case.pupil_premium)}; LAC {yes(case.lac)}; "
        f"social care {case.social_care}; EAL {yes(case.eal)}; "
        f"young carer {yes(case.young_carer)}; "
        f"youth justice {yes(case.youth_justice)}",
        f"  Attendance {case.attendance_pct if case.attendance_pct is not None else '-'}%; "
        f"suspensions {case.suspensions} ({case.suspension_days:g} days); "
        f"permanent exclusions {case.permanent_exclusions}",
        f"  Opened {format_uk(case.opened_on)}"
        + (f", closed {format_uk(case.closed_on)}" if case.closed_on else "")
        + (f"; lead {case.lead}" if case.lead else ""),
    ]
    for label, text in (
        ("Summary", case.summary),
        ("Pupil voice", case.pupil_voice),
        ("Family voice", case.family_voice),
    ):
        if text:
            lines.append(f"  {label}: {text}")
    for note in case.notes:
        lines.append(f"  Note {note.at.strftime('%d/%m/%Y %H:%M')} {note.author}: {note.text}")
    for doc in case.documents:
        lines.append(f"  Document {doc.filename} ({doc.size:,} bytes) id {doc.id}")
    out.write("\n".join(lines) + "\n")
    return EXIT_OK


def cmd_doctor(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        report = session.doctor()
    finally:
        session.lock()
    if args.json:
        _print_json(report, out)
    else:
        out.write(f"Database:        {report['database']}\n")
        out.write(
            f"Integrity:       {', '.join(report['integrity_check'])}; cipher "
            f"{', '.join(report['cipher_integrity_check'])}; foreign-key violations "
            f"{report['foreign_key_violations']}\n"
        )
        c = report["cipher"]
        out.write(
            f"Cipher:          SQLCipher {c['cipher_version']} ({c['cipher_provider']} "
            f"{c['cipher_provider_version']}), page {c['cipher_page_size']}, HMAC "
            f"{c['cipher_hmac_algorithm']}, journal {c['journal_mode']}\n"
        )
        out.write(
            f"Schema:          version {report['schema_version']} "
            f"(this app: {report['schema_latest']})\n"
        )
        kf = report["key_file"]
        slots = ", ".join(k for k in kf if k in {"passphrase", "recovery"})
        out.write(f"Key file:        {kf['path']} (slots: {slots})\n")
        kr = report["keyring"]
        out.write(
            f"Keyring:         {kr['backend']}: "
            + (
                "holds the key"
                if kr["holds_key"]
                else ("usable, key not stored" if kr["usable"] else f"not used ({kr['reason']})")
            )
            + "\n"
        )
        out.write(
            "Records:         " + ", ".join(f"{v} {k}" for k, v in report["counts"].items()) + "\n"
        )
        out.write("Result:          " + ("OK" if report["ok"] else "PROBLEMS FOUND") + "\n")
    return EXIT_OK if report["ok"] else EXIT_FAIL


def cmd_passphrase_change(
    args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO
) -> int:
    session = _open(args, secrets)
    try:
        new = secrets.get("PANEL_NEW_PASSPHRASE", "New passphrase: ", confirm=True)
        assert new is not None
        session.change_passphrase(new)
    finally:
        session.lock()
    out.write("Passphrase changed. The recovery key still works.\n")
    return EXIT_OK


def cmd_recovery_new(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        key = session.new_recovery_key()
    finally:
        session.lock()
    if args.json:
        _print_json({"recovery_key": key}, out)
    else:
        out.write("NEW RECOVERY KEY (shown once; the old one no longer works)\n\n")
        out.write(f"    {key}\n")
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    if not args.recovery_key:
        session = _open(args, secrets)
        session.lock()
        out.write("Unlocked successfully (the key works).\n")
        return EXIT_OK
    recovery = args.recovery_key_value or secrets.get("PANEL_RECOVERY_KEY", "Recovery key: ")
    new = secrets.get("PANEL_NEW_PASSPHRASE", "New passphrase: ", confirm=True)
    session = unlock(
        _db_path(args), recovery_key=recovery, new_passphrase=new, keyring=args.keyring
    )
    session.lock()
    out.write("Unlocked with the recovery key and set the new passphrase.\n")
    return EXIT_OK


def cmd_keyring(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    if args.keyring_command == "status":
        from panel_app.core.services import key_status

        status = key_status(_db_path(args), args.keyring)
        if args.json:
            _print_json(status, out)
        else:
            out.write(
                (
                    "The key is in this computer's keyring.\n"
                    if status["in_keyring"]
                    else "The key is not in this computer's keyring.\n"
                )
                + (
                    ""
                    if status["keyring_usable"]
                    else f"No usable keyring: {status['keyring_reason']}.\n"
                )
            )
        return EXIT_OK
    session = _open(args, secrets)
    try:
        if args.keyring_command == "forget":
            removed = session.forget_on_this_computer()
            out.write(
                "Removed the key from this computer's keyring.\n"
                if removed
                else "The keyring did not hold the key.\n"
            )
        else:
            if not session.remember_on_this_computer():
                raise CliError(
                    "No usable keyring on this computer: "
                    f"{session.keyring.unusable_reason() or 'it refused the key'}."
                )
            out.write("The key is now in this computer's keyring.\n")
    finally:
        session.lock()
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, secrets: _Secrets, out: TextIO, err: TextIO) -> int:
    session = _open(args, secrets)
    try:
        target = session.backup(Path(args.out))
    finally:
        session.lock()
    out.write(f"Encrypted backup written to {target} (it opens with the same key file).\n")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------
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
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("init", parents=[common, jsonp], help="create a new partnership")
    s.add_argument("--partnership", required=True, help="partnership name")
    s.add_argument("--user", help="your name as it appears in the audit trail")
    s.add_argument("--ladder", help="intervention ladder preset")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", parents=[common, jsonp], help="create the demo partnership")
    s.add_argument("--pupils", type=int, default=150)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("gui", parents=[common], help="open the app window")
    s.add_argument("--demo", action="store_true", help="open (creating if needed) the demo")
    s.add_argument(
        "--demo-if-new",
        action="store_true",
        help="open the demo when no partnership has been opened on this computer yet",
    )
    s.set_defaults(func=None)

    school = sub.add_parser("school", help="schools in the partnership").add_subparsers(
        dest="school_command", metavar="ACTION", required=True
    )
    s = school.add_parser("add", parents=[common, jsonp], help="add a school")
    s.add_argument("name")
    s.add_argument("--urn", help="six-digit URN")
    s.add_argument("--phase", default=Phase.SECONDARY.value, choices=[x.value for x in Phase])
    s.add_argument("--roll", type=int, default=0)
    s.add_argument("--fsm", type=int, default=0, help="pupils eligible for free school meals")
    s.add_argument("--code", help="short code shown in lists")
    s.set_defaults(func=cmd_school_add)
    s = school.add_parser("list", parents=[common, jsonp], help="list schools")
    s.set_defaults(func=cmd_school_list)

    case = sub.add_parser("case", help="pupil cases").add_subparsers(
        dest="case_command", metavar="ACTION", required=True
    )

    def case_fields(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--first-name", dest="first_name")
        sp.add_argument("--last-name", dest="last_name")
        sp.add_argument("--dob", help="date of birth, dd/mm/yyyy")
        sp.add_argument("--upn")
        sp.add_argument("--year", help="year group, e.g. Y9")
        sp.add_argument("--school", help="home school name, code, URN or id")
        sp.add_argument("--risk", choices=["red", "amber", "green"])
        sp.add_argument("--summary")
        sp.add_argument(
            "--set",
            action="append",
            metavar="FIELD=VALUE",
            help="any other case field (repeatable), e.g. --set sen_status=EHCP",
        )

    s = case.add_parser("add", parents=[common, jsonp], help="add a case")
    case_fields(s)
    s.set_defaults(func=cmd_case_add)
    s = case.add_parser("update", parents=[common, jsonp], help="change fields of a case")
    s.add_argument("case", help="case reference (C-XXXXXX) or id")
    case_fields(s)
    s.set_defaults(func=cmd_case_update)
    s = case.add_parser("list", parents=[common, jsonp], help="list cases")
    s.add_argument("--search", help="name, UPN or case reference contains")
    s.add_argument("--school")
    s.add_argument("--year")
    s.add_argument("--risk", choices=["red", "amber", "green"])
    s.add_argument("--status", choices=["open", "closed", "all"], default="open")
    s.add_argument(
        "--sort",
        default="name",
        choices=[
            "name",
            "ref",
            "upn",
            "year",
            "school",
            "risk",
            "status",
            "sen",
            "opened",
            "updated",
        ],
    )
    s.add_argument("--desc", action="store_true", help="sort descending")
    s.set_defaults(func=cmd_case_list)
    s = case.add_parser("show", parents=[common, jsonp], help="show one case")
    s.add_argument("case")
    s.set_defaults(func=cmd_case_show)
    s = case.add_parser("close", parents=[common], help="close a case")
    s.add_argument("case")
    s.add_argument("--reason")
    s.set_defaults(func=cmd_case_close)
    s = case.add_parser("note", parents=[common], help="add a note to a case")
    s.add_argument("case")
    s.add_argument("text")
    s.set_defaults(func=cmd_case_note)
    s = case.add_parser("attach", parents=[common], help="attach a document (stored encrypted)")
    s.add_argument("case")
    s.add_argument("file")
    s.set_defaults(func=cmd_case_attach)

    s = sub.add_parser(
        "doctor",
        parents=[common, jsonp],
        help="integrity, cipher settings, key locations, schema version",
    )
    s.set_defaults(func=cmd_doctor)

    pp = sub.add_parser("passphrase", help="the passphrase").add_subparsers(
        dest="passphrase_command", metavar="ACTION", required=True
    )
    s = pp.add_parser(
        "change",
        parents=[common],
        help="set a new passphrase (new one from PANEL_NEW_PASSPHRASE, stdin or prompt)",
    )
    s.set_defaults(func=cmd_passphrase_change)

    rk = sub.add_parser("recovery-key", help="the recovery key").add_subparsers(
        dest="recovery_command", metavar="ACTION", required=True
    )
    s = rk.add_parser("new", parents=[common, jsonp], help="replace the recovery key")
    s.set_defaults(func=cmd_recovery_new)

    s = sub.add_parser(
        "unlock",
        parents=[common],
        help="check the key works; with --recovery-key, set a new passphrase",
    )
    s.add_argument(
        "--recovery-key",
        nargs="?",
        const="",
        default=None,
        dest="recovery_key_value",
        metavar="KEY",
    )
    s.set_defaults(func=cmd_unlock)

    kr = sub.add_parser("keyring", help="the key in this computer's keyring").add_subparsers(
        dest="keyring_command", metavar="ACTION", required=True
    )
    for name, text in (
        ("status", "is the key in the keyring?"),
        ("forget", "remove the key from this computer's keyring"),
        ("remember", "store the key in this computer's keyring"),
    ):
        s = kr.add_parser(name, parents=[common, jsonp], help=text)
        s.set_defaults(func=cmd_keyring)

    s = sub.add_parser("backup", parents=[common], help="write an encrypted backup copy")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_backup)
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
    if args.command == "unlock":
        args.recovery_key = args.recovery_key_value is not None
    if args.command in (None, "gui"):
        gui_args = [str(args.db)] if args.db else []
        for flag in ("demo", "demo_if_new"):
            if getattr(args, flag, False):
                gui_args.append("--" + flag.replace("_", "-"))
        if gui_main is None:
            from panel_app.gui.app import main as gui_main
        return gui_main(gui_args)
    secrets = _Secrets(args, stdin)
    try:
        return int(args.func(args, secrets, out, err))
    except ValidationError as exc:
        return _validation_failed(exc, err)
    except (PanelError, CliError) as exc:
        err.write(f"panel-app: {exc}\n")
        return EXIT_FAIL
    except KeyboardInterrupt:
        err.write("panel-app: interrupted; nothing further was changed.\n")
        return EXIT_FAIL


def _entry() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
