"""Move statistics, the send/receive balance, the fair-access rotation and due flags.

- Rates are shown with their numerator and denominator ("13 of 18, 72%"): the denominator
  is the moves that have ended with an outcome (running moves have no outcome yet).
- The **balance** counts, per school, the moves it sent (as the home school) and received,
  and the net (received - sent), this academic year (by start date) and all time:
  partnerships watch the give and take.
- The **fair-access rotation** ("whose turn is it?") orders member schools for a year
  group: fewest fair-access admissions to that year group this academic year first
  (looked-after children and pupils with an EHCP count like any other admission, and are
  shown), then the school that admitted least recently, then by name.
- **Due flags**: moves and placements whose planned end or next review falls within N
  school days (or has passed without an outcome).

Pure functions over records; results carry codes and params. Nothing raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from panel_app.core.domain.calendar import SchoolCalendar
from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.moves import (
    MOVE_OUTCOME_LABELS,
    Admission,
    Move,
    MoveOutcome,
    Placement,
)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if not self.denominator else round(100.0 * self.numerator
                                                       / self.denominator, 1)

    @property
    def text(self) -> str:
        if not self.denominator:
            return f"{self.numerator} of 0"
        return f"{self.numerator} of {self.denominator} ({self.percent:g}%)"

    def to_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator,
                "percent": self.percent, "text": self.text}


@dataclass
class MoveStats:
    total: int
    running: int
    planned: int
    ended: int
    rates: dict[str, Rate]  # outcome -> rate among ended moves
    moved_again: Rate  # broke down or moved to AP ("moved again or to AP")

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "running": self.running, "planned": self.planned,
                "ended": self.ended,
                "rates": {k: {**v.to_dict(), "label": MOVE_OUTCOME_LABELS.get(k, k)}
                          for k, v in self.rates.items()},
                "moved_again": self.moved_again.to_dict()}


def move_stats(moves: Iterable[Move], today: date) -> MoveStats:
    moves = list(moves)
    ended = [m for m in moves if m.ended_on is not None and m.outcome]
    n = len(ended)
    rates = {o.value: Rate(sum(1 for m in ended if m.outcome == o.value), n)
             for o in MoveOutcome}
    again = sum(1 for m in ended if m.outcome in (MoveOutcome.BROKE_DOWN.value,
                                                   MoveOutcome.MOVED_TO_AP.value))
    return MoveStats(
        total=len(moves),
        running=sum(1 for m in moves if m.status(today) == "running"),
        planned=sum(1 for m in moves if m.status(today) == "planned"),
        ended=n, rates=rates, moved_again=Rate(again, n))


@dataclass
class BalanceRow:
    school_id: str
    name: str
    sent_year: int = 0
    received_year: int = 0
    sent_all: int = 0
    received_all: int = 0

    @property
    def net_year(self) -> int:
        return self.received_year - self.sent_year

    @property
    def net_all(self) -> int:
        return self.received_all - self.sent_all

    def to_dict(self) -> dict[str, Any]:
        return {"school_id": self.school_id, "name": self.name,
                "this_year": {"sent": self.sent_year, "received": self.received_year,
                              "net": self.net_year},
                "all_time": {"sent": self.sent_all, "received": self.received_all,
                             "net": self.net_all}}


def balance(moves: Iterable[Move], schools: Sequence[tuple[str, str]],
            academic_year: int) -> list[BalanceRow]:
    """Per school (id, name), in the order given; schools that appear only in moves (no
    longer members) are added at the end."""
    rows = {sid: BalanceRow(sid, name) for sid, name in schools}
    for m in moves:
        for sid, name in ((m.home_school_id, m.home_school),
                          (m.receiving_school_id, m.receiving_school)):
            rows.setdefault(sid, BalanceRow(sid, name))
        this_year = academic_year_start(m.start) == academic_year
        rows[m.home_school_id].sent_all += 1
        rows[m.receiving_school_id].received_all += 1
        if this_year:
            rows[m.home_school_id].sent_year += 1
            rows[m.receiving_school_id].received_year += 1
    return list(rows.values())


@dataclass
class TurnRow:
    position: int
    school_id: str
    name: str
    admitted: int
    lac: int
    ehcp: int
    last_on: date | None

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "school_id": self.school_id, "name": self.name,
                "admitted": self.admitted, "lac": self.lac, "ehcp": self.ehcp,
                "last_on": self.last_on.isoformat() if self.last_on else None}


def whose_turn(year_group: int, schools: Sequence[tuple[str, str]],
               admissions: Iterable[Admission], academic_year: int) -> list[TurnRow]:
    """Member schools (id, name) in the order the next fair-access pupil in
    ``year_group`` should be offered to; the first is whose turn it is."""
    counts = {sid: [0, 0, 0] for sid, _ in schools}
    last: dict[str, date] = {}
    for a in admissions:
        if a.school_id not in counts or a.year_group != year_group:
            continue
        if academic_year_start(a.on) != academic_year:
            continue
        c = counts[a.school_id]
        c[0] += 1
        c[1] += int(a.lac)
        c[2] += int(a.ehcp)
        if a.school_id not in last or a.on > last[a.school_id]:
            last[a.school_id] = a.on
    order = sorted(schools, key=lambda s: (counts[s[0]][0],
                                           last.get(s[0], date.min), s[1].casefold(), s[0]))
    return [TurnRow(n, sid, name, counts[sid][0], counts[sid][1], counts[sid][2],
                    last.get(sid)) for n, (sid, name) in enumerate(order, start=1)]


@dataclass(frozen=True)
class DueFlag:
    code: str  # move_ending, move_review_due, move_overdue, placement_... (see below)
    severity: str
    entity: str  # "move" or "placement"
    entity_id: str
    case_ref: str
    on: date
    school_days: int  # school days from today (negative: passed)
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "entity": self.entity,
                "entity_id": self.entity_id, "case_ref": self.case_ref,
                "on": self.on.isoformat(), "school_days": self.school_days,
                "message": self.message, "params": self.params}


def due_flags(moves: Iterable[Move], placements: Iterable[Placement], cal: SchoolCalendar,
              today: date, within: int) -> list[DueFlag]:
    """Open moves and placements whose planned end or next review date is within
    ``within`` school days of ``today`` (``*_ending``, ``*_review_due``) or has passed
    with no outcome recorded (``*_overdue``, ``*_review_overdue``). Soonest first."""
    out: list[DueFlag] = []

    def add(entity: str, rid: str, ref: str, what: str, when: date, kind: str) -> None:
        days = cal.school_days_between(today, when)
        if days > within:
            return
        passed = when < today
        if kind == "review":
            code = f"{entity}_review_overdue" if passed else f"{entity}_review_due"
        else:
            code = f"{entity}_overdue" if passed else f"{entity}_ending"
        if passed:
            text = (f"The {what} of case {ref} was due for review on {format_uk(when)}"
                    if kind == "review" else
                    f"The {what} of case {ref} was planned to end on {format_uk(when)} and has "
                    "no outcome recorded")
            text += ": record the review or the outcome."
        else:
            text = (f"The {what} of case {ref} is due for review on {format_uk(when)}"
                    if kind == "review" else
                    f"The {what} of case {ref} ends on {format_uk(when)}")
            text += f" ({days} school day(s) from today)."
        out.append(DueFlag(code, "warning", entity, rid, ref, when, days, text,
                           {"date": when.isoformat(), "school_days": days}))

    for m in moves:
        if m.ended_on is not None:
            continue
        what = f"move to {m.receiving_school}"
        if m.planned_end is not None:
            add("move", m.id, m.case_ref, what, m.planned_end, "end")
        review = m.next_review()
        if review is not None:
            add("move", m.id, m.case_ref, what, review, "review")
    for p in placements:
        if p.ended_on is not None:
            continue
        what = f"placement at {p.provider_name or p.provider_type}"
        if p.planned_end is not None:
            add("placement", p.id, p.case_ref, what, p.planned_end, "end")
        review = p.next_review()
        if review is not None:
            add("placement", p.id, p.case_ref, what, review, "review")
    out.sort(key=lambda f: (f.on, f.entity, f.case_ref))
    return out
