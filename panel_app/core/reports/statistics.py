"""The numbers partnerships judge themselves by, per school and per term (pure data).

Every rate carries its numerator and denominator ("39 of 1,345 (2.90%)").

**Exclusions** (per excluding school, per term of the school calendar; a date in a holiday
counts in the term before it):

- *roll*: the school's number on roll for that term from its term totals, else the roll on
  the school's record (``roll_source`` says which);
- *suspensions*: suspensions that started in the term; *suspension rate* = suspensions /
  roll (per 100 pupils, as the DfE publishes it);
- *suspension days*: their total length in school days;
- *pupils suspended*: pupils with one or more suspensions in the term; *rate* = pupils /
  roll;
- *permanent exclusions* (PX): not rescinded, dated in the term; *PX rate* = PX / roll;
  rescinded ones are shown apart and never counted;
- *attendance %*: only from the school's term totals.

A school's term totals, where given, replace the count of records for that measure and
term (``sources`` says so). The year row adds the terms up (pupils suspended in the year
are distinct pupils, so it is only given when every term was counted from records) and
uses the roll of the latest term with a roll, else the school record's. The partnership row
adds the schools up.

**Moves** (per school, per term by the move's start; reusing ``rules.moves``): sent (as
the home school), received, net (received - sent) from ``rules.moves.balance``; of the
moves it received that have ended, the share converted to a permanent admission and the
other outcomes from ``rules.moves.move_stats``.

**Outcomes** for the school year: AP placements per referring school (started in the
year; ended in the year, by outcome; *reintegration rate* = reintegrated / ended; a
reintegration is *sustained* when the pupil, two terms or more after it, has no later
placement and no permanent exclusion: sustained / reintegrations ended two terms or more
before the report date); *ladder-step reach*: of the cases open at some time in the year,
how many had evidence recorded at each step of the current ladder or a later one by the
year's end (or the report date); *quota use*: per school, places in use of places
allocated and place-weeks used of place-weeks allowed (from ``rules.quotas``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from panel_app.core.domain.calendar import TERM_NAMES, SchoolCalendar, year_label
from panel_app.core.domain.dates import academic_year_start
from panel_app.core.domain.exclusions import (
    Exclusion,
    ExclusionKind,
    PxStatus,
    TermFigures,
    term_of,
)
from panel_app.core.domain.moves import (
    MOVE_OUTCOME_LABELS,
    PLACEMENT_OUTCOME_LABELS,
    Move,
    MoveOutcome,
    Placement,
    PlacementOutcome,
)
from panel_app.core.domain.spreadsheet import spreadsheet_dict
from panel_app.core.rules import moves as move_rules
from panel_app.core.rules.moves import Rate
from panel_app.core.rules.quotas import QuotaReport

EXCLUSIONS, MOVES, OUTCOMES = "exclusions", "moves", "outcomes"
KINDS = (EXCLUSIONS, MOVES, OUTCOMES)
ALL_SCHOOLS = "All schools"
YEAR_ROW = "year"


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


@dataclass(frozen=True)
class Share:
    """A rate with its numerator and denominator; ``percent`` to ``decimals`` places."""

    numerator: float
    denominator: float
    decimals: int = 2

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return round(100.0 * self.numerator / self.denominator, self.decimals)

    @property
    def text(self) -> str:
        if not self.denominator:
            return f"{_num(self.numerator)} of 0"
        return (f"{_num(self.numerator)} of {_num(self.denominator)} "
                f"({self.percent:.{self.decimals}f}%)")

    def to_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator,
                "percent": self.percent, "text": self.text}


SchoolRef = tuple[str, str, int]  # (id, name, roll on the school record)


# -- exclusions ------------------------------------------------------------------------------


@dataclass
class ExclusionRow:
    school_id: str
    school: str
    term: str  # autumn | spring | summer | "year"
    roll: int | None
    roll_source: str  # term totals | school record | none | sum
    suspensions: int
    suspension_days: float
    pupils_suspended: int | None
    permanent_exclusions: int
    px_rescinded: int
    attendance_pct: float | None
    sources: dict[str, str] = field(default_factory=dict)  # measure -> records|term totals

    @property
    def suspension_rate(self) -> Share:
        return Share(self.suspensions, self.roll or 0)

    @property
    def pupils_suspended_rate(self) -> Share | None:
        return None if self.pupils_suspended is None else Share(self.pupils_suspended,
                                                                self.roll or 0)

    @property
    def px_rate(self) -> Share:
        return Share(self.permanent_exclusions, self.roll or 0)

    def to_dict(self) -> dict[str, Any]:
        pr = self.pupils_suspended_rate
        return {"school_id": self.school_id, "school": self.school, "term": self.term,
                "roll": self.roll, "roll_source": self.roll_source,
                "suspensions": self.suspensions, "suspension_days": self.suspension_days,
                "pupils_suspended": self.pupils_suspended,
                "permanent_exclusions": self.permanent_exclusions,
                "px_rescinded": self.px_rescinded, "attendance_pct": self.attendance_pct,
                "suspension_rate": self.suspension_rate.to_dict(),
                "pupils_suspended_rate": pr.to_dict() if pr else None,
                "px_rate": self.px_rate.to_dict(), "sources": dict(self.sources)}


@dataclass
class ExclusionsReport:
    year: int
    terms: list[str]
    rows: list[ExclusionRow]  # per school: each term, then the year
    totals: list[ExclusionRow]  # the partnership: each term, then the year
    on: date

    @property
    def label(self) -> str:
        return year_label(self.year)

    def to_dict(self) -> dict[str, Any]:
        return {"report": EXCLUSIONS, "year": self.year, "label": self.label,
                "on": self.on.isoformat(), "terms": self.terms,
                "rows": [r.to_dict() for r in self.rows],
                "totals": [r.to_dict() for r in self.totals]}


def exclusions_report(year: int, schools: Sequence[SchoolRef], exclusions: Iterable[Exclusion],
                      figures: Iterable[TermFigures], cal: SchoolCalendar,
                      on: date) -> ExclusionsReport:
    terms = list(TERM_NAMES)
    by_term: dict[tuple[str, str], list[Exclusion]] = {}
    for e in exclusions:
        if e.school_id is None or academic_year_start(e.start_on) != year:
            continue
        _y, term = term_of(e.start_on, cal)
        by_term.setdefault((e.school_id, term), []).append(e)
    totals_of = {(f.school_id, f.term): f for f in figures if f.academic_year == year}
    rows: list[ExclusionRow] = []
    for sid, name, school_roll in schools:
        term_rows = []
        for term in terms:
            term_rows.append(_term_row(sid, name, term, school_roll,
                                       by_term.get((sid, term), []), totals_of.get((sid, term))))
        rows += term_rows
        year_records = [e for t in terms for e in by_term.get((sid, t), [])]
        rows.append(_year_row(sid, name, school_roll, term_rows, year_records))
    totals = [_sum_rows([r for r in rows if r.term == t], t) for t in [*terms, YEAR_ROW]]
    return ExclusionsReport(year, terms, rows, totals, on)


def _term_row(sid: str, name: str, term: str, school_roll: int, records: list[Exclusion],
              totals: TermFigures | None) -> ExclusionRow:
    susp = [e for e in records if e.kind == ExclusionKind.SUSPENSION.value]
    px = [e for e in records if e.kind == ExclusionKind.PERMANENT.value]
    sources = {"suspensions": "records", "suspension_days": "records",
               "pupils_suspended": "records", "permanent_exclusions": "records"}
    count: int = len(susp)
    days = float(sum(e.days or 0.0 for e in susp))
    pupils: int | None = len({e.pupil_id for e in susp})
    px_count = sum(1 for e in px if e.counts_as_px)
    roll, roll_source = (school_roll, "school record") if school_roll else (None, "none")
    attendance = None
    if totals is not None:
        if totals.roll is not None:
            roll, roll_source = totals.roll, "term totals"
        if totals.suspensions is not None:
            count, sources["suspensions"] = totals.suspensions, "term totals"
        if totals.suspension_days is not None:
            days, sources["suspension_days"] = float(totals.suspension_days), "term totals"
        if totals.pupils_suspended is not None:
            pupils, sources["pupils_suspended"] = totals.pupils_suspended, "term totals"
        if totals.permanent_exclusions is not None:
            px_count = totals.permanent_exclusions
            sources["permanent_exclusions"] = "term totals"
        attendance = totals.attendance_pct
    rescinded = sum(1 for e in px if e.status == PxStatus.RESCINDED.value)
    return ExclusionRow(sid, name, term, roll, roll_source, count, days, pupils, px_count,
                        rescinded, attendance, sources)


def _year_row(sid: str, name: str, school_roll: int, term_rows: list[ExclusionRow],
              records: list[Exclusion]) -> ExclusionRow:
    with_totals = [r for r in term_rows if r.roll_source == "term totals"]
    if with_totals:
        roll: int | None = with_totals[-1].roll
        roll_source = "term totals"
    else:
        roll, roll_source = (school_roll or None), ("school record" if school_roll else "none")
    sources = {k: ("term totals" if any(r.sources.get(k) == "term totals" for r in term_rows)
                   else "records")
               for k in ("suspensions", "suspension_days", "pupils_suspended",
                         "permanent_exclusions")}
    pupils: int | None = None
    if sources["pupils_suspended"] == "records":
        pupils = len({e.pupil_id for e in records
                      if e.kind == ExclusionKind.SUSPENSION.value})
    return ExclusionRow(  # no year attendance: terms differ in length
        sid, name, YEAR_ROW, roll, roll_source, sum(r.suspensions for r in term_rows),
        float(sum(r.suspension_days for r in term_rows)), pupils,
        sum(r.permanent_exclusions for r in term_rows),
        sum(r.px_rescinded for r in term_rows), None, sources)


def _sum_rows(rows: list[ExclusionRow], term: str) -> ExclusionRow:
    rolls = [r.roll for r in rows]
    roll = sum(r for r in rolls if r) if rolls and all(rolls) else None
    pupils = ([r.pupils_suspended for r in rows]
              if all(r.pupils_suspended is not None for r in rows) else None)
    sources = {k: ("term totals" if any(r.sources.get(k) == "term totals" for r in rows)
                   else "records")
               for k in ("suspensions", "suspension_days", "pupils_suspended",
                         "permanent_exclusions")}
    return ExclusionRow(
        "", ALL_SCHOOLS, term, roll, "sum" if roll is not None else "incomplete",
        sum(r.suspensions for r in rows), float(sum(r.suspension_days for r in rows)),
        sum(p for p in pupils if p is not None) if pupils is not None else None,
        sum(r.permanent_exclusions for r in rows), sum(r.px_rescinded for r in rows), None,
        sources)


# -- moves ------------------------------------------------------------------------------------


@dataclass
class MovesRow:
    school_id: str
    school: str
    term: str  # a term, or "year"
    sent: int
    received: int
    stats: move_rules.MoveStats  # of the moves received (outcomes among ended ones)

    @property
    def net(self) -> int:
        return self.received - self.sent

    @property
    def converted(self) -> Rate:
        return self.stats.rates[MoveOutcome.CONVERTED.value]

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "school": self.school, "term": self.term,
                "sent": self.sent, "received": self.received, "net": self.net,
                "received_ended": self.stats.ended,
                "converted": self.converted.to_dict(),
                "outcomes": {k: {**v.to_dict(), "label": MOVE_OUTCOME_LABELS.get(k, k)}
                             for k, v in self.stats.rates.items()}}


@dataclass
class MovesReport:
    year: int
    terms: list[str]
    rows: list[MovesRow]
    overall: move_rules.MoveStats  # every move started in the year
    on: date

    @property
    def label(self) -> str:
        return year_label(self.year)

    def to_dict(self) -> dict[str, Any]:
        return {"report": MOVES, "year": self.year, "label": self.label,
                "on": self.on.isoformat(), "terms": self.terms,
                "rows": [r.to_dict() for r in self.rows],
                "overall": self.overall.to_dict()}


def moves_report(year: int, schools: Sequence[SchoolRef], moves: Iterable[Move],
                 cal: SchoolCalendar, on: date, *, only: str | None = None) -> MovesReport:
    """Per school and term (``only``: one school's rows; the balance still counts every
    move so that a school's sent and received are complete)."""
    in_year = [m for m in moves if academic_year_start(m.start) == year]
    terms = list(TERM_NAMES)
    by_term: dict[str, list[Move]] = {t: [] for t in terms}
    for m in in_year:
        by_term[term_of(m.start, cal)[1]].append(m)
    pairs = [(sid, name) for sid, name, _roll in schools]
    rows: list[MovesRow] = []
    for sid, name in pairs:
        if only is not None and sid != only:
            continue
        for term in [*terms, YEAR_ROW]:
            group = in_year if term == YEAR_ROW else by_term[term]
            balance = {b.school_id: b for b in move_rules.balance(group, pairs, year)}
            b = balance.get(sid)
            received = [m for m in group if m.receiving_school_id == sid]
            rows.append(MovesRow(sid, name, term, b.sent_year if b else 0,
                                 b.received_year if b else 0,
                                 move_rules.move_stats(received, on)))
    return MovesReport(year, terms, rows, move_rules.move_stats(in_year, on), on)


# -- outcomes ---------------------------------------------------------------------------------


@dataclass
class PlacementRow:
    school_id: str
    school: str
    started: int
    running: int  # on the report date (or the year's end)
    ended: int  # ended in the year with an outcome
    outcomes: dict[str, Rate]  # outcome -> share of ended
    sustained: Rate  # reintegrations still in mainstream two terms later

    @property
    def reintegration(self) -> Rate:
        return self.outcomes[PlacementOutcome.REINTEGRATED.value]

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "school": self.school, "started": self.started,
                "running": self.running, "ended": self.ended,
                "reintegration": self.reintegration.to_dict(),
                "sustained": self.sustained.to_dict(),
                "outcomes": {k: {**v.to_dict(), "label": PLACEMENT_OUTCOME_LABELS.get(k, k)}
                             for k, v in self.outcomes.items()}}


@dataclass
class StepReach:
    number: int
    key: str
    name: str
    reached: Share

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "key": self.key, "name": self.name,
                "reached": self.reached.to_dict()}


@dataclass
class QuotaRow:
    school_id: str
    school: str
    allocated: int
    in_use: Share  # places in use of places allocated
    place_weeks: Share  # place-weeks used of place-weeks allowed

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "school": self.school,
                "allocated": self.allocated, "in_use": self.in_use.to_dict(),
                "place_weeks": self.place_weeks.to_dict()}


@dataclass
class OutcomesReport:
    year: int
    on: date
    placements: list[PlacementRow]  # per school, then ALL_SCHOOLS
    ladder: str  # the ladder's name ("" when the partnership has none)
    reach: dict[str, list[StepReach]]  # school name (and ALL_SCHOOLS) -> steps
    quota: list[QuotaRow]  # per school, then ALL_SCHOOLS ([] when no quota is set)
    quota_note: str = ""

    @property
    def label(self) -> str:
        return year_label(self.year)

    def to_dict(self) -> dict[str, Any]:
        return {"report": OUTCOMES, "year": self.year, "label": self.label,
                "on": self.on.isoformat(),
                "placements": [p.to_dict() for p in self.placements],
                "ladder": self.ladder,
                "reach": {k: [s.to_dict() for s in v] for k, v in self.reach.items()},
                "quota": [q.to_dict() for q in self.quota], "quota_note": self.quota_note}


def placement_rows(year: int, schools: Sequence[SchoolRef], placements: Sequence[Placement],
                   px_dates: Mapping[str, list[date]], cal: SchoolCalendar, on: date,
                   *, only: str | None = None) -> list[PlacementRow]:
    """Per referring school and for the partnership (``px_dates``: pupil -> dates of
    permanent exclusions not rescinded)."""
    def row(sid: str, name: str, group: list[Placement]) -> PlacementRow:
        started = [p for p in group if academic_year_start(p.start) == year]
        ended = [p for p in group if p.ended_on is not None and p.outcome
                 and academic_year_start(p.ended_on) == year]
        running = sum(1 for p in group if p.start <= on and p.ended_on is None)
        outcomes = {o.value: Rate(sum(1 for p in ended if p.outcome == o.value), len(ended))
                    for o in PlacementOutcome}
        due = [p for p in ended if p.outcome == PlacementOutcome.REINTEGRATED.value
               and p.ended_on is not None and p.ended_on <= on
               and cal.terms_between(p.ended_on, on) >= 2]
        kept = 0
        for p in due:
            assert p.ended_on is not None
            ended_on = p.ended_on
            later = any(q.pupil_id == p.pupil_id and q.start > ended_on for q in placements)
            excluded = any(d > ended_on for d in px_dates.get(p.pupil_id, []))
            kept += int(not later and not excluded)
        return PlacementRow(sid, name, len(started), running, len(ended), outcomes,
                            Rate(kept, len(due)))

    out = [row(sid, name, [p for p in placements if p.school_id == sid])
           for sid, name, _roll in schools if only is None or sid == only]
    if only is None:
        ids = {sid for sid, _n, _r in schools}
        out.append(row("", ALL_SCHOOLS, [p for p in placements if p.school_id in ids]))
    return out


def ladder_reach(steps: Sequence[tuple[str, str]], case_schools: Mapping[str, str],
                 evidence: Iterable[tuple[str, str]]) -> list[StepReach]:
    """``steps``: (key, name) in ladder order; ``case_schools``: the cases counted (id ->
    home school); ``evidence``: (case id, step key) recorded. A case reaches a step when
    it has evidence at that step or a later one."""
    order = {key: n for n, (key, _name) in enumerate(steps)}
    highest: dict[str, int] = {}
    for case_id, key in evidence:
        if case_id in case_schools and key in order:
            highest[case_id] = max(highest.get(case_id, -1), order[key])
    total = len(case_schools)
    return [StepReach(n + 1, key, name,
                      Share(sum(1 for h in highest.values() if h >= n), total, 1))
            for n, (key, name) in enumerate(steps)]


def quota_rows(report: QuotaReport, only: str | None = None) -> list[QuotaRow]:
    rows = [QuotaRow(s.school_id, s.name, s.allocated, Share(s.in_use, s.allocated, 1),
                     Share(round(s.place_weeks_used, 2), round(s.place_weeks_allowed, 2), 1))
            for s in report.schools if only is None or s.school_id == only]
    if only is None:
        y = report.year
        rows.append(QuotaRow("", ALL_SCHOOLS, y.places, Share(report.in_use, y.places, 1),
                             Share(round(report.place_weeks_used, 2),
                                   round(report.place_weeks_allowed, 2), 1)))
    return rows


# -- CSV ---------------------------------------------------------------------------------------


def _rate_cells(prefix: str, rate: Share | Rate | None) -> dict[str, Any]:
    if rate is None:
        return {f"{prefix}_numerator": "", f"{prefix}_denominator": "",
                f"{prefix}_percent": ""}
    pct = rate.percent
    return {f"{prefix}_numerator": rate.numerator, f"{prefix}_denominator": rate.denominator,
            f"{prefix}_percent": "" if pct is None else pct}


def csv_rows(report: ExclusionsReport | MovesReport | OutcomesReport) -> list[dict[str, Any]]:
    """The report as flat rows, each rate as numerator, denominator and percent."""
    out: list[dict[str, Any]] = []
    label = year_label(report.year)
    if isinstance(report, ExclusionsReport):
        for r in [*report.rows, *report.totals]:
            out.append({"year": label, "school": r.school, "term": r.term, "roll": r.roll,
                        "roll_source": r.roll_source, "suspensions": r.suspensions,
                        **_rate_cells("suspension_rate", r.suspension_rate),
                        "suspension_days": r.suspension_days,
                        "pupils_suspended": "" if r.pupils_suspended is None
                        else r.pupils_suspended,
                        **_rate_cells("pupils_suspended_rate", r.pupils_suspended_rate),
                        "permanent_exclusions": r.permanent_exclusions,
                        **_rate_cells("px_rate", r.px_rate),
                        "px_rescinded": r.px_rescinded,
                        "attendance_pct": "" if r.attendance_pct is None else r.attendance_pct,
                        "sources": "; ".join(f"{k}: {v}" for k, v in r.sources.items())})
    elif isinstance(report, MovesReport):
        for m in report.rows:
            out.append({"year": label, "school": m.school, "term": m.term, "sent": m.sent,
                        "received": m.received, "net": m.net,
                        "received_ended": m.stats.ended,
                        **{k: v for o, rate in m.stats.rates.items()
                           for k, v in _rate_cells(o.replace("-", "_"), rate).items()}})
    else:
        for p in report.placements:
            out.append({"year": label, "section": "placements", "school": p.school,
                        "measure": "reintegration", "started": p.started,
                        "running": p.running, "ended": p.ended,
                        **_rate_cells("rate", p.reintegration)})
            out.append({"year": label, "section": "placements", "school": p.school,
                        "measure": "sustained two terms", "started": "", "running": "",
                        "ended": "", **_rate_cells("rate", p.sustained)})
            for o, rate in p.outcomes.items():
                if o != PlacementOutcome.REINTEGRATED.value:
                    out.append({"year": label, "section": "placements", "school": p.school,
                                "measure": o, "started": "", "running": "", "ended": "",
                                **_rate_cells("rate", rate)})
        for school, steps in report.reach.items():
            for s in steps:
                out.append({"year": label, "section": "ladder reach", "school": school,
                            "measure": f"step {s.number}: {s.name}", "started": "",
                            "running": "", "ended": "", **_rate_cells("rate", s.reached)})
        for q in report.quota:
            out.append({"year": label, "section": "quota", "school": q.school,
                        "measure": "places in use of allocated", "started": "",
                        "running": "", "ended": "", **_rate_cells("rate", q.in_use)})
            out.append({"year": label, "section": "quota", "school": q.school,
                        "measure": "place-weeks used of allowed", "started": "",
                        "running": "", "ended": "", **_rate_cells("rate", q.place_weeks)})
    return out


def to_csv(report: ExclusionsReport | MovesReport | OutcomesReport) -> str:
    rows = csv_rows(report)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(spreadsheet_dict(r) for r in rows)  # no formulas (CSV injection)
    return buffer.getvalue()
