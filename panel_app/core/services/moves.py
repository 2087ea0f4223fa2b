"""Managed moves, directions off-site and AP placements, on the session:
``session.moves`` and ``session.placements``.

A move records the home and receiving schools, the arrangement (a DfE managed move, a
transfer to the new roll, or a direction off-site while dual registered; the partnership's
own labels for both are in its settings), the kind (turn-around, respite, fixed term,
extended, transfer), the planned dates in school weeks, the admission meeting (date, who
attended from both schools and the family, the agreed targets), review dates, the re-entry
or review meeting and the outcome. A placement records AP: provider, pathway, dates,
reviews and outcome; a placement that overlaps another for the same pupil is refused.

Adding a move or placement for an approved proposal starts the proposal; ending it with
an outcome closes the proposal (same transaction). Mutating calls validate first and raise
``ValidationError`` (nothing stored), else return ``Saved`` with ``Changes`` and warnings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.inputs import date_input as day
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import warning as _warn
from panel_app.core.domain.issues import Issue, errors, warnings
from panel_app.core.domain.moves import (
    ADMISSION_TEMPLATE,
    ATTENDEE_SIDES,
    DEFAULT_ARRANGEMENT_LABELS,
    DEFAULT_DUE_DAYS,
    PATHWAY_WEEKS,
    SETTINGS_DUE_DAYS_KEY,
    SETTINGS_LABELS_KEY,
    Arrangement,
    Attendee,
    Move,
    MoveKind,
    MoveOutcome,
    Pathway,
    Placement,
    PlacementOutcome,
    ProviderType,
    check_dates,
    check_move_outcome,
    check_move_rules,
    spans_overlap,
)
from panel_app.core.domain.proposals import APPROVING, Event, State
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.rules import moves as rules
from panel_app.core.services.meetings import Saved
from panel_app.core.services.session import Changes
from panel_app.core.storage.proposals_repo import ProposalsRepo

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession

_ONE_DAY = timedelta(days=1)



def _days_list(values: Iterable[date | str], fld: str, what: str,
               issues: list[Issue]) -> list[date]:
    out = []
    for v in values:
        d = day(v, fld, what, issues)
        if d is not None:
            out.append(d)
    return sorted(set(out))


def _json_dates(values: Iterable[date]) -> str:
    return json.dumps([d.isoformat() for d in sorted(set(values))])


class _Base:
    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def repo(self) -> ProposalsRepo:
        return ProposalsRepo(self._s.db)

    def _today(self) -> date:
        return self._s.clock.today()

    def _school(self, ref: str | None, fld: str, issues: list[Issue]) -> str | None:
        if ref is None or not str(ref).strip():
            return None
        try:
            return self._s.find_school(str(ref)).id
        except NotFoundError:
            issues.append(_err("unknown_school", fld,
                               f"'{ref}' is not a school in this partnership: see "
                               "'panel-app school list'."))
            return None

    def _resolve(self, table: str, ref: str, what: str, hint: str) -> str:
        ids = self.repo.resolve(table, ref)
        if not ids:
            raise NotFoundError(f"No {what} '{ref.strip()}': {hint}")
        if len(ids) > 1:
            raise PanelError(f"More than one {what} starts with '{ref.strip()}': give more of "
                             "the id.")
        return ids[0]

    def _end_from(self, start: date | None, end: date | None, weeks: int | None,
                  days: int | None, issues: list[Issue]) -> date | None:
        """The planned end: given, or ``weeks`` school weeks / ``days`` school days after
        the start (the start is the first day, so N days end on the N-th school day)."""
        if start is None:
            return end
        for n, what in ((weeks, "weeks"), (days, "days")):
            if n is not None and n <= 0:
                issues.append(_err("invalid_length", "planned_end",
                                   f"The number of school {what} must be at least 1."))
                return end
        if end is not None and (weeks or days):
            issues.append(_err("end_and_length", "planned_end",
                               "Give the planned end date or the length, not both."))
            return end
        if end is not None:
            return end
        total = (weeks or 0) * 5 + (days or 0)
        if not total:
            return None
        cal = self._s.calendar.calendar()
        first = cal.next_school_day(start)
        return cal.add_school_days(first, total - 1)

    def _proposal_for(self, ref: str | None, kind: str, case_id: str,
                      issues: list[Issue]) -> Any:
        if not ref:
            return None
        proposal = self._s.proposals.get(ref)
        if proposal.case_id != case_id:
            issues.append(_err("proposal_other_case", "proposal_id",
                               "That proposal is about another case: link the proposal of "
                               "this case."))
        elif proposal.kind != kind:
            issues.append(_err("proposal_other_kind", "proposal_id",
                               f"That proposal is a {proposal.kind_label}, not a "
                               f"{'managed move' if kind == 'managed-move' else 'place request'}."))
        elif proposal.state not in (State.DECIDED.value, State.ACTIVE.value,
                                    State.UNDER_REVIEW.value) or (
                proposal.state == State.DECIDED.value
                and proposal.decision_outcome not in APPROVING):
            issues.append(_err("proposal_not_approved", "proposal_id",
                               f"The proposal is {proposal.state_label}: record the move or "
                               "placement once the panel has approved it."))
        return proposal

    def due_within(self) -> int:
        settings = self._s.repo.partnership().get("settings", {}) or {}
        value = settings.get(SETTINGS_DUE_DAYS_KEY, DEFAULT_DUE_DAYS)
        return int(value) if isinstance(value, int) and value > 0 else DEFAULT_DUE_DAYS


class MovesService(_Base):
    """Managed moves and directions off-site; reach it as ``session.moves``."""

    # -- labels and settings --------------------------------------------------------------
    def labels(self) -> dict[str, str]:
        """The partnership's labels for the two arrangements (defaults where unset)."""
        settings = self._s.repo.partnership().get("settings", {}) or {}
        own = settings.get(SETTINGS_LABELS_KEY, {}) or {}
        return {k: str(own.get(k) or v) for k, v in DEFAULT_ARRANGEMENT_LABELS.items()}

    def label(self, arrangement: str) -> str:
        return self.labels().get(arrangement, arrangement)

    def set_labels(self, *, managed_move: str | None = None, off_site: str | None = None,
                   due_days: int | None = None) -> Saved:
        """Name the arrangements as the partnership does (empty text: the default), and
        how many school days ahead moves and placements are flagged."""
        p = self._s.repo.partnership()
        settings = dict(p.get("settings", {}) or {})
        labels = dict(settings.get(SETTINGS_LABELS_KEY, {}) or {})
        for key, value in ((Arrangement.MANAGED_MOVE.value, managed_move),
                           (Arrangement.OFF_SITE.value, off_site)):
            if value is not None:
                if value.strip():
                    labels[key] = value.strip()[:80]
                else:
                    labels.pop(key, None)
        settings[SETTINGS_LABELS_KEY] = labels
        if due_days is not None:
            if not 1 <= due_days <= 200:
                raise ValidationError([_err("invalid_days", "due_days",
                                            "Flag moves from 1 to 200 school days ahead.")])
            settings[SETTINGS_DUE_DAYS_KEY] = due_days
        with self._s._write():
            changed = self._s.repo.update("partnership", p["id"],
                                          {"settings": json.dumps(settings, sort_keys=True)})
        return Saved(p["id"], Changes.of("partnership", p["id"]) if changed else Changes())

    @staticmethod
    def template() -> tuple[str, ...]:
        """The admission meeting template: the targets agreed at the start of a move."""
        return ADMISSION_TEMPLATE

    # -- reading ---------------------------------------------------------------------------
    def get(self, ref: str) -> Move:
        mid = self._resolve("moves", ref, "move", "see 'panel-app move list'.")
        found = self.repo.move(mid)
        assert found is not None
        return found

    def list_moves(self, *, case: str | None = None, school: str | None = None,
                   open_only: bool = False) -> list[Move]:
        case_id = self._s.get_case(case).id if case else None
        school_id = self._s.find_school(school).id if school else None
        return self.repo.moves(case_id=case_id, school_id=school_id, open_only=open_only)

    def planned_weeks(self, move: Move) -> float | None:
        if move.planned_end is None:
            return None
        cal = self._s.calendar.calendar()
        return cal.school_days_between(move.start - _ONE_DAY, move.planned_end) / 5

    def detail(self, ref: str) -> dict[str, Any]:
        """One move, JSON-ready, with the label, planned school weeks and status."""
        m = self.get(ref)
        d = m.to_dict()
        d["arrangement_label"] = self.label(m.arrangement)
        d["planned_weeks"] = self.planned_weeks(m)
        d["status"] = m.status(self._today())
        return d

    # -- writing ---------------------------------------------------------------------------
    def add(
        self,
        case: str,
        *,
        to: str,
        start: date | str,
        arrangement: str = Arrangement.OFF_SITE.value,
        kind: str = MoveKind.FIXED_TERM.value,
        end: date | str | None = None,
        weeks: int | None = None,
        days: int | None = None,
        dual_registration: bool = True,
        trial: bool = False,
        parents_notified_on: date | str | None = None,
        review_dates: Sequence[date | str] = (),
        proposal: str | None = None,
        home: str | None = None,
        notes: str = "",
    ) -> Saved:
        """Record a move of the case's pupil from the home school to ``to``. Refused: the
        same school, an end before the start, a move overlapping another of the pupil's,
        a proposal not approved. Warned: a managed move recorded as a trial (DfE), short
        notice of a direction off-site, a move longer than its kind."""
        record = self._s.get_case(case)
        issues: list[Issue] = []
        receiving = self._school(to, "receiving_school_id", issues)
        home_id = self._school(home, "home_school_id", issues) or record.home_school_id
        first = day(start, "start", "Start date", issues)
        planned_end = day(end, "planned_end", "Planned end", issues)
        notified = day(parents_notified_on, "parents_notified_on", "Notice date", issues)
        reviews = _days_list(review_dates, "review_dates", "Review date", issues)
        planned_end = self._end_from(first, planned_end, weeks, days, issues)
        issues += check_dates(first, planned_end, reviews)
        cal = self._s.calendar.calendar()
        planned_days = notice = None
        if first is not None and planned_end is not None and planned_end >= first:
            planned_days = cal.school_days_between(first - _ONE_DAY, planned_end)
        if first is not None and notified is not None:
            notice = cal.school_days_between(notified, first) - (
                1 if cal.is_school_day(first) else 0)
        if not errors(issues):
            issues += check_move_rules(arrangement, kind, trial=trial, home=home_id,
                                       receiving=receiving or "",
                                       dual_registration=dual_registration,
                                       planned_days=planned_days, notice_days=notice,
                                       reviews=len(reviews))
        if first is not None and not errors(issues):
            for other in self.repo.moves(pupil_id=self._pupil(record.id)):
                end_other = other.ended_on or other.planned_end
                if spans_overlap(first, planned_end, other.start, end_other):
                    issues.append(_err(
                        "move_overlaps", "start",
                        f"The pupil is already on a move to {other.receiving_school} from "
                        f"{format_uk(other.start)}"
                        + (f" to {format_uk(end_other)}" if end_other else " (no end date)")
                        + ": end that move first or change the dates."))
                    break
        linked = self._proposal_for(proposal, "managed-move", record.id, issues)
        if errors(issues):
            raise ValidationError(issues)
        assert first is not None and receiving is not None
        ids: list[str] = []
        with self._s._write():
            mid = self._s.repo.insert("move", {
                "case_id": record.id, "proposal_id": linked.id if linked else None,
                "arrangement": arrangement, "kind": kind, "home_school_id": home_id,
                "receiving_school_id": receiving, "start_on": first,
                "planned_end": planned_end, "dual_registration": dual_registration,
                "trial": trial, "parents_notified_on": notified,
                "review_dates": _json_dates(reviews), "notes": notes.strip(),
                "created_at": self._s.clock.now().isoformat(),
            })
            ids.append(mid)
            if linked is not None and linked.state == State.DECIDED.value:
                ids += self._s.proposals._transition(linked, Event.START, {},
                                                     note="Move recorded.")
        return Saved(mid, Changes(frozenset({"move", "case", "proposal"}),
                                  frozenset([record.id, *ids])), tuple(warnings(issues)))

    def _pupil(self, case_id: str) -> str:
        facts = self.repo.case_facts(case_id)
        return str(facts["pupil_id"]) if facts else ""

    def update(
        self,
        ref: str,
        *,
        planned_end: date | str | None = None,
        parents_notified_on: date | str | None = None,
        review_dates: Sequence[date | str] | None = None,
        admission_meeting_on: date | str | None = None,
        attendees: Sequence[Attendee | tuple[str, str] | Mapping[str, str]] | None = None,
        targets: Sequence[str] | None = None,
        reentry_meeting_on: date | str | None = None,
        trial: bool | None = None,
        dual_registration: bool | None = None,
        notes: str | None = None,
    ) -> Saved:
        """Change a move: its planned end, notice, review dates, the admission meeting
        (date, who attended from each side, the agreed targets), the re-entry meeting."""
        m = self.get(ref)
        issues: list[Issue] = []
        fields: dict[str, Any] = {}
        for name, value, what in (("planned_end", planned_end, "Planned end"),
                                  ("parents_notified_on", parents_notified_on, "Notice date"),
                                  ("admission_meeting_on", admission_meeting_on,
                                   "Admission meeting date"),
                                  ("reentry_meeting_on", reentry_meeting_on,
                                   "Re-entry meeting date")):
            if value is not None:
                fields[name] = day(value, name, what, issues)
        reviews = m.review_dates
        if review_dates is not None:
            reviews = _days_list(review_dates, "review_dates", "Review date", issues)
            fields["review_dates"] = _json_dates(reviews)
        if attendees is not None:
            people = []
            for a in attendees:
                if isinstance(a, Attendee):
                    name, side = a.name, a.side
                elif isinstance(a, Mapping):
                    name, side = str(a.get("name", "")), str(a.get("side", ""))
                else:
                    name, side = a
                if not name.strip() or side not in ATTENDEE_SIDES:
                    issues.append(_err("invalid_attendee", "attendees",
                                       "Each attendee needs a name and a side: "
                                       + ", ".join(ATTENDEE_SIDES) + "."))
                    continue
                people.append({"name": name.strip(), "side": side})
            fields["admission_attendees"] = json.dumps(people, ensure_ascii=False)
            sides = {p["side"] for p in people}
            if people and not {"home", "receiving"} <= sides:
                issues.append(_warn("admission_one_school", "attendees",
                                    "Both schools are present at the admission meeting: record "
                                    "who attended from the home and the receiving school."))
            if people and "family" not in sides:
                issues.append(_warn("admission_no_family", "attendees",
                                    "The admission meeting is held with the pupil and family: "
                                    "record who attended for the family."))
        if targets is not None:
            fields["targets"] = json.dumps([t.strip() for t in targets if t.strip()],
                                           ensure_ascii=False)
        if trial is not None:
            fields["trial"] = trial
        if dual_registration is not None:
            fields["dual_registration"] = dual_registration
        if notes is not None:
            fields["notes"] = notes.strip()
        end = fields.get("planned_end", m.planned_end)
        issues += check_dates(m.start, end, reviews)
        reentry = fields.get("reentry_meeting_on")
        if reentry is not None and reentry < m.start:
            issues.append(_err("meeting_before_start", "reentry_meeting_on",
                               "The re-entry meeting cannot be before the move started."))
        if trial and m.arrangement == Arrangement.MANAGED_MOVE.value:
            issues += [i for i in check_move_rules(
                m.arrangement, m.kind, trial=True, home=m.home_school_id,
                receiving=m.receiving_school_id, dual_registration=m.dual_registration,
                planned_days=None, notice_days=0, reviews=1) if i.code == "managed_move_trial"]
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("move", m.id, fields)
        return Saved(m.id, Changes(frozenset({"move"}), frozenset({m.id, m.case_id}))
                     if changed else Changes(), tuple(warnings(issues)))

    def record_admission_meeting(self, ref: str, on: date | str,
                                 attendees: Sequence[Attendee | tuple[str, str]],
                                 targets: Sequence[str]) -> Saved:
        return self.update(ref, admission_meeting_on=on, attendees=attendees, targets=targets)

    def record_review(self, ref: str, on: date | str | None = None) -> Saved:
        """A review of the move was held (the next review date then becomes due)."""
        m = self.get(ref)
        issues: list[Issue] = []
        when = day(on, "reviewed_on", "Review date", issues) or self._today()
        if when < m.start:
            issues.append(_err("review_before_start", "reviewed_on",
                               "A review cannot be held before the move started."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            self._s.repo.update("move", m.id, {"reviewed_on": when})
        return Saved(m.id, Changes(frozenset({"move"}), frozenset({m.id, m.case_id})))

    def end(self, ref: str, *, outcome: str, on: date | str | None = None, reason: str = "",
            reentry_meeting_on: date | str | None = None) -> Saved:
        """The move ended: returned to the home school, converted to a permanent
        admission, broke down early (with the date and reason), or moved to AP. Closes
        the proposal it came from."""
        m = self.get(ref)
        issues: list[Issue] = []
        if m.ended_on is not None:
            issues.append(_err("already_ended", "ended_on",
                               f"The move already ended on {format_uk(m.ended_on)} "
                               f"({m.outcome})."))
        when = day(on, "ended_on", "End date", issues) or self._today()
        reentry = day(reentry_meeting_on, "reentry_meeting_on", "Re-entry meeting", issues)
        issues += check_move_outcome(outcome, when, m.start, reason)
        proposal = self._s.proposals.get(m.proposal_id) if m.proposal_id else None
        if errors(issues):
            raise ValidationError(issues)
        fields: dict[str, Any] = {"outcome": outcome, "ended_on": when,
                                  "breakdown_reason": reason.strip()}
        if reentry is not None:
            fields["reentry_meeting_on"] = reentry
        out_warnings = []
        if outcome == MoveOutcome.CONVERTED.value:
            out_warnings.append(_warn(
                "update_home_school", "home_school_id",
                "The pupil is now on the receiving school's roll: change the case's home "
                "school when the admission is final."))
        if reentry is None and m.reentry_meeting_on is None and outcome in (
                MoveOutcome.RETURNED_HOME.value, MoveOutcome.BROKE_DOWN.value):
            out_warnings.append(_warn(
                "no_reentry_meeting", "reentry_meeting_on",
                "Hold a re-entry meeting with the pupil and family and record its date."))
        ids = [m.id, m.case_id]
        with self._s._write():
            self._s.repo.update("move", m.id, fields)
            if proposal is not None and proposal.state in (State.ACTIVE.value,
                                                           State.UNDER_REVIEW.value):
                ids += self._s.proposals._transition(
                    proposal, Event.CLOSE, {"close_outcome": outcome, "closed_on": when},
                    note=f"Move ended: {outcome}.")
        return Saved(m.id, Changes(frozenset({"move", "proposal"}), frozenset(ids)),
                     tuple(out_warnings))

    # -- flags, statistics, balance, rotation --------------------------------------------
    def due(self, within: int | None = None, on: date | None = None) -> list[rules.DueFlag]:
        """Open moves and placements ending or due for review within ``within`` school
        days (default: the partnership setting, 10), or past those dates."""
        today = on or self._today()
        return rules.due_flags(self.repo.moves(open_only=True),
                               self.repo.placements(open_only=True),
                               self._s.calendar.calendar(), today,
                               within if within is not None else self.due_within())

    def stats(self, *, school: str | None = None) -> rules.MoveStats:
        """Outcomes of the moves (received by ``school``, if given) with numerators and
        denominators."""
        moves = self.repo.moves()
        if school:
            sid = self._s.find_school(school).id
            moves = [m for m in moves if m.receiving_school_id == sid]
        return rules.move_stats(moves, self._today())

    def balance(self, year: int | None = None) -> list[rules.BalanceRow]:
        number = year if year is not None else academic_year_start(self._today())
        schools = [(s.id, s.name) for s in self._s.list_schools() if s.member]
        return rules.balance(self.repo.moves(), schools, number)

    def report(self, year: int | None = None) -> dict[str, Any]:
        """Everything `moves report` shows: overall and per receiving school outcome
        rates, the send/receive balance (this year and all time), and flags."""
        number = year if year is not None else academic_year_start(self._today())
        moves = self.repo.moves()
        today = self._today()
        per_school = {}
        for s in self._s.list_schools():
            received = [m for m in moves if m.receiving_school_id == s.id]
            if received:
                per_school[s.name] = rules.move_stats(received, today).to_dict()
        return {
            "year": number,
            "overall": rules.move_stats(moves, today).to_dict(),
            "by_receiving_school": per_school,
            "balance": [b.to_dict() for b in self.balance(number)],
            "due": [f.to_dict() for f in self.due()],
            "labels": self.labels(),
        }

    def whose_turn(self, year_group: int, year: int | None = None) -> list[rules.TurnRow]:
        """The fair-access rotation for ``year_group`` this academic year: the first row
        is the school whose turn it is."""
        number = year if year is not None else academic_year_start(self._today())
        schools = [(s.id, s.name) for s in self._s.list_schools() if s.member]
        return rules.whose_turn(year_group, schools, self.repo.fair_access_admissions(), number)


class PlacementsService(_Base):
    """AP placements; reach it as ``session.placements``."""

    def get(self, ref: str) -> Placement:
        pid = self._resolve("placements", ref, "placement", "see 'panel-app placement list'.")
        found = self.repo.placement(pid)
        assert found is not None
        return found

    def list_placements(self, *, case: str | None = None, school: str | None = None,
                        open_only: bool = False) -> list[Placement]:
        case_id = self._s.get_case(case).id if case else None
        school_id = self._s.find_school(school).id if school else None
        return self.repo.placements(case_id=case_id, school_id=school_id, open_only=open_only)

    def add(
        self,
        case: str,
        *,
        provider_type: str,
        start: date | str,
        provider_name: str = "",
        end: date | str | None = None,
        weeks: int | None = None,
        pathway: str = Pathway.OTHER.value,
        school: str | None = None,
        provider_school: str | None = None,
        in_quota: bool | None = None,
        dual_registered: bool = True,
        review_dates: Sequence[date | str] = (),
        proposal: str | None = None,
        notes: str = "",
    ) -> Saved:
        """Record an AP placement. ``school`` is the school whose place it uses (default
        the pupil's home school); ``in_quota`` defaults to True for the PRU and the
        partnership unit. A 16-week KS1-3 intervention place ends 16 school weeks after its
        start unless an end is given. Refused: a placement overlapping another for the same
        pupil, an end before the start."""
        record = self._s.get_case(case)
        issues: list[Issue] = []
        if provider_type not in {p.value for p in ProviderType}:
            issues.append(_err("invalid_provider", "provider_type", "The provider is one of: "
                               + ", ".join(p.value for p in ProviderType) + "."))
        if pathway not in {p.value for p in Pathway}:
            issues.append(_err("invalid_pathway", "pathway", "The pathway is one of: "
                               + ", ".join(p.value for p in Pathway) + "."))
        school_id = self._school(school, "school_id", issues) or record.home_school_id
        provider_id = self._school(provider_school, "provider_school_id", issues)
        first = day(start, "start", "Start date", issues)
        planned_end = day(end, "planned_end", "Planned end", issues)
        if weeks is None and planned_end is None:
            weeks = PATHWAY_WEEKS.get(pathway)
        planned_end = self._end_from(first, planned_end, weeks, None, issues)
        reviews = _days_list(review_dates, "review_dates", "Review date", issues)
        issues += check_dates(first, planned_end, reviews)
        if first is not None and not errors(issues):
            issues += self._overlaps(self._pupil(record.id), first, planned_end, None)
        linked = self._proposal_for(proposal, "ap-place", record.id, issues)
        if errors(issues):
            raise ValidationError(issues)
        assert first is not None
        quota = in_quota if in_quota is not None else provider_type in (
            ProviderType.PRU.value, ProviderType.PARTNERSHIP_UNIT.value)
        out_warnings = list(warnings(issues))
        if provider_type == ProviderType.UNREGISTERED.value:
            out_warnings.append(_warn(
                "unregistered_provider", "provider_type",
                "Before and during a placement with an unregistered provider, check the "
                "service-level agreement, safeguarding and DBS checks, quality-assurance "
                "visits and that attendance is reported back."))
        if not reviews:
            out_warnings.append(_warn(
                "no_review_date", "review_dates",
                "Placements are reviewed after the first fortnight, then half-termly: give "
                "the review dates."))
        if quota and linked is None:
            out_warnings += self._s.quotas.check_request(school_id, first, planned_end)
        ids: list[str] = []
        with self._s._write():
            pid = self._s.repo.insert("placement", {
                "case_id": record.id, "proposal_id": linked.id if linked else None,
                "provider_type": provider_type, "provider_name": provider_name.strip(),
                "provider_school_id": provider_id, "pathway": pathway, "school_id": school_id,
                "start_on": first, "planned_end": planned_end,
                "review_dates": _json_dates(reviews), "in_quota": quota,
                "dual_registered": dual_registered, "notes": notes.strip(),
                "created_at": self._s.clock.now().isoformat(),
            })
            ids.append(pid)
            if linked is not None and linked.state == State.DECIDED.value:
                ids += self._s.proposals._transition(linked, Event.START, {},
                                                     note="Placement recorded.")
        return Saved(pid, Changes(frozenset({"placement", "case", "proposal"}),
                                  frozenset([record.id, *ids])), tuple(out_warnings))

    def _pupil(self, case_id: str) -> str:
        facts = self.repo.case_facts(case_id)
        return str(facts["pupil_id"]) if facts else ""

    def _overlaps(self, pupil_id: str, start: date, end: date | None,
                  skip: str | None) -> list[Issue]:
        for other in self.repo.placements(pupil_id=pupil_id):
            if other.id == skip:
                continue
            other_end = other.last_day
            if spans_overlap(start, end, other.start, other_end):
                until = f" to {format_uk(other_end)}" if other_end else " (no end date)"
                return [_err(
                    "placement_overlaps", "start",
                    f"This placement overlaps the pupil's placement at "
                    f"{other.provider_name or other.provider_type} from "
                    f"{format_uk(other.start)}{until}: end that placement first or change "
                    "the dates.", other=other.id)]
        return []

    def update(self, ref: str, *, planned_end: date | str | None = None,
               review_dates: Sequence[date | str] | None = None, in_quota: bool | None = None,
               notes: str | None = None) -> Saved:
        p = self.get(ref)
        issues: list[Issue] = []
        fields: dict[str, Any] = {}
        end = p.planned_end
        if planned_end is not None:
            end = day(planned_end, "planned_end", "Planned end", issues)
            fields["planned_end"] = end
        reviews = p.review_dates
        if review_dates is not None:
            reviews = _days_list(review_dates, "review_dates", "Review date", issues)
            fields["review_dates"] = _json_dates(reviews)
        if in_quota is not None:
            fields["in_quota"] = in_quota
        if notes is not None:
            fields["notes"] = notes.strip()
        issues += check_dates(p.start, end, reviews)
        if not errors(issues) and "planned_end" in fields and p.ended_on is None:
            issues += self._overlaps(p.pupil_id, p.start, end, p.id)
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("placement", p.id, fields)
        return Saved(p.id, Changes(frozenset({"placement"}), frozenset({p.id, p.case_id}))
                     if changed else Changes())

    def record_review(self, ref: str, on: date | str | None = None) -> Saved:
        p = self.get(ref)
        issues: list[Issue] = []
        when = day(on, "reviewed_on", "Review date", issues) or self._today()
        if when < p.start:
            issues.append(_err("review_before_start", "reviewed_on",
                               "A review cannot be held before the placement started."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            self._s.repo.update("placement", p.id, {"reviewed_on": when})
        return Saved(p.id, Changes(frozenset({"placement"}), frozenset({p.id, p.case_id})))

    def end(self, ref: str, *, outcome: str, on: date | str | None = None) -> Saved:
        """The placement ended with an outcome; closes the proposal it came from."""
        p = self.get(ref)
        issues: list[Issue] = []
        if p.ended_on is not None:
            issues.append(_err("already_ended", "ended_on",
                               f"The placement already ended on {format_uk(p.ended_on)}."))
        if outcome not in {o.value for o in PlacementOutcome}:
            issues.append(_err("invalid_outcome", "outcome", "The outcome is one of: "
                               + ", ".join(o.value for o in PlacementOutcome) + "."))
        when = day(on, "ended_on", "End date", issues) or self._today()
        if when < p.start:
            issues.append(_err("end_before_start", "ended_on",
                               f"The placement cannot end on {format_uk(when)}, before it "
                               f"started on {format_uk(p.start)}: correct the date."))
        proposal = self._s.proposals.get(p.proposal_id) if p.proposal_id else None
        if errors(issues):
            raise ValidationError(issues)
        ids = [p.id, p.case_id]
        with self._s._write():
            self._s.repo.update("placement", p.id, {"outcome": outcome, "ended_on": when})
            if proposal is not None and proposal.state in (State.ACTIVE.value,
                                                           State.UNDER_REVIEW.value):
                ids += self._s.proposals._transition(
                    proposal, Event.CLOSE, {"close_outcome": outcome, "closed_on": when},
                    note=f"Placement ended: {outcome}.")
        return Saved(p.id, Changes(frozenset({"placement", "proposal"}), frozenset(ids)))

    def detail(self, ref: str) -> dict[str, Any]:
        p = self.get(ref)
        d = p.to_dict()
        d["status"] = p.status(self._today())
        if p.last_day is not None:
            cal = self._s.calendar.calendar()
            d["planned_weeks"] = cal.school_days_between(p.start - _ONE_DAY, p.last_day) / 5
        else:
            d["planned_weeks"] = None
        return d

