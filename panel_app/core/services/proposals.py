"""Proposals to the panel and their lifecycle, on the session: ``session.proposals``.

A school (or the LA's fair-access officer) drafts a proposal about a case, submits it,
the panel hears it (it joins the next agenda built: ``session.meetings``), decides it
(at the meeting, or recorded here), it runs (a move or placement), is reviewed and closes
with an outcome. Every step is an event of the lifecycle table
(``domain.proposals.TRANSITIONS``); a step the table refuses raises ``ValidationError``
saying what can happen instead, and nothing is stored. Each step is kept in the
proposal's history (``proposal_events``).

Submitting a managed move or an AP place request runs the ladder check and stores it with
the proposal (``session.ladders.record_check``); a check that is not met blocks the
submission unless it is overridden with a recorded reason and person. Approving an AP
place that would take the school or the partnership over its quota warns, and needs the
name of whoever approves it anyway (recorded with the proposal).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from panel_app.core.domain.dates import academic_year_start, format_uk
from panel_app.core.domain.inputs import date_input as day
from panel_app.core.domain.inputs import error as _err
from panel_app.core.domain.inputs import warning as _warn
from panel_app.core.domain.issues import Issue, errors
from panel_app.core.domain.meetings import AgendaItem, Meeting, Section
from panel_app.core.domain.moves import MoveOutcome, PlacementOutcome
from panel_app.core.domain.proposals import (
    APPROVING,
    DECISION_OUTCOMES,
    DECLINED,
    FAIR_ACCESS_LABELS,
    KIND_LABELS,
    LADDER_ACTIONS,
    WITHDRAWN,
    Board,
    BoardFilter,
    Event,
    FairAccessReason,
    Proposal,
    ProposalEvent,
    ProposalKind,
    State,
    check_transition,
    close_outcomes,
    outcome_label,
)
from panel_app.core.domain.schoolyears import year_group_label
from panel_app.core.errors import NotFoundError, PanelError, ValidationError
from panel_app.core.rules.ladder import Verdict
from panel_app.core.rules.moves import TurnRow
from panel_app.core.services.meetings import Saved
from panel_app.core.services.session import Changes
from panel_app.core.storage.meetings_repo import MeetingsRepo
from panel_app.core.storage.proposals_repo import ProposalsRepo

if TYPE_CHECKING:
    from panel_app.core.services.session import PartnershipSession

OVER_QUOTA_CODES = frozenset({"school_over_quota", "partnership_over_quota"})
EDITABLE = ("title", "details", "requested_start", "requested_weeks", "receiving_school_id",
            "fair_access_reason")




def _changes(*ids: str) -> Changes:
    return Changes(frozenset({"proposal", "case"}), frozenset(ids))


class ProposalsService:
    """The proposals part of the facade; reach it as ``session.proposals``."""

    def __init__(self, session: PartnershipSession) -> None:
        self._s = session

    @property
    def repo(self) -> ProposalsRepo:
        return ProposalsRepo(self._s.db)

    def _today(self) -> date:
        return self._s.clock.today()

    # -- reading -----------------------------------------------------------------------------
    def get(self, ref: str) -> Proposal:
        ids = self.repo.resolve("proposals", ref)
        if not ids:
            raise NotFoundError(f"No proposal '{ref.strip()}': see 'panel-app proposal list'.")
        if len(ids) > 1:
            raise PanelError(f"More than one proposal starts with '{ref.strip()}': give more "
                             "of the id.")
        found = self.repo.proposal(ids[0])
        assert found is not None
        return found

    def list_proposals(self, *, state: str | None = None, kind: str | None = None,
             school: str | None = None, case: str | None = None) -> list[Proposal]:
        school_id = self._s.find_school(school).id if school else None
        case_id = self._s.get_case(case).id if case else None
        return self.repo.proposals(case_id=case_id, states=(state,) if state else (),
                                   kind=kind, school_id=school_id)

    def board(self, flt: BoardFilter | None = None) -> Board:
        """The proposals board: columns by lifecycle state, filtered by school (proposing
        or receiving) and kind, counted and sorted in SQL."""
        return self.repo.board(flt or BoardFilter())

    def history(self, ref: str) -> list[ProposalEvent]:
        return self.repo.events(self.get(ref).id)

    def rotation(self, ref: str) -> list[TurnRow]:
        """For a fair-access proposal: whose turn it is for the pupil's year group."""
        p = self.get(ref)
        if p.year_group is None:
            return []
        return self._s.moves.whose_turn(p.year_group)

    def detail(self, ref: str) -> dict[str, Any]:
        """One proposal, JSON-ready: the record, its ladder check, history, the moves and
        placements it led to, whose turn (fair access) and quota warnings (AP place)."""
        p = self.get(ref)
        out = p.to_dict()
        check = None
        if p.ladder_check_id:
            try:
                c = self._s.ladders.get_check(p.ladder_check_id)
                check = {"id": c.id, "action": c.action, "on": c.on.isoformat(),
                         "verdict": c.verdict, "verdict_text": c.verdict_text(),
                         "allowed": c.allowed, "overridden": c.overridden,
                         "override": c.override.to_dict() if c.override else None,
                         "gaps": [r.message for r in c.gaps()]}
            except (NotFoundError, PanelError):
                check = {"id": p.ladder_check_id, "verdict": "", "missing": True}
        out["ladder_check"] = check
        out["history"] = [e.to_dict() for e in self.repo.events(p.id)]
        moves, placements = self.repo.linked(p.id)
        out["moves"] = moves
        out["placements"] = placements
        out["rotation"] = ([r.to_dict() for r in self.rotation(p.id)]
                           if p.kind == ProposalKind.FAIR_ACCESS.value else [])
        out["quota_warnings"] = ([w.to_dict() for w in self.quota_check(p.id)]
                                 if p.kind == ProposalKind.AP_PLACE.value
                                 and p.state in (State.DRAFT.value, State.SUBMITTED.value,
                                                 State.ON_AGENDA.value) else [])
        return out

    # -- drafting ----------------------------------------------------------------------------
    def _kind_fields(self, kind: str, fields: dict[str, Any], issues: list[Issue]) -> None:
        if kind not in {k.value for k in ProposalKind}:
            issues.append(_err("invalid_kind", "kind", "The kind of proposal is one of: "
                               + ", ".join(k.value for k in ProposalKind) + "."))
            return
        reason = fields.get("fair_access_reason") or ""
        if kind == ProposalKind.FAIR_ACCESS.value:
            if reason not in {r.value for r in FairAccessReason}:
                issues.append(_err("fair_access_reason", "fair_access_reason",
                                   "Say why the pupil needs a place: "
                                   + ", ".join(r.value for r in FairAccessReason) + "."))
        elif reason:
            issues.append(_err("fair_access_reason", "fair_access_reason",
                               "Only a fair-access placement has a fair-access reason."))
        weeks = fields.get("requested_weeks")
        if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int)
                                  or weeks < 1 or weeks > 200):
            issues.append(_err("invalid_weeks", "requested_weeks",
                               "The length asked for is a number of school weeks from 1 to "
                               "200."))

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

    def add(
        self,
        case: str,
        kind: str,
        *,
        title: str = "",
        details: str = "",
        school: str | None = None,
        to: str | None = None,
        fair_access_reason: str = "",
        start: date | str | None = None,
        weeks: int | None = None,
    ) -> Saved:
        """Draft a proposal about ``case``. ``school`` is the school putting it (default
        the pupil's home school); ``to`` the receiving school of a managed move or the
        school asked to admit a fair-access pupil."""
        record = self._s.get_case(case)
        issues: list[Issue] = []
        fields: dict[str, Any] = {"fair_access_reason": fair_access_reason.strip(),
                                  "requested_weeks": weeks}
        self._kind_fields(kind, fields, issues)
        school_id = self._school(school, "school_id", issues) or record.home_school_id
        receiving = self._school(to, "receiving_school_id", issues)
        if receiving is not None and receiving == school_id and kind in (
                ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value):
            issues.append(_err("same_school", "receiving_school_id",
                               "The receiving school must be another school than the one "
                               "putting the proposal: choose another school."))
        requested = day(start, "requested_start", "Start date asked for", issues)
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            pid = self._s.repo.insert("proposal", {
                "case_id": record.id, "kind": kind, "state": State.DRAFT.value,
                "title": title.strip(), "details": details.strip(), "school_id": school_id,
                "receiving_school_id": receiving, "year_group": record.year_group,
                "requested_start": requested, "created_at": self._s.clock.now().isoformat(),
                "created_by": self._s.user_name, **fields})
            eid = self._event(pid, record.id, "create", "", State.DRAFT.value, "")
        return Saved(pid, _changes(pid, record.id, eid))

    def update(self, ref: str, **values: Any) -> Saved:
        """Change a proposal's title, details, start asked for, length in school weeks,
        receiving school (``to``) or fair-access reason, before it closes."""
        p = self.get(ref)
        issues: list[Issue] = []
        if p.state == State.CLOSED.value:
            issues.append(_err("closed", "state", "A closed proposal cannot be changed."))
        fields: dict[str, Any] = {}
        for name, value in values.items():
            if name == "to":
                fields["receiving_school_id"] = self._school(value, "receiving_school_id",
                                                             issues)
            elif name in ("start", "requested_start"):
                fields["requested_start"] = day(value, "requested_start",
                                                "Start date asked for", issues)
            elif name in ("weeks", "requested_weeks"):
                fields["requested_weeks"] = value
            elif name in ("title", "details", "fair_access_reason"):
                fields[name] = str(value or "").strip()
            else:
                issues.append(_err("unknown_field", name,
                                   f"'{name}' cannot be changed here: change "
                                   + ", ".join(EDITABLE) + "."))
        merged = {"fair_access_reason": fields.get("fair_access_reason",
                                                   p.fair_access_reason),
                  "requested_weeks": fields.get("requested_weeks", p.requested_weeks)}
        self._kind_fields(p.kind, merged, issues)
        if fields.get("receiving_school_id") and fields["receiving_school_id"] == p.school_id \
                and p.kind in (ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value):
            issues.append(_err("same_school", "receiving_school_id",
                               "The receiving school must be another school than the one "
                               "putting the proposal: choose another school."))
        if errors(issues):
            raise ValidationError(issues)
        with self._s._write():
            changed = self._s.repo.update("proposal", p.id, fields)
        return Saved(p.id, _changes(p.id, p.case_id) if changed else Changes())

    # -- the lifecycle -------------------------------------------------------------------------
    def _event(self, pid: str, case_id: str, event: str, before: str, after: str,
               note: str) -> str:
        return self._s.repo.insert("proposal_event", {
            "proposal_id": pid, "case_id": case_id, "at": self._s.clock.now().isoformat(),
            "by": self._s.user_name, "event": event, "from_state": before, "to_state": after,
            "note": note.strip()}, stamp_field=None)

    @staticmethod
    def _allowed(p: Proposal, event: Event) -> str:
        result = check_transition(p.state, event.value, kind=p.kind, outcome=p.decision_outcome)
        if not result.ok:
            raise ValidationError([result.issue()])
        assert result.target is not None
        return result.target

    def _transition(self, p: Proposal, event: Event, fields: dict[str, Any], *,
                    note: str = "") -> list[str]:
        """Apply ``event`` (inside a write transaction): the state from the table, the
        other fields, and a history row. Refused: ValidationError (the caller's
        transaction is rolled back)."""
        target = self._allowed(p, event)
        self._s.repo.update("proposal", p.id, {"state": target, **fields})
        return [p.id, p.case_id, self._event(p.id, p.case_id, event.value, p.state, target,
                                             note)]

    def submit(self, ref: str, *, on: date | str | None = None, override_reason: str = "",
               override_by: str = "") -> Saved:
        """Submit a draft (or submit again after 'deferred' or 'more evidence needed').
        For a managed move or AP place the ladder check is run on ``on`` (default today)
        and stored with the proposal; if it is not met the submission is refused unless
        ``override_reason`` and ``override_by`` are given (both recorded)."""
        p = self.get(ref)
        event = Event.RESUBMIT if p.state == State.DECIDED.value else Event.SUBMIT
        issues: list[Issue] = []
        when = day(on, "submitted_on", "Submission date", issues) or self._today()
        result = check_transition(p.state, event.value, kind=p.kind, outcome=p.decision_outcome)
        if not result.ok:
            issues.append(result.issue())
        if p.kind == ProposalKind.MANAGED_MOVE.value and not p.receiving_school_id:
            issues.append(_err("receiving_school_needed", "receiving_school_id",
                               "Name the receiving school of the managed move before "
                               "submitting it (proposal update --to SCHOOL)."))
        wants_override = bool(override_reason.strip() or override_by.strip())
        if wants_override and not (override_reason.strip() and override_by.strip()):
            issues.append(_err("override_incomplete", "override",
                               "An override needs both the reason and the name of the person "
                               "who agreed it."))
        if errors(issues):
            raise ValidationError(issues)
        out_warnings: list[Issue] = []
        action = LADDER_ACTIONS.get(p.kind)
        override = False
        if action is not None:
            check = self._s.ladders.check(p.case_id, action, when)
            if check.verdict == Verdict.UNAVAILABLE.value:
                out_warnings.append(_warn(
                    "ladder_unavailable", "ladder",
                    "The ladder could not be checked ("
                    + "; ".join(r.message for r in check.reasons)
                    + "): the proposal was submitted without a ladder verdict."))
            elif check.verdict != Verdict.MET.value:
                if not wants_override:
                    gaps = [r.message for r in check.gaps()] or [
                        r.message for r in check.reasons]
                    raise ValidationError([_err(
                        "ladder_not_met", "ladder",
                        f"The ladder for {check.action_label} is "
                        f"{check.verdict.replace('_', ' ')}: " + " ".join(gaps)
                        + " Record the missing evidence first, or override with the reason "
                        "and the name of the person who agreed it.",
                        verdict=check.verdict, gaps=[r.code for r in check.gaps()])])
                override = True
            elif wants_override:
                out_warnings.append(_warn("override_not_needed", "override",
                                          "The ladder is met: no override was recorded."))
        fields: dict[str, Any] = {"submitted_on": when, "submitted_by": self._s.user_name}
        if event == Event.RESUBMIT:
            fields.update({"decision_outcome": "", "decided_on": None, "decision_id": None,
                           "decision_conditions": "", "over_quota_by": "",
                           "over_quota_note": ""})
        ids: list[str] = []
        note = ""
        with self._s._write():
            if action is not None:
                recorded, _ = self._s.ladders.record_check(
                    p.case_id, action, when,
                    override_reason=override_reason if override else "",
                    override_by=override_by if override else "")
                fields["ladder_check_id"] = recorded.id
                ids.append(recorded.id)
                note = f"Ladder check: {recorded.verdict_words()}"
                if override:
                    note += f": {override_reason.strip()}"
            ids += self._transition(p, event, fields, note=note)
        return Saved(p.id, Changes(frozenset({"proposal", "case", "ladder_check"}),
                                   frozenset(ids)), tuple(out_warnings))

    def quota_check(self, ref: str) -> list[Issue]:
        """Warnings before approving an AP place: would it take the school or the
        partnership over its quota? (Empty for other kinds.)"""
        p = self.get(ref)
        return self._quota_warnings(p)

    def _quota_warnings(self, p: Proposal) -> list[Issue]:
        if p.kind != ProposalKind.AP_PLACE.value:
            return []
        start = p.requested_start or self._today()
        end = None
        if p.requested_weeks:
            cal = self._s.calendar.calendar()
            end = cal.add_school_days(cal.next_school_day(start), p.requested_weeks * 5 - 1)
        return self._s.quotas.check_request(p.school_id, start, end)

    def _decision_checks(self, p: Proposal, outcome: str, conditions: str,
                         receiving: str | None, issues: list[Issue]) -> list[Issue]:
        """Problems and warnings of a decision (shared by both ways of deciding)."""
        notes: list[Issue] = []
        if outcome not in DECISION_OUTCOMES:
            issues.append(_err("invalid_outcome", "outcome", "The decision is one of: "
                               + ", ".join(DECISION_OUTCOMES) + "."))
            return notes
        if outcome == "approved_with_conditions" and not conditions.strip():
            issues.append(_err("conditions_needed", "conditions",
                               "Say what the conditions are."))
        if outcome in APPROVING and p.kind == ProposalKind.FAIR_ACCESS.value:
            turn = self.rotation(p.id)
            if receiving and turn and turn[0].school_id != receiving:
                first = turn[0]
                chosen = next((t for t in turn if t.school_id == receiving), None)
                notes.append(_warn(
                    "not_their_turn", "receiving_school_id",
                    f"It is {first.name}'s turn for {year_group_label(p.year_group or 0)} "
                    f"({first.admitted} admitted this year)"
                    + (f"; {chosen.name} has admitted {chosen.admitted}" if chosen else "")
                    + ": record why another school was chosen.", turn=first.school_id))
        return notes

    def decide(
        self,
        ref: str,
        outcome: str,
        *,
        on: date | str | None = None,
        conditions: str = "",
        review_on: date | str | None = None,
        to: str | None = None,
        over_quota_by: str = "",
        note: str = "",
    ) -> Saved:
        """Record the panel's decision (when it was not taken through a meeting's agenda).
        Approving an AP place that would go over the school's or the partnership's quota
        is refused until ``over_quota_by`` names who approves it anyway; the warnings are
        returned and recorded with the proposal."""
        p = self.get(ref)
        issues: list[Issue] = []
        when = day(on, "decided_on", "Decision date", issues) or self._today()
        review = day(review_on, "review_on", "Review date", issues)
        if review is not None and review < when:
            issues.append(_err("review_before_decision", "review_on",
                               "The review date cannot be before the decision."))
        if p.submitted_on is not None and when < p.submitted_on:
            issues.append(_err("decided_before_submitted", "decided_on",
                               f"The decision date is before the proposal was submitted "
                               f"({format_uk(p.submitted_on)}): correct the date."))
        receiving = self._school(to, "receiving_school_id", issues) or p.receiving_school_id
        if receiving and receiving == p.school_id and p.kind in (
                ProposalKind.MANAGED_MOVE.value, ProposalKind.FAIR_ACCESS.value):
            issues.append(_err("same_school", "receiving_school_id",
                               "The receiving school must be another school: choose another."))
        event = Event.REVISE if p.state == State.DECIDED.value else Event.DECIDE
        result = check_transition(p.state, event.value, kind=p.kind, outcome=p.decision_outcome)
        if not result.ok:
            issues.append(result.issue())
        out_warnings = self._decision_checks(p, outcome, conditions, receiving, issues)
        if (outcome in APPROVING and p.kind == ProposalKind.FAIR_ACCESS.value
                and not receiving):
            issues.append(_err("admitting_school_needed", "receiving_school_id",
                               "Name the school that admits the pupil (--to SCHOOL): see whose "
                               "turn it is with 'panel-app moves turn'."))
        if errors(issues):
            raise ValidationError(issues)
        fields: dict[str, Any] = {"decision_outcome": outcome, "decided_on": when,
                                  "decision_conditions": conditions.strip(),
                                  "review_on": review, "receiving_school_id": receiving,
                                  "over_quota_by": "", "over_quota_note": ""}
        if outcome in APPROVING:
            quota = self._quota_warnings(p)
            over = [w for w in quota if w.code in OVER_QUOTA_CODES]
            out_warnings += quota
            if over and not over_quota_by.strip():
                raise ValidationError([_err(
                    "over_quota_confirm", "over_quota_by",
                    " ".join(w.message for w in over) + " To approve it anyway, give the name "
                    "of the person approving it over the quota.",
                    warnings=[w.code for w in over])])
            if over:
                fields["over_quota_by"] = over_quota_by.strip()
                fields["over_quota_note"] = " ".join(w.message for w in over)
        with self._s._write():
            ids = self._transition(p, event, fields, note=(
                f"{outcome_label(outcome)}" + (f": {note.strip()}" if note.strip() else "")
                + (f" (approved over quota by {over_quota_by.strip()})"
                   if fields["over_quota_by"] else "")))
        return Saved(p.id, _changes(*ids), tuple(out_warnings))

    def _simple(self, ref: str, event: Event, fields: dict[str, Any], note: str) -> Saved:
        p = self.get(ref)
        self._allowed(p, event)
        with self._s._write():
            ids = self._transition(p, event, fields, note=note)
        return Saved(p.id, _changes(*ids))

    def start(self, ref: str, *, note: str = "") -> Saved:
        """An approved managed move or AP place has started (recording the move or
        placement for the proposal does this by itself)."""
        p = self.get(ref)
        saved = self._simple(p.id, Event.START, {}, note)
        moves, placements = self.repo.linked(p.id)
        if not moves and not placements:
            what = "move add" if p.kind == ProposalKind.MANAGED_MOVE.value else "placement add"
            return Saved(saved.id, saved.changes, (_warn(
                "nothing_recorded", "proposal",
                f"No move or placement is recorded for this proposal yet: record it with "
                f"'panel-app {what} ... --proposal {p.id[:8]}'."),))
        return saved

    def review(self, ref: str, *, note: str = "") -> Saved:
        """Open a review of an active proposal (its move or placement)."""
        return self._simple(ref, Event.REVIEW, {}, note)

    def continue_after_review(self, ref: str, *, note: str = "") -> Saved:
        """The review found the arrangement should carry on."""
        return self._simple(ref, Event.CONTINUE, {}, note)

    def withdraw(self, ref: str, *, note: str = "") -> Saved:
        return self._simple(ref, Event.WITHDRAW, {"close_outcome": WITHDRAWN,
                                                  "closed_on": self._today(),
                                                  "close_note": note.strip()}, note)

    def close(self, ref: str, outcome: str | None = None, *, on: date | str | None = None,
              note: str = "") -> Saved:
        """Close with an outcome (``close_outcomes(kind)``; a declined proposal closes as
        'declined'). Closing a managed move or AP place whose move or placement is still
        running ends it with the same outcome; closing a challenge to an exclusion as
        'charged' charges the excluding school the cost of the PRU place."""
        p = self.get(ref)
        issues: list[Issue] = []
        when = day(on, "closed_on", "Close date", issues) or self._today()
        declined = p.state == State.DECIDED.value and p.decision_outcome == DECLINED
        value = (outcome or (DECLINED if declined else "")).strip()
        allowed = (DECLINED,) if declined else close_outcomes(p.kind)
        result = check_transition(p.state, Event.CLOSE.value, kind=p.kind,
                                  outcome=p.decision_outcome)
        if not result.ok:
            issues.append(result.issue())
        elif value not in allowed:
            issues.append(_err("invalid_close_outcome", "close_outcome",
                               f"A {KIND_LABELS.get(p.kind, p.kind)} closes as one of: "
                               + ", ".join(allowed) + "."))
        moves, placements = self.repo.linked(p.id)
        running_moves = [m for m in (self.repo.move(i) for i in moves)
                         if m is not None and m.ended_on is None]
        running_places = [x for x in (self.repo.placement(i) for i in placements)
                          if x is not None and x.ended_on is None]
        for m in running_moves:
            if when < m.start:
                issues.append(_err("end_before_start", "closed_on",
                                   "The move started after that date: correct the date."))
        for x in running_places:
            if when < x.start:
                issues.append(_err("end_before_start", "closed_on",
                                   "The placement started after that date: correct the date."))
        charge_amount = None
        if value == "charged" and not errors(issues):
            qy = self._s.quotas.repo.quota_year(academic_year_start(when))
            if qy is None:
                issues.append(_err("no_quota", "close_outcome",
                                   "No quota is set for that school year, so the cost of the "
                                   "place is not known: set the quota first, or charge the "
                                   "school with 'panel-app quota charge' and close the "
                                   "proposal as rescinded."))
            else:
                charge_amount = qy.cost_per_place
        if errors(issues):
            raise ValidationError(issues)
        ids: list[str] = []
        with self._s._write():
            for m in running_moves:
                if value in {o.value for o in MoveOutcome}:
                    self._s.repo.update("move", m.id, {"outcome": value, "ended_on": when})
                    ids.append(m.id)
            for x in running_places:
                if value in {o.value for o in PlacementOutcome}:
                    self._s.repo.update("placement", x.id, {"outcome": value, "ended_on": when})
                    ids.append(x.id)
            if charge_amount is not None:
                ids.append(self._s.quotas._insert_charge(
                    academic_year_start(when), p.school_id, when, charge_amount, p.case_id,
                    p.id, "Permanent exclusion made outside the panel: the PRU place is "
                    "charged to the excluding school."))
            ids += self._transition(p, Event.CLOSE, {"close_outcome": value, "closed_on": when,
                                                     "close_note": note.strip()}, note=note)
        return Saved(p.id, Changes(frozenset({"proposal", "case", "move", "placement",
                                              "quota_charge"}), frozenset(ids)))

    # -- hooks for the meetings ----------------------------------------------------------------
    def agenda_entries(self, meeting: Meeting, cutoff: date) -> list[dict[str, Any]]:
        """Proposals for ``meeting``'s agenda: submitted ones (late when submitted after
        the cut-off), ones on this or an earlier meeting's agenda still undecided, and ones
        deferred at an earlier meeting. Fair-access proposals go to their own section."""
        meetings = MeetingsRepo(self._s.db)
        dates: dict[str, date | None] = {}
        turns: dict[int, list[TurnRow]] = {}
        out: list[dict[str, Any]] = []
        for p in self.repo.proposals(states=(State.SUBMITTED.value, State.ON_AGENDA.value,
                                             State.DECIDED.value)):
            late = False
            if p.state == State.SUBMITTED.value:
                if p.submitted_on is None or p.submitted_on > meeting.date:
                    continue
                late = p.submitted_on > cutoff
            elif p.state == State.ON_AGENDA.value:
                if p.meeting_id and p.meeting_id != meeting.id:
                    if p.meeting_id not in dates:
                        other = meetings.meeting(p.meeting_id)
                        dates[p.meeting_id] = other.date if other is not None else None
                    when = dates[p.meeting_id]
                    if when is not None and when >= meeting.date:
                        continue
            elif not (p.decision_outcome == "deferred" and p.decided_on is not None
                      and p.decided_on < meeting.date):
                continue
            out.append(self._agenda_entry(p, late, turns))
        return out

    def _agenda_entry(self, p: Proposal, late: bool,
                      turns: dict[int, list[TurnRow]]) -> dict[str, Any]:
        fair = p.kind == ProposalKind.FAIR_ACCESS.value
        label = KIND_LABELS.get(p.kind, p.kind)
        title = label[:1].upper() + label[1:]
        if fair:
            reason = FAIR_ACCESS_LABELS.get(p.fair_access_reason, "")
            title += (f" ({reason})" if reason else "") + (
                f", {year_group_label(p.year_group)}" if p.year_group is not None else "")
        else:
            title += f" from {p.school}" + (f" to {p.receiving_school}"
                                            if p.receiving_school else "")
        notes = [p.title] if p.title else []
        if p.ladder_check_id:
            try:
                check = self._s.ladders.get_check(p.ladder_check_id)
                notes.append(f"Ladder check: {check.verdict_words()}.")
            except (NotFoundError, PanelError):
                pass
        if fair and p.year_group is not None:
            if p.year_group not in turns:
                turns[p.year_group] = self._s.moves.whose_turn(p.year_group)
            turn = turns[p.year_group][:3]
            if turn:
                notes.append(f"Whose turn ({year_group_label(p.year_group)}): " + ", ".join(
                    f"{t.position}. {t.name} ({t.admitted} admitted)" for t in turn) + ".")
        if p.decision_outcome == "deferred":
            notes.append(f"Deferred on {format_uk(p.decided_on)}.")
        return dict(
            section=(Section.FAIR_ACCESS if fair else Section.NEW).value, entity="proposal",
            entity_id=p.id, case_id=p.case_id, title=title, notes=" ".join(notes), late=late,
            late_note=(f"Late item: submitted on {format_uk(p.submitted_on)}, after the "
                       "cut-off.") if late else "")

    def review_entries(self, meeting: Meeting) -> list[dict[str, Any]]:
        """Moves and placements under way at ``meeting`` whose next review or planned end
        falls within the flag window (default 10 school days) of it, or has passed."""
        cal = self._s.calendar.calendar()
        within = self._s.moves.due_within()
        labels = self._s.moves.labels()
        out: list[dict[str, Any]] = []

        def due(review: date | None, end: date | None) -> tuple[date, str] | None:
            found = [(d, w) for d, w in ((review, "review due"), (end, "ends")) if d]
            if not found:
                return None
            d, what = min(found)
            return (d, what) if cal.school_days_between(meeting.date, d) <= within else None

        for m in self.repo.moves(open_only=True):
            hit = due(m.next_review(), m.planned_end) if m.start <= meeting.date else None
            if hit is not None:
                out.append(dict(section=Section.REVIEWS.value, entity="move", entity_id=m.id,
                                case_id=m.case_id,
                                title=f"Review: {labels.get(m.arrangement, m.arrangement)} to "
                                      f"{m.receiving_school} ({hit[1]} {format_uk(hit[0])})"))
        for x in self.repo.placements(open_only=True):
            hit = due(x.next_review(), x.planned_end) if x.start <= meeting.date else None
            if hit is not None:
                where = x.provider_name or x.provider_type
                out.append(dict(section=Section.REVIEWS.value, entity="placement",
                                entity_id=x.id, case_id=x.case_id,
                                title=f"Review: placement at {where} ({hit[1]} "
                                      f"{format_uk(hit[0])})"))
        return out

    def mark_on_agenda(self, meeting: Meeting, proposal_ids: Sequence[str]) -> list[str]:
        """Inside ``build_agenda``'s transaction: the proposals now on ``meeting``'s agenda
        move to 'on an agenda' (for this meeting)."""
        ids: list[str] = []
        for pid in proposal_ids:
            p = self.repo.proposal(pid)
            if p is None or (p.state == State.ON_AGENDA.value and p.meeting_id == meeting.id):
                continue
            ids += self._transition(p, Event.SCHEDULE, {"meeting_id": meeting.id},
                                    note=f"On the agenda of {format_uk(meeting.date)}.")
        return ids

    def on_meeting_decision(self, item: AgendaItem, outcome: str, *, meeting: Meeting,
                            decision_id: str, conditions: str = "",
                            review_on: date | None = None) -> tuple[list[str], list[Issue]]:
        """Inside ``meetings.decide``'s transaction: a decision on a proposal's agenda item
        decides the proposal (approving an AP place over quota is recorded as approved
        anyway by the meeting's chair, with warnings); a decision on a review item of a
        move or placement records the review as held."""
        if item.entity == "proposal":
            p = self.repo.proposal(item.entity_id)
            if p is None:
                return [], []
            event = (Event.REVISE if p.state == State.DECIDED.value
                     and p.decision_id == decision_id else Event.DECIDE)
            issues: list[Issue] = []
            notes = self._decision_checks(p, outcome, conditions, p.receiving_school_id, issues)
            if errors(issues):
                raise ValidationError(issues)
            fields: dict[str, Any] = {
                "decision_outcome": outcome, "decided_on": meeting.date,
                "decision_id": decision_id, "meeting_id": meeting.id,
                "decision_conditions": conditions, "review_on": review_on,
                "over_quota_by": "", "over_quota_note": ""}
            if outcome in APPROVING:
                quota = self._quota_warnings(p)
                over = [w for w in quota if w.code in OVER_QUOTA_CODES]
                notes += quota
                if over:
                    who = meeting.chair or self._s.user_name
                    fields["over_quota_by"] = who
                    fields["over_quota_note"] = (" ".join(w.message for w in over)
                                                 + f" Approved anyway at the meeting on "
                                                   f"{format_uk(meeting.date)}.")
                if p.kind == ProposalKind.FAIR_ACCESS.value and not p.receiving_school_id:
                    notes.append(_warn("admitting_school_needed", "receiving_school_id",
                                       "Name the school that admits the pupil: 'panel-app "
                                       f"proposal update {p.id[:8]} --to SCHOOL'."))
            ids = self._transition(p, event, fields,
                                   note=f"{outcome_label(outcome)} at the meeting on "
                                        f"{format_uk(meeting.date)}.")
            return ids, notes
        if item.entity in ("move", "placement"):
            record: Any = (self.repo.move(item.entity_id) if item.entity == "move"
                           else self.repo.placement(item.entity_id))
            if record is None:
                return [], []
            covered = record.next_review()
            when = max(meeting.date, covered) if covered is not None and (
                self._s.calendar.calendar().school_days_between(meeting.date, covered)
                <= self._s.moves.due_within()) else meeting.date
            if record.reviewed_on is None or record.reviewed_on < when:
                self._s.repo.update(item.entity, record.id, {"reviewed_on": when})
            return [record.id], []
        return [], []
