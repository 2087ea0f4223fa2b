"""Reports per school and term: ``session.reports``.

``exclusions``, ``moves`` and ``outcomes`` gather the records (exclusion records and term
totals; moves and placements from ``session.moves`` / ``session.placements``; quota use from
``session.quotas.report``; ladder evidence) and compute the figures with
``core.reports.statistics`` (definitions there), reusing ``rules.moves`` for move and
placement rates and ``rules.quotas`` for quota use. ``csv_text``, ``write_csv`` and
``write_pdf`` produce files that leave the encrypted database: each is marked with
``plaintext_export``, written atomically, and recorded in the audit trail (the report,
the format and the year: codes only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.calendar import year_label
from panel_app.core.domain.exclusions import term_of
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import school_year
from panel_app.core.domain.meetings import DEFAULT_MARKING
from panel_app.core.errors import ValidationError
from panel_app.core.reports import statistics as stats
from panel_app.core.reports import trends
from panel_app.core.reports.trends import ExclusionTrend, exclusion_trend
from panel_app.core.rules.quotas import year_bounds
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.services.exports import PlaintextFile, plaintext_export
from panel_app.core.storage.records_repo import RecordsStore

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession

Report = stats.ExclusionsReport | stats.MovesReport | stats.OutcomesReport



class ReportsService:
    """The reports part of the facade; reach it as ``session.reports``."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def store(self) -> RecordsStore:
        return RecordsStore(self._s.db)

    def _year(self, year: int | str | None) -> int:
        return school_year(year, self._s.clock.today())

    def _on(self, year: int) -> date:
        """The report date: today, or the year's last day once the year is over."""
        return min(self._s.clock.today(), year_bounds(year)[1])

    def _schools(self, school: str | None) -> tuple[list[stats.SchoolRef], str | None]:
        members = [(s.id, s.name, s.roll) for s in self._s.list_schools() if s.member]
        if not school:
            return members, None
        found = self._s.find_school(school)
        return [(found.id, found.name, found.roll)], found.id

    # -- the reports ---------------------------------------------------------------------------
    def exclusions(self, *, year: int | str | None = None,
                   school: str | None = None) -> stats.ExclusionsReport:
        number = self._year(year)
        schools, _only = self._schools(school)
        first, last = year_bounds(number)
        return stats.exclusions_report(
            number, schools, self.store.exclusions(first=first, last=last),
            self.store.figures(academic_year=number), self._s.calendar.calendar(),
            self._on(number))

    def exclusion_trend(self, *, year: int | str | None = None, school: str | None = None,
                        years: int = 2) -> ExclusionTrend:
        """Each school's suspensions and permanent exclusions term by term over ``years``
        school years ending with ``year``, up to the report date (``core.reports.trends``:
        the figures of the exclusions report; earlier years with nothing recorded left out).
        """
        number = self._year(year)
        reports = [self.exclusions(year=y, school=school)
                   for y in range(number - max(1, years) + 1, number + 1)]
        on, cal = self._on(number), self._s.calendar.calendar()
        current = term_of(on, cal)
        running = [t for t in cal.terms_for_year(current[0]) if t.name == current[1]]
        return exclusion_trend(reports, current,
                               so_far=bool(running) and on < running[0].end)

    def moves(self, *, year: int | str | None = None,
              school: str | None = None) -> stats.MovesReport:
        number = self._year(year)
        members, _ = self._schools(None)
        _schools, only = self._schools(school)
        return stats.moves_report(number, members, self._s.moves.list_moves(),
                                  self._s.calendar.calendar(), self._on(number), only=only)

    def outcomes(self, *, year: int | str | None = None,
                 school: str | None = None) -> stats.OutcomesReport:
        number = self._year(year)
        members, _ = self._schools(None)
        schools, only = self._schools(school)
        on = self._on(number)
        cal = self._s.calendar.calendar()
        px_dates: dict[str, list[date]] = {}
        for e in self.store.exclusions():
            if e.counts_as_px:
                px_dates.setdefault(e.pupil_id, []).append(e.start_on)
        placements = stats.placement_rows(number, members, self._s.placements.list_placements(),
                                          px_dates, cal, on, only=only)
        first, last = year_bounds(number)
        current = self._s.ladders.current()
        reach: dict[str, list[stats.StepReach]] = {}
        ladder = ""
        if current is not None:
            ladder = current.ladder.name
            steps = [(s.key, s.name) for s in current.ladder.steps]
            spans = [c for c in self.store.case_spans()
                     if (c.opened_on is None or c.opened_on <= last)
                     and (c.closed_on is None or c.closed_on >= first)]
            evidence = self.store.evidence_steps(min(last, on))
            names = {sid: name for sid, name, _r in members}
            if only is None:
                reach[stats.ALL_SCHOOLS] = stats.ladder_reach(
                    steps, {c.case_id: c.school_id for c in spans}, evidence)
            for sid, name, _roll in schools:
                reach[names.get(sid, name)] = stats.ladder_reach(
                    steps, {c.case_id: c.school_id for c in spans if c.school_id == sid},
                    evidence)
        quota: list[stats.QuotaRow] = []
        note = ""
        if self._s.quotas.year(number) is None:
            note = f"No quota is set for {year_label(number)}."
        else:
            q = self._s.quotas.report(number, on)
            quota = stats.quota_rows(q, only)
            note = (f"On {on.strftime('%d/%m/%Y')}: {q.in_use} of {q.year.places} places in "
                    f"use; {q.weeks:.1f} school weeks in the year.")
        return stats.OutcomesReport(number, on, placements, ladder, reach, quota, note)

    def report(self, kind: str, *, year: int | str | None = None,
               school: str | None = None) -> Report:
        if kind == stats.EXCLUSIONS:
            return self.exclusions(year=year, school=school)
        if kind == stats.MOVES:
            return self.moves(year=year, school=school)
        if kind == stats.OUTCOMES:
            return self.outcomes(year=year, school=school)
        raise ValidationError([_err("invalid_report", "report", "The report is one of: "
                                    + ", ".join(stats.KINDS) + ".")])

    # -- files that leave the database --------------------------------------------------------
    def _audit(self, kind: str, fmt: str, year: int, school: str | None) -> None:
        with self._s._write():
            self._s.repo.audit("report_exported", "school" if school else "",
                               self._s.find_school(school).id if school else "",
                               fields=[kind], detail={"format": fmt, "year": year})

    @plaintext_export("report_csv")
    def csv_text(self, kind: str, *, year: int | str | None = None,
                 school: str | None = None) -> str:
        """The report as CSV text for the caller to save or print (audited)."""
        report = self.report(kind, year=year, school=school)
        text = stats.to_csv(report)
        self._audit(kind, "csv", report.year, school)
        return text

    def _check_out(self, out: Path) -> Path:
        out = Path(out)
        if not out.parent.is_dir():
            raise ValidationError([_err("no_folder", "out",
                                        f"The folder {out.parent} does not exist: choose "
                                        "another place to save the report.")])
        return out

    @plaintext_export("report_csv")
    def write_csv(self, kind: str, out: Path, *, year: int | str | None = None,
                  school: str | None = None) -> PlaintextFile:
        """Write the report as CSV, atomically (not encrypted; audited)."""
        out = self._check_out(out)
        report = self.report(kind, year=year, school=school)
        data = stats.to_csv(report).encode("utf-8")
        write_atomic(out, data)
        self._audit(kind, "csv", report.year, school)
        return PlaintextFile(out, "report_csv", len(data))

    @plaintext_export("report_csv")
    def trend_csv_text(self, measure: str = trends.SUSPENSIONS, *,
                       year: int | str | None = None, school: str | None = None,
                       years: int = 2) -> str:
        """One measure of the trend (``exclusion_trend``) as CSV text: per school per
        term the count, the roll and the rate per 1,000 (audited as the report
        ``trends``)."""
        key = trends.measure_key(measure)
        trend = self.exclusion_trend(year=year, school=school, years=years)
        text = trends.to_csv(trend, key)
        self._audit("trends", "csv", trend.year or self._year(year), school)
        return text

    @plaintext_export("report_csv")
    def write_trend_csv(self, measure: str, out: Path, *, year: int | str | None = None,
                        school: str | None = None, years: int = 2) -> PlaintextFile:
        """Write ``trend_csv_text`` to ``out``, atomically (not encrypted; audited)."""
        out = self._check_out(out)
        data = self.trend_csv_text(measure, year=year, school=school,
                                   years=years).encode("utf-8")
        write_atomic(out, data)
        return PlaintextFile(out, "report_csv", len(data))

    @plaintext_export("report_pdf")
    def write_pdf(self, kinds: Sequence[str], out: Path, *, year: int | str | None = None,
                  school: str | None = None, marking: str | None = None) -> PlaintextFile:
        """Write one PDF with the reports named (``exclusions``, ``moves``, ``outcomes``),
        atomically, with the protective marking on every page (not encrypted; audited).
        The exclusions report carries the trend per school over the terms of this year
        and the last (``exclusion_trend``, the same school filter)."""
        from panel_app.core.reports.statistics_pdf import render_reports

        out = self._check_out(out)
        reports = [self.report(k, year=year, school=school) for k in kinds]
        trend = (self.exclusion_trend(year=year, school=school)
                 if stats.EXCLUSIONS in kinds else None)
        found = self._s.find_school(school).name if school else ""
        mark = (marking if marking is not None
                else self._s.meetings.settings().marking or DEFAULT_MARKING)
        data = render_reports(reports, partnership=self._s.repo.partnership().get("name", ""),
                              marking=mark, produced=self._s.clock.today(), school=found,
                              trend=trend)
        write_atomic(out, data)
        for k in kinds:
            self._audit(k, "pdf", self._year(year), school)
        return PlaintextFile(out, "report_pdf", len(data))

    def to_dict(self, report: Report) -> dict[str, Any]:
        return report.to_dict()
