"""Benchmark the encrypted store against plain SQLite on the same schema.

Run by hand (not in CI); it prints figures and asserts nothing about timing::

    python benchmarks/store.py                       # 1k, 10k and 100k cases
    python benchmarks/store.py --sizes 1000,10000 --runs 5

For each size and each store (SQLCipher through ``panel_app.core.storage`` and the
standard library's ``sqlite3``), a child process

1. generates the same invented partnership (fixed seed): schools, one pupil per case,
   names drawn at random from short lists, valid-format UPNs, short free text;
2. creates the schema with the real ``panel_app.core.storage.schema.migrate`` (for plain
   SQLite, through a ``sqlite_utils.Database`` over a stdlib connection, with the same
   pragmas ``connect_raw`` sets, key excepted);
3. times the bulk insert of pupils and cases in one transaction (``executemany``);
4. closes the file and times opening it again: for the encrypted store the key-file
   unwrap with the default Argon2id parameters, then ``open_database`` (which runs the
   verifying read); for plain SQLite the connect, the same verifying read and pragmas;
5. times the case list as the app runs it (``core.services.case_index.CaseIndex``):
   building the index (the first query after unlock), then each filter as one page of
   ``--limit`` rows (default 200, what the window asks for; median of ``--runs`` after
   one warm-up), and a refresh after one case is edited;
6. reads the process's resident memory (VmRSS, /proc/self/status) after the queries,
   with the largest result still held.

Each store/size runs in its own process so memory figures do not leak into each other.
Everything is written under a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "benchmark passphrase 1"
SEED = 2026

FIRST_NAMES = [
    "Ashley", "Sasha", "Jordan", "Riley", "Morgan", "Casey", "Alex", "Sam", "Taylor",
    "Jamie", "Charlie", "Robin", "Logan", "Harper", "Ellis", "Rowan", "Kai", "Noor",
    "Zain", "Priya", "Tomasz", "Mei", "Leon", "Freya", "Isla", "Amir", "Kofi", "Elif",
    "Dara", "Finn",
]
LAST_NAMES = [
    "Ashworth", "Nash", "Rashid", "Bennett", "Okafor", "Novak", "Patel", "Hughes",
    "Kowalski", "Murphy", "Evans", "Singh", "Brooks", "Fletcher", "Khan", "Doyle",
    "Price", "Reid", "Walsh", "Marsh", "Hale", "Quinn", "Lowe", "Fenwick",
]
SCHOOLS = [
    "Northgate Academy", "Riverside High School", "St Brigid's Catholic College",
    "Hillcrest School", "Meadowbank Academy", "Castle Vale School", "Oakfield College",
    "Westmoor High", "The Beacon PRU", "Kingsway Academy", "Elm Park School",
    "Harbour View College",
]
SUMMARIES = [
    "Attendance has fallen since the spring half term; two suspensions for defiance.",
    "Referred after repeated internal exclusions; school requests a managed move.",
    "Settling well at the new school; mentor meets weekly and reports progress.",
    "Concerns about lateness and missed lessons; family engaged with early help.",
    "Part-time timetable agreed until the review; outreach support twice a week.",
]
VOICES = [
    "Says lessons are too noisy and would like a quiet space at break.",
    "Wants to stay with friends; finds maths hard and science enjoyable.",
    "Parent worried about the journey to school and asks for transport help.",
    "",
]
LEADS = ["R. Akhtar", "J. Morris", "T. Byrne", "L. Osei", "K. Duffy"]
SEN = ["none"] * 7 + ["SEN support"] * 2 + ["EHCP"]
NEEDS = ["", "SEMH", "ASD", "SLCN", "MLD", "ADHD (within SEMH)"]
SOCIAL = ["none"] * 6 + ["early help", "child in need", "child protection"]
RISKS = ["red"] * 15 + ["amber"] * 35 + ["green"] * 50  # percent
REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

PUPIL_COLUMNS = (
    "id", "first_name", "last_name", "dob", "upn", "gender", "year_group",
    "home_school_id", "sen_status", "primary_need", "fsm", "pupil_premium", "lac",
    "social_care", "eal", "young_carer", "youth_justice", "updated_at", "search_key",
)
CASE_COLUMNS = (
    "id", "pupil_id", "case_ref", "risk", "status", "opened_on", "closed_on", "summary",
    "attendance_pct", "suspensions", "suspension_days", "permanent_exclusions",
    "pupil_voice", "family_voice", "lead", "created_at", "updated_at", "closed_reason",
)


# -- data ------------------------------------------------------------------------------
def generate(size: int, seed: int) -> dict[str, list[tuple[Any, ...]]]:
    """The same invented partnership for both stores: schools, pupils, cases."""
    from panel_app.core.domain.upn import make_upn
    from panel_app.core.storage.repository import search_key

    rng = random.Random(seed)

    def rid() -> str:
        return uuid.UUID(int=rng.getrandbits(128), version=4).hex

    base = datetime(2026, 11, 1, 9, 0)
    schools = []
    for n, name in enumerate(SCHOOLS):
        code = "".join(w[0] for w in name.split() if w[:1].isalpha())[:4].upper()
        schools.append((rid(), name, f"{140100 + n:06d}", "secondary", 900 + 37 * n,
                        180 + 11 * n, code, 1, base.isoformat(timespec="microseconds")))
    refs: set[str] = set()
    pupils: list[tuple[Any, ...]] = []
    cases: list[tuple[Any, ...]] = []
    for i in range(size):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        year = rng.randint(7, 11)
        dob = date(2026 - year - 5, 9, 1) + timedelta(days=rng.randrange(365))
        upn = make_upn(rng.randint(200, 999), rng.randint(1000, 9999), rng.randint(10, 25),
                       i % 1000)
        school = rng.choice(schools)[0]
        pupil_id = rid()
        updated = (base - timedelta(minutes=rng.randrange(600_000))).isoformat(
            timespec="microseconds")
        pupils.append((
            pupil_id, first, last, dob.isoformat(), upn, rng.choice("FM"), year, school,
            rng.choice(SEN), rng.choice(NEEDS), rng.random() < 0.4, rng.random() < 0.45,
            rng.random() < 0.05, rng.choice(SOCIAL), rng.random() < 0.15,
            rng.random() < 0.05, rng.random() < 0.03, updated, search_key(first, last, upn),
        ))
        while True:
            ref = "C-" + "".join(rng.choice(REF_ALPHABET) for _ in range(6))
            if ref not in refs:
                refs.add(ref)
                break
        opened = date(2024, 9, 1) + timedelta(days=rng.randrange(800))
        closed = rng.random() < 0.4
        cases.append((
            rid(), pupil_id, ref, rng.choice(RISKS), "closed" if closed else "open",
            opened.isoformat(),
            (opened + timedelta(days=rng.randrange(30, 300))).isoformat() if closed else None,
            rng.choice(SUMMARIES), round(rng.uniform(40, 100), 1), rng.randrange(4),
            rng.randrange(8) / 2, 0, rng.choice(VOICES), rng.choice(VOICES),
            rng.choice(LEADS), updated, updated, "moved school" if closed else "",
        ))
    return {"schools": schools, "pupils": pupils, "cases": cases}


# -- measuring ---------------------------------------------------------------------------
def proc_status() -> dict[str, float]:
    """VmRSS / VmHWM in MiB from /proc/self/status; ru_maxrss where /proc is absent."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out["VmHWM"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return out


def median_ms(fn: Callable[[], Any], runs: int, warmup: int = 1) -> tuple[float, Any]:
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


class _Rows(list):  # type: ignore[type-arg]
    def fetchone(self) -> Any:
        return self[0] if self else None

    def fetchall(self) -> list[Any]:
        return list(self)


class _TimedConn:
    """Executes *and fetches* each statement, recording how long that took."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.log: list[tuple[str, list[Any], float]] = []

    def execute(self, sql: str, params: Any = ()) -> _Rows:
        t0 = time.perf_counter()
        rows = _Rows(self._conn.execute(sql, params).fetchall())
        self.log.append((sql, list(params), time.perf_counter() - t0))
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _TimedDb:
    def __init__(self, db: Any) -> None:
        self.conn = _TimedConn(db.conn)


def plain_connect(path: Path) -> sqlite3.Connection:
    """Stdlib sqlite3 with the verifying read and pragmas of ``connect_raw``."""
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    assert str(mode).lower() == "wal", mode
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def filters(school_id: str, limit: int | None = None) -> list[tuple[str, Any]]:
    """The list's filters; all but the first keep the default status=open."""
    from panel_app.core.domain.models import CaseFilter

    return [
        ("no filter, all statuses", CaseFilter(status=None, limit=limit)),
        ("default view (status=open)", CaseFilter(limit=limit)),
        ("text 'a' (1st keystroke)", CaseFilter(text="a", limit=limit)),
        ("text 'ash'", CaseFilter(text="ash", limit=limit)),
        ("school", CaseFilter(school_id=school_id, limit=limit)),
        ("risk=red", CaseFilter(risk="red", limit=limit)),
    ]


def worker(store: str, size: int, workdir: Path, runs: int, open_runs: int, seed: int,
           explain: bool, cache_mib: int | None, limit: int | None) -> dict[str, Any]:
    import sqlite_utils

    from panel_app.core.secrets.keyfile import KdfParams, KeyFile, key_file_path
    from panel_app.core.storage.connection import open_database
    from panel_app.core.storage.repository import Repository
    from panel_app.core.storage.schema import migrate

    res: dict[str, Any] = {"store": store, "size": size, "rss_start": proc_status()}
    data = generate(size, seed)
    path = workdir / f"bench-{store}-{size}.db"
    key = os.urandom(32)

    # create + schema (untimed)
    if store == "enc":
        keyfile = KeyFile.new(key_file_path(path), uuid.uuid4().hex)
        keyfile.set_passphrase(key, PASSPHRASE)  # default Argon2id params
        keyfile.save()
        db = open_database(path, key, create=True)
    else:
        db = sqlite_utils.Database(plain_connect(path), execute_plugins=False)
    migrate(db, path, key)
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO schools (id, name, urn, phase, roll, fsm_count, short_code, member, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data["schools"])

    # bulk insert, one transaction
    pupil_sql = (f"INSERT INTO pupils ({', '.join(PUPIL_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(PUPIL_COLUMNS))})")
    case_sql = (f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})")
    t0 = time.perf_counter()
    with db.atomic():
        db.conn.executemany(pupil_sql, data["pupils"])
        db.conn.executemany(case_sql, data["cases"])
    res["insert_s"] = time.perf_counter() - t0
    res["insert_rows"] = len(data["pupils"]) + len(data["cases"])
    school_id = data["schools"][3][0]
    del data
    db.close()
    res["file_mib"] = sum(p.stat().st_size for p in workdir.glob(path.name + "*")) / 2**20

    # open + unlock
    unwrap, opening, total = [], [], []
    for _ in range(open_runs):
        t0 = time.perf_counter()
        if store == "enc":
            data_key = KeyFile.load(key_file_path(path)).unwrap_with_passphrase(PASSPHRASE)
            t1 = time.perf_counter()
            db = open_database(path, data_key)  # connect, PRAGMA key, verifying read, pragmas
        else:
            t1 = t0
            db = sqlite_utils.Database(plain_connect(path), execute_plugins=False)
        t2 = time.perf_counter()
        unwrap.append(t1 - t0)
        opening.append(t2 - t1)
        total.append(t2 - t0)
        db.close()
    res["unwrap_ms"] = statistics.median(unwrap) * 1000
    res["open_ms"] = statistics.median(opening) * 1000
    res["open_total_ms"] = statistics.median(total) * 1000
    res["kdf"] = KdfParams().__dict__ if store == "enc" else None
    if store == "enc":
        db = open_database(path, key)
    else:
        db = sqlite_utils.Database(plain_connect(path), execute_plugins=False)
    res["sqlite_version"] = db.conn.execute("SELECT sqlite_version()").fetchone()[0]
    if cache_mib:  # what-if: the app itself leaves cache_size at SQLite's default
        db.conn.execute(f"PRAGMA cache_size = -{cache_mib * 1024}")
    res["cache_size"] = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    res["rss_open"] = proc_status()

    # case list: the session's CaseIndex (what the app uses), one page per query as the
    # GUI asks for it (--limit, default 200 rows); first query builds the index
    from panel_app.core.services.case_index import CaseIndex

    def now() -> datetime:
        return datetime.now()

    repo = Repository(db, site_id="bench", actor=lambda: "bench", now=now)
    index = CaseIndex(repo)
    t0 = time.perf_counter()
    from panel_app.core.domain.models import CaseFilter

    index.query(CaseFilter(limit=limit or 200))
    res["index_build_ms"] = (time.perf_counter() - t0) * 1000
    queries = []
    keep = None
    for label, flt in filters(school_id, limit or 200):
        ms, result = median_ms(functools.partial(index.query, flt), runs)
        if keep is None:
            keep = result
        queries.append({"label": label, "ms": ms, "rows": len(result.rows),
                        "total": result.total})
    # one case edited through the repository (logged), then the next keystroke
    case_id = keep.rows[0].id if keep and keep.rows else None
    if case_id:
        with db.atomic():
            repo.update("case", case_id, {"risk": "amber" if keep.rows[0].risk != "amber"
                                          else "red"})
        t0 = time.perf_counter()
        index.query(CaseFilter(text="ash", limit=limit or 200))
        res["refresh_ms"] = (time.perf_counter() - t0) * 1000
    else:
        res["refresh_ms"] = 0.0
    res["queries"] = queries
    res["rss_after"] = proc_status()
    del keep
    db.close()
    for leftover in workdir.glob(path.name + "*"):
        leftover.unlink()
    return res


# -- report ------------------------------------------------------------------------------
def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def report(size: int, enc: dict[str, Any], plain: dict[str, Any], runs: int,
           explain: bool) -> str:
    lines = [f"=== {size:,} cases ({size:,} pupils, 12 schools) ===", ""]
    w = 44
    head = f"{'':{w}} {'encrypted':>12} {'plain':>12} {'enc/plain':>10}"
    lines += [head, "-" * len(head)]

    def row(label: str, a: float, b: float | None, fmt: str = "{:.1f}",
            ratio: bool = True) -> None:
        sa = fmt.format(a)
        sb = "-" if b is None else fmt.format(b)
        r = _ratio(a, b) if ratio and b is not None else ""
        lines.append(f"{label:{w}} {sa:>12} {sb:>12} {r:>10}")

    row("open: key-file unwrap, Argon2id (ms)", enc["unwrap_ms"], None)
    row("open: open_database / connect + read (ms)", enc["open_ms"], plain["open_ms"])
    row("open+unlock total (ms)", enc["open_total_ms"], plain["open_total_ms"])
    row("bulk insert pupils+cases (rows/s)", enc["insert_rows"] / enc["insert_s"],
        plain["insert_rows"] / plain["insert_s"], "{:,.0f}")
    row("bulk insert, one transaction (s)", enc["insert_s"], plain["insert_s"], "{:.2f}")
    row("file size incl. WAL (MiB)", enc["file_mib"], plain["file_mib"])
    lines.append(f"case list query, median of {runs} (ms)   [rows in page / matching]")
    for qe, qp in zip(enc["queries"], plain["queries"], strict=True):
        row(f"  {qe['label']} [{qe['rows']:,}/{qe['total']:,}]", qe["ms"], qp["ms"])
    lines.append(f"{'  (PRAGMA cache_size during the queries)':{w}} {enc['cache_size']:>12} "
                 f"{plain['cache_size']:>12}")
    row("RSS after queries, largest list held (MiB)", enc["rss_after"]["VmRSS"],
        plain["rss_after"]["VmRSS"], ratio=True)
    row("RSS before queries, after open (MiB)", enc["rss_open"]["VmRSS"],
        plain["rss_open"]["VmRSS"])
    row("peak RSS of the process, VmHWM (MiB)", enc["rss_after"]["VmHWM"],
        plain["rss_after"]["VmHWM"])

    row("case list index: build, first query (ms)", enc["index_build_ms"],
        plain["index_build_ms"])
    row("case list after one edit: refresh + query (ms)", enc["refresh_ms"], plain["refresh_ms"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000",
                    help="comma-separated case counts (default 1000,10000,100000)")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    ap.add_argument("--open-runs", type=int, default=3, help="timed opens (median)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--cache-mib", type=int, default=None,
                    help="what-if: PRAGMA cache_size of this many MiB before the queries "
                         "(the app leaves the default: 8,000 KiB under SQLCipher)")
    ap.add_argument("--limit", type=int, default=None,
                    help="what-if: CaseFilter(limit=N) for every query (the first page only)")
    ap.add_argument("--worker", nargs=3, metavar=("STORE", "SIZE", "DIR"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        store, size, workdir = args.worker
        out = worker(store, int(size), Path(workdir), args.runs, args.open_runs, args.seed,
                     False, args.cache_mib, args.limit)
        print("RESULT " + json.dumps(out))
        return 0

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    import sqlcipher3

    cipher = sqlcipher3.connect(":memory:")
    cipher_version = cipher.execute("PRAGMA cipher_version").fetchone()[0]
    cipher_sqlite = cipher.execute("SELECT sqlite_version()").fetchone()[0]
    cipher.close()
    print(f"Partnership Panel store benchmark, {datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"Python {platform.python_version()}")
    print(f"encrypted: SQLCipher {cipher_version} (SQLite {cipher_sqlite}) via sqlcipher3; "
          f"plain: stdlib sqlite3 (SQLite {sqlite3.sqlite_version})")
    from panel_app.core.storage.schema import LATEST

    print(f"schema version {LATEST} (panel_app.core.storage.schema.migrate); "
          f"seed {args.seed}; {args.runs} timed runs per query after 1 warm-up; "
          f"{args.open_runs} timed opens")
    print("what-if: " + (", ".join(filter(None, [
        f"PRAGMA cache_size = {args.cache_mib} MiB" if args.cache_mib else "",
        f"CaseFilter(limit={args.limit})" if args.limit else ""])) or "none (the app as it is)")
          + "\n")
    tmp = Path(tempfile.mkdtemp(prefix="panel-bench-"))
    try:
        for size in sizes:
            results = {}
            for store in ("enc", "plain"):
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", store,
                       str(size), str(tmp), "--runs", str(args.runs), "--open-runs",
                       str(args.open_runs), "--seed", str(args.seed)]
                if args.cache_mib:
                    cmd += ["--cache-mib", str(args.cache_mib)]
                if args.limit:
                    cmd += ["--limit", str(args.limit)]
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode != 0:
                    sys.stderr.write(proc.stdout + proc.stderr)
                    return proc.returncode
                line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
                results[store] = json.loads(line[len("RESULT "):])
            print(report(size, results["enc"], results["plain"], args.runs, False))
            print(flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
