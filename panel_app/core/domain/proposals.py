"""Proposals: what a school puts to the panel, and their lifecycle as a table.

A proposal is about one case: a managed move, a request for an AP/PRU place, a request to
rescind a permanent exclusion (PX) or a challenge to a PX made outside the panel, a
fair-access placement (a new arrival, a pupil returning from elective home education, a
looked-after child), or anything else.

The lifecycle is data (``TRANSITIONS``): draft -> submitted -> on an agenda -> decided
(approved, approved with conditions, declined, deferred, more evidence needed) -> active
-> under review -> closed with an outcome. ``check_transition`` says whether an event may
happen in a state and where it leads; it returns a result object (code, severity,
params) and never raises for an ordinary "no". Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from panel_app.core.domain.issues import Issue, Severity
from panel_app.core.domain.meetings import OUTCOME_LABELS, Outcome


class ProposalKind(StrEnum):
    MANAGED_MOVE = "managed-move"
    AP_PLACE = "ap-place"
    RESCIND_PX = "rescind-px"
    CHALLENGE_PX = "challenge-px"
    FAIR_ACCESS = "fair-access"
    OTHER = "other"


KIND_LABELS = {
    ProposalKind.MANAGED_MOVE.value: "managed move",
    ProposalKind.AP_PLACE.value: "AP/PRU place request",
    ProposalKind.RESCIND_PX.value: "request to rescind a permanent exclusion",
    ProposalKind.CHALLENGE_PX.value: "challenge to a permanent exclusion made outside the panel",
    ProposalKind.FAIR_ACCESS.value: "fair-access placement",
    ProposalKind.OTHER.value: "other request",
}
# Kinds whose submission runs the ladder check, with the ladder's name for the request.
LADDER_ACTIONS = {
    ProposalKind.MANAGED_MOVE.value: "managed-move",
    ProposalKind.AP_PLACE.value: "ap-place",
}
# Kinds that run (a move, a placement) once approved: they become active before closing.
RUNNING_KINDS = frozenset({ProposalKind.MANAGED_MOVE.value, ProposalKind.AP_PLACE.value})


class FairAccessReason(StrEnum):
    NEW_ARRIVAL = "new-arrival"
    EHE_RETURN = "ehe-return"
    LAC = "lac"


FAIR_ACCESS_LABELS = {
    FairAccessReason.NEW_ARRIVAL.value: "new arrival",
    FairAccessReason.EHE_RETURN.value: "return from elective home education",
    FairAccessReason.LAC.value: "looked-after child",
}


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ON_AGENDA = "on_agenda"
    DECIDED = "decided"
    ACTIVE = "active"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"


STATE_LABELS = {
    State.DRAFT.value: "draft",
    State.SUBMITTED.value: "submitted",
    State.ON_AGENDA.value: "on an agenda",
    State.DECIDED.value: "decided",
    State.ACTIVE.value: "active",
    State.UNDER_REVIEW.value: "under review",
    State.CLOSED.value: "closed",
}
BOARD_ORDER = tuple(s.value for s in State)


class Event(StrEnum):
    SUBMIT = "submit"  # draft -> submitted (runs the ladder check for moves and AP places)
    RESUBMIT = "resubmit"  # after "deferred" or "more evidence needed"
    SCHEDULE = "schedule"  # put on a meeting's agenda
    UNSCHEDULE = "unschedule"  # taken off the agenda before a decision
    DECIDE = "decide"
    REVISE = "revise"  # the decision changed before anything started
    START = "start"  # the move or placement begins
    REVIEW = "review"
    CONTINUE = "continue"  # reviewed: carries on
    CLOSE = "close"
    WITHDRAW = "withdraw"


EVENT_LABELS = {
    Event.SUBMIT.value: "submit",
    Event.RESUBMIT.value: "submit again",
    Event.SCHEDULE.value: "put on an agenda",
    Event.UNSCHEDULE.value: "take off the agenda",
    Event.DECIDE.value: "record the decision",
    Event.REVISE.value: "change the decision",
    Event.START.value: "start",
    Event.REVIEW.value: "open a review",
    Event.CONTINUE.value: "continue after review",
    Event.CLOSE.value: "close",
    Event.WITHDRAW.value: "withdraw",
}

APPROVING = frozenset({Outcome.APPROVED.value, Outcome.APPROVED_WITH_CONDITIONS.value})
DECISION_OUTCOMES = tuple(o.value for o in Outcome)


def outcome_label(outcome: str) -> str:
    try:
        return OUTCOME_LABELS[Outcome(outcome)]
    except ValueError:
        return outcome


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle table: ``event`` moves a proposal from any of ``sources``
    to ``target``, when its decision outcome is one of ``outcomes`` (None: any) and its
    kind is one of ``kinds`` (None: any) and not one of ``except_kinds``."""

    event: str
    sources: frozenset[str]
    target: str
    outcomes: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    except_kinds: frozenset[str] = frozenset()


def _t(event: Event, sources: set[State], target: State, *, outcomes: frozenset[str] | None = None,
       kinds: frozenset[str] | None = None,
       except_kinds: frozenset[str] = frozenset()) -> Transition:
    return Transition(event.value, frozenset(s.value for s in sources), target.value, outcomes,
                      kinds, except_kinds)


_S = State
_RETRY = frozenset({Outcome.DEFERRED.value, Outcome.MORE_EVIDENCE.value})
_DEFERRED = frozenset({Outcome.DEFERRED.value})
_SETTLED = frozenset({*APPROVING, Outcome.DECLINED.value})

TRANSITIONS: tuple[Transition, ...] = (
    _t(Event.SUBMIT, {_S.DRAFT}, _S.SUBMITTED),
    _t(Event.RESUBMIT, {_S.DECIDED}, _S.SUBMITTED, outcomes=_RETRY),
    _t(Event.SCHEDULE, {_S.SUBMITTED, _S.ON_AGENDA}, _S.ON_AGENDA),
    _t(Event.SCHEDULE, {_S.DECIDED}, _S.ON_AGENDA, outcomes=_DEFERRED),
    _t(Event.UNSCHEDULE, {_S.ON_AGENDA}, _S.SUBMITTED),
    _t(Event.DECIDE, {_S.SUBMITTED, _S.ON_AGENDA}, _S.DECIDED),
    _t(Event.REVISE, {_S.DECIDED}, _S.DECIDED),
    _t(Event.START, {_S.DECIDED}, _S.ACTIVE, outcomes=APPROVING, kinds=RUNNING_KINDS),
    _t(Event.REVIEW, {_S.ACTIVE}, _S.UNDER_REVIEW),
    _t(Event.CONTINUE, {_S.UNDER_REVIEW}, _S.ACTIVE),
    _t(Event.CLOSE, {_S.ACTIVE, _S.UNDER_REVIEW}, _S.CLOSED),
    _t(Event.CLOSE, {_S.DECIDED}, _S.CLOSED, outcomes=frozenset({Outcome.DECLINED.value})),
    _t(Event.CLOSE, {_S.DECIDED}, _S.CLOSED, outcomes=APPROVING, except_kinds=RUNNING_KINDS),
    _t(Event.WITHDRAW, {_S.DRAFT, _S.SUBMITTED, _S.ON_AGENDA, _S.DECIDED}, _S.CLOSED),
)

# How a proposal can close, by kind (besides "declined" and "withdrawn").
CLOSE_OUTCOMES: dict[str, tuple[str, ...]] = {
    ProposalKind.MANAGED_MOVE.value: ("returned-home", "converted", "broke-down", "moved-to-ap"),
    ProposalKind.AP_PLACE.value: ("reintegrated", "continued", "specialist-placement",
                                  "moved-out-of-area", "terminated", "permanently-excluded"),
    ProposalKind.RESCIND_PX.value: ("rescinded", "upheld"),
    ProposalKind.CHALLENGE_PX.value: ("rescinded", "charged"),
    ProposalKind.FAIR_ACCESS.value: ("admitted", "not-admitted"),
    ProposalKind.OTHER.value: ("completed",),
}
DECLINED = "declined"
WITHDRAWN = "withdrawn"
CLOSE_LABELS = {
    "returned-home": "returned to the home school",
    "converted": "converted to a permanent admission",
    "broke-down": "broke down early",
    "moved-to-ap": "moved to alternative provision",
    "reintegrated": "reintegrated into mainstream",
    "continued": "continued in the provision",
    "specialist-placement": "specialist placement after an EHCP",
    "moved-out-of-area": "moved out of the area",
    "terminated": "placement terminated",
    "permanently-excluded": "permanently excluded",
    "rescinded": "exclusion rescinded",
    "upheld": "exclusion upheld",
    "charged": "place cost charged to the excluding school",
    "admitted": "admitted",
    "not-admitted": "not admitted",
    "completed": "completed",
    DECLINED: "declined by the panel",
    WITHDRAWN: "withdrawn",
}


def close_outcomes(kind: str) -> tuple[str, ...]:
    return CLOSE_OUTCOMES.get(kind, ("completed",))


@dataclass(frozen=True)
class TransitionResult:
    """Whether ``event`` may happen: ``ok`` with the ``target`` state, or a refusal with a
    stable ``code``, ``severity`` 'error', ``params`` and a message saying what to do."""

    ok: bool
    event: str
    source: str
    target: str | None
    code: str
    severity: Severity
    message: str
    params: dict[str, Any]

    def issue(self) -> Issue:
        return Issue(self.code, self.severity, "state", self.message, self.params)


def _matches(t: Transition, state: str, kind: str, outcome: str) -> bool:
    return (state in t.sources
            and (t.outcomes is None or outcome in t.outcomes)
            and (t.kinds is None or kind in t.kinds)
            and kind not in t.except_kinds)


def allowed_events(state: str, kind: str, outcome: str = "") -> list[str]:
    """The events the table allows now, in table order (for buttons and help)."""
    out: list[str] = []
    for t in TRANSITIONS:
        if _matches(t, state, kind, outcome) and t.event not in out:
            out.append(t.event)
    return out


def check_transition(state: str, event: str, *, kind: str, outcome: str = "") -> TransitionResult:
    """May ``event`` happen to a proposal of ``kind`` in ``state`` (decided with
    ``outcome``)? Never raises."""
    params = {"state": state, "event": event, "kind": kind, "outcome": outcome}
    for t in TRANSITIONS:
        if t.event == event and _matches(t, state, kind, outcome):
            return TransitionResult(True, event, state, t.target, "transition_allowed",
                                    "warning", "", params)
    if event not in {e.value for e in Event}:
        return TransitionResult(False, event, state, None, "unknown_event", "error",
                                f"'{event}' is not a step of a proposal's lifecycle.", params)
    what = EVENT_LABELS.get(event, event)
    where = STATE_LABELS.get(state, state)
    if state == State.DECIDED.value and outcome:
        where += f" ({outcome_label(outcome).lower()})"
    possible = allowed_events(state, kind, outcome)
    hint = ("; it can now: " + ", ".join(EVENT_LABELS[e] for e in possible)) if possible else (
        "; nothing more can happen to it")
    code = "transition_refused"
    extra = ""
    if event == Event.START.value and kind not in RUNNING_KINDS:
        code, extra = "nothing_to_start", (f" A {KIND_LABELS.get(kind, kind)} does not run as a "
                                           "move or placement: close it with its outcome.")
    elif event == Event.START.value and state == State.DECIDED.value:
        code, extra = "not_approved", " Only an approved proposal can start."
    elif event == Event.CLOSE.value and state == State.DECIDED.value and kind in RUNNING_KINDS:
        code, extra = "not_started", (" An approved move or placement closes once it has run: "
                                      "record it (move add / placement add), or withdraw it.")
    return TransitionResult(
        False, event, state, None, code, "error",
        f"A proposal that is {where} cannot {what}{hint}.{extra}", params)


# -- records -------------------------------------------------------------------------------


@dataclass
class Proposal:
    id: str
    case_id: str
    case_ref: str
    kind: str
    state: str
    title: str
    school_id: str
    school: str
    receiving_school_id: str | None = None
    receiving_school: str = ""
    fair_access_reason: str = ""
    year_group: int | None = None
    requested_start: date | None = None
    requested_weeks: int | None = None
    details: str = ""
    ladder_check_id: str | None = None
    submitted_on: date | None = None
    submitted_by: str = ""
    meeting_id: str | None = None
    decision_id: str | None = None
    decision_outcome: str = ""
    decided_on: date | None = None
    decision_conditions: str = ""
    review_on: date | None = None
    over_quota_by: str = ""
    over_quota_note: str = ""
    close_outcome: str = ""
    closed_on: date | None = None
    close_note: str = ""
    created_at: datetime | None = None
    created_by: str = ""
    updated_at: datetime | None = None

    @property
    def kind_label(self) -> str:
        label = KIND_LABELS.get(self.kind, self.kind)
        if self.kind == ProposalKind.FAIR_ACCESS.value and self.fair_access_reason:
            label += f" ({FAIR_ACCESS_LABELS.get(self.fair_access_reason, '')})"
        return label

    @property
    def state_label(self) -> str:
        text = STATE_LABELS.get(self.state, self.state)
        if self.state == State.DECIDED.value and self.decision_outcome:
            text += f": {outcome_label(self.decision_outcome).lower()}"
        if self.state == State.CLOSED.value and self.close_outcome:
            text += f": {CLOSE_LABELS.get(self.close_outcome, self.close_outcome)}"
        return text

    @property
    def ladder_action(self) -> str | None:
        return LADDER_ACTIONS.get(self.kind)

    def events(self) -> list[str]:
        return allowed_events(self.state, self.kind, self.decision_outcome)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("requested_start", "submitted_on", "decided_on", "review_on", "closed_on"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        for key in ("created_at", "updated_at"):
            value = getattr(self, key)
            d[key] = value.isoformat() if value else None
        d["kind_label"] = self.kind_label
        d["state_label"] = self.state_label
        d["events"] = self.events()
        return d


@dataclass
class ProposalEvent:
    id: str
    proposal_id: str
    at: datetime
    by: str
    event: str
    from_state: str
    to_state: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = self.at.isoformat()
        return d


@dataclass(frozen=True)
class BoardRow:
    """One card of the proposals board, already formatted (dates ISO, sort as text)."""

    id: str
    case_ref: str
    kind: str
    kind_label: str
    state: str
    school_id: str
    school: str
    receiving_school: str
    title: str
    submitted_on: str
    decision_outcome: str
    updated_at: str


@dataclass
class BoardFilter:
    school_id: str | None = None
    kind: str | None = None
    states: tuple[str, ...] = ()  # empty: every state
    include_closed: bool = True
    limit_per_state: int | None = None


@dataclass
class Board:
    columns: dict[str, list[BoardRow]]  # state -> rows (newest change first)
    counts: dict[str, int]  # state -> proposals matching the filter
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": {s: [asdict(r) for r in rows] for s, rows in self.columns.items()},
            "counts": self.counts,
            "total": self.total,
        }
