"""Exclusions over time: each school's suspensions and permanent exclusions term by term,
across school years, for the trend lines of the Reports section (pure data).

A trend is read from exclusions reports (``statistics.exclusions_report``) of consecutive
school years, so its figures are exactly the report's: the count of the term (records,
or the school's term totals where given) over the roll of the term. Terms that have not
begun by the report date are left out (a future term is not a zero). A rate is given per
1,000 pupils on roll, with its numerator and denominator; a term without a roll has no
rate (a gap in the line), never a made-up one.

The look of a school's line is shared by the window's chart and the PDF's
(``line_style``): every school has its own marker shape and dash pattern besides its
colour, so nothing is told by colour alone.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from panel_app.core.domain.calendar import TERM_NAMES, year_label
from panel_app.core.domain.inputs import error
from panel_app.core.domain.spreadsheet import spreadsheet_row
from panel_app.core.errors import ValidationError
from panel_app.core.reports.statistics import ALL_SCHOOLS, ExclusionsReport, _num

SUSPENSIONS, PERMANENT = "suspensions", "permanent_exclusions"
MEASURES = {SUSPENSIONS: "Suspensions", PERMANENT: "Permanent exclusions"}
PER = 1000

MARKERS = ("circle", "square", "triangle", "diamond", "down-triangle", "cross", "plus",
           "star")
# dash patterns in line widths ([] solid), with the words the summaries use
DASHES: tuple[tuple[str, list[float]], ...] = (
    ("solid", []), ("dashed", [5, 2.5]), ("dotted", [1, 2]), ("dash-dot", [5, 2, 1, 2]),
    ("long-dashed", [10, 3]), ("dash-dot-dot", [5, 2, 1, 2, 1, 2]),
    ("short-dashed", [2.5, 2.5]), ("long-short", [10, 2.5, 3, 2.5]))
# Okabe-Ito colours (told apart with colour-blindness), for a light background and paper
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6A00", "#6A3D9A", "#444444",
           "#B8860B")


def line_style(index: int) -> tuple[str, str]:
    """The marker and the line pattern of the ``index``-th line: every one of the first
    eight differs from the others in both; the pair never repeats among 64."""
    n = len(MARKERS)
    return MARKERS[index % n], DASHES[(index + index // n) % len(DASHES)][0]


def nice_axis(value: float) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its step (0.1, 0.2, 0.5, 1, 2, 5...),
    with at most five steps."""
    if value <= 0:
        return 1.0, 0.5
    top = max(value, 0.1)
    magnitude = 10 ** math.floor(math.log10(top / 5))
    step = float(magnitude)
    for unit in (1, 2, 2.5, 5, 10):
        step = unit * magnitude
        if top <= step * 5 + 1e-9:
            break
    return step * math.ceil(top / step - 1e-9), step


def measure_key(name: str) -> str:
    """``suspensions`` or ``permanent_exclusions`` (``px`` and ``permanent`` read too)."""
    key = {"px": PERMANENT, "permanent": PERMANENT}.get(name.strip().lower(),
                                                         name.strip().lower())
    if key not in MEASURES:
        raise ValidationError([error("invalid_measure", "measure", f"'{name}' is not a "
                                     "measure: choose suspensions or px (permanent "
                                     "exclusions).")])
    return key


def term_title(year: int, term: str, *, short: bool = False) -> str:
    """'Autumn 2025/26', or 'Aut 25/26' when ``short``."""
    label = year_label(year)
    if short:
        return f"{term[:3].capitalize()} {label[2:]}"
    return f"{term.capitalize()} {label}"


@dataclass(frozen=True)
class TrendPoint:
    year: int
    term: str
    suspensions: int
    permanent_exclusions: int
    roll: int | None

    @property
    def title(self) -> str:
        return term_title(self.year, self.term)

    def count(self, measure: str) -> int:
        return int(getattr(self, measure))

    def rate(self, measure: str) -> float | None:
        """Per 1,000 on roll, or None without a roll."""
        if not self.roll:
            return None
        return round(PER * self.count(measure) / self.roll, 2)

    def text(self, measure: str) -> str:
        """'10 of 1,170 on roll: 8.55 per 1,000' (numerator and denominator)."""
        n = self.count(measure)
        rate = self.rate(measure)
        if rate is None:
            return f"{n} (no roll for the term: no rate)"
        return f"{n} of {_num(self.roll or 0)} on roll: {rate:g} per 1,000"

    def brief(self, measure: str) -> str:
        """'10 of 1,170 (8.55 per 1,000)': the same, shorter (beside a bar)."""
        n, rate = self.count(measure), self.rate(measure)
        return f"{n} (no roll)" if rate is None else (
            f"{n} of {_num(self.roll or 0)} ({rate:g} per 1,000)")

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "term": self.term, "label": self.title,
                "roll": self.roll, "suspensions": self.suspensions,
                "permanent_exclusions": self.permanent_exclusions,
                "suspensions_per_1000": self.rate(SUSPENSIONS),
                "permanent_exclusions_per_1000": self.rate(PERMANENT)}


@dataclass
class TrendSeries:
    school_id: str
    school: str
    points: list[TrendPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "school": self.school,
                "points": [p.to_dict() for p in self.points]}


@dataclass
class ExclusionTrend:
    terms: list[tuple[int, str]]  # (school year, term), in order
    schools: list[TrendSeries]  # one per school, each with a point per term
    total: TrendSeries  # the schools shown, added up
    so_far: bool = False  # the last term was still running on the report date
    year: int = 0  # the last school year of the trend (its report's year)
    on: date | None = None  # the report date

    @property
    def labels(self) -> list[str]:
        """'Autumn 2025/26' ..., the last 'Autumn 2026/27 so far' while it runs."""
        out = [term_title(y, t) for y, t in self.terms]
        if out and self.so_far:
            out[-1] += " so far"
        return out

    @property
    def label(self) -> str:
        """The school years covered: '2025/26 to 2026/27' (or one)."""
        years = sorted({y for y, _t in self.terms}) or ([self.year] if self.year else [])
        if not years:
            return ""
        first, last = year_label(years[0]), year_label(years[-1])
        return first if first == last else f"{first} to {last}"

    def to_dict(self) -> dict[str, Any]:
        return {"so_far": self.so_far,
                "terms": [{"year": y, "term": t, "label": label}
                          for (y, t), label in zip(self.terms, self.labels, strict=True)],
                "schools": [s.to_dict() for s in self.schools],
                "total": self.total.to_dict()}


def _has_figures(report: ExclusionsReport) -> bool:
    """Anything recorded in the year: a count, or a school's term totals."""
    return any(r.suspensions or r.permanent_exclusions or r.px_rescinded
               or r.roll_source == "term totals" or r.attendance_pct is not None
               for r in report.rows)


def exclusion_trend(reports: Sequence[ExclusionsReport], current: tuple[int, str] | None,
                    *, so_far: bool = False) -> ExclusionTrend:
    """The trend over the reports' years (oldest first). ``current`` is the (year, term)
    of the report date: later terms are left out (None: every term); ``so_far`` says that
    term had not ended on the report date (its figures are partial). Earlier years with
    nothing recorded at all are left out too, so a new partnership's trend starts when
    its records do; the last year is always shown."""
    ordered = sorted(reports, key=lambda r: r.year)
    while len(ordered) > 1 and not _has_figures(ordered[0]):
        ordered.pop(0)
    terms: list[tuple[int, str]] = []
    for report in ordered:
        for term in TERM_NAMES:
            if current is None or (report.year, TERM_NAMES.index(term)) <= (
                    current[0], TERM_NAMES.index(current[1])):
                terms.append((report.year, term))
    rows = {(report.year, r.school_id, r.term): r for report in ordered
            for r in report.rows}
    schools: list[TrendSeries] = []
    seen: dict[str, str] = {}
    for report in ordered:
        for r in report.rows:
            seen.setdefault(r.school_id, r.school)
    for sid, name in seen.items():
        series = TrendSeries(sid, name)
        for year, term in terms:
            row = rows.get((year, sid, term))
            series.points.append(TrendPoint(
                year, term, row.suspensions if row else 0,
                row.permanent_exclusions if row else 0, row.roll if row else None))
        schools.append(series)
    total = TrendSeries("", ALL_SCHOOLS)
    for i, (year, term) in enumerate(terms):
        points = [s.points[i] for s in schools]
        rolls = [p.roll for p in points]
        total.points.append(TrendPoint(
            year, term, sum(p.suspensions for p in points),
            sum(p.permanent_exclusions for p in points),
            sum(r for r in rolls if r) if rolls and all(rolls) else None))
    last = ordered[-1] if ordered else None
    return ExclusionTrend(terms, schools, total,
                          so_far=so_far and bool(terms) and terms[-1] == current,
                          year=last.year if last else 0, on=last.on if last else None)


def rows(trend: ExclusionTrend, measure: str) -> tuple[list[dict[str, Any]],
                                                       list[dict[str, Any]]]:
    """The figures of one measure per school per term (then the schools added up): the
    count (numerator), the roll (denominator; None without one) and the rate per 1,000
    (None without a roll). The keys are those of ``report trends --json`` (stable)."""
    def row(series: TrendSeries, point: TrendPoint, label: str) -> dict[str, Any]:
        return {"school_id": series.school_id, "school": series.school, "year": point.year,
                "term": point.term, "label": label, "numerator": point.count(measure),
                "denominator": point.roll or None, "per_1000": point.rate(measure)}

    labels = trend.labels
    schools = [row(s, p, label) for s in trend.schools
               for p, label in zip(s.points, labels, strict=True)]
    total = [row(trend.total, p, label)
             for p, label in zip(trend.total.points, labels, strict=True)]
    return schools, total


def to_dict(trend: ExclusionTrend, measure: str, *, years: int) -> dict[str, Any]:
    """``report trends --json``: one measure's figures with the terms they cover."""
    schools, total = rows(trend, measure)
    return {"report": "trends", "measure": measure, "measure_label": MEASURES[measure],
            "per": PER, "year": trend.year, "label": year_label(trend.year),
            "on": trend.on.isoformat() if trend.on else None, "years": years,
            "so_far": trend.so_far,
            "terms": [{"year": y, "term": t, "label": label}
                      for (y, t), label in zip(trend.terms, trend.labels, strict=True)],
            "rows": schools, "totals": total}


CSV_FIELDS = ("measure", "school_id", "school", "year", "term", "label", "numerator",
              "denominator", "per_1000")


def to_csv(trend: ExclusionTrend, measure: str) -> str:
    """The same rows as CSV with a header (an empty cell where there is no roll; text a
    spreadsheet would run as a formula starts with an apostrophe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    schools, total = rows(trend, measure)
    for r in [*schools, *total]:
        writer.writerow(spreadsheet_row(  # no formulas (CSV injection)
            [measure, *("" if r[k] is None else r[k] for k in CSV_FIELDS[1:])]))
    return buffer.getvalue()
