"""A subject-access export as pure data: everything held about one pupil, ready to print
(``sar_pdf.render_subject_access``) and to save as JSON (``to_dict``).

Free text has already been redacted of other pupils (``redaction.SarScrubber``) when a
``SubjectAccess`` is built; ``third_party`` lists what the user must still review before
release (staff named, family members, social-care information, attached documents).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SAR_FORMAT = "partnership-panel-subject-access"
SAR_FORMAT_VERSION = 1


@dataclass
class SarField:
    label: str
    value: str


@dataclass
class SarRecord:
    """One record (a note, a piece of evidence, a decision ...) as label/value pairs."""

    kind: str
    title: str
    fields: list[SarField]


@dataclass
class SarSection:
    kind: str
    title: str
    records: list[SarRecord]


@dataclass
class SarCase:
    case_ref: str
    fields: list[SarField]


@dataclass
class SarMinutesItem:
    """An item about the subject in the minutes of a meeting."""

    meeting_date: str  # ISO
    minutes_status: str
    number: int
    title: str
    notes: str = ""
    outcome: str = ""
    conditions: str = ""
    rationale: str = ""
    dissent: str = ""
    review_on: str | None = None
    actions: list[str] = field(default_factory=list)


@dataclass
class SarAuditRow:
    at: str
    actor: str
    action: str
    record: str
    fields: list[str]


@dataclass
class ThirdParty:
    """Something to review before release: what, where, and why."""

    kind: str  # staff | staff_in_text | other_pupil | family | social_care | document | minutes
    where: str
    what: str


@dataclass
class SubjectAccess:
    partnership: str
    produced_on: str  # ISO
    marking: str
    subject: str
    pupil: list[SarField]
    cases: list[SarCase]
    sections: list[SarSection]
    minutes: list[SarMinutesItem]
    audit: list[SarAuditRow]
    third_party: list[ThirdParty]
    redactions: int
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # raw, for JSON
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out = {"format": SAR_FORMAT, "format_version": SAR_FORMAT_VERSION, **out}
        return out
