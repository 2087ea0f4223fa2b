"""The partnership's retention policy: how long a case is kept, and why (pure).

Data about children must be kept no longer than needed (UK GDPR Article 5(1)(e), storage
limitation). The panel's copy of a case is not the pupil's school record: the home
school keeps that (the IRMS Information Management Toolkit for Schools keeps a pupil's
file until the pupil is 25). The panel needs a case while its decisions can still be
reviewed, challenged or relied on, and while the pupil may come back to the panel.

Three rules; a case is **due for review** as soon as any one applies (each says why).
Setting a rule's value to 0 turns it off. The defaults, with their reasons, are shown in
Settings and by ``panel-app retention review``; the partnership changes them for
everyone (they travel with the partnership record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from panel_app.core.domain.issues import Issue

SETTINGS_KEY = "retention"  # in the partnership's settings


@dataclass(frozen=True)
class RuleInfo:
    key: str
    label: str
    value: int
    default: int
    unit: str
    minimum: int
    maximum: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_RULES: dict[str, tuple[str, int, str, int, int, str]] = {
    # key: (label, default, unit, minimum, maximum, reason)
    "closed_case_years": (
        "Closed case kept after closure", 6, "years", 1, 40,
        "Long enough for a decision to be reviewed, appealed or complained about, and for "
        "most claims about it (the Limitation Act 1980 allows six years for most civil "
        "claims); a pupil who returns to the panel within that time is seen with their "
        "history. The home school keeps the pupil's own file."),
    "max_age": (
        "No case kept once the pupil is", 25, "years old", 18, 40,
        "The age to which a school keeps a pupil's file (IRMS Information Management "
        "Toolkit for Schools: date of birth + 25 years) and to which SEND support can run "
        "(Children and Families Act 2014); nothing the panel holds about a child is needed "
        "after that, open or closed."),
    "inactive_open_years": (
        "Open case with no change for", 3, "years", 1, 20,
        "An open case untouched for this long was probably not closed when the work "
        "ended: review it, then close it (which starts the closed-case period) or purge "
        "it. Storage limitation applies to forgotten cases too."),
}


@dataclass(frozen=True)
class RetentionPolicy:
    """Years after closure; the pupil's age; years an open case may sit unchanged."""

    closed_case_years: int = _RULES["closed_case_years"][1]
    max_age: int = _RULES["max_age"][1]
    inactive_open_years: int = _RULES["inactive_open_years"][1]

    def rules(self) -> list[RuleInfo]:
        return [RuleInfo(key, label, int(getattr(self, key)), default, unit, lo, hi, reason)
                for key, (label, default, unit, lo, hi, reason) in _RULES.items()]

    def to_dict(self) -> dict[str, int]:
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> RetentionPolicy:
        """The policy stored in the partnership settings (defaults for what is missing
        or unreadable)."""
        raw = (settings or {}).get(SETTINGS_KEY) or {}
        policy = cls()
        if not isinstance(raw, Mapping):
            return policy
        for key in _RULES:
            value = raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                policy = replace(policy, **{key: value})
        return policy

    def with_changes(self, changes: Mapping[str, Any]) -> tuple[RetentionPolicy, list[Issue]]:
        """A new policy with ``changes`` (rule key -> number; 0 turns a rule off), and
        one issue per value that cannot be used."""
        issues: list[Issue] = []
        out = self
        for key, value in changes.items():
            if key not in _RULES:
                issues.append(Issue("unknown_rule", "error", key,
                                    f"There is no retention rule '{key}': use one of "
                                    f"{', '.join(_RULES)}."))
                continue
            label, _default, unit, lo, hi, _reason = _RULES[key]
            try:
                number = int(str(value).strip())
            except ValueError:
                issues.append(Issue("invalid_value", "error", key,
                                    f"{label}: give a whole number of {unit}."))
                continue
            if number != 0 and not lo <= number <= hi:
                issues.append(Issue("out_of_range", "error", key,
                                    f"{label}: give {lo} to {hi} {unit}, or 0 to turn the "
                                    "rule off.", {"minimum": lo, "maximum": hi}))
                continue
            out = replace(out, **{key: number})
        return out, issues


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at (no names)."""

    case_id: str
    status: str
    opened_on: date | None
    closed_on: date | None
    last_activity: date | None
    dob: date | None


@dataclass(frozen=True)
class Due:
    """One reason a case is due for review: the rule, the date it applied from, and a
    sentence without names."""

    rule: str
    since: date
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "since": self.since.isoformat(), "text": self.text}


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years (29 February becomes 28 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def due_reasons(facts: CaseFacts, policy: RetentionPolicy, today: date) -> list[Due]:
    """Every rule that makes this case due for review on ``today`` (earliest first)."""
    out: list[Due] = []
    if policy.closed_case_years and facts.status == "closed":
        closed = facts.closed_on or facts.last_activity
        if closed is not None:
            since = add_years(closed, policy.closed_case_years)
            if since <= today:
                out.append(Due("closed_case_years", since,
                               f"Closed on {_uk(closed)}: the policy keeps a closed case "
                               f"{policy.closed_case_years} years after closure (until "
                               f"{_uk(since)})."))
    if policy.max_age and facts.dob is not None:
        since = add_years(facts.dob, policy.max_age)
        if since <= today:
            out.append(Due("max_age", since,
                           f"The pupil reached {policy.max_age} on {_uk(since)}: the policy "
                           f"keeps no case after that age."))
    if policy.inactive_open_years and facts.status != "closed":
        last = facts.last_activity or facts.opened_on
        if last is not None:
            since = add_years(last, policy.inactive_open_years)
            if since <= today:
                out.append(Due("inactive_open_years", since,
                               f"Open, with no change since {_uk(last)}: the policy reviews "
                               f"an open case after {policy.inactive_open_years} years "
                               "without a change."))
    return sorted(out, key=lambda d: d.since)


# Reasons for the lawful deletion of one record (UK GDPR), recorded as a code in the
# audit trail (never free text, which could name people).
LAWFUL_REASONS: dict[str, str] = {
    "overturned": "The decision it records was overturned on review or appeal (for example "
                  "a permanent exclusion rescinded): the record goes, the review outcome "
                  "stays.",
    "inaccurate": "It is inaccurate and cannot be put right (UK GDPR Articles 16 and 17).",
    "recorded_in_error": "It was recorded against the wrong pupil or case.",
    "erasure_request": "An erasure request (UK GDPR Article 17) was upheld.",
    "no_lawful_basis": "There was no lawful basis to hold it.",
    "legal_obligation": "A court, tribunal or the law requires it to be removed.",
    "retention": "Its retention period is over (the retention policy).",
}
# The same reasons in a few words, for lists and the audit viewer.
LAWFUL_REASON_LABELS: dict[str, str] = {
    "overturned": "Overturned on review or appeal",
    "inaccurate": "Inaccurate",
    "recorded_in_error": "Recorded in error",
    "erasure_request": "Erasure request upheld",
    "no_lawful_basis": "No lawful basis",
    "legal_obligation": "Required by law or a court",
    "retention": "Retention period over",
}
