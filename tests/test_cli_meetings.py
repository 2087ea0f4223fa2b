"""`panel-app person/meeting/minutes/actions` in-process over a real encrypted file:
schedule, refer, build the agenda, attend, decide, act, print and approve the minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pypdf
import pytest

from tests.cli_util import fails, ok, run_on_db
from tests.core.util import case_values
from tests.test_cli import Run


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    return run_on_db(no_keyring, monkeypatch, db_path)


@pytest.fixture
def people(run: Run) -> Run:
    ok(run, "school", "add", "Hilltop School", "--code", "HIL")
    for name, role, school in (("Anna Vice", "vice principal", "Oakfield Academy"),
                               ("Ben Head", "assistant head", "RIV"),
                               ("Cara Hill", "vice principal", "HIL"),
                               ("Carl Clerk", "clerk", None)):
        argv = ["person", "add", name, "--role", role]
        if school:
            argv += ["--school", school]
        ok(run, *argv)
    return run


def add_case(run: Run, first: str, last: str, serial: int) -> str:
    v = case_values(first, last, serial=serial)
    out = ok(run, "case", "add", "--first-name", first, "--last-name", last, "--dob", v["dob"],
             "--upn", v["upn"], "--year", v["year_group"], "--school", "Oakfield Academy",
             "--json")
    return str(json.loads(out)["case_ref"])


def test_meeting_round_trip(people: Run, tmp_path: Path):
    run = people
    zoe = add_case(run, "Zoë", "Ñúñez", 1)
    sam = add_case(run, "Sam", "Eckersley", 2)
    assert "Referred" in ok(run, "meeting", "refer", zoe, "--category", "AP place",
                            "--on", "04/11/2026", "--summary", "Request for a place")
    ok(run, "meeting", "refer", sam, "--fair-access", "new arrival", "--on", "06/11/2026")
    out = ok(run, "meeting", "add", "10/11/2026", "--time", "09:30", "--end", "11:30",
             "--venue", "OAK", "--chair", "Anna Vice", "--clerk", "Carl Clerk", "--json")
    added = json.loads(out)
    assert added["meetings"][0]["date"] == "2026-11-10"
    assert added["meetings"][0]["venue"] == "Oakfield Academy"

    code, out, err = run("meeting", "agenda", "10/11/2026", "--build")
    assert code == 0 and "cut-off 05/11/2026" in out
    assert "LATE" in out and "warning: Item 3" in err  # Sam referred after the cut-off
    agenda = json.loads(ok(run, "meeting", "agenda", "last", "--json"))["agenda"]
    assert [i["section"] for i in agenda] == ["opening", "new", "fair_access", "aob"]

    code, out, err = run("meeting", "attend", "10/11/2026", "--present", "Anna Vice,Ben Head",
                         "--apologies", "Cara Hill")
    assert code == 0 and "quorate: 2 of 3" in out and err == ""
    ok(run, "meeting", "declare", "10/11/2026", "Ben Head", "Governor at Oakfield",
       "--item", "2")
    out = ok(run, "meeting", "decide", "10/11/2026", "2", "approved_with_conditions",
             "--votes", "3/1/0", "--conditions", "Twelve weeks", "--rationale",
             "Ladder followed", "--dissent", "One member preferred a move",
             "--review", "08/12/2026")
    assert "Approved with conditions" in out
    ok(run, "meeting", "decide", "10/11/2026", "3", "deferred")
    out = ok(run, "meeting", "action", "10/11/2026", "Arrange the admission meeting",
             "--owner", "Ben Head", "--due", "17/11/2026", "--item", "2", "--json")
    action_id = json.loads(out)["action"]["id"]

    view = json.loads(ok(run, "meeting", "show", "10/11/2026", "--json"))
    assert view["quorum"]["quorate"] and view["cutoff"] == "2026-11-05"
    assert view["agenda"][1]["decision"]["votes_for"] == 3
    assert view["actions"][0]["state"] == "overdue"  # due 17/11, today is 22/11
    text = ok(run, "meeting", "show", "10/11/2026")
    assert "Governor at Oakfield" in text and "Approved with conditions" in text
    assert "Zoë" not in text  # the terminal view shows case references, not names

    overdue = json.loads(ok(run, "actions", "--overdue", "--json"))
    assert [a["id"] for a in overdue] == [action_id]
    assert "overdue" in ok(run, "actions").lower()

    members = tmp_path / "members.pdf"
    circ = tmp_path / "circulation.pdf"
    assert "not encrypted" in ok(run, "minutes", "10/11/2026", "--out", str(members))
    ok(run, "minutes", "10/11/2026", "--out", str(circ), "--circulation")
    members_text = "".join(p.extract_text() for p in pypdf.PdfReader(members).pages)
    circ_text = "".join(p.extract_text() for p in pypdf.PdfReader(circ).pages)
    assert "Zoë Ñúñez" in members_text and "Arrange the admission meeting" in members_text
    assert "Ñúñez" not in circ_text and "ZÑ" in circ_text

    # approve at the next meeting: frozen, corrections are new versions
    ok(run, "meeting", "add", "24/11/2026", "--venue", "RIV")
    out = ok(run, "minutes", "10/11/2026", "--approve", "--at", "24/11/2026")
    assert "version 1" in out and "frozen" in out
    approved = tmp_path / "approved.pdf"
    ok(run, "minutes", "10/11/2026", "--out", str(approved))
    err = fails(run, "meeting", "action", "10/11/2026", "More", "--owner", "Ben Head")
    assert "Nothing was saved." in err and "--correct" in err
    ok(run, "minutes", "10/11/2026", "--correct", "Owner of action 2 added")
    ok(run, "meeting", "action", "10/11/2026", "More", "--owner", "Ben Head")
    ok(run, "minutes", "10/11/2026", "--approve")
    versions = json.loads(ok(run, "minutes", "10/11/2026", "--versions", "--json"))
    assert [(v["version"], v["status"]) for v in versions] == [(1, "approved"),
                                                               (2, "approved")]
    first = tmp_path / "v1.pdf"
    ok(run, "minutes", "10/11/2026", "--version", "1", "--out", str(first))
    assert first.read_bytes() == approved.read_bytes()  # version 1 stays as approved
    assert first.read_bytes() != members.read_bytes()  # the draft said DRAFT

    ok(run, "actions", "--complete", action_id[:8])
    assert json.loads(ok(run, "actions", "--done", "--json"))[0]["id"] == action_id
    listing = ok(run, "meeting", "list")
    assert "approved v2" in listing and "24/11/2026" in listing


def test_series_settings_and_bad_input(people: Run):
    run = people
    out = ok(run, "meeting", "settings", "--quorum", "3", "--cutoff-day", "fri",
             "--marking", "OFFICIAL", "--json")
    settings = json.loads(out)
    assert settings["quorum_schools"] == 3 and settings["cutoff_weekday"] == 4
    assert settings["cutoff_rule"] == "the Friday of the week before the meeting"
    code, out, err = run("meeting", "add", "08/12/2026", "--repeat", "3", "--json")
    assert code == 0
    dates = [m["date"] for m in json.loads(out)["meetings"]]
    assert dates == ["2026-12-08", "2027-01-05", "2027-01-19"]
    assert "warning: Skipped dates that are not school days: 22/12/2026." in err

    err = fails(run, "meeting", "add", "27/10/2026")
    assert "half-term" in err and "--allow-holiday" in err
    code, _, err = run("meeting", "add", "27/10/2026", "--allow-holiday")
    assert code == 0 and "warning:" in err
    assert "already a meeting on 08/12/2026 at 09:30" in fails(
        run, "meeting", "add", "08/12/2026")
    assert "not a real date" in fails(run, "meeting", "add", "31/02/2027")
    assert "not a time" in fails(run, "meeting", "add", "09/02/2027", "--time", "late")
    assert "not a day of the week" in fails(run, "meeting", "settings", "--cutoff-day", "x")
    err = fails(run, "meeting", "decide", "08/12/2026", "4", "approved")
    assert "Item 4 is not on the agenda of the meeting on 08/12/2026" in err
    err = fails(run, "meeting", "action", "08/12/2026", "Call home")
    assert "An action needs an owner" in err
    assert "not a vote count" in fails(run, "meeting", "decide", "08/12/2026", "1", "approved",
                                       "--votes", "lots")
    assert "--out FILE.pdf" in fails(run, "minutes", "08/12/2026")
    assert "No meeting on 01/03/2027" in fails(run, "meeting", "show", "01/03/2027")
    listed = json.loads(ok(run, "meeting", "list", "--json"))
    assert len(listed) == 4  # nothing stored by the refused commands


def test_person_list_json(people: Run):
    people_json = json.loads(ok(people, "person", "list", "--json"))
    assert {p["name"] for p in people_json} == {"Anna Vice", "Ben Head", "Cara Hill",
                                                "Carl Clerk"}
    assert "No person called 'Nobody'" in fails(people, "meeting", "add", "08/12/2026",
                                                "--chair", "Nobody")


def test_help_lists_the_commands(run: Run, capsys):
    code, _, _ = run("--help")  # argparse prints help to the process's stdout
    out = capsys.readouterr().out
    assert code == 0
    for word in ("meeting", "minutes", "actions", "person"):
        assert word in out
