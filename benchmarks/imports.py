"""Benchmark imports: a 10,000-row MIS CSV and a 1,000-pupil Common Transfer File.

Run by hand (not in CI); it prints figures and asserts nothing about timing::

    python benchmarks/imports.py                      # 10,000 CSV rows, 1,000 CTF pupils
    python benchmarks/imports.py --rows 2000 --pupils 200

In a temporary folder it creates an invented, encrypted partnership (12 member schools),
then generates (fixed seed, invented names and valid UPNs):

- a CSV as a partnership-wide MIS export (and one a tenth the size of new pupils, imported
  last, on top of everything): UPN, Legal Forename, Legal Surname, DOB (dd/mm/
  yyyy), NC Year, Gender, SEN Provision (N/K/E), FSM, Pupil Premium, EAL, CLA, School,
  Attendance %;
- a CTF of ``--pupils`` pupils with SEN, FSM history, three years of attendance, one or two
  exclusions each for a third of them, and the blocks the import leaves out (address,
  contacts, assessments).

For each file it times, through ``session.imports`` exactly as the CLI runs it: the preview
(read, map, convert, check, match), the import (one transaction), a re-import of the same
file (everything unchanged) and a re-import with one row in ten changed; and it reads the
process's resident memory (VmRSS, and the peak VmHWM) after each step. Everything is
removed afterwards.
"""

from __future__ import annotations

import argparse
import csv
import io
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from keyring.backends import fail

from panel_app.core.domain.upn import make_upn
from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, create_partnership
from panel_app.core.services.session import PartnershipSession

SEED = 2026
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
FIRST = ["Ann", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jack",
         "Kai", "Lily", "Mo", "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sam", "Tia", "Zoë"]
LAST = ["Ashworth", "Begum", "Clarke", "Dunn", "Evans", "Fox", "Green", "Hussain", "Ince",
        "Jones", "Khan", "Lee", "Moss", "Nowak", "O'Neill", "Patel", "Reid", "Shaw", "Tran"]


def rss() -> dict[str, float]:
    """VmRSS / VmHWM in MiB (ru_maxrss where /proc is absent)."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["VmHWM"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
        out["VmRSS"] = out["VmHWM"]
    return out


def partnership(folder: Path) -> PartnershipSession:
    session = create_partnership(
        folder / "bench.panel", "Benchmark PMG", "benchmark passphrase",
        keyring=KeyringStore(fail.Keyring()), clock=FixedClock(NOW), user_name="Clerk",
        kdf=KdfParams(time_cost=1, memory_cost=1024, parallelism=1)).session
    rng = random.Random(SEED)
    for n in range(12):
        session.add_school(f"School {n + 1:02d} Academy", urn=f"9001{n:02d}",
                           roll=rng.randrange(600, 1800), fsm_count=rng.randrange(80, 500),
                           short_code=f"S{n + 1:02d}")
    return session


def dob_for(year_group: int, rng: random.Random) -> date:
    start = date(2026 - year_group - 5, 9, 1)
    return start + timedelta(days=rng.randrange(365))


def csv_file(path: Path, rows: int, *, changed_every: int = 0, first: int = 0) -> None:
    rng = random.Random(SEED + first)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["UPN", "Legal Forename", "Legal Surname", "DOB", "NC Year", "Gender",
                     "SEN Provision", "FSM", "Pupil Premium", "EAL", "CLA", "School",
                     "Attendance %"])
    for n in range(first, first + rows):
        year = rng.randrange(7, 12)
        row = [make_upn(823, 4100 + n // 1000, 2014, n % 1000), rng.choice(FIRST),
               rng.choice(LAST), dob_for(year, rng).strftime("%d/%m/%Y"), year,
               rng.choice("MF"), rng.choice("NNNNKKE"), rng.choice("NNNY"), rng.choice("NY"),
               rng.choice("NNNY"), rng.choice("NNNNNNNNNY"), f"S{n % 12 + 1:02d}",
               f"{rng.uniform(70, 100):.1f}"]
        if changed_every and n % changed_every == 0:  # the same rows, one in ten changed
            row[7], row[12] = ("N" if row[7] == "Y" else "Y"), "12.5"
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def ctf_file(path: Path, pupils: int, *, changed_every: int = 0) -> None:
    rng = random.Random(SEED + 1)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<!-- INVENTED benchmark data -->\n'
             "<CTfile><Header><DocumentName>Common Transfer File</DocumentName>"
             "<CTFversion>23.0</CTFversion><SourceSchool><LEA>823</LEA><Estab>4100</Estab>"
             "<URN>900100</URN><SchoolName>School 01 Academy</SchoolName></SourceSchool>"
             "</Header><CTFpupilData>"]
    for n in range(pupils):
        year = rng.randrange(7, 12)
        born = dob_for(year, rng).isoformat()
        sen = rng.choice("NNNNKKE")
        unauth = rng.randrange(0, 30)
        if changed_every and n % changed_every == 0:  # the same pupils, one in ten changed
            unauth = 40
        exclusions = ""
        if n % 3 == 0:
            exclusions = ("<Exclusions><Exclusion><StartDate>2026-10-0"
                          f"{rng.randrange(1, 9)}</StartDate><Category>FIXD</Category>"
                          f"<Reason>PD</Reason><Sessions>{rng.randrange(1, 6)}</Sessions>"
                          "</Exclusion>")
            if n % 9 == 0:
                exclusions += ("<Exclusion><StartDate>2025-05-12</StartDate><Category>FIXD"
                               "</Category><Reason>VA</Reason><Days>1</Days></Exclusion>")
            exclusions += "</Exclusions>"
        years = "".join(
            f"<YearData><Year>{y}</Year><LEA>823</LEA><Estab>4100</Estab><URN>900100</URN>"
            f"<SessionsPossible>{380 if y < 2026 else 100}</SessionsPossible>"
            f"<SessionsAuthorised>{rng.randrange(0, 20)}</SessionsAuthorised>"
            f"<SessionsUnauthorised>{unauth if y == 2026 else 3}</SessionsUnauthorised>"
            "</YearData>" for y in (2024, 2025, 2026))
        parts.append(
            f"<Pupil><UPN>{make_upn(823, 4100, 2015, n)}</UPN><Surname>{rng.choice(LAST)}"
            f"</Surname><Forename>{rng.choice(FIRST)}</Forename><DOB>{born}</DOB>"
            f"<Gender>{rng.choice('MF')}</Gender><BasicDetails><NCyearActual>{year}"
            "</NCyearActual><Ethnicity>WBRI</Ethnicity></BasicDetails>"
            "<LookedAfter><InCare>false</InCare></LookedAfter>"
            f"<SENhistory><SEN><StartDate>2022-09-01</StartDate><SENprovision>{sen}"
            "</SENprovision></SEN><SENneeds><SENneed><SENtype>SEMH</SENtype><SENrank>1"
            "</SENrank></SENneed></SENneeds></SENhistory>"
            "<FSMhistory><FSMinstance><FSMstartDate>2023-01-09</FSMstartDate></FSMinstance>"
            "</FSMhistory><Address><PostCode>ZZ99 9ZZ</PostCode></Address><Contacts>"
            "<Contact><Surname>Parent</Surname></Contact></Contacts>"
            f"<Attendance>{years}</Attendance>{exclusions}"
            "<StageAssessments><KeyStage><Stage>KS2</Stage></KeyStage></StageAssessments>"
            "</Pupil>")
    parts.append("</CTFpupilData></CTfile>\n")
    path.write_text("".join(parts), encoding="utf-8")


def timed(label: str, fn: Callable[[], Any], results: list[tuple[str, float, str, float]]
          ) -> Any:
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    mem = rss()
    results.append((label, elapsed, f"{mem.get('VmRSS', 0):.0f}", mem.get("VmHWM", 0)))
    return value


def run(kind: str, size: int, folder: Path) -> list[tuple[str, float, str, float]]:
    results: list[tuple[str, float, str, float]] = []
    session = partnership(folder)
    imports = session.imports
    first, second = folder / f"first.{kind}", folder / f"changed.{kind}"
    if kind == "csv":
        first, second = first.with_suffix(".csv"), second.with_suffix(".csv")
        csv_file(first, size)
        csv_file(second, size, changed_every=10)

        def preview(p: Path) -> Any:
            return imports.preview_csv(p)
    else:
        first, second = first.with_suffix(".xml"), second.with_suffix(".xml")
        ctf_file(first, size)
        ctf_file(second, size, changed_every=10)

        def preview(p: Path) -> Any:
            return imports.preview_ctf(p)
    results.append((f"file size {first.stat().st_size / 1e6:.1f} MB", 0.0, "", 0.0))
    p = timed("preview (read, map, check, match)", lambda: preview(first), results)
    r = timed("import, one transaction", lambda: imports.apply(p), results)
    results.append((f"  -> {r.message}", 0.0, "", 0.0))
    p = timed("re-import same file: preview", lambda: preview(first), results)
    r = timed("re-import same file: apply", lambda: imports.apply(p), results)
    results.append((f"  -> {r.message}", 0.0, "", 0.0))
    p = timed("re-import, 1 in 10 changed: preview", lambda: preview(second), results)
    r = timed("re-import, 1 in 10 changed: apply", lambda: imports.apply(p), results)
    results.append((f"  -> {r.message}", 0.0, "", 0.0))
    if kind == "csv":  # another school's export on top: the change log is large now
        more = folder / "more.csv"
        csv_file(more, max(1, size // 10), first=size)
        p = timed("another 1/10 new pupils: preview", lambda: preview(more), results)
        r = timed("another 1/10 new pupils: apply", lambda: imports.apply(p), results)
        results.append((f"  -> {r.message}", 0.0, "", 0.0))
    counts = session.repo.counts()
    results.append((f"  database: {counts['pupils']:,} pupils, {counts['cases']:,} cases, "
                    f"{counts['changes']:,} change-log rows, {counts['audit_log']:,} audit "
                    "entries", 0.0, "", 0.0))
    session.lock()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="CSV rows")
    parser.add_argument("--pupils", type=int, default=1_000, help="CTF pupils")
    args = parser.parse_args()
    print(f"Partnership Panel import benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {platform.machine()}, {platform.platform()}; Python "
          f"{platform.python_version()}")
    print(f"memory at start: VmRSS {rss().get('VmRSS', 0):.0f} MiB")
    for kind, size in (("csv", args.rows), ("ctf", args.pupils)):
        folder = Path(tempfile.mkdtemp(prefix=f"panel-bench-{kind}-"))
        try:
            what = f"{size:,}-row MIS CSV" if kind == "csv" else f"{size:,}-pupil CTF"
            print(f"\n=== {what} ===")
            print(f"{'step':<44}{'seconds':>9}{'VmRSS MiB':>11}{'VmHWM MiB':>11}")
            for label, secs, mem, peak in run(kind, size, folder):
                if not mem:
                    print(label)
                else:
                    print(f"{label:<44}{secs:>9.2f}{mem:>11}{peak:>11.0f}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    _ = UTC


if __name__ == "__main__":
    main()
