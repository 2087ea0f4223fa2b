"""Helpers for the ladder, evidence and calendar tests (fixtures are in tests/conftest.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from panel_app.core.rules.ladder import LadderCheck
from panel_app.core.services import PartnershipSession
from tests.core.util import case_values

TABLES = (
    "changes",
    "audit_log",
    "ladders",
    "ladder_versions",
    "evidence",
    "evidence_documents",
    "ladder_checks",
    "calendar_terms",
    "documents",
)


def state(session: PartnershipSession) -> dict[str, int]:
    """Row counts of every table a ladder write can touch: equal before and after means
    nothing was stored."""
    return {
        t: int(session.db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES
    }


def new_case(
    session: PartnershipSession, first: str = "Ada", last: str = "Quill", serial: int = 1
) -> str:
    return session.create_case(case_values(first, last, serial=serial)).case.id


def with_preset(session: PartnershipSession, preset: str) -> str:
    """Load ``preset`` and return a fresh case id."""
    session.ladders.load_preset(preset)
    return new_case(session)


def add(
    session: PartnershipSession,
    case_id: str,
    step: str,
    kind: str,
    start: date,
    end: date | None = None,
    **kw: Any,
) -> str:
    return session.ladders.add_evidence(
        case_id, step=step, kind=kind, started_on=start, ended_on=end, **kw
    ).evidence.id


def doc(name: str = "plan.pdf") -> list[tuple[str, bytes]]:
    return [(name, b"%PDF-1.4 invented test document")]


def codes(check: LadderCheck) -> set[str]:
    out = {r.code for r in check.reasons}
    for step in check.steps:
        out |= {r.code for r in step.all_reasons()}
    return out


def step_status(check: LadderCheck) -> list[str]:
    return [s.status for s in check.steps]


def reasons_of(check: LadderCheck, code: str) -> list[Any]:
    out = [r for r in check.reasons if r.code == code]
    for step in check.steps:
        out += [r for r in step.all_reasons() if r.code == code]
    return out
