"""`panel-app report trends` in-process over the fixed partnership of
tests/core/test_reports.py (school year 2025/26, figures worked out by hand there): per
school per term the count, the roll and the rate per 1,000 as an aligned table, JSON with
stable keys and CSV with a header; bad input refused on one line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli_util import fails, ok, run_on_db
from tests.core.test_reports import data  # noqa: F401 (the fixed partnership)
from tests.test_cli import Run

ROW_KEYS = {"school_id", "school", "year", "term", "label", "numerator", "denominator",
            "per_1000"}


@pytest.fixture
def run(data, no_keyring, monkeypatch, db_path) -> Run:  # noqa: F811
    data.lock()  # the fixture's session lets go of the file; the command opens it
    return run_on_db(no_keyring, monkeypatch, db_path)


def test_trends_text_is_an_aligned_table(run):
    out = ok(run, "report", "trends", "--year", "2025/26", "--years", "1")
    lines = out.splitlines()
    assert lines[0] == ("Suspensions per 1,000 pupils on roll, term by term, 2025/26 "
                        "(figures on 31/08/2026)")
    assert lines[1].split() == ["School", "Term", "Suspensions", "Roll", "Per", "1,000"]
    rows = [line.split("  ") for line in lines[3:]]
    assert [[c.strip() for c in r if c.strip()] for r in rows] == [
        ["Oakfield Academy", "Autumn 2025/26", "3", "1,200", "2.5"],
        ["Oakfield Academy", "Spring 2025/26", "1", "1,200", "0.83"],
        ["Oakfield Academy", "Summer 2025/26", "0", "1,200", "0"],
        ["Riverside School", "Autumn 2025/26", "0", "950", "0"],
        ["Riverside School", "Spring 2025/26", "7", "960", "7.29"],  # its term totals
        ["Riverside School", "Summer 2025/26", "1", "950", "1.05"],
        ["All schools", "Autumn 2025/26", "3", "2,150", "1.4"],
        ["All schools", "Spring 2025/26", "8", "2,160", "3.7"],
        ["All schools", "Summer 2025/26", "1", "2,150", "0.47"]]
    # aligned: every column starts where its heading does
    for heading in ("Term", "Suspensions", "Roll", "Per 1,000"):
        col = lines[1].index(heading)
        assert all(line[col - 2:col] == "  " and line[col] != " " for line in lines[3:])


def test_trends_json_has_the_stable_keys(run):
    got = json.loads(ok(run, "report", "trends", "--measure", "px", "--year", "2025/26",
                        "--years", "1", "--json"))
    assert set(got) == {"report", "measure", "measure_label", "per", "year", "label", "on",
                        "years", "so_far", "terms", "rows", "totals"}
    assert (got["report"], got["measure"], got["per"], got["year"], got["label"], got["on"],
            got["years"], got["so_far"]) == ("trends", "permanent_exclusions", 1000, 2025,
                                             "2025/26", "2026-08-31", 1, False)
    assert [t["label"] for t in got["terms"]] == ["Autumn 2025/26", "Spring 2025/26",
                                                  "Summer 2025/26"]
    assert all(set(r) == ROW_KEYS for r in got["rows"] + got["totals"])
    # Oakfield's PX upheld in spring; its summer PX rescinded (not counted); Riverside's
    # pending PX in summer counts
    assert [(r["school"], r["term"], r["numerator"], r["denominator"], r["per_1000"])
            for r in got["rows"]] == [
        ("Oakfield Academy", "autumn", 0, 1200, 0.0),
        ("Oakfield Academy", "spring", 1, 1200, 0.83),
        ("Oakfield Academy", "summer", 0, 1200, 0.0),
        ("Riverside School", "autumn", 0, 950, 0.0),
        ("Riverside School", "spring", 0, 960, 0.0),
        ("Riverside School", "summer", 1, 950, 1.05)]
    assert [(r["numerator"], r["denominator"], r["per_1000"]) for r in got["totals"]] == [
        (0, 2150, 0.0), (1, 2160, 0.46), (1, 2150, 0.47)]
    one = json.loads(ok(run, "report", "trends", "--school", "RIV", "--year", "2025/26",
                        "--years", "1", "--json"))
    assert {r["school"] for r in one["rows"]} == {"Riverside School"}
    assert [r["numerator"] for r in one["rows"]] == [0, 7, 1]


def test_trends_csv_over_two_years_and_audited(run, tmp_path):
    code, out, err = run("report", "trends", "--year", "2025/26", "--csv")
    assert code == 0, err
    assert out.splitlines()[0] == ("measure,school_id,school,year,term,label,numerator,"
                                   "denominator,per_1000")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 18  # 2024/25 and 2025/26: six terms, two schools and all
    oak = [(r["label"], r["numerator"], r["denominator"], r["per_1000"]) for r in rows
           if r["school"] == "Oakfield Academy"]
    assert oak[:4] == [("Autumn 2024/25", "0", "1200", "0.0"),
                       ("Spring 2024/25", "0", "1200", "0.0"),
                       ("Summer 2024/25", "1", "1200", "0.83"),  # A on 01/07/2025
                       ("Autumn 2025/26", "3", "1200", "2.5")]
    assert {r["measure"] for r in rows} == {"suspensions"}
    target = tmp_path / "trend.csv"
    code, out, err = run("report", "trends", "--year", "2025/26", "--measure", "px",
                         "--csv", str(target))
    assert code == 0 and "not encrypted" in err
    assert target.read_text().splitlines()[1].startswith("permanent_exclusions,")
    audit = json.loads(ok(run, "audit", "list", "--action", "report_exported", "--json"))
    assert [(a["fields"], a["detail"]["format"]) for a in audit] == [
        (["trends"], "csv"), (["trends"], "csv")]


def test_trends_bad_input_refused_on_one_line(run, capsys):
    err = fails(run, "report", "trends", "--school", "Nowhere High")
    assert "No school called 'Nowhere High'" in err
    assert "from 1 to 10" in fails(run, "report", "trends", "--years", "0")
    assert "for 'report trends'" in fails(run, "report", "exclusions", "--measure", "px")
    assert "report exclusions --pdf" in fails(run, "report", "trends", "--pdf", "t.pdf")
    assert "not both" in fails(run, "report", "trends", "--json", "--csv")
    assert "school year" in fails(run, "report", "trends", "--year", "last year")
    capsys.readouterr()
    code, out, _err = run("report", "trends", "--measure", "exclusions")
    assert code == 2 and out == ""
    said = capsys.readouterr().err.strip().splitlines()[-1]  # argparse, after the usage
    assert "--measure: invalid choice: 'exclusions'" in said
    assert run("report", "trends", "--years", "two")[0] == 2
