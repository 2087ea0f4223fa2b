"""Privacy and accountability: the audit trail (list, verify, export a case's history),
retention (policy, review, purge), lawful deletion of one record, and subject-access
exports."""

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
    print_json,
    progress_to,
    reads_only,
    run_unlocked,
    table,
)
from panel_app.core.domain.retention import LAWFUL_REASONS
from panel_app.core.services import PartnershipSession
from panel_app.core.services.privacy import ACTION_GROUPS, PurgePlan, kind_label


# -- audit ---------------------------------------------------------------------------------
@reads_only()
def cmd_audit_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    entries = run_unlocked(args, secrets, lambda s: s.privacy.audit_entries(
        case=args.case, action=args.action, since=args.since, person=args.person,
        limit=args.limit or None))
    if args.json:
        print_json([e.to_dict() for e in entries], out)
        return EXIT_OK
    rows = [(e.seq, e.at[:19].replace("T", " "), e.actor, e.action,
             f"{kind_label(e.entity)} {e.entity_id[:8]}" if e.entity else "",
             ", ".join(e.fields) or ", ".join(f"{k}={v}" for k, v in e.detail.items()
                                               if not isinstance(v, dict)))
            for e in entries]
    table(rows, ["#", "when", "who", "action", "record", "fields"], out)
    return EXIT_OK


@reads_only()
def cmd_audit_verify(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                     err: TextIO) -> int:
    check = run_unlocked(args, secrets, lambda s: s.privacy.verify_audit())
    if args.json:
        print_json(check.to_dict(), out)
    elif check.ok:
        out.write(check.text + "\n")
    else:
        for problem in check.problems:
            out.write(f"entry {problem.seq}: {problem.code}\n")
        err.write(f"panel-app: {check.text}\n")
    return EXIT_OK if check.ok else EXIT_FAIL


def cmd_audit_export(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                     err: TextIO) -> int:
    written = run_unlocked(args, secrets, lambda s: s.privacy.export_audit(
        args.case, Path(args.out).expanduser()))
    if args.json:
        print_json(written.to_dict(), out)
        return EXIT_OK
    out.write(f"The history of {args.case} was written to {written.path}.\n")
    err.write(f"warning: {written.notice}\n")
    return EXIT_OK


# -- retention -----------------------------------------------------------------------------
@reads_only("set")
def cmd_retention_policy(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                         err: TextIO) -> int:
    def work(s: PartnershipSession) -> Any:
        if args.set:
            values = {}
            for item in args.set:
                key, sep, value = item.partition("=")
                if not sep:
                    raise CliError(f"'{item}' is not RULE=NUMBER (for example "
                                   "closed_case_years=7).")
                values[key.strip()] = value.strip()
            s.privacy.set_retention_policy(**values)
        return s.privacy.retention_rules()

    rules = run_unlocked(args, secrets, work)
    if args.json:
        print_json([r.to_dict() for r in rules], out)
        return EXIT_OK
    for r in rules:
        value = "off" if r.value == 0 else f"{r.value} {r.unit}"
        default = "" if r.value == r.default else f" (default {r.default})"
        out.write(f"{r.label}: {value}{default}   [{r.key}]\n    {r.reason}\n")
    return EXIT_OK


@reads_only()
def cmd_retention_review(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                         err: TextIO) -> int:
    items = run_unlocked(args, secrets, lambda s: s.privacy.due_for_review())
    if args.json:
        print_json([i.to_dict() for i in items], out)
        return EXIT_OK
    if not items:
        out.write("No case is due for review under the retention policy.\n")
        return EXIT_OK
    table([(i.case_ref, i.pupil, i.status, i.due_since.strftime("%d/%m/%Y"),
            i.reasons[0].text) for i in items],
          ["case", "pupil", "status", "due since", "why"], out)
    out.write(f"{len(items)} case(s) due for review: 'panel-app retention purge' shows what "
              "would be removed, and asks before removing it.\n")
    return EXIT_OK


def _show_plan(plan: PurgePlan, out: TextIO) -> None:
    for line in plan.lines():
        out.write("- " + line.replace("\n", "\n  ") + "\n")  # "Kept: ..." indented


def _confirm_purge(plan: PurgePlan, args: argparse.Namespace, secrets: Secrets,
                   out: TextIO) -> None:
    if args.yes:
        return
    if not secrets.stdin.isatty():
        raise CliError("Nothing was removed: add --yes to remove what is listed, or "
                       "--dry-run to only see it.")
    out.write("Type PURGE to remove all of this for good: ")
    out.flush()
    if secrets.stdin.readline().strip() != "PURGE":
        raise CliError("Nothing was removed.")


def _apply(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO,
           plan_of: Any) -> int:
    if args.dry_run and args.yes:
        raise CliError("Choose --dry-run or --yes, not both.")

    def work(s: PartnershipSession) -> Any:
        plan = plan_of(s)
        if plan.empty or args.dry_run:
            return plan, None
        if not args.json:
            _show_plan(plan, out)
        _confirm_purge(plan, args, secrets, out)
        return plan, s.privacy.purge(plan, progress=progress_to(err),
                                     remove_backups=not args.keep_backups)

    plan, result = run_unlocked(args, secrets, work)
    if err.isatty() and result is not None:
        err.write("\n")
    if args.json:
        print_json({"plan": plan.to_dict(), "result": result.to_dict() if result else None},
                   out)
        return EXIT_OK
    if plan.empty:
        out.write("Nothing is due: no case was removed.\n")
    elif result is None:
        _show_plan(plan, out)
        out.write("Dry run: nothing was removed.\n")
    else:
        out.write(result.message + "\n")
    return EXIT_OK


def cmd_retention_purge(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                        err: TextIO) -> int:
    return _apply(args, secrets, out, err,
                  lambda s: s.privacy.plan_purge(args.case or None))


def cmd_delete(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    return _apply(args, secrets, out, err, lambda s: s.privacy.plan_deletion(
        args.record, reason=args.reason, field=args.field))


# -- subject access ------------------------------------------------------------------------
def cmd_sar(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    result = run_unlocked(args, secrets, lambda s: s.privacy.write_subject_access(
        args.case, Path(args.out).expanduser(), documents=args.documents))
    if args.json:
        print_json(result.to_dict(), out)
        return EXIT_OK
    for f in result.files:
        out.write(f"Wrote {f.path}\n")
    out.write(f"{result.redactions} passages had other pupils' details removed.\n")
    if result.third_party:
        out.write("Review before release:\n")
        for t in result.third_party:
            out.write(f"- {t.where}: {t.what}\n")
    err.write(f"warning: {result.notice}\n")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------
def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp
    audit = command_group(sub, "audit", "the tamper-evident audit trail")
    s = audit.add_parser("list", parents=[common, jsonp], help="entries, newest first")
    s.add_argument("--case", help="only about this case (and its pupil and records)")
    s.add_argument("--action", help="an action, or a group: " + ", ".join(ACTION_GROUPS))
    s.add_argument("--since", help="from this date (dd/mm/yyyy)")
    s.add_argument("--person", help="by this person (part of the name)")
    s.add_argument("--limit", type=int, default=200, help="at most N entries (0: all)")
    s.set_defaults(func=cmd_audit_list)
    s = audit.add_parser("verify", parents=[common, jsonp],
                         help="check the hash chain; exit 1 naming the first broken entry")
    s.set_defaults(func=cmd_audit_verify)
    s = audit.add_parser("export", parents=[common, jsonp],
                         help="a case's history as CSV (not encrypted)")
    s.add_argument("case")
    s.add_argument("--out", required=True, metavar="FILE.csv")
    s.set_defaults(func=cmd_audit_export)

    ret = command_group(sub, "retention", "retention policy and purge")
    s = ret.add_parser("policy", parents=[common, jsonp],
                       help="the rules with their reasons; --set RULE=N to change one")
    s.add_argument("--set", action="append", metavar="RULE=N")
    s.set_defaults(func=cmd_retention_policy)
    s = ret.add_parser("review", parents=[common, jsonp], help="cases due for review")
    s.set_defaults(func=cmd_retention_review)
    s = ret.add_parser("purge", parents=[common, jsonp],
                       help="remove the cases due (asks first; --yes without a terminal)")
    s.add_argument("--case", action="append", help="only this due case (repeatable)")
    s.add_argument("--yes", action="store_true", help="remove without asking")
    s.add_argument("--dry-run", action="store_true", help="only show what would go")
    s.add_argument("--keep-backups", action="store_true",
                   help="keep the older backups that hold what is removed (by default "
                        "they are overwritten and deleted after the purge)")
    s.set_defaults(func=cmd_retention_purge)

    s = sub.add_parser("delete", parents=[common, jsonp],
                       help="lawful deletion of one record (or one field) with a reason")
    s.add_argument("record", help="a case reference, or KIND:ID (e.g. case_note:3f2a9c)")
    s.add_argument("--reason", required=True, choices=sorted(LAWFUL_REASONS))
    s.add_argument("--field", help="erase only this field of the record")
    s.add_argument("--yes", action="store_true", help="delete without asking")
    s.add_argument("--dry-run", action="store_true", help="only show what would go")
    s.add_argument("--keep-backups", action="store_true",
                   help="keep the older backups that hold what is removed")
    s.set_defaults(func=cmd_delete)

    s = sub.add_parser("sar", parents=[common, jsonp],
                       help="subject-access export of a case's pupil (PDF and JSON)")
    s.add_argument("case")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--documents", action="store_true",
                   help="also copy the attached documents (not encrypted)")
    s.set_defaults(func=cmd_sar)
