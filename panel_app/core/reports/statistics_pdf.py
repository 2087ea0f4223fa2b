"""The reports PDF (A4, reportlab) in the minutes' house style: the same embedded DejaVu
Sans, paragraph styles, tables and page decoration (the protective marking at the top and
bottom of every page, "Page x of y"). Reproducible: invariant mode and the report's own
date in the metadata."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import Flowable

from panel_app import __version__
from panel_app.core.domain.dates import format_uk
from panel_app.core.reports.minutes_pdf import (
    FONT,
    MARGIN,
    TOP,
    _canvas_maker,
    _p,
    _PageDecor,
    _styles,
    _table,
    register_fonts,
)
from panel_app.core.reports.statistics import (
    ALL_SCHOOLS,
    YEAR_ROW,
    ExclusionsReport,
    MovesReport,
    OutcomesReport,
)

Report = ExclusionsReport | MovesReport | OutcomesReport
TITLES = {ExclusionsReport: "Suspensions and permanent exclusions",
          MovesReport: "Managed moves: sent, received, converted",
          OutcomesReport: "Placements, reintegration, ladder reach and quota use"}


class _ReportDecor(_PageDecor):
    def __init__(self, partnership: str, label: str, marking: str, produced: date) -> None:
        # no super(): there is no minutes document
        self.marking = marking.strip()
        self.left = f"{partnership}: report {label}"
        self.copy = "Aggregate figures"
        self.pdf_date = f"D:{produced:%Y%m%d}000000+00'00'"


def _term(term: str) -> str:
    return "Year" if term == YEAR_ROW else term.capitalize()


def _rate_chart(report: ExclusionsReport, width: float) -> Drawing | None:
    rows = [r for r in report.rows if r.term == YEAR_ROW and r.roll]
    if not rows:
        return None
    height = 18 * len(rows) + 44
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 120, 24
    chart.width, chart.height = width - 140, height - 34
    chart.data = [[r.suspension_rate.percent or 0.0 for r in rows],
                  [r.px_rate.percent or 0.0 for r in rows]]
    chart.categoryAxis.categoryNames = [r.school[:24] for r in rows]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#b8c4d6")
    chart.bars[1].fillColor = colors.HexColor("#3d5a80")
    drawing.add(chart)
    drawing.add(String(120, 5, "light: suspensions per 100 on roll; dark: permanent "
                       "exclusions per 100 on roll (year)", fontName=FONT, fontSize=7))
    return drawing


def _exclusions(report: ExclusionsReport, width: float) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = [_p(TITLES[ExclusionsReport], st["h1t"]),
                           _p("Suspension and PX rates are per 100 pupils on roll; each shows "
                              "its numerator and denominator. Figures marked * come from the "
                              "school's own term totals, not from counted records.",
                              st["note"])]
    heads = ["School", "Term", "Roll", "Suspensions", "Days", "Pupils suspended",
             "Permanent exclusions", "Attendance"]
    rows: list[list[Any]] = [[_p(h, st["head"]) for h in heads]]
    for r in [*report.rows, *report.totals]:
        def mark(measure: str, text: str, r: Any = r) -> str:
            return text + (" *" if r.sources.get(measure) == "term totals" else "")
        pupils = r.pupils_suspended_rate
        px = r.px_rate.text + (f"; {r.px_rescinded} rescinded" if r.px_rescinded else "")
        rows.append([_p(r.school if r.term in ("autumn", YEAR_ROW) or r.school == ALL_SCHOOLS
                        else "", st["cell"]),
                     _p(_term(r.term), st["cell"]),
                     _p("" if r.roll is None else f"{r.roll:,}"
                        + (" *" if r.roll_source == "term totals" else ""), st["cell"]),
                     _p(mark("suspensions", r.suspension_rate.text), st["cell"]),
                     _p(mark("suspension_days", f"{r.suspension_days:g}"), st["cell"]),
                     _p(mark("pupils_suspended", pupils.text if pupils else "not known"),
                        st["cell"]),
                     _p(mark("permanent_exclusions", px), st["cell"]),
                     _p("" if r.attendance_pct is None else f"{r.attendance_pct:g}%",
                        st["cell"])])
    out.append(_table(rows, [28 * mm, 16 * mm, 15 * mm, 28 * mm, 11 * mm, 28 * mm,
                             28 * mm, width - 154 * mm]))
    chart = _rate_chart(report, width)
    if chart is not None:
        out += [Spacer(1, 3 * mm), chart]
    return out


def _moves(report: MovesReport, width: float) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = [_p(TITLES[MovesReport], st["h1t"]),
                           _p("Moves by the term they started. Converted: of the moves the "
                              "school received that have ended, those that became a permanent "
                              "admission.", st["note"])]
    heads = ["School", "Term", "Sent", "Received", "Net", "Converted", "Returned home",
             "Broke down or to AP"]
    rows: list[list[Any]] = [[_p(h, st["head"]) for h in heads]]
    for m in report.rows:
        again = m.stats.moved_again
        rows.append([_p(m.school if m.term in ("autumn",) else "", st["cell"]),
                     _p(_term(m.term), st["cell"]), _p(str(m.sent), st["cell"]),
                     _p(str(m.received), st["cell"]), _p(f"{m.net:+d}", st["cell"]),
                     _p(m.converted.text, st["cell"]),
                     _p(m.stats.rates["returned-home"].text, st["cell"]),
                     _p(again.text, st["cell"])])
    out.append(_table(rows, [32 * mm, 16 * mm, 12 * mm, 18 * mm, 12 * mm, 30 * mm, 28 * mm,
                             width - 148 * mm]))
    o = report.overall
    out.append(_p(f"All moves started in {report.label}: {o.total} ({o.running} running, "
                  f"{o.planned} planned, {o.ended} ended); converted "
                  f"{o.rates['converted'].text}; moved again or to AP {o.moved_again.text}.",
                  st["body"]))
    return out


def _outcomes(report: OutcomesReport, width: float) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = [_p("AP placements and reintegration", st["h1t"]),
                           _p("Per referring school: placements started and ended in the "
                              "year; reintegration of those ended; sustained: reintegrated "
                              "pupils with no later placement or permanent exclusion two terms "
                              "or more later.", st["note"])]
    heads = ["School", "Started", "Running", "Ended", "Reintegrated", "Sustained"]
    rows: list[list[Any]] = [[_p(h, st["head"]) for h in heads]]
    for p in report.placements:
        rows.append([_p(p.school, st["cell"]), _p(str(p.started), st["cell"]),
                     _p(str(p.running), st["cell"]), _p(str(p.ended), st["cell"]),
                     _p(p.reintegration.text, st["cell"]), _p(p.sustained.text, st["cell"])])
    out.append(_table(rows, [46 * mm, 18 * mm, 18 * mm, 16 * mm, 38 * mm, width - 136 * mm]))
    out += [CondPageBreak(40 * mm), _p("Ladder-step reach", st["h1t"])]
    if not report.ladder:
        out.append(_p("The partnership has no intervention ladder yet.", st["body"]))
    else:
        out.append(_p(f"{report.ladder}: of the cases open during the year, those with "
                      "evidence recorded at each step (or a later one).", st["note"]))
        rows = [[_p(h, st["head"]) for h in ("School", "Step", "Cases reaching it")]]
        for school, steps in report.reach.items():
            for n, s in enumerate(steps):
                rows.append([_p(school if n == 0 else "", st["cell"]),
                             _p(f"{s.number}. {s.name}", st["cell"]),
                             _p(s.reached.text, st["cell"])])
        out.append(_table(rows, [46 * mm, 80 * mm, width - 126 * mm]))
    out += [CondPageBreak(40 * mm), _p("Quota use", st["h1t"])]
    if not report.quota:
        out.append(_p(report.quota_note or "No quota is set for this year.", st["body"]))
    else:
        rows = [[_p(h, st["head"]) for h in ("School", "Allocated", "Places in use",
                                              "Place-weeks used")]]
        for q in report.quota:
            rows.append([_p(q.school, st["cell"]), _p(str(q.allocated), st["cell"]),
                         _p(q.in_use.text, st["cell"]), _p(q.place_weeks.text, st["cell"])])
        out.append(_table(rows, [56 * mm, 22 * mm, 40 * mm, width - 118 * mm]))
        if report.quota_note:
            out.append(_p(report.quota_note, st["note"]))
    return out


def render_reports(reports: Sequence[Report], *, partnership: str, marking: str,
                   produced: date, school: str = "") -> bytes:
    """The PDF bytes of one or more reports of the same year."""
    register_fonts()
    st = _styles()
    width = A4[0] - 2 * MARGIN
    label = reports[0].label if reports else ""
    title = (TITLES[type(reports[0])] if len(reports) == 1
             else "Exclusions, moves and outcomes")
    story: list[Flowable] = [
        _p(partnership, st["party"]),
        _p(f"{title} {label}", st["title"]),
        _p(f"{'School: ' + school + '. ' if school else ''}Produced on "
           f"{format_uk(produced)} from the partnership database. The figures are totals "
           "per school; small numbers can still point to a pupil. This printed copy is not "
           "encrypted: keep it secure and destroy it when no longer needed.", st["note"]),
        Spacer(1, 3 * mm),
    ]
    for n, report in enumerate(reports):
        if n:
            story.append(CondPageBreak(60 * mm))
        if isinstance(report, ExclusionsReport):
            story += _exclusions(report, width)
        elif isinstance(report, MovesReport):
            story += _moves(report, width)
        else:
            story += _outcomes(report, width)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=TOP,
        bottomMargin=20 * mm, title=f"{title} {label}", author=partnership,
        subject="Partnership report (aggregate figures)",
        creator=f"Partnership Panel {__version__}", keywords=f"{marking}, report",
        lang="en-GB", invariant=1, initialFontName=FONT)
    template.build(story, canvasmaker=_canvas_maker(
        _ReportDecor(partnership, label, marking, produced)))
    return buffer.getvalue()
