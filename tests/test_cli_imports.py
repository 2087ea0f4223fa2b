"""`panel-app import / report / exclusion / attendance / term-totals` in-process over a
real encrypted file: a dry run stores nothing, an import with --map, per-row errors and
one-line failures, a CTF, reports as text, JSON, CSV and PDF."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli_util import ok, run_on_db
from tests.core.imports_util import DATA, SIMS_HEADERS, pupil_row, upn, write_csv
from tests.test_cli import Run


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    return run_on_db(no_keyring, monkeypatch, db_path)


def fails(run: Run, *argv: str) -> tuple[str, str]:
    """Like tests.cli_util.fails, with what went to stdout too."""
    code, out, err = run(*argv)
    assert code == 1, (out, err)
    assert err.count("\n") == 1, err  # one line saying what to do
    return out, err


def counts(run: Run, db_path: Path) -> dict[str, int]:
    report = json.loads(ok(run, "doctor", "--json"))
    return {k: v for k, v in report["counts"].items() if k not in ("audit_log",)}


def test_import_csv_dry_run_then_import_then_update(run, tmp_path, db_path):
    path = write_csv(tmp_path / "sims.csv", SIMS_HEADERS,
                     [pupil_row(1, "Ann", "Lee", 9), pupil_row(2, "Bob", "Ray", 10)])
    before = counts(run, db_path)
    out = ok(run, "import", "csv", str(path), "--school", "OAK", "--dry-run")
    assert "Rows: 2 new, 0 to update, 0 unchanged, 0 with errors." in out
    assert "UPN -> upn (recognised)" in out and "Not imported: Reg Group" in out
    assert "Dry run: nothing was stored." in out
    assert counts(run, db_path) == before
    data = json.loads(ok(run, "import", "csv", str(path), "--school", "OAK", "--json"))
    assert data["result"]["created"] == 2 and data["result"]["mapping_saved"] is True
    cases = json.loads(ok(run, "case", "list", "--json"))
    assert cases["total"] == 2
    write_csv(path, SIMS_HEADERS, [pupil_row(1, "Ann", "Lee", 9, **{"FSM Eligible": "Y"}),
                                   pupil_row(2, "Bob", "Ray", 10)])
    out = ok(run, "import", "csv", str(path), "--school", "OAK")
    assert "line 2" in out and "fsm no -> yes" in out
    assert "Imported: 0 new pupil(s) with a case; 1 updated; 1 unchanged." in out
    assert json.loads(ok(run, "case", "list", "--json"))["total"] == 2


def test_import_with_map_and_row_errors(run, tmp_path, db_path):
    headers = ["Pupil ID", "Forename", "Surname", "Born", "Year"]
    rows = [[upn(5), "Kit", "Marlowe", "01/12/2012", "9"],
            [upn(6), "Bad", "Date", "31/02/2012", "9"]]
    path = write_csv(tmp_path / "odd.csv", headers, rows)
    _out, err = fails(run, "import", "csv", str(path), "--school", "OAK")
    assert err.startswith("Nothing was saved.") and "no column for UPN" in err
    before = counts(run, db_path)
    out, err = fails(run, "import", "csv", str(path), "--school", "OAK",
                     "--map", "Pupil ID=upn", "--map", "Born=dob")
    assert "line 3" in out and "error: Date of birth: '31/02/2012' is not a real date." in out
    assert "1 row(s) have errors" in err and "--skip-invalid" in err
    assert counts(run, db_path) == before
    out = ok(run, "import", "csv", str(path), "--school", "OAK", "--map", "Pupil ID=upn",
             "--map", "Born=dob", "--skip-invalid")
    assert "1 new pupil(s)" in out and "1 row(s) with errors left out" in out
    mapping = json.loads(ok(run, "import", "mapping", "OAK", "--json"))
    assert mapping["Pupil ID"] == "upn" and mapping["Born"] == "dob"
    _o, err = fails(run, "import", "csv", str(path), "--school", "OAK", "--map", "nonsense")
    assert "COLUMN=FIELD" in err


def test_malformed_files_fail_on_one_line_and_store_nothing(run, tmp_path, db_path):
    before = counts(run, db_path)
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    _o, err = fails(run, "import", "csv", str(big), "--school", "OAK")
    assert "50 MB, over the 20 MB limit" in err
    bomb = DATA / "billion_laughs.xml"
    _o, err = fails(run, "import", "ctf", str(bomb))
    assert "refused for safety" in err
    _o, err = fails(run, "import", "ctf", str(DATA / "truncated.xml"))
    assert "not well-formed XML" in err
    assert counts(run, db_path) == before


def test_import_ctf_and_exclusion_commands(run, tmp_path):
    out = ok(run, "import", "ctf", str(DATA / "sample.xml"), "--dry-run")
    assert "Common Transfer File" in out and "Not imported (the case does not need it)" in out
    data = json.loads(ok(run, "import", "ctf", str(DATA / "sample.xml"), "--json"))
    assert data["result"]["created"] == 3 and data["result"]["exclusions_added"] == 3
    listed = json.loads(ok(run, "exclusion", "list", "--pupil", "V823410014101", "--json"))
    assert [e["kind"] for e in listed] == ["suspension", "permanent"]
    out = ok(run, "exclusion", "add", "J823410014102", "--kind", "suspension", "--date",
             "16/11/2026", "--days", "2", "--reason", "PD")
    assert "Recorded: 16/11/2026 suspension 2 day(s), Persistent disruptive behaviour" in out
    eid = json.loads(ok(run, "exclusion", "list", "--pupil", "J823410014102", "--json"))[0]["id"]
    out = ok(run, "exclusion", "update", eid[:8], "--days", "3", "--json")
    assert json.loads(out)["exclusion"]["days"] == 3.0
    case = json.loads(ok(run, "case", "list", "--search", "Kowalski", "--json"))["cases"][0]
    shown = json.loads(ok(run, "case", "show", case["case_ref"], "--json"))
    assert (shown["suspensions"], shown["suspension_days"]) == (1, 3.0)
    _o, err = fails(run, "exclusion", "add", "J823410014102", "--kind", "suspension",
                    "--date", "16/11/2026", "--days", "60")
    assert "cannot be longer than 45" in err
    assert "PD" in ok(run, "exclusion", "reasons")
    ok(run, "attendance", "set", "J823410014102", "--sessions", "170/200", "--term", "autumn")
    att = json.loads(ok(run, "attendance", "list", "J823410014102", "--json"))
    assert [(a["label"], a["percent"]) for a in att] == [("autumn 2026/27", 85.0)]
    ok(run, "exclusion", "remove", eid[:8])
    assert json.loads(ok(run, "exclusion", "list", "--pupil", "J823410014102", "--json")) == []


def test_reports_text_json_csv_pdf(run, tmp_path):
    ok(run, "import", "ctf", str(DATA / "sample.xml"))
    ok(run, "term-totals", "set", "RIV", "--term", "autumn", "--roll", "960",
       "--suspensions", "7", "--pupils-suspended", "4")
    totals = json.loads(ok(run, "term-totals", "list", "--json"))
    assert [(t["school"], t["term"], t["suspensions"]) for t in totals] == [
        ("Riverside School", "autumn", 7)]
    report = json.loads(ok(run, "report", "exclusions", "--json"))
    oak = next(r for r in report["rows"] if r["school"] == "Oakfield Academy"
               and r["term"] == "autumn")
    assert oak["suspension_rate"] == {"numerator": 1, "denominator": 1200, "percent": 0.08,
                                      "text": "1 of 1,200 (0.08%)"}
    assert oak["px_rate"]["numerator"] == 1
    riv = next(r for r in report["rows"] if r["school"] == "Riverside School"
               and r["term"] == "autumn")
    assert riv["suspension_rate"]["text"] == "7 of 960 (0.73%)"
    text = ok(run, "report", "exclusions")
    assert "7 of 960 (0.73%) *" in text and "All schools" in text
    assert "Converted" in ok(run, "report", "moves", "--school", "OAK")
    assert "Ladder-step reach" in ok(run, "report", "outcomes")
    code, out, err = run("report", "exclusions", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert any(r["school"] == "Riverside School" and r["suspension_rate_denominator"] == "960"
               for r in rows)
    target = tmp_path / "moves.csv"
    code, out, err = run("report", "moves", "--csv", str(target))
    assert code == 0 and target.exists() and "not encrypted" in err
    pdf = tmp_path / "report.pdf"
    code, out, err = run("report", "all", "--pdf", str(pdf), "--year", "2026/27")
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF") and "not encrypted" in err
    audit = json.loads(ok(run, "audit", "list", "--action", "report_exported", "--json"))
    assert len(audit) == 5  # csv to stdout, csv file, three reports in the PDF
    _o, err = fails(run, "report", "all", "--csv")
    assert "one report" in err
    _o, err = fails(run, "report", "exclusions", "--year", "last year")
    assert "school year" in err


def test_term_totals_refused_on_one_line(run, db_path):
    before = counts(run, db_path)
    _o, err = fails(run, "term-totals", "set", "OAK", "--term", "spring",
                    "--suspensions", "3", "--pupils-suspended", "5")
    assert err.startswith("Nothing was saved.") and "More pupils suspended" in err
    assert counts(run, db_path) == before
