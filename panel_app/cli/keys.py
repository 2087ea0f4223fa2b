"""Creating partnerships and looking after keys: init, demo, doctor, passphrase,
recovery-key, unlock, keyring, backup."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from panel_app.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    CliError,
    Parents,
    Secrets,
    command_group,
    db_path,
    open_session,
    print_json,
    progress_to,
    reads_only,
    unlocked,
)
from panel_app.core.services import create_partnership, unlock


def cmd_init(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    path = db_path(args)
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
        print_json(
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


def cmd_demo(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    from panel_app.core.services.demo import DEMO_PASSPHRASE, build_demo

    path = db_path(args)
    created = build_demo(path, keyring=args.keyring, pupils=args.pupils, progress=progress_to(err))
    info = created.session.info()
    created.session.lock()
    if err.isatty():
        err.write("\n")
    if args.json:
        print_json(
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


@reads_only()
def cmd_doctor(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        report = session.doctor()
    if args.json:
        print_json(report, out)
    else:
        out.write(f"Database:        {report['database']}\n")
        fk = report["foreign_key_violations"]
        out.write(
            f"Integrity:       {', '.join(report['integrity_check'])}; cipher "
            f"{', '.join(report['cipher_integrity_check'])}; foreign-key violations "
            f"{report['damaged']['foreign_key_check'] if fk is None else fk}\n"
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
        damaged = report["damaged"]
        out.write("Records:         " + (
            f"not counted ({damaged['counts']})" if "counts" in damaged
            else ", ".join(f"{v} {k}" for k, v in report["counts"].items())) + "\n")
        audit = report["audit"]
        out.write("Audit trail:     " + (
            f"intact, {audit['entries']} entries chained" if audit["ok"]
            else f"not verified ({damaged['audit']})" if "audit" in damaged
            else "BROKEN") + "\n")
        out.write("Result:          " + ("OK" if report["ok"] else "PROBLEMS FOUND") + "\n")
        if report["advice"]:  # a damaged file: say what to do about it first
            err.write(f"panel-app: {report['advice']}\n")
        elif not audit["ok"]:
            err.write(f"panel-app: {audit['text']}\n")
    return EXIT_OK if report["ok"] else EXIT_FAIL


def cmd_passphrase_change(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    with unlocked(args, secrets) as session:
        new = secrets.get("PANEL_NEW_PASSPHRASE", "New passphrase: ", confirm=True)
        assert new is not None
        session.change_passphrase(new)
    out.write("Passphrase changed. The recovery key still works.\n")
    return EXIT_OK


def cmd_recovery_new(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        key = session.new_recovery_key()
    if args.json:
        print_json({"recovery_key": key}, out)
    else:
        out.write("NEW RECOVERY KEY (shown once; the old one no longer works)\n\n")
        out.write(f"    {key}\n")
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    if not args.recovery_key:
        session = open_session(args, secrets)
        session.lock()
        out.write("Unlocked successfully (the key works).\n")
        return EXIT_OK
    recovery = args.recovery_key_value or secrets.get("PANEL_RECOVERY_KEY", "Recovery key: ")
    new = secrets.get("PANEL_NEW_PASSPHRASE", "New passphrase: ", confirm=True)
    session = unlock(db_path(args), recovery_key=recovery, new_passphrase=new, keyring=args.keyring)
    session.lock()
    out.write("Unlocked with the recovery key and set the new passphrase.\n")
    return EXIT_OK


def cmd_keyring(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    if args.keyring_command == "status":
        from panel_app.core.services import key_status

        status = key_status(db_path(args), args.keyring)
        if args.json:
            print_json(status, out)
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
    with unlocked(args, secrets) as session:
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
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        target = session.backup(Path(args.out))
    out.write(f"Encrypted backup written to {target} (it opens with the same key file).\n")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------


def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp
    s = sub.add_parser("init", parents=[common, jsonp], help="create a new partnership")
    s.add_argument("--partnership", required=True, help="partnership name")
    s.add_argument("--user", help="your name as it appears in the audit trail")
    s.add_argument("--ladder", help="intervention ladder preset")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", parents=[common, jsonp], help="create the demo partnership")
    s.add_argument("--pupils", type=int, default=150)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser(
        "doctor",
        parents=[common, jsonp],
        help="integrity, cipher settings, key locations, schema version",
    )
    s.set_defaults(func=cmd_doctor)

    pp = command_group(sub, "passphrase", "the passphrase")
    s = pp.add_parser(
        "change",
        parents=[common],
        help="set a new passphrase (new one from PANEL_NEW_PASSPHRASE, stdin or prompt)",
    )
    s.set_defaults(func=cmd_passphrase_change)

    rk = command_group(sub, "recovery-key", "the recovery key", dest="recovery_command")
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

    kr = command_group(sub, "keyring", "the key in this computer's keyring")
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
