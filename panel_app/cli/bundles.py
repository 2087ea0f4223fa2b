"""`panel-app identity ...`, `card ...`, `bundle ...` and `conflicts ...`: exchanging cases
with partner schools and the panel as encrypted, signed files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from panel_app.cli.common import (
    EXIT_OK,
    CliError,
    Parents,
    Secrets,
    command_group,
    print_json,
    progress_to,
    reads_only,
    run_unlocked,
    table,
)
from panel_app.core.bundles.merge import describe_value
from panel_app.core.domain.changelog import DELETED
from panel_app.core.domain.dates import uk_datetime, uk_day
from panel_app.core.domain.wording import bundle_contents, plural
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.services import PartnershipSession

BUNDLE_PASSPHRASE_ENV = "PANEL_BUNDLE_PASSPHRASE"


def _confirm(question: str, secrets: Secrets, out: TextIO) -> bool:
    if not secrets.stdin.isatty():
        return False
    out.write(question + " [y/N] ")
    out.flush()
    return secrets.stdin.readline().strip().lower() in {"y", "yes"}


# -- identity --------------------------------------------------------------------------------
@reads_only()
def cmd_identity_show(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                      err: TextIO) -> int:
    ident = run_unlocked(args, secrets, lambda s: s.bundles.identity())
    if args.json:
        print_json(ident.to_dict(), out)
        return EXIT_OK
    where = {"panel": "the panel (clerk's) seat", "school": ident.school_name}.get(
        ident.seat, "not set: run 'panel-app identity school SCHOOL' (or --panel)")
    out.write(f"Installation:  {ident.label}\n")
    out.write(f"Belongs to:    {where}\n")
    out.write(f"Fingerprint:   {ident.fingerprint}\n")
    out.write(f"Encryption:    {ident.age_recipient}\n")
    out.write(f"Installation id {ident.installation_id}\n")
    return EXIT_OK


@reads_only("school", "panel")
def cmd_identity_school(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                        err: TextIO) -> int:
    def work(s: PartnershipSession) -> Any:
        if args.school or args.panel:
            s.bundles.set_own_school(args.school, panel=args.panel)
        return s.bundles.identity()

    ident = run_unlocked(args, secrets, work)
    if args.json:
        print_json({"seat": ident.seat, "school_id": ident.school_id,
                    "school_name": ident.school_name}, out)
    elif ident.seat == "panel":
        out.write("This installation is the panel (clerk's) seat.\n")
    elif ident.seat == "school":
        out.write(f"This installation belongs to {ident.school_name}.\n")
    else:
        out.write("Not set: run 'panel-app identity school SCHOOL' (or --panel).\n")
    if args.school or args.panel:
        out.write("Export your card again and send it to your partners.\n")
    return EXIT_OK


def cmd_identity_new(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                     err: TextIO) -> int:
    if not args.yes and not _confirm(
            "Give this database a new installation id and new keys? Partners will need your "
            "new card.", secrets, out):
        raise CliError("Nothing was changed: add --yes to confirm.")
    ident = run_unlocked(args, secrets, lambda s: s.bundles.new_installation_identity())
    if args.json:
        print_json(ident.to_dict(), out)
    else:
        out.write(f"New installation id and keys. Fingerprint: {ident.fingerprint}\n"
                  "Export your card and send it to your partners.\n")
    return EXIT_OK


def cmd_identity_export_age(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                            err: TextIO) -> int:
    text = run_unlocked(args, secrets, lambda s: s.bundles.age_identity_text())
    write_atomic(Path(args.out), (text + "\n").encode(), mode=0o600)
    err.write("warning: this file opens every bundle sent to this installation: keep it "
              "offline and safe, and delete it when the recovery is done.\n")
    out.write(f"Wrote the age identity to {args.out} (use: age -d -i {args.out} BUNDLE)\n")
    return EXIT_OK


# -- cards -----------------------------------------------------------------------------------
def cmd_card_export(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                    err: TextIO) -> int:
    def work(s: PartnershipSession) -> Any:
        data = s.bundles.export_card(None if args.out == "-" else Path(args.out))
        return data, s.bundles.identity()

    data, ident = run_unlocked(args, secrets, work)
    if args.out == "-":
        out.write(data.decode())
    else:
        out.write(f"Card written to {args.out}. Its fingerprint is {ident.fingerprint}: read it "
                  "out to partners when they import it.\n")
    if not ident.seat:
        err.write("warning: this installation's school is not set ('panel-app identity "
                  "school'); partners must say which school it is when they import it.\n")
    return EXIT_OK


def cmd_card_import(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                    err: TextIO) -> int:
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read {args.file}: {exc.strerror}.") from None

    def work(s: PartnershipSession) -> Any:
        check = s.bundles.check_card(data, school=args.school, panel=args.panel)
        confirmed = args.fingerprint
        if confirmed is None:
            if not secrets.stdin.isatty():
                raise CliError("Confirm the card's fingerprint with --fingerprint FP (read it "
                               "with the partner, e.g. by phone); nothing was changed.")
            out.write(f"Card of {check.card.label} ({check.school_name or check.seat})\n"
                      f"Fingerprint: {check.fingerprint}\n")
            if not _confirm("Does the partner read out exactly this fingerprint?", secrets,
                            out):
                raise CliError("Not confirmed: the card was not imported.")
            confirmed = check.fingerprint
        return check, s.bundles.import_card(data, confirmed, school=args.school,
                                            panel=args.panel)

    check, partner = run_unlocked(args, secrets, work)
    if args.json:
        print_json({**partner.to_dict(), "action": check.action,
                    "replaces": list(check.replaces)}, out)
    else:
        verb = {"new": "Added", "same": "Updated", "replaces": "Replaced the old card with"}
        out.write(f"{verb[check.action]} the card of {partner.label} "
                  f"({partner.school_name or partner.seat}), fingerprint {partner.fingerprint}.\n")
    return EXIT_OK


@reads_only()
def cmd_card_list(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                  err: TextIO) -> int:
    partners = run_unlocked(args, secrets, lambda s: s.bundles.directory())
    if args.json:
        print_json([p.to_dict() for p in partners], out)
        return EXIT_OK
    table([(p.label, p.school_name or p.seat, p.fingerprint, p.status, uk_day(p.added_at))
           for p in partners], ["Partner", "School", "Fingerprint", "Status", "Added"], out)
    return EXIT_OK


def cmd_card_revoke(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                    err: TextIO) -> int:
    partner = run_unlocked(args, secrets, lambda s: s.bundles.revoke(args.who))
    out.write(f"Revoked the card of {partner.label} ({partner.fingerprint}): its bundles are "
              "refused from now on.\n")
    return EXIT_OK


# -- bundles ---------------------------------------------------------------------------------
def _bundle_passphrase(secrets: Secrets, *, confirm: bool) -> str:
    value = secrets.get(BUNDLE_PASSPHRASE_ENV, "Bundle passphrase: ", confirm=confirm)
    assert value is not None
    return value


def cmd_bundle_export(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                      err: TextIO) -> int:
    def work(s: PartnershipSession) -> Any:
        passphrase = _bundle_passphrase(secrets, confirm=True) if args.passphrase else None
        return s.bundles.export_bundle(args.to, Path(args.out), since_last=args.since_last,
                                       passphrase=passphrase, progress=progress_to(err))

    result = run_unlocked(args, secrets, work)
    if err.isatty():
        err.write("\n")
    if result.warning:
        err.write(f"warning: {result.warning}\n")
    if args.json:
        print_json(result.to_dict(), out)
        return EXIT_OK
    records = result.counts["records"]
    out.write(f"Wrote bundle number {result.sequence} to {result.path} "
              f"({_size(result.size)}), {result.scope}, for {', '.join(result.recipients)}.\n")
    out.write(f"  {plural(records.get('case', 0), 'case')}, "
              f"{plural(sum(records.values()), 'record')}, "
              f"{plural(result.counts['documents'], 'document')}, "
              f"{plural(result.counts['deleted'], 'deletion')}.\n")
    for p in result.prerequisites:
        out.write(f"  Builds on bundle number {p['sequence']} ({uk_day(p['created_at'])}).\n")
    return EXIT_OK


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3))} kB"


def _passphrase_if_needed(s: PartnershipSession, path: Path, secrets: Secrets) -> str | None:
    if s.bundles.needs_passphrase(path):
        return _bundle_passphrase(secrets, confirm=False)
    return None


@reads_only()
def cmd_bundle_inspect(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    path = Path(args.file)

    def work(s: PartnershipSession) -> Any:
        return s.bundles.inspect(path, passphrase=_passphrase_if_needed(s, path, secrets))

    info = run_unlocked(args, secrets, work)
    if args.json:
        print_json(info, out)
        return EXIT_OK
    sender = info["sender"]
    out.write(f"Bundle number {info['sequence']} from {sender['label']} "
              f"(fingerprint {sender['fingerprint']}), made {uk_datetime(info['created_at'])}\n")
    out.write(f"  For: {', '.join(r['label'] for r in info['recipients'])}"
              f" ({info['protection']})\n")
    out.write(f"  Scope: {info['scope']}; format {info['format_version']}; schema "
              f"{info['schema_version']}; {_size(info['size'])}\n")
    recs = info["counts"].get("records", {})
    out.write("  Records: " + (", ".join(f"{n} {k}" for k, n in sorted(recs.items())) or "none")
              + f"; {plural(info['counts'].get('documents', 0), 'document')}\n")
    for p in info["prerequisites"]:
        out.write(f"  Builds on bundle number {p['sequence']} ({uk_day(p['created_at'])})\n")
    out.write(f"  Signature: {info['signature']}\n")
    if info["already_imported"]:
        out.write("  Already imported here.\n")
    if info["missing_prerequisite"]:
        out.write("  The bundle it builds on has not been imported here.\n")
    return EXIT_OK


@reads_only()
def cmd_bundle_verify(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                      err: TextIO) -> int:
    path = Path(args.file)

    def work(s: PartnershipSession) -> Any:
        return s.bundles.open_bundle(path, passphrase=_passphrase_if_needed(s, path, secrets),
                                     reapply=args.reapply)

    preview = run_unlocked(args, secrets, work)
    if args.json:
        print_json({"ok": True, **preview.to_dict()}, out)
    else:
        out.write(f"OK: signed by {preview.sender.label}, for this installation, every record "
                  f"valid. {preview.message}\n")
    return EXIT_OK


def _show_preview(preview: Any, out: TextIO) -> None:
    out.write(preview.message + "\n")
    if preview.joins_partnership:
        out.write(f"  This database joins the partnership "
                  f"'{preview.manifest.partnership_name}'.\n")
    if preview.new_cases:
        out.write("  New cases: " + ", ".join(preview.new_cases) + "\n")
    others = {k: v for k, v in preview.new_counts().items() if k != "case"}
    if others:
        out.write("  Other new records: " + ", ".join(f"{n} {k}" for k, n in others.items())
                  + "\n")
    for c in preview.plan.field_changes:
        out.write(f"  {c.label}: {c.field}: {describe_value(c.old)} -> {describe_value(c.new)}\n")
    for e, _i, lbl in preview.plan.deletions:
        out.write(f"  Deleted: {lbl} ({e})\n")
    for c in preview.plan.conflicts:
        record = f"{c.entity} {c.label or c.entity_id[:8]}"
        if c.field == DELETED:  # the values are a tombstone and an edit: say which is which
            where = ("deleted here, changed by the sender" if _is_tombstone(c.local.value)
                     else "deleted by the sender, changed here")
            out.write(f"  CONFLICT {record}: {where} (keep or delete it with "
                      "'panel-app conflicts resolve')\n")
            continue
        out.write(f"  CONFLICT {record} {c.field}: here {describe_value(_v(c.local.value))}, "
                  f"theirs {describe_value(_v(c.remote.value))}\n")
    for note in preview.plan.notes:
        out.write(f"  Note: {note}\n")


def _is_tombstone(text: str) -> bool:
    return isinstance(_v(text), dict)


def _v(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def cmd_bundle_import(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                      err: TextIO) -> int:
    path = Path(args.file)
    if args.dry_run and args.yes:
        raise CliError("Choose --dry-run or --yes, not both.")

    def work(s: PartnershipSession) -> Any:
        preview = s.bundles.open_bundle(path, passphrase=_passphrase_if_needed(s, path, secrets),
                                        reapply=args.reapply, progress=progress_to(err))
        if err.isatty():
            err.write("\n")
        if preview.status == "already_imported" or args.dry_run:
            return preview, None
        if not args.json:
            _show_preview(preview, out)
        if not args.yes:
            if not secrets.stdin.isatty():
                raise CliError("Nothing was imported: add --yes to apply the bundle, or "
                               "--dry-run to only see what it would change.")
            if not _confirm("Apply these changes?", secrets, out):
                raise CliError("Nothing was imported.")
        return preview, s.bundles.apply(preview, progress=progress_to(err))

    preview, result = run_unlocked(args, secrets, work)
    if args.json:
        print_json({"preview": preview.to_dict(),
                    "result": result.to_dict() if result else None}, out)
        return EXIT_OK
    if result is None:
        if preview.status == "already_imported":
            out.write(preview.message + "\n")
        else:
            _show_preview(preview, out)
            out.write("Dry run: nothing was changed.\n")
        return EXIT_OK
    out.write(f"Imported. {result.message}\n")
    if result.conflicts:
        out.write("Resolve the conflicts with 'panel-app conflicts list' and "
                  "'panel-app conflicts resolve'.\n")
    return EXIT_OK


@reads_only()
def cmd_bundle_history(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    rows = run_unlocked(args, secrets, lambda s: s.bundles.history())
    if args.json:
        print_json(rows, out)
        return EXIT_OK
    table([(uk_datetime(h["at"]), h["direction"], ", ".join(h["partners"]), h["sequence"],
            h["scope"], bundle_contents(h)) for h in rows],
          ["When", "Direction", "Partner", "Number", "Scope", "Contents"], out)
    return EXIT_OK


# -- conflicts -------------------------------------------------------------------------------
@reads_only()
def cmd_conflicts_list(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    found = run_unlocked(args, secrets, lambda s: s.bundles.conflicts(include_resolved=args.all))
    if args.json:
        print_json([c.to_dict() for c in found], out)
        return EXIT_OK
    if not found:
        out.write("No conflicts to resolve.\n")
        return EXIT_OK
    table([(c.id[:8], c.record, c.field, c.mine["shown"],
            f"{c.mine['who']} {uk_datetime(c.mine['at'])}", c.theirs["shown"],
            f"{c.theirs['who']} {uk_datetime(c.theirs['at'])}", c.status)
           for c in found],
          ["Id", "Record", "Field", "Here", "Changed by", "Theirs", "Changed by", "Status"], out)
    return EXIT_OK


def cmd_conflicts_resolve(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                          err: TextIO) -> int:
    choices = [c for c in ("mine", "theirs", "keep", "delete") if getattr(args, c)]
    if args.value is not None:
        choices.append("value")
    if len(choices) != 1:
        raise CliError("Choose one of --mine, --theirs, --value V, --keep or --delete.")
    value: Any = args.value
    run_unlocked(args, secrets, lambda s: s.bundles.resolve(args.id, choices[0], value))
    out.write("Resolved. The choice travels to partners in your next bundle.\n")
    return EXIT_OK


# -- parser ----------------------------------------------------------------------------------
def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp

    ident = command_group(sub, "identity", "this installation's keys and school")
    s = ident.add_parser("show", parents=[common, jsonp],
                         help="installation id, school, key fingerprint")
    s.set_defaults(func=cmd_identity_show)
    s = ident.add_parser("school", parents=[common, jsonp],
                         help="show or set the school this installation belongs to")
    s.add_argument("school", nargs="?", help="school name, code, URN or id")
    s.add_argument("--panel", action="store_true", help="this is the panel (clerk's) seat")
    s.set_defaults(func=cmd_identity_school)
    s = ident.add_parser("new", parents=[common, jsonp],
                         help="new installation id and keys (after copying a database)")
    s.add_argument("--yes", action="store_true", help="do not ask")
    s.set_defaults(func=cmd_identity_new)
    s = ident.add_parser("export-age-key", parents=[common],
                         help="write the age secret key (disaster recovery with 'age -d')")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_identity_export_age)

    card = command_group(sub, "card", "partner contact cards")
    s = card.add_parser("export", parents=[common], help="write this installation's card")
    s.add_argument("--out", required=True, help="file, or - for standard output")
    s.set_defaults(func=cmd_card_export)
    s = card.add_parser("import", parents=[common, jsonp],
                        help="add a partner's card after confirming its fingerprint")
    s.add_argument("file")
    s.add_argument("--fingerprint", help="the fingerprint the partner read out (must match)")
    s.add_argument("--school", help="the school the card belongs to, if the card's is unknown")
    s.add_argument("--panel", action="store_true", help="the card is the panel (clerk's) seat")
    s.set_defaults(func=cmd_card_import)
    s = card.add_parser("list", parents=[common, jsonp], help="the partnership directory")
    s.set_defaults(func=cmd_card_list)
    s = card.add_parser("revoke", parents=[common], help="stop trusting a card")
    s.add_argument("who", help="fingerprint, installation id, or school")
    s.set_defaults(func=cmd_card_revoke)

    bundle = command_group(sub, "bundle", "encrypted case bundles")
    s = bundle.add_parser("export", parents=[common, jsonp],
                          help="write a bundle for one or more partners")
    s.add_argument("--to", action="append", required=True, metavar="PARTNER",
                   help="school (name, code, URN), 'panel', or card fingerprint; repeatable")
    s.add_argument("--out", required=True)
    s.add_argument("--since-last", action="store_true",
                   help="only changes since the last bundle to each partner")
    s.add_argument("--passphrase", action="store_true",
                   help=f"protect with a passphrase (from {BUNDLE_PASSPHRASE_ENV}, the next "
                        "stdin line, or a prompt) for a partner with no card yet")
    s.set_defaults(func=cmd_bundle_export)
    for name, func, text in (
        ("inspect", cmd_bundle_inspect, "show a bundle's manifest"),
        ("verify", cmd_bundle_verify, "run every import check without importing"),
        ("import", cmd_bundle_import, "preview and import a bundle"),
    ):
        s = bundle.add_parser(name, parents=[common, jsonp], help=text)
        s.add_argument("file")
        if name != "inspect":
            s.add_argument("--reapply", action="store_true",
                           help="apply an older or already imported bundle again")
        if name == "import":
            s.add_argument("--dry-run", action="store_true", help="preview only")
            s.add_argument("--yes", action="store_true", help="apply without asking")
        s.set_defaults(func=func)
    s = bundle.add_parser("history", parents=[common, jsonp], help="bundles sent and received")
    s.set_defaults(func=cmd_bundle_history)

    conflicts = command_group(sub, "conflicts", "conflicting edits to resolve")
    s = conflicts.add_parser("list", parents=[common, jsonp], help="conflicts to resolve")
    s.add_argument("--all", action="store_true", help="include resolved ones")
    s.set_defaults(func=cmd_conflicts_list)
    s = conflicts.add_parser("resolve", parents=[common], help="settle one conflict")
    s.add_argument("id", help="conflict id (the first 8 characters are enough)")
    for flag, text in (("mine", "keep the value here"), ("theirs", "take the partner's value"),
                       ("keep", "keep a record deleted elsewhere"),
                       ("delete", "delete a record deleted elsewhere")):
        s.add_argument(f"--{flag}", action="store_true", help=text)
    s.add_argument("--value", help="set a new value instead")
    s.set_defaults(func=cmd_conflicts_resolve)
