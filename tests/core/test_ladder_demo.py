"""The demo partnership's ladder, calendar and evidence histories."""

from __future__ import annotations

from collections import Counter

from panel_app.core.domain.models import CaseFilter
from panel_app.core.services.demo import build_demo
from tests.conftest import FAST_KDF


def test_demo_has_cases_met_partly_met_and_missing(tmp_path, no_keyring, clock):
    created = build_demo(tmp_path / "demo.panel", keyring=no_keyring, kdf=FAST_KDF, clock=clock)
    s = created.session
    try:
        assert s.ladders.current().ladder.preset == "lincolnshire"
        assert s.calendar.stored_years() == [2025, 2026]
        verdicts: dict[str, Counter[str]] = {"ap-place": Counter(), "managed-move": Counter()}
        overridden = []
        for row in s.list_cases(CaseFilter()).rows:
            for action, counter in verdicts.items():
                counter[s.ladders.check(row.id, action).verdict] += 1
            overridden += [c for c in s.ladders.list_checks(row.id) if c.overridden]
        for action, counter in verdicts.items():
            assert counter["met"] >= 3 and counter["partly_met"] >= 5, (action, counter)
            assert counter["missing"] >= 10, (action, counter)
        assert len(overridden) == 1 and overridden[0].action == "managed-move"
        assert overridden[0].override.by == "Ruth Kendal"
        # the same seed builds the same evidence
        again = build_demo(tmp_path / "again.panel", keyring=no_keyring, kdf=FAST_KDF, clock=clock)
        try:
            for first, same in zip(
                s.list_cases(CaseFilter(sort="name")).rows,
                again.session.list_cases(CaseFilter(sort="name")).rows,
                strict=True,
            ):
                assert first.name == same.name  # case references are random, names are not
                assert [(e.kind, e.started_on) for e in s.ladders.list_evidence(first.id)] == [
                    (e.kind, e.started_on) for e in again.session.ladders.list_evidence(same.id)
                ]
        finally:
            again.session.lock()
    finally:
        s.lock()
