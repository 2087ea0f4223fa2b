"""`panel-app identity|card|bundle|conflicts`, run in-process over two real encrypted
installations of one partnership (the panel clerk and Riverside School)."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

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
    assert code == 0 and "1 new cases" in out, err
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
