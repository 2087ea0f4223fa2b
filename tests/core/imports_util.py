"""Helpers for the import tests: invented MIS exports and a fingerprint of everything
stored (to show that a refused import stored nothing)."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from panel_app.core.domain.upn import make_upn
from tests.core.util import dob_for_year

DATA = Path(__file__).resolve().parents[1] / "data" / "ctf"
SIMS_HEADERS = ["UPN", "Legal Surname", "Legal Forename", "DOB", "NC Year", "Gender",
                "SEN Provision", "FSM Eligible", "Pupil Premium Indicator", "EAL", "In LA Care",
                "Attendance %", "Reg Group"]


def upn(serial: int) -> str:
    return make_upn(823, 4100, 2014, serial)


def pupil_row(serial: int, first: str, last: str, year: int = 9, **extra: str) -> list[str]:
    """A row under SIMS_HEADERS (an invented pupil)."""
    values = {"UPN": upn(serial), "Legal Surname": last, "Legal Forename": first,
              "DOB": dob_for_year(year).strftime("%d/%m/%Y"), "NC Year": str(year),
              "Gender": "F" if serial % 2 else "M", "SEN Provision": "N",
              "FSM Eligible": "N", "Pupil Premium Indicator": "N", "EAL": "N",
              "In LA Care": "N", "Attendance %": "95.0", "Reg Group": f"{year}X"}
    values.update(extra)
    return [values[h] for h in SIMS_HEADERS]


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
              encoding: str = "utf-8", delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def generated_export(path: Path, n: int) -> tuple[Path, list[dict[str, Any]]]:
    """An export of ``n`` invented pupils and what each should import as."""
    rows, expected = [], []
    sen = ["N", "K", "E", "N"]
    for i in range(n):
        year = 7 + i % 5
        first, last = f"Pupil{i:03d}", ["Ashworth", "Begum", "Nowak", "O'Neill"][i % 4]
        extra = {"SEN Provision": sen[i % 4], "FSM Eligible": "Y" if i % 3 == 0 else "N",
                 "Pupil Premium Indicator": "Yes" if i % 3 == 0 else "No",
                 "EAL": "T" if i % 5 == 0 else "F", "In LA Care": "1" if i == 7 else "0",
                 "Attendance %": f"{80 + i % 20}.5"}
        rows.append(pupil_row(100 + i, first, last, year, **extra))
        expected.append({"upn": upn(100 + i), "first_name": first, "last_name": last,
                         "year_group": year, "dob": dob_for_year(year),
                         "sen_status": {"N": "none", "K": "SEN support", "E": "EHCP"}[
                             sen[i % 4]],
                         "fsm": i % 3 == 0, "pupil_premium": i % 3 == 0, "eal": i % 5 == 0,
                         "lac": i == 7, "attendance_pct": 80 + i % 20 + 0.5})
    return write_csv(path, SIMS_HEADERS, rows), expected


def stored(session: Any) -> dict[str, Any]:
    """Row counts of every table and a digest of their contents (audit log included)."""
    conn = session.db.conn
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out: dict[str, Any] = {}
    for table in tables:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        out[table] = (len(rows), digest)
    return out
