"""`panel-app ladder|evidence|calendar`, in-process over real encrypted files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.test_cli import Run


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    monkeypatch.setenv("PANEL_DB", str(db_path))
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    return Run(no_keyring, monkeypatch)


def _case(run: Run) -> str:
    code, out, err = run(
        "case",
        "add",
        "--first-name",
        "Ann",
        "--last-name",
        "Lee",
        "--dob",
        "01/10/2012",
        "--year",
        "Y9",
        "--school",
        "OAK",
        "--json",
    )
    assert code == 0, err
    return str(json.loads(out)["case_ref"])


def _one_line_failure(code: int, err: str, words: str) -> None:
    assert code == 1, err
    assert words in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def _counts(run: Run) -> dict[str, int]:
    code, out, _ = run("doctor", "--json")
    counts = json.loads(out)["counts"]
    counts.pop("audit_log")  # every command audits its unlock and lock
    return counts


def test_init_with_ladder_preset(tmp_path, no_keyring, monkeypatch):
    run = Run(no_keyring, monkeypatch)
    monkeypatch.setenv("PANEL_PASSPHRASE", "a long passphrase")
    db = str(tmp_path / "north.panel")
    code, _, err = run("--db", db, "init", "--partnership", "North", "--ladder", "ashfield")
    assert code == 0, err
    code, out, _ = run("--db", db, "ladder", "show", "--json")
    ladder = json.loads(out)["ladder"]
    assert ladder["version"] == 1 and ladder["definition"]["preset"] == "ashfield"
    assert [s["key"] for s in ladder["definition"]["steps"]] == [
        "internal-exclusion",
        "hosted-exclusion",
        "managed-move",
        "on-site-ap",
    ]
    code, out, _ = run("--db", db, "ladder", "show")
    assert "Step 3  Managed move" in out and "Once met, the school may ask for: an AP place" in out
    bad = str(tmp_path / "south.panel")
    code, _, err = run("--db", bad, "init", "--partnership", "South", "--ladder", "narnia")
    _one_line_failure(code, err, "There is no ladder preset 'narnia'")
    assert not Path(bad).exists() and not Path(bad + ".key").exists()


def test_evidence_and_check_round_trip(run, tmp_path):
    assert run("ladder", "load", "lincolnshire")[0] == 0
    case = _case(run)
    plan = tmp_path / "psp.pdf"
    plan.write_bytes(b"%PDF-1.4 invented")
    code, out, err = run(
        "evidence",
        "add",
        case,
        "--step",
        "1",
        "--kind",
        "psp",
        "--start",
        "03/03/2026",
        "--attach",
        str(plan),
        "--json",
    )
    assert code == 0, err
    psp = json.loads(out)
    assert psp["step_number"] == 1 and psp["documents"][0]["filename"] == "psp.pdf"
    assert psp["started_on"] == "2026-03-03" and psp["outcome"] == "ongoing"

    code, out, err = run(
        "ladder", "check", case, "--for", "ap-place", "--on", "14/04/2026", "--json"
    )
    assert code == 0, err  # "not met" is a result, not a failure
    check = json.loads(out)
    assert check["verdict"] == "partly_met" and check["allowed"] is False
    assert check["recorded"] is False and check["id"] is None
    assert check["ladder"]["version"] == 1 and check["on"] == "2026-04-14"
    step1 = check["steps"][0]
    assert step1["status"] == "partly_met"
    reason = step1["items"][0]["reasons"][0]
    assert reason["code"] == "item_too_short"
    assert reason["message"] == (
        "Pastoral Support Plan (PSP) started 03/03/2026 has run 4 of the required 6 school weeks."
    )
    assert reason["params"]["weeks"] == 4 and reason["params"]["start"] == "2026-03-03"
    assert {g["code"] for g in check["gaps"]} == {"item_too_short", "item_not_recorded"}

    code, out, err = run("ladder", "check", case, "--for", "ap-place", "--on", "14/04/2026")
    assert code == 0, err
    assert "Verdict: PARTLY MET" in out and "[PARTLY]  Step 1  Pastoral Support Plan" in out
    assert "needs Pastoral Support Plan (PSP) started 03/03/2026 has run 4 of" in out
    assert "(not needed for an AP place)" in out

    code, out, _ = run("evidence", "list", case, "--json")
    listed = json.loads(out)
    assert [e["id"] for e in listed] == [psp["id"]] and listed[0]["in_ladder"]
    code, out, _ = run("evidence", "list", case)
    assert "psp" in out and "03/03/2026" in out

    code, out, err = run(
        "evidence",
        "add",
        case,
        "--step",
        "outreach",
        "--kind",
        "psp_approval",
        "--start",
        "02/03/2026",
        "--outcome",
        "agreed",
        "--json",
    )
    approval = json.loads(out)["id"]
    code, out, err = run(
        "evidence", "verify", approval[:8], "--by", "Ruth Kendal", "--role", "LA officer", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["verified_role"] == "LA officer"
    code, out, err = run("evidence", "update", psp["id"][:10], "--end", "17/07/2026", "--json")
    assert code == 0, err
    assert json.loads(out)["outcome"] == "completed"


def test_recorded_check_override_and_ladder_edit(run):
    assert run("ladder", "load", "east-bassetlaw")[0] == 0
    case = _case(run)
    code, out, err = run(
        "ladder", "check", case, "--for", "partnership-resources", "--record", "--json"
    )
    assert code == 0, err
    recorded = json.loads(out)
    assert recorded["recorded"] and recorded["verdict"] == "missing"
    code, _, err = run(
        "ladder", "check", case, "--for", "partnership-resources", "--override-reason", "Extreme"
    )
    _one_line_failure(code, err, "Give the name of the person who agreed the override")
    code, out, err = run(
        "ladder",
        "override",
        recorded["id"][:8],
        "--reason",
        "Unexpected and extreme situation",
        "--by",
        "Kerry Head",
        "--json",
    )
    assert code == 0, err
    done = json.loads(out)
    assert done["overridden"] and done["allowed"] and done["override"]["by"] == "Kerry Head"
    # edit the ladder: the recorded check keeps version 1
    code, out, err = run(
        "ladder", "edit", "add-item", "1", "home_tutor", "--label", "Home tutor", "--optional"
    )
    assert code == 0, err and "version 2" in out
    code, _, err = run(
        "ladder",
        "edit",
        "set-item",
        "plan-do-review",
        "plan_do_review",
        "--min-terms",
        "3",
        "--no-document",
    )
    assert code == 0, err
    code, _, err = run(
        "ladder", "edit", "add-step", "Respite", "--position", "2", "--unlocks", "managed-move"
    )
    assert code == 0, err
    code, _, err = run("ladder", "edit", "move-step", "respite", "3")
    assert code == 0, err
    code, out, _ = run("ladder", "show", "--json")
    definition = json.loads(out)["ladder"]["definition"]
    assert [s["key"] for s in definition["steps"]] == [
        "plan-do-review",
        "individual-package",
        "respite",
        "nurture-unit",
        "focus-ap",
    ]
    pdr = definition["steps"][0]["items"][0]
    assert pdr["min_terms"] == 3 and pdr["document_required"] is False
    code, out, _ = run("ladder", "checks", case, "--json")
    checks = json.loads(out)
    assert [c["ladder"]["version"] for c in checks] == [1]
    assert checks[0]["overridden"] and checks[0]["steps"][0]["items"][0]["label"] == (
        "Plan-do-review cycle"
    )
    code, out, _ = run("ladder", "history", "--json")
    assert [v["version"] for v in json.loads(out)] == [1, 2, 3, 4, 5]
    code, out, _ = run("ladder", "show", "--version", "1", "--json")
    assert json.loads(out)["ladder"]["definition"]["steps"][0]["items"][0]["min_terms"] == 2
    before = _counts(run)
    code, _, err = run("ladder", "edit", "remove-step", "9")
    _one_line_failure(code, err, "There is no step '9' in the ladder")
    assert _counts(run) == before


def test_bad_evidence_store_nothing(run):
    assert run("ladder", "load", "lincolnshire")[0] == 0
    case = _case(run)
    before = _counts(run)
    for args, words in [
        (["--step", "4", "--kind", "psp", "--start", "01/09/2026"], "There is no step '4'"),
        (["--step", "1", "--kind", "nope", "--start", "01/09/2026"], "has no item 'nope'"),
        (["--step", "1", "--kind", "psp", "--start", "30/02/2026"], "not a real date"),
        (
            ["--step", "1", "--kind", "psp", "--start", "01/09/2026", "--end", "01/08/2026"],
            "is before the start date 01/09/2026",
        ),
    ]:
        code, _, err = run("evidence", "add", case, *args)
        _one_line_failure(code, err, words)
    assert _counts(run) == before
    code, _, err = run("evidence", "verify", "ffffffffff")
    _one_line_failure(code, err, "No evidence record 'ffffffffff'")


def test_calendar_show_import_export(run, tmp_path):
    code, out, err = run("calendar", "show", "--year", "2026/27", "--json")
    assert code == 0, err
    year = json.loads(out)["years"][0]
    assert year["source"] == "default" and year["terms"][0]["start"] == "2026-09-03"
    good = tmp_path / "terms.csv"
    good.write_text(
        "\ufeffTerm,Start,End,Half term start,Half term end\n"
        "Autumn,02/09/2026,18/12/2026,26/10/2026,30/10/2026\n"
        "Spring,05/01/2027,26/03/2027,15/02/2027,19/02/2027\n"
        "Summer,12/04/2027,21/07/2027,31/05/2027,04/06/2027\n"
        "Bank holiday,03/05/2027,,,\n",
        encoding="utf-8",
    )
    code, out, err = run("calendar", "import", str(good))
    assert code == 0, err and "2026/27" in out
    code, out, _ = run("calendar", "show")
    assert "2026/27: 194 school days (term dates entered" in out
    assert "autumn   02/09/2026 to 18/12/2026  half term 26/10/2026 to 30/10/2026" in out
    assert "closed: 03/05/2027" in out
    code, out, _ = run("calendar", "export", "--year", "2026/27")
    assert out.splitlines()[1] == "2026/27,autumn,02/09/2026,18/12/2026,26/10/2026,30/10/2026"
    code, out, _ = run("calendar", "count", "02/11/2026", "18/12/2026", "--weeks", "6", "--json")
    counted = json.loads(out)
    assert counted["school_days"] == 34 and counted["after_weeks"]["date"] == "2026-12-14"

    before = _counts(run)
    overlap = tmp_path / "overlap.csv"
    overlap.write_text(
        "term,start,end\nautumn,01/09/2027,17/12/2027\n"
        "spring,10/12/2027,31/03/2028\nsummer,18/04/2028,21/07/2028\n"
    )
    code, _, err = run("calendar", "import", str(overlap))
    _one_line_failure(code, err, "overlaps the autumn term 2027/28")
    broken = tmp_path / "broken.csv"
    broken.write_text("when,what\n1,2\n")
    code, _, err = run("calendar", "import", str(broken))
    _one_line_failure(code, err, "has no term, start, end column")
    code, _, err = run("calendar", "import", str(tmp_path / "missing.csv"))
    _one_line_failure(code, err, "Cannot read")
    assert _counts(run) == before


def test_every_reason_code_is_documented():
    from panel_app.core.rules.ladder import REASON_CODES

    text = (Path(__file__).parents[1] / "docs" / "CLI.md").read_text()
    assert [c for c in REASON_CODES if c not in text] == []


def test_ladder_file_with_a_word_for_a_list_or_not_utf8_is_refused_plainly(run, tmp_path):
    assert run("ladder", "load", "lincolnshire")[0] == 0
    code, out, _ = run("ladder", "show", "--json")
    definition = json.loads(out)["ladder"]["definition"]
    step = definition["steps"][-1]
    before = run("ladder", "history", "--json")[1]
    path = tmp_path / "mine.json"
    for where, field, value in ((step, "unlocks", "ap-place"),
                                (step["items"][0], "outcomes", "completed")):
        edited = json.loads(json.dumps(definition))
        target = edited["steps"][-1] if where is step else edited["steps"][-1]["items"][0]
        target[field] = value
        path.write_text(json.dumps(edited), encoding="utf-8")
        code, _, err = run("ladder", "load", str(path))
        assert code == 1 and err.count("\n") == 1, err
        assert f"Step {len(definition['steps'])} ({step['name']})" in err, err
        assert f'{field} must be a list, written ["{value}"]' in err, err
    assert run("ladder", "history", "--json")[1] == before  # nothing stored

    definition["name"] = "Échelle de Lincolnshire"
    path.write_bytes(json.dumps(definition, ensure_ascii=False).encode("latin-1"))
    code, _, err = run("ladder", "load", str(path))
    assert code == 1 and err == (
        "panel-app: mine.json is not a UTF-8 JSON ladder file: save it as UTF-8 (as "
        "'panel-app ladder show --json' writes it) and load it again. Nothing was changed.\n")
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(definition).encode("utf-8"))  # with a BOM
    assert run("ladder", "load", str(path))[0] == 0
