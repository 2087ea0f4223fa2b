"""Intervention ladders as data, and the evidence a school records against them.

A partnership's ladder is an ordered list of steps ("graduated response"). Each step lists
the evidence items it requires (a kind such as a pastoral support plan, with a minimum
duration in school weeks or terms, a count, the outcomes that complete it, whether a
document must be attached and who must verify it) and which requests reaching it unlocks:
once that step and every step before it are met, the school may ask the panel for an AP
place, a managed move or partnership resources.

Steps have a stable ``key`` and items a ``kind`` that evidence records refer to, so a
ladder can be reordered or renamed without orphaning the evidence already recorded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from panel_app.core.domain.issues import Issue
from panel_app.core.domain.models import DocumentInfo, Role

LADDER_FORMAT = "panel-app-ladder"
LADDER_FORMAT_VERSION = 1


class Action(StrEnum):
    """What a school asks the panel for."""

    AP_PLACE = "ap-place"
    MANAGED_MOVE = "managed-move"
    PARTNERSHIP_RESOURCES = "partnership-resources"


ACTION_LABELS = {
    Action.AP_PLACE.value: "an AP place",
    Action.MANAGED_MOVE.value: "a managed move",
    Action.PARTNERSHIP_RESOURCES.value: "partnership resources",
}


class Outcome(StrEnum):
    """Where an evidence record stands."""

    ONGOING = "ongoing"
    COMPLETED = "completed"
    CONTINUATION_PLAN = "continuation-plan"
    ENDED_EARLY = "ended-early"
    AGREED = "agreed"
    DECLINED = "declined"


OUTCOME_LABELS = {
    Outcome.ONGOING.value: "ongoing",
    Outcome.COMPLETED.value: "completed",
    Outcome.CONTINUATION_PLAN.value: "exited with a continuation plan",
    Outcome.ENDED_EARLY.value: "ended early",
    Outcome.AGREED.value: "agreed",
    Outcome.DECLINED.value: "declined",
}
# Outcomes that say the work finished (they need an end date).
ENDING_OUTCOMES = frozenset(
    {Outcome.COMPLETED.value, Outcome.CONTINUATION_PLAN.value, Outcome.ENDED_EARLY.value}
)

VERIFY_ANY = "any"
VERIFY_ROLES = (VERIFY_ANY, *(r.value for r in Role))

# Well-known evidence kinds and their usual labels. A ladder may use others.
EVIDENCE_KINDS = {
    "psp": "Pastoral Support Plan (PSP)",
    "psp_approval": "PSP approved by the local authority",
    "support_plan": "Support plan",
    "outreach": "Outreach programme",
    "plan_do_review": "Plan-do-review cycle",
    "internal_exclusion": "Internal exclusion in the home school",
    "hosted_internal_exclusion": "Internal exclusion at a partner school",
    "managed_move": "Managed move",
    "admission_meeting": "Admission meeting with pupil and family",
    "reintegration_meeting": "Re-entry or review meeting",
    "ep_involvement": "Educational psychologist involvement",
    "camhs_involvement": "CAMHS or mental-health worker involvement",
    "family_meeting": "Meeting with the family",
    "family_agreement": "Family agreement",
    "attendance_plan": "Attendance plan",
    "key_worker": "Assigned key worker",
    "out_of_class_card": "Time-out card",
    "flexible_timetable": "Flexible timetable",
    "individual_package": "Individualised package and timetable",
    "nurture_unit": "Internal nurture unit",
    "on_site_ap": "On-site alternative provision",
    "ap_placement": "Alternative provision placement",
    "threshold_documentation": "Threshold documentation",
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


def slugify(text: str) -> str:
    """A step key or item kind from a name: lower case, words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return "-".join(words)[:48].strip("-") or "step"


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


@dataclass(frozen=True)
class LadderItem:
    """One piece of evidence a step requires."""

    kind: str
    label: str
    description: str = ""
    optional: bool = False  # counts towards the step's ``min_optional``
    min_count: int = 1  # separate records needed
    min_weeks: int | None = None  # school weeks it must have run
    min_terms: float | None = None  # terms it must have run
    outcomes: tuple[str, ...] = ()  # it counts only once ended with one of these
    early_exit_ok: tuple[str, ...] = ()  # these outcomes count before the minimum duration
    document_required: bool = False
    verify_role: str = ""  # "", "any", or a role (e.g. "LA officer")
    applies_to: tuple[str, ...] = ()  # only for these requests; empty: for every request

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("outcomes", "early_exit_ok", "applies_to"):
            d[key] = list(d[key])
        return d

    def applies(self, action: str | None) -> bool:
        if not self.applies_to:
            return True
        return action is not None and action in self.applies_to

    def requirement_text(self) -> str:
        """The item's rule in plain words (for ``ladder show`` and the editor)."""
        parts = []
        if self.min_count > 1:
            parts.append(f"at least {self.min_count} records")
        if self.min_weeks:
            parts.append(f"at least {self.min_weeks} school weeks")
        if self.min_terms:
            plural = "s" if self.min_terms != 1 else ""
            parts.append(f"at least {_num(self.min_terms)} term{plural}")
        if self.outcomes:
            parts.append("ended as " + " or ".join(outcome_label(o) for o in self.outcomes))
        if self.early_exit_ok and self.min_weeks:
            parts.append(
                "(or sooner if " + " or ".join(outcome_label(o) for o in self.early_exit_ok) + ")"
            )
        if self.document_required:
            parts.append("document attached")
        if self.verify_role == VERIFY_ANY:
            parts.append("verified")
        elif self.verify_role:
            parts.append(f"verified by {article(self.verify_role)}")
        if self.applies_to:
            parts.append("only for " + " or ".join(action_label(a) for a in self.applies_to))
        if self.optional:
            parts.append("optional")
        return "; ".join(parts)


@dataclass(frozen=True)
class LadderStep:
    key: str
    name: str
    description: str = ""
    unlocks: tuple[str, ...] = ()
    min_optional: int = 0  # optional items that must be met
    items: tuple[LadderItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "unlocks": list(self.unlocks),
            "min_optional": self.min_optional,
            "items": [i.to_dict() for i in self.items],
        }

    def item(self, kind: str) -> LadderItem | None:
        wanted = kind.strip().casefold()
        return next((i for i in self.items if i.kind == wanted), None)


@dataclass(frozen=True)
class Ladder:
    name: str
    description: str = ""
    preset: str = ""
    source: str = ""
    steps: tuple[LadderStep, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": LADDER_FORMAT,
            "format_version": LADDER_FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "preset": self.preset,
            "source": self.source,
            "steps": [s.to_dict() for s in self.steps],
        }

    def find_step(self, ref: str) -> tuple[int, LadderStep] | None:
        """A step by its key, its number (1 = first) or its name (any case)."""
        text = ref.strip()
        if text.isascii() and text.isdigit():
            n = int(text)
            return (n - 1, self.steps[n - 1]) if 1 <= n <= len(self.steps) else None
        folded = text.casefold()
        for i, step in enumerate(self.steps):
            if step.key == folded:
                return i, step
        for i, step in enumerate(self.steps):
            if step.name.casefold() == folded:
                return i, step
        return None

    def step_by_key(self, key: str) -> tuple[int, LadderStep] | None:
        return next(((i, s) for i, s in enumerate(self.steps) if s.key == key), None)

    def unlocking_step(self, action: str) -> int | None:
        """Index of the first step whose completion unlocks ``action``."""
        return next((i for i, s in enumerate(self.steps) if action in s.unlocks), None)


def article(text: str) -> str:
    return ("an " if text[:1].lower() in "aeiou" or text.startswith("LA") else "a ") + text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# -- reading and checking definitions ----------------------------------------------------


def _as_tuple(value: Any, where: str, issues: list[Issue], *, name: str = "",
              place: str = "") -> tuple[str, ...]:
    """A list of words. A single word given as plain text is refused (``name`` is the
    field, ``place`` the step and item, for the message), though read as a one-word list
    so that a stored definition never loses it."""
    if value in (None, ""):
        return ()
    if isinstance(value, str) and name:
        shown = json.dumps(value, ensure_ascii=False)
        issues.append(Issue(
            "invalid_ladder", "error", name,
            f"{place}: {name} must be a list, written [{shown}], not the text {shown}.",
            {"field": name, "where": place}))
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    issues.append(Issue("invalid_ladder", "error", where, f"{where} must be a list of words."))
    return ()


def _opt_number(value: Any, where: str, issues: list[Issue], *, integer: bool) -> Any:
    if value in (None, "", 0):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        issues.append(Issue("invalid_ladder", "error", where, f"{where} must be a number."))
        return None
    if integer and not float(value).is_integer():
        issues.append(
            Issue(
                "invalid_ladder", "error", where, f"{where} must be a whole number of school weeks."
            )
        )
        return None
    return int(value) if integer else float(value)


def ladder_from_dict(data: Any) -> tuple[Ladder | None, list[Issue]]:
    """Read a ladder definition (``Ladder.to_dict`` format, as in resources/ladders) and
    check it. Returns (ladder, issues); the ladder is None when it cannot be read."""
    issues: list[Issue] = []
    if isinstance(data, Mapping) and isinstance(data.get("definition"), Mapping):
        data = data["definition"]  # the output of `ladder show --json`
    if not isinstance(data, Mapping):
        return None, [
            Issue(
                "invalid_ladder",
                "error",
                "ladder",
                "A ladder file is a JSON object with a name and a list of steps, "
                "as 'panel-app ladder show --json' prints.",
            )
        ]
    if data.get("format", LADDER_FORMAT) != LADDER_FORMAT:
        return None, [
            Issue(
                "invalid_ladder", "error", "format", "This is not a Partnership Panel ladder file."
            )
        ]
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list):
        return None, [Issue("invalid_ladder", "error", "steps", "steps must be a list.")]
    steps = []
    for n, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, Mapping):
            issues.append(Issue("invalid_ladder", "error", "steps", f"Step {n} is not an object."))
            continue
        name = str(raw.get("name", "")).strip()
        step = f"Step {n}" + (f" ({name})" if name else "")
        items = []
        raw_items = raw.get("items", [])
        if not isinstance(raw_items, list):
            issues.append(
                Issue("invalid_ladder", "error", "items", f"The items of step {n} must be a list.")
            )
            raw_items = []
        for m, ri in enumerate(raw_items, start=1):
            where = f"step {n} item {m}"
            if not isinstance(ri, Mapping):
                issues.append(
                    Issue("invalid_ladder", "error", "items", f"{where} is not an object.")
                )
                continue
            kind = str(ri.get("kind", "")).strip()
            place = f"{step}, item {m}" + (f" ({kind})" if kind else "")
            min_count = ri.get("min_count", 1)
            if isinstance(min_count, bool) or not isinstance(min_count, int):
                issues.append(
                    Issue(
                        "invalid_ladder",
                        "error",
                        "min_count",
                        f"{where}: min_count must be a whole number.",
                    )
                )
                min_count = 1
            items.append(
                LadderItem(
                    kind=kind,
                    label=str(ri.get("label") or EVIDENCE_KINDS.get(kind, kind)).strip(),
                    description=str(ri.get("description", "")).strip(),
                    optional=bool(ri.get("optional", False)),
                    min_count=min_count,
                    min_weeks=_opt_number(
                        ri.get("min_weeks"), f"{where} min_weeks", issues, integer=True
                    ),
                    min_terms=_opt_number(
                        ri.get("min_terms"), f"{where} min_terms", issues, integer=False
                    ),
                    outcomes=_as_tuple(ri.get("outcomes"), f"{where} outcomes", issues,
                                         name="outcomes", place=place),
                    early_exit_ok=_as_tuple(
                        ri.get("early_exit_ok"), f"{where} early_exit_ok", issues,
                        name="early_exit_ok", place=place,
                    ),
                    document_required=bool(ri.get("document_required", False)),
                    verify_role=str(ri.get("verify_role") or ""),
                    applies_to=_as_tuple(ri.get("applies_to"), f"{where} applies_to", issues,
                                         name="applies_to", place=place),
                )
            )
        min_optional = raw.get("min_optional", 0)
        if isinstance(min_optional, bool) or not isinstance(min_optional, int):
            issues.append(
                Issue(
                    "invalid_ladder",
                    "error",
                    "min_optional",
                    f"Step {n}: min_optional must be a whole number.",
                )
            )
            min_optional = 0
        steps.append(
            LadderStep(
                key=str(raw.get("key") or slugify(name)).strip(),
                name=name,
                description=str(raw.get("description", "")).strip(),
                unlocks=_as_tuple(raw.get("unlocks"), f"step {n} unlocks", issues,
                                  name="unlocks", place=step),
                min_optional=min_optional,
                items=tuple(items),
            )
        )
    ladder = Ladder(
        name=str(data.get("name", "")).strip(),
        description=str(data.get("description", "")).strip(),
        preset=str(data.get("preset", "")).strip(),
        source=str(data.get("source", "")).strip(),
        steps=tuple(steps),
    )
    return ladder, issues + check_ladder_definition(ladder)


def check_ladder_definition(ladder: Ladder) -> list[Issue]:
    """Problems that stop a ladder being saved, one Issue each, saying what to change."""
    issues: list[Issue] = []
    actions = {a.value for a in Action}
    outcomes = {o.value for o in Outcome}
    if not ladder.name.strip():
        issues.append(Issue("required", "error", "name", "Give the ladder a name."))
    seen_keys: set[str] = set()
    for n, step in enumerate(ladder.steps, start=1):
        label = f"Step {n}" + (f" ({step.name})" if step.name else "")
        if not step.name.strip():
            issues.append(Issue("required", "error", "name", f"Step {n} needs a name."))
        if not _SLUG.match(step.key):
            issues.append(
                Issue(
                    "invalid_key",
                    "error",
                    "key",
                    f"{label}: the key '{step.key}' must be lower-case letters, "
                    "digits, hyphens or underscores (for example 'psp').",
                )
            )
        elif step.key in seen_keys:
            issues.append(
                Issue(
                    "duplicate_step",
                    "error",
                    "key",
                    f"{label}: another step already has the key '{step.key}': "
                    "give this step another key.",
                )
            )
        seen_keys.add(step.key)
        for a in step.unlocks:
            if a not in actions:
                issues.append(
                    Issue(
                        "unknown_action",
                        "error",
                        "unlocks",
                        f"{label} unlocks '{a}', which is not a request: use "
                        f"{', '.join(sorted(actions))}.",
                    )
                )
        kinds: set[str] = set()
        optional = 0
        for item in step.items:
            where = f"{label}, item '{item.kind}'"
            if not _SLUG.match(item.kind):
                issues.append(
                    Issue(
                        "invalid_kind",
                        "error",
                        "kind",
                        f"{label}: the item kind '{item.kind}' must be lower-case "
                        "letters, digits, hyphens or underscores (for example "
                        "'psp').",
                    )
                )
            elif item.kind in kinds:
                issues.append(
                    Issue(
                        "duplicate_item",
                        "error",
                        "kind",
                        f"{label} lists the item '{item.kind}' twice: keep one.",
                    )
                )
            kinds.add(item.kind)
            optional += item.optional
            if not item.label.strip():
                issues.append(Issue("required", "error", "label", f"{where} needs a label."))
            if item.min_count < 1:
                issues.append(
                    Issue(
                        "invalid_count",
                        "error",
                        "min_count",
                        f"{where}: the number of records needed must be at least 1.",
                    )
                )
            if item.min_weeks is not None and not 0 < item.min_weeks <= 200:
                issues.append(
                    Issue(
                        "invalid_duration",
                        "error",
                        "min_weeks",
                        f"{where}: the minimum must be between 1 and 200 school weeks.",
                    )
                )
            if item.min_terms is not None and not 0 < item.min_terms <= 12:
                issues.append(
                    Issue(
                        "invalid_duration",
                        "error",
                        "min_terms",
                        f"{where}: the minimum must be between 0.5 and 12 terms.",
                    )
                )
            for o in (*item.outcomes, *item.early_exit_ok):
                if o not in outcomes:
                    issues.append(
                        Issue(
                            "unknown_outcome",
                            "error",
                            "outcomes",
                            f"{where}: '{o}' is not an outcome: use "
                            f"{', '.join(o.value for o in Outcome)}.",
                        )
                    )
            if item.verify_role and item.verify_role not in VERIFY_ROLES:
                issues.append(
                    Issue(
                        "unknown_role",
                        "error",
                        "verify_role",
                        f"{where}: '{item.verify_role}' is not a role: use "
                        f"{', '.join(VERIFY_ROLES)}, or leave it empty.",
                    )
                )
            for a in item.applies_to:
                if a not in actions:
                    issues.append(
                        Issue(
                            "unknown_action",
                            "error",
                            "applies_to",
                            f"{where} applies to '{a}', which is not a request: use "
                            f"{', '.join(sorted(actions))}.",
                        )
                    )
        if step.min_optional < 0 or step.min_optional > optional:
            issues.append(
                Issue(
                    "invalid_min_optional",
                    "error",
                    "min_optional",
                    f"{label} asks for {step.min_optional} optional item(s) but "
                    f"lists {optional}: lower the number or mark more items "
                    "optional.",
                )
            )
    return issues


# -- evidence on a case ------------------------------------------------------------------


@dataclass
class Evidence:
    """One record that a step's item was done: a plan, a programme, a meeting."""

    id: str
    case_id: str
    step_key: str
    kind: str
    started_on: date
    ended_on: date | None = None
    review_on: date | None = None
    outcome: str = Outcome.ONGOING.value
    notes: str = ""
    recorded_by: str = ""
    recorded_at: datetime | None = None
    verified_by: str = ""
    verified_role: str = ""
    verified_at: datetime | None = None
    documents: list[DocumentInfo] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.verified_by) and self.verified_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "step_key": self.step_key,
            "kind": self.kind,
            "started_on": self.started_on.isoformat(),
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "review_on": self.review_on.isoformat() if self.review_on else None,
            "outcome": self.outcome,
            "notes": self.notes,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "verified_by": self.verified_by,
            "verified_role": self.verified_role,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "documents": [d.to_dict() for d in self.documents],
        }


def check_evidence_dates(
    started_on: date | None, ended_on: date | None, review_on: date | None, outcome: str
) -> list[Issue]:
    """Rules on an evidence record's dates and outcome (after the values are typed)."""
    from panel_app.core.domain.dates import format_uk

    issues: list[Issue] = []
    if started_on is None:
        issues.append(
            Issue(
                "required",
                "error",
                "started_on",
                "Give the date the work started (or the date of the meeting).",
            )
        )
        return issues
    if ended_on is not None and ended_on < started_on:
        issues.append(
            Issue(
                "end_before_start",
                "error",
                "ended_on",
                f"The end date {format_uk(ended_on)} is before the start date "
                f"{format_uk(started_on)}: correct one of them.",
                {"start": started_on.isoformat(), "end": ended_on.isoformat()},
            )
        )
    if review_on is not None and review_on < started_on:
        issues.append(
            Issue(
                "review_before_start",
                "error",
                "review_on",
                f"The review date {format_uk(review_on)} is before the start date "
                f"{format_uk(started_on)}: correct one of them.",
                {"start": started_on.isoformat(), "review": review_on.isoformat()},
            )
        )
    if outcome not in {o.value for o in Outcome}:
        issues.append(
            Issue(
                "unknown_outcome",
                "error",
                "outcome",
                f"'{outcome}' is not an outcome: use {', '.join(o.value for o in Outcome)}.",
            )
        )
    elif outcome == Outcome.ONGOING.value and ended_on is not None:
        issues.append(
            Issue(
                "ended_but_ongoing",
                "error",
                "outcome",
                "The record has an end date but its outcome is 'ongoing': give "
                "the outcome (for example completed or ended-early), or remove "
                "the end date.",
            )
        )
    elif outcome in ENDING_OUTCOMES and ended_on is None:
        issues.append(
            Issue(
                "outcome_needs_end",
                "error",
                "ended_on",
                f"An outcome of '{outcome}' needs the end date: give it.",
            )
        )
    return issues


def step_refs_help(ladder: Ladder) -> str:
    return "; ".join(f"{n} {s.key} ({s.name})" for n, s in enumerate(ladder.steps, start=1))


def items_help(step: LadderStep) -> str:
    return ", ".join(i.kind for i in step.items) or "none yet"


def parse_actions(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip().casefold() for v in values if v.strip())
