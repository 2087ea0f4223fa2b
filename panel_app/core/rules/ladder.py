"""The ladder check: has a case's recorded evidence reached the step that unlocks a request?

``check_ladder`` returns, for every step, ``met``, ``partly_met`` or ``missing`` with the
reasons in plain words, and an overall verdict for the request. Every reason carries a
stable ``code`` and ``params`` (ISO dates, counts) so that other tools and the minutes can
use it without parsing the sentence. Nothing here raises for an ordinary "not met".

Durations are measured on the school calendar (``SchoolCalendar``): a record's time runs
from its start date to its end date, or to the check date while it is still running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from panel_app.core.domain.calendar import SchoolCalendar
from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.ladder import (
    ENDING_OUTCOMES,
    VERIFY_ANY,
    Evidence,
    Ladder,
    LadderItem,
    LadderStep,
    Outcome,
    action_label,
    article,
    outcome_label,
)


class Status(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    MISSING = "missing"


class Verdict(StrEnum):
    MET = "met"
    PARTLY_MET = "partly_met"
    MISSING = "missing"
    UNAVAILABLE = "unavailable"  # no ladder, or no step leads to the request


STATUS_LABELS = {
    "met": "met",
    "partly_met": "partly met",
    "missing": "missing",
    "unavailable": "not available",
}

# Every reason code the check can give, with what it means. Codes never change meaning;
# new situations get new codes. (docs/CLI.md lists them too.)
REASON_CODES = {
    "item_met": "the item is met (params say by which record, dates and counts)",
    "item_not_recorded": "no record of the item",
    "item_starts_later": "the only records start after the check date",
    "item_too_short": "the record has not yet run the minimum school weeks",
    "item_too_short_terms": "the record has not yet run the minimum number of terms",
    "item_still_running": "the item counts only once it has ended with a given outcome",
    "item_wrong_outcome": "the record ended with an outcome that does not count",
    "item_declined": "the record's outcome is 'declined'",
    "item_no_document": "the item needs a document attached and none is",
    "item_not_verified": "the item needs verifying and is not verified",
    "item_verified_later": "the record was verified after the check date",
    "item_verifier_role": "the record was verified by someone without the required role",
    "item_count_short": "fewer qualifying records than the item needs",
    "step_no_items": "the step lists no evidence for this request",
    "step_optional_short": "fewer optional items met than the step needs",
    "verdict_met": "every step needed for the request is met",
    "verdict_partly_met": "some of the steps needed for the request are not yet met",
    "verdict_missing": "nothing is recorded for the steps needed for the request",
    "action_not_in_ladder": "no step of the ladder unlocks the request",
    "no_ladder": "the partnership has no ladder",
}


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    ok: bool = False  # True when the reason supports "met"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params, "ok": self.ok}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(
            str(d["code"]), str(d["message"]), dict(d.get("params") or {}), bool(d.get("ok", False))
        )


@dataclass(frozen=True)
class ItemResult:
    kind: str
    label: str
    status: str
    required: bool  # False for an optional item
    reasons: tuple[Reason, ...]
    evidence_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "status": self.status,
            "required": self.required,
            "reasons": [r.to_dict() for r in self.reasons],
            "evidence_ids": list(self.evidence_ids),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ItemResult:
        return cls(
            d["kind"],
            d["label"],
            d["status"],
            bool(d["required"]),
            tuple(Reason.from_dict(r) for r in d.get("reasons", [])),
            tuple(d.get("evidence_ids", [])),
        )


@dataclass(frozen=True)
class StepResult:
    number: int
    key: str
    name: str
    status: str
    needed: bool  # part of what the request needs
    items: tuple[ItemResult, ...]
    reasons: tuple[Reason, ...] = ()  # step-level reasons (optional items, no items)

    @property
    def title(self) -> str:
        return f"step {self.number} ({self.name})"

    def all_reasons(self) -> list[Reason]:
        out = list(self.reasons)
        for item in self.items:
            out += item.reasons
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "key": self.key,
            "name": self.name,
            "status": self.status,
            "needed": self.needed,
            "reasons": [r.to_dict() for r in self.reasons],
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StepResult:
        return cls(
            int(d["number"]),
            d["key"],
            d["name"],
            d["status"],
            bool(d["needed"]),
            tuple(ItemResult.from_dict(i) for i in d.get("items", [])),
            tuple(Reason.from_dict(r) for r in d.get("reasons", [])),
        )


@dataclass(frozen=True)
class Override:
    reason: str
    by: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "by": self.by, "at": self.at.isoformat()}


@dataclass
class LadderCheck:
    """The result of checking one case for one request on one date."""

    case_id: str
    action: str
    on: date
    verdict: str
    reasons: list[Reason]
    steps: list[StepResult]
    ladder_name: str = ""
    ladder_id: str = ""
    ladder_version_id: str = ""
    ladder_version: int = 0
    id: str = ""  # set once recorded
    case_ref: str = ""
    checked_at: datetime | None = None
    checked_by: str = ""
    override: Override | None = None

    @property
    def recorded(self) -> bool:
        return bool(self.id)

    @property
    def overridden(self) -> bool:
        return self.override is not None

    @property
    def allowed(self) -> bool:
        """The request may go to the panel: the ladder is met, or an override says so."""
        return self.verdict == Verdict.MET.value or self.overridden

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    def verdict_text(self) -> str:
        text = STATUS_LABELS.get(self.verdict, self.verdict).upper()
        if self.override is not None:
            text += f" (OVERRIDDEN by {self.override.by} on {format_uk(self.override.at.date())})"
        return text

    def verdict_words(self) -> str:
        """The verdict in running text: 'met', 'missing (overridden by … on …)'."""
        text = STATUS_LABELS.get(self.verdict, self.verdict)
        if self.override is not None:
            text += f" (overridden by {self.override.by} on {format_uk(self.override.at.date())})"
        return text

    def gaps(self) -> list[Reason]:
        """What is still missing for the request: the not-ok reasons of needed steps,
        leaving out optional items when the step has enough of them."""
        out: list[Reason] = []
        for step in self.steps:
            if not step.needed or step.status == Status.MET.value:
                continue
            out += [r for r in step.reasons if not r.ok]
            for item in step.items:
                if item.required and item.status != Status.MET.value:
                    out += [r for r in item.reasons if not r.ok]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id or None,
            "recorded": self.recorded,
            "case_id": self.case_id,
            "case_ref": self.case_ref,
            "action": self.action,
            "action_label": self.action_label,
            "on": self.on.isoformat(),
            "ladder": {
                "id": self.ladder_id,
                "name": self.ladder_name,
                "version_id": self.ladder_version_id,
                "version": self.ladder_version,
            },
            "verdict": self.verdict,
            "allowed": self.allowed,
            "overridden": self.overridden,
            "override": self.override.to_dict() if self.override else None,
            "reasons": [r.to_dict() for r in self.reasons],
            "gaps": [r.to_dict() for r in self.gaps()],
            "steps": [s.to_dict() for s in self.steps],
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "checked_by": self.checked_by,
        }

    def result_dict(self) -> dict[str, Any]:
        """What is frozen when the check is recorded (everything but id and override)."""
        d = self.to_dict()
        for key in ("id", "recorded", "override", "overridden", "allowed", "gaps"):
            d.pop(key)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LadderCheck:
        ladder = d.get("ladder") or {}
        return cls(
            case_id=d["case_id"],
            action=d["action"],
            on=date.fromisoformat(d["on"]),
            verdict=d["verdict"],
            reasons=[Reason.from_dict(r) for r in d.get("reasons", [])],
            steps=[StepResult.from_dict(s) for s in d.get("steps", [])],
            ladder_name=ladder.get("name", ""),
            ladder_id=ladder.get("id", ""),
            ladder_version_id=ladder.get("version_id", ""),
            ladder_version=int(ladder.get("version", 0)),
            case_ref=d.get("case_ref", ""),
            checked_at=datetime.fromisoformat(d["checked_at"]) if d.get("checked_at") else None,
            checked_by=d.get("checked_by", ""),
        )


# -- the check -----------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class _Assessed:
    record: Evidence
    failures: list[Reason]
    ok: Reason
    days: int


def _assess(item: LadderItem, rec: Evidence, on: date, cal: SchoolCalendar) -> _Assessed:
    label = item.label
    start = rec.started_on
    ended = rec.ended_on if rec.ended_on is not None and rec.ended_on <= on else None
    outcome = rec.outcome
    if ended is None and outcome in ENDING_OUTCOMES:
        outcome = Outcome.ONGOING.value  # it ends after the check date
    until = ended or on
    days = max(0, cal.school_days_between(start, until))
    weeks = days // 5
    base: dict[str, Any] = {
        "item": item.kind,
        "label": label,
        "evidence_id": rec.id,
        "start": _iso(start),
        "end": _iso(ended),
        "on": on.isoformat(),
        "outcome": outcome,
    }
    failures: list[Reason] = []
    # a plan or programme "started"; a meeting, an approval or an agreement was "recorded"
    lasting = bool(item.min_weeks or item.min_terms or rec.ended_on)
    when_text = f"{'started' if lasting else 'recorded'} {format_uk(start)}"
    early = ended is not None and outcome in item.early_exit_ok
    if outcome == Outcome.DECLINED.value:
        failures.append(
            Reason("item_declined", f"{label} recorded {format_uk(start)} was declined.", base)
        )
    if item.min_weeks and not early and weeks < item.min_weeks:
        params = {**base, "weeks": weeks, "required_weeks": item.min_weeks, "school_days": days}
        if ended:
            text = (
                f"{label} ran from {format_uk(start)} to {format_uk(ended)}: {weeks} of "
                f"the required {item.min_weeks} school weeks."
            )
        else:
            text = (
                f"{label} started {format_uk(start)} has run {weeks} of the required "
                f"{item.min_weeks} school weeks."
            )
        failures.append(Reason("item_too_short", text, params))
    terms = round(cal.terms_between(start, until), 1)
    if item.min_terms and not early and terms < item.min_terms:
        params = {**base, "terms": terms, "required_terms": item.min_terms}
        verb = (
            f"ran from {format_uk(start)} to {format_uk(ended)}:"
            if ended
            else f"started {format_uk(start)} has run"
        )
        failures.append(
            Reason(
                "item_too_short_terms",
                f"{label} {verb} {terms:g} of the required {item.min_terms:g} terms.",
                params,
            )
        )
    if item.outcomes:
        wanted = " or ".join(outcome_label(o) for o in item.outcomes)
        params = {**base, "outcomes": list(item.outcomes)}
        if outcome == Outcome.ONGOING.value:
            failures.append(
                Reason(
                    "item_still_running",
                    f"{label} started {format_uk(start)} is still running: it "
                    f"counts once it has ended {wanted}.",
                    params,
                )
            )
        elif outcome not in item.outcomes and outcome != Outcome.DECLINED.value:
            when = f"ended {format_uk(ended)}" if ended else f"recorded {format_uk(start)}"
            failures.append(
                Reason(
                    "item_wrong_outcome",
                    f"{label} {when} as {outcome_label(outcome)}; it needs to be {wanted}.",
                    params,
                )
            )
    if item.document_required and not rec.documents:
        failures.append(
            Reason(
                "item_no_document",
                f"{label} {when_text} has no document attached: attach it to the evidence record.",
                base,
            )
        )
    if item.verify_role:
        need = "" if item.verify_role == VERIFY_ANY else f" by {article(item.verify_role)}"
        params = {
            **base,
            "verify_role": item.verify_role,
            "verified_by": rec.verified_by,
            "verified_role": rec.verified_role,
            "verified_on": _iso(rec.verified_at.date()) if rec.verified_at else None,
        }
        if not rec.verified or rec.verified_at is None:
            failures.append(
                Reason(
                    "item_not_verified",
                    f"{label} {when_text} is not verified: it needs verifying{need}.",
                    params,
                )
            )
        elif rec.verified_at.date() > on:
            failures.append(
                Reason(
                    "item_verified_later",
                    f"{label} {when_text} was verified on "
                    f"{format_uk(rec.verified_at.date())}, after "
                    f"{format_uk(on)}.",
                    params,
                )
            )
        elif item.verify_role != VERIFY_ANY and rec.verified_role != item.verify_role:
            who = rec.verified_role or "no role recorded"
            failures.append(
                Reason(
                    "item_verifier_role",
                    f"{label} {when_text} was verified by "
                    f"{rec.verified_by} ({who}); it needs verifying"
                    f"{need}.",
                    params,
                )
            )
    # What to say when it does count.
    params = {
        **base,
        "weeks": weeks,
        "school_days": days,
        "terms": terms,
        "required_weeks": item.min_weeks,
        "required_terms": item.min_terms,
    }
    if early and (item.min_weeks or item.min_terms):
        text = (
            f"{label} started {format_uk(start)} ended {format_uk(until)}, "
            f"{outcome_label(outcome)}."
        )
    elif item.min_weeks:
        span = (
            f"ran from {format_uk(start)} to {format_uk(ended)}:"
            if ended
            else f"started {format_uk(start)} has run"
        )
        text = f"{label} {span} {weeks} school weeks ({item.min_weeks} required)."
    elif item.min_terms:
        span = (
            f"ran from {format_uk(start)} to {format_uk(ended)}:"
            if ended
            else f"started {format_uk(start)} has run"
        )
        text = f"{label} {span} {terms:g} terms ({item.min_terms:g} required)."
    elif ended:
        text = (
            f"{label} ran from {format_uk(start)} to {format_uk(ended)}, {outcome_label(outcome)}."
        )
    elif outcome != Outcome.ONGOING.value:
        text = f"{label} recorded {format_uk(start)}: {outcome_label(outcome)}."
    else:
        text = f"{label} recorded from {format_uk(start)}."
    return _Assessed(rec, failures, Reason("item_met", text, params, ok=True), days)


def _check_item(
    item: LadderItem, records: Sequence[Evidence], on: date, cal: SchoolCalendar
) -> ItemResult:
    label = item.label
    current = [r for r in records if r.started_on <= on]
    later = [r for r in records if r.started_on > on]
    required = not item.optional
    if not current:
        if later:
            first = min(r.started_on for r in later)
            reason = Reason(
                "item_starts_later",
                f"{label} starts {format_uk(first)}, after {format_uk(on)}: it does not count yet.",
                {
                    "item": item.kind,
                    "label": label,
                    "start": first.isoformat(),
                    "on": on.isoformat(),
                },
            )
        else:
            reason = Reason(
                "item_not_recorded",
                f"No {_lower_first(label)} recorded.",
                {"item": item.kind, "label": label},
            )
        return ItemResult(
            item.kind, label, Status.MISSING.value, required, (reason,), tuple(r.id for r in later)
        )
    assessed = sorted(
        (_assess(item, r, on, cal) for r in current),
        key=lambda a: (len(a.failures), -a.days, -a.record.started_on.toordinal()),
    )
    good = [a for a in assessed if not a.failures]
    ids = tuple(a.record.id for a in assessed)
    if len(good) >= item.min_count:
        if item.min_count > 1:
            latest = max(a.record.started_on for a in good)
            reason = Reason(
                "item_met",
                f"{len(good)} records of {_lower_first(label)} ({item.min_count} "
                f"needed); the latest from {format_uk(latest)}.",
                {
                    "item": item.kind,
                    "label": label,
                    "count": len(good),
                    "required_count": item.min_count,
                    "start": latest.isoformat(),
                    "evidence_ids": [a.record.id for a in good],
                },
                ok=True,
            )
        else:
            reason = good[0].ok
        return ItemResult(item.kind, label, Status.MET.value, required, (reason,), ids)
    reasons: list[Reason] = []
    bad = [a for a in assessed if a.failures]
    if bad:
        reasons += bad[0].failures
    if item.min_count > 1:
        counted = f"{len(good)} record{'' if len(good) == 1 else 's'}"
        reasons.append(
            Reason(
                "item_count_short",
                f"{label}: {counted} so far, {item.min_count} needed.",
                {
                    "item": item.kind,
                    "label": label,
                    "count": len(good),
                    "required_count": item.min_count,
                },
            )
        )
    return ItemResult(item.kind, label, Status.PARTLY_MET.value, required, tuple(reasons), ids)


def _lower_first(text: str) -> str:
    """'Outreach referral' -> 'outreach referral', leaving names with capitals further on
    ('Pastoral Support Plan (PSP)', 'PSP approved ...') as they are."""
    words = text.split()
    if (
        len(text) > 1
        and text[0].isupper()
        and text[1].islower()
        and not any(w[:1].isupper() for w in words[1:])
    ):
        return text[0].lower() + text[1:]
    return text


def _check_step(
    number: int,
    step: LadderStep,
    evidence: Sequence[Evidence],
    action: str | None,
    on: date,
    cal: SchoolCalendar,
    needed: bool,
) -> StepResult:
    items = [i for i in step.items if i.applies(action)]
    if not items:
        reason = Reason(
            "step_no_items",
            f"Step {number} ({step.name}) lists no evidence to record: add items "
            "to it in the ladder editor.",
            {"step": step.key, "number": number},
        )
        return StepResult(number, step.key, step.name, Status.MISSING.value, needed, (), (reason,))
    results = []
    for item in items:
        records = [e for e in evidence if e.step_key == step.key and e.kind == item.kind]
        results.append(_check_item(item, records, on, cal))
    required = [r for r in results if r.required]
    optional = [r for r in results if not r.required]
    optional_met = sum(r.status == Status.MET.value for r in optional)
    step_reasons: list[Reason] = []
    if optional_met < step.min_optional:
        labels = [_lower_first(r.label) for r in optional]
        step_reasons.append(
            Reason(
                "step_optional_short",
                f"Step {number} needs at least {step.min_optional} of: {'; '.join(labels)} "
                f"({optional_met} met so far).",
                {
                    "step": step.key,
                    "number": number,
                    "met": optional_met,
                    "required": step.min_optional,
                    "items": [r.kind for r in optional],
                },
            )
        )
    if all(r.status == Status.MET.value for r in required) and not step_reasons:
        status = Status.MET.value
    elif all(r.status == Status.MISSING.value for r in results):
        status = Status.MISSING.value
    else:
        status = Status.PARTLY_MET.value
    return StepResult(
        number, step.key, step.name, status, needed, tuple(results), tuple(step_reasons)
    )


def check_ladder(
    ladder: Ladder | None,
    evidence: Sequence[Evidence],
    *,
    action: str,
    on: date,
    calendar: SchoolCalendar,
    case_id: str = "",
) -> LadderCheck:
    """Check a case's evidence against ``ladder`` for ``action`` as it stood on ``on``."""
    label = action_label(action)
    if ladder is None or not ladder.steps:
        reason = Reason(
            "no_ladder",
            "The partnership has no intervention ladder yet: choose a preset or "
            "add steps, then check again.",
            {"action": action},
        )
        return LadderCheck(
            case_id,
            action,
            on,
            Verdict.UNAVAILABLE.value,
            [reason],
            [],
            ladder_name=ladder.name if ladder else "",
        )
    unlock = ladder.unlocking_step(action)
    steps = [
        _check_step(
            n, step, evidence, action, on, calendar, needed=unlock is not None and n - 1 <= unlock
        )
        for n, step in enumerate(ladder.steps, start=1)
    ]
    if unlock is None:
        reason = Reason(
            "action_not_in_ladder",
            f"No step of the ladder leads to {label}: edit the ladder to say which "
            "step unlocks it.",
            {"action": action},
        )
        return LadderCheck(
            case_id, action, on, Verdict.UNAVAILABLE.value, [reason], steps, ladder_name=ladder.name
        )
    needed = steps[: unlock + 1]
    met = [s for s in needed if s.status == Status.MET.value]
    span = "step 1" if len(needed) == 1 else f"steps 1 to {len(needed)}"
    params: dict[str, Any] = {
        "action": action,
        "needed": len(needed),
        "met": len(met),
        "on": on.isoformat(),
        "not_met": [s.key for s in needed if s.status != "met"],
    }
    if len(met) == len(needed):
        verdict = Verdict.MET.value
        reason = Reason(
            "verdict_met",
            f"Every step needed before asking for {label} is met ({span}) on {format_uk(on)}.",
            params,
            ok=True,
        )
    elif all(s.status == Status.MISSING.value for s in needed):
        verdict = Verdict.MISSING.value
        reason = Reason(
            "verdict_missing",
            f"Nothing is recorded yet for the {span} needed before asking for {label}.",
            params,
        )
    else:
        verdict = Verdict.PARTLY_MET.value
        todo = ", ".join(
            f"{s.title} {STATUS_LABELS[s.status]}" for s in needed if s.status != Status.MET.value
        )
        step_word = "step" if len(needed) == 1 else "steps"
        reason = Reason(
            "verdict_partly_met",
            f"{len(met)} of the {len(needed)} {step_word} needed before asking for "
            f"{label} {'is' if len(met) == 1 else 'are'} met; still to do: {todo}.",
            params,
        )
    return LadderCheck(case_id, action, on, verdict, [reason], steps, ladder_name=ladder.name)
