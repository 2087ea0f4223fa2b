"""Prepared rows for a case's Ladder tab: what one worker job fetches (``CaseLadder``),
the evidence records as table rows, and their columns (display text and raw sort value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from panel_app.core.domain.dates import format_uk
from panel_app.core.domain.ladder import Evidence, Ladder, outcome_label
from panel_app.core.domain.models import DocumentInfo
from panel_app.core.rules.ladder import LadderCheck
from panel_app.core.services.ladders import LadderVersion
from panel_app.gui.models.records import RecordColumn


@dataclass
class CaseLadder:
    """What the tab shows, fetched together on the worker."""

    version: LadderVersion | None
    check: LadderCheck
    evidence: list[Evidence]
    checks: list[LadderCheck]
    documents: list[DocumentInfo]
    people: list[tuple[str, str]] = field(default_factory=list)
    user_name: str = ""


def fetch_case_ladder(s: Any, case_id: str, action: str, on: str) -> CaseLadder:
    ladders = s.ladders
    return CaseLadder(ladders.current(), ladders.check(case_id, action, on or None),
                      ladders.list_evidence(case_id), ladders.list_checks(case_id),
                      list(s.get_case(case_id).documents),
                      [(p.name, p.role) for p in s.list_people()], s.user_name)


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    step: str  # "1. Pastoral Support Plan"
    item: str
    number: int = 0  # the step's place in the ladder; 0 when it has left the ladder


def evidence_rows(ladder: Ladder | None, evidence: list[Evidence]) -> list[EvidenceRow]:
    rows = []
    for ev in evidence:
        found = ladder.step_by_key(ev.step_key) if ladder else None
        step = f"{found[0] + 1}. {found[1].name}" if found else f"{ev.step_key} (not in ladder)"
        item = found[1].item(ev.kind) if found else None
        rows.append(EvidenceRow(ev, step, item.label if item else ev.kind,
                                found[0] + 1 if found else 0))
    return rows


def _verified(e: Evidence) -> str:
    if not e.verified or e.verified_at is None:
        return "Not verified"
    role = f" ({e.verified_role})" if e.verified_role else ""
    return f"✔ {e.verified_by}{role}, {format_uk(e.verified_at.date())}"


def _date(d: date | None) -> str:
    return format_uk(d) if d else ""


EVIDENCE_COLUMNS = (
    RecordColumn("Step", lambda r: str(r.number) if r.number else "not in ladder",
                 lambda r: r.number),
    RecordColumn("Item", lambda r: r.item),
    RecordColumn("Started", lambda r: _date(r.evidence.started_on),
                 lambda r: r.evidence.started_on.isoformat()),
    RecordColumn("Ended", lambda r: _date(r.evidence.ended_on),
                 lambda r: r.evidence.ended_on.isoformat() if r.evidence.ended_on else ""),
    RecordColumn("Outcome", lambda r: outcome_label(r.evidence.outcome)),
    RecordColumn("Verified", lambda r: _verified(r.evidence)),
    RecordColumn("Documents", lambda r: ", ".join(d.filename for d in r.evidence.documents)
                 or "none", lambda r: len(r.evidence.documents)),
)
