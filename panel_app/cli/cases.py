"""`panel-app school ...` and `panel-app case ...`."""

from __future__ import annotations

import argparse
from datetime import date
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
    show_warnings,
    table,
    unlocked,
    validation_failed,
)
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.models import CaseFilter, CaseRecord, Phase
from panel_app.core.domain.schoolyears import parse_year_group, year_group_label
from panel_app.core.errors import ValidationError


def case_json(case: CaseRecord) -> dict[str, Any]:
    return case.to_dict()


def cmd_school_add(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        school, _ = session.add_school(
            args.name,
            urn=args.urn or "",
            phase=args.phase,
            roll=args.roll,
            fsm_count=args.fsm,
            short_code=args.code or "",
        )
    if args.json:
        print_json(school.to_dict(), out)
    else:
        out.write(f"Added {school.name} ({school.short_code}) id {school.id}\n")
    return EXIT_OK


@reads_only()
def cmd_school_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        schools = session.list_schools()
    if args.json:
        print_json([{**s.to_dict(), "fsm_percent": s.fsm_percent} for s in schools], out)
        return EXIT_OK
    table(
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
    values = given_options(
        args,
        {
            "first_name": "first_name",
            "last_name": "last_name",
            "dob": "dob",
            "upn": "upn",
            "year": "year_group",
            "school": "home_school_id",
            "risk": "risk",
            "summary": "summary",
        },
    )
    for item in getattr(args, "set", None) or []:
        if "=" not in item:
            raise CliError(f"--set takes FIELD=VALUE, not '{item}'.")
        key, value = item.split("=", 1)
        values[key.strip()] = value
    return values


def cmd_case_add(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        try:
            saved = session.create_case(_collect_fields(args))
        except ValidationError as exc:
            return validation_failed(exc, err)
    show_warnings(saved.warnings, err)
    if args.json:
        print_json(
            {**case_json(saved.case), "warnings": [w.to_dict() for w in saved.warnings]}, out
        )
    else:
        out.write(
            f"Added case {saved.case.case_ref} for {saved.case.full_name} (id {saved.case.id})\n"
        )
    return EXIT_OK


def cmd_case_update(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        try:
            saved = session.update_case(args.case, _collect_fields(args))
        except ValidationError as exc:
            return validation_failed(exc, err)
    show_warnings(saved.warnings, err)
    if args.json:
        print_json(
            {
                **case_json(saved.case),
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


def cmd_case_close(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        saved = session.close_case(args.case, args.reason or "")
    out.write(f"Closed {saved.case.case_ref} on {format_uk(saved.case.closed_on)}\n")
    return EXIT_OK


def cmd_case_note(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        session.add_note(args.case, args.text)
    out.write("Note added.\n")
    return EXIT_OK


def cmd_case_attach(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    source = Path(args.file)
    content = read_file(args.file)
    with unlocked(args, secrets) as session:
        session.add_document(args.case, source.name, content)
    out.write(f"Attached {source.name} ({len(content):,} bytes), stored encrypted.\n")
    return EXIT_OK


@reads_only()
def cmd_case_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
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
    if args.json:
        print_json(
            {
                "total": result.total,
                "all_cases": result.all_cases,
                "by_risk": result.by_risk,
                "cases": [r.__dict__ for r in result.rows],
            },
            out,
        )
        return EXIT_OK
    table(
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


def _iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@reads_only()
def cmd_case_show(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    with unlocked(args, secrets) as session:
        case = session.get_case(args.case)
    if args.json:
        print_json(case_json(case), out)
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


def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp
    school = command_group(sub, "school", "schools in the partnership")
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

    case = command_group(sub, "case", "pupil cases")

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
