"""`panel-app meeting ...`, `panel-app minutes ...`, `panel-app actions` and
`panel-app person ...`.

Meetings (one or a fortnightly series skipping holidays, rotating venue), attendance and
quorum, declarations, cases referred to the panel, the agenda built from the data, the
decisions and actions recorded at the meeting, the actions tracker, and the minutes PDF
(members' or circulation copy) with its draft -> approved lifecycle.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
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
    json_or_text,
    print_json,
    progress_to,
    reads_only,
    run_unlocked,
    show_warnings,
    table,
)
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import (
    ACTION_STATE_LABELS,
    FAIR_ACCESS_CATEGORIES,
    OUTCOME_LABELS,
    SECTION_TITLES,
    ActionState,
    Outcome,
    Section,
    parse_votes,
    parse_weekday,
)
from panel_app.core.domain.models import Role
from panel_app.core.services import PartnershipSession
from panel_app.core.services.meetings import Saved


def _names(values: Sequence[str] | None) -> list[str]:
    """Repeatable options that also take comma-separated names."""
    out: list[str] = []
    for value in values or []:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _saved_json(saved: Saved) -> dict[str, Any]:
    return {"id": saved.id, "ids": list(saved.ids or (saved.id,)),
            "changed": sorted(saved.changes.entities),
            "warnings": [w.to_dict() for w in saved.warnings]}


def _done(args: argparse.Namespace, out: TextIO, saved: Saved, text: str,
          extra: dict[str, Any] | None = None) -> int:
    """What was saved (and ``extra``) with --json, else the line ``text``."""
    return json_or_text(args, {**_saved_json(saved), **(extra or {})}, text, out)


# -- person ----------------------------------------------------------------------------------

def cmd_person_add(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        person, _ = session.add_person(args.name, role=args.role, school_id=args.school,
                                       email=args.email or "")
        if args.json:
            print_json(person.to_dict(), out)
        else:
            out.write(f"Added {person.name} ({person.role}) id {person.id}\n")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


@reads_only()
def cmd_person_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        people = session.list_people()
        schools = {s.id: s.name for s in session.list_schools()}
        if args.json:
            print_json([p.to_dict() for p in people], out)
            return EXIT_OK
        table([(p.name, p.role, schools.get(p.school_id or "", ""), p.id[:8]) for p in people],
              ["Name", "Role", "School", "Id"], out)
        return EXIT_OK
    return run_unlocked(args, secrets, go)


# -- meeting ---------------------------------------------------------------------------------

def cmd_meeting_add(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        m = session.meetings
        common = dict(time=args.time, end_time=args.end or "", venue=args.venue,
                      chair=args.chair, clerk=args.clerk, allow_holiday=args.allow_holiday,
                      invite=not args.no_invite)
        if args.repeat and args.repeat > 1:
            saved = m.add_series(args.date, count=args.repeat, every_days=args.every, **common)
        else:
            saved = m.add_meeting(args.date, **common)
        show_warnings(saved.warnings, err)
        meetings = [m.get_meeting(i) for i in saved.ids]
        if args.json:
            print_json({**_saved_json(saved), "meetings": [x.to_dict() for x in meetings]}, out)
            return EXIT_OK
        for x in meetings:
            out.write(f"Added the meeting on {x.label}" + (f" at {x.venue}" if x.venue else "")
                      + f" (id {x.id})\n")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


@reads_only()
def cmd_meeting_list(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        upcoming = True if args.upcoming else (False if args.past else None)
        meetings = session.meetings.list_meetings(upcoming=upcoming)
        if args.json:
            print_json([x.to_dict() for x in meetings], out)
            return EXIT_OK
        rows = []
        for x in meetings:
            minutes = (f"approved v{x.minutes_version}" if x.frozen else
                       ("correction" if x.minutes_version else "draft"))
            rows.append((format_uk(x.date), x.start_time, x.venue, x.chair, x.status, minutes,
                         x.id[:8]))
        table(rows, ["Date", "Time", "Venue", "Chair", "Status", "Minutes", "Id"], out)
        return EXIT_OK
    return run_unlocked(args, secrets, go)


def _write_agenda(items: list[dict[str, Any]], out: TextIO) -> None:
    rows = []
    for i in items:
        d = i["decision"]
        rows.append((i["position"], SECTION_TITLES[Section(i["section"])][:22], i["title"][:60],
                     i["case_ref"], "LATE" if i["late"] else "",
                     d["outcome_label"] if d else ""))
    table(rows, ["#", "Section", "Item", "Case", "Late", "Decision"], out)


@reads_only()
def cmd_meeting_show(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        view = session.meetings.overview(args.meeting)
        if args.json:
            print_json(view, out)
            return EXIT_OK
        m = view["meeting"]
        day = format_uk(session.meetings.get_meeting(m["id"]).date)
        out.write(f"Meeting on {day} at {m['start_time']}"
                  + (f" to {m['end_time']}" if m["end_time"] else "")
                  + (f", {m['venue']}" if m["venue"] else "") + f" ({m['status']})\n")
        out.write(f"Id: {m['id']}\nChair: {m['chair'] or '-'}   Clerk: {m['clerk'] or '-'}\n")
        minutes = (f"approved, version {m['minutes_version']}" if m["frozen"]
                   else "draft")
        out.write(f"Minutes: {minutes}\n")
        out.write(f"Referral cut-off: {format_uk(date.fromisoformat(view['cutoff']))} "
                  f"({view['cutoff_rule']})\n")
        out.write(f"Quorum: {view['quorum']['text']}\n\nMembers\n")
        table([(x["name"], x["role"], x["school"],
                x["attendance"] + (" (fair-access part)" if x["part"] else ""))
               for x in view["members"]], ["Name", "Role", "School", "Attendance"], out)
        if view["interests"]:
            out.write("\nDeclarations of interest\n")
            for i in view["interests"]:
                out.write(f"  {i['name']}: {i['text']}\n")
        out.write("\nAgenda\n")
        if view["agenda"]:
            _write_agenda(view["agenda"], out)
        else:
            out.write("  (none yet: 'panel-app meeting agenda MEETING --build')\n")
        if view["actions"]:
            out.write("\nActions agreed\n")
            _write_actions(view["actions"], out)
        return EXIT_OK
    return run_unlocked(args, secrets, go)


@reads_only("quorum", "cutoff_day", "cutoff_weeks", "marking", "every", "time", "venues")
def cmd_meeting_settings(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                         err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        m = session.meetings
        fields = given_options(args, {"quorum": "quorum_schools",
                                      "cutoff_weeks": "cutoff_weeks_before",
                                      "marking": "marking", "every": "every_days",
                                      "time": "start_time"})
        if args.cutoff_day is not None:
            try:
                fields["cutoff_weekday"] = parse_weekday(args.cutoff_day)
            except ValueError as exc:
                raise CliError(str(exc)) from None
        if args.venues is not None:
            fields["venues"] = _names([args.venues])
        if fields:
            m.update_settings(**fields)
        settings = m.settings().to_dict()
        if args.json:
            print_json(settings, out)
            return EXIT_OK
        quorum = settings["quorum_schools"] or "a majority of the member schools"
        out.write(f"Meetings every {settings['every_days']} days at {settings['start_time']}\n"
                  f"Quorum: {quorum}\nReferral cut-off: {settings['cutoff_rule']}\n"
                  f"Protective marking: {settings['marking'] or '(none)'}\n")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


def cmd_meeting_refer(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                      err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        kind = "fair_access" if args.fair_access else "panel"
        category = args.fair_access or args.category or ""
        saved = session.meetings.refer_case(args.case, kind=kind, category=category,
                                            summary=args.summary or "", on=args.on,
                                            school=args.school)
        return _done(args, out, saved,
                     f"Referred {args.case} to the panel (referral id {saved.id})")
    return run_unlocked(args, secrets, go)


def cmd_meeting_agenda(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        m = session.meetings
        meeting = m.get_meeting(args.meeting)
        warnings: list[Any] = []
        if args.build:
            warnings += m.build_agenda(meeting).warnings
        if args.add:
            m.add_agenda_item(meeting, args.add, section=args.section, case=args.case,
                              notes=args.notes or "")
        if args.edit is not None:
            m.edit_agenda_item(meeting, args.edit, title=args.title, notes=args.notes)
        if args.move is not None:
            if args.to is None:
                raise CliError("Say where to move the item with --to POSITION.")
            m.move_agenda_item(meeting, args.move, args.to)
        if args.remove is not None:
            m.remove_agenda_item(meeting, args.remove)
        show_warnings(warnings, err)
        items = [i.to_dict() for i in m.agenda(meeting)]
        cutoff = m.cutoff(meeting)
        if args.json:
            print_json({"meeting_id": meeting.id, "cutoff": cutoff.isoformat(),
                        "agenda": items}, out)
            return EXIT_OK
        out.write(f"Agenda for the meeting on {meeting.label}"
                  + (f" at {meeting.venue}" if meeting.venue else "")
                  + f"; referral cut-off {format_uk(cutoff)}\n")
        if items:
            _write_agenda(items, out)
        else:
            out.write("(empty: build it with --build)\n")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


def cmd_meeting_attend(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        saved = session.meetings.record_attendance(
            args.meeting, present=_names(args.present), apologies=_names(args.apologies),
            absent=_names(args.absent))
        show_warnings(saved.warnings, err)
        quorum = session.meetings.quorum(args.meeting)
        return _done(args, out, saved, f"Attendance recorded. {quorum.text}",
                     {"quorum": quorum.to_dict()})
    return run_unlocked(args, secrets, go)


def cmd_meeting_invite(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        saved = session.meetings.invite(args.meeting, args.person,
                                        fair_access_only=args.fair_access_only)
        return _done(args, out, saved, f"Invited {args.person}"
                     + (" for the fair-access items" if args.fair_access_only else ""))
    return run_unlocked(args, secrets, go)


def cmd_meeting_declare(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                        err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        saved = session.meetings.declare_interest(args.meeting, args.person, args.text,
                                                  item=args.item)
        return _done(args, out, saved, f"Recorded the declaration of {args.person}")
    return run_unlocked(args, secrets, go)


def cmd_meeting_decide(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        votes = None
        if args.votes:
            try:
                votes = parse_votes(args.votes)
            except ValueError as exc:
                raise CliError(str(exc)) from None
        saved = session.meetings.decide(
            args.meeting, args.item, args.outcome, votes=votes,
            rationale=args.rationale or "", conditions=args.conditions or "",
            dissent=args.dissent or "", review_on=args.review)
        show_warnings(saved.warnings, err)
        return _done(args, out, saved, f"Item {args.item}: "
                     f"{OUTCOME_LABELS[Outcome(args.outcome)]} (decision id {saved.id})")
    return run_unlocked(args, secrets, go)


def cmd_meeting_action(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                       err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        saved = session.meetings.add_action(args.meeting, args.text, owner=args.owner,
                                            due_on=args.due, item=args.item)
        action = next(a for a in session.meetings.actions() if a.id == saved.id)
        return _done(args, out, saved, f"Action for {action.owner}, due "
                     f"{format_uk(action.due_on)} (id {action.id[:8]})",
                     {"action": action.to_dict()})
    return run_unlocked(args, secrets, go)


# -- minutes ---------------------------------------------------------------------------------

def cmd_minutes(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        m = session.meetings
        meeting = m.get_meeting(args.meeting)
        if args.correct is not None:
            m.start_correction(meeting, args.correct)
            out.write(f"The minutes of {format_uk(meeting.date)} are open for a correction; "
                      "approve them again with --approve.\n")
        if args.approve:
            m.approve_minutes(meeting, at_meeting=args.at)
            meeting = m.get_meeting(meeting.id)
            out.write(f"Approved the minutes of {format_uk(meeting.date)} "
                      f"(version {meeting.minutes_version}); they are now frozen.\n")
        if args.versions:
            versions = m.minutes_versions(meeting)
            if args.json:
                print_json([v.to_dict() for v in versions], out)
            else:
                table([(v.version, v.status, format_uk(v.approved_on) if v.approved_on else "",
                        v.reason) for v in versions],
                      ["Version", "Status", "Approved", "Correction"], out)
        if args.out:
            path = m.write_minutes(meeting, Path(args.out).expanduser(),
                                   circulation=args.circulation, marking=args.marking,
                                   version=args.version, progress=progress_to(err))
            if err.isatty():
                err.write("\n")
            copy = "circulation copy" if args.circulation else "members' copy"
            if args.json:
                print_json({"path": str(path), "copy": copy.split()[0].rstrip("'"),
                            "meeting_id": meeting.id}, out)
            else:
                out.write(f"Wrote the {copy} of the minutes of {format_uk(meeting.date)} to "
                          f"{path}. The PDF is not encrypted: keep it secure.\n")
        elif not (args.approve or args.correct is not None or args.versions):
            raise CliError("Say where to save the PDF with --out FILE.pdf (or use --approve, "
                           "--correct REASON or --versions).")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


# -- actions tracker -------------------------------------------------------------------------

def _write_actions(actions: list[dict[str, Any]], out: TextIO) -> None:
    def uk(value: str | None) -> str:
        return format_uk(date.fromisoformat(value)) if value else ""

    table([(a["id"][:8], ACTION_STATE_LABELS[ActionState(a["state"])], a["text"][:60],
            a["owner"], uk(a["due_on"]), uk(a["meeting_date"]), uk(a["done_on"]))
           for a in actions], ["Id", "State", "Action", "Owner", "Due", "Meeting", "Done"], out)


@reads_only("complete", "reopen")
def cmd_actions(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
    def go(session: PartnershipSession) -> int:
        m = session.meetings
        if args.complete:
            m.complete_action(args.complete, on=args.on)
            out.write(f"Action {args.complete} marked done.\n")
        if args.reopen:
            m.reopen_action(args.reopen)
            out.write(f"Action {args.reopen} reopened.\n")
        state = ("overdue" if args.overdue else "due_soon" if args.due_soon else
                 "done" if args.done else None if args.all else "outstanding")
        actions = m.actions(state=state, meeting=args.meeting)
        if args.json:
            print_json([a.to_dict() for a in actions], out)
            return EXIT_OK
        if not (args.complete or args.reopen) or actions:
            if actions:
                _write_actions([a.to_dict() for a in actions], out)
            else:
                out.write("No actions match.\n")
        return EXIT_OK
    return run_unlocked(args, secrets, go)


# -- registration ----------------------------------------------------------------------------

def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp

    person = command_group(sub, "person", "people: school leads, LA officers, clerk")
    s = person.add_parser("add", parents=[common, jsonp], help="add a person")
    s.add_argument("name")
    s.add_argument("--role", default=Role.OTHER.value, choices=[r.value for r in Role])
    s.add_argument("--school", help="their school (name, code, URN or id)")
    s.add_argument("--email")
    s.set_defaults(func=cmd_person_add)
    s = person.add_parser("list", parents=[common, jsonp], help="list people")
    s.set_defaults(func=cmd_person_list)

    meeting = command_group(sub, "meeting", "panel meetings, agendas, decisions, actions")
    mref = "meeting: dd/mm/yyyy, next, last or id"

    s = meeting.add_parser("add", parents=[common, jsonp],
                           help="add a meeting, or a series (--repeat N) skipping holidays")
    s.add_argument("date", help="dd/mm/yyyy (the first, for a series)")
    s.add_argument("--time", help="start, e.g. 09:30 (default from the settings)")
    s.add_argument("--end", help="end time, e.g. 11:30")
    s.add_argument("--venue", help="a member school (name or code) or another venue")
    s.add_argument("--chair", help="a person (see 'person list')")
    s.add_argument("--clerk", help="a person")
    s.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="N meetings, every --every days, venue rotating among member schools")
    s.add_argument("--every", type=int, metavar="DAYS", help="days between meetings (14)")
    s.add_argument("--allow-holiday", action="store_true",
                   help="add a single meeting even on a holiday or weekend")
    s.add_argument("--no-invite", action="store_true",
                   help="do not invite the school leads, LA officer, PRU head and clerk")
    s.set_defaults(func=cmd_meeting_add)

    s = meeting.add_parser("list", parents=[common, jsonp], help="list meetings")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--upcoming", action="store_true")
    g.add_argument("--past", action="store_true")
    s.set_defaults(func=cmd_meeting_list)

    s = meeting.add_parser("show", parents=[common, jsonp],
                           help="one meeting: members, quorum, agenda, decisions, actions")
    s.add_argument("meeting", help=mref)
    s.set_defaults(func=cmd_meeting_show)

    s = meeting.add_parser("settings", parents=[common, jsonp],
                           help="quorum, referral cut-off, protective marking, recurrence")
    s.add_argument("--quorum", type=int, metavar="N",
                   help="member schools that must be represented (0: a majority)")
    s.add_argument("--cutoff-day", dest="cutoff_day", metavar="DAY",
                   help="referral cut-off day, e.g. thursday")
    s.add_argument("--cutoff-weeks", dest="cutoff_weeks", type=int, metavar="N",
                   help="weeks before the meeting's week (1: the week before)")
    s.add_argument("--marking", help="protective marking on every page (OFFICIAL-SENSITIVE)")
    s.add_argument("--every", type=int, metavar="DAYS", help="days between meetings")
    s.add_argument("--time", help="usual start time")
    s.add_argument("--venues", help="venue rotation: school names or codes, comma-separated")
    s.set_defaults(func=cmd_meeting_settings)

    s = meeting.add_parser("refer", parents=[common, jsonp],
                           help="flag a case for the panel (it goes on the next agenda)")
    s.add_argument("case", help="case reference (C-XXXXXX) or id")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--category", help="the request, e.g. 'AP place' or 'managed move'")
    g.add_argument("--fair-access", dest="fair_access", choices=FAIR_ACCESS_CATEGORIES,
                   help="a fair-access item instead of a request")
    s.add_argument("--summary", help="what the panel is asked to decide")
    s.add_argument("--on", help="date received (dd/mm/yyyy; default today)")
    s.add_argument("--school", help="referring school (default: the home school)")
    s.set_defaults(func=cmd_meeting_refer)

    s = meeting.add_parser("agenda", parents=[common, jsonp],
                           help="show, build, add to, edit, reorder the agenda")
    s.add_argument("meeting", help=mref)
    s.add_argument("--build", action="store_true", help="build or refresh it from the data")
    s.add_argument("--add", metavar="TITLE", help="add an item by hand")
    s.add_argument("--section", default=Section.AOB.value, choices=[x.value for x in Section],
                   help="section of an added item (default aob)")
    s.add_argument("--case", help="the case an added item is about")
    s.add_argument("--edit", metavar="N", help="edit item N (with --title / --notes)")
    s.add_argument("--title")
    s.add_argument("--notes")
    s.add_argument("--move", metavar="N", help="move item N (with --to)")
    s.add_argument("--to", type=int, metavar="POSITION")
    s.add_argument("--remove", metavar="N", help="take item N off the agenda")
    s.set_defaults(func=cmd_meeting_agenda)

    s = meeting.add_parser("attend", parents=[common, jsonp],
                           help="record attendance and apologies; prints the quorum")
    s.add_argument("meeting", help=mref)
    s.add_argument("--present", action="append", metavar="NAME", help="repeatable or a,b,c")
    s.add_argument("--apologies", action="append", metavar="NAME")
    s.add_argument("--absent", action="append", metavar="NAME")
    s.set_defaults(func=cmd_meeting_attend)

    s = meeting.add_parser("invite", parents=[common, jsonp], help="invite a person")
    s.add_argument("meeting", help=mref)
    s.add_argument("person")
    s.add_argument("--fair-access-only", dest="fair_access_only", action="store_true",
                   help="for the fair-access items only")
    s.set_defaults(func=cmd_meeting_invite)

    s = meeting.add_parser("declare", parents=[common, jsonp],
                           help="record a declared interest")
    s.add_argument("meeting", help=mref)
    s.add_argument("person")
    s.add_argument("text")
    s.add_argument("--item", help="the agenda item it concerns (number)")
    s.set_defaults(func=cmd_meeting_declare)

    s = meeting.add_parser("decide", parents=[common, jsonp],
                           help="record the decision on an agenda item")
    s.add_argument("meeting", help=mref)
    s.add_argument("item", help="agenda item number (or id)")
    s.add_argument("outcome", choices=[o.value for o in Outcome])
    s.add_argument("--votes", metavar="F/A/AB",
                   help="for/against/abstaining, e.g. 5/1/0 (default: by consensus)")
    s.add_argument("--rationale")
    s.add_argument("--conditions", help="needed for approved_with_conditions")
    s.add_argument("--dissent", help="dissent recorded in the minutes")
    s.add_argument("--review", metavar="DATE", help="review by (dd/mm/yyyy)")
    s.set_defaults(func=cmd_meeting_decide)

    s = meeting.add_parser("action", parents=[common, jsonp], help="record an action")
    s.add_argument("meeting", help=mref)
    s.add_argument("text", help="what is to be done")
    s.add_argument("--owner", help="who (a person, or a name)")
    s.add_argument("--due", metavar="DATE", help="dd/mm/yyyy (default: the next meeting)")
    s.add_argument("--item", help="the agenda item it comes from (number)")
    s.set_defaults(func=cmd_meeting_action)

    s = sub.add_parser("minutes", parents=[common, jsonp],
                       help="the minutes PDF; approve, correct, versions")
    s.add_argument("meeting", help=mref)
    s.add_argument("--out", metavar="FILE.pdf", help="write the PDF here (not encrypted)")
    s.add_argument("--circulation", action="store_true",
                   help="pupils by initials and case reference only; no DOB or UPN")
    s.add_argument("--marking", help="protective marking for this print (default: setting)")
    s.add_argument("--version", type=int, metavar="N", help="an earlier approved version")
    s.add_argument("--approve", action="store_true", help="approve and freeze the minutes")
    s.add_argument("--at", metavar="MEETING", help="the meeting that approved them")
    s.add_argument("--correct", metavar="REASON",
                   help="open approved minutes for a correction (a new version)")
    s.add_argument("--versions", action="store_true", help="list the recorded versions")
    s.set_defaults(func=cmd_minutes)

    s = sub.add_parser("actions", parents=[common, jsonp],
                       help="the actions tracker (outstanding unless told otherwise)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--overdue", action="store_true")
    g.add_argument("--due-soon", dest="due_soon", action="store_true")
    g.add_argument("--done", action="store_true")
    g.add_argument("--all", action="store_true")
    s.add_argument("--meeting", help="only actions agreed at this meeting")
    s.add_argument("--complete", metavar="ID", help="mark an action done")
    s.add_argument("--on", metavar="DATE", help="date it was done (default today)")
    s.add_argument("--reopen", metavar="ID", help="mark a done action open again")
    s.set_defaults(func=cmd_actions)

