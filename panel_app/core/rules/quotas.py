"""Quota and budget arithmetic: allocations, usage, money, forecast and carry-over.

Definitions (every function below follows them):

- **Allocations** share the places purchased among member schools by a formula: equal
  shares, by roll, or by roll and FSM with weights (Nottingham allocates by pupil numbers
  and FSM). Exact shares are fractions; whole places are given by the largest-remainder
  method (each school first gets the whole part of its share, the places left go one each
  to the largest remainders, ties to the lower school id), so the allocations always add
  up to exactly the places purchased and do not depend on the order schools are listed.
- **Usage** counts placements that use a quota place (``Span.in_quota``): *concurrent
  places* on a date (placements running that day), and *place-weeks*: for each placement,
  the school days it runs inside the year divided by five. Only school days count, so a
  placement across a half-term break uses no place-weeks during the break.
- A year's **weeks** are its school days divided by five (about 39).
- **Going over** the agreed number is measured day by day: on each school day that more
  places are in use than were purchased, the excess counts; the year's excess place-weeks
  divided by its weeks, times the cost per place, is **deducted from the next year's
  envelope** (South Rotherham: "funding is deducted from the next year's budget should the
  partnership go over the agreed numbers at the PRU").
- **Money left** for other programmes = envelope - carry-over deduction - places
  purchased x cost per place + charges to schools (a permanent exclusion made outside the
  panel is charged to the excluding school at the cost per place). South Rotherham:
  630,000 - 30 x 17,500 = 105,000 GBP.
- The **forecast** to the year end counts every placement to its planned end (an
  open-ended one to the year end).

Nothing here raises for an ordinary "over quota": results carry ``Issue`` warnings with a
code, severity and params.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from panel_app.core.domain.calendar import SchoolCalendar, year_label
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.issues import Issue
from panel_app.core.domain.quotas import Formula, QuotaYear, Span, format_gbp

ONE_DAY = timedelta(days=1)


def _err(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "error", fld, message, params)


def _warn(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "warning", fld, message, params)


def year_bounds(start_year: int) -> tuple[date, date]:
    """An academic year for budgets: 1 September to 31 August."""
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


# -- allocations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolBasis:
    """What a formula needs to know about a member school."""

    id: str
    name: str
    roll: int = 0
    fsm: int = 0


@dataclass(frozen=True)
class Allocation:
    places: dict[str, int]  # school id -> whole places (sums to the places purchased)
    shares: dict[str, Fraction]  # school id -> exact share of the places before rounding
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def _weight(value: float | int | str) -> Fraction:
    return Fraction(str(value))


def largest_remainder(total: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    """Whole numbers proportional to ``weights`` that add up to ``total`` exactly:
    floors first, then one each to the largest remainders (ties: lower key first)."""
    mass = sum(weights.values(), Fraction(0))
    if total <= 0 or not weights:
        return {k: 0 for k in weights}
    if mass <= 0:
        raise ValueError("weights must add up to more than zero")
    quotas = {k: total * w / mass for k, w in weights.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    left = total - sum(out.values())
    for key in sorted(quotas, key=lambda k: (-(quotas[k] - out[k]), k))[:left]:
        out[key] += 1
    return out


def allocate(
    places: int,
    schools: Sequence[SchoolBasis],
    formula: str,
    *,
    roll_weight: float | int | str = 1,
    fsm_weight: float | int | str = 0,
    manual: Mapping[str, int] | None = None,
) -> Allocation:
    """Share ``places`` among ``schools`` by ``formula``. Problems (no roll recorded,
    negative weights, hand allocations that do not add up) are error Issues; the result
    then allocates nothing."""
    issues: list[Issue] = []
    ids = [s.id for s in schools]
    empty = Allocation({i: 0 for i in ids}, {i: Fraction(0) for i in ids})
    if places < 0:
        issues.append(_err("negative_places", "places",
                           "The number of places purchased cannot be negative."))
    if places > 0 and not schools:
        issues.append(_err("no_schools", "schools",
                           "There are no member schools to allocate places to: add them first."))
    if formula not in {f.value for f in Formula}:
        issues.append(_err("invalid_formula", "formula", "The formula is one of: "
                           + ", ".join(f.value for f in Formula) + "."))
    if issues:
        return Allocation(empty.places, empty.shares, tuple(issues))
    weights: dict[str, Fraction] = {}
    if formula == Formula.MANUAL.value:
        given = dict(manual or {})
        unknown = sorted(set(given) - set(ids))
        if unknown:
            issues.append(_err("unknown_school", "allocations",
                               "Allocations name a school that is not a member school: "
                               "allocate to member schools only.", schools=unknown))
        if any(v < 0 for v in given.values()):
            issues.append(_err("negative_allocation", "allocations",
                               "An allocation cannot be negative."))
        total = sum(given.values())
        if total != places:
            issues.append(_err(
                "allocations_do_not_add_up", "allocations",
                f"The allocations add up to {total} place(s) but {places} were purchased: "
                f"change them so that they add up to {places}.", total=total, places=places))
        if issues:
            return Allocation(empty.places, empty.shares, tuple(issues))
        out = {i: int(given.get(i, 0)) for i in ids}
        shares = {i: Fraction(out[i], places) if places else Fraction(0) for i in ids}
        return Allocation(out, shares)
    if formula == Formula.EQUAL.value:
        weights = {i: Fraction(1) for i in ids}
    else:
        rw = _weight(roll_weight)
        fw = _weight(fsm_weight) if formula == Formula.ROLL_FSM.value else Fraction(0)
        if formula == Formula.ROLL.value:
            rw = Fraction(1)
        if rw < 0 or fw < 0:
            issues.append(_err("negative_weight", "weights",
                               "Formula weights cannot be negative."))
        elif rw + fw == 0:
            issues.append(_err("zero_weights", "weights",
                               "Give the roll or the FSM a weight above zero."))
        rolls = sum(s.roll for s in schools)
        fsms = sum(s.fsm for s in schools)
        if any(s.roll < 0 or s.fsm < 0 for s in schools):
            issues.append(_err("negative_roll", "schools",
                               "A school's roll or FSM count is negative: correct it."))
        if rw > 0 and rolls <= 0:
            issues.append(_err("no_roll", "schools",
                               "No member school has its roll recorded: record each "
                               "school's roll (school add --roll), or allocate in equal shares."))
        if fw > 0 and fsms <= 0:
            issues.append(_err("no_fsm", "schools",
                               "No member school has its FSM count recorded: record them "
                               "(school add --fsm), or give FSM no weight."))
        if issues:
            return Allocation(empty.places, empty.shares, tuple(issues))
        for s in schools:
            w = Fraction(0)
            if rw > 0:
                w += rw * Fraction(s.roll, rolls)
            if fw > 0:
                w += fw * Fraction(s.fsm, fsms)
            weights[s.id] = w
    mass = sum(weights.values(), Fraction(0))
    shares = {i: (places * w / mass) if mass else Fraction(0) for i, w in weights.items()}
    return Allocation(largest_remainder(places, weights), shares)


def check_year(places: int, cost_per_place: int, envelope: int,
               funded_places: int | None = None) -> list[Issue]:
    """The figures of a quota year: errors for impossible ones, a warning when the places
    cost more than the envelope."""
    issues: list[Issue] = []
    if places < 0:
        issues.append(_err("negative_places", "places",
                           "The number of places purchased cannot be negative."))
    if cost_per_place < 0:
        issues.append(_err("negative_cost", "cost_per_place",
                           "The cost per place cannot be negative: give the yearly cost of "
                           "one place, for example 17,500."))
    elif cost_per_place == 0 and places > 0:
        issues.append(_err("zero_cost", "cost_per_place",
                           "Give the yearly cost of one place (for example 17,500)."))
    if envelope < 0:
        issues.append(_err("negative_envelope", "envelope",
                           "The envelope cannot be negative."))
    if funded_places is not None and funded_places < 0:
        issues.append(_err("negative_places", "funded_places",
                           "The number of funded places cannot be negative."))
    if not issues and places * cost_per_place > envelope:
        issues.append(_warn(
            "over_envelope", "places",
            f"{places} places at {format_gbp(cost_per_place)} cost "
            f"{format_gbp(places * cost_per_place)}, more than the envelope of "
            f"{format_gbp(envelope)}.", committed=places * cost_per_place, envelope=envelope))
    return issues


# -- usage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    first: date
    last: date
    count: int
    school_days: int


def school_days(cal: SchoolCalendar, first: date, last: date) -> int:
    """School days from ``first`` to ``last`` inclusive."""
    return cal.school_days_between(first - ONE_DAY, last) if last >= first else 0


def occupancy(spans: Iterable[Span], cal: SchoolCalendar, first: date,
              last: date) -> list[Segment]:
    """Places in use from ``first`` to ``last`` as consecutive segments of constant count
    (each with its school days), covering the whole range. Only quota spans count."""
    if last < first:
        return []
    deltas: dict[date, int] = {}
    for s in spans:
        if not s.in_quota:
            continue
        lo = max(s.start, first)
        hi = last if s.end is None else min(s.end, last)
        if hi < lo:
            continue
        deltas[lo] = deltas.get(lo, 0) + 1
        after = hi + ONE_DAY
        deltas[after] = deltas.get(after, 0) - 1
    bounds = sorted({first, *deltas, last + ONE_DAY})
    out: list[Segment] = []
    count = 0
    for a, b in itertools.pairwise(bounds):
        count += deltas.get(a, 0)
        if a > last:
            break
        seg_last = b - ONE_DAY
        out.append(Segment(a, seg_last, count, school_days(cal, a, seg_last)))
    return out


def place_weeks(segments: Iterable[Segment]) -> float:
    return sum(s.count * s.school_days for s in segments) / 5


def excess_place_weeks(segments: Iterable[Segment], cap: int) -> float:
    """Place-weeks above ``cap`` places, day by day (school days only)."""
    return sum(max(0, s.count - cap) * s.school_days for s in segments) / 5


def peak(segments: Iterable[Segment]) -> int:
    return max((s.count for s in segments), default=0)


def in_use_on(spans: Iterable[Span], on: date) -> int:
    return sum(1 for s in spans if s.in_quota and s.start <= on and (s.end is None
                                                                        or on <= s.end))


def by_school(spans: Iterable[Span]) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for s in spans:
        out.setdefault(s.school_id, []).append(s)
    return out


def weeks_in_year(cal: SchoolCalendar, start_year: int) -> float:
    first, last = year_bounds(start_year)
    return school_days(cal, first, last) / 5


def count_at(segments: Sequence[Segment], on: date) -> int:
    starts = [s.first for s in segments]
    i = bisect.bisect_right(starts, on) - 1
    return segments[i].count if 0 <= i < len(segments) and on <= segments[i].last else 0


# -- carry-over ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CarryOver:
    """Going over the agreed number in ``from_year``, as money off the next envelope."""

    from_year: int
    places: int
    excess_place_weeks: float
    weeks: float
    amount: int  # pence
    final: bool  # the year has ended (else a forecast)

    @property
    def excess_places(self) -> float:
        return self.excess_place_weeks / self.weeks if self.weeks else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"from_year": self.from_year, "from_label": year_label(self.from_year),
                "places": self.places, "excess_place_weeks": round(self.excess_place_weeks, 2),
                "excess_places": round(self.excess_places, 3), "weeks": round(self.weeks, 2),
                "amount": self.amount, "amount_text": format_gbp(self.amount),
                "final": self.final}


def carry_over(year: QuotaYear, spans: Iterable[Span], cal: SchoolCalendar,
               today: date) -> CarryOver:
    """What going over ``year``'s places costs the next year: excess place-weeks / weeks
    in the year x cost per place (rounded to the penny)."""
    first, last = year_bounds(year.academic_year)
    segs = occupancy(spans, cal, first, last)
    excess = excess_place_weeks(segs, year.places)
    weeks = weeks_in_year(cal, year.academic_year)
    amount = round(Fraction(str(excess)) / Fraction(str(weeks)) * year.cost_per_place) if (
        weeks and excess) else 0
    return CarryOver(year.academic_year, year.places, excess, weeks, int(amount), today > last)


# -- the report ----------------------------------------------------------------------------


@dataclass
class SchoolQuota:
    school_id: str
    name: str
    allocated: int
    in_use: int  # concurrent places on the report date
    peak: int  # most places in use on one day of the year so far
    place_weeks_used: float  # to the report date
    place_weeks_allowed: float  # allocated x weeks in the year
    forecast_place_weeks: float  # to the year end, with placements as planned
    charges: int = 0  # pence charged to the school this year

    @property
    def remaining(self) -> int:
        return self.allocated - self.in_use

    @property
    def over(self) -> bool:
        return self.in_use > self.allocated

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "name": self.name, "allocated": self.allocated,
                "in_use": self.in_use, "remaining": self.remaining, "peak": self.peak,
                "over": self.over, "place_weeks_used": round(self.place_weeks_used, 2),
                "place_weeks_allowed": round(self.place_weeks_allowed, 2),
                "forecast_place_weeks": round(self.forecast_place_weeks, 2),
                "charges": self.charges, "charges_text": format_gbp(self.charges)}


@dataclass
class QuotaReport:
    year: QuotaYear
    on: date
    weeks: float  # school weeks in the year
    schools: list[SchoolQuota]
    in_use: int
    peak: int
    place_weeks_used: float
    place_weeks_allowed: float
    forecast_place_weeks: float
    forecast_excess_place_weeks: float
    forecast_deduction: int  # pence the next year would lose, on the forecast
    deduction: CarryOver | None  # from the previous year
    charges: int  # pence charged to schools this year
    occupancy: list[tuple[date, int]] = field(default_factory=list)  # weekly, for charts
    warnings: list[Issue] = field(default_factory=list)

    @property
    def envelope(self) -> int:
        return self.year.envelope

    @property
    def deduction_amount(self) -> int:
        return self.deduction.amount if self.deduction else 0

    @property
    def effective_envelope(self) -> int:
        return self.year.envelope - self.deduction_amount

    @property
    def committed(self) -> int:
        return self.year.committed

    @property
    def left(self) -> int:
        """Money left for other programmes."""
        return self.effective_envelope - self.committed + self.charges

    @property
    def forecast_places(self) -> float:
        return self.forecast_place_weeks / self.weeks if self.weeks else 0.0

    def to_dict(self) -> dict[str, Any]:
        y = self.year
        return {
            "year": y.academic_year, "label": y.label, "on": self.on.isoformat(),
            "places": y.places, "cost_per_place": y.cost_per_place,
            "funded_places": y.funded_places, "formula": y.formula,
            "roll_weight": y.roll_weight, "fsm_weight": y.fsm_weight,
            "weeks_in_year": round(self.weeks, 2),
            "money": {
                "envelope": self.envelope, "deduction": self.deduction_amount,
                "effective_envelope": self.effective_envelope,
                "committed": self.committed, "charges": self.charges, "left": self.left,
                "forecast_deduction": self.forecast_deduction,
                "text": {k: format_gbp(v) for k, v in (
                    ("envelope", self.envelope), ("deduction", self.deduction_amount),
                    ("effective_envelope", self.effective_envelope),
                    ("committed", self.committed), ("charges", self.charges),
                    ("left", self.left), ("forecast_deduction", self.forecast_deduction))},
            },
            "carry_over": self.deduction.to_dict() if self.deduction else None,
            "usage": {
                "in_use": self.in_use, "peak": self.peak,
                "place_weeks_used": round(self.place_weeks_used, 2),
                "place_weeks_allowed": round(self.place_weeks_allowed, 2),
                "forecast_place_weeks": round(self.forecast_place_weeks, 2),
                "forecast_places": round(self.forecast_places, 3),
                "forecast_excess_place_weeks": round(self.forecast_excess_place_weeks, 2),
            },
            "schools": [s.to_dict() for s in self.schools],
            "occupancy": [{"date": d.isoformat(), "in_use": n} for d, n in self.occupancy],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _to_date(spans: Iterable[Span], on: date) -> list[Span]:
    """The spans as they stand on ``on``: usage to date stops at ``on``."""
    out = []
    for s in spans:
        if s.start > on:
            continue
        end = on if s.end is None else min(s.end, on)
        out.append(Span(s.id, s.school_id, s.start, end, s.in_quota))
    return out


def quota_report(
    year: QuotaYear,
    schools: Sequence[SchoolBasis],
    spans: Sequence[Span],
    cal: SchoolCalendar,
    on: date,
    *,
    charges: Mapping[str, int] | None = None,
    previous: tuple[QuotaYear, Sequence[Span]] | None = None,
    today: date | None = None,
) -> QuotaReport:
    """The quota position of ``year`` on ``on``: per school and in total, money, the
    forecast to the year end, the carry-over from ``previous`` and warnings."""
    today = today or on
    charges = dict(charges or {})
    first, last = year_bounds(year.academic_year)
    weeks = weeks_in_year(cal, year.academic_year)
    quota = [s for s in spans if s.in_quota]
    upto = min(max(on, first - ONE_DAY), last)
    used_spans = _to_date(quota, upto)
    all_forecast = occupancy(quota, cal, first, last)
    all_used = occupancy(used_spans, cal, first, upto) if upto >= first else []
    grouped_used = by_school(used_spans)
    grouped_all = by_school(quota)
    names = {s.id: s.name for s in schools}
    rows: list[SchoolQuota] = []
    school_ids = [s.id for s in schools] + sorted(
        (set(grouped_all) | set(year.allocations) | set(charges)) - set(names))
    for sid in school_ids:
        used = occupancy(grouped_used.get(sid, []), cal, first, upto) if upto >= first else []
        forecast = occupancy(grouped_all.get(sid, []), cal, first, last)
        allocated = int(year.allocations.get(sid, 0))
        rows.append(SchoolQuota(
            sid, names.get(sid, "(former school)"), allocated,
            in_use_on(grouped_all.get(sid, []), on), peak(used), place_weeks(used),
            allocated * weeks, place_weeks(forecast), int(charges.get(sid, 0))))
    in_use = in_use_on(quota, on)
    forecast_excess = excess_place_weeks(all_forecast, year.places)
    forecast_deduction = round(Fraction(str(forecast_excess)) / Fraction(str(weeks))
                               * year.cost_per_place) if weeks and forecast_excess else 0
    deduction = None
    if previous is not None:
        deduction = carry_over(previous[0], previous[1], cal, today)
    series = []
    d = first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
    while d <= last:
        if cal.is_school_day(d) or cal.is_school_day(d + timedelta(days=1)):
            series.append((d, count_at(all_forecast, d)))
        d += timedelta(days=7)
    report = QuotaReport(
        year=year, on=on, weeks=weeks, schools=rows, in_use=in_use, peak=peak(all_used),
        place_weeks_used=place_weeks(all_used), place_weeks_allowed=year.places * weeks,
        forecast_place_weeks=place_weeks(all_forecast),
        forecast_excess_place_weeks=forecast_excess, forecast_deduction=forecast_deduction,
        deduction=deduction, charges=sum(charges.values()), occupancy=series)
    report.warnings = report_warnings(report, [s.id for s in schools])
    return report


def report_warnings(r: QuotaReport, member_ids: Sequence[str]) -> list[Issue]:
    out: list[Issue] = []
    y = r.year
    for s in r.schools:
        if s.over:
            out.append(_warn("school_over_quota", "schools",
                             f"{s.name} has {s.in_use} place(s) in use, over its allocation "
                             f"of {s.allocated}.", school=s.name, school_id=s.school_id,
                             in_use=s.in_use, allocated=s.allocated))
    if r.in_use > y.places:
        out.append(_warn("partnership_over_quota", "places",
                         f"{r.in_use} places are in use, over the {y.places} purchased.",
                         in_use=r.in_use, places=y.places))
    missing = [sid for sid in member_ids if sid not in y.allocations]
    if missing and y.places:
        out.append(_warn("school_not_allocated", "allocations",
                         f"{len(missing)} member school(s) have no allocation (joined after "
                         "the quota was set): set the quota again to include them.",
                         schools=missing))
    if r.committed > r.effective_envelope:
        out.append(_warn("over_envelope", "envelope",
                         f"The places cost {format_gbp(r.committed)}, more than the envelope "
                         f"of {format_gbp(r.effective_envelope)} after the carry-over.",
                         committed=r.committed, envelope=r.effective_envelope))
    if r.deduction is not None and r.deduction.amount:
        out.append(_warn("carry_over_deduction", "envelope",
                         f"{format_gbp(r.deduction.amount)} is deducted from this year's "
                         f"envelope: {year_label(r.deduction.from_year)} went over its "
                         f"{r.deduction.places} places by "
                         f"{r.deduction.excess_place_weeks:g} place-weeks.",
                         amount=r.deduction.amount, from_year=r.deduction.from_year))
    if r.forecast_deduction:
        out.append(_warn("forecast_over", "forecast",
                         f"With the placements planned, the year goes over its {y.places} "
                         f"places by {r.forecast_excess_place_weeks:g} place-weeks: "
                         f"{format_gbp(r.forecast_deduction)} would come off next year's "
                         "envelope.", excess_place_weeks=round(r.forecast_excess_place_weeks, 2),
                         amount=r.forecast_deduction))
    return out


# -- before approving ----------------------------------------------------------------------


def check_request(
    year: QuotaYear,
    spans: Sequence[Span],
    school_id: str,
    school_name: str,
    start: date,
    end: date,
) -> list[Issue]:
    """Would one more place for ``school_id`` from ``start`` to ``end`` take the school
    over its allocation or the partnership over its places on any day? Warnings only
    (whoever approves anyway is recorded by the caller)."""
    out: list[Issue] = []
    first, last = year_bounds(year.academic_year)
    lo, hi = max(start, first), min(end, last)
    if hi < lo:
        return out
    quota = [s for s in spans if s.in_quota]
    own = [s for s in quota if s.school_id == school_id]

    def most(group: list[Span]) -> int:
        best = 0
        events: dict[date, int] = {}
        for s in group:
            a = max(s.start, lo)
            b = hi if s.end is None else min(s.end, hi)
            if b < a:
                continue
            events[a] = events.get(a, 0) + 1
            events[b + ONE_DAY] = events.get(b + ONE_DAY, 0) - 1
        running = 0
        for d in sorted(events):
            running += events[d]
            best = max(best, running)
        return best

    allocated = int(year.allocations.get(school_id, 0))
    own_peak = most(own)
    if own_peak + 1 > allocated:
        out.append(_warn(
            "school_over_quota", "quota",
            f"Approving this takes {school_name} to {own_peak + 1} place(s) between "
            f"{format_uk(lo)} and {format_uk(hi)}, over its allocation of {allocated} for "
            f"{year.label}.", school=school_name, school_id=school_id,
            would_use=own_peak + 1, allocated=allocated))
    all_peak = most(quota)
    if all_peak + 1 > year.places:
        out.append(_warn(
            "partnership_over_quota", "quota",
            f"Approving this takes the partnership to {all_peak + 1} place(s) between "
            f"{format_uk(lo)} and {format_uk(hi)}, over the {year.places} purchased for "
            f"{year.label}; going over is deducted from next year's envelope.",
            would_use=all_peak + 1, places=year.places))
    return out
