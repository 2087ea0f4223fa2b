"""Benchmark the minutes PDF: a 40-item meeting against a bare reportlab document.

Run by hand (not in CI); it prints figures and asserts nothing about timing::

    python benchmarks/minutes.py               # 40 items, median of 5 runs
    python benchmarks/minutes.py --items 60 --runs 9

It builds an invented partnership in a temporary folder (encrypted, as the app stores
it): 40 cases referred to one meeting, the agenda built from the data, attendance, a
decision with a rationale on every item and an action for each, then times

1. ``minutes_document`` (reading the meeting into the minutes data),
2. ``render_minutes`` for the members' copy and the circulation copy (which also reads
   every pupil's identity to scrub free text),

and, for comparison, a bare reportlab document (built-in Helvetica, no embedded font,
no tables, no "page x of y" second pass) with the same number of pages, each page one
paragraph of similar text. Everything is removed afterwards.
"""

from __future__ import annotations

import argparse
import io
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keyring.backends import fail
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from panel_app.core.domain.upn import make_upn
from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, create_partnership
from panel_app.core.services.session import PartnershipSession

FIRST = ["Aiden", "Bella", "Callum", "Darcy", "Ellis", "Freya", "Zoë", "Siobhán"]
LAST = ["Ashdown", "Blakemore", "Crawshaw", "Ñúñez", "Eckersley", "Ó Súilleabháin"]
RATIONALE = ("The referring school showed the earlier steps of the ladder: a pastoral "
             "support plan reviewed twice, outreach for twenty weeks with an exit report, "
             "and the family's agreement. The receiving school can meet the need. ")


def build(folder: Path, items: int) -> tuple[PartnershipSession, str]:
    clock = FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    session = create_partnership(
        folder / "bench.panel", "Benchmark PMG", "benchmark passphrase",
        keyring=KeyringStore(fail.Keyring()), clock=clock, user_name="Clerk",
        kdf=KdfParams(time_cost=1, memory_cost=1024, parallelism=1)).session
    schools = []
    for n in range(5):
        school, _ = session.add_school(f"School {n + 1} Academy", urn=f"9001{n:02d}",
                                       roll=1000, fsm_count=200)
        schools.append(school)
        session.add_person(f"Lead {n + 1}", role="vice principal", school_id=school.id)
    session.add_person("Clerk Person", role="clerk")
    m = session.meetings
    for n in range(items):
        case = session.create_case({
            "first_name": FIRST[n % len(FIRST)], "last_name": f"{LAST[n % len(LAST)]}{n}",
            "dob": "01/12/2012", "upn": make_upn(900, 1001, 2020, n + 1), "year_group": "Y9",
            "home_school_id": schools[n % 5].id}).case
        m.refer_case(case.case_ref, category="AP place", on="02/11/2026",
                     summary="The school asks the panel for an AP place.")
    mid = m.add_meeting("10/11/2026", venue=schools[0].id, chair="Lead 1",
                        clerk="Clerk Person").id
    m.build_agenda(mid)
    m.record_attendance(mid, present=[f"Lead {n + 1}" for n in range(5)])
    for item in m.agenda(mid):
        if item.entity != "referral":
            continue
        m.decide(mid, item.position, "approved_with_conditions", votes=(4, 1, 0),
                 conditions="Twelve weeks, reviewed at week six.", rationale=RATIONALE * 2)
        m.add_action(mid, "Arrange the admission meeting with the family and both schools",
                     owner=f"Lead {item.position % 5 + 1}", due_on="24/11/2026",
                     item=item.position)
    return session, mid


def bare(pages: int) -> bytes:
    styles = getSampleStyleSheet()
    story = []
    for n in range(pages):
        story.append(Paragraph(f"Page {n + 1}. " + RATIONALE * 12, styles["BodyText"]))
        if n + 1 < pages:
            story.append(PageBreak())
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, invariant=1).build(story)
    return out.getvalue()


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    result = fn()  # warm-up (font loading, first import)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pages_of(data: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="minutes-bench-"))
    try:
        t0 = time.perf_counter()
        session, mid = build(folder, args.items)
        setup = time.perf_counter() - t0
        m = session.meetings
        items = len(m.agenda(mid))
        t_doc, _ = median_time(lambda: m.minutes_document(mid), args.runs)
        t_members, members = median_time(lambda: m.render_minutes(mid), args.runs)
        t_circ, circ = median_time(lambda: m.render_minutes(mid, circulation=True), args.runs)
        assert isinstance(members, bytes) and isinstance(circ, bytes)
        pages = pages_of(members)
        t_bare, plain = median_time(lambda: bare(pages), args.runs)
        assert isinstance(plain, bytes)
        session.lock()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Minutes benchmark: {args.items} referred cases, {items} agenda items, "
          f"median of {args.runs} runs")
    print(f"Python {platform.python_version()} on {platform.machine()}; "
          f"setup (encrypted database, data) {setup:.2f} s\n")
    rows = [
        ("minutes data (minutes_document)", t_doc, "", ""),
        ("minutes PDF, members' copy", t_members, pages_of(members), len(members)),
        ("minutes PDF, circulation copy", t_circ, pages_of(circ), len(circ)),
        ("bare reportlab, same page count", t_bare, pages_of(plain), len(plain)),
    ]
    print(f"{'':36}{'time':>10}{'pages':>8}{'bytes':>10}{'ms/page':>10}")
    for label, seconds, n, size in rows:
        per = f"{1000 * seconds / n:.1f}" if n else ""
        print(f"{label:36}{seconds * 1000:>8.1f}ms{n!s:>8}{size!s:>10}{per:>10}")
    print(f"\nmembers' copy / bare document: {t_members / t_bare:.1f}x the time "
          "(embedded font subsetting, tables, the page x of y pass)")


if __name__ == "__main__":
    main()
