"""`panel-app identity|card|bundle|conflicts`, run in-process over two real encrypted
installations of one partnership (the panel clerk and Riverside School)."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import pytest

from panel_app.core.domain.dates import uk_datetime
from tests.conftest import PASSPHRASE
from tests.test_cli import Run


@pytest.fixture
def two(no_keyring, monkeypatch, _template_db: Path, tmp_path: Path):
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PANEL_DB", raising=False)
    monkeypatch.delenv("PANEL_BUNDLE_PASSPHRASE", raising=False)
    paths = {}
    for name in ("panel", "riv"):
        target = tmp_path / f"{name}.panel"
        shutil.copy2(_template_db, target)
        shutil.copy2(str(_template_db) + ".key", str(target) + ".key")
        paths[name] = str(target)
    run = Run(no_keyring, monkeypatch)

    def on(name: str, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        return run("--db", paths[name], *argv, stdin=stdin)

    assert on("riv", "identity", "new", "--yes")[0] == 0  # the copy becomes its own installation
    assert on("panel", "identity", "school", "--panel")[0] == 0
    code, out, err = on("riv", "identity", "school", "RIV")
    assert code == 0, err
    assert "Riverside School" in out
    return on, tmp_path


def _fingerprint(on, name: str) -> str:
    code, out, _ = on(name, "identity", "show", "--json")
    assert code == 0
    return json.loads(out)["fingerprint"]


def _exchange_cards(on, folder: Path) -> None:
    for a, b in (("panel", "riv"), ("riv", "panel")):
        card = folder / f"{a}.card"
        assert on(a, "card", "export", "--out", str(card))[0] == 0
        code, out, err = on(b, "card", "import", str(card), "--fingerprint", _fingerprint(on, a))
        assert code == 0, err
        assert "Added the card" in out


def test_cards_need_a_confirmed_fingerprint(two):
    on, folder = two
    card = folder / "panel.card"
    code, out, err = on("panel", "card", "export", "--out", str(card))
    assert code == 0 and _fingerprint(on, "panel") in out
    code, _, err = on("riv", "card", "import", str(card))
    assert code == 1 and "--fingerprint" in err and err.count("\n") == 1
    code, _, err = on("riv", "card", "import", str(card), "--fingerprint",
                      "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert code == 1 and "does not match" in err
    fp = _fingerprint(on, "panel")
    code, out, err = on("riv", "card", "import", str(card), "--fingerprint", fp.lower(), "--json")
    assert code == 0, err
    assert json.loads(out)["seat"] == "panel"
    code, out, _ = on("riv", "card", "list", "--json")
    assert [p["fingerprint"] for p in json.loads(out)] == [fp]
    code, out, _ = on("riv", "card", "revoke", fp)
    assert code == 0 and "Revoked" in out


def test_bundle_round_trip_with_preview_conflict_and_resolution(two):
    on, folder = two
    _exchange_cards(on, folder)
    code, out, err = on("riv", "case", "add", "--first-name", "Ann", "--last-name", "Lee",
                        "--dob", "01/10/2012", "--year", "Y9", "--school", "RIV", "--json")
    assert code == 0, err
    case = json.loads(out)
    r1 = folder / "r1.panelbundle"
    code, out, err = on("riv", "bundle", "export", "--to", "panel", "--out", str(r1), "--json")
    assert code == 0, err
    exported = json.loads(out)
    assert exported["size"] == r1.stat().st_size and exported["counts"]["records"]["case"] == 1
    assert stat.S_IMODE(r1.stat().st_mode) == 0o600

    code, out, err = on("panel", "bundle", "inspect", str(r1), "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["signature"] == "valid" and info["sender"]["label"].startswith("Riverside")
    code, out, err = on("panel", "bundle", "verify", str(r1))
    assert code == 0 and out.startswith("OK")
    code, out, err = on("panel", "bundle", "import", str(r1), "--dry-run")
    assert code == 0 and case["case_ref"] in out and "Dry run" in out
    code, _, err = on("panel", "bundle", "import", str(r1))
    assert code == 1 and "--yes" in err  # no terminal to ask on
    code, out, err = on("panel", "bundle", "import", str(r1), "--yes")
    assert code == 0 and "Imported" in out, err
    code, out, _ = on("panel", "bundle", "import", str(r1), "--yes")
    assert code == 0 and "already imported" in out

    # both change the same field; each sends what changed since its last bundle
    assert on("panel", "case", "update", case["id"], "--risk", "red")[0] == 0
    assert on("riv", "case", "update", case["id"], "--risk", "amber")[0] == 0
    p1, r2 = folder / "p1.panelbundle", folder / "r2.panelbundle"
    assert on("panel", "bundle", "export", "--to", "RIV", "--out", str(p1))[0] == 0
    code, out, err = on("riv", "bundle", "export", "--to", "panel", "--out", str(r2),
                        "--since-last")
    assert code == 0 and "incremental" in out and "Builds on bundle number 1" in out, err
    code, out, err = on("riv", "bundle", "import", str(p1), "--yes")
    assert code == 0 and "conflicts list" in out, err
    code, out, _ = on("riv", "conflicts", "list", "--json")
    [conflict] = json.loads(out)
    assert (conflict["field"], conflict["mine"]["value"], conflict["theirs"]["value"]) == (
        "risk", "amber", "red")
    code, out, _ = on("riv", "conflicts", "list")
    assert "amber" in out and "red" in out
    code, _, err = on("riv", "conflicts", "resolve", conflict["id"][:8])
    assert code == 1 and "--theirs" in err
    code, out, err = on("riv", "conflicts", "resolve", conflict["id"][:8], "--theirs")
    assert code == 0, err
    assert on("riv", "conflicts", "list")[1] == "No conflicts to resolve.\n"
    assert on("panel", "bundle", "import", str(r2), "--yes")[0] == 0
    r3 = folder / "r3.panelbundle"
    assert on("riv", "bundle", "export", "--to", "panel", "--out", str(r3), "--since-last")[0] == 0
    assert on("panel", "bundle", "import", str(r3), "--yes")[0] == 0
    assert on("panel", "conflicts", "list")[1] == "No conflicts to resolve.\n"
    for site in ("panel", "riv"):
        assert json.loads(on(site, "case", "show", case["id"], "--json")[1])["risk"] == "red"
    code, out, _ = on("panel", "bundle", "history", "--json")
    assert [h["direction"] for h in json.loads(out)].count("received") == 3
    code, out, _ = on("riv", "bundle", "history")
    assert "Contents" in out and "1 conflict" in out  # not the count of changes received
    assert "incremental  1 record\n" in out


def test_passphrase_bundle_and_age_key_export(two, monkeypatch):
    on, folder = two
    _exchange_cards(on, folder)
    assert on("panel", "case", "add", "--first-name", "Ann", "--last-name", "Lee", "--dob",
              "01/10/2012", "--year", "Y9", "--school", "RIV")[0] == 0
    path = folder / "p.panelbundle"
    monkeypatch.delenv("PANEL_PASSPHRASE")
    code, out, err = on("panel", "--passphrase-stdin", "bundle", "export", "--to", "RIV",
                        "--out", str(path), "--passphrase",
                        stdin=f"{PASSPHRASE}\ncorrect horse battery\n")
    assert code == 0, err
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    code, _, err = on("riv", "bundle", "import", str(path), "--yes")
    assert code == 1 and "PANEL_BUNDLE_PASSPHRASE" in err
    monkeypatch.setenv("PANEL_BUNDLE_PASSPHRASE", "correct horse battery")
    code, out, err = on("riv", "bundle", "import", str(path), "--yes")
    assert code == 0 and "1 new case and " in out and "1 new cases" not in out, err
    key = folder / "riv.agekey"
    code, out, err = on("riv", "identity", "export-age-key", "--out", str(key))
    assert code == 0 and key.read_text().startswith("AGE-SECRET-KEY-1")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and "warning" in err


def test_refusals_are_one_line(two):
    on, folder = two
    junk = folder / "junk.panelbundle"
    junk.write_bytes(b"age-encryption.org/v1\n-> X25519 nonsense\n--- x\n" + b"\0" * 50)
    for argv in (("bundle", "import", str(junk), "--yes"),
                 ("bundle", "inspect", str(folder / "missing.panelbundle")),
                 ("bundle", "export", "--to", "OAK", "--out", str(folder / "x.panelbundle"))):
        code, out, err = on("riv", *argv)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert "no partner card" in on("riv", "bundle", "export", "--to", "OAK", "--out",
                                   str(folder / "x.panelbundle"))[2]


def test_preview_names_the_record_of_a_conflict_and_a_deletion_against_an_edit(two):
    """A record deleted by the sender but edited here: the preview says so in words (it
    printed the raw tombstone JSON); every conflict names its case reference."""
    on, folder = two
    _exchange_cards(on, folder)
    code, out, err = on("panel", "case", "add", "--first-name", "Ann", "--last-name", "Lee",
                        "--dob", "01/10/2012", "--year", "Y9", "--school", "RIV", "--json")
    assert code == 0, err
    ann = json.loads(out)["case_ref"]
    code, out, err = on("panel", "case", "add", "--first-name", "Bo", "--last-name", "Kay",
                        "--dob", "01/10/2012", "--year", "Y9", "--school", "RIV", "--json")
    bo = json.loads(out)["case_ref"]
    p1, p2 = folder / "p1.panelbundle", folder / "p2.panelbundle"
    assert on("panel", "bundle", "export", "--to", "RIV", "--out", str(p1))[0] == 0
    assert on("riv", "bundle", "import", str(p1), "--yes")[0] == 0
    assert on("panel", "delete", ann, "--reason", "recorded_in_error", "--yes")[0] == 0
    assert on("panel", "case", "update", bo, "--risk", "red", "--summary",
              "met the family")[0] == 0
    assert on("riv", "case", "update", ann, "--summary", "seen at Riverside")[0] == 0
    assert on("riv", "case", "update", bo, "--risk", "amber")[0] == 0
    assert on("panel", "bundle", "export", "--to", "RIV", "--since-last", "--out",
              str(p2))[0] == 0
    code, out, err = on("riv", "bundle", "import", str(p2), "--dry-run")
    assert code == 0, err
    assert f"CONFLICT case {ann}: deleted by the sender, changed here" in out
    assert f"CONFLICT case {bo} risk: here amber, theirs red" in out
    assert '"seen"' not in out and "__deleted__" not in out
    assert f"{bo}: summary: (empty) -> met the family" in out  # not "summary:  -> ..."
    code, out, err = on("riv", "bundle", "import", str(p2), "--dry-run", "--json")
    assert {c["record"] for c in json.loads(out)["preview"]["conflicts"]} == {ann, bo}


def test_a_card_made_before_its_school_was_set_is_named_by_that_school(
        two, _template_db, no_keyring, monkeypatch):
    """A new installation exports its card before it has a school (README: Oakfield's
    laptop); the clerk imports it with --school: the directory, bundle messages and history
    name the school, not "Unassigned installation"."""
    on, folder = two
    fresh = folder / "fresh.panel"
    shutil.copy2(_template_db, fresh)
    shutil.copy2(str(_template_db) + ".key", str(fresh) + ".key")
    run = Run(no_keyring, monkeypatch)
    assert run("--db", str(fresh), "identity", "new", "--yes")[0] == 0
    card = folder / "fresh.card"
    code, out, err = run("--db", str(fresh), "card", "export", "--out", str(card))
    assert code == 0, err
    assert json.loads(card.read_text())["card"]["label"].startswith("Unassigned installation")
    fp = json.loads(run("--db", str(fresh), "identity", "show", "--json")[1])["fingerprint"]
    code, out, err = on("panel", "card", "import", str(card), "--fingerprint", fp,
                        "--school", "OAK")
    assert code == 0, err
    code, out, _ = on("panel", "card", "list", "--json")
    [partner] = json.loads(out)
    assert partner["label"].startswith("Oakfield Academy (") and partner["school_name"] == (
        "Oakfield Academy")
    code, out, err = on("panel", "bundle", "export", "--to", "OAK", "--out",
                        str(folder / "to-oak.panelbundle"))
    assert code == 0 and "for Oakfield Academy (" in out, err
    assert "Unassigned" not in out


def test_summaries_count_in_words_and_history_is_local_time(two, london_time):
    on, folder = two
    _exchange_cards(on, folder)
    assert on("riv", "case", "add", "--first-name", "Ann", "--last-name", "Lee", "--dob",
              "01/10/2012", "--year", "Y9", "--school", "RIV")[0] == 0
    r1 = folder / "r1.panelbundle"
    code, out, err = on("riv", "bundle", "export", "--to", "panel", "--out", str(r1))
    assert code == 0, err
    assert "  1 case, " in out and ", 0 documents, 0 deletions." in out, out
    code, out, err = on("panel", "bundle", "import", str(r1), "--dry-run")
    assert code == 0 and "1 new case and " in out and "1 new cases" not in out, out
    code, out, err = on("panel", "bundle", "inspect", str(r1))
    assert code == 0 and re.search(r"made \d\d/\d\d/\d{4} \d\d:\d\d\n", out), out
    assert on("panel", "bundle", "import", str(r1), "--yes")[0] == 0
    code, out, _ = on("panel", "bundle", "history", "--json")
    [received] = json.loads(out)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", received["at"])  # JSON keeps ISO
    code, out, _ = on("panel", "bundle", "history")
    row = out.splitlines()[2]
    assert row.startswith(uk_datetime(received["at"]) + "  received"), out
    assert re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d  ", row)


def test_a_card_from_another_partnership_is_refused(two, no_keyring, monkeypatch):
    on, folder = two
    run = Run(no_keyring, monkeypatch)
    other = folder / "other.panel"
    code, _, err = run("--db", str(other), "init", "--partnership", "South PMG")
    assert code == 0, err
    assert run("--db", str(other), "school", "add", "Southfield School")[0] == 0
    assert run("--db", str(other), "identity", "school", "--panel")[0] == 0  # set up there
    card = folder / "south.card"
    assert run("--db", str(other), "card", "export", "--out", str(card))[0] == 0
    fp = json.loads(run("--db", str(other), "identity", "show", "--json")[1])["fingerprint"]
    code, out, err = on("panel", "card", "import", str(card), "--fingerprint", fp)
    assert code == 1 and err.count("\n") == 1, err
    assert "another partnership ('South PMG')" in err and "nothing was changed" in err, err
    assert json.loads(on("panel", "card", "list", "--json")[1]) == []

    # a new installation (no seat chosen yet) still sends its card to join this partnership
    new = folder / "new.panel"
    assert run("--db", str(new), "init", "--partnership", "New laptop")[0] == 0
    assert run("--db", str(new), "card", "export", "--out", str(card))[0] == 0
    fp = json.loads(run("--db", str(new), "identity", "show", "--json")[1])["fingerprint"]
    code, out, err = on("panel", "card", "import", str(card), "--fingerprint", fp,
                        "--school", "RIV")
    assert code == 0 and "Added the card" in out, err
