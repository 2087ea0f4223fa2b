"""Meetings, agendas, decisions, actions and minutes: ``session.meetings``.

Every mutating call validates first and raises ``ValidationError`` (nothing stored) with
one ``Issue`` per problem, each saying what to do; otherwise it writes in one transaction
through ``Repository`` (so every field is in the change log) and returns ``Saved``: the
id, the ``Changes`` for views to refresh, and any warnings (not quorate, a meeting in a
holiday that was allowed, a late item).

References that people type are accepted everywhere: a meeting by id, id prefix,
``next``, ``last`` or its date (dd/mm/yyyy); a person by id or name; an agenda item by
its number on that meeting's agenda or its id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.calendar import SchoolCalendar
from panel_app.core.domain.dates import format_uk, parse_date
from panel_app.core.domain.inputs import date_input
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import warning as _warn
from panel_app.core.domain.issues import Issue, errors
from panel_app.core.domain.meetings import (
    ACTION_STATE_LABELS,
    CONCLUDING,
    DEFAULT_MARKING,
    FAIR_ACCESS_CATEGORIES,
    OUTCOME_LABELS,
    SECTION_ORDER,
    SECTION_TITLES,
    Action,
    ActionState,
    AgendaItem,
    Attendance,
    Meeting,
    MeetingSettings,
    Member,
    Method,
    MinutesStatus,
    MinutesVersion,
    Outcome,
    Part,
    Quorum,
    Referral,
    ReferralKind,
    ReferralStatus,
    Section,
    action_state,
    overlaps,
    parse_time,
    quorum_for,
    referral_cutoff,
    rotate,
    series_dates,
    time_span,
)
from panel_app.core.domain.models import CaseStatus, Person, Role, new_id
from panel_app.core.errors import NotFoundError, ValidationError
from panel_app.core.reports.minutes import (
    CIRCULATION,
    Identity,
    MinutesAction,
    MinutesAttendee,
    MinutesDocument,
    MinutesItem,
    MinutesLadder,
    MinutesPupil,
    QuotaSnapshot,
    for_circulation,
)
from panel_app.core.secrets.atomic import write_atomic
from panel_app.core.services.exports import plaintext_export
from panel_app.core.services.session import Changes
from panel_app.core.storage.meetings_repo import MeetingsRepo

if TYPE_CHECKING:
    from collections.abc import Callable

    from panel_app.core.services.session import PartnershipSession

    Progress = Callable[[int, int, str], None]

REPRESENTATIVE_ROLES = (Role.VICE_PRINCIPAL.value, Role.ASSISTANT_HEAD.value,
                        Role.HEADTEACHER.value)
STANDING_ROLES = (Role.LA_OFFICER.value, Role.PRU_HEAD.value, Role.MENTAL_HEALTH.value,
                  Role.CLERK.value)


@dataclass(frozen=True)
class Saved:
    """The result of a mutating call: the record's id (``ids`` when several were made),
    what changed, and warnings that did not stop the save."""

    id: str
    changes: Changes
    warnings: tuple[Issue, ...] = ()
    ids: tuple[str, ...] = ()




def _changes(*entities: str, ids: Iterable[str] = ()) -> Changes:
    return Changes(frozenset(entities), frozenset(ids))


def _date(value: date | str | None, field: str, issues: list[Issue], what: str) -> date | None:
    return date_input(value, field, what, issues)


class MeetingsService:
    """The meetings part of the facade; reach it as ``session.meetings``."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    # -- plumbing --------------------------------------------------------------------------
    @property
    def repo(self) -> MeetingsRepo:
        return MeetingsRepo(self._s.db)

    def _today(self) -> date:
        return self._s.clock.today()

    def school_calendar(self) -> SchoolCalendar:
        """The partnership's school calendar (stored terms, England default otherwise):
        a meeting date outside term, in a half-term break or on a closure day is a
        holiday."""
        return self._s.calendar.calendar()

    def quota_snapshot(self, meeting: Meeting) -> QuotaSnapshot | None:
        """Quota position for the agenda and the minutes. Hook for the quotas work:
        None (no section, no table) until quotas are recorded."""
        provider = getattr(self._s, "quota_snapshot", None)
        if callable(provider):
            found = provider(meeting.date)
            if isinstance(found, QuotaSnapshot) and found.rows:
                return found
        return None

    def ladder_snapshot(self, case_id: str, on: date,
                        action: str | None = None) -> dict[str, Any] | None:
        """The case's latest recorded ladder check on or before ``on`` (for ``action``, the
        request the item is about, when known), as frozen into a decision: ``{verdict,
        overridden, override_reason, missing, check_id}``; None when there is no such
        check (the minutes then print no ladder line)."""
        checks = [c for c in self._s.ladders.list_checks(case_id)
                  if c.on <= on and (action is None or c.action == action)]
        if not checks:
            return None
        check = checks[-1]
        override = check.override
        return {
            "check_id": check.id,
            "verdict": f"{check.action_label}: {check.verdict_text()} "
                       f"(checked {format_uk(check.on)})",
            "overridden": override is not None,
            "override_reason": (f"{override.reason} (agreed by {override.by})"
                                if override is not None else ""),
            "missing": [r.message for r in check.gaps()],
        }

    # -- settings --------------------------------------------------------------------------
    def settings(self) -> MeetingSettings:
        return self.repo.settings() or MeetingSettings()

    def update_settings(
        self,
        *,
        quorum_schools: int | None = None,
        cutoff_weekday: int | None = None,
        cutoff_weeks_before: int | None = None,
        marking: str | None = None,
        every_days: int | None = None,
        start_time: str | None = None,
        venues: Sequence[str] | None = None,
        name: str | None = None,
    ) -> Saved:
        issues: list[Issue] = []
        fields: dict[str, Any] = {}
        members = [s for s in self._s.list_schools() if s.member]
        if quorum_schools is not None:
            if not 0 <= quorum_schools <= max(len(members), 1):
                issues.append(_err("invalid_quorum", "quorum_schools",
                                   f"The quorum is a number of member schools from 1 to "
                                   f"{len(members)} (0 means a majority)."))
            fields["quorum_schools"] = quorum_schools
        if cutoff_weekday is not None:
            if not 0 <= cutoff_weekday <= 6:
                issues.append(_err("invalid_weekday", "cutoff_weekday",
                                   "The cut-off day is a day of the week (monday to sunday)."))
            fields["cutoff_weekday"] = cutoff_weekday
        if cutoff_weeks_before is not None:
            if not 0 <= cutoff_weeks_before <= 8:
                issues.append(_err("invalid_weeks", "cutoff_weeks_before",
                                   "The cut-off is 0 to 8 weeks before the meeting."))
            fields["cutoff_weeks_before"] = cutoff_weeks_before
        if marking is not None:
            if len(marking) > 60 or "\n" in marking:
                issues.append(_err("invalid_marking", "marking",
                                   "The protective marking is one short line (60 characters "
                                   "at most), e.g. OFFICIAL-SENSITIVE."))
            fields["marking"] = marking.strip()
        if every_days is not None:
            if not 7 <= every_days <= 56:
                issues.append(_err("invalid_interval", "every_days",
                                   "Meetings repeat every 7 to 56 days (14 is fortnightly)."))
            fields["every_days"] = every_days
        if start_time is not None:
            try:
                fields["start_time"] = parse_time(start_time)
            except ValueError as exc:
                issues.append(_err("invalid_time", "start_time", str(exc)))
        if venues is not None:
            ids = []
            for v in venues:
                try:
                    ids.append(self._s.find_school(v).id)
                except NotFoundError as exc:
                    issues.append(_err("unknown_school", "venues", str(exc)))
            fields["venues"] = json.dumps(ids)
        if name is not None:
            if not name.strip():
                issues.append(_err("required", "name", "Give the meeting series a name."))
            fields["name"] = name.strip()
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            series_id = self._ensure_series()
            self._s.repo.update("meeting_series", series_id, fields)
        return Saved(series_id, _changes("meeting_series", ids=[series_id]))

    def _ensure_series(self) -> str:
        """The series id, creating the default series (inside a write transaction)."""
        found = self.repo.settings()
        if found is not None:
            return found.series_id
        d = MeetingSettings()
        return self._s.repo.insert("meeting_series", {
            "name": d.name, "every_days": d.every_days, "start_time": d.start_time,
            "quorum_schools": d.quorum_schools, "cutoff_weekday": d.cutoff_weekday,
            "cutoff_weeks_before": d.cutoff_weeks_before, "marking": d.marking,
            "venues": "[]", "created_at": self._s.clock.now().isoformat(),
        })

    # -- references ------------------------------------------------------------------------
    def get_meeting(self, ref: str | Meeting) -> Meeting:
        if isinstance(ref, Meeting):
            ref = ref.id
        text = ref.strip()
        repo = self.repo
        found = repo.meeting(text)
        if found is not None:
            return found
        meetings = [m for m in repo.meetings() if m.status != "cancelled"]
        today = self._today()
        key = text.casefold()
        if key == "next":
            upcoming = [m for m in meetings if m.date >= today]
            if upcoming:
                return upcoming[0]
            raise NotFoundError("No meeting is planned from today: add one with "
                                "'panel-app meeting add DATE'.")
        if key in ("last", "previous"):
            past = [m for m in meetings if m.date <= today]
            if past:
                return past[-1]
            raise NotFoundError("No meeting has been held yet.")
        try:
            on = parse_date(text)
        except ValueError:
            on = None
        if on is not None:
            same = [m for m in meetings if m.date == on]
            if len(same) == 1:
                return same[0]
            if len(same) > 1:
                raise NotFoundError(f"There are {len(same)} meetings on {format_uk(on)}: name "
                                    "one by its id (see 'panel-app meeting list').")
            raise NotFoundError(f"No meeting on {format_uk(on)}: see 'panel-app meeting list'.")
        if len(text) >= 4:
            prefixed = [m for m in meetings if m.id.startswith(text.lower())]
            if len(prefixed) == 1:
                return prefixed[0]
        raise NotFoundError(f"No meeting '{text}': name it by date (dd/mm/yyyy), 'next', "
                            "'last' or id (see 'panel-app meeting list').")

    def find_person(self, ref: str) -> Person:
        wanted = ref.strip().casefold()
        people = self._s.list_people()
        for p in people:
            if wanted and (p.id == ref.strip() or p.name.casefold() == wanted):
                return p
        raise NotFoundError(f"No person called '{ref.strip()}': add them first with "
                            "'panel-app person add NAME --role ROLE --school SCHOOL'.")

    def _item(self, meeting: Meeting, ref: str | int) -> AgendaItem:
        agenda = self.repo.agenda(meeting.id)
        text = str(ref).strip()
        for item in agenda:
            if item.id == text or (text.isascii() and text.isdigit()
                                   and item.position == int(text)):
                return item
        if len(text) >= 6:
            prefixed = [i for i in agenda if i.id.startswith(text.lower())]
            if len(prefixed) == 1:
                return prefixed[0]
        raise ValidationError([_err(
            "not_on_agenda", "item",
            f"Item {text} is not on the agenda of the meeting on {format_uk(meeting.date)} "
            f"(it has {len(agenda)} item{'s' if len(agenda) != 1 else ''}): build the agenda "
            "or add the item first ('panel-app meeting agenda MEETING --build' or --add).",
            item=text)])

    def _check_editable(self, meeting: Meeting) -> None:
        if meeting.frozen:
            raise ValidationError([_err(
                "minutes_approved", "meeting",
                f"The minutes of the meeting on {format_uk(meeting.date)} are approved and "
                "frozen: start a correction first ('panel-app minutes MEETING --correct "
                "REASON'), make the change, then approve them again.")])

    # -- meetings --------------------------------------------------------------------------
    def list_meetings(self, *, upcoming: bool | None = None) -> list[Meeting]:
        meetings = self.repo.meetings()
        if upcoming is None:
            return meetings
        today = self._today()
        return [m for m in meetings if (m.date >= today) == upcoming]

    def _check_slot(self, on: date | None, start: str, end: str, *, allow_holiday: bool,
                    ignore: str = "", issues: list[Issue]) -> None:
        if on is None or errors(issues):
            return
        span = time_span(on, start, end)
        for other in self.repo.meetings_on(on):
            if other.id == ignore or other.status == "cancelled":
                continue
            if overlaps(span, time_span(on, other.start_time, other.end_time)):
                issues.append(_err(
                    "clash", "date",
                    f"There is already a meeting on {format_uk(on)} at {other.start_time}"
                    + (f" at {other.venue}" if other.venue else "")
                    + ": choose another date or time, or change that meeting.",
                    date=on.isoformat(), meeting_id=other.id))
        calendar = self.school_calendar()
        if not calendar.is_school_day(on):
            if on.weekday() >= 5:
                why = f"{format_uk(on)} is a {on.strftime('%A')}"
            else:
                term = calendar.term_on(on)
                why = (f"{format_uk(on)} is in the {term.name} half-term break or a closure day"
                       if term else f"{format_uk(on)} is in the school holidays")
            if allow_holiday:
                issues.append(_warn("not_school_day", "date",
                                    f"{why}; the meeting was added as asked.",
                                    date=on.isoformat()))
            else:
                issues.append(_err(
                    "not_school_day", "date",
                    f"{why}: choose a school day, or add it anyway (--allow-holiday).",
                    date=on.isoformat()))

    def _person_id(self, ref: str | None, field: str, issues: list[Issue]) -> str | None:
        if not ref:
            return None
        try:
            return self.find_person(ref).id
        except NotFoundError as exc:
            issues.append(_err("unknown_person", field, str(exc)))
            return None

    def _venue(self, ref: str | None, issues: list[Issue]) -> tuple[str | None, str]:
        if not ref:
            return None, ""
        try:
            return self._s.find_school(ref).id, ""
        except NotFoundError:
            if len(ref.strip()) < 3:
                issues.append(_err("unknown_venue", "venue",
                                   f"'{ref}' is not a member school: give the school's name "
                                   "or code, or the full name of another venue."))
            return None, ref.strip()

    def add_meeting(
        self,
        on: date | str,
        *,
        time: str | None = None,
        end_time: str = "",
        venue: str | None = None,
        chair: str | None = None,
        clerk: str | None = None,
        allow_holiday: bool = False,
        invite: bool = True,
        notes: str = "",
    ) -> Saved:
        """Add one meeting; members are invited from the people list (a representative
        of each member school, LA officer, PRU head, clerk; fair-access officers for the
        fair-access items only)."""
        return self.add_series(on, count=1, time=time, end_time=end_time, venue=venue,
                               chair=chair, clerk=clerk, allow_holiday=allow_holiday,
                               invite=invite, notes=notes, rotate_venues=False)

    def add_series(
        self,
        first: date | str,
        *,
        count: int,
        every_days: int | None = None,
        time: str | None = None,
        end_time: str = "",
        venue: str | None = None,
        chair: str | None = None,
        clerk: str | None = None,
        allow_holiday: bool = False,
        invite: bool = True,
        notes: str = "",
        rotate_venues: bool = True,
    ) -> Saved:
        """``count`` meetings every ``every_days`` (the series setting, fortnightly by
        default) from ``first``, skipping dates that are not school days, with the venue
        rotating among the member schools (from ``venue``, or the series' rotation)."""
        issues: list[Issue] = []
        settings = self.settings()
        start = _date(first, "date", issues, "Meeting date")
        if start is None and not errors(issues):
            issues.append(_err("required", "date", "Give the meeting date (dd/mm/yyyy)."))
        try:
            start_time = parse_time(time or settings.start_time)
        except ValueError as exc:
            issues.append(_err("invalid_time", "time", str(exc)))
            start_time = settings.start_time
        try:
            end = parse_time(end_time) if end_time else ""
        except ValueError as exc:
            issues.append(_err("invalid_time", "end_time", str(exc)))
            end = ""
        if end and end <= start_time:
            issues.append(_err("end_before_start", "end_time",
                               f"The meeting ends ({end}) before it starts ({start_time}): "
                               "check the times."))
        if not 1 <= count <= 60:
            issues.append(_err("invalid_count", "count", "Add 1 to 60 meetings at a time."))
        every = every_days or settings.every_days
        if not 7 <= every <= 56:
            issues.append(_err("invalid_interval", "every_days",
                               "Meetings repeat every 7 to 56 days (14 is fortnightly)."))
        venue_id, venue_text = self._venue(venue, issues)
        chair_id = self._person_id(chair, "chair", issues)
        clerk_id = self._person_id(clerk, "clerk", issues)
        dates: list[date] = []
        skipped: list[date] = []
        if start is not None and not errors(issues):
            if count == 1:
                dates = [start]
            else:
                cal = self.school_calendar()
                dates, skipped = series_dates(start, count, every, cal.is_school_day)
            for d in dates:
                self._check_slot(d, start_time, end, allow_holiday=allow_holiday or count > 1,
                                 issues=issues)
        if errors(issues):
            raise ValidationError(issues)
        if count > 1:  # a series skips holidays rather than warning about each one
            issues = [i for i in issues if i.code != "not_school_day"]
            if skipped:
                issues.append(_warn(
                    "skipped_holidays", "date",
                    "Skipped dates that are not school days: "
                    + ", ".join(format_uk(d) for d in skipped) + ".",
                    skipped=[d.isoformat() for d in skipped]))
        rotation = settings.venues or [s.id for s in self._s.list_schools() if s.member]
        venues: list[str | None] = (rotate(rotation, venue_id, len(dates))
                                    if rotate_venues and not venue_text
                                    else [venue_id] * len(dates))
        now = self._s.clock.now().isoformat()
        ids: list[str] = []
        with self._s._write():
            series_id = self._ensure_series()
            people = {p.id: p for p in self._s.list_people()}
            for d, place in zip(dates, venues, strict=True):
                mid = self._s.repo.insert("meeting", {
                    "series_id": series_id, "date": d, "start_time": start_time,
                    "end_time": end, "venue_school_id": place, "venue": venue_text,
                    "chair_id": chair_id, "chair_name": people[chair_id].name if chair_id else "",
                    "clerk_id": clerk_id, "clerk_name": people[clerk_id].name if clerk_id else "",
                    "status": "planned", "notes": notes, "created_at": now,
                })
                ids.append(mid)
                if invite:
                    self._invite_defaults(mid, chair_id, clerk_id)
        return Saved(ids[0], _changes("meeting", "meeting_member", "meeting_series", ids=ids),
                     tuple(i for i in issues if i.severity == "warning"), tuple(ids))

    def _invite_defaults(self, meeting_id: str, *extra: str | None) -> None:
        people = self._s.list_people()
        members = {s.id for s in self._s.list_schools() if s.member}
        chosen: list[tuple[Person, str]] = []
        for school_id in sorted(members):
            reps = [p for p in people if p.school_id == school_id
                    and p.role in REPRESENTATIVE_ROLES]
            reps.sort(key=lambda p: (REPRESENTATIVE_ROLES.index(p.role), p.name.casefold()))
            if reps:
                chosen.append((reps[0], Part.WHOLE.value))
        chosen += [(p, Part.WHOLE.value) for p in people if p.role in STANDING_ROLES]
        chosen += [(p, Part.FAIR_ACCESS.value) for p in people
                   if p.role == Role.FAIR_ACCESS.value]
        by_id = {p.id: p for p in people}
        chosen += [(by_id[pid], Part.WHOLE.value) for pid in extra if pid and pid in by_id]
        seen: set[str] = set()
        for person, part in chosen:
            if person.id in seen:
                continue
            seen.add(person.id)
            self._s.repo.insert("meeting_member", {
                "meeting_id": meeting_id, "person_id": person.id, "name": person.name,
                "role": person.role, "school_id": person.school_id,
                "attendance": Attendance.INVITED.value, "part": part,
            })

    def update_meeting(
        self,
        ref: str | Meeting,
        *,
        on: date | str | None = None,
        time: str | None = None,
        end_time: str | None = None,
        venue: str | None = None,
        chair: str | None = None,
        clerk: str | None = None,
        status: str | None = None,
        notes: str | None = None,
        allow_holiday: bool = False,
    ) -> Saved:
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        fields: dict[str, Any] = {}
        new_date = _date(on, "date", issues, "Meeting date") if on is not None else None
        start = meeting.start_time
        if time is not None:
            try:
                start = parse_time(time)
                fields["start_time"] = start
            except ValueError as exc:
                issues.append(_err("invalid_time", "time", str(exc)))
        end = meeting.end_time
        if end_time is not None:
            try:
                end = parse_time(end_time) if end_time else ""
                fields["end_time"] = end
            except ValueError as exc:
                issues.append(_err("invalid_time", "end_time", str(exc)))
        if new_date is not None:
            fields["date"] = new_date
        if venue is not None:
            vid, vtext = self._venue(venue, issues)
            fields.update(venue_school_id=vid, venue=vtext)
        people = {p.id: p for p in self._s.list_people()}
        for field, ref_ in (("chair", chair), ("clerk", clerk)):
            if ref_ is not None:
                pid = self._person_id(ref_, field, issues)
                if pid:
                    fields[f"{field}_id"] = pid
                    fields[f"{field}_name"] = people[pid].name
        if status is not None:
            if status not in ("planned", "held", "cancelled"):
                issues.append(_err("invalid_status", "status",
                                   "A meeting is planned, held or cancelled."))
            fields["status"] = status
        if notes is not None:
            fields["notes"] = notes
        if any(k in fields for k in ("date", "start_time", "end_time")):
            self._check_slot(new_date or meeting.date, start, end, allow_holiday=allow_holiday,
                             ignore=meeting.id, issues=issues)
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("meeting", meeting.id, fields)
        return Saved(meeting.id, _changes("meeting", ids=[meeting.id]) if changed else Changes(),
                     tuple(i for i in issues if i.severity == "warning"))

    # -- members, attendance, interests ----------------------------------------------------
    def members(self, ref: str | Meeting) -> list[Member]:
        return self.repo.members(self.get_meeting(ref).id)

    def quorum(self, ref: str | Meeting) -> Quorum:
        meeting = self.get_meeting(ref)
        schools = {s.id: s.name for s in self._s.list_schools() if s.member}
        return quorum_for(self.repo.members(meeting.id), schools,
                          self.settings().quorum_schools)

    def _member_for(self, meeting: Meeting, ref: str, issues: list[Issue],
                    *, create: bool, part: str = "") -> Member | Person | None:
        text = ref.strip()
        for m in self.repo.members(meeting.id):
            if m.id == text or m.person_id == text or m.name.casefold() == text.casefold():
                return m
        try:
            person = self.find_person(text)
        except NotFoundError as exc:
            issues.append(_err("unknown_person", "person", str(exc), person=text))
            return None
        return person if create else None

    def invite(self, ref: str | Meeting, person: str, *, fair_access_only: bool = False) -> Saved:
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        found = self._member_for(meeting, person, issues, create=True)
        if errors(issues):
            raise ValidationError(issues)
        part = Part.FAIR_ACCESS.value if fair_access_only else Part.WHOLE.value
        with self._s._write():
            if isinstance(found, Member):
                self._s.repo.update("meeting_member", found.id, {"part": part})
                mid = found.id
            else:
                assert isinstance(found, Person)
                mid = self._s.repo.insert("meeting_member", {
                    "meeting_id": meeting.id, "person_id": found.id, "name": found.name,
                    "role": found.role, "school_id": found.school_id,
                    "attendance": Attendance.INVITED.value, "part": part,
                })
        return Saved(mid, _changes("meeting_member", ids=[mid, meeting.id]))

    def record_attendance(
        self,
        ref: str | Meeting,
        *,
        present: Sequence[str] = (),
        apologies: Sequence[str] = (),
        absent: Sequence[str] = (),
    ) -> Saved:
        """Mark who came, who sent apologies and who was absent (anyone not yet invited
        who is in the people list is added). Warns when the meeting is not quorate."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        plan: list[tuple[Member | Person, str]] = []
        seen: dict[str, str] = {}
        for status, names in ((Attendance.PRESENT, present), (Attendance.APOLOGIES, apologies),
                              (Attendance.ABSENT, absent)):
            for name in names:
                if not name.strip():
                    continue
                found = self._member_for(meeting, name, issues, create=True)
                if found is None:
                    continue
                key = found.id
                if key in seen and seen[key] != status.value:
                    issues.append(_err("twice", "person",
                                       f"{found.name} is listed as both {seen[key]} and "
                                       f"{status.value}: give one."))
                seen[key] = status.value
                plan.append((found, status.value))
        if not plan and not errors(issues):
            issues.append(_err("required", "person",
                               "Name at least one person who was present, sent apologies "
                               "or was absent."))
        if errors(issues):
            raise ValidationError(issues)
        ids = [meeting.id]
        with self._s._write():
            for found, attendance in plan:
                if isinstance(found, Member):
                    self._s.repo.update("meeting_member", found.id, {"attendance": attendance})
                    ids.append(found.id)
                else:
                    ids.append(self._s.repo.insert("meeting_member", {
                        "meeting_id": meeting.id, "person_id": found.id, "name": found.name,
                        "role": found.role, "school_id": found.school_id,
                        "attendance": attendance, "part": Part.WHOLE.value,
                    }))
            if meeting.status == "planned" and meeting.date <= self._today():
                self._s.repo.update("meeting", meeting.id, {"status": "held"})
        quorum = self.quorum(meeting.id)
        warnings = () if quorum.quorate else (_warn("not_quorate", "attendance", quorum.text,
                                                    **quorum.to_dict()),)
        return Saved(meeting.id, _changes("meeting_member", "meeting", ids=ids), warnings)

    def declare_interest(self, ref: str | Meeting, person: str, text: str,
                         item: str | int | None = None) -> Saved:
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        if not text.strip():
            issues.append(_err("required", "text", "Say what the interest is (for example "
                               "'Governor at the receiving school')."))
        found = self._member_for(meeting, person, issues, create=True)
        item_id = self._item(meeting, item).id if item is not None else None
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            if isinstance(found, Person):
                member_id = self._s.repo.insert("meeting_member", {
                    "meeting_id": meeting.id, "person_id": found.id, "name": found.name,
                    "role": found.role, "school_id": found.school_id,
                    "attendance": Attendance.INVITED.value, "part": Part.WHOLE.value,
                })
            else:
                assert found is not None
                member_id = found.id
            iid = self._s.repo.insert("meeting_interest", {
                "meeting_id": meeting.id, "member_id": member_id, "item_id": item_id,
                "text": text.strip(),
            })
        return Saved(iid, _changes("meeting_interest", ids=[iid, meeting.id]))

    # -- referrals (cases flagged for the panel) -------------------------------------------
    def refer_case(
        self,
        case: str,
        *,
        kind: str = ReferralKind.PANEL.value,
        category: str = "",
        summary: str = "",
        on: date | str | None = None,
        school: str | None = None,
    ) -> Saved:
        """Flag a case for the panel (a request such as an AP place or a managed move,
        or a fair-access item: new arrival, EHE returner, looked-after child). The date
        is checked against each meeting's referral cut-off."""
        record = self._s.get_case(case)
        issues: list[Issue] = []
        if kind not in {k.value for k in ReferralKind}:
            issues.append(_err("invalid_kind", "kind", "A referral is 'panel' or "
                               "'fair_access'."))
        if kind == ReferralKind.FAIR_ACCESS.value and category not in FAIR_ACCESS_CATEGORIES:
            issues.append(_err("invalid_category", "category",
                               "A fair-access item is one of: "
                               + ", ".join(FAIR_ACCESS_CATEGORIES) + "."))
        if record.status != CaseStatus.OPEN.value:
            issues.append(_err("case_closed", "case", f"Case {record.case_ref} is closed: "
                               "reopen it before referring it to the panel."))
        when = _date(on, "on", issues, "Referral date") or self._today()
        if when > self._today():
            issues.append(_err("future", "on", f"The referral date {format_uk(when)} is in "
                               "the future: give the date it was received."))
        for r in self.repo.referrals(ReferralStatus.OPEN.value):
            if r.case_id == record.id and r.kind == kind:
                issues.append(_err("already_referred", "case",
                                   f"Case {record.case_ref} was already referred on "
                                   f"{format_uk(r.referred_on)} and is still open: update "
                                   "that referral or withdraw it first."))
        school_id = record.home_school_id
        if school:
            try:
                school_id = self._s.find_school(school).id
            except NotFoundError as exc:
                issues.append(_err("unknown_school", "school", str(exc)))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            rid = self._s.repo.insert("referral", {
                "case_id": record.id, "kind": kind, "category": category.strip(),
                "summary": summary.strip(), "referred_on": when,
                "referred_by": self._s.user_name, "school_id": school_id,
                "status": ReferralStatus.OPEN.value,
            })
        return Saved(rid, _changes("referral", "case", ids=[rid, record.id]))

    def withdraw_referral(self, referral_id: str) -> Saved:
        found = self.repo.referral(referral_id)
        if found is None:
            raise NotFoundError("That referral is no longer in the database.")
        with self._s._write():
            self._s.repo.update("referral", found.id,
                                {"status": ReferralStatus.WITHDRAWN.value})
        return Saved(found.id, _changes("referral", ids=[found.id]))

    def referrals(self, status: str | None = ReferralStatus.OPEN.value) -> list[Referral]:
        return self.repo.referrals(status)

    # -- the agenda ------------------------------------------------------------------------
    def cutoff(self, ref: str | Meeting) -> date:
        meeting = self.get_meeting(ref)
        s = self.settings()
        return referral_cutoff(meeting.date, s.cutoff_weekday, s.cutoff_weeks_before)

    def agenda(self, ref: str | Meeting) -> list[AgendaItem]:
        return self.repo.agenda(self.get_meeting(ref).id)

    def _wanted(self, meeting: Meeting) -> list[dict[str, Any]]:
        repo = self.repo
        today = self._today()
        cutoff = self.cutoff(meeting)
        out: list[dict[str, Any]] = [dict(
            section=Section.OPENING.value, entity="meeting", entity_id=meeting.id,
            title=SECTION_TITLES[Section.OPENING])]
        previous = repo.previous_meeting(meeting)
        if previous is not None:
            out.append(dict(section=Section.PREVIOUS.value, entity="meeting",
                            entity_id=previous.id,
                            title=f"Minutes of the meeting on {format_uk(previous.date)}"))
        carried = [a for a in repo.actions(before=meeting.date)
                   if a.done_on is None or (previous is not None
                                            and a.meeting_id == previous.id)]
        for a in carried:
            out.append(dict(section=Section.PREVIOUS.value, entity="action", entity_id=a.id,
                            title=f"Action from {format_uk(a.meeting_date)}: {a.text} "
                                  f"({a.owner}, due {format_uk(a.due_on)})"))

        def listed_earlier(entity: str, entity_id: str) -> bool:
            for other in repo.open_listing_elsewhere(entity, entity_id, meeting.id, today):
                found = repo.meeting(other)
                if found is not None and found.date < meeting.date:
                    return True
            return False

        referrals = [r for r in repo.referrals(ReferralStatus.OPEN.value)
                     if r.referred_on <= meeting.date
                     and not listed_earlier("referral", r.id)]

        def referral_items(section: Section, kind: ReferralKind, default: str) -> None:
            for r in referrals:
                if r.kind != kind.value:
                    continue
                late = r.referred_on > cutoff
                label = r.category.strip() or default
                out.append(dict(
                    section=section.value, entity="referral", entity_id=r.id,
                    case_id=r.case_id, title=label[:1].upper() + label[1:],
                    notes=r.summary, late=late,
                    late_note=(f"Late item: referred on {format_uk(r.referred_on)}, after "
                               f"the cut-off of {format_uk(cutoff)}.") if late else ""))

        # New items: cases flagged for the panel, and submitted proposals (fair-access
        # proposals go to the fair-access section).
        referral_items(Section.NEW, ReferralKind.PANEL, "Request to the panel")
        out += [e for e in self._s.proposals.agenda_entries(meeting, cutoff)
                if not listed_earlier(e["entity"], e["entity_id"])]
        # Reviews due: decisions whose review date has come, and moves and placements
        # whose review or planned end is near.
        for d, case_id in repo.reviews_due(meeting.date, meeting):
            due = format_uk(d.review_on) if d.review_on else ""
            out.append(dict(section=Section.REVIEWS.value, entity="decision", entity_id=d.id,
                            case_id=case_id,
                            title=f"Review of the decision '{d.outcome_label.lower()}' "
                                  f"(review due {due})"))
        out += [e for e in self._s.proposals.review_entries(meeting)
                if not listed_earlier(e["entity"], e["entity_id"])]
        quota = self.quota_snapshot(meeting)
        if quota is not None:
            out.append(dict(section=Section.QUOTA.value, entity="quota",
                            entity_id=meeting.id, title=quota.title))
        referral_items(Section.FAIR_ACCESS, ReferralKind.FAIR_ACCESS, "Fair-access item")
        out.append(dict(section=Section.AOB.value, entity="meeting", entity_id=meeting.id,
                        title=SECTION_TITLES[Section.AOB]))
        return out

    def build_agenda(self, ref: str | Meeting) -> Saved:
        """Build (or refresh) the agenda from the data. Items added by hand, items with
        a decision or actions, and edits to titles and notes are kept; items whose
        reason has gone (a referral withdrawn) are removed; new items go at the end of
        their section. Warns about late items."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        wanted = self._wanted(meeting)
        existing = self.repo.agenda(meeting.id)
        with_actions = {a.item_id for a in self.repo.actions(meeting.id)}
        auto = {(i.section, i.entity, i.entity_id): i for i in existing if i.source == "auto"}
        keys = {(w["section"], w["entity"], w["entity_id"]) for w in wanted}
        rank = {s.value: n for n, s in enumerate(SECTION_ORDER)}
        touched: list[str] = [meeting.id]
        with self._s._write():
            kept: list[AgendaItem | dict[str, Any]] = []
            for item in existing:
                key = (item.section, item.entity, item.entity_id)
                if (item.source == "auto" and key not in keys and item.decision is None
                        and item.id not in with_actions):
                    self._s.repo.delete("agenda_item", item.id)
                    touched.append(item.id)
                else:
                    kept.append(item)
            for w in wanted:
                key = (w["section"], w["entity"], w["entity_id"])
                if key in auto:
                    item = auto[key]
                    if item.late != bool(w.get("late")) or item.late_note != w.get("late_note",
                                                                                   ""):
                        self._s.repo.update("agenda_item", item.id, {
                            "late": bool(w.get("late")), "late_note": w.get("late_note", "")})
                        touched.append(item.id)
                    continue
                at = 0
                for n, other in enumerate(kept):
                    section = other.section if isinstance(other, AgendaItem) else other["section"]
                    if rank.get(section, 99) <= rank[w["section"]]:
                        at = n + 1
                kept.insert(at, w)
            for position, entry in enumerate(kept, start=1):
                if isinstance(entry, AgendaItem):
                    if entry.position != position:
                        self._s.repo.update("agenda_item", entry.id, {"position": position})
                        touched.append(entry.id)
                else:
                    touched.append(self._s.repo.insert("agenda_item", {
                        "meeting_id": meeting.id, "position": position,
                        "section": entry["section"], "title": entry["title"],
                        "entity": entry["entity"], "entity_id": entry["entity_id"],
                        "case_id": entry.get("case_id"), "notes": entry.get("notes", ""),
                        "late": bool(entry.get("late")),
                        "late_note": entry.get("late_note", ""), "source": "auto",
                    }))
            touched += self._s.proposals.mark_on_agenda(
                meeting, [w["entity_id"] for w in wanted if w["entity"] == "proposal"])
        late = [i for i in self.repo.agenda(meeting.id) if i.late]
        warnings = tuple(_warn("late_item", "agenda",
                               f"Item {i.position} ({i.title}, {i.case_ref}): {i.late_note}",
                               item=i.position) for i in late)
        return Saved(meeting.id, _changes("agenda_item", ids=touched), warnings)

    def add_agenda_item(
        self,
        ref: str | Meeting,
        title: str,
        *,
        section: str = Section.AOB.value,
        case: str | None = None,
        notes: str = "",
        entity: str = "",
        entity_id: str = "",
    ) -> Saved:
        """Add an item by hand (``entity``/``entity_id`` let other features, such as
        proposals, put their own records on the agenda)."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        if not title.strip():
            issues.append(_err("required", "title", "Give the agenda item a title."))
        if section not in {s.value for s in Section}:
            issues.append(_err("invalid_section", "section", "The section is one of: "
                               + ", ".join(s.value for s in Section) + "."))
        case_id = None
        if case:
            case_id = self._s.get_case(case).id
        if errors(issues):
            raise ValidationError(issues)
        agenda = self.repo.agenda(meeting.id)
        rank = {s.value: n for n, s in enumerate(SECTION_ORDER)}
        at = 0
        for n, other in enumerate(agenda):
            if rank.get(other.section, 99) <= rank[section]:
                at = n + 1
        with self._s._write():
            for other in agenda[at:]:
                self._s.repo.update("agenda_item", other.id, {"position": other.position + 1})
            iid = self._s.repo.insert("agenda_item", {
                "meeting_id": meeting.id, "position": at + 1, "section": section,
                "title": title.strip(), "entity": entity, "entity_id": entity_id,
                "case_id": case_id, "notes": notes.strip(), "late": False, "late_note": "",
                "source": "manual",
            })
        return Saved(iid, _changes("agenda_item", ids=[iid, meeting.id]))

    def edit_agenda_item(self, ref: str | Meeting, item: str | int, *,
                         title: str | None = None, notes: str | None = None,
                         section: str | None = None) -> Saved:
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        found = self._item(meeting, item)
        fields: dict[str, Any] = {}
        issues: list[Issue] = []
        if title is not None:
            if not title.strip():
                issues.append(_err("required", "title", "An agenda item needs a title."))
            fields["title"] = title.strip()
        if notes is not None:
            fields["notes"] = notes.strip()
        if section is not None:
            if section not in {s.value for s in Section}:
                issues.append(_err("invalid_section", "section", "The section is one of: "
                                   + ", ".join(s.value for s in Section) + "."))
            fields["section"] = section
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("agenda_item", found.id, fields)
        return Saved(found.id, _changes("agenda_item", ids=[found.id]) if changed else Changes())

    def move_agenda_item(self, ref: str | Meeting, item: str | int, to: int) -> Saved:
        """Move an item to position ``to`` (1 is first); the others close up."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        found = self._item(meeting, item)
        agenda = self.repo.agenda(meeting.id)
        if not 1 <= to <= len(agenda):
            raise ValidationError([_err("invalid_position", "position",
                                        f"Move the item to a position from 1 to {len(agenda)}.")])
        order = [i for i in agenda if i.id != found.id]
        order.insert(to - 1, found)
        with self._s._write():
            for position, entry in enumerate(order, start=1):
                if entry.position != position:
                    self._s.repo.update("agenda_item", entry.id, {"position": position})
        return Saved(found.id, _changes("agenda_item", ids=[i.id for i in agenda]))

    def remove_agenda_item(self, ref: str | Meeting, item: str | int) -> Saved:
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        found = self._item(meeting, item)
        if found.decision is not None or any(a.item_id == found.id
                                             for a in self.repo.actions(meeting.id)):
            raise ValidationError([_err(
                "item_in_use", "item",
                f"Item {found.position} has a decision or actions recorded: it stays on the "
                "agenda (change the decision instead).")])
        with self._s._write():
            self._s.repo.delete("agenda_item", found.id)
            for entry in self.repo.agenda(meeting.id):
                if entry.position > found.position:
                    self._s.repo.update("agenda_item", entry.id, {"position": entry.position - 1})
        return Saved(found.id, _changes("agenda_item", ids=[found.id, meeting.id]))

    # -- decisions -------------------------------------------------------------------------
    def decide(
        self,
        ref: str | Meeting,
        item: str | int,
        outcome: str,
        *,
        method: str | None = None,
        votes: tuple[int, int, int] | None = None,
        rationale: str = "",
        conditions: str = "",
        dissent: str = "",
        review_on: date | str | None = None,
        ladder: Mapping[str, Any] | None = None,
    ) -> Saved:
        """Record (or change) the decision on an agenda item. Votes are (for, against,
        abstaining) and imply ``method='vote'``. The case's ladder verdict is frozen with
        the decision (``ladder``, or the latest recorded check)."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        found = self._item(meeting, item)
        issues: list[Issue] = []
        if not found.decidable:
            what = ("a carried action: mark it done with 'panel-app actions --complete ID'"
                    if found.entity == "action" else
                    "not an item the panel decides on: record attendance and declarations "
                    "with 'meeting attend' and 'meeting declare'")
            issues.append(_err("not_decidable", "item", f"Item {found.position} is {what}."))
        if outcome not in {o.value for o in Outcome}:
            issues.append(_err("invalid_outcome", "outcome", "The decision is one of: "
                               + ", ".join(o.value for o in Outcome) + "."))
        how = method or (Method.VOTE.value if votes else Method.CONSENSUS.value)
        if how not in {m.value for m in Method}:
            issues.append(_err("invalid_method", "method",
                               "A decision is reached by consensus or by vote."))
        counts = votes or (0, 0, 0)
        if how == Method.VOTE.value and (not votes or any(v < 0 for v in counts)
                                         or sum(counts) == 0):
            issues.append(_err("votes_needed", "votes",
                               "Give the votes as FOR/AGAINST/ABSTAINING (e.g. 5/1/0), or "
                               "record the decision as by consensus."))
        if how == Method.CONSENSUS.value and votes:
            issues.append(_err("votes_with_consensus", "votes",
                               "A decision by consensus has no vote count: leave out the votes "
                               "or record it as a vote."))
        if outcome == Outcome.APPROVED_WITH_CONDITIONS.value and not conditions.strip():
            issues.append(_err("conditions_needed", "conditions",
                               "Say what the conditions are (--conditions)."))
        review = _date(review_on, "review_on", issues, "Review date")
        if review is not None and review <= meeting.date:
            issues.append(_err("review_before_meeting", "review_on",
                               f"The review date must be after the meeting "
                               f"({format_uk(meeting.date)})."))
        if meeting.date > self._today():
            issues.append(_err("meeting_not_held", "meeting",
                               f"The meeting on {format_uk(meeting.date)} has not happened "
                               "yet: record decisions on the day of the meeting or after."))
        if errors(issues):
            raise ValidationError(issues)
        warnings: list[Issue] = []
        quorum = self.quorum(meeting)
        if quorum.recorded and not quorum.quorate:
            warnings.append(_warn("not_quorate", "meeting", quorum.text))
        if not rationale.strip() and outcome != Outcome.DEFERRED.value:
            warnings.append(_warn("no_rationale", "rationale",
                                  "No rationale was recorded: the minutes will show none."))
        if how == Method.VOTE.value:
            f, a, _ = counts
            passed = f > a
            if passed != (outcome in (Outcome.APPROVED.value,
                                      Outcome.APPROVED_WITH_CONDITIONS.value)) and outcome in (
                    Outcome.APPROVED.value, Outcome.APPROVED_WITH_CONDITIONS.value,
                    Outcome.DECLINED.value):
                warnings.append(_warn("votes_disagree", "votes",
                                      f"The votes ({f} for, {a} against) do not match the "
                                      f"decision '{OUTCOME_LABELS[Outcome(outcome)]}': check "
                                      "them."))
        action = None
        if found.entity == "proposal" and found.entity_id:
            # the check for the request this item is about, not another request's
            action = self._s.proposals.get(found.entity_id).ladder_action
        frozen = dict(ladder) if ladder is not None else (
            self.ladder_snapshot(found.case_id, meeting.date, action)
            if found.case_id else None)
        fields = {
            "outcome": outcome, "method": how, "votes_for": counts[0],
            "votes_against": counts[1], "votes_abstain": counts[2],
            "conditions": conditions.strip(), "rationale": rationale.strip(),
            "dissent": dissent.strip(), "review_on": review,
            "ladder": json.dumps(frozen, sort_keys=True) if frozen else "",
            "recorded_by": self._s.user_name,
        }
        ids = [meeting.id, found.id]
        with self._s._write():
            if found.decision is not None:
                self._s.repo.update("decision", found.decision.id, fields)
                did = found.decision.id
            else:
                did = self._s.repo.insert("decision", {"meeting_id": meeting.id,
                                                       "item_id": found.id, **fields})
            ids.append(did)
            if found.entity == "referral":
                status = (ReferralStatus.DECIDED if Outcome(outcome) in CONCLUDING
                          else ReferralStatus.OPEN)
                self._s.repo.update("referral", found.entity_id, {"status": status.value})
                ids.append(found.entity_id)
            if found.entity in ("proposal", "move", "placement"):
                more_ids, more = self._s.proposals.on_meeting_decision(
                    found, outcome, meeting=meeting, decision_id=did,
                    conditions=conditions.strip(), review_on=review)
                ids += more_ids
                warnings += more
            if meeting.status == "planned":
                self._s.repo.update("meeting", meeting.id, {"status": "held"})
            if (found.section == Section.PREVIOUS.value and found.entity == "meeting"
                    and outcome in (Outcome.APPROVED.value,
                                    Outcome.APPROVED_WITH_CONDITIONS.value)):
                previous = self.repo.meeting(found.entity_id)
                if previous is not None and not previous.frozen:
                    ids.append(self._approve(previous, meeting))
        return Saved(did, _changes("decision", "agenda_item", "meeting", "referral",
                                   "minutes", "proposal", "move", "placement", ids=ids),
                     tuple(warnings))

    # -- actions ---------------------------------------------------------------------------
    def add_action(
        self,
        ref: str | Meeting,
        text: str,
        *,
        owner: str | None,
        due_on: date | str | None = None,
        item: str | int | None = None,
    ) -> Saved:
        """An action agreed at the meeting: what, who (a person in the people list, or a
        name), by when (default: the next meeting, else two weeks after this one)."""
        meeting = self.get_meeting(ref)
        self._check_editable(meeting)
        issues: list[Issue] = []
        if not text.strip():
            issues.append(_err("required", "text", "Say what the action is."))
        owner_text = (owner or "").strip()
        owner_id = None
        if not owner_text:
            issues.append(_err("owner_needed", "owner",
                               "An action needs an owner: name the person responsible "
                               "(--owner NAME)."))
        else:
            try:
                person = self.find_person(owner_text)
                owner_id, owner_text = person.id, person.name
            except NotFoundError:
                pass  # a named owner outside the people list, e.g. "Home school DSL"
        due = _date(due_on, "due_on", issues, "Due date")
        if due is None and not errors(issues):
            nxt = self.repo.next_meeting(meeting)
            due = nxt.date if nxt else meeting.date + timedelta(days=14)
        if due is not None and due < meeting.date:
            issues.append(_err("due_before_meeting", "due_on",
                               f"The action is due ({format_uk(due)}) before the meeting "
                               f"that agreed it ({format_uk(meeting.date)}): check the date."))
        item_id = self._item(meeting, item).id if item is not None else None
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            aid = self._s.repo.insert("action", {
                "meeting_id": meeting.id, "item_id": item_id, "text": text.strip(),
                "owner_id": owner_id, "owner_name": owner_text, "due_on": due,
                "done_on": None,
            })
        return Saved(aid, _changes("action", ids=[aid, meeting.id]))

    def _action(self, ref: str) -> Action:
        text = ref.strip().lower()
        found = self.repo.action(text)
        if found is None and len(text) >= 4:
            ids = self.repo.find_action_ids(text)
            if len(ids) == 1:
                found = self.repo.action(ids[0])
        if found is None:
            raise NotFoundError(f"No action '{ref.strip()}': see 'panel-app actions'.")
        return found

    def complete_action(self, ref: str, on: date | str | None = None) -> Saved:
        action = self._action(ref)
        issues: list[Issue] = []
        when = _date(on, "done_on", issues, "Completion date") or self._today()
        if when > self._today():
            issues.append(_err("future", "done_on", "An action cannot be done in the future."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            self._s.repo.update("action", action.id, {"done_on": when})
        return Saved(action.id, _changes("action", ids=[action.id]))

    def reopen_action(self, ref: str) -> Saved:
        action = self._action(ref)
        with self._s._write():
            self._s.repo.update("action", action.id, {"done_on": None})
        return Saved(action.id, _changes("action", ids=[action.id]))

    def actions(self, *, state: str | None = None, meeting: str | None = None) -> list[Action]:
        """The actions tracker: every action with its state today (open, due_soon,
        overdue, done). ``state`` filters; 'outstanding' means not done."""
        today = self._today()
        mid = self.get_meeting(meeting).id if meeting else None
        out = []
        for a in self.repo.actions(mid):
            a.state = action_state(a.due_on, a.done_on, today).value
            if state is None or a.state == state or (state == "outstanding"
                                                     and a.state != ActionState.DONE.value):
                out.append(a)
        return out

    # -- minutes ---------------------------------------------------------------------------
    def minutes_versions(self, ref: str | Meeting) -> list[MinutesVersion]:
        return self.repo.minutes_versions(self.get_meeting(ref).id)

    def minutes_document(self, ref: str | Meeting, *, version: int | None = None
                         ) -> MinutesDocument:
        """The members' copy as data: a frozen version when approved (or asked for),
        else the live draft."""
        meeting = self.get_meeting(ref)
        versions = self.repo.minutes_versions(meeting.id)
        if version is None and versions and versions[-1].status == MinutesStatus.APPROVED:
            version = versions[-1].version
        if version is not None:
            content = self.repo.minutes_content(meeting.id, version)
            if content is None and meeting.frozen and version == meeting.minutes_version:
                # Approved elsewhere (the frozen copy came without its content, e.g. in a
                # bundle): print from the records, saying so.
                doc = self._build_document(meeting, versions[:-1])
                return replace(doc, status=MinutesStatus.APPROVED.value, version=version,
                               status_note=f"Approved (version {version}); printed from the "
                               "current records: the frozen copy is kept by the clerk.")
            if content is None:
                have = [v.version for v in versions if v.status == MinutesStatus.APPROVED]
                raise NotFoundError(
                    f"The meeting on {format_uk(meeting.date)} has no approved version "
                    f"{version} of its minutes"
                    + (f" (approved versions: {', '.join(map(str, have))})." if have else "."))
            return MinutesDocument.from_dict(content)
        return self._build_document(meeting, versions)

    def _build_document(self, meeting: Meeting, versions: list[MinutesVersion],
                        approved_at: Meeting | None = None) -> MinutesDocument:
        repo = self.repo
        today = self._today()
        members = repo.members(meeting.id)
        quorum = self.quorum(meeting)
        agenda = repo.agenda(meeting.id)
        numbers = {i.id: i.position for i in agenda}
        interests = [
            f"{i.name}: {i.text}" + (f" (item {numbers[i.item_id]})"
                                     if i.item_id in numbers else "")
            for i in repo.interests(meeting.id)
        ]
        actions = repo.actions(meeting.id)
        actions.sort(key=lambda a: (numbers.get(a.item_id or "", 10_000)))
        action_no = {a.id: n for n, a in enumerate(actions, start=1)}
        pupils_raw = repo.pupils_for_cases(sorted({i.case_id for i in agenda if i.case_id}))
        pupils = {
            p["case_ref"]: MinutesPupil(
                case_ref=p["case_ref"], name=f"{p['first_name']} {p['last_name']}".strip(),
                initials="".join(x[0].upper() for x in (p["first_name"], p["last_name"]) if x),
                year_group=p["year_group"], school=p["school"], dob=p["dob"], upn=p["upn"])
            for p in pupils_raw.values()
        }
        carried = {a.id: a for a in repo.actions(before=meeting.date)}
        items = []
        for i in agenda:
            d = i.decision
            notes = i.notes
            if i.entity == "action" and i.entity_id in carried:
                a = carried[i.entity_id]
                st = action_state(a.due_on, a.done_on, today)
                notes = (f"Done on {format_uk(a.done_on)}." if a.done_on else
                         f"Status: {ACTION_STATE_LABELS[st]}.") + (f" {notes}" if notes else "")
            if i.section == Section.OPENING.value and i.entity == "meeting" and not notes:
                notes = "Recorded under Attendance and Declarations of interest above."
            ladder = None
            if d is not None and d.ladder:
                ladder = MinutesLadder(str(d.ladder.get("verdict", "")),
                                       bool(d.ladder.get("overridden")),
                                       str(d.ladder.get("override_reason", "")),
                                       [str(m) for m in d.ladder.get("missing", [])])
            items.append(MinutesItem(
                number=i.position, section=i.section,
                section_title=SECTION_TITLES.get(Section(i.section), i.section),
                title=i.title, notes=notes, late_note=i.late_note,
                case_ref=i.case_ref or None,
                outcome=d.outcome_label if d else None, method=d.method_text if d else "",
                conditions=d.conditions if d else "", rationale=d.rationale if d else "",
                dissent=d.dissent if d else "",
                review_on=d.review_on.isoformat() if d and d.review_on else None,
                ladder=ladder,
                action_numbers=[action_no[a.id] for a in actions if a.item_id == i.id],
            ))
        nxt = repo.next_meeting(meeting)
        latest = versions[-1] if versions else None
        if approved_at is not None:
            number = (latest.version if latest and latest.status == MinutesStatus.DRAFT
                      else (latest.version + 1 if latest else 1))
            status, note = MinutesStatus.APPROVED.value, (
                f"Approved at the meeting on {format_uk(approved_at.date)}"
                + (f" (version {number}, corrected: {latest.reason})"
                   if latest and latest.reason and number > 1 else f" (version {number})")
                + ".")
        elif latest is not None and latest.status == MinutesStatus.DRAFT:
            number, status = latest.version, MinutesStatus.DRAFT.value
            note = (f"DRAFT correction (version {number}) of approved minutes: "
                    f"{latest.reason}. Not yet approved.")
        else:
            number, status = 0, MinutesStatus.DRAFT.value
            note = "DRAFT: to be approved at the next meeting."
        return MinutesDocument(
            partnership=self._s.repo.partnership().get("name", ""),
            meeting_id=meeting.id, meeting_date=meeting.date.isoformat(),
            start_time=meeting.start_time, end_time=meeting.end_time, venue=meeting.venue,
            chair=meeting.chair, clerk=meeting.clerk, status=status, version=number,
            status_note=note,
            attendees=[MinutesAttendee(m.name, m.role, m.school, m.attendance, m.part)
                       for m in members],
            quorum_text=quorum.text, quorate=quorum.quorate if quorum.recorded else None,
            declarations=interests, pupils=pupils, items=items,
            actions=[MinutesAction(action_no[a.id], a.text, a.owner, a.due_on.isoformat(),
                                   "done" if a.done_on else "open", numbers.get(a.item_id or ""))
                     for a in actions],
            next_meeting=nxt.date.isoformat() if nxt else None,
            produced_on=today.isoformat(),
            marking=self.settings().marking or DEFAULT_MARKING,
            quota=self.quota_snapshot(meeting),
        )

    def circulation_copy(self, doc: MinutesDocument) -> MinutesDocument:
        """``doc`` with pupils shown by initials and case reference only, and free text
        cleaned of the names, dates of birth and UPNs of every pupil in the database."""
        agenda: dict[str, Identity] = {}
        others: list[Identity] = []
        staff = [p.name for p in self._s.list_people()]
        for first, last, dob, upn, ref in self._s.db.conn.execute(
                "SELECT p.first_name, p.last_name, p.dob, p.upn, c.case_ref FROM pupils p "
                "LEFT JOIN cases c ON c.pupil_id = p.id"):
            who = Identity(first, last, dob, upn)
            if ref in doc.pupils:
                agenda[ref] = who
            else:
                others.append(who)
        return for_circulation(doc, agenda, others, keep=staff)

    def render_minutes(self, ref: str | Meeting, *, circulation: bool = False,
                       marking: str | None = None, version: int | None = None,
                       progress: Progress | None = None) -> bytes:
        from panel_app.core.reports.minutes_pdf import render_minutes

        doc = self.minutes_document(ref, version=version)
        if marking is not None:
            doc = replace(doc, marking=marking.strip())
        if circulation:
            doc = self.circulation_copy(doc)
        return render_minutes(doc, progress)

    @plaintext_export("minutes_pdf")
    def write_minutes(self, ref: str | Meeting, out: Path, *, circulation: bool = False,
                      marking: str | None = None, version: int | None = None,
                      progress: Progress | None = None) -> Path:
        """Write the minutes PDF atomically to ``out`` (not encrypted: the caller says so)."""
        meeting = self.get_meeting(ref)
        out = Path(out)
        if not out.parent.is_dir():
            raise ValidationError([_err("no_folder", "out",
                                        f"The folder {out.parent} does not exist: choose "
                                        "another place to save the minutes.")])
        data = self.render_minutes(meeting, circulation=circulation, marking=marking,
                                   version=version, progress=progress)
        write_atomic(out, data)
        with self._s._write():
            self._s.repo.audit("minutes_exported", "meeting", meeting.id,
                               fields=[CIRCULATION if circulation else "members"])
        return out

    def _approve(self, meeting: Meeting, at: Meeting | None) -> str:
        """Freeze the minutes (inside a write transaction); returns the version row id."""
        versions = self.repo.minutes_versions(meeting.id)
        doc = self._build_document(meeting, versions, approved_at=at or meeting)
        if at is None:
            doc = replace(doc, status_note=f"Approved on {format_uk(self._today())}"
                          f" (version {doc.version}).")
        content = json.dumps(doc.to_dict(), sort_keys=True, ensure_ascii=False)
        fields = {
            "status": MinutesStatus.APPROVED.value, "content": content,
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
            "approved_on": self._today(), "approved_at_meeting": at.id if at else None,
        }
        latest = versions[-1] if versions else None
        reason, created_at, created_by = "", self._s.clock.now(), self._s.user_name
        if latest is not None and latest.status == MinutesStatus.DRAFT:
            # The correction's draft row gives way to the approved row (inserted, so the
            # frozen content stays out of the change log, as for a first approval).
            reason, created_at, created_by = latest.reason, latest.created_at, latest.created_by
            self._s.repo.delete("minutes", latest.id)
        return self._s.repo.insert("minutes", {
            "id": new_id(), "meeting_id": meeting.id, "version": doc.version,
            "reason": reason, "created_at": created_at.isoformat(), "created_by": created_by,
            **fields,
        })

    def approve_minutes(self, ref: str | Meeting, *, at_meeting: str | None = None) -> Saved:
        """Approve the draft minutes (normally at the next meeting): they are frozen as a
        numbered version and every later rendering of them gives the same document."""
        meeting = self.get_meeting(ref)
        issues: list[Issue] = []
        if meeting.frozen:
            issues.append(_err("already_approved", "meeting",
                               f"The minutes of {format_uk(meeting.date)} are already approved "
                               f"(version {meeting.minutes_version}): to change them, start a "
                               "correction (--correct REASON)."))
        if meeting.date > self._today():
            issues.append(_err("meeting_not_held", "meeting",
                               f"The meeting on {format_uk(meeting.date)} has not happened yet."))
        at = self.get_meeting(at_meeting) if at_meeting else None
        if at is not None and at.date <= meeting.date:
            issues.append(_err("approved_before", "at_meeting",
                               "Minutes are approved at a later meeting than the one they "
                               "record."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            vid = self._approve(meeting, at)
        return Saved(vid, _changes("minutes", "meeting", ids=[vid, meeting.id]))

    def start_correction(self, ref: str | Meeting, reason: str) -> Saved:
        """Open approved minutes for a correction: a new draft version with the reason;
        the approved versions stay frozen and can still be printed (``version=N``)."""
        meeting = self.get_meeting(ref)
        issues: list[Issue] = []
        if not meeting.frozen:
            issues.append(_err("not_approved", "meeting",
                               f"The minutes of {format_uk(meeting.date)} are still a draft: "
                               "change them directly."))
        if not reason.strip():
            issues.append(_err("reason_needed", "reason",
                               "Say what the correction is (it is printed on the minutes)."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            vid = self._s.repo.insert("minutes", {
                "meeting_id": meeting.id, "version": meeting.minutes_version + 1,
                "status": MinutesStatus.DRAFT.value, "reason": reason.strip(), "content": "",
                "sha256": "", "created_at": self._s.clock.now().isoformat(),
                "created_by": self._s.user_name, "approved_on": None,
                "approved_at_meeting": None,
            })
        return Saved(vid, _changes("minutes", "meeting", ids=[vid, meeting.id]))

    # -- one view for the CLI and the GUI --------------------------------------------------
    def overview(self, ref: str | Meeting) -> dict[str, Any]:
        """Everything about one meeting, JSON-ready (ISO dates)."""
        meeting = self.get_meeting(ref)
        settings = self.settings()
        return {
            "meeting": meeting.to_dict(),
            "cutoff": self.cutoff(meeting).isoformat(),
            "cutoff_rule": settings.to_dict()["cutoff_rule"],
            "quorum": self.quorum(meeting).to_dict(),
            "members": [m.to_dict() for m in self.repo.members(meeting.id)],
            "interests": [i.to_dict() for i in self.repo.interests(meeting.id)],
            "agenda": [i.to_dict() for i in self.repo.agenda(meeting.id)],
            "actions": [a.to_dict() for a in self.actions(meeting=meeting.id)],
            "minutes_versions": [v.to_dict() for v in self.repo.minutes_versions(meeting.id)],
        }
