"""`panel-app ladder ...`, `panel-app evidence ...` and `panel-app calendar ...`.

The intervention ladder (show, presets, history, load, edit), checks of a case against it
(check, checks, override), evidence on cases, and the school calendar of term dates.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from panel_app.cli.common import (
    EXIT_OK,
    CliError,
    Parents,
    Secrets,
    command_group,
    given_options,
    print_json,
    read_file,
    reads_only,
    school_year,
    show_warnings,
    table,
    unlocked,
)
from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.dates import format_uk, parse_date
from panel_app.core.domain.ladder import (
    VERIFY_ROLES,
    Action,
    Evidence,
    Outcome,
    action_label,
    outcome_label,
)
from panel_app.core.domain.models import Role
from panel_app.core.rules.ladder import STATUS_LABELS, LadderCheck
from panel_app.core.services import PartnershipSession
from panel_app.core.services.ladders import LadderVersion, load_preset, preset_names

ACTIONS = [a.value for a in Action]
OUTCOMES = [o.value for o in Outcome]
MARK = {"met": "[MET]", "partly_met": "[PARTLY]", "missing": "[MISSING]"}


def _attachments(paths: Sequence[str] | None) -> list[tuple[str, bytes]]:
    return [(Path(p).name, read_file(p)) for p in paths or []]


def _date(text: str, what: str) -> Any:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise CliError(f"{what}: {exc}") from None


# -- ladder ----------------------------------------------------------------------------------


def _write_ladder(version: LadderVersion, out: TextIO) -> None:
    ladder = version.ladder
    out.write(
        f"{ladder.name} (version {version.number}"
        + (f", from preset {ladder.preset}" if ladder.preset else "")
        + f"; saved {format_uk(version.created_at.date())} by {version.created_by})\n"
    )
    if ladder.description:
        out.write(f"{ladder.description}\n")
    for n, step in enumerate(ladder.steps, start=1):
        out.write(f"\nStep {n}  {step.name}  [key {step.key}]\n")
        if step.unlocks:
            out.write(
                "  Once met, the school may ask for: "
                + ", ".join(action_label(a) for a in step.unlocks)
                + "\n"
            )
        if step.description:
            out.write(f"  {step.description}\n")
        if step.min_optional:
            out.write(f"  At least {step.min_optional} of the optional items.\n")
        if not step.items:
            out.write("  (no evidence items yet)\n")
        for item in step.items:
            rule = item.requirement_text()
            out.write(f"  - {item.kind}: {item.label}" + (f" ({rule})" if rule else "") + "\n")


def _current_or_fail(session: PartnershipSession) -> LadderVersion:
    version = session.ladders.current()
    if version is None:
        raise CliError(
            "This partnership has no ladder yet: load one with 'panel-app ladder "
            f"load PRESET' ({', '.join(preset_names())})."
        )
    return version


@reads_only()
def cmd_ladder_show(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        version = (
            session.ladders.get_version(args.version) if args.version else session.ladders.current()
        )
    if args.json:
        print_json({"ladder": version.to_dict() if version else None}, out)
        return EXIT_OK
    if version is None:
        out.write(
            "This partnership has no ladder yet: load one with 'panel-app ladder load "
            f"PRESET' ({', '.join(preset_names())}).\n"
        )
        return EXIT_OK
    _write_ladder(version, out)
    return EXIT_OK


@reads_only()
def cmd_ladder_presets(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    presets = [(name, load_preset(name)) for name in preset_names()]
    if args.json:
        print_json(
            [
                {"preset": n, "name": p.name, "steps": len(p.steps), "description": p.description}
                for n, p in presets
            ],
            out,
        )
        return EXIT_OK
    table([(n, p.name, len(p.steps)) for n, p in presets], ["Preset", "Ladder", "Steps"], out)
    return EXIT_OK


@reads_only()
def cmd_ladder_history(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        versions = session.ladders.history()
    if args.json:
        print_json(
            [
                {k: v for k, v in ver.to_dict().items() if k != "definition"}
                | {"name": ver.ladder.name, "steps": len(ver.ladder.steps)}
                for ver in versions
            ],
            out,
        )
        return EXIT_OK
    table(
        [
            (
                v.number,
                format_uk(v.created_at.date()),
                v.created_by,
                len(v.ladder.steps),
                v.note,
                v.id,
            )
            for v in versions
        ],
        ["Version", "Saved", "By", "Steps", "Note", "Id"],
        out,
    )
    return EXIT_OK


def cmd_ladder_load(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    source = args.source
    definition = None
    if source.lower().endswith(".json") or Path(source).is_file():
        name = Path(source).name
        try:
            text = read_file(source).decode("utf-8-sig")  # a byte-order mark is allowed
        except UnicodeDecodeError:
            raise CliError(
                f"{name} is not a UTF-8 JSON ladder file: save it as UTF-8 (as 'panel-app "
                "ladder show --json' writes it) and load it again. Nothing was changed."
            ) from None
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"{name} is not a JSON ladder file ({exc}).") from None
    with unlocked(args, secrets) as session:
        if definition is None:
            changes = session.ladders.load_preset(source, note=args.note or "")
        else:
            changes = session.ladders.replace(definition, note=args.note or "")
        version = _current_or_fail(session)
    if args.json:
        print_json(version.to_dict() | {"changed": bool(changes)}, out)
    elif changes:
        out.write(
            f"Ladder is now '{version.ladder.name}', version {version.number} "
            f"({len(version.ladder.steps)} steps). Earlier checks keep their version.\n"
        )
    else:
        out.write(f"No change: the ladder already is '{version.ladder.name}'.\n")
    return EXIT_OK


def _item_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = given_options(
        args, {opt: opt for opt in ("description", "min_weeks", "min_terms", "min_count")}
    )
    if args.document is not None:
        fields["document_required"] = args.document
    if args.optional is not None:
        fields["optional"] = args.optional
    if args.verify is not None:
        fields["verify_role"] = "" if args.verify.lower() in {"", "none"} else args.verify
    for opt, clear, name in (
        ("outcome", "no_outcomes", "outcomes"),
        ("early_exit", "no_early_exit", "early_exit_ok"),
        ("for_action", "all_requests", "applies_to"),
    ):
        if getattr(args, clear, False):
            fields[name] = ()
        elif getattr(args, opt, None):
            fields[name] = tuple(getattr(args, opt))
    return fields


def cmd_ladder_edit(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    note = args.note or ""
    with unlocked(args, secrets) as session:
        lad = session.ladders
        what = args.edit_command
        if what == "add-step":
            changes = lad.add_step(
                args.name,
                key=args.key,
                description=args.description or "",
                unlocks=args.unlocks or (),
                min_optional=args.min_optional or 0,
                position=args.position,
                note=note,
            )
        elif what == "set-step":
            unlocks = () if args.no_unlocks else (args.unlocks or None)
            changes = lad.update_step(
                args.step,
                name=args.name,
                description=args.description,
                unlocks=unlocks,
                min_optional=args.min_optional,
                note=note,
            )
        elif what == "move-step":
            changes = lad.move_step(args.step, args.position, note=note)
        elif what == "remove-step":
            changes = lad.remove_step(args.step, note=note)
        elif what == "add-item":
            changes = lad.add_item(
                args.step,
                args.kind,
                label=args.label,
                position=args.position,
                note=note,
                **_item_fields(args),
            )
        elif what == "set-item":
            fields = _item_fields(args)
            if args.label is not None:
                fields["label"] = args.label
            changes = lad.update_item(args.step, args.kind, note=note, **fields)
        elif what == "move-item":
            changes = lad.move_item(args.step, args.kind, args.position, note=note)
        elif what == "remove-item":
            changes = lad.remove_item(args.step, args.kind, note=note)
        else:  # rename
            changes = lad.set_details(name=args.name, description=args.description, note=note)
        version = lad.current()
    if args.json:
        print_json(
            {"changed": bool(changes), "ladder": version.to_dict() if version else None}, out
        )
    elif changes and version is not None:
        out.write(
            f"Saved the ladder as version {version.number}; earlier checks keep the "
            "version they were checked against.\n"
        )
    else:
        out.write("No change to the ladder.\n")
    return EXIT_OK


def _reason_line(reason: Any) -> str:
    return ("ok    " if reason.ok else "needs ") + reason.message


def _write_check(check: LadderCheck, out: TextIO) -> None:
    out.write(
        f"Case {check.case_ref}: ladder check for {check.action_label} on {format_uk(check.on)}\n"
    )
    if check.ladder_version:
        out.write(f"Ladder: {check.ladder_name}, version {check.ladder_version}\n")
    out.write(f"Verdict: {check.verdict_text()}\n")
    for reason in check.reasons:
        out.write(f"  {reason.message}\n")
    if check.override is not None:
        out.write(
            f"  Override by {check.override.by} on {format_uk(check.override.at.date())}: "
            f"{check.override.reason}\n"
        )
    for step in check.steps:
        mark = MARK.get(step.status, step.status)
        extra = "" if step.needed else f"  (not needed for {check.action_label})"
        out.write(f"{mark:<10}Step {step.number}  {step.name}{extra}\n")
        for reason in step.reasons:
            out.write(f"            {_reason_line(reason)}\n")
        for item in step.items:
            if not item.required and item.status == "missing":
                continue  # the step's own reason says how many optional items it needs
            for reason in item.reasons:
                out.write(f"            {_reason_line(reason)}\n")
    if check.recorded:
        out.write(f"Recorded as check {check.id}.\n")


@reads_only("record", "override_reason", "override_by")
def cmd_ladder_check(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        if args.record or args.override_reason or args.override_by:
            check, _ = session.ladders.record_check(
                args.case,
                args.action,
                args.on,
                override_reason=args.override_reason or "",
                override_by=args.override_by or "",
            )
        else:
            check = session.ladders.check(args.case, args.action, args.on)
    if args.json:
        print_json(check.to_dict(), out)
    else:
        _write_check(check, out)
    return EXIT_OK


@reads_only()
def cmd_ladder_checks(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        checks = session.ladders.list_checks(args.case)
    if args.json:
        print_json([c.to_dict() for c in checks], out)
        return EXIT_OK
    table(
        [
            (
                c.id[:10],
                format_uk(c.on),
                c.action,
                STATUS_LABELS.get(c.verdict, c.verdict),
                "yes" if c.overridden else "",
                c.ladder_version,
                format_uk(c.checked_at.date()) if c.checked_at else "",
                c.checked_by,
            )
            for c in checks
        ],
        ["Check", "On", "Request", "Verdict", "Overridden", "Ladder v.", "Recorded", "By"],
        out,
    )
    return EXIT_OK


def cmd_ladder_override(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    with unlocked(args, secrets) as session:
        check, _ = session.ladders.override_check(args.check, args.reason, args.by)
    if args.json:
        print_json(check.to_dict(), out)
    else:
        out.write(
            f"Check {check.id} for {check.action_label} is overridden by {args.by.strip()}; "
            "the override is shown wherever the check is.\n"
        )
    return EXIT_OK


# -- evidence --------------------------------------------------------------------------------


def _step_names(session: PartnershipSession) -> dict[str, tuple[int, str]]:
    version = session.ladders.current()
    if version is None:
        return {}
    return {s.key: (n, s.name) for n, s in enumerate(version.ladder.steps, start=1)}


def _evidence_json(ev: Evidence, steps: dict[str, tuple[int, str]]) -> dict[str, Any]:
    number, name = steps.get(ev.step_key, (None, ""))
    return ev.to_dict() | {
        "step_number": number,
        "step_name": name,
        "in_ladder": ev.step_key in steps,
    }


def _write_evidence(ev: Evidence, steps: dict[str, tuple[int, str]], out: TextIO) -> None:
    number, name = steps.get(ev.step_key, (None, "no longer in the ladder"))
    dates = format_uk(ev.started_on) + (f" to {format_uk(ev.ended_on)}" if ev.ended_on else "")
    out.write(
        f"Evidence {ev.id}: step {number or '-'} ({name}), {ev.kind}, {dates}, "
        f"{outcome_label(ev.outcome)}\n"
    )
    if ev.review_on:
        out.write(f"  Review {format_uk(ev.review_on)}\n")
    if ev.verified:
        assert ev.verified_at is not None
        out.write(
            f"  Verified by {ev.verified_by}"
            + (f" ({ev.verified_role})" if ev.verified_role else "")
            + f" on {format_uk(ev.verified_at.date())}\n"
        )
    for doc in ev.documents:
        out.write(f"  Document {doc.filename} ({doc.size:,} bytes) id {doc.id}\n")


def _saved_evidence(
    args: argparse.Namespace,
    saved: Any,
    steps: dict[str, tuple[int, str]],
    out: TextIO,
    err: TextIO,
    *,
    extra: dict[str, Any] | None = None,
    text: str = "",
) -> int:
    """Saved evidence: the warnings, then with --json the record (with ``extra``), else
    ``text`` or the record written out."""
    show_warnings(saved.warnings, err)
    if args.json:
        print_json(
            _evidence_json(saved.evidence, steps)
            | (extra or {})
            | {"warnings": [w.to_dict() for w in saved.warnings]},
            out,
        )
    elif text:
        out.write(text)
    else:
        _write_evidence(saved.evidence, steps, out)
    return EXIT_OK


def cmd_evidence_add(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    attachments = _attachments(args.attach)
    with unlocked(args, secrets) as session:
        saved = session.ladders.add_evidence(
            args.case,
            step=args.step,
            kind=args.kind,
            started_on=args.start,
            ended_on=args.end,
            review_on=args.review,
            outcome=args.outcome or "",
            notes=args.notes or "",
            document_ids=args.document or (),
            attachments=attachments,
        )
        steps = _step_names(session)
    return _saved_evidence(args, saved, steps, out, err)


def cmd_evidence_update(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    values = given_options(
        args,
        {
            "start": "started_on",
            "end": "ended_on",
            "review": "review_on",
            "outcome": "outcome",
            "notes": "notes",
        },
    )
    attachments = _attachments(args.attach)
    with unlocked(args, secrets) as session:
        saved = session.ladders.update_evidence(
            args.id, values, document_ids=args.document or (), attachments=attachments
        )
        steps = _step_names(session)
    return _saved_evidence(args, saved, steps, out, err, extra={"changed": bool(saved.changes)})


@reads_only()
def cmd_evidence_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        records = session.ladders.list_evidence(args.case)
        steps = _step_names(session)
    if args.json:
        print_json([_evidence_json(e, steps) for e in records], out)
        return EXIT_OK
    table(
        [
            (
                e.id[:10],
                steps.get(e.step_key, ("-", ""))[0],
                e.kind,
                format_uk(e.started_on),
                format_uk(e.ended_on),
                format_uk(e.review_on),
                outcome_label(e.outcome),
                e.verified_by,
                len(e.documents),
            )
            for e in records
        ],
        ["Evidence", "Step", "Item", "Start", "End", "Review", "Outcome", "Verified by", "Docs"],
        out,
    )
    return EXIT_OK


def cmd_evidence_verify(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    with unlocked(args, secrets) as session:
        saved = session.ladders.verify_evidence(args.id, by=args.by, role=args.role)
        steps = _step_names(session)
    ev = saved.evidence
    text = (
        f"Verified evidence {ev.id} by {ev.verified_by}"
        + (f" ({ev.verified_role})" if ev.verified_role else "")
        + ".\n"
    )
    return _saved_evidence(args, saved, steps, out, err, text=text)


def cmd_evidence_remove(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    with unlocked(args, secrets) as session:
        session.ladders.remove_evidence(args.id)
    out.write("Evidence record removed from the case (recorded checks still show it).\n")
    return EXIT_OK


# -- calendar --------------------------------------------------------------------------------


@reads_only()
def cmd_calendar_show(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        year = school_year(args.year)
        years = [year] if year is not None else session.calendar.years_to_show()
        shown = [session.calendar.year(y) for y in years]
    if args.json:
        print_json({"years": shown}, out)
        return EXIT_OK
    for n, y in enumerate(shown):
        if n:
            out.write("\n")
        source = (
            "term dates entered for this partnership"
            if y["source"] == "stored"
            else "England default pattern: import your own with 'panel-app calendar import'"
        )
        out.write(f"{y['label']}: {y['school_days']} school days ({source})\n")
        for t in y["terms"]:
            half = ""
            if t["half_term_start"]:
                half = (
                    f"  half term {format_uk(parse_date(t['half_term_start']))} to "
                    f"{format_uk(parse_date(t['half_term_end']))}"
                )
            out.write(
                f"  {t['name']:<8} {format_uk(parse_date(t['start']))} to "
                f"{format_uk(parse_date(t['end']))}{half}  ({t['school_days']} days)\n"
            )
            if t["closures"]:
                out.write(
                    "           closed: "
                    + ", ".join(format_uk(parse_date(c)) for c in t["closures"])
                    + "\n"
                )
    return EXIT_OK


def cmd_calendar_import(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    raw = read_file(args.file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # spreadsheets saved on Windows
    with unlocked(args, secrets) as session:
        changes = session.calendar.import_csv(text)
        years = session.calendar.stored_years()
    if args.json:
        print_json({"changed": bool(changes), "stored_years": [year_label(y) for y in years]}, out)
    elif changes:
        out.write(
            "Imported the term dates. Years with entered dates: "
            + ", ".join(year_label(y) for y in years)
            + ".\n"
        )
    else:
        out.write("No change: the calendar already has these dates.\n")
    return EXIT_OK


@reads_only()
def cmd_calendar_export(
    args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO
) -> int:
    with unlocked(args, secrets) as session:
        year = school_year(args.year)
        text = session.calendar.export_csv([year] if year is not None else None)
    out.write(text)
    return EXIT_OK


def cmd_calendar_reset(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    year = school_year(args.year)
    assert year is not None
    with unlocked(args, secrets) as session:
        changes = session.calendar.reset_year(year)
    out.write(
        f"{year_label(year)} now uses the England default pattern.\n"
        if changes
        else f"{year_label(year)} had no entered dates.\n"
    )
    return EXIT_OK


@reads_only()
def cmd_calendar_count(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    start, end = _date(args.start, "From"), _date(args.end, "To")
    if args.weeks is not None and args.weeks < 0:
        raise CliError("--weeks must not be negative.")
    with unlocked(args, secrets) as session:
        cal = session.calendar.calendar()
    days = cal.school_days_between(start, end)
    data = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "school_days": days,
        "school_weeks": round(days / 5, 1),
        "terms": round(cal.terms_between(start, end), 2),
        "half_terms": round(cal.half_terms_between(start, end), 2),
    }
    if args.weeks is not None:
        data["after_weeks"] = {
            "weeks": args.weeks,
            "date": cal.add_school_weeks(start, args.weeks).isoformat(),
        }
    if args.json:
        print_json(data, out)
        return EXIT_OK
    out.write(
        f"From {format_uk(start)} to {format_uk(end)}: {days} school days "
        f"({data['school_weeks']:g} school weeks, {data['terms']:g} terms, "
        f"{data['half_terms']:g} half terms).\n"
    )
    if args.weeks is not None:
        out.write(
            f"{args.weeks} school weeks after {format_uk(start)} is "
            f"{format_uk(cal.add_school_weeks(start, args.weeks))}.\n"
        )
    return EXIT_OK


# -- parser ----------------------------------------------------------------------------------


def _item_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--label", help="what the item is called")
    p.add_argument("--description")
    p.add_argument(
        "--min-weeks", dest="min_weeks", type=int, help="school weeks it must have run (0 for none)"
    )
    p.add_argument(
        "--min-terms", dest="min_terms", type=float, help="terms it must have run (0 for none)"
    )
    p.add_argument("--min-count", dest="min_count", type=int, help="records needed")
    p.add_argument(
        "--outcome",
        action="append",
        choices=OUTCOMES,
        help="it counts once ended with this outcome (repeatable)",
    )
    p.add_argument("--no-outcomes", action="store_true", help="any outcome counts")
    p.add_argument(
        "--early-exit",
        dest="early_exit",
        action="append",
        choices=OUTCOMES,
        help="this outcome counts before the minimum duration (repeatable)",
    )
    p.add_argument("--no-early-exit", dest="no_early_exit", action="store_true")
    p.add_argument(
        "--document",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a document must be attached",
    )
    p.add_argument(
        "--verify",
        metavar="ROLE",
        choices=[*VERIFY_ROLES, "none"],
        help=f"who must verify: {', '.join(VERIFY_ROLES)}, or none",
    )
    p.add_argument(
        "--for",
        dest="for_action",
        action="append",
        choices=ACTIONS,
        help="only needed for this request (repeatable)",
    )
    p.add_argument(
        "--all-requests", dest="all_requests", action="store_true", help="needed for every request"
    )
    p.add_argument(
        "--optional",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="optional (counts towards the step's minimum of optional items)",
    )


def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp

    # ladder
    lad = command_group(sub, "ladder", "the intervention ladder and checks against it")
    s = lad.add_parser("show", parents=[common, jsonp], help="the ladder, step by step")
    s.add_argument("--version", help="an earlier version (number or id)")
    s.set_defaults(func=cmd_ladder_show)
    s = lad.add_parser("presets", parents=[common, jsonp], help="the ladders that ship")
    s.set_defaults(func=cmd_ladder_presets)
    s = lad.add_parser("history", parents=[common, jsonp], help="versions of the ladder")
    s.set_defaults(func=cmd_ladder_history)
    s = lad.add_parser(
        "load",
        parents=[common, jsonp],
        help="replace the ladder with a preset or a JSON file (new version)",
    )
    s.add_argument(
        "source",
        help=f"a preset ({', '.join(preset_names())}) or a .json file "
        "as 'ladder show --json' prints",
    )
    s.add_argument("--note", help="why (kept with the version)")
    s.set_defaults(func=cmd_ladder_load)
    s = lad.add_parser(
        "check",
        parents=[common, jsonp],
        help="is the ladder met for a request? per step: met, partly, missing",
    )
    s.add_argument("case", help="case reference (C-XXXXXX) or id")
    s.add_argument("--for", dest="action", required=True, choices=ACTIONS)
    s.add_argument("--on", help="check as on this date (dd/mm/yyyy; default today)")
    s.add_argument(
        "--record",
        action="store_true",
        help="store the result so proposals and minutes can refer to it",
    )
    s.add_argument(
        "--override-reason",
        dest="override_reason",
        help="record an override of a check that is not met (needs --override-by)",
    )
    s.add_argument("--override-by", dest="override_by", help="who agreed the override")
    s.set_defaults(func=cmd_ladder_check)
    s = lad.add_parser("checks", parents=[common, jsonp], help="recorded checks of a case")
    s.add_argument("case")
    s.set_defaults(func=cmd_ladder_checks)
    s = lad.add_parser(
        "override", parents=[common, jsonp], help="override a recorded check that is not met"
    )
    s.add_argument("check", help="check id (or its first characters)")
    s.add_argument("--reason", required=True)
    s.add_argument("--by", required=True, help="who agreed the override")
    s.set_defaults(func=cmd_ladder_override)

    edit = command_group(
        lad, "edit", "change the ladder (each change is a new version)", metavar="CHANGE"
    )

    def ep(name: str, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = edit.add_parser(name, parents=[common, jsonp], help=text)
        p.add_argument("--note", help="why (kept with the version)")
        p.set_defaults(func=cmd_ladder_edit)
        return p

    s = ep("add-step", "add a step")
    s.add_argument("name")
    s.add_argument("--key", help="stable key (default: from the name)")
    s.add_argument("--description")
    s.add_argument(
        "--unlocks",
        action="append",
        choices=ACTIONS,
        help="request allowed once this step is met (repeatable)",
    )
    s.add_argument("--min-optional", dest="min_optional", type=int)
    s.add_argument("--position", type=int, help="1 = first (default: last)")
    s = ep("set-step", "change a step's name, description or what it unlocks")
    s.add_argument("step", help="step number, key or name")
    s.add_argument("--name")
    s.add_argument("--description")
    s.add_argument("--unlocks", action="append", choices=ACTIONS)
    s.add_argument("--no-unlocks", dest="no_unlocks", action="store_true")
    s.add_argument("--min-optional", dest="min_optional", type=int)
    s = ep("move-step", "move a step to another position")
    s.add_argument("step")
    s.add_argument("position", type=int)
    s = ep("remove-step", "remove a step (its evidence stays on the cases)")
    s.add_argument("step")
    s = ep("add-item", "add an evidence item to a step")
    s.add_argument("step")
    s.add_argument("kind", help="item kind, e.g. psp, outreach, family_meeting")
    s.add_argument("--position", type=int)
    _item_options(s)
    s = ep("set-item", "change an evidence item")
    s.add_argument("step")
    s.add_argument("kind")
    _item_options(s)
    s = ep("move-item", "move an item within its step")
    s.add_argument("step")
    s.add_argument("kind")
    s.add_argument("position", type=int)
    s = ep("remove-item", "remove an item from a step")
    s.add_argument("step")
    s.add_argument("kind")
    s = ep("rename", "change the ladder's name or description")
    s.add_argument("--name")
    s.add_argument("--description")

    # evidence
    ev = command_group(sub, "evidence", "evidence of ladder steps on a case")
    s = ev.add_parser("add", parents=[common, jsonp], help="record evidence on a case")
    s.add_argument("case", help="case reference (C-XXXXXX) or id")
    s.add_argument("--step", required=True, help="step number, key or name")
    s.add_argument("--kind", required=True, help="the step's item kind (see 'ladder show')")
    s.add_argument("--start", required=True, help="start date (or date of the meeting)")
    s.add_argument("--end", help="end date")
    s.add_argument("--review", help="review date")
    s.add_argument(
        "--outcome", choices=OUTCOMES, help="default: completed with an end date, else ongoing"
    )
    s.add_argument("--notes")
    s.add_argument(
        "--attach",
        action="append",
        metavar="FILE",
        help="attach a file (stored encrypted with the case; repeatable)",
    )
    s.add_argument(
        "--document",
        action="append",
        metavar="DOC_ID",
        help="link a document already on the case (repeatable)",
    )
    s.set_defaults(func=cmd_evidence_add)
    s = ev.add_parser(
        "update",
        parents=[common, jsonp],
        help="change dates, outcome or notes, or attach documents",
    )
    s.add_argument("id", help="evidence id (or its first characters)")
    s.add_argument("--start")
    s.add_argument("--end", help="end date ('' to clear)")
    s.add_argument("--review", help="review date ('' to clear)")
    s.add_argument("--outcome", choices=OUTCOMES)
    s.add_argument("--notes")
    s.add_argument("--attach", action="append", metavar="FILE")
    s.add_argument("--document", action="append", metavar="DOC_ID")
    s.set_defaults(func=cmd_evidence_update)
    s = ev.add_parser("list", parents=[common, jsonp], help="evidence on a case")
    s.add_argument("case")
    s.set_defaults(func=cmd_evidence_list)
    s = ev.add_parser("verify", parents=[common, jsonp], help="record who verified it, and when")
    s.add_argument("id")
    s.add_argument("--by", help="who verifies (default: you)")
    s.add_argument(
        "--role", choices=[r.value for r in Role], help="their role (default: from the people list)"
    )
    s.set_defaults(func=cmd_evidence_verify)
    s = ev.add_parser("remove", parents=[common], help="take an evidence record off the case")
    s.add_argument("id")
    s.set_defaults(func=cmd_evidence_remove)

    # calendar
    cal = command_group(sub, "calendar", "school term dates")
    s = cal.add_parser("show", parents=[common, jsonp], help="terms, half terms, school days")
    s.add_argument(
        "--year",
        help=f"school year, e.g. {year_label(2026)} (default: entered years and the current one)",
    )
    s.set_defaults(func=cmd_calendar_show)
    s = cal.add_parser("import", parents=[common, jsonp], help="import term dates from CSV")
    s.add_argument(
        "file",
        help="CSV with columns term, start, end, half_term_start, "
        "half_term_end (dd/mm/yyyy); 'closure' rows for closed days",
    )
    s.set_defaults(func=cmd_calendar_import)
    s = cal.add_parser("export", parents=[common], help="term dates as CSV (import format)")
    s.add_argument("--year")
    s.set_defaults(func=cmd_calendar_export)
    s = cal.add_parser("reset", parents=[common], help="a year back to the England default")
    s.add_argument("year", help="school year, e.g. 2026/27")
    s.set_defaults(func=cmd_calendar_reset)
    s = cal.add_parser(
        "count", parents=[common, jsonp], help="school days, weeks and terms between two dates"
    )
    s.add_argument("start")
    s.add_argument("end")
    s.add_argument("--weeks", type=int, help="also: the date this many school weeks after START")
    s.set_defaults(func=cmd_calendar_count)
