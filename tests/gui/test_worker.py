"""The worker thread: results and errors come back by signal, in order, on the GUI
thread; the session never leaves the worker; locking drops stale results."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from panel_app.core.errors import LockedError, WrongPassphraseError
from panel_app.core.services import unlock
from panel_app.gui.worker import SessionHost, error_text
from tests.conftest import PASSPHRASE
from tests.gui.conftest import WAIT_MS, open_in_host


def test_session_calls_run_on_the_worker_thread(qtbot: Any, host: SessionHost, ctx: Any,
                                                db_path: Path) -> None:
    info = open_in_host(qtbot, host, db_path, ctx)
    assert info["partnership"] == "Test Partnership"
    assert host.is_open
    seen: dict[str, Any] = {}

    def job(session: Any) -> list[str]:
        seen["thread"] = threading.get_ident()
        return [s.name for s in session.list_schools()]

    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.run(job, success=callback)
    assert callback.args == [["Oakfield Academy", "Riverside School"]]
    assert seen["thread"] != threading.get_ident()


def test_errors_come_back_as_exceptions(qtbot: Any, host: SessionHost, ctx: Any,
                                        db_path: Path) -> None:
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.open(lambda: unlock(db_path, passphrase="wrong passphrase", keyring=ctx.keyring),
                  failure=callback)
    (exc,) = callback.args
    assert isinstance(exc, WrongPassphraseError)
    assert "not right" in error_text(exc)
    assert not host.is_open
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.run(lambda s: s.list_cases(), failure=callback)
    assert isinstance(callback.args[0], LockedError)


def test_unexpected_errors_get_a_plain_message(qtbot: Any, host: SessionHost) -> None:
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.call(lambda: {}["missing"], failure=callback)
    text = error_text(callback.args[0])
    assert "KeyError" in text and "Traceback" not in text


def test_progress_is_reported_through_signals(qtbot: Any, host: SessionHost) -> None:
    steps: list[tuple[int, int, str]] = []

    def long_job(progress: Any) -> str:
        for i in range(1, 4):
            progress(i, 3, f"step {i}")
        return "done"

    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.call(long_job, success=callback,
                  progress=lambda d, t, text: steps.append((d, t, text)))
    assert callback.args == ["done"]
    assert steps == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


def test_lock_drops_results_of_earlier_jobs(qtbot: Any, host: SessionHost, ctx: Any,
                                            db_path: Path) -> None:
    open_in_host(qtbot, host, db_path, ctx)
    gate = threading.Event()
    late: list[Any] = []

    def slow(session: Any) -> int:
        gate.wait(5)
        return session.list_cases().all_cases

    host.run(slow, success=late.append, failure=late.append)
    with qtbot.waitCallback(timeout=WAIT_MS) as locked:
        host.lock(locked)
        gate.set()
    assert late == []
    assert not host.is_open
    # the file can be opened again afterwards
    assert open_in_host(qtbot, host, db_path, ctx)["partnership"] == "Test Partnership"


def test_shutdown_closes_the_session(qtbot: Any, ctx: Any, db_path: Path) -> None:
    host = SessionHost()
    try:
        open_in_host(qtbot, host, db_path, ctx)
    finally:
        host.shutdown()
    with pytest.raises(RuntimeError):
        host.run(lambda s: None)
    # the session was locked cleanly: the file opens with the passphrase again
    unlock(db_path, passphrase=PASSPHRASE, keyring=ctx.keyring).lock()

