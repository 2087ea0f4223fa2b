"""Benchmark case bundles: export and import of 1,000 cases with 2,000 documents.

Run by hand (not in CI); it prints figures and asserts nothing about timing::

    python benchmarks/bundles.py                      # 1,000 cases, 2,000 documents of 20 kB
    python benchmarks/bundles.py --cases 200 --docs 400 --doc-kb 50

Steps, each timed:

1. a school installation (Riverside) gets ``--cases`` invented cases and ``--docs``
   documents (random bytes, like already-compressed PDFs), written through the real
   ``Repository`` (so each has its change log) in one transaction;
2. the panel clerk's installation, a copy of the same partnership made before the cases
   with its own installation id and keys; the two exchange cards;
3. Riverside exports a full bundle to the panel (size printed);
4. the panel opens it (decrypt, verify, validate every record, plan the merge: the
   preview) and applies it (one transaction);
5. a plain SQLite baseline: the same rows (pupils, cases, documents with their contents
   and the change-log rows) inserted with ``executemany`` in one transaction into an
   unencrypted standard-library ``sqlite3`` database of the same schema;
6. an incremental bundle after 50 cases change one field each: size, export and import.

Everything is written under a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "benchmark passphrase 1"
SEED = 2026
FIRST = ["Ashley", "Sasha", "Jordan", "Riley", "Morgan", "Casey", "Alex", "Sam", "Noor"]
LAST = ["Ashworth", "Nash", "Rashid", "Bennett", "Okafor", "Novak", "Patel", "Hughes"]


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, str]] = []

    def __call__(self, label: str, fn, note: str = ""):
        start = time.perf_counter()
        result = fn()
        self.rows.append((label, time.perf_counter() - start, note))
        return result

    def note(self, text: str) -> None:
        label, seconds, _ = self.rows[-1]
        self.rows[-1] = (label, seconds, text)

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        for label, seconds, note in self.rows:
            print(f"  {label.ljust(width)}  {seconds:8.3f} s  {note}")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--doc-kb", type=int, default=20)
    args = parser.parse_args()

    from keyring.backends import fail

    from panel_app.core.domain.upn import make_upn
    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock, create_partnership, unlock
    from panel_app.core.storage.connection import open_database
    from panel_app.core.storage.schema import migrate

    rng = random.Random(SEED)
    keyring = KeyringStore(fail.Keyring())
    kdf = KdfParams(time_cost=1, memory_cost=1024, parallelism=1)  # unlock is not measured
    clock = FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    folder = Path(tempfile.mkdtemp(prefix="panel-bundle-bench-"))
    timer = Timer()
    try:
        created = create_partnership(folder / "riv.panel", "Benchmark Partnership", PASSPHRASE,
                                     keyring=keyring, kdf=kdf, clock=clock, user_name="Bench")
        riv = created.session
        riv.add_school("Riverside School", urn="100002", short_code="RIV")
        riv.add_school("Oakfield Academy", urn="100001", short_code="OAK")
        riv.lock()
        shutil.copy2(folder / "riv.panel", folder / "panel.panel")
        shutil.copy2(folder / "riv.panel.key", folder / "panel.panel.key")
        riv = unlock(folder / "riv.panel", passphrase=PASSPHRASE, keyring=keyring, clock=clock)
        panel = unlock(folder / "panel.panel", passphrase=PASSPHRASE, keyring=keyring,
                       clock=clock)
        panel.bundles.new_installation_identity()
        riv.bundles.set_own_school("RIV")
        panel.bundles.set_own_school(None, panel=True)
        for a, b in ((riv, panel), (panel, riv)):
            card = a.bundles.export_card()
            b.bundles.import_card(card, b.bundles.check_card(card).fingerprint)

        school_id = riv.find_school("RIV").id
        doc_bytes = args.doc_kb * 1024

        def populate() -> list[str]:
            ids = []
            with riv._write():
                for i in range(args.cases):
                    year = rng.randint(7, 11)
                    dob = date(2026 - year - 5, 9, 1) + timedelta(days=rng.randrange(365))
                    pid = riv.repo.insert("pupil", {
                        "first_name": rng.choice(FIRST), "last_name": rng.choice(LAST),
                        "dob": dob, "upn": make_upn(823, 4100, 20, i % 1000), "gender": "F",
                        "year_group": year, "home_school_id": school_id, "fsm": i % 3 == 0})
                    ids.append(riv.repo.insert("case", {
                        "pupil_id": pid, "case_ref": f"C-B{i:05d}", "risk": "amber",
                        "summary": "Attendance has fallen since half term.",
                        "opened_on": date(2026, 9, 10), "created_at": clock.now()}))
                for n in range(args.docs):
                    content = os.urandom(doc_bytes)
                    riv.repo.insert("document", {
                        "case_id": ids[n % len(ids)], "filename": f"evidence-{n}.pdf",
                        "mime": "application/pdf", "size": len(content),
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "content": content, "added_at": clock.now(), "added_by": "Bench"},
                        stamp_field=None)
            return ids

        case_ids = timer("populate Riverside (Repository)", populate,
                         f"{args.cases} cases, {args.docs} documents x {args.doc_kb} kB")
        out = folder / "full.panelbundle"
        result = timer("export full bundle", lambda: riv.bundles.export_bundle(["panel"], out))
        timer.note(f"size {_mb(result.size)} ({result.counts['changes']} changes)")
        preview = timer("import: open and preview", lambda: panel.bundles.open_bundle(out),
                        "decrypt, verify, validate, plan")
        applied = timer("import: apply (one transaction)",
                        lambda: panel.bundles.apply(preview))
        timer.note(f"{applied.new_records} new records")

        # Plain sqlite baseline: the same rows into an unencrypted database.
        rows = {t: riv.db.conn.execute(f"SELECT * FROM {t}").fetchall()
                for t in ("pupils", "cases", "documents")}
        changes = riv.db.conn.execute(
            "SELECT change_id, entity, entity_id, field, value, at, site_id, hlc "
            "FROM changes").fetchall()
        plain_path = folder / "plain.sqlite"
        key = os.urandom(32)
        db = open_database(folder / "schema.panel", key, create=True)
        migrate(db, folder / "schema.panel", key)
        schema = [r[0] for r in db.conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
            " AND name NOT LIKE 'sqlite_%'")]
        db.close()
        plain = sqlite3.connect(plain_path)
        for sql in schema:
            plain.execute(sql)
        plain.commit()
        schools = riv.db.conn.execute("SELECT * FROM schools").fetchall()

        def baseline() -> None:
            with plain:
                marks = ",".join("?" * len(schools[0]))
                plain.executemany(f"INSERT INTO schools VALUES ({marks})",
                                  [tuple(r) for r in schools])
                for table, data in rows.items():
                    marks = ",".join("?" * len(data[0]))
                    plain.executemany(f"INSERT INTO {table} VALUES ({marks})",
                                      [tuple(r) for r in data])
                plain.executemany(
                    "INSERT INTO changes (change_id, entity, entity_id, field, value, at, "
                    "site_id, hlc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [tuple(c) for c in changes])

        timer("plain sqlite3 insert of the same rows", baseline,
              f"{sum(len(v) for v in rows.values())} rows + {len(changes)} changes, "
              "unencrypted, no checks")
        plain.close()

        def touch() -> None:
            for cid in case_ids[:50]:
                riv.update_case(cid, {"risk": "red"})

        touch()
        inc = folder / "inc.panelbundle"
        result = timer("export incremental (50 cases changed)",
                       lambda: riv.bundles.export_bundle(["panel"], inc, since_last=True))
        timer.note(f"size {_mb(result.size)}, {sum(result.counts['records'].values())} records")
        applied = timer("import incremental (open + apply)",
                        lambda: panel.bundles.apply(panel.bundles.open_bundle(inc)))
        timer.note(f"{applied.changed_fields} changed fields")
        riv.lock()
        panel.lock()
        print(f"Case bundles: {args.cases} cases, {args.docs} documents of {args.doc_kb} kB "
              f"(Python {sys.version.split()[0]})")
        timer.print()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
