"""The school calendar: terms, half-term breaks and closure days, and school-time arithmetic.

Durations in ladders and managed moves ("six weeks", "two terms", "a 20-week programme")
count school time, not calendar time, so they are measured on this calendar.

Definitions (every function below follows them):

- A **school day** is a Monday to Friday inside a term, outside that term's half-term
  break and not one of its closure days (bank holidays, training days).
- ``school_days_between(a, b)`` counts the school days ``d`` with ``a < d <= b``: the
  school time that has *elapsed* from ``a`` to ``b``. Something started on a Monday has
  run one school day on the Tuesday and one school week on the next Monday.
- A **school week** is five school days, so a week with a bank holiday in it takes six
  weekdays to pass; ``add_school_weeks(d, n)`` is ``add_school_days(d, 5 * n)``.
- A **term** elapsed is measured by its share of that term's school days; a half term
  likewise by its share of the school days on its side of the half-term break.

Academic years that a partnership has not entered fall back to the England default
pattern (``england_default_terms``), so the arithmetic is defined on every date.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from panel_app.core.domain.dates import academic_year_start, format_uk, parse_date
from panel_app.core.domain.issues import Issue

ONE_DAY = timedelta(days=1)
TERM_NAMES = ("autumn", "spring", "summer")
CLOSURE_WORDS = frozenset(
    {"closure", "closed", "inset", "training day", "bank holiday", "holiday", "closure day"}
)


def year_label(start_year: int) -> str:
    """2025 -> '2025/26'."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse_year_label(text: str) -> int:
    """'2025/26', '2025-26', '2025-2026' or '2025' -> 2025."""
    t = text.strip().replace("-", "/")
    head, _, tail = t.partition("/")
    if not (head.isascii() and head.isdigit() and len(head) == 4):
        raise ValueError(f"'{text.strip()}' is not a school year: write it as 2025/26.")
    start = int(head)
    if tail:
        expect = {f"{(start + 1) % 100:02d}", str(start + 1)}
        if tail not in expect:
            raise ValueError(
                f"'{text.strip()}' is not a school year: write it as {year_label(start)}."
            )
    return start


def _weekdays(first: date, last: date) -> int:
    """Mondays to Fridays from ``first`` to ``last`` inclusive (0 if last < first)."""
    if last < first:
        return 0
    days = (last - first).days + 1
    full, rest = divmod(days, 7)
    count = full * 5
    wd = first.weekday()
    count += sum(1 for i in range(rest) if (wd + i) % 7 < 5)
    return count


@dataclass(frozen=True)
class Term:
    name: str
    start: date
    end: date
    half_term_start: date | None = None
    half_term_end: date | None = None
    closures: tuple[date, ...] = ()

    @property
    def academic_year(self) -> int:
        return academic_year_start(self.start)

    @property
    def title(self) -> str:
        return f"{self.name} term {year_label(self.academic_year)}"

    def in_half_term(self, d: date) -> bool:
        return (
            self.half_term_start is not None
            and self.half_term_end is not None
            and self.half_term_start <= d <= self.half_term_end
        )

    def is_school_day(self, d: date) -> bool:
        return (
            self.start <= d <= self.end
            and d.weekday() < 5
            and not self.in_half_term(d)
            and d not in self.closures
        )

    def _closed_weekdays(self, first: date, last: date) -> int:
        return sum(
            1
            for c in set(self.closures)
            if first <= c <= last and c.weekday() < 5 and not self.in_half_term(c)
        )

    def school_days_in(self, first: date, last: date) -> int:
        """School days of this term from ``first`` to ``last`` inclusive."""
        first, last = max(first, self.start), min(last, self.end)
        if last < first:
            return 0
        count = _weekdays(first, last)
        if self.half_term_start is not None and self.half_term_end is not None:
            count -= _weekdays(max(first, self.half_term_start), min(last, self.half_term_end))
        return count - self._closed_weekdays(first, last)

    @property
    def school_days(self) -> int:
        return self.school_days_in(self.start, self.end)

    def halves(self) -> list[tuple[date, date]]:
        """The two half terms as (first, last) dates; one span if there is no break."""
        if self.half_term_start is None or self.half_term_end is None:
            return [(self.start, self.end)]
        return [
            (self.start, self.half_term_start - ONE_DAY),
            (self.half_term_end + ONE_DAY, self.end),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "academic_year": self.academic_year,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "half_term_start": self.half_term_start.isoformat() if self.half_term_start else None,
            "half_term_end": self.half_term_end.isoformat() if self.half_term_end else None,
            "closures": [c.isoformat() for c in sorted(self.closures)],
            "school_days": self.school_days,
        }


# -- the England default pattern ---------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_on_or_after(d: date) -> date:
    while d.weekday() >= 5:
        d += ONE_DAY
    return d


def _weekday_on_or_before(d: date) -> date:
    while d.weekday() >= 5:
        d -= ONE_DAY
    return d


def _monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _monday_on_or_after(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7)


def england_default_terms(start_year: int) -> tuple[Term, Term, Term]:
    """A typical English local-authority year beginning in September ``start_year``.

    Autumn from the first weekday on or after 3 September to the last Friday on or before
    20 December, with the week containing 28 October off; spring from the first weekday
    on or after 5 January, half term from the Monday on or after 14 February, ending
    nine days before Easter Sunday (two weeks' Easter holiday round Easter); summer from
    the Monday after Easter Monday's week to the last weekday on or before 22 July, with
    the spring bank holiday week off and the early May bank holiday closed. A partnership
    replaces it with its own dates (``calendar import``).
    """
    y, n = start_year, start_year + 1
    october = _monday_of(date(y, 10, 28))
    autumn = Term(
        "autumn",
        _weekday_on_or_after(date(y, 9, 3)),
        date(y, 12, 20) - timedelta(days=(date(y, 12, 20).weekday() - 4) % 7),
        october,
        october + timedelta(days=4),
    )
    easter = easter_sunday(n)
    february = _monday_on_or_after(date(n, 2, 14))
    spring = Term(
        "spring",
        _weekday_on_or_after(date(n, 1, 5)),
        easter - timedelta(days=9),
        february,
        february + timedelta(days=4),
    )
    may_bank = _monday_on_or_after(date(n, 5, 1))
    spring_bank = _monday_of(date(n, 5, 31))  # last Monday in May
    summer = Term(
        "summer",
        easter + timedelta(days=8),
        _weekday_on_or_before(date(n, 7, 22)),
        spring_bank,
        spring_bank + timedelta(days=4),
        (may_bank,),
    )
    return autumn, spring, summer


# -- the calendar ------------------------------------------------------------------------


@dataclass
class SchoolCalendar:
    """Term dates by academic year: those given, and the England default for the rest."""

    terms: Sequence[Term] = ()
    _years: dict[int, tuple[Term, ...]] = field(default_factory=dict, init=False, repr=False)
    _stored: frozenset[int] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        by_year: dict[int, list[Term]] = {}
        for term in self.terms:
            by_year.setdefault(term.academic_year, []).append(term)
        self._stored = frozenset(by_year)
        self._years = {y: tuple(sorted(ts, key=lambda t: t.start)) for y, ts in by_year.items()}

    def is_stored(self, start_year: int) -> bool:
        """True when the partnership entered this year's dates (not the default)."""
        return start_year in self._stored

    @property
    def stored_years(self) -> list[int]:
        return sorted(self._stored)

    def terms_for_year(self, start_year: int) -> tuple[Term, ...]:
        found = self._years.get(start_year)
        if found is None:
            found = england_default_terms(start_year)
            self._years[start_year] = found
        return found

    def _terms_from(self, d: date) -> Iterator[Term]:
        """Terms in date order, starting with the year that contains ``d`` (unending)."""
        year = academic_year_start(d)
        while True:
            yield from self.terms_for_year(year)
            year += 1

    def _terms_back_from(self, d: date) -> Iterator[Term]:
        year = academic_year_start(d)
        while True:
            yield from reversed(self.terms_for_year(year))
            year -= 1

    def term_on(self, d: date) -> Term | None:
        """The term whose dates include ``d`` (half-term breaks included), if any."""
        for term in self.terms_for_year(academic_year_start(d)):
            if term.start <= d <= term.end:
                return term
        return None

    def is_school_day(self, d: date) -> bool:
        term = self.term_on(d)
        return term is not None and term.is_school_day(d)

    # -- counting ------------------------------------------------------------------------
    def school_days_between(self, a: date, b: date) -> int:
        """School days ``d`` with ``a < d <= b`` (negative when ``b`` is before ``a``)."""
        if b < a:
            return -self.school_days_between(b, a)
        first = a + ONE_DAY
        total = 0
        for year in range(academic_year_start(first), academic_year_start(b) + 1):
            for term in self.terms_for_year(year):
                total += term.school_days_in(first, b)
        return total

    def school_weeks_between(self, a: date, b: date) -> float:
        """School time from ``a`` to ``b`` in school weeks of five school days."""
        return self.school_days_between(a, b) / 5

    def full_school_weeks_between(self, a: date, b: date) -> int:
        days = self.school_days_between(a, b)
        return days // 5 if days >= 0 else -((-days) // 5)

    def terms_between(self, a: date, b: date) -> float:
        """Terms elapsed from ``a`` to ``b``, each term counted by its share of school days."""
        if b < a:
            return -self.terms_between(b, a)
        first = a + ONE_DAY
        total = 0.0
        for year in range(academic_year_start(first), academic_year_start(b) + 1):
            for term in self.terms_for_year(year):
                days = term.school_days
                if days:
                    total += term.school_days_in(first, b) / days
        return total

    def half_terms_between(self, a: date, b: date) -> float:
        """Half terms elapsed from ``a`` to ``b``; a term without a half-term break counts
        as two halves of equal weight."""
        if b < a:
            return -self.half_terms_between(b, a)
        first = a + ONE_DAY
        total = 0.0
        for year in range(academic_year_start(first), academic_year_start(b) + 1):
            for term in self.terms_for_year(year):
                halves = term.halves()
                weight = 2.0 if len(halves) == 1 else 1.0
                for lo, hi in halves:
                    days = term.school_days_in(lo, hi)
                    if days:
                        total += weight * term.school_days_in(max(lo, first), min(hi, b)) / days
        return total

    # -- moving --------------------------------------------------------------------------
    def add_school_days(self, d: date, n: int) -> date:
        """The ``n``-th school day after ``d`` (``d`` itself when ``n`` is 0), so that
        ``school_days_between(d, add_school_days(d, n)) == n``."""
        if n < 0:
            raise ValueError("n must not be negative: use subtract_school_days")
        if n == 0:
            return d
        remaining = n
        first = d + ONE_DAY
        for term in self._terms_from(d):
            if term.end < first:
                continue
            available = term.school_days_in(first, term.end)
            if available < remaining:
                remaining -= available
                continue
            day = max(first, term.start)
            while True:
                if term.is_school_day(day):
                    remaining -= 1
                    if remaining == 0:
                        return day
                day += ONE_DAY
        raise AssertionError("unreachable")  # pragma: no cover - the term iterator is endless

    def subtract_school_days(self, d: date, n: int) -> date:
        """The latest school day ``s`` on or before ``d`` with exactly ``n`` school days
        in ``(s, d]``, so that ``school_days_between(subtract_school_days(d, n), d) == n``."""
        if n < 0:
            raise ValueError("n must not be negative: use add_school_days")
        remaining = n + 1  # the (n+1)-th school day counting back from d
        for term in self._terms_back_from(d):
            if term.start > d:
                continue
            available = term.school_days_in(term.start, d)
            if available < remaining:
                remaining -= available
                continue
            day = min(d, term.end)
            while True:
                if term.is_school_day(day):
                    remaining -= 1
                    if remaining == 0:
                        return day
                day -= ONE_DAY
        raise AssertionError("unreachable")  # pragma: no cover

    def add_school_weeks(self, d: date, n: int) -> date:
        return self.add_school_days(d, 5 * n)

    def subtract_school_weeks(self, d: date, n: int) -> date:
        return self.subtract_school_days(d, 5 * n)

    def next_school_day(self, d: date) -> date:
        """``d`` if it is a school day, else the first school day after it."""
        return d if self.is_school_day(d) else self.add_school_days(d, 1)

    def to_dict(self, start_year: int) -> dict[str, Any]:
        terms = self.terms_for_year(start_year)
        return {
            "academic_year": start_year,
            "label": year_label(start_year),
            "source": "stored" if self.is_stored(start_year) else "default",
            "school_days": sum(t.school_days for t in terms),
            "terms": [t.to_dict() for t in terms],
        }


# -- checking and importing --------------------------------------------------------------


def _range(a: date, b: date) -> str:
    return f"{format_uk(a)} to {format_uk(b)}"


def check_terms(terms: Sequence[Term]) -> list[Issue]:
    """Problems with a set of terms: each must be well formed, and no two may overlap."""
    issues: list[Issue] = []
    for t in terms:
        where = {"term": t.name, "start": t.start.isoformat(), "end": t.end.isoformat()}
        if not t.name.strip():
            issues.append(
                Issue(
                    "term_without_name",
                    "error",
                    "name",
                    f"The term starting {format_uk(t.start)} has no name: "
                    "call it autumn, spring or summer.",
                    where,
                )
            )
        if t.end < t.start:
            issues.append(
                Issue(
                    "term_end_before_start",
                    "error",
                    "end",
                    f"The {t.name} term ends on {format_uk(t.end)}, before it "
                    f"starts on {format_uk(t.start)}: swap or correct the dates.",
                    where,
                )
            )
            continue
        if academic_year_start(t.start) != academic_year_start(t.end):
            issues.append(
                Issue(
                    "term_crosses_years",
                    "error",
                    "end",
                    f"The {t.name} term ({_range(t.start, t.end)}) runs past 31 "
                    "August into the next school year: check the year of its "
                    "end date.",
                    where,
                )
            )
        hs, he = t.half_term_start, t.half_term_end
        if (hs is None) != (he is None):
            issues.append(
                Issue(
                    "half_term_incomplete",
                    "error",
                    "half_term",
                    f"The {t.name} term ({_range(t.start, t.end)}) has only one "
                    "half-term date: give both the first and last day of the "
                    "break, or neither.",
                    where,
                )
            )
        elif hs is not None and he is not None:
            if he < hs:
                issues.append(
                    Issue(
                        "half_term_end_before_start",
                        "error",
                        "half_term",
                        f"The {t.name} half term ends on {format_uk(he)}, before "
                        f"it starts on {format_uk(hs)}: correct the dates.",
                        where,
                    )
                )
            elif hs < t.start or he > t.end:
                issues.append(
                    Issue(
                        "half_term_outside_term",
                        "error",
                        "half_term",
                        f"The {t.name} half term ({_range(hs, he)}) is not inside "
                        f"the term ({_range(t.start, t.end)}): correct the dates.",
                        where,
                    )
                )
        for c in t.closures:
            if not t.start <= c <= t.end:
                issues.append(
                    Issue(
                        "closure_outside_term",
                        "error",
                        "closures",
                        f"The closure day {format_uk(c)} is not inside the "
                        f"{t.name} term ({_range(t.start, t.end)}).",
                        where,
                    )
                )
        if t.end >= t.start and t.school_days == 0:
            issues.append(
                Issue(
                    "term_without_school_days",
                    "error",
                    "start",
                    f"The {t.name} term ({_range(t.start, t.end)}) has no school "
                    "days: check its dates.",
                    where,
                )
            )
    ordered = sorted((t for t in terms if t.end >= t.start), key=lambda t: (t.start, t.end))
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            issues.append(
                Issue(
                    "terms_overlap",
                    "error",
                    "start",
                    f"The {after.name} term {year_label(after.academic_year)} "
                    f"({_range(after.start, after.end)}) overlaps the {before.name} term "
                    f"{year_label(before.academic_year)} ({_range(before.start, before.end)}): "
                    "correct the dates so each term starts after the previous one ends.",
                    {
                        "term": after.name,
                        "other": before.name,
                        "start": after.start.isoformat(),
                        "other_end": before.end.isoformat(),
                    },
                )
            )
    by_year: dict[int, list[Term]] = {}
    for t in terms:
        by_year.setdefault(t.academic_year, []).append(t)
    for year, year_terms in sorted(by_year.items()):
        names = [t.name.strip().casefold() for t in year_terms]
        for name in sorted({n for n in names if names.count(n) > 1}):
            issues.append(
                Issue(
                    "duplicate_term",
                    "error",
                    "name",
                    f"{year_label(year)} lists the {name} term more than once: "
                    "keep one row per term.",
                    {"year": year, "term": name},
                )
            )
        if len(year_terms) < 3:
            issues.append(
                Issue(
                    "year_incomplete",
                    "error",
                    "terms",
                    f"{year_label(year)} has {len(year_terms)} term(s): list every "
                    "term of the year (autumn, spring and summer at least), or "
                    "the missing terms would count as holidays.",
                    {"year": year, "terms": len(year_terms)},
                )
            )
    return issues


_COLUMNS = {
    "term": "term",
    "name": "term",
    "term_name": "term",
    "start": "start",
    "start_date": "start",
    "first_day": "start",
    "from": "start",
    "end": "end",
    "end_date": "end",
    "last_day": "end",
    "to": "end",
    "half_term_start": "half_term_start",
    "half_term_from": "half_term_start",
    "half_term_end": "half_term_end",
    "half_term_to": "half_term_end",
    "year": "year",
    "academic_year": "year",
    "school_year": "year",
    "note": "note",
    "notes": "note",
    "reason": "note",
}

CSV_HELP = (
    "The file needs a header row with the columns term, start, end and optionally "
    "half_term_start, half_term_end and year; dates as dd/mm/yyyy; a row whose term "
    "is 'closure' (or 'inset', 'bank holiday') marks days from start to end as closed."
)


def parse_terms_csv(text: str) -> tuple[list[Term], list[Issue]]:
    """Read term dates from CSV text (see ``CSV_HELP``). Returns the terms (with closure
    rows folded into the terms that contain them) and one Issue per problem, each naming
    its row."""
    issues: list[Issue] = []
    text = text.lstrip("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        return [], [Issue("csv_empty", "error", "file", "The calendar file is empty. " + CSV_HELP)]
    header = [
        _COLUMNS.get(h.strip().casefold().replace(" ", "_").replace("-", "_"), "") for h in rows[0]
    ]
    missing = [c for c in ("term", "start", "end") if c not in header]
    if missing:
        return [], [
            Issue(
                "csv_missing_columns",
                "error",
                "file",
                f"The calendar file has no {', '.join(missing)} column: " + CSV_HELP,
                {"missing": missing},
            )
        ]
    terms: list[dict[str, Any]] = []
    closures: list[tuple[int, date, date]] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            issues.append(
                Issue(
                    "csv_extra_cells",
                    "error",
                    "file",
                    f"Row {number} has more cells than the header: check for a stray comma.",
                    {"row": number},
                )
            )
            continue
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        name = cells.get("term", "")
        dates: dict[str, date | None] = {}
        bad = False
        for col in ("start", "end", "half_term_start", "half_term_end"):
            raw = cells.get(col, "")
            if not raw:
                dates[col] = None
                continue
            try:
                dates[col] = parse_date(raw)
            except ValueError as exc:
                issues.append(
                    Issue(
                        "invalid_date",
                        "error",
                        col,
                        f"Row {number}, {col.replace('_', ' ')}: {exc}",
                        {"row": number, "column": col, "value": raw},
                    )
                )
                bad = True
        if bad:
            continue
        start, end = dates["start"], dates["end"]
        if name.casefold() in CLOSURE_WORDS:
            if start is None:
                issues.append(
                    Issue(
                        "missing_date",
                        "error",
                        "start",
                        f"Row {number}: a closure needs its date in the start column.",
                        {"row": number},
                    )
                )
                continue
            end = end or start
            if end < start:
                issues.append(
                    Issue(
                        "closure_end_before_start",
                        "error",
                        "end",
                        f"Row {number}: the closure ends on {format_uk(end)}, "
                        f"before it starts on {format_uk(start)}.",
                        {"row": number},
                    )
                )
                continue
            closures.append((number, start, end))
            continue
        if not name:
            issues.append(
                Issue(
                    "term_without_name",
                    "error",
                    "term",
                    f"Row {number} has no term name: write autumn, spring or summer.",
                    {"row": number},
                )
            )
            continue
        if start is None or end is None:
            issues.append(
                Issue(
                    "missing_date",
                    "error",
                    "start" if start is None else "end",
                    f"Row {number} ({name}) needs both a start and an end date.",
                    {"row": number},
                )
            )
            continue
        year_text = cells.get("year", "")
        if year_text:
            try:
                year = parse_year_label(year_text)
            except ValueError as exc:
                issues.append(
                    Issue("invalid_year", "error", "year", f"Row {number}: {exc}", {"row": number})
                )
                continue
            if year != academic_year_start(start):
                issues.append(
                    Issue(
                        "year_mismatch",
                        "error",
                        "year",
                        f"Row {number}: the {name} term starting "
                        f"{format_uk(start)} belongs to "
                        f"{year_label(academic_year_start(start))}, not "
                        f"{year_label(year)}: check the dates or the year.",
                        {"row": number},
                    )
                )
                continue
        terms.append(
            {
                "name": name.casefold() if name.casefold() in TERM_NAMES else name,
                "start": start,
                "end": end,
                "half_term_start": dates["half_term_start"],
                "half_term_end": dates["half_term_end"],
                "closures": [],
            }
        )
    for number, first, last in closures:
        day = first
        while day <= last:
            home = next((t for t in terms if t["start"] <= day <= t["end"]), None)
            if home is None:
                issues.append(
                    Issue(
                        "closure_outside_term",
                        "error",
                        "closures",
                        f"Row {number}: the closure day {format_uk(day)} is not "
                        "inside any term in the file.",
                        {"row": number},
                    )
                )
                break
            if day.weekday() < 5:
                home["closures"].append(day)
            day += ONE_DAY
    result = [
        Term(
            t["name"],
            t["start"],
            t["end"],
            t["half_term_start"],
            t["half_term_end"],
            tuple(sorted(set(t["closures"]))),
        )
        for t in terms
    ]
    if not result and not issues:
        issues.append(
            Issue("csv_no_terms", "error", "file", "The calendar file lists no terms. " + CSV_HELP)
        )
    if not issues:
        issues.extend(check_terms(result))
    return result, issues


def terms_to_csv(terms: Iterable[Term]) -> str:
    """The CSV that ``parse_terms_csv`` reads back (one closure row per closure day)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "term", "start", "end", "half_term_start", "half_term_end"])
    closures: list[tuple[int, date]] = []
    for t in terms:
        writer.writerow(
            [
                year_label(t.academic_year),
                t.name,
                format_uk(t.start),
                format_uk(t.end),
                format_uk(t.half_term_start),
                format_uk(t.half_term_end),
            ]
        )
        closures += [(t.academic_year, c) for c in t.closures]
    for year, c in closures:
        writer.writerow([year_label(year), "closure", format_uk(c), "", "", ""])
    return out.getvalue()
