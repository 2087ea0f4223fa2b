"""Dates as people in England write them (22/11/2026), and school-year arithmetic."""

from __future__ import annotations

import re
from datetime import date, datetime

_UK = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def format_uk(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def uk_day(timestamp: str) -> str:
    """The day of an ISO date or timestamp as people write it: '2026-11-22T09:30' ->
    '22/11/2026' (the text itself if it is not ISO)."""
    try:
        return format_uk(date.fromisoformat(timestamp[:10]))
    except (TypeError, ValueError):
        return timestamp


def uk_datetime(timestamp: str) -> str:
    """An ISO timestamp as people write it, in this computer's local time (UK summer time
    included): '2026-06-01T08:30:00+00:00' -> '01/06/2026 09:30' in England. A timestamp
    without a zone is taken as local already; '' when empty, the text itself if not ISO."""
    if not timestamp:
        return ""
    try:
        moment = datetime.fromisoformat(timestamp)
    except (TypeError, ValueError):
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{format_uk(moment.date())} {moment:%H:%M}"


def parse_date(text: str) -> date:
    """Parse dd/mm/yyyy (also with . or -, or a 2-digit year) or ISO yyyy-mm-dd.

    Raises ValueError with a plain message for anything else, including impossible
    dates such as 31/02/2026.
    """
    m = _ISO.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _UK.match(text)
        if not m:
            raise ValueError(f"'{text.strip()}' is not a date: write it as dd/mm/yyyy.")
        d, mo, y = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:  # "12" is 2012, but "0012" is not a year we accept
            y += 2000 if y < 70 else 1900
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError(f"'{text.strip()}' is not a real date.") from None


def academic_year_start(on: date) -> int:
    """The calendar year in which the school year containing ``on`` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def academic_year_label(on: date) -> str:
    start = academic_year_start(on)
    return f"{start}/{(start + 1) % 100:02d}"


def age_on(dob: date, on: date) -> int:
    years = on.year - dob.year
    if (on.month, on.day) < (dob.month, dob.day):
        years -= 1
    return years
