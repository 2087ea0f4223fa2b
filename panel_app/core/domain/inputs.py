"""Reading typed input for the facade's services (dates, school years) into values or
``Issue``s, one place for what every service needs."""

from __future__ import annotations

from datetime import date
from typing import Any

from panel_app.core.domain.calendar import parse_year_label
from panel_app.core.domain.dates import academic_year_start, parse_date
from panel_app.core.domain.issues import Issue
from panel_app.core.errors import ValidationError


def error(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "error", fld, message, params)


def warning(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "warning", fld, message, params)


def date_input(value: date | str | None, fld: str, what: str,
               issues: list[Issue]) -> date | None:
    """A date given as a date or as text (dd/mm/yyyy or ISO); empty gives None. An
    unreadable or impossible date adds an error naming ``what`` and gives None."""
    if value is None or isinstance(value, date):
        return value
    if not str(value).strip():
        return None
    try:
        return parse_date(str(value))
    except ValueError as exc:
        issues.append(error("invalid_date", fld, f"{what}: {exc}"))
        return None


def school_year(year: int | str | None, today: date) -> int:
    """The start year of a school year given as 2026, '2026/27' or nothing (this year)."""
    if year is None or (isinstance(year, str) and not year.strip()):
        return academic_year_start(today)
    if isinstance(year, int):
        return year
    try:
        return parse_year_label(year)
    except ValueError as exc:
        raise ValidationError([error("invalid_year", "year", str(exc))]) from None
