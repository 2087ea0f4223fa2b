"""Benchmark the quota report and the proposals board at 100k cases / 20k proposals.

Run by hand (not in CI); it prints figures and asserts nothing about timing::

    python benchmarks/quotas.py                            # 100k cases, 20k proposals
    python benchmarks/quotas.py --cases 10000 --proposals 2000 --runs 9

It builds an invented partnership in a temporary folder (encrypted, as the app stores
it): 12 member schools, one pupil per case, proposals of every kind spread over the
lifecycle states, AP placements over two school years (some ongoing, some planned) and
a quota year for each (South Rotherham's figures: 30 places at 17,500 GBP from 630,000).
The bulk rows are inserted with ``executemany`` in one transaction (the benchmark data
need no change log); the quota years go through the facade. Then, median of ``--runs``
after one warm-up, it times what the app runs:

1. ``quotas.report`` (usage, place-weeks on the school calendar, money, forecast, the
   carry-over from the previous year, weekly occupancy) and ``quota_snapshot`` (what
   the agenda and minutes show);
2. ``proposals.board`` with no filter (every card), one page per state (50 cards), a
   school filter and a kind filter;
3. ``proposals.agenda_entries`` (what building an agenda pulls in) and ``moves.due``.

Everything is removed afterwards.
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keyring.backends import fail

from panel_app.core.domain.proposals import BOARD_ORDER, BoardFilter
from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, create_partnership
from panel_app.core.services.session import PartnershipSession

SEED = 2026
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
KINDS = ["ap-place"] * 5 + ["managed-move"] * 5 + ["fair-access"] * 2 + [
    "rescind-px", "challenge-px", "other"]
STATES = {"draft": 2, "submitted": 2, "on_agenda": 1, "decided": 2, "active": 2,
          "under_review": 1, "closed": 10}
OUTCOMES = ["approved", "approved_with_conditions", "declined", "deferred", "more_evidence"]


def _id() -> str:
    return uuid.uuid4().hex


def build(folder: Path, cases: int, proposals: int, placements: int
          ) -> PartnershipSession:
    rng = random.Random(SEED)
    clock = FixedClock(NOW)
    session = create_partnership(
        folder / "bench.panel", "Benchmark PMG", "benchmark passphrase",
        keyring=KeyringStore(fail.Keyring()), clock=clock, user_name="Clerk",
        kdf=KdfParams(time_cost=1, memory_cost=1024, parallelism=1)).session
    schools = []
    for n in range(12):
        school, _ = session.add_school(f"School {n + 1:02d} Academy", urn=f"9001{n:02d}",
                                       roll=rng.randrange(600, 1800),
                                       fsm_count=rng.randrange(80, 500))
        schools.append(school.id)
    stamp = NOW.isoformat()
    pupils, case_rows = [], []
    for n in range(cases):
        pid, cid = _id(), _id()
        year_group = rng.randrange(7, 12)
        pupils.append((pid, f"First{n}", f"Last{n}", f"20{13 - year_group + 7:02d}-12-01",
                       year_group, rng.choice(schools), stamp, f"first{n} last{n}"))
        case_rows.append((cid, pid, f"C-{n:07d}", "open" if rng.random() < 0.6 else "closed",
                          "2025-09-08", stamp, stamp))
    first_day, last_day = date(2025, 9, 1), date(2027, 7, 20)
    span_days = (last_day - first_day).days
    proposal_rows, move_rows, placement_rows = [], [], []
    state_pool = [s for s, w in STATES.items() for _ in range(w)]
    for n in range(proposals):
        case_id, pupil = case_rows[n % cases][0], pupils[n % cases]
        kind = rng.choice(KINDS)
        state = rng.choice(state_pool)
        submitted = first_day + timedelta(days=rng.randrange(0, 440))
        outcome = rng.choice(OUTCOMES) if state in ("decided", "closed") else (
            "approved" if state in ("active", "under_review") else "")
        receiving = rng.choice([s for s in schools if s != pupil[5]]) if kind in (
            "managed-move", "fair-access") else None
        proposal_rows.append((
            _id(), case_id, kind, state, f"Proposal {n}", pupil[5], receiving,
            "new-arrival" if kind == "fair-access" else "", pupil[4],
            None if state == "draft" else submitted.isoformat(), outcome,
            submitted.isoformat() if outcome else None, stamp,
            (NOW - timedelta(minutes=n)).isoformat()))
        if kind == "managed-move" and state in ("active", "under_review", "closed"):
            start = submitted + timedelta(days=7)
            move_rows.append((_id(), case_id, pupil[5], receiving, start.isoformat(),
                              (start + timedelta(days=42)).isoformat(),
                              f'["{(start + timedelta(days=14)).isoformat()}"]', stamp, stamp))
    for n in range(placements):
        case_id, pupil = case_rows[(n * 7) % cases][0], pupils[(n * 7) % cases]
        start = first_day + timedelta(days=rng.randrange(0, span_days - 60))
        end = start + timedelta(days=rng.choice([112, 140, 280]))
        ended = end if end < NOW.date() else None
        placement_rows.append((_id(), case_id, "pru", "Bench PRU", pupil[5],
                               start.isoformat(), end.isoformat(),
                               ended.isoformat() if ended else None,
                               "reintegrated" if ended else "", stamp, stamp))
    db = session.db
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO pupils (id, first_name, last_name, dob, year_group, home_school_id, "
            "updated_at, search_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", pupils)
        db.conn.executemany(
            "INSERT INTO cases (id, pupil_id, case_ref, status, opened_on, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", case_rows)
        db.conn.executemany(
            "INSERT INTO proposals (id, case_id, kind, state, title, school_id, "
            "receiving_school_id, fair_access_reason, year_group, submitted_on, "
            "decision_outcome, decided_on, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", proposal_rows)
        db.conn.executemany(
            "INSERT INTO moves (id, case_id, home_school_id, receiving_school_id, start_on, "
            "planned_end, review_dates, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", move_rows)
        db.conn.executemany(
            "INSERT INTO placements (id, case_id, provider_type, provider_name, school_id, "
            "start_on, planned_end, ended_on, outcome, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", placement_rows)
    for year in (2025, 2026):
        session.quotas.set_year(year, places=30, cost_per_place="17,500", funded_places=36,
                                formula="roll-fsm", roll_weight=0.5, fsm_weight=0.5)
    return session


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--proposals", type=int, default=20_000)
    parser.add_argument("--placements", type=int, default=4_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="quotas-bench-"))
    try:
        t0 = time.perf_counter()
        s = build(folder, args.cases, args.proposals, args.placements)
        setup = time.perf_counter() - t0
        school = s.list_schools()[3]
        upcoming = s.meetings.add_meeting("24/11/2026").id
        meeting = s.meetings.get_meeting(upcoming)
        cutoff = s.meetings.cutoff(meeting)
        timings: list[tuple[str, float, str]] = []

        def timed(label: str, fn: Callable[[], Any], describe: Callable[[Any], str]) -> None:
            ms, result = median_ms(fn, args.runs)
            timings.append((label, ms, describe(result)))

        timed("quota report 2026/27", lambda: s.quotas.report(2026),
              lambda r: f"{len(r.schools)} schools, {r.in_use} in use, "
                        f"{r.forecast_place_weeks:.0f} place-weeks forecast, "
                        f"carry-over {r.deduction_amount / 100:,.0f} GBP")
        timed("quota snapshot (agenda, minutes)", lambda: s.quota_snapshot(date(2026, 11, 24)),
              lambda snap: f"{len(snap.rows)} rows")
        timed("board, every card", lambda: s.proposals.board(),
              lambda b: f"{sum(len(c) for c in b.columns.values())} cards")
        timed("board, 50 cards per state",
              lambda: s.proposals.board(BoardFilter(limit_per_state=50)),
              lambda b: f"{sum(len(c) for c in b.columns.values())} cards, "
                        f"{b.total} counted")
        timed("board, one school", lambda: s.proposals.board(BoardFilter(
            school_id=school.id, limit_per_state=50)), lambda b: f"{b.total} counted")
        timed("board, one kind, open only", lambda: s.proposals.board(BoardFilter(
            kind="ap-place", include_closed=False, limit_per_state=50)),
            lambda b: f"{b.total} counted")
        timed("agenda entries (build_agenda)",
              lambda: s.proposals.agenda_entries(meeting, cutoff),
              lambda e: f"{len(e)} proposals")
        timed("moves and placements due", lambda: s.moves.due(),
              lambda f: f"{len(f)} flags")
        counts = s.proposals.board().counts
        s.lock()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Quotas and proposals benchmark: {args.cases:,} cases, {args.proposals:,} "
          f"proposals, {args.placements:,} placements; median of {args.runs} runs")
    print(f"Python {platform.python_version()} on {platform.machine()}; setup (encrypted "
          f"database, bulk rows) {setup:.1f} s")
    print("Proposals by state: " + ", ".join(f"{k} {counts[k]:,}" for k in BOARD_ORDER)
          + "\n")
    for label, ms, note in timings:
        print(f"{label:36}{ms:>9.1f} ms   {note}")


if __name__ == "__main__":
    main()
