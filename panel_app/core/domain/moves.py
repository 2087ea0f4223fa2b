"""Managed moves, directions off-site and alternative-provision (AP) placements.

Partnerships call every move of a pupil between member schools a "managed move". Current
DfE exclusions guidance distinguishes two things:

- a **managed move**: a transfer to the new school's roll, which "cannot be a trial
  period" (``Arrangement.MANAGED_MOVE``);
- a **direction off-site** for education elsewhere while dual registered: the parents are
  given notice (at least two school days) and the arrangement is reviewed
  (``Arrangement.OFF_SITE``). The partnership's short turn-around, respite and six-week
  "managed moves" are legally this.

Both are recorded as a ``Move``; the partnership chooses its own labels for them (stored
in the partnership settings). Placements record AP: the provider, the pathway, the dates
and the outcome. Pure records and checks: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.issues import Issue


class Arrangement(StrEnum):
    MANAGED_MOVE = "managed-move"
    OFF_SITE = "off-site-direction"


DEFAULT_ARRANGEMENT_LABELS = {
    Arrangement.MANAGED_MOVE.value: "Managed move (transfer to the new school's roll)",
    Arrangement.OFF_SITE.value: "Direction off-site (dual registered)",
}
SETTINGS_LABELS_KEY = "move_labels"  # partnership settings: {arrangement: label}
SETTINGS_DUE_DAYS_KEY = "move_due_days"
DEFAULT_DUE_DAYS = 10  # flag moves and placements ending or due for review in 2 school weeks
MIN_NOTICE_DAYS = 2  # school days' notice to parents of a direction off-site


class MoveKind(StrEnum):
    TURN_AROUND = "turn-around"
    RESPITE = "respite"
    FIXED_TERM = "fixed-term"
    EXTENDED = "extended"
    TRANSFER = "transfer"


MOVE_KIND_LABELS = {
    MoveKind.TURN_AROUND.value: "turn-around (a few days)",
    MoveKind.RESPITE.value: "respite (about two weeks)",
    MoveKind.FIXED_TERM.value: "fixed term (up to six weeks)",
    MoveKind.EXTENDED.value: "extended (up to a term)",
    MoveKind.TRANSFER.value: "transfer (permanent)",
}
# The usual length of each kind, in school days, and the most it should run. "Up to a
# term": an autumn or summer term of England's calendar has up to 74 school days (72 in
# autumn 2026), so a move of a whole term is not flagged as too long.
MOVE_KIND_DAYS = {
    MoveKind.TURN_AROUND.value: (3, 5),
    MoveKind.RESPITE.value: (10, 15),
    MoveKind.FIXED_TERM.value: (30, 30),
    MoveKind.EXTENDED.value: (65, 75),
}


class MoveOutcome(StrEnum):
    RETURNED_HOME = "returned-home"
    CONVERTED = "converted"
    BROKE_DOWN = "broke-down"
    MOVED_TO_AP = "moved-to-ap"


MOVE_OUTCOME_LABELS = {
    MoveOutcome.RETURNED_HOME.value: "returned to the home school",
    MoveOutcome.CONVERTED.value: "converted to a permanent admission",
    MoveOutcome.BROKE_DOWN.value: "broke down early",
    MoveOutcome.MOVED_TO_AP.value: "moved to alternative provision",
}

ATTENDEE_SIDES = ("home", "receiving", "family", "pupil", "la", "other")

# The admission meeting template: the targets agreed with the pupil and family at the
# start of every move (both schools present), reviewed at the re-entry or review meeting.
ADMISSION_TEMPLATE = (
    "Attendance target",
    "Behaviour target",
    "Learning and work to be sent by the home school",
    "Support the receiving school will give (key adult, timetable)",
    "Contact between the schools and with the family",
    "Review and re-entry meeting dates",
)


class ProviderType(StrEnum):
    PRU = "pru"
    PARTNERSHIP_UNIT = "partnership-unit"
    ON_SITE = "on-site"
    REGISTERED = "registered"
    UNREGISTERED = "unregistered"


PROVIDER_LABELS = {
    ProviderType.PRU.value: "pupil referral unit",
    ProviderType.PARTNERSHIP_UNIT.value: "partnership unit",
    ProviderType.ON_SITE.value: "school's on-site provision",
    ProviderType.REGISTERED.value: "other registered provider",
    ProviderType.UNREGISTERED.value: "unregistered provider",
}


class Pathway(StrEnum):
    INTERVENTION = "ks1-3-intervention"
    VOCATIONAL = "ks4-vocational"
    OTHER = "other"


PATHWAY_LABELS = {
    Pathway.INTERVENTION.value: "KS1-3 intervention place (16 weeks, then back to school)",
    Pathway.VOCATIONAL.value: "KS4 vocational pathway while dual registered",
    Pathway.OTHER.value: "other",
}
PATHWAY_WEEKS = {Pathway.INTERVENTION.value: 16}


class PlacementOutcome(StrEnum):
    REINTEGRATED = "reintegrated"
    CONTINUED = "continued"
    SPECIALIST = "specialist-placement"
    MOVED_OUT = "moved-out-of-area"
    TERMINATED = "terminated"
    EXCLUDED = "permanently-excluded"


PLACEMENT_OUTCOME_LABELS = {
    PlacementOutcome.REINTEGRATED.value: "reintegrated into mainstream",
    PlacementOutcome.CONTINUED.value: "continued in the provision",
    PlacementOutcome.SPECIALIST.value: "specialist placement after an EHCP",
    PlacementOutcome.MOVED_OUT.value: "moved out of the area",
    PlacementOutcome.TERMINATED.value: "terminated",
    PlacementOutcome.EXCLUDED.value: "permanently excluded",
}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class Attendee:
    name: str
    side: str  # one of ATTENDEE_SIDES

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "side": self.side}


@dataclass
class Move:
    id: str
    case_id: str
    case_ref: str
    pupil_id: str
    arrangement: str
    kind: str
    home_school_id: str
    home_school: str
    receiving_school_id: str
    receiving_school: str
    start: date
    planned_end: date | None = None
    proposal_id: str | None = None
    dual_registration: bool = True
    trial: bool = False
    parents_notified_on: date | None = None
    admission_meeting_on: date | None = None
    attendees: list[Attendee] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    review_dates: list[date] = field(default_factory=list)
    reviewed_on: date | None = None
    reentry_meeting_on: date | None = None
    outcome: str = ""
    ended_on: date | None = None
    breakdown_reason: str = ""
    notes: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def ended(self) -> bool:
        return self.ended_on is not None

    def status(self, today: date) -> str:
        if self.ended_on is not None:
            return "ended"
        return "planned" if self.start > today else "running"

    def next_review(self) -> date | None:
        after = self.reviewed_on
        pending = [d for d in self.review_dates if after is None or d > after]
        return min(pending) if pending else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("start", "planned_end", "parents_notified_on", "admission_meeting_on",
                    "reviewed_on", "reentry_meeting_on", "ended_on"):
            d[key] = _iso(getattr(self, key))
        d["review_dates"] = [x.isoformat() for x in self.review_dates]
        for key in ("created_at", "updated_at"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        d["attendees"] = [a.to_dict() for a in self.attendees]
        d["kind_label"] = MOVE_KIND_LABELS.get(self.kind, self.kind)
        d["outcome_label"] = MOVE_OUTCOME_LABELS.get(self.outcome, self.outcome)
        d["next_review"] = _iso(self.next_review())
        return d


@dataclass
class Placement:
    id: str
    case_id: str
    case_ref: str
    pupil_id: str
    provider_type: str
    provider_name: str
    school_id: str  # the school whose place it uses (the referring school)
    school: str
    start: date
    planned_end: date | None = None
    pathway: str = Pathway.OTHER.value
    provider_school_id: str | None = None
    proposal_id: str | None = None
    in_quota: bool = True
    dual_registered: bool = True
    review_dates: list[date] = field(default_factory=list)
    reviewed_on: date | None = None
    ended_on: date | None = None
    outcome: str = ""
    notes: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def status(self, today: date) -> str:
        if self.ended_on is not None:
            return "ended"
        return "planned" if self.start > today else "running"

    @property
    def last_day(self) -> date | None:
        """The last day the place is (or is planned to be) used; None when open-ended."""
        return self.ended_on or self.planned_end

    def next_review(self) -> date | None:
        after = self.reviewed_on
        pending = [d for d in self.review_dates if after is None or d > after]
        return min(pending) if pending else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("start", "planned_end", "reviewed_on", "ended_on"):
            d[key] = _iso(getattr(self, key))
        d["review_dates"] = [x.isoformat() for x in self.review_dates]
        for key in ("created_at", "updated_at"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        d["provider_label"] = PROVIDER_LABELS.get(self.provider_type, self.provider_type)
        d["pathway_label"] = PATHWAY_LABELS.get(self.pathway, self.pathway)
        d["outcome_label"] = PLACEMENT_OUTCOME_LABELS.get(self.outcome, self.outcome)
        d["next_review"] = _iso(self.next_review())
        return d


# -- checks --------------------------------------------------------------------------------


def _err(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "error", fld, message, params)


def _warn(code: str, fld: str, message: str, **params: Any) -> Issue:
    return Issue(code, "warning", fld, message, params)


def check_dates(start: date | None, end: date | None, reviews: list[date],
                *, end_field: str = "planned_end", what: str = "planned end") -> list[Issue]:
    issues: list[Issue] = []
    if start is None:
        issues.append(_err("required", "start", "Give the start date."))
        return issues
    if end is not None and end < start:
        issues.append(_err("end_before_start", end_field,
                           f"The {what} {format_uk(end)} is before the start "
                           f"{format_uk(start)}: correct one of them.",
                           start=start.isoformat(), end=end.isoformat()))
    for r in reviews:
        if r < start:
            issues.append(_err("review_before_start", "review_dates",
                               f"The review date {format_uk(r)} is before the start "
                               f"{format_uk(start)}: correct it.", review=r.isoformat()))
    return issues


def check_move_rules(arrangement: str, kind: str, *, trial: bool, home: str, receiving: str,
                     dual_registration: bool, planned_days: int | None,
                     notice_days: int | None, reviews: int) -> list[Issue]:
    """Rules on a move beyond its dates: errors for impossible moves, warnings where the
    DfE guidance or the partnership's usual practice says to look again."""
    issues: list[Issue] = []
    if arrangement not in {a.value for a in Arrangement}:
        issues.append(_err("invalid_arrangement", "arrangement",
                           "The arrangement is a managed move (a transfer to the new roll) or "
                           "a direction off-site (dual registered): use "
                           f"{' or '.join(a.value for a in Arrangement)}."))
    if kind not in {k.value for k in MoveKind}:
        issues.append(_err("invalid_kind", "kind", "The kind of move is one of: "
                           + ", ".join(k.value for k in MoveKind) + "."))
    if home and receiving and home == receiving:
        issues.append(_err("same_school", "receiving_school_id",
                           "A move needs a different receiving school: the pupil's home "
                           "school cannot receive its own pupil. Choose another school."))
    if not receiving:
        issues.append(_err("required", "receiving_school_id", "Name the receiving school."))
    if issues:
        return issues
    if arrangement == Arrangement.MANAGED_MOVE.value:
        if trial:
            issues.append(_warn(
                "managed_move_trial", "trial",
                "DfE guidance: a managed move is a transfer to the new school's roll and "
                "cannot be a trial period. If the pupil may return, record it as a direction "
                "off-site (dual registered) instead."))
        elif kind != MoveKind.TRANSFER.value:
            issues.append(_warn(
                "managed_move_temporary", "kind",
                "A managed move is a permanent transfer to the new roll; a temporary move "
                "while dual registered is a direction off-site. Check the arrangement."))
    else:
        if kind == MoveKind.TRANSFER.value:
            issues.append(_warn(
                "direction_transfer", "kind",
                "A direction off-site is temporary; a transfer to the new school's roll is a "
                "managed move. Check the arrangement."))
        if not dual_registration:
            issues.append(_warn(
                "direction_not_dual", "dual_registration",
                "During a direction off-site the pupil stays on the home school's roll (dual "
                "registration): keep dual registration unless the pupil has transferred."))
        if notice_days is None:
            issues.append(_warn(
                "notice_not_recorded", "parents_notified_on",
                "Record when the parents were given notice of the direction off-site (at "
                f"least {MIN_NOTICE_DAYS} school days before it starts)."))
        elif notice_days < MIN_NOTICE_DAYS:
            issues.append(_warn(
                "short_notice", "parents_notified_on",
                f"The parents were given {notice_days} school day(s) of notice: the guidance "
                f"asks for at least {MIN_NOTICE_DAYS}.", notice_days=notice_days))
        if reviews == 0:
            issues.append(_warn(
                "no_review_date", "review_dates",
                "A direction off-site is reviewed: give at least one review date."))
    limits = MOVE_KIND_DAYS.get(kind)
    if limits is not None and planned_days is not None and planned_days > limits[1]:
        issues.append(_warn(
            "longer_than_kind", "planned_end",
            f"The move is planned for {planned_days} school days, longer than a move of "
            f"the kind {MOVE_KIND_LABELS[kind]} usually runs ({limits[1]} school days): "
            "check the dates or the kind.", planned_days=planned_days, usual=limits[1]))
    return issues


def check_move_outcome(outcome: str, ended_on: date | None, start: date,
                       reason: str) -> list[Issue]:
    issues: list[Issue] = []
    if outcome not in {o.value for o in MoveOutcome}:
        issues.append(_err("invalid_outcome", "outcome", "The outcome of a move is one of: "
                           + ", ".join(o.value for o in MoveOutcome) + "."))
        return issues
    if ended_on is None:
        issues.append(_err("required", "ended_on", "Give the date the move ended."))
    elif ended_on < start:
        issues.append(_err("end_before_start", "ended_on",
                           f"The move cannot end on {format_uk(ended_on)}, before it started "
                           f"on {format_uk(start)}: correct the date."))
    if outcome == MoveOutcome.BROKE_DOWN.value and not reason.strip():
        issues.append(_err("reason_needed", "breakdown_reason",
                           "Say why the move broke down (for example behaviour or belonging)."))
    return issues


def spans_overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Do two date ranges (inclusive; None: open-ended) share a day?"""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


@dataclass(frozen=True)
class Admission:
    """A fair-access admission: a school took a pupil into a year group on a date."""

    school_id: str
    year_group: int | None
    on: date
    lac: bool = False
    ehcp: bool = False
