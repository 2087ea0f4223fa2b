"""Helpers for the in-process `panel-app` tests over the template database: a runner with
PANEL_DB and PANEL_PASSPHRASE set, and asserting a command succeeds or fails in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.test_cli import Run


def run_on_db(keyring, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Run:
    """A runner for the database at ``db_path``, unlocked with the test passphrase."""
    monkeypatch.setenv("PANEL_DB", str(db_path))
    monkeypatch.setenv("PANEL_PASSPHRASE", PASSPHRASE)
    return Run(keyring, monkeypatch)


def ok(run: Run, *argv: str) -> str:
    code, out, err = run(*argv)
    assert code == 0, err
    return out


def fails(run: Run, *argv: str) -> str:
    code, out, err = run(*argv)
    assert code == 1, (out, err)
    assert err.count("\n") == 1, err  # one line saying what to do
    return err
