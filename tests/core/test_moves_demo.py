"""The demo partnership's moves, placements, proposals and quota years: two years of
history, a quota year set up like South Rotherham, proposals in most lifecycle states and
the next meeting's agenda listing them."""

from __future__ import annotations

from panel_app.core.services.demo import build_demo
from tests.conftest import FAST_KDF


def test_demo_has_two_years_of_moves_placements_and_a_south_rotherham_quota(
        tmp_path, no_keyring, clock):
    s = build_demo(tmp_path / "demo.panel", keyring=no_keyring, kdf=FAST_KDF,
                   clock=clock).session
    try:
        this_year = s.quotas.report()
        y = this_year.year
        assert (y.label, y.places, y.cost_per_place, y.funded_places) == (
            "2026/27", 30, 1_750_000, 36)
        assert y.envelope == 63_000_000 and this_year.committed == 52_500_000
        assert sum(y.allocations.values()) == 30 and len(y.allocations) == 7
        # Last year bought 12 places and went over them: a deduction carried into this year.
        assert this_year.deduction is not None and this_year.deduction_amount > 0
        assert this_year.charges == 1_750_000  # one exclusion made outside the panel
        assert this_year.left == (63_000_000 - this_year.deduction_amount - 52_500_000
                                  + 1_750_000)
        assert 0 < this_year.in_use <= 30
        placements = s.placements.list_placements()
        starts = {p.start.year for p in placements}
        assert len(placements) >= 20 and {2025, 2026} <= starts
        assert any(p.outcome for p in placements) and any(not p.ended_on for p in placements)
        moves = s.moves.list_moves()
        assert len(moves) >= 12 and {m.start.year for m in moves} >= {2025, 2026}
        stats = s.moves.stats()
        assert stats.ended >= 10 and stats.rates["converted"].numerator >= 5
        assert all(m.attendees for m in moves)  # admission meetings recorded
        board = s.proposals.board()
        filled = {state for state, n in board.counts.items() if n}
        assert {"draft", "on_agenda", "active", "closed"} <= filled
        assert s.moves.labels()["off-site-direction"] == "Managed move (dual registered)"
        upcoming = s.meetings.list_meetings(upcoming=True)[0]
        agenda = s.meetings.agenda(upcoming)
        entities = {i.entity for i in agenda}
        assert {"proposal", "quota"} <= entities and entities & {"move", "placement"}
        assert any(i.section == "fair_access" and i.entity == "proposal" for i in agenda)
        turn = s.moves.whose_turn(9)
        assert len(turn) == 7
    finally:
        s.lock()
