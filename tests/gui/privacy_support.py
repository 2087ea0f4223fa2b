"""Helpers for the privacy GUI tests: a partnership with a case due for review, tampering
with the audit table as someone editing the file outside the app would."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, unlock
from tests.conftest import PASSPHRASE
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS

OLD = ("Zebedee", "Quuxleyworth")  # closed in 2018: due for review under the default policy
NEW = ("Ada", "Brown")  # open: kept


def prepare(path: Path, keyring: KeyringStore, clock: FixedClock,
            tamper: bool = False) -> dict[str, Any]:
    """Two cases (one due for review); with ``tamper``, one audit entry edited outside the
    app. Returns the refs and the tampered entry's number."""
    s = unlock(path, passphrase=PASSPHRASE, keyring=keyring, clock=clock)
    try:
        old = s.create_case(case_values(*OLD, year=9, serial=1, opened_on="01/09/2015",
                                        summary="Referred")).case.case_ref
        s.close_case(old, "Settled", on=date(2018, 7, 20))
        new = s.create_case(case_values(*NEW, year=8, serial=2, summary="Referred")
                            ).case.case_ref
        s.update_case(new, {"risk": "red"})
        seq = None
        if tamper:
            conn = s.db.conn
            seq = conn.execute("SELECT seq FROM audit_log ORDER BY seq LIMIT 1 OFFSET 4"
                               ).fetchone()[0]
            for trigger in ("audit_log_no_update", "audit_log_no_delete"):
                conn.execute(f"DROP TRIGGER {trigger}")
            conn.execute("UPDATE audit_log SET actor = 'Someone Else' WHERE seq = ?", (seq,))
            for trigger, event in (("audit_log_no_update", "UPDATE"),
                                   ("audit_log_no_delete", "DELETE")):
                conn.execute(f"CREATE TRIGGER {trigger} BEFORE {event} ON audit_log "
                             "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")
            conn.commit()
    finally:
        s.lock()
    return {"old": old, "new": new, "seq": seq}


def on_worker(qtbot: Any, host: Any, fn: Any) -> Any:
    """Run ``fn(session)`` on the worker; return its result or the exception raised."""
    out: dict[str, Any] = {}
    host.run(fn, success=lambda r: out.update(value=r), failure=lambda e: out.update(value=e))
    qtbot.waitUntil(lambda: "value" in out, timeout=WAIT_MS)
    return out["value"]


def rows(model: Any, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]
