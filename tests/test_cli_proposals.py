"""`panel-app proposal/move/moves/placement/quota` in-process over a real encrypted file:
a quota year like South Rotherham, a managed move and an AP place through their
lifecycles, the moves report, and one-line failures that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_util import fails, ok, run_on_db
from tests.core.util import case_values
from tests.test_cli import Run


@pytest.fixture
def run(no_keyring, monkeypatch, db_path: Path) -> Run:
    return run_on_db(no_keyring, monkeypatch, db_path)


def add_case(run: Run, first: str, last: str, serial: int, school: str) -> str:
    v = case_values(first, last, serial=serial)
    out = ok(run, "case", "add", "--first-name", first, "--last-name", last, "--dob", v["dob"],
             "--upn", v["upn"], "--year", v["year_group"], "--school", school, "--json")
    return str(json.loads(out)["case_ref"])


def test_quota_set_and_report_like_south_rotherham(run: Run):
    out = ok(run, "quota", "set", "--year", "2026/27", "--places", "30", "--cost", "17,500",
             "--funded-places", "36", "--formula", "roll-fsm", "--roll-weight", "0.5",
             "--fsm-weight", "0.5", "--json")
    quota = json.loads(out)["quota"]
    assert quota["envelope"] == 63_000_000 and quota["committed"] == 52_500_000
    assert sum(quota["allocations"].values()) == 30
    report = json.loads(ok(run, "quota", "report", "--year", "2026/27", "--json"))
    assert report["money"]["text"]["left"] == "£105,000"
    assert report["money"]["text"]["envelope"] == "£630,000"
    assert {s["name"] for s in report["schools"]} == {"Oakfield Academy", "Riverside School"}
    text = ok(run, "quota", "report")
    assert "left for other programmes £105,000" in text and "Oakfield Academy" in text
    err = fails(run, "quota", "set", "--places", "3", "--cost", "10", "--allocate", "OAK=1",
                "--allocate", "RIV=1")
    assert err.startswith("Nothing was saved.") and "add up to 2 place(s)" in err
    assert "negative" in fails(run, "quota", "set", "--places", "3", "--cost", "-10")
    charged = json.loads(ok(run, "quota", "charge", "RIV", "--on", "02/11/2026", "--json"))
    assert charged["charge"]["amount_text"] == "£17,500"
    assert json.loads(ok(run, "quota", "report", "--json"))["money"]["charges"] == 1_750_000


def test_a_managed_move_through_the_cli(run: Run):
    ref = add_case(run, "Zoë", "Ñúñez", 1, "Oakfield Academy")
    out = ok(run, "proposal", "add", ref, "--kind", "managed-move", "--to", "RIV",
             "--title", "Fresh start", "--weeks", "6", "--json")
    pid = json.loads(out)["id"]
    code, out, err = run("proposal", "submit", pid[:8])
    assert code == 0 and "Submitted the managed move" in out
    assert "not checked" in err or "could not be checked" in err  # no ladder yet
    board = json.loads(ok(run, "proposal", "list", "--board", "--json"))
    assert board["counts"]["submitted"] == 1
    assert "Submitted (1)" in ok(run, "proposal", "list", "--board")
    out = ok(run, "proposal", "decide", pid[:8], "approved_with_conditions", "--conditions",
             "Weekly check-in")
    assert "Approved with conditions" in out
    out = ok(run, "move", "add", ref, "--to", "RIV", "--start", "23/11/2026", "--weeks", "6",
             "--notified", "18/11/2026", "--review", "04/12/2026", "--proposal", pid[:8],
             "--json")
    move = json.loads(out)["move"]
    assert move["planned_end"] == "2027-01-18" and move["planned_weeks"] == 6.0
    assert json.loads(ok(run, "proposal", "show", pid[:8], "--json"))["state"] == "active"
    ok(run, "move", "update", move["id"][:8], "--admission", "23/11/2026",
       "--attendee", "home:Ms Head", "--attendee", "receiving:Mr Vice",
       "--attendee", "family:Parent", "--target", "Attendance above 95%")
    shown = ok(run, "move", "show", move["id"][:8])
    assert "Ms Head (home)" in shown and "target: Attendance above 95%" in shown
    due = json.loads(ok(run, "move", "due", "--json"))
    assert [d["code"] for d in due] == ["move_review_due"]
    assert "is due for review on 04/12/2026" in ok(run, "move", "due")
    ok(run, "move", "end", move["id"][:8], "--outcome", "converted", "--on", "15/01/2027",
       "--reentry", "15/01/2027")
    shown = json.loads(ok(run, "proposal", "show", pid[:8], "--json"))
    assert shown["state"] == "closed" and shown["close_outcome"] == "converted"
    assert [h["event"] for h in shown["history"]] == ["create", "submit", "decide", "start",
                                                      "close"]
    report = json.loads(ok(run, "moves", "report", "--json"))
    assert report["overall"]["rates"]["converted"]["text"] == "1 of 1 (100%)"
    text = ok(run, "moves", "report")
    assert "converted to a permanent admission: 1 of 1 (100%)" in text
    assert "Riverside School" in text
    assert "managed-move: Permanent move" in ok(run, "move", "labels", "--managed-move",
                                                "Permanent move")
    assert "Permanent move" in ok(run, "move", "labels")
    assert "Attendance target" in ok(run, "move", "template")


def test_an_ap_place_and_bad_input_through_the_cli(run: Run):
    ref = add_case(run, "Tyler", "Ashdown", 2, "Riverside School")
    other = add_case(run, "Mia", "Blakemore", 3, "Riverside School")
    ok(run, "quota", "set", "--places", "1", "--cost", "17,500", "--allocate", "OAK=1")
    pid = json.loads(ok(run, "proposal", "add", ref, "--kind", "ap-place", "--start",
                        "30/11/2026", "--weeks", "6", "--json"))["id"]
    ok(run, "proposal", "submit", pid)
    err = fails(run, "proposal", "decide", pid, "approved")
    assert "over its allocation" in err and "give the name" in err
    code, out, err = run("proposal", "decide", pid, "approved", "--over-quota-by", "Lena")
    assert code == 0 and "approved over quota by Lena" in out and "warning:" in err
    out = ok(run, "placement", "add", ref, "--provider-type", "pru", "--provider", "Vale PRU",
             "--start", "30/11/2026", "--weeks", "6", "--review", "14/12/2026",
             "--proposal", pid, "--json")
    placement = json.loads(out)["placement"]
    assert placement["in_quota"] and placement["status"] == "planned"
    assert "Vale PRU" in ok(run, "placement", "list")
    assert fails(run, "placement", "add", ref, "--provider-type", "registered",
                 "--start", "01/12/2026", "--weeks", "2").startswith("Nothing was saved.")
    ok(run, "proposal", "review", pid)
    ok(run, "proposal", "review", pid, "--done")
    ok(run, "placement", "end", placement["id"][:8], "--outcome", "reintegrated", "--on",
       "15/01/2027")
    assert json.loads(ok(run, "proposal", "show", pid, "--json"))["state"] == "closed"
    # Refused transitions and bad input: one line, nothing changed.
    assert "cannot" in fails(run, "proposal", "submit", pid)
    assert "cannot" in fails(run, "proposal", "start", pid)
    assert "different receiving school" in fails(run, "move", "add", other, "--to", "RIV",
                                                 "--start", "23/11/2026")
    assert "before the start" in fails(run, "move", "add", other, "--to", "OAK", "--start",
                                       "23/11/2026", "--end", "20/11/2026")
    assert "No proposal" in fails(run, "proposal", "show", "ffffffff")
    assert json.loads(ok(run, "move", "list", "--json")) == []
    listed = json.loads(ok(run, "proposal", "list", "--json"))
    assert [p["state"] for p in listed] == ["closed"]
    turn = json.loads(ok(run, "moves", "turn", "Y9", "--json"))
    assert [t["position"] for t in turn] == [1, 2]
    assert "Whose turn for Y9" in ok(run, "moves", "turn", "Y9")
