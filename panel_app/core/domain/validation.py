"""Turn user input (strings from a form or the CLI, or typed values) into typed case
fields, with one Issue per problem. Errors block saving; warnings are shown and kept."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from panel_app.core.domain.dates import age_on, format_uk, parse_date
from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import (
    CASE_FIELDS,
    PUPIL_FIELDS,
    CaseStatus,
    Risk,
    SenStatus,
    SocialCare,
)
from panel_app.core.domain.schoolyears import (
    expected_year_group,
    parse_year_group,
    year_group_label,
)
from panel_app.core.domain.upn import normalise_upn, upn_problem

BOOL_FIELDS = frozenset(
    {"fsm", "pupil_premium", "lac", "eal", "young_carer", "youth_justice"}
)
DATE_FIELDS = frozenset({"dob", "opened_on", "closed_on"})
INT_FIELDS = frozenset({"suspensions", "permanent_exclusions"})
FLOAT_FIELDS = frozenset({"attendance_pct", "suspension_days"})
CHOICES: dict[str, list[str]] = {
    "risk": [r.value for r in Risk],
    "status": [s.value for s in CaseStatus],
    "sen_status": [s.value for s in SenStatus],
    "social_care": [s.value for s in SocialCare],
}
ALL_FIELDS = frozenset(PUPIL_FIELDS) | frozenset(CASE_FIELDS)
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "dob": "Date of birth",
    "upn": "UPN",
    "year_group": "Year group",
    "home_school_id": "Home school",
    "attendance_pct": "Attendance %",
    "suspension_days": "Suspension days",
    "opened_on": "Opened",
    "closed_on": "Closed",
}


def label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " ").capitalize())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "y", "on"}:
        return True
    if text in {"0", "false", "no", "n", "off", ""}:
        return False
    raise ValueError("answer yes or no")


def coerce_fields(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    """Convert each given field to its type. Unknown field names are errors."""
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for name, value in raw.items():
        if name not in ALL_FIELDS:
            issues.append(Issue("unknown_field", "error", name, f"There is no field '{name}'."))
            continue
        try:
            out[name] = _coerce(name, value)
        except ValueError as exc:
            issues.append(
                Issue("invalid_value", "error", name, f"{label(name)}: {exc}")
            )
    return out, issues


def _coerce(name: str, value: Any) -> Any:
    if name in BOOL_FIELDS:
        return _bool(value)
    if name in DATE_FIELDS:
        if value is None or value == "":
            return None
        return value if isinstance(value, date) else parse_date(str(value))
    if name == "year_group":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return parse_year_group(str(value))
        if not 0 <= value <= 13:
            raise ValueError(f"{value} is not a year group (Reception or Y1 to Y13).")
        return value
    if name in INT_FIELDS:
        try:
            n = int(value or 0)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
        if n < 0:
            raise ValueError("cannot be negative")
        return n
    if name in FLOAT_FIELDS:
        if value is None or value == "":
            return None if name == "attendance_pct" else 0.0
        try:
            f = float(str(value).rstrip("%"))
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(f):  # float() also reads "nan" and "inf"
            raise ValueError("must be a number")
        if f < 0 or (name == "attendance_pct" and f > 100):
            raise ValueError("must be between 0 and 100" if name == "attendance_pct"
                             else "cannot be negative")
        return f
    if name in CHOICES:
        text = str(value).strip()
        for choice in CHOICES[name]:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"choose one of: {', '.join(CHOICES[name])}")
    if name == "upn":
        return normalise_upn(str(value or ""))
    return "" if value is None else str(value).strip()


def check_case(
    fields: Mapping[str, Any],
    *,
    today: date,
    school_ids: Collection[str],
) -> list[Issue]:
    """Rules over a complete set of typed case fields (after coerce_fields)."""
    issues: list[Issue] = []
    for name in ("first_name", "last_name"):
        if not fields.get(name):
            issues.append(Issue("required", "error", name, f"{label(name)} is required."))
    school = fields.get("home_school_id")
    if not school:
        issues.append(Issue("required", "error", "home_school_id", "Choose the home school."))
    elif school not in school_ids:
        issues.append(
            Issue("unknown_school", "error", "home_school_id",
                  "That school is not in this partnership: add it first (school add).")
        )
    upn = fields.get("upn") or ""
    if upn:
        problem = upn_problem(upn)
        if problem:
            issues.append(Issue("invalid_upn", "error", "upn", problem))
    dob: date | None = fields.get("dob")
    if dob is None:
        issues.append(Issue("required", "error", "dob", "Date of birth is required."))
    elif dob > today:
        issues.append(
            Issue("dob_in_future", "error", "dob",
                  f"Date of birth {format_uk(dob)} is in the future.")
        )
    elif not 2 <= age_on(dob, today) <= 25:
        issues.append(
            Issue("implausible_age", "error", "dob",
                  f"Date of birth {format_uk(dob)} gives an age of {age_on(dob, today)}: "
                  "check the year.")
        )
    year = fields.get("year_group")
    if year is None:
        issues.append(Issue("required", "error", "year_group", "Year group is required."))
    elif dob is not None and dob <= today:
        expected = expected_year_group(dob, today)
        if expected != year:
            issues.append(
                Issue("year_group_mismatch", "warning", "year_group",
                      f"A pupil born on {format_uk(dob)} would normally be in "
                      f"{year_group_label(expected)}, not {year_group_label(year)}: "
                      "check the date of birth, or keep it if the pupil is taught out "
                      "of year group.",
                      {"expected": expected, "given": year})
            )
    opened, closed = fields.get("opened_on"), fields.get("closed_on")
    if opened and opened > today:
        issues.append(Issue("opened_in_future", "error", "opened_on",
                            "A case cannot be opened on a future date."))
    if opened and closed and closed < opened:
        issues.append(Issue("closed_before_opened", "error", "closed_on",
                            "The case cannot close before it opened."))
    if fields.get("status") == CaseStatus.CLOSED.value and not closed:
        issues.append(Issue("closed_without_date", "warning", "closed_on",
                            "A closed case should have a closing date; today's will be used."))
    return issues
