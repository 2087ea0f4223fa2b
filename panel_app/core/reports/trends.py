"""Exclusions over time: each school's suspensions and permanent exclusions term by term,
across school years, for the trend lines of the Reports section (pure data).

A trend is read from exclusions reports (``statistics.exclusions_report``) of consecutive
school years, so its figures are exactly the report's: the count of the term (records,
or the school's term totals where given) over the roll of the term. Terms that have not
begun by the report date are left out (a future term is not a zero). A rate is given per
1,000 pupils on roll, with its numerator and denominator; a term without a roll has no
rate (a gap in the line), never a made-up one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from panel_app.core.domain.calendar import TERM_NAMES, year_label
from panel_app.core.reports.statistics import ALL_SCHOOLS, ExclusionsReport, _num

SUSPENSIONS, PERMANENT = "suspensions", "permanent_exclusions"
MEASURES = {SUSPENSIONS: "Suspensions", PERMANENT: "Permanent exclusions"}
PER = 1000


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

    @property
    def labels(self) -> list[str]:
        """'Autumn 2025/26' ..., the last 'Autumn 2026/27 so far' while it runs."""
        out = [term_title(y, t) for y, t in self.terms]
        if out and self.so_far:
            out[-1] += " so far"
        return out

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
    return ExclusionTrend(terms, schools, total,
                          so_far=so_far and bool(terms) and terms[-1] == current)
