"""Panel meetings: series, meetings, members, agenda items, decisions, actions, minutes.

Pure records and rules, no I/O. The agenda item names what it is about by an entity kind
and id (``entity``, ``entity_id``): a referral today, a proposal when proposals exist, a
decision that is due for review, the last meeting (its minutes), a carried action. An
item about a pupil also carries the ``case_id`` so the minutes can name the pupil, or
show only initials and the case reference in the circulation copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from panel_app.core.domain.dates import format_uk

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_EVERY_DAYS = 14
DEFAULT_START = "09:30"
DEFAULT_LENGTH = timedelta(hours=2)
DUE_SOON_DAYS = 7
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Section(StrEnum):
    OPENING = "opening"
    PREVIOUS = "previous"
    NEW = "new"
    REVIEWS = "reviews"
    QUOTA = "quota"
    FAIR_ACCESS = "fair_access"
    AOB = "aob"


SECTION_ORDER = tuple(Section)
SECTION_TITLES = {
    Section.OPENING: "Apologies and declarations of interest",
    Section.PREVIOUS: "Minutes and actions of the last meeting",
    Section.NEW: "New items",
    Section.REVIEWS: "Reviews due",
    Section.QUOTA: "Quota and budget report",
    Section.FAIR_ACCESS: "Fair-access items",
    Section.AOB: "Any other business",
}


class Outcome(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    DECLINED = "declined"
    DEFERRED = "deferred"
    MORE_EVIDENCE = "more_evidence"


OUTCOME_LABELS = {
    Outcome.APPROVED: "Approved",
    Outcome.APPROVED_WITH_CONDITIONS: "Approved with conditions",
    Outcome.DECLINED: "Declined",
    Outcome.DEFERRED: "Deferred",
    Outcome.MORE_EVIDENCE: "More evidence needed",
}
# Outcomes that settle a referral; the others bring it back to the next agenda.
CONCLUDING = frozenset({Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS, Outcome.DECLINED})


class Method(StrEnum):
    CONSENSUS = "consensus"
    VOTE = "vote"


class Attendance(StrEnum):
    INVITED = "invited"
    PRESENT = "present"
    APOLOGIES = "apologies"
    ABSENT = "absent"


class Part(StrEnum):
    WHOLE = ""
    FAIR_ACCESS = "fair_access"  # the LA fair-access officer may join for that part only


class ActionState(StrEnum):
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"


ACTION_STATE_LABELS = {
    ActionState.OPEN: "open",
    ActionState.DUE_SOON: "due soon",
    ActionState.OVERDUE: "OVERDUE",
    ActionState.DONE: "done",
}


class ReferralKind(StrEnum):
    PANEL = "panel"  # a request to the panel (AP place, managed move, ...)
    FAIR_ACCESS = "fair_access"


FAIR_ACCESS_CATEGORIES = ("new arrival", "EHE returner", "looked-after child", "other")


class ReferralStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class MinutesStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


# -- records -------------------------------------------------------------------------------

@dataclass
class MeetingSettings:
    """The partnership's rules for its meetings (stored on the meeting series)."""

    series_id: str = ""
    name: str = "Panel meetings"
    every_days: int = DEFAULT_EVERY_DAYS
    start_time: str = DEFAULT_START
    quorum_schools: int = 0  # 0: a majority of the member schools
    cutoff_weekday: int = 3  # Thursday ...
    cutoff_weeks_before: int = 1  # ... of the week before the meeting
    marking: str = DEFAULT_MARKING
    venues: list[str] = field(default_factory=list)  # school ids, in rotation order

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cutoff_rule"] = cutoff_rule_text(self.cutoff_weekday, self.cutoff_weeks_before)
        return d


@dataclass
class Meeting:
    id: str
    series_id: str
    date: date
    start_time: str
    end_time: str
    venue_school_id: str | None
    venue: str
    chair_id: str | None
    chair: str
    clerk_id: str | None
    clerk: str
    status: str = "planned"
    notes: str = ""
    minutes_status: str = MinutesStatus.DRAFT.value
    minutes_version: int = 0  # the latest version row, 0 when none is recorded

    @property
    def label(self) -> str:
        return f"{format_uk(self.date)} {self.start_time}"

    @property
    def frozen(self) -> bool:
        return self.minutes_status == MinutesStatus.APPROVED.value

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        d["frozen"] = self.frozen
        return d


@dataclass
class Member:
    id: str
    meeting_id: str
    person_id: str | None
    name: str
    role: str
    school_id: str | None
    school: str
    attendance: str = Attendance.INVITED.value
    part: str = Part.WHOLE.value

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Interest:
    id: str
    meeting_id: str
    member_id: str
    name: str
    text: str
    item_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Referral:
    id: str
    case_id: str
    case_ref: str
    kind: str
    category: str
    summary: str
    referred_on: date
    referred_by: str
    school_id: str | None
    status: str = ReferralStatus.OPEN.value

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["referred_on"] = self.referred_on.isoformat()
        return d


@dataclass
class Decision:
    id: str
    meeting_id: str
    item_id: str
    outcome: str
    method: str = Method.CONSENSUS.value
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0
    conditions: str = ""
    rationale: str = ""
    dissent: str = ""
    review_on: date | None = None
    ladder: dict[str, Any] | None = None
    recorded_by: str = ""

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(Outcome(self.outcome), self.outcome)

    @property
    def method_text(self) -> str:
        if self.method == Method.VOTE.value:
            return (f"By vote: {self.votes_for} for, {self.votes_against} against, "
                    f"{self.votes_abstain} abstaining")
        return "By consensus"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["review_on"] = self.review_on.isoformat() if self.review_on else None
        d["outcome_label"] = self.outcome_label
        return d


@dataclass
class AgendaItem:
    id: str
    meeting_id: str
    position: int
    section: str
    title: str
    entity: str = ""
    entity_id: str = ""
    case_id: str | None = None
    case_ref: str = ""
    notes: str = ""
    late: bool = False
    late_note: str = ""
    source: str = "auto"  # 'auto' (built from the data) or 'manual'
    decision: Decision | None = None

    @property
    def decidable(self) -> bool:
        if self.section == Section.OPENING.value or self.entity == "action":
            return False
        return not (self.section == Section.QUOTA.value and self.source == "auto")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["decision"] = self.decision.to_dict() if self.decision else None
        d["section_title"] = SECTION_TITLES.get(Section(self.section), self.section)
        return d


@dataclass
class Action:
    id: str
    meeting_id: str
    meeting_date: date
    item_id: str | None
    item_position: int | None
    text: str
    owner_id: str | None
    owner: str
    due_on: date
    done_on: date | None = None
    state: str = ActionState.OPEN.value

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("meeting_date", "due_on", "done_on"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        return d


@dataclass
class MinutesVersion:
    id: str
    meeting_id: str
    version: int
    status: str
    reason: str
    created_at: datetime
    created_by: str
    approved_on: date | None
    approved_at_meeting: str | None
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["approved_on"] = self.approved_on.isoformat() if self.approved_on else None
        return d


@dataclass(frozen=True)
class Quorum:
    needed: int
    represented: tuple[str, ...]  # school names with someone present
    member_schools: int
    recorded: bool  # attendance has been taken

    @property
    def quorate(self) -> bool:
        return len(self.represented) >= self.needed

    @property
    def text(self) -> str:
        n, total = len(self.represented), self.member_schools
        if not self.recorded:
            return (f"Attendance not yet recorded; the quorum is {self.needed} of {total} "
                    "member schools.")
        if self.quorate:
            return (f"The meeting was quorate: {n} of {total} member schools were represented "
                    f"(quorum {self.needed}).")
        return (f"The meeting was NOT quorate: {n} of {total} member schools were represented; "
                f"the quorum is {self.needed}.")

    def to_dict(self) -> dict[str, Any]:
        return {"needed": self.needed, "represented": list(self.represented),
                "member_schools": self.member_schools, "recorded": self.recorded,
                "quorate": self.quorate, "text": self.text}


# -- rules ---------------------------------------------------------------------------------

def majority(count: int) -> int:
    return count // 2 + 1 if count > 0 else 0


def quorum_for(members: Iterable[Member], member_school_names: dict[str, str],
               needed: int) -> Quorum:
    """At least ``needed`` member schools represented by someone present."""
    members = list(members)
    present = sorted({member_school_names[m.school_id] for m in members
                      if m.attendance == Attendance.PRESENT.value and m.school_id
                      and m.school_id in member_school_names})
    recorded = any(m.attendance != Attendance.INVITED.value for m in members)
    return Quorum(needed or majority(len(member_school_names)), tuple(present),
                  len(member_school_names), recorded)


def referral_cutoff(meeting_on: date, weekday: int = 3, weeks_before: int = 1) -> date:
    """The last day a referral counts as on time: by default the Thursday of the week
    before the meeting (weeks start on Monday)."""
    monday = meeting_on - timedelta(days=meeting_on.weekday())
    return monday - timedelta(weeks=weeks_before) + timedelta(days=weekday)


def cutoff_rule_text(weekday: int, weeks_before: int) -> str:
    day = WEEKDAYS[weekday].capitalize()
    if weeks_before == 0:
        return f"the {day} of the meeting's week"
    if weeks_before == 1:
        return f"the {day} of the week before the meeting"
    return f"the {day} {weeks_before} weeks before the meeting"


def parse_weekday(text: str) -> int:
    t = text.strip().casefold()
    for n, name in enumerate(WEEKDAYS):
        if len(t) >= 2 and name.startswith(t):
            return n
    if t.isdigit() and 0 <= int(t) <= 6:
        return int(t)
    raise ValueError(f"'{text.strip()}' is not a day of the week: write it as thursday or thu.")


_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_time(text: str) -> str:
    """'9:30', '09.30' -> '09:30'; raises ValueError with a plain message."""
    m = _TIME.match(text or "")
    if not m or not m.group(1).isascii():
        raise ValueError(f"'{(text or '').strip()}' is not a time: write it as 09:30.")
    h, mi = int(m.group(1)), int(m.group(2))
    if h > 23 or mi > 59:
        raise ValueError(f"'{text.strip()}' is not a real time of day.")
    return f"{h:02d}:{mi:02d}"


def time_span(on: date, start: str, end: str) -> tuple[datetime, datetime]:
    begin = datetime.combine(on, datetime.strptime(start, "%H:%M").time())
    finish = (datetime.combine(on, datetime.strptime(end, "%H:%M").time()) if end
              else begin + DEFAULT_LENGTH)
    return begin, max(finish, begin + timedelta(minutes=1))


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def series_dates(first: date, count: int, every_days: int,
                 is_school_day: Callable[[date], bool]) -> tuple[list[date], list[date]]:
    """``count`` meeting dates every ``every_days`` from ``first``, skipping dates that
    are not school days (holidays, closures); returns (dates, skipped). The rhythm is
    kept: a skipped date is not moved, the next one follows ``every_days`` later."""
    dates: list[date] = []
    skipped: list[date] = []
    d = first
    guard = 0
    while len(dates) < count and guard < count * 20 + 60:
        (dates if is_school_day(d) else skipped).append(d)
        d += timedelta(days=every_days)
        guard += 1
    return dates, skipped


def rotate(venues: Sequence[str], start: str | None, count: int) -> list[str | None]:
    """Venues for ``count`` meetings in turn, beginning at ``start`` (or the first)."""
    if not venues:
        return [start] * count
    i = venues.index(start) if start in venues else 0
    return [venues[(i + n) % len(venues)] for n in range(count)]


def action_state(due_on: date, done_on: date | None, today: date,
                 soon_days: int = DUE_SOON_DAYS) -> ActionState:
    if done_on is not None:
        return ActionState.DONE
    if due_on < today:
        return ActionState.OVERDUE
    if due_on <= today + timedelta(days=soon_days):
        return ActionState.DUE_SOON
    return ActionState.OPEN


def parse_votes(text: str) -> tuple[int, int, int]:
    """'5/1/0' or '5-1-0' or '5,1,0' (for, against, abstaining)."""
    parts = re.split(r"[/,\- ]+", text.strip())
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(f"'{text.strip()}' is not a vote count: write it as FOR/AGAINST/"
                         "ABSTAINING, e.g. 5/1/0.")
    a, b, c = (int(p) for p in parts)
    return a, b, c
