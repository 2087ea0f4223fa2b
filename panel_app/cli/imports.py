"""`panel-app import ...`, `report ...`, `exclusion ...`, `attendance ...` and
`term-totals ...`.

Imports of MIS CSV exports and DfE Common Transfer Files (a preview with per-row errors
first, then one transaction; ``--dry-run`` stops after the preview), exclusion and
attendance records per pupil, a school's own totals for a term, and the reports per school
and term (exclusions, moves, outcomes) as text, JSON, CSV or PDF, and the trend of
suspensions or permanent exclusions per school term by term (``report trends``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from panel_app.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    CliError,
    Parents,
    Secrets,
    print_json,
    reads_only,
    show_warnings,
    table,
    unlocked,
)
from panel_app.core.domain.calendar import TERM_NAMES
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.exclusions import (
    REASONS,
    ExclusionKind,
    PxStatus,
    term_label,
)
from panel_app.core.errors import ValidationError
from panel_app.core.imports import mis_csv
from panel_app.core.imports.mis_csv import parse_map_options
from panel_app.core.reports import statistics as stats
from panel_app.core.reports import trends
from panel_app.core.services import PartnershipSession
from panel_app.core.services.exports import LEAVES_ENCRYPTION
from panel_app.core.services.imports import ImportPreview
from panel_app.core.services.meetings import Saved

ROW_LIMIT = 50  # rows with errors or changes shown in text output (all of them in --json)


def _command(body: Callable[[argparse.Namespace, PartnershipSession, TextIO, TextIO], int]
             ) -> Callable[[argparse.Namespace, Secrets, TextIO, TextIO], int]:
    def run(args: argparse.Namespace, secrets: Secrets, out: TextIO, err: TextIO) -> int:
        with unlocked(args, secrets) as session:
            return int(body(args, session, out, err))
    return run


def _saved(args: argparse.Namespace, out: TextIO, err: TextIO, saved: Saved, text: str,
           extra: dict[str, Any] | None = None) -> int:
    show_warnings(saved.warnings, err)
    if args.json:
        print_json({"id": saved.id, "changed": sorted(saved.changes.entities),
                    "warnings": [w.to_dict() for w in saved.warnings], **(extra or {})}, out)
    else:
        out.write(text + "\n")
    return EXIT_OK


# -- import ------------------------------------------------------------------------------------


def _show_preview(p: ImportPreview, out: TextIO) -> None:
    c = p.counts
    what = "CSV" if p.format == "csv" else "Common Transfer File"
    out.write(f"{p.filename}: {what}, {p.kind}, {c['rows']} row(s)"
              + (f", read as {p.encoding}" if p.format == "csv" else "")
              + (f", school {p.school}" if p.school else "") + "\n")
    if p.format == "csv":
        cols = [f"{h} -> {p.mapping[h]} ({p.mapping_origin.get(h, '')})" for h in p.headers
                if h in p.mapping]
        out.write("Columns: " + "; ".join(cols) + "\n")
        if p.unmapped:
            out.write("Not imported: " + ", ".join(p.unmapped) + "\n")
    if p.attendance_term is not None:
        out.write(f"Attendance % is recorded for {term_label(*p.attendance_term)}.\n")
    for note in p.notes:
        out.write(f"Note: {note}\n")
    parts = [f"{c['new']} new", f"{c['update']} to update", f"{c['unchanged']} unchanged",
             f"{c['error']} with errors"]
    if c["new_exclusions"] or c["changed_exclusions"]:
        parts.append(f"{c['new_exclusions']} exclusion(s) to add, "
                     f"{c['changed_exclusions']} to update")
    out.write("Rows: " + ", ".join(parts) + ".\n")
    shown = [r for r in p.rows if r.errors or r.changes or any(
        i.severity == "warning" for i in r.issues)]
    for r in shown[:ROW_LIMIT]:
        head = f"  line {r.line}  {r.upn or '(no UPN)'}  {r.name}  {r.action}"
        details = [f"{ch.field} {ch.old or '(empty)'} -> {ch.new}" for ch in r.changes]
        details += [("error: " if i.severity == "error" else "warning: ") + i.message
                    for i in r.issues]
        out.write(head + ("\n    " + "\n    ".join(details) if details else "") + "\n")
    if len(shown) > ROW_LIMIT:
        out.write(f"  ... and {len(shown) - ROW_LIMIT} more row(s): see --json.\n")


def _finish_import(args: argparse.Namespace, s: PartnershipSession, preview: ImportPreview,
                   out: TextIO, err: TextIO) -> int:
    if args.dry_run:
        if args.json:
            print_json({"preview": preview.to_dict(), "result": None}, out)
        else:
            _show_preview(preview, out)
            out.write("Dry run: nothing was stored.\n")
        return EXIT_OK
    try:
        result = s.imports.apply(preview, skip_invalid=args.skip_invalid,
                                 remember_mapping=not getattr(args, "no_remember", False))
    except ValidationError as exc:
        if args.json:
            print_json({"preview": preview.to_dict(), "result": None}, out)
        else:
            _show_preview(preview, out)
        err.write("Nothing was saved. " + " ".join(i.message for i in exc.issues) + "\n")
        return EXIT_FAIL
    if args.json:
        print_json({"preview": preview.to_dict(), "result": result.to_dict()}, out)
    else:
        _show_preview(preview, out)
        out.write(result.message + "\n")
        if result.mapping_saved:
            out.write(f"The column mapping is remembered for {preview.school}.\n")
    return EXIT_OK


@_command
def cmd_import_csv(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                   err: TextIO) -> int:
    given, issues = parse_map_options(args.map or [])
    if issues:
        raise ValidationError(issues)
    preview = s.imports.preview_csv(Path(args.file).expanduser(), school=args.school,
                                    kind=args.kind, mapping=given, year=args.year,
                                    term=args.term)
    return _finish_import(args, s, preview, out, err)


@_command
def cmd_import_ctf(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                   err: TextIO) -> int:
    preview = s.imports.preview_ctf(Path(args.file).expanduser(), school=args.school)
    return _finish_import(args, s, preview, out, err)


@reads_only("forget")
@_command
def cmd_import_mapping(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    if args.forget:
        changes = s.imports.forget_mapping(args.school, args.kind)
        out.write("Forgotten.\n" if changes else "No mapping was remembered.\n")
        return EXIT_OK
    mapping = s.imports.remembered_mapping(args.school, args.kind)
    if args.json:
        print_json(mapping, out)
    elif not mapping:
        out.write("No mapping is remembered: the next import recognises the columns by "
                  "name.\n")
    else:
        table(sorted(mapping.items()), ["Column", "Field"], out)
    return EXIT_OK


# -- report ------------------------------------------------------------------------------------


def _term(term: str) -> str:
    return "Year" if term == stats.YEAR_ROW else term.capitalize()


def _text_exclusions(r: stats.ExclusionsReport, out: TextIO) -> None:
    out.write(f"Suspensions and permanent exclusions {r.label} (rates per 100 on roll; "
              "* from term totals)\n")

    def mark(row: stats.ExclusionRow, measure: str, text: str) -> str:
        return text + (" *" if row.sources.get(measure) == "term totals" else "")
    rows = []
    for x in [*r.rows, *r.totals]:
        pupils = x.pupils_suspended_rate
        rows.append((x.school, _term(x.term),
                     "" if x.roll is None else f"{x.roll}"
                     + (" *" if x.roll_source == "term totals" else ""),
                     mark(x, "suspensions", x.suspension_rate.text),
                     mark(x, "suspension_days", f"{x.suspension_days:g}"),
                     mark(x, "pupils_suspended", pupils.text if pupils else "not known"),
                     mark(x, "permanent_exclusions", x.px_rate.text), x.px_rescinded,
                     "" if x.attendance_pct is None else f"{x.attendance_pct:g}%"))
    table(rows, ["School", "Term", "Roll", "Suspensions", "Days", "Pupils suspended", "PX",
                 "Rescinded", "Attendance"], out)


def _text_moves(r: stats.MovesReport, out: TextIO) -> None:
    out.write(f"Moves {r.label} by the term they started (converted: of the moves received "
              "that ended)\n")
    table([(m.school, _term(m.term), m.sent, m.received, f"{m.net:+d}", m.converted.text,
            m.stats.moved_again.text) for m in r.rows],
          ["School", "Term", "Sent", "Received", "Net", "Converted", "Broke down or to AP"],
          out)
    o = r.overall
    out.write(f"All moves started in {r.label}: {o.total} ({o.running} running, {o.planned} "
              f"planned, {o.ended} ended); converted {o.rates['converted'].text}.\n")


def _text_outcomes(r: stats.OutcomesReport, out: TextIO) -> None:
    out.write(f"AP placements {r.label} (per referring school)\n")
    table([(p.school, p.started, p.running, p.ended, p.reintegration.text, p.sustained.text)
           for p in r.placements],
          ["School", "Started", "Running", "Ended", "Reintegrated", "Sustained"], out)
    out.write("\nLadder-step reach" + (f" ({r.ladder})" if r.ladder else "") + "\n")
    if not r.reach:
        out.write("The partnership has no intervention ladder yet.\n")
    else:
        table([(school, f"{s.number}. {s.name}", s.reached.text)
               for school, steps in r.reach.items() for s in steps],
              ["School", "Step", "Cases reaching it"], out)
    out.write("\nQuota use\n")
    if not r.quota:
        out.write((r.quota_note or "No quota is set.") + "\n")
    else:
        table([(q.school, q.allocated, q.in_use.text, q.place_weeks.text) for q in r.quota],
              ["School", "Allocated", "Places in use", "Place-weeks used"], out)
        if r.quota_note:
            out.write(r.quota_note + "\n")


TREND_MEASURES = {"suspensions": trends.SUSPENSIONS, "px": trends.PERMANENT}
MAX_TREND_YEARS = 10


def _report_trends(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                   err: TextIO) -> int:
    """Per school per term: the count, the roll and the rate per 1,000 on roll."""
    if args.pdf:
        raise CliError("The trend is in the exclusions PDF: use 'report exclusions --pdf "
                       "FILE'.")
    if args.csv is not None and args.json:
        raise CliError("Choose --json or --csv, not both.")
    years = 2 if args.years is None else args.years
    if not 1 <= years <= MAX_TREND_YEARS:
        raise CliError(f"--years is a number of school years from 1 to {MAX_TREND_YEARS}.")
    measure = TREND_MEASURES[args.measure or "suspensions"]
    if args.csv is not None:
        if args.csv == "-":
            out.write(s.reports.trend_csv_text(measure, year=args.year, school=args.school,
                                               years=years))
        else:
            f = s.reports.write_trend_csv(measure, Path(args.csv).expanduser(),
                                          year=args.year, school=args.school, years=years)
            err.write(f"Wrote {f.path} ({f.size:,} bytes). {LEAVES_ENCRYPTION}\n")
        return EXIT_OK
    trend = s.reports.exclusion_trend(year=args.year, school=args.school, years=years)
    if args.json:
        print_json(trends.to_dict(trend, measure, years=years), out)
        return EXIT_OK
    what = trends.MEASURES[measure]
    on = f"figures on {format_uk(trend.on)}" if trend.on else "figures"
    out.write(f"{what} per 1,000 pupils on roll, term by term, {trend.label} ({on}"
              + ("; the last term so far" if trend.so_far else "") + ")\n")
    schools, totals = trends.rows(trend, measure)
    shown = schools + (totals if len(trend.schools) > 1 else [])
    table([(r["school"], r["label"], r["numerator"],
            "" if r["denominator"] is None else f"{r['denominator']:,}",
            "no roll" if r["per_1000"] is None else f"{r['per_1000']:g}") for r in shown],
          ["School", "Term", what, "Roll", "Per 1,000"], out)
    return EXIT_OK


@reads_only()
@_command
def cmd_report(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
               err: TextIO) -> int:
    if args.report == "trends":
        return _report_trends(args, s, out, err)
    if args.measure is not None or args.years is not None:
        raise CliError("--measure and --years are for 'report trends'.")
    kinds = list(stats.KINDS) if args.report == "all" else [args.report]
    if args.csv is not None and len(kinds) > 1:
        raise CliError("A CSV holds one report: choose exclusions, moves or outcomes.")
    if args.csv is not None and args.json:
        raise CliError("Choose --json or --csv, not both.")
    if args.pdf:
        pdf = s.reports.write_pdf(kinds, Path(args.pdf).expanduser(), year=args.year,
                                  school=args.school, marking=args.marking)
        err.write(f"Wrote {pdf.path} ({pdf.size:,} bytes). {LEAVES_ENCRYPTION}\n")
    if args.csv is not None:
        if args.csv == "-":
            out.write(s.reports.csv_text(kinds[0], year=args.year, school=args.school))
        else:
            f = s.reports.write_csv(kinds[0], Path(args.csv).expanduser(), year=args.year,
                                    school=args.school)
            err.write(f"Wrote {f.path} ({f.size:,} bytes). {LEAVES_ENCRYPTION}\n")
        return EXIT_OK
    if args.pdf and not args.json:
        return EXIT_OK
    reports = [s.reports.report(k, year=args.year, school=args.school) for k in kinds]
    if args.json:
        print_json(reports[0].to_dict() if len(reports) == 1
                   else {k: r.to_dict() for k, r in zip(kinds, reports, strict=True)}, out)
        return EXIT_OK
    for n, r in enumerate(reports):
        if n:
            out.write("\n")
        if isinstance(r, stats.ExclusionsReport):
            _text_exclusions(r, out)
        elif isinstance(r, stats.MovesReport):
            _text_moves(r, out)
        else:
            _text_outcomes(r, out)
    return EXIT_OK


# -- exclusion, attendance, term totals -------------------------------------------------------


@_command
def cmd_exclusion_add(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                      err: TextIO) -> int:
    saved = s.exclusions.add(args.pupil, kind=args.kind, start=args.date, days=args.days,
                             reason=args.reason or "", status=args.status,
                             decided_on=args.decided, school=args.school)
    e = s.exclusions.get(saved.id)
    return _saved(args, out, err, saved, f"Recorded: {s.exclusions.describe(e)} "
                  f"(id {e.id[:8]}).", {"exclusion": e.to_dict()})


@_command
def cmd_exclusion_update(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                         err: TextIO) -> int:
    saved = s.exclusions.update(args.exclusion, start=args.date, days=args.days,
                                reason=args.reason, status=args.status,
                                decided_on=args.decided)
    e = s.exclusions.get(saved.id)
    return _saved(args, out, err, saved, ("Updated: " if saved.changes else "Nothing changed: ")
                  + s.exclusions.describe(e) + ".", {"exclusion": e.to_dict()})


@_command
def cmd_exclusion_remove(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                         err: TextIO) -> int:
    s.exclusions.remove(args.exclusion)
    out.write("Removed.\n")
    return EXIT_OK


@reads_only()
@_command
def cmd_exclusion_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    found = s.exclusions.list_exclusions(pupil=args.pupil, school=args.school, year=args.year)
    if args.json:
        print_json([e.to_dict() for e in found], out)
        return EXIT_OK
    table([(e.id[:8], format_uk(e.start_on), e.kind,
            "" if e.days is None else f"{e.days:g}", e.status, e.reason,
            e.school or "(another school)", e.source) for e in found],
          ["Id", "Date", "Kind", "Days", "Status", "Reason", "School", "Source"], out)
    return EXIT_OK


@reads_only()
def cmd_exclusion_reasons(args: argparse.Namespace, secrets: Secrets, out: TextIO,
                          err: TextIO) -> int:
    if args.json:
        print_json(REASONS, out)
    else:
        table(sorted(REASONS.items()), ["Code", "Reason"], out)
    return EXIT_OK


@_command
def cmd_attendance_set(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                       err: TextIO) -> int:
    possible = attended = None
    if args.sessions:
        left, sep, right = args.sessions.partition("/")
        if not sep:
            raise CliError("Give --sessions as ATTENDED/POSSIBLE, for example 250/290.")
        attended, possible = left.strip(), right.strip()
    saved = s.exclusions.set_attendance(args.pupil, year=args.year, term=args.term or "",
                                        percent=args.percent, possible=possible,
                                        attended=attended, school=args.school)
    return _saved(args, out, err, saved, "Recorded." if saved.changes else "Nothing changed.")


@reads_only()
@_command
def cmd_attendance_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                        err: TextIO) -> int:
    found = s.exclusions.list_attendance(args.pupil)
    if args.json:
        print_json([a.to_dict() for a in found], out)
        return EXIT_OK
    table([(a.label, f"{a.percent:g}%", "" if a.sessions_possible is None else
            f"{a.sessions_attended}/{a.sessions_possible}", a.source) for a in found],
          ["Term", "Attendance", "Sessions", "Source"], out)
    return EXIT_OK


_FIGURES = (("roll", "roll"), ("suspensions", "suspensions"),
            ("suspension_days", "suspension_days"), ("pupils_suspended", "pupils_suspended"),
            ("px", "permanent_exclusions"), ("attendance", "attendance_pct"))


@_command
def cmd_totals_set(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                   err: TextIO) -> int:
    values = {key: getattr(args, name) for name, key in _FIGURES
              if getattr(args, name) is not None}
    clear = [dict(_FIGURES).get(c.replace("-", "_"), c.replace("-", "_"))
             for c in (args.clear or [])]
    saved = s.exclusions.set_figures(args.school, year=args.year, term=args.term,
                                     notes=args.notes, clear=clear, **values)
    return _saved(args, out, err, saved, "Recorded." if saved.changes else "Nothing changed.")


@reads_only()
@_command
def cmd_totals_list(args: argparse.Namespace, s: PartnershipSession, out: TextIO,
                    err: TextIO) -> int:
    found = s.exclusions.list_figures(year=args.year, school=args.school)
    if args.json:
        print_json([f.to_dict() for f in found], out)
        return EXIT_OK

    def cell(v: Any) -> str:
        return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
    table([(f.school, f.label, cell(f.roll), cell(f.suspensions), cell(f.suspension_days),
            cell(f.pupils_suspended), cell(f.permanent_exclusions), cell(f.attendance_pct))
           for f in found],
          ["School", "Term", "Roll", "Suspensions", "Days", "Pupils suspended", "PX",
           "Attendance %"], out)
    return EXIT_OK


# -- the parser ------------------------------------------------------------------------------


def register(sub: Any, parents: Parents) -> None:
    both = [parents.common, parents.jsonp]
    pupil_help = "case reference (C-XXXXXX) or id, or the pupil's UPN"

    imp = sub.add_parser("import", help="import pupils and records from an MIS CSV or a CTF"
                         ).add_subparsers(dest="import_command", metavar="FORMAT",
                                          required=True)
    s = imp.add_parser("csv", parents=both,
                       help="an MIS CSV export: preview with per-row errors, then import")
    s.add_argument("file", help="the CSV file (UTF-8, or Windows-1252)")
    s.add_argument("--school", help="the school whose export this is (name, code or URN)")
    s.add_argument("--kind", default="auto", choices=["auto", mis_csv.PUPILS,
                                                      mis_csv.EXCLUSIONS],
                   help="pupils or exclusions (default: told from the columns)")
    s.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                   help="map a column to a field (or to 'ignore'); repeatable")
    s.add_argument("--year", help="school year an attendance column covers, e.g. 2026/27")
    s.add_argument("--term", choices=[*TERM_NAMES, "year"],
                   help="term an attendance column covers (default: the current term)")
    s.add_argument("--dry-run", action="store_true", help="preview only; store nothing")
    s.add_argument("--skip-invalid", action="store_true",
                   help="import the other rows when some have errors")
    s.add_argument("--no-remember", action="store_true",
                   help="do not remember this column mapping for the school")
    s.set_defaults(func=cmd_import_csv)
    s = imp.add_parser("ctf", parents=both,
                       help="a DfE Common Transfer File (XML): preview, then import")
    s.add_argument("file", help="the CTF (.xml)")
    s.add_argument("--school", help="the pupils' school (default: the CTF's source school)")
    s.add_argument("--dry-run", action="store_true", help="preview only; store nothing")
    s.add_argument("--skip-invalid", action="store_true",
                   help="import the other pupils when some have errors")
    s.set_defaults(func=cmd_import_ctf)
    s = imp.add_parser("mapping", parents=both,
                       help="the column mapping remembered for a school's CSV exports")
    s.add_argument("school")
    s.add_argument("--kind", default=mis_csv.PUPILS,
                   choices=[mis_csv.PUPILS, mis_csv.EXCLUSIONS])
    s.add_argument("--forget", action="store_true", help="forget it")
    s.set_defaults(func=cmd_import_mapping)

    s = sub.add_parser("report", parents=both,
                       help="exclusions, moves or outcomes per school and term; trends: "
                            "exclusions per school term by term over years")
    s.add_argument("report", choices=[*stats.KINDS, "all", "trends"])
    s.add_argument("--year", help="school year, e.g. 2026/27 (default: this one)")
    s.add_argument("--school", help="one school only")
    s.add_argument("--csv", nargs="?", const="-", metavar="FILE",
                   help="CSV to standard output, or to FILE (not encrypted)")
    s.add_argument("--pdf", metavar="FILE", help="write a PDF report (not encrypted)")
    s.add_argument("--marking", help="protective marking on the PDF (default: the "
                                     "meetings setting)")
    s.add_argument("--measure", choices=list(TREND_MEASURES),
                   help="trends: suspensions (default) or px (permanent exclusions)")
    s.add_argument("--years", type=int, metavar="N",
                   help="trends: school years ending with --year (default 2)")
    s.set_defaults(func=cmd_report)

    ex = sub.add_parser("exclusion", help="suspensions and permanent exclusions of pupils"
                        ).add_subparsers(dest="exclusion_command", metavar="ACTION",
                                         required=True)
    s = ex.add_parser("add", parents=both, help="record a suspension or permanent exclusion")
    s.add_argument("pupil", help=pupil_help)
    s.add_argument("--kind", required=True, choices=[k.value for k in ExclusionKind])
    s.add_argument("--date", required=True, help="the date it started (dd/mm/yyyy)")
    s.add_argument("--days", help="length of a suspension in school days (0.5 = a session)")
    s.add_argument("--reason", help="census reason code (see 'exclusion reasons')")
    s.add_argument("--status", choices=[x.value for x in PxStatus],
                   help="of a permanent exclusion (default pending)")
    s.add_argument("--decided", help="date the governors upheld or rescinded it")
    s.add_argument("--school", help="the excluding school (default: the home school)")
    s.set_defaults(func=cmd_exclusion_add)
    s = ex.add_parser("update", parents=both, help="change an exclusion (e.g. PX upheld)")
    s.add_argument("exclusion", help="its id (or the first 6+ characters)")
    s.add_argument("--date")
    s.add_argument("--days")
    s.add_argument("--reason")
    s.add_argument("--status", choices=[x.value for x in PxStatus])
    s.add_argument("--decided")
    s.set_defaults(func=cmd_exclusion_update)
    s = ex.add_parser("remove", parents=both, help="take a wrongly recorded exclusion off")
    s.add_argument("exclusion")
    s.set_defaults(func=cmd_exclusion_remove)
    s = ex.add_parser("list", parents=both, help="exclusions of a pupil, a school, a year")
    s.add_argument("--pupil", help=pupil_help)
    s.add_argument("--school")
    s.add_argument("--year", help="school year, e.g. 2026/27")
    s.set_defaults(func=cmd_exclusion_list)
    s = ex.add_parser("reasons", parents=[parents.jsonp], help="the census reason codes")
    s.set_defaults(func=cmd_exclusion_reasons)

    att = sub.add_parser("attendance", help="attendance of pupils per term"
                         ).add_subparsers(dest="attendance_command", metavar="ACTION",
                                          required=True)
    s = att.add_parser("set", parents=both, help="a pupil's attendance for a term or year")
    s.add_argument("pupil", help=pupil_help)
    s.add_argument("--percent", help="attendance %%")
    s.add_argument("--sessions", help="ATTENDED/POSSIBLE sessions, e.g. 250/290")
    s.add_argument("--year", help="school year (default: this one)")
    s.add_argument("--term", choices=[*TERM_NAMES, "year"], help="default: the whole year")
    s.add_argument("--school")
    s.set_defaults(func=cmd_attendance_set)
    s = att.add_parser("list", parents=both, help="a pupil's attendance records")
    s.add_argument("pupil", help=pupil_help)
    s.set_defaults(func=cmd_attendance_list)

    tot = sub.add_parser("term-totals", help="a school's own totals for a term"
                         ).add_subparsers(dest="totals_command", metavar="ACTION",
                                          required=True)
    s = tot.add_parser("set", parents=both,
                       help="record totals (they replace counted records in reports)")
    s.add_argument("school")
    s.add_argument("--term", required=True, choices=list(TERM_NAMES))
    s.add_argument("--year", help="school year (default: this one)")
    s.add_argument("--roll", help="number on roll")
    s.add_argument("--suspensions", help="number of suspensions")
    s.add_argument("--suspension-days", dest="suspension_days", help="their days in total")
    s.add_argument("--pupils-suspended", dest="pupils_suspended",
                   help="pupils with one or more suspensions")
    s.add_argument("--px", help="permanent exclusions")
    s.add_argument("--attendance", help="attendance %%")
    s.add_argument("--notes")
    s.add_argument("--clear", action="append", metavar="FIGURE",
                   help="forget a figure (roll, suspensions, suspension-days, "
                        "pupils-suspended, px, attendance); repeatable")
    s.set_defaults(func=cmd_totals_set)
    s = tot.add_parser("list", parents=both, help="term totals entered")
    s.add_argument("--year")
    s.add_argument("--school")
    s.set_defaults(func=cmd_totals_list)
