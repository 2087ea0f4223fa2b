"""The reports PDF (A4, reportlab) in the minutes' house style: the same embedded DejaVu
Sans, paragraph styles, tables and page decoration (the protective marking at the top and
bottom of every page, "Page x of y"). Reproducible: invariant mode and the report's own
date in the metadata.

The exclusions report carries the trend per school term by term (``core.reports.trends``):
a line chart per measure (suspensions, permanent exclusions; per 1,000 on roll) in which
every school has its own marker shape and dash pattern besides its colour, as in the
window, with a legend, axis titles and the running term labelled "so far"; under each
chart a table of the same figures, every rate with its numerator and denominator."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.textlabels import Label
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import Marker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
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
from panel_app.core.reports.trends import (
    COLOURS,
    DASHES,
    MEASURES,
    ExclusionTrend,
    line_style,
    nice_axis,
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


# -- the trend ------------------------------------------------------------------------------
CHART_FONT = 7.5
LINE_WIDTH = 1.4
# the window's markers drawn with reportlab's: (kind, turned by degrees, size factor)
MARKER_SHAPES = {"circle": ("FilledCircle", 0, 1.0), "square": ("FilledSquare", 0, 0.9),
                 "triangle": ("FilledTriangle", 0, 1.25),
                 "diamond": ("FilledDiamond", 0, 1.35),
                 "down-triangle": ("FilledTriangle", 180, 1.25),
                 "cross": ("FilledCross", 45, 1.3), "plus": ("FilledCross", 0, 1.3),
                 "star": ("FilledStarFive", 0, 1.5)}


def _marker(index: int, size: float = 5.5) -> Marker:
    kind, angle, factor = MARKER_SHAPES[line_style(index)[0]]
    return Marker(kind=kind, angle=angle, size=size * factor,
                  fillColor=colors.HexColor(COLOURS[index % len(COLOURS)]),
                  strokeColor=colors.black, strokeWidth=0.4)


def _dash(index: int) -> list[float] | None:
    pattern = dict(DASHES)[line_style(index)[1]]
    return [d * LINE_WIDTH for d in pattern] or None


def _fit(text: str, room: float, size: float = CHART_FONT) -> str:
    """``text``, cut with an ellipsis to fit ``room`` points."""
    if stringWidth(text, FONT, size) <= room:
        return text
    while text and stringWidth(text + "…", FONT, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _segments(values: list[float | None]) -> list[list[float | None]]:
    """The runs of figures in a line, each padded with None to the full length, so a term
    without a figure is a gap in the line (reportlab would join across it)."""
    runs: list[list[float | None]] = []
    current: list[float | None] | None = None
    for i, v in enumerate(values):
        if v is None:
            current = None
            continue
        if current is None:
            current = [None] * len(values)
            runs.append(current)
        current[i] = v
    return runs


def _tick_label(label: str) -> str:
    """'Autumn 2025/26 so far' under the axis as 'Autumn', '2025/26', 'so far'."""
    term, _, rest = label.partition(" ")
    year, _, extra = rest.partition(" ")
    return "\n".join([term, year] + ([extra] if extra else []))


def _trend_legend(names: list[str], width: float) -> tuple[list[list[tuple[int, str]]], float]:
    """The legend's rows of (line index, name), flowing across ``width``; the row height."""
    sample = 28
    rows: list[list[tuple[int, str]]] = [[]]
    x = 0.0
    for i, name in enumerate(names):
        name = _fit(name, width - sample - 6)
        item = sample + 5 + stringWidth(name, FONT, CHART_FONT)
        if rows[-1] and x + item > width:
            rows.append([])
            x = 0.0
        rows[-1].append((i, name))
        x += item + 14
    return rows, CHART_FONT + 6


def trend_chart(trend: ExclusionTrend, measure: str, width: float,
                plot_height: float = 150) -> Drawing:
    """One measure per school over the terms, per 1,000 on roll: a line per school (its
    colour, marker and dash pattern), the legend above, the y axis titled with the unit,
    the terms along the bottom ('so far' under a running term) titled "Term"."""
    names = [s.school for s in trend.schools]
    values = [[p.rate(measure) for p in s.points] for s in trend.schools]
    left, right = 50.0, 8.0
    legend, row_h = _trend_legend(names, width - left)
    ticks = [_tick_label(label) for label in trend.labels]
    label_lines = max((t.count("\n") + 1 for t in ticks), default=1)
    bottom = 4 + CHART_FONT + 6 + label_lines * (CHART_FONT + 1.5) + 4
    height = bottom + plot_height + 10 + len(legend) * row_h
    drawing = Drawing(width, height)
    shown = [v for line in values for v in line if v is not None]
    top, step = nice_axis(max(shown, default=0.0) * 1.08)
    # two charts on the same axes: the lines (with the axes), then the markers alone on
    # top, so no line hides another school's marker
    chart, markers = HorizontalLineChart(), HorizontalLineChart()
    rows: list[list[float | None]] = []
    for i, line in enumerate(values):
        for run in _segments(line):
            n = len(rows)
            rows.append(run)
            colour = colors.HexColor(COLOURS[i % len(COLOURS)])
            style = chart.lines[n]
            style.strokeColor = colour
            style.strokeWidth = LINE_WIDTH
            style.strokeDashArray = _dash(i)
            markers.lines[n].strokeColor = colour
            markers.lines[n].symbol = _marker(i)
    for c in (chart, markers):
        c.x, c.y = left, bottom
        c.width, c.height = width - left - right, plot_height
        c.data = rows or [[None] * len(ticks)]
        c.categoryAxis.categoryNames = ticks or [""]
        c.valueAxis.valueMin, c.valueAxis.valueMax = 0, top
        c.valueAxis.valueStep = step
    markers.joinedLines = 0
    markers.categoryAxis.visible = markers.valueAxis.visible = 0
    axis = chart.valueAxis
    decimals = len(f"{step:.6f}".rstrip("0").partition(".")[2])
    axis.labelTextFormat = f"%.{decimals}f"
    axis.visibleGrid = 1
    axis.gridStrokeColor = colors.HexColor("#c8c8c8")
    axis.gridStrokeWidth = 0.4
    axis.gridStrokeDashArray = [1, 2]
    axis.strokeColor = chart.categoryAxis.strokeColor = colors.HexColor("#808080")
    for labels in (axis.labels, chart.categoryAxis.labels):
        labels.fontName = FONT
        labels.fontSize = CHART_FONT
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.labels.leading = CHART_FONT + 1.5
    chart.categoryAxis.labels.textAnchor = "middle"
    drawing.add(chart)
    drawing.add(markers)
    y_title = Label(x=8, y=bottom + plot_height / 2, angle=90, boxAnchor="c",
                    fontName=FONT, fontSize=CHART_FONT)
    y_title.setText("Per 1,000 pupils on roll")
    drawing.add(y_title)
    drawing.add(String(left + chart.width / 2, 4, "Term", fontName=FONT, fontSize=CHART_FONT,
                       textAnchor="middle"))
    # the legend, above the plot: a piece of each line with its marker, then the name
    y = height - row_h / 2 - 2
    for row in legend:
        x = left
        for i, name in row:
            colour = colors.HexColor(COLOURS[i % len(COLOURS)])
            drawing.add(Line(x, y, x + 28, y, strokeColor=colour, strokeWidth=LINE_WIDTH,
                             strokeDashArray=_dash(i), strokeLineCap=0))
            marker = _marker(i)
            marker.x, marker.y = x + 14, y
            drawing.add(marker)
            drawing.add(String(x + 33, y - CHART_FONT * 0.35, name, fontName=FONT,
                               fontSize=CHART_FONT))
            x += 33 + stringWidth(name, FONT, CHART_FONT) + 14
        y -= row_h
    return drawing


def _trend_table(trend: ExclusionTrend, measure: str, width: float) -> Flowable:
    """Per school (and all of them) per term: the rate per 1,000 with its numerator and
    denominator."""
    st = _styles()
    cell = ParagraphStyle("trend", parent=st["cell"], fontSize=7.5, leading=9.5)
    head = ParagraphStyle("trendhead", parent=st["head"], fontSize=7.5, leading=9.5)
    rows: list[list[Any]] = [[_p("School", head)]
                             + [_p(label.replace(" so far", "\nso far"), head)
                                for label in trend.labels]]
    series = [*trend.schools, *([trend.total] if len(trend.schools) > 1 else [])]
    for s in series:
        cells = []
        for point in s.points:
            rate = point.rate(measure)
            n = point.count(measure)
            cells.append(_p(f"{n} (no roll: no rate)" if rate is None else
                            f"{rate:g} per 1,000\n{n} of {point.roll:,}", cell))
        rows.append([_p(s.school, cell), *cells])
    first = 36 * mm
    terms = max(1, len(trend.labels))
    return _table(rows, [first] + [(width - first) / terms] * terms)


def _trend(trend: ExclusionTrend, width: float) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = [
        CondPageBreak(110 * mm),
        _p(f"Trend per school, term by term, {trend.label}", st["h1t"]),
        _p("Rates per 1,000 pupils on roll in the term (the figures of the report for each "
           "term); in the tables each rate has its numerator (the count in the term) and "
           "its denominator (the roll). Every school has its own marker and line pattern. A "
           "term without a roll has no rate: a gap in the line."
           + (f" \u201cSo far\u201d: the term was still running on {format_uk(trend.on)}; "
              "its figures are partial." if trend.so_far and trend.on else ""), st["note"])]
    for measure, what in MEASURES.items():
        chart = trend_chart(trend, measure, width)
        out += [CondPageBreak(chart.height + 40 * mm),
                _p(f"{what} per 1,000 pupils on roll, by school", st["section"]),
                chart, Spacer(1, 2 * mm), _trend_table(trend, measure, width),
                Spacer(1, 2 * mm)]
    return out


def _exclusions(report: ExclusionsReport, width: float,
                trend: ExclusionTrend | None = None) -> list[Flowable]:
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
    if trend is not None and trend.terms and trend.schools:
        out += _trend(trend, width)
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
                   produced: date, school: str = "",
                   trend: ExclusionTrend | None = None) -> bytes:
    """The PDF bytes of one or more reports of the same year; ``trend`` (the same year and
    school filter) goes with the exclusions report."""
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
            story += _exclusions(report, width, trend)
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
