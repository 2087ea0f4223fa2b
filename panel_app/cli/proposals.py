"""`panel-app proposal ...`, `move ...`, `moves ...`, `placement ...` and `quota ...`.

Proposals to the panel through their lifecycle (draft, submitted, on an agenda, decided,
active, under review, closed), managed moves and directions off-site, the moves report
(outcome rates with numerators and denominators, the send/receive balance, whose turn for
fair access), AP placements, and the quota and budget year (places, cost per place,
envelope, allocations, usage, money left, forecast, carry-over, charges).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
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
    reads_only,
    run_unlocked,
    school_year,
    show_warnings,
    table,
)
from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.meetings import Outcome
from panel_app.core.domain.moves import (
    ATTENDEE_SIDES,
    Arrangement,
    MoveKind,
    MoveOutcome,
    Pathway,
    PlacementOutcome,
    ProviderType,
)
from panel_app.core.domain.proposals import (
    BOARD_ORDER,
    STATE_LABELS,
    BoardFilter,
    FairAccessReason,
    ProposalKind,
    outcome_label,
)
from panel_app.core.domain.quotas import Formula, format_gbp
from panel_app.core.domain.schoolyears import parse_year_group, year_group_label
from panel_app.core.services import PartnershipSession
from panel_app.core.services.meetings import Saved


def _saved_json(saved: Saved) -> dict[str, Any]:
    return {"id": saved.id, "changed": sorted(saved.changes.entities),
            "warnings": [w.to_dict() for w in saved.warnings]}


def _d(value: date | None) -> str:
    return format_uk(value) if value else ""


def _uk(iso: str) -> str:
    """A date of a ``detail`` dict (ISO text) as dd/mm/yyyy."""
    return format_uk(date.fromisoformat(iso))


def _planned_end(d: dict[str, Any]) -> str:
    """The ' to DATE' after the start of a move or placement that has a planned end."""
    return f" to {_uk(d['planned_end'])}" if d["planned_end"] else ""


def _reviews(d: dict[str, Any]) -> str:
    return "Reviews: " + ", ".join(_uk(x) for x in d["review_dates"])


def _with_status(records: Sequence[Any], today: date) -> list[dict[str, Any]]:
    """Moves or placements as JSON, each with its status on ``today``."""
    return [{**r.to_dict(), "status": r.status(today)} for r in records]


def _year(args: argparse.Namespace) -> int | None:
    return school_year(getattr(args, "year", None))


def _done(args: argparse.Namespace, out: TextIO, err: TextIO, saved: Saved, text: str,
          extra: dict[str, Any] | None = None) -> int:
    show_warnings(saved.warnings, err)
    return json_or_text(args, {**_saved_json(saved), **(extra or {})}, text, out)


def _updated(args: argparse.Namespace, out: TextIO, err: TextIO, saved: Saved) -> int:
    return _done(args, out, err, saved, "Updated." if saved.changes else "Nothing changed.")


def _command(body: Callable[[argparse.Namespace, PartnershipSession, TextIO, TextIO], int]
             ) -> Callable[[argparse.Namespace, Secrets, TextIO, TextIO], int]:
    def run(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
        return run_unlocked(args, secrets, lambda session: body(args, session, out, err))
    return run


# -- proposal --------------------------------------------------------------------------------


@_command
def cmd_proposal_add(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                     err: TextIO) -> int:
    saved = s.proposals.add(args.case, args.kind, title=args.title or "",
                            details=args.details or "", school=args.school, to=args.to,
                            fair_access_reason=args.fair_access or "", start=args.start,
                            weeks=args.weeks)
    p = s.proposals.get(saved.id)
    return _done(args, out, err, saved, f"Drafted a {p.kind_label} for case {p.case_ref} "
                 f"(id {p.id[:8]}); submit it with 'panel-app proposal submit {p.id[:8]}'.",
                 {"proposal": p.to_dict()})


@reads_only()
@_command
def cmd_proposal_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    if args.board:
        school_id = s.find_school(args.school).id if args.school else None
        board = s.proposals.board(BoardFilter(school_id=school_id, kind=args.kind,
                                              states=(args.state,) if args.state else (),
                                              limit_per_state=args.limit))
        if args.json:
            print_json(board.to_dict(), out)
            return EXIT_OK
        for state in BOARD_ORDER:
            if not board.counts.get(state):
                continue
            out.write(f"{STATE_LABELS[state].capitalize()} ({board.counts[state]})\n")
            for r in board.columns[state]:
                out.write(f"  {r.id[:8]}  {r.case_ref}  {r.kind_label}  {r.school}"
                          + (f" -> {r.receiving_school}" if r.receiving_school else "")
                          + (f"  [{outcome_label(r.decision_outcome)}]"
                             if r.decision_outcome else "") + "\n")
        return EXIT_OK
    found = s.proposals.list_proposals(state=args.state, kind=args.kind, school=args.school,
                             case=args.case)
    if args.json:
        print_json([p.to_dict() for p in found], out)
        return EXIT_OK
    table([(p.id[:8], p.case_ref, p.kind, p.state_label, p.school, p.receiving_school,
            _d(p.submitted_on)) for p in found],
          ["Id", "Case", "Kind", "State", "School", "To", "Submitted"], out)
    return EXIT_OK


@reads_only()
@_command
def cmd_proposal_show(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    d = s.proposals.detail(args.proposal)
    if args.json:
        print_json(d, out)
        return EXIT_OK
    out.write(f"{d['kind_label'].capitalize()} for case {d['case_ref']} (id {d['id']})\n")
    out.write(f"State: {d['state_label']}\n")
    out.write(f"From: {d['school']}" + (f"   To: {d['receiving_school']}"
                                        if d["receiving_school"] else "") + "\n")
    if d["title"]:
        out.write(f"Title: {d['title']}\n")
    if d["requested_start"] or d["requested_weeks"]:
        out.write("Asked for: " + (f"from {_uk(d['requested_start'])}" if d["requested_start"]
                                   else "")
                  + (f" for {d['requested_weeks']} school weeks" if d["requested_weeks"]
                     else "") + "\n")
    check = d["ladder_check"]
    if check and check.get("verdict"):
        out.write(f"Ladder check: {check['verdict_text']}\n")
        for gap in check.get("gaps", []):
            out.write(f"  - {gap}\n")
    if d["decision_outcome"]:
        out.write(f"Decision: {outcome_label(d['decision_outcome'])}"
                  + (f" on {_uk(d['decided_on'])}" if d["decided_on"] else "")
                  + (f"; conditions: {d['decision_conditions']}"
                     if d["decision_conditions"] else "") + "\n")
    if d["over_quota_by"]:
        out.write(f"Approved over quota by {d['over_quota_by']}: {d['over_quota_note']}\n")
    for w in d["quota_warnings"]:
        out.write(f"Quota: {w['message']}\n")
    if d["rotation"]:
        out.write("Whose turn: " + ", ".join(f"{r['position']}. {r['name']} "
                                             f"({r['admitted']})" for r in d["rotation"])
                  + "\n")
    out.write("Next: " + (", ".join(d["events"]) or "nothing (closed)") + "\n\nHistory\n")
    table([(e["at"][:16].replace("T", " "), e["by"], e["event"], e["from_state"],
            e["to_state"], e["note"][:60]) for e in d["history"]],
          ["When", "By", "Event", "From", "To", "Note"], out)
    return EXIT_OK


@_command
def cmd_proposal_update(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                        err: TextIO) -> int:
    values = given_options(args, {"title": "title", "details": "details", "to": "to",
                                  "start": "start", "weeks": "weeks",
                                  "fair_access": "fair_access_reason"})
    saved = s.proposals.update(args.proposal, **values)
    return _updated(args, out, err, saved)


@_command
def cmd_proposal_submit(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                        err: TextIO) -> int:
    saved = s.proposals.submit(args.proposal, on=args.on,
                               override_reason=args.override_reason or "",
                               override_by=args.override_by or "")
    p = s.proposals.get(saved.id)
    text = f"Submitted the {p.kind_label} for case {p.case_ref}"
    if p.ladder_check_id:
        check = s.ladders.get_check(p.ladder_check_id)
        text += f"; ladder {check.verdict_text()}"
    return _done(args, out, err, saved, text + ".", {"proposal": p.to_dict()})


@_command
def cmd_proposal_decide(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                        err: TextIO) -> int:
    saved = s.proposals.decide(args.proposal, args.outcome, on=args.on,
                               conditions=args.conditions or "", review_on=args.review,
                               to=args.to, over_quota_by=args.over_quota_by or "",
                               note=args.note or "")
    p = s.proposals.get(saved.id)
    return _done(args, out, err, saved, f"Case {p.case_ref}: {outcome_label(args.outcome)}"
                 + (f" (approved over quota by {p.over_quota_by})" if p.over_quota_by else "")
                 + ".", {"proposal": p.to_dict()})


def _simple(method: str, text: str) -> Callable[..., int]:
    @_command
    def run(args: argparse.Namespace, s: PartnershipSession, out: TextIO, err: TextIO) -> int:
        saved = getattr(s.proposals, method)(args.proposal, note=args.note or "")
        p = s.proposals.get(saved.id)
        return _done(args, out, err, saved, f"Case {p.case_ref}: {text} ({p.state_label}).",
                     {"proposal": p.to_dict()})
    return run


cmd_proposal_start = _simple("start", "started")
cmd_proposal_withdraw = _simple("withdraw", "withdrawn")


@_command
def cmd_proposal_review(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                        err: TextIO) -> int:
    if args.done:
        saved = s.proposals.continue_after_review(args.proposal, note=args.note or "")
    else:
        saved = s.proposals.review(args.proposal, note=args.note or "")
    p = s.proposals.get(saved.id)
    return _done(args, out, err, saved, f"Case {p.case_ref}: {p.state_label}.",
                 {"proposal": p.to_dict()})


@_command
def cmd_proposal_close(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    saved = s.proposals.close(args.proposal, args.outcome, on=args.on, note=args.note or "")
    p = s.proposals.get(saved.id)
    return _done(args, out, err, saved, f"Closed: {p.state_label}.", {"proposal": p.to_dict()})


# -- move ------------------------------------------------------------------------------------


def _attendees(values: Sequence[str] | None) -> list[tuple[str, str]] | None:
    if not values:
        return None
    out = []
    for v in values:
        side, sep, name = v.partition(":")
        if not sep or side.strip() not in ATTENDEE_SIDES:
            raise CliError(f"'{v}' is not SIDE:NAME (side one of {', '.join(ATTENDEE_SIDES)}).")
        out.append((name.strip(), side.strip()))
    return out


@_command
def cmd_move_add(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                 err: TextIO) -> int:
    saved = s.moves.add(args.case, to=args.to, start=args.start, arrangement=args.type,
                        kind=args.kind, end=args.end, weeks=args.weeks, days=args.days,
                        dual_registration=not args.no_dual, trial=args.trial,
                        parents_notified_on=args.notified, review_dates=args.review or (),
                        proposal=args.proposal, home=args.home, notes=args.notes or "")
    d = s.moves.detail(saved.id)
    return _done(args, out, err, saved,
                 f"Recorded: {d['arrangement_label']} of case {d['case_ref']} from "
                 f"{d['home_school']} to {d['receiving_school']}, "
                 f"{_uk(d['start'])}{_planned_end(d)} (id {saved.id[:8]}).",
                 {"move": d})


@reads_only()
@_command
def cmd_move_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                  err: TextIO) -> int:
    moves = s.moves.list_moves(case=args.case, school=args.school, open_only=args.open)
    today = s.clock.today()
    if args.json:
        print_json(_with_status(moves, today), out)
        return EXIT_OK
    table([(m.id[:8], m.case_ref, m.arrangement, m.kind, m.home_school, m.receiving_school,
            _d(m.start), _d(m.planned_end), m.outcome or m.status(today)) for m in moves],
          ["Id", "Case", "Arrangement", "Kind", "From", "To", "Start", "Planned end",
           "Outcome"], out)
    return EXIT_OK


@reads_only()
@_command
def cmd_move_show(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                  err: TextIO) -> int:
    d = s.moves.detail(args.move)
    if args.json:
        print_json(d, out)
        return EXIT_OK
    out.write(f"{d['arrangement_label']} of case {d['case_ref']} (id {d['id']})\n"
              f"From {d['home_school']} to {d['receiving_school']}; {d['kind_label']}; "
              f"{d['status']}\n"
              f"Start {_uk(d['start'])}"
              + (f", planned end {_uk(d['planned_end'])} "
                 f"({d['planned_weeks']:g} school weeks)" if d["planned_end"] else "")
              + f"; dual registration {'kept' if d['dual_registration'] else 'not kept'}"
              + ("; TRIAL" if d["trial"] else "") + "\n")
    if d["admission_meeting_on"]:
        out.write(f"Admission meeting {_uk(d['admission_meeting_on'])}: "
                  + ", ".join(f"{a['name']} ({a['side']})" for a in d["attendees"]) + "\n")
        for t in d["targets"]:
            out.write(f"  target: {t}\n")
    if d["review_dates"]:
        out.write(_reviews(d) + (f" (last held {_uk(d['reviewed_on'])})" if d["reviewed_on"]
                                 else "") + "\n")
    if d["outcome"]:
        out.write(f"Outcome: {d['outcome_label']} on {_uk(d['ended_on'])}"
                  + (f" ({d['breakdown_reason']})" if d["breakdown_reason"] else "") + "\n")
    return EXIT_OK


@_command
def cmd_move_update(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                    err: TextIO) -> int:
    saved = s.moves.update(args.move, planned_end=args.end,
                           parents_notified_on=args.notified, review_dates=args.review,
                           admission_meeting_on=args.admission,
                           attendees=_attendees(args.attendee), targets=args.target,
                           reentry_meeting_on=args.reentry, notes=args.notes)
    return _updated(args, out, err, saved)


@_command
def cmd_move_review(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                    err: TextIO) -> int:
    saved = s.moves.record_review(args.move, args.on)
    return _done(args, out, err, saved, "Review recorded.")


@_command
def cmd_move_end(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                 err: TextIO) -> int:
    saved = s.moves.end(args.move, outcome=args.outcome, on=args.on, reason=args.reason or "",
                        reentry_meeting_on=args.reentry)
    return _done(args, out, err, saved, f"The move ended: {args.outcome}.",
                 {"move": s.moves.detail(saved.id)})


@reads_only()
@_command
def cmd_move_due(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                 err: TextIO) -> int:
    flags = s.moves.due(args.within)
    if args.json:
        print_json([f.to_dict() for f in flags], out)
        return EXIT_OK
    if not flags:
        out.write("No move or placement ends or is due for review soon.\n")
    for f in flags:
        out.write(f"{f.message}\n")
    return EXIT_OK


@reads_only("managed_move", "off_site", "due_days")
@_command
def cmd_move_labels(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                    err: TextIO) -> int:
    if args.managed_move is not None or args.off_site is not None or args.due_days:
        saved = s.moves.set_labels(managed_move=args.managed_move, off_site=args.off_site,
                                   due_days=args.due_days)
        show_warnings(saved.warnings, err)
    labels = s.moves.labels()
    if args.json:
        print_json({"labels": labels, "due_days": s.moves.due_within()}, out)
        return EXIT_OK
    for key, label in labels.items():
        out.write(f"{key}: {label}\n")
    out.write(f"flagged: {s.moves.due_within()} school days ahead\n")
    return EXIT_OK


@reads_only()
@_command
def cmd_move_template(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    items = list(s.moves.template())
    if args.json:
        print_json(items, out)
    else:
        out.write("Admission meeting (pupil, family and both schools present):\n")
        for t in items:
            out.write(f"  - {t}\n")
    return EXIT_OK


# -- moves report ----------------------------------------------------------------------------


@reads_only()
@_command
def cmd_moves_report(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                     err: TextIO) -> int:
    report = s.moves.report(_year(args))
    if args.json:
        print_json(report, out)
        return EXIT_OK
    o = report["overall"]
    out.write(f"Moves: {o['total']} ({o['running']} running, {o['planned']} planned, "
              f"{o['ended']} ended)\n")
    for r in o["rates"].values():
        out.write(f"  {r['label']}: {r['text']}\n")
    out.write(f"  moved again or to AP: {o['moved_again']['text']}\n")
    if report["by_receiving_school"]:
        out.write("\nBy receiving school (converted / ended)\n")
        table([(name, v["total"], v["rates"]["converted"]["text"],
                v["rates"]["broke-down"]["text"])
               for name, v in report["by_receiving_school"].items()],
              ["School", "Moves", "Converted", "Broke down"], out)
    out.write(f"\nSend/receive balance ({year_label(report['year'])} and all time)\n")
    table([(b["name"], b["this_year"]["sent"], b["this_year"]["received"],
            f"{b['this_year']['net']:+d}", b["all_time"]["sent"], b["all_time"]["received"],
            f"{b['all_time']['net']:+d}") for b in report["balance"]],
          ["School", "Sent", "Received", "Net", "Sent (all)", "Received (all)", "Net (all)"],
          out)
    if report["due"]:
        out.write("\nEnding or due for review soon\n")
        for f in report["due"]:
            out.write(f"  {f['message']}\n")
    return EXIT_OK


@reads_only()
@_command
def cmd_moves_turn(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                   err: TextIO) -> int:
    try:
        year_group = parse_year_group(args.year_group)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    rows = s.moves.whose_turn(year_group, _year(args))
    if args.json:
        print_json([r.to_dict() for r in rows], out)
        return EXIT_OK
    out.write(f"Whose turn for {year_group_label(year_group)} (fewest fair-access admissions "
              "this year first)\n")
    table([(r.position, r.name, r.admitted, r.lac, r.ehcp, _d(r.last_on)) for r in rows],
          ["#", "School", "Admitted", "LAC", "EHCP", "Last"], out)
    return EXIT_OK


# -- placement -------------------------------------------------------------------------------


@_command
def cmd_placement_add(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    saved = s.placements.add(args.case, provider_type=args.provider_type, start=args.start,
                             provider_name=args.provider or "", end=args.end,
                             weeks=args.weeks, pathway=args.pathway, school=args.school,
                             provider_school=args.provider_school, in_quota=args.in_quota,
                             dual_registered=not args.not_dual,
                             review_dates=args.review or (), proposal=args.proposal,
                             notes=args.notes or "")
    d = s.placements.detail(saved.id)
    return _done(args, out, err, saved,
                 f"Recorded a placement of case {d['case_ref']} at "
                 f"{d['provider_name'] or d['provider_label']} from "
                 f"{_uk(d['start'])}{_planned_end(d)} (id {saved.id[:8]}).",
                 {"placement": d})


@reads_only()
@_command
def cmd_placement_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    found = s.placements.list_placements(case=args.case, school=args.school, open_only=args.open)
    today = s.clock.today()
    if args.json:
        print_json(_with_status(found, today), out)
        return EXIT_OK
    table([(p.id[:8], p.case_ref, p.provider_type, p.provider_name, p.school, _d(p.start),
            _d(p.planned_end), "yes" if p.in_quota else "no", p.outcome or p.status(today))
           for p in found],
          ["Id", "Case", "Provider", "Name", "School", "Start", "Planned end", "Quota",
           "Outcome"], out)
    return EXIT_OK


@reads_only()
@_command
def cmd_placement_show(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    d = s.placements.detail(args.placement)
    if args.json:
        print_json(d, out)
        return EXIT_OK
    out.write(f"Placement of case {d['case_ref']} (id {d['id']})\n"
              f"Provider: {d['provider_name'] or '-'} ({d['provider_label']}); pathway: "
              f"{d['pathway_label']}\nPlace of: {d['school']}; in the quota: "
              f"{'yes' if d['in_quota'] else 'no'}; {d['status']}\n"
              f"Start {_uk(d['start'])}"
              + (f", planned end {_uk(d['planned_end'])}" if d["planned_end"] else "") + "\n")
    if d["review_dates"]:
        out.write(_reviews(d) + "\n")
    if d["outcome"]:
        out.write(f"Outcome: {d['outcome_label']} on {_uk(d['ended_on'])}\n")
    return EXIT_OK


@_command
def cmd_placement_update(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                         err: TextIO) -> int:
    saved = s.placements.update(args.placement, planned_end=args.end, review_dates=args.review,
                                in_quota=args.in_quota, notes=args.notes)
    return _updated(args, out, err, saved)


@_command
def cmd_placement_review(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                         err: TextIO) -> int:
    saved = s.placements.record_review(args.placement, args.on)
    return _done(args, out, err, saved, "Review recorded.")


@_command
def cmd_placement_end(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    saved = s.placements.end(args.placement, outcome=args.outcome, on=args.on)
    return _done(args, out, err, saved, f"The placement ended: {args.outcome}.")


# -- quota -----------------------------------------------------------------------------------


def _allocations(values: Sequence[str] | None) -> dict[str, int] | None:
    if not values:
        return None
    out: dict[str, int] = {}
    for v in values:
        school, sep, n = v.rpartition("=")
        if not sep or not school.strip() or not n.strip().isdigit():
            raise CliError(f"'{v}' is not SCHOOL=PLACES (e.g. OAK=5).")
        out[school.strip()] = int(n)
    return out


@_command
def cmd_quota_set(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                  err: TextIO) -> int:
    formula = args.formula or (Formula.MANUAL.value if args.allocate else Formula.EQUAL.value)
    saved = s.quotas.set_year(_year(args), places=args.places, cost_per_place=args.cost,
                              envelope=args.envelope, funded_places=args.funded_places,
                              formula=formula, roll_weight=args.roll_weight,
                              fsm_weight=args.fsm_weight,
                              allocations=_allocations(args.allocate), notes=args.notes or "")
    qy = s.quotas.get_year(_year(args))
    return _done(args, out, err, saved,
                 f"Quota {qy.label}: {qy.places} places at {format_gbp(qy.cost_per_place)}, "
                 f"envelope {format_gbp(qy.envelope)}; allocated "
                 f"{s.quotas.describe_formula(qy)}.", {"quota": qy.to_dict()})


@reads_only()
@_command
def cmd_quota_report(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                     err: TextIO) -> int:
    r = s.quotas.report(_year(args), args.on)
    d = r.to_dict()
    if args.json:
        print_json(d, out)
        return EXIT_OK
    y = r.year
    money = d["money"]["text"]
    out.write(f"Quota {y.label} on {format_uk(r.on)}: {y.places} places at "
              f"{format_gbp(y.cost_per_place)}"
              + (f" (envelope from {y.funded_places} funded places)" if y.funded_places else "")
              + f"; allocated {s.quotas.describe_formula(y)}\n")
    out.write(f"Envelope {money['envelope']}"
              + (f" - carry-over {money['deduction']}" if r.deduction_amount else "")
              + f"; committed {money['committed']}"
              + (f"; charges to schools {money['charges']}" if r.charges else "")
              + f"; left for other programmes {money['left']}\n")
    out.write(f"In use: {r.in_use} of {y.places} (peak {r.peak}); place-weeks used "
              f"{r.place_weeks_used:.1f} of {r.place_weeks_allowed:.1f} "
              f"({r.weeks:.1f} school weeks); forecast to the year end "
              f"{r.forecast_place_weeks:.1f} ({r.forecast_places:.2f} places)\n\n")
    table([(x.name, x.allocated, x.in_use, x.remaining, x.peak, f"{x.place_weeks_used:.1f}",
            f"{x.forecast_place_weeks:.1f}", format_gbp(x.charges) if x.charges else "")
           for x in r.schools],
          ["School", "Allocated", "In use", "Remaining", "Peak", "Place-weeks",
           "Forecast", "Charged"], out)
    show_warnings(r.warnings, err)
    return EXIT_OK


@_command
def cmd_quota_charge(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                     err: TextIO) -> int:
    saved = s.quotas.charge_unilateral_px(args.school, on=args.on, case=args.case,
                                          amount=args.amount, reason=args.reason or "")
    charge = next(c for c in s.quotas.repo.charges() if c.id == saved.id)
    return _done(args, out, err, saved, f"Charged {charge.school} {format_gbp(charge.amount)} "
                 f"({year_label(charge.academic_year)}).", {"charge": charge.to_dict()})


# -- the parser ------------------------------------------------------------------------------


def _in_quota_options(parser: argparse.ArgumentParser) -> None:
    """--in-quota / --not-in-quota (neither: the placement's default)."""
    q = parser.add_mutually_exclusive_group()
    q.add_argument("--in-quota", dest="in_quota", action="store_true", default=None)
    q.add_argument("--not-in-quota", dest="in_quota", action="store_false")


def register(sub: Any, parents: Parents) -> None:
    common, jsonp = parents.common, parents.jsonp
    both = [common, jsonp]
    pref = "proposal id (or its first 8 characters)"

    proposal = command_group(sub, "proposal", "proposals to the panel and their lifecycle")
    s = proposal.add_parser("add", parents=both, help="draft a proposal about a case")
    s.add_argument("case", help="case reference (C-XXXXXX) or id")
    s.add_argument("--kind", required=True, choices=[k.value for k in ProposalKind])
    s.add_argument("--title", help="a short summary")
    s.add_argument("--details")
    s.add_argument("--school", help="the school putting it (default: the home school)")
    s.add_argument("--to", help="receiving school (managed move) or admitting school")
    s.add_argument("--fair-access", dest="fair_access",
                   choices=[r.value for r in FairAccessReason], help="why (fair access)")
    s.add_argument("--start", help="start asked for (dd/mm/yyyy)")
    s.add_argument("--weeks", type=int, help="school weeks asked for")
    s.set_defaults(func=cmd_proposal_add)

    s = proposal.add_parser("list", parents=both, help="list proposals, or the board")
    s.add_argument("--state", choices=list(BOARD_ORDER))
    s.add_argument("--kind", choices=[k.value for k in ProposalKind])
    s.add_argument("--school", help="proposing or receiving school")
    s.add_argument("--case")
    s.add_argument("--board", action="store_true", help="grouped by lifecycle state")
    s.add_argument("--limit", type=int, help="cards per state on the board")
    s.set_defaults(func=cmd_proposal_list)

    s = proposal.add_parser("show", parents=both,
                            help="one proposal: ladder check, decision, history, whose turn")
    s.add_argument("proposal", help=pref)
    s.set_defaults(func=cmd_proposal_show)

    s = proposal.add_parser("update", parents=both, help="change a proposal before it closes")
    s.add_argument("proposal", help=pref)
    s.add_argument("--title")
    s.add_argument("--details")
    s.add_argument("--to")
    s.add_argument("--start")
    s.add_argument("--weeks", type=int)
    s.add_argument("--fair-access", dest="fair_access",
                   choices=[r.value for r in FairAccessReason])
    s.set_defaults(func=cmd_proposal_update)

    s = proposal.add_parser("submit", parents=both,
                            help="submit (runs and stores the ladder check for moves and "
                                 "AP places)")
    s.add_argument("proposal", help=pref)
    s.add_argument("--on", help="date of submission (default today)")
    s.add_argument("--override-reason", dest="override_reason",
                   help="submit although the ladder is not met: why")
    s.add_argument("--override-by", dest="override_by", help="who agreed the override")
    s.set_defaults(func=cmd_proposal_submit)

    s = proposal.add_parser("decide", parents=both,
                            help="record the panel's decision (outside a meeting's agenda)")
    s.add_argument("proposal", help=pref)
    s.add_argument("outcome", choices=[o.value for o in Outcome])
    s.add_argument("--on", help="date of the decision (default today)")
    s.add_argument("--conditions")
    s.add_argument("--review", help="review date")
    s.add_argument("--to", help="receiving or admitting school")
    s.add_argument("--over-quota-by", dest="over_quota_by", metavar="NAME",
                   help="approve although it goes over the quota: who approves it")
    s.add_argument("--note")
    s.set_defaults(func=cmd_proposal_decide)

    for name, func, text in (("start", cmd_proposal_start, "an approved move or place began"),
                             ("withdraw", cmd_proposal_withdraw, "withdraw a proposal")):
        s = proposal.add_parser(name, parents=both, help=text)
        s.add_argument("proposal", help=pref)
        s.add_argument("--note")
        s.set_defaults(func=func)

    s = proposal.add_parser("review", parents=both,
                            help="open a review of an active proposal (--done: it continues)")
    s.add_argument("proposal", help=pref)
    s.add_argument("--done", action="store_true", help="the review is over: it continues")
    s.add_argument("--note")
    s.set_defaults(func=cmd_proposal_review)

    s = proposal.add_parser("close", parents=both, help="close with an outcome")
    s.add_argument("proposal", help=pref)
    s.add_argument("outcome", nargs="?",
                   help="returned-home, converted, broke-down, moved-to-ap (moves); "
                        "reintegrated, continued, ... (places); rescinded, upheld, charged; "
                        "admitted, not-admitted; completed; declined")
    s.add_argument("--on", help="date (default today)")
    s.add_argument("--note")
    s.set_defaults(func=cmd_proposal_close)

    move = command_group(sub, "move", "managed moves and directions off-site")
    mref = "move id (or its first 8 characters)"
    s = move.add_parser("add", parents=both, help="record a move of a case's pupil")
    s.add_argument("case")
    s.add_argument("--to", required=True, help="receiving school")
    s.add_argument("--start", required=True, help="first day (dd/mm/yyyy)")
    s.add_argument("--type", default=Arrangement.OFF_SITE.value,
                   choices=[a.value for a in Arrangement],
                   help="managed-move: transfer to the new roll; off-site-direction: dual "
                        "registered (default)")
    s.add_argument("--kind", default=MoveKind.FIXED_TERM.value,
                   choices=[k.value for k in MoveKind])
    g = s.add_mutually_exclusive_group()
    g.add_argument("--end", help="planned last day")
    g.add_argument("--weeks", type=int, help="planned length in school weeks")
    g.add_argument("--days", type=int, help="planned length in school days")
    s.add_argument("--no-dual", dest="no_dual", action="store_true",
                   help="not dual registered")
    s.add_argument("--trial", action="store_true", help="recorded as a trial")
    s.add_argument("--notified", help="date the parents were given notice")
    s.add_argument("--review", action="append", metavar="DATE", help="a review date")
    s.add_argument("--proposal", help="the approved proposal it carries out")
    s.add_argument("--home", help="home school (default: the pupil's)")
    s.add_argument("--notes")
    s.set_defaults(func=cmd_move_add)

    s = move.add_parser("list", parents=both, help="list moves")
    s.add_argument("--open", action="store_true", help="not ended")
    s.add_argument("--school", help="sending or receiving school")
    s.add_argument("--case")
    s.set_defaults(func=cmd_move_list)

    s = move.add_parser("show", parents=both, help="one move")
    s.add_argument("move", help=mref)
    s.set_defaults(func=cmd_move_show)

    s = move.add_parser("update", parents=both,
                        help="dates, the admission meeting, targets, reviews, re-entry")
    s.add_argument("move", help=mref)
    s.add_argument("--end", help="planned last day")
    s.add_argument("--notified")
    s.add_argument("--review", action="append", metavar="DATE",
                   help="review dates (replace the list)")
    s.add_argument("--admission", help="admission meeting date")
    s.add_argument("--attendee", action="append", metavar="SIDE:NAME",
                   help=f"who attended (side: {', '.join(ATTENDEE_SIDES)})")
    s.add_argument("--target", action="append", help="an agreed target")
    s.add_argument("--reentry", help="re-entry or review meeting date")
    s.add_argument("--notes")
    s.set_defaults(func=cmd_move_update)

    s = move.add_parser("review", parents=both, help="a review was held")
    s.add_argument("move", help=mref)
    s.add_argument("--on")
    s.set_defaults(func=cmd_move_review)

    s = move.add_parser("end", parents=both, help="the move ended with an outcome")
    s.add_argument("move", help=mref)
    s.add_argument("--outcome", required=True, choices=[o.value for o in MoveOutcome])
    s.add_argument("--on", help="last day (default today)")
    s.add_argument("--reason", help="why it broke down")
    s.add_argument("--reentry", help="re-entry meeting date")
    s.set_defaults(func=cmd_move_end)

    s = move.add_parser("due", parents=both,
                        help="moves and placements ending or due for review soon")
    s.add_argument("--within", type=int, metavar="DAYS", help="school days ahead (default 10)")
    s.set_defaults(func=cmd_move_due)

    s = move.add_parser("labels", parents=both,
                        help="the partnership's names for the two arrangements")
    s.add_argument("--managed-move", dest="managed_move")
    s.add_argument("--off-site", dest="off_site")
    s.add_argument("--due-days", dest="due_days", type=int,
                   help="flag this many school days ahead")
    s.set_defaults(func=cmd_move_labels)

    s = move.add_parser("template", parents=both, help="the admission meeting template")
    s.set_defaults(func=cmd_move_template)

    moves = command_group(sub, "moves", "moves report and the fair-access rotation")
    s = moves.add_parser("report", parents=both,
                         help="outcome rates, send/receive balance, moves due")
    s.add_argument("--year", help="school year for the balance, e.g. 2026/27")
    s.set_defaults(func=cmd_moves_report)
    s = moves.add_parser("turn", parents=both, help="whose turn for a fair-access pupil")
    s.add_argument("year_group", help="e.g. Y9")
    s.add_argument("--year", help="school year, e.g. 2026/27")
    s.set_defaults(func=cmd_moves_turn)

    placement = command_group(sub, "placement", "AP placements")
    pref2 = "placement id (or its first 8 characters)"
    s = placement.add_parser("add", parents=both, help="record an AP placement")
    s.add_argument("case")
    s.add_argument("--provider-type", dest="provider_type", required=True,
                   choices=[p.value for p in ProviderType])
    s.add_argument("--provider", help="provider name")
    s.add_argument("--start", required=True)
    g = s.add_mutually_exclusive_group()
    g.add_argument("--end", help="planned last day")
    g.add_argument("--weeks", type=int, help="planned length in school weeks")
    s.add_argument("--pathway", default=Pathway.OTHER.value, choices=[p.value for p in Pathway])
    s.add_argument("--school", help="whose place it uses (default: the home school)")
    s.add_argument("--provider-school", dest="provider_school")
    _in_quota_options(s)
    s.add_argument("--not-dual", dest="not_dual", action="store_true")
    s.add_argument("--review", action="append", metavar="DATE")
    s.add_argument("--proposal")
    s.add_argument("--notes")
    s.set_defaults(func=cmd_placement_add)

    s = placement.add_parser("list", parents=both, help="list placements")
    s.add_argument("--open", action="store_true")
    s.add_argument("--school")
    s.add_argument("--case")
    s.set_defaults(func=cmd_placement_list)

    s = placement.add_parser("show", parents=both, help="one placement")
    s.add_argument("placement", help=pref2)
    s.set_defaults(func=cmd_placement_show)

    s = placement.add_parser("update", parents=both, help="planned end, reviews, quota")
    s.add_argument("placement", help=pref2)
    s.add_argument("--end")
    s.add_argument("--review", action="append", metavar="DATE")
    _in_quota_options(s)
    s.add_argument("--notes")
    s.set_defaults(func=cmd_placement_update)

    s = placement.add_parser("review", parents=both, help="a review was held")
    s.add_argument("placement", help=pref2)
    s.add_argument("--on")
    s.set_defaults(func=cmd_placement_review)

    s = placement.add_parser("end", parents=both, help="the placement ended")
    s.add_argument("placement", help=pref2)
    s.add_argument("--outcome", required=True, choices=[o.value for o in PlacementOutcome])
    s.add_argument("--on")
    s.set_defaults(func=cmd_placement_end)

    quota = command_group(sub, "quota", "the quota and budget year")
    s = quota.add_parser("set", parents=both,
                         help="places purchased, cost per place, envelope, allocations")
    s.add_argument("--year", help="school year, e.g. 2026/27 (default: this one)")
    s.add_argument("--places", type=int, required=True, help="places purchased")
    s.add_argument("--cost", required=True, help="cost per place a year, e.g. 17,500")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--envelope", help="the year's budget, e.g. 630,000")
    g.add_argument("--funded-places", dest="funded_places", type=int,
                   help="formula funding: envelope = N x cost")
    s.add_argument("--formula", choices=[f.value for f in Formula],
                   help="allocation formula (default equal; manual with --allocate)")
    s.add_argument("--roll-weight", dest="roll_weight", type=float, default=1.0)
    s.add_argument("--fsm-weight", dest="fsm_weight", type=float, default=0.0)
    s.add_argument("--allocate", action="append", metavar="SCHOOL=N",
                   help="places for a school (formula manual)")
    s.add_argument("--notes")
    s.set_defaults(func=cmd_quota_set)

    s = quota.add_parser("report", parents=both,
                         help="allocated, in use, remaining, money, forecast, carry-over")
    s.add_argument("--year", help="school year, e.g. 2026/27 (default: this one)")
    s.add_argument("--on", help="date (default today)")
    s.set_defaults(func=cmd_quota_report)

    s = quota.add_parser("charge", parents=both,
                         help="charge a school for a permanent exclusion made outside the "
                              "panel (the cost of the PRU place)")
    s.add_argument("school")
    s.add_argument("--case")
    s.add_argument("--on")
    s.add_argument("--amount", help="default: the year's cost per place")
    s.add_argument("--reason")
    s.set_defaults(func=cmd_quota_charge)
