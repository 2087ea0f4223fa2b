"""One worker thread that owns the open partnership session.

Every database call runs on this thread, in the order it was submitted, so the
session's SQLCipher connection is only ever used from one thread. The GUI submits
``fn(session) -> result`` and gets the result (or the exception) back on the GUI
thread by Qt signal, much like Anki's ``QueryOp``/``CollectionOp``. Code that runs on
the worker must never touch a widget.

Opening (unlock, create, build the demo) also runs here, because that is where the
connection is made; the worker keeps the session and hands the GUI a plain payload.

Locking bumps an *epoch*: results of jobs submitted before the lock are dropped, so a
case list that was still being queried cannot refill a view after the lock cleared it.
"""

from __future__ import annotations

import itertools
import logging
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal

from panel_app.core.errors import LockedError, PanelError
from panel_app.core.services import CreatedPartnership, PartnershipSession
from panel_app.gui.qtcompat import emit

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]
ProgressSlot = Callable[[int, int, str], None]


def error_text(exc: BaseException) -> str:
    """The sentence to show a user for an error that came back from the worker."""
    if isinstance(exc, PanelError):
        return str(exc)
    return (f"Something unexpected went wrong ({type(exc).__name__}). "
            "Try again; if it happens again, report it with the log file.")


@dataclass
class _Job:
    job_id: int
    kind: str  # "session", "plain", "open", "lock"
    fn: Callable[..., Any] | None
    wants_progress: bool


@dataclass
class _Callbacks:
    epoch: int
    success: Success | None
    failure: Failure | None
    progress: ProgressSlot | None
    parent: QObject | None


class _WorkerThread(QThread):
    """Runs jobs from a queue, one at a time. The session lives only here."""

    job_done = Signal(int, bool, object)
    job_progress = Signal(int, int, int, str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("panel-db-worker")
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._session: PartnershipSession | None = None

    def put(self, job: _Job | None) -> None:
        self._jobs.put(job)

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                self._lock_session()
                return
            try:
                result = self._execute(job)
            except Exception as exc:  # every error goes back to the GUI, never lost
                if not isinstance(exc, PanelError):
                    log.error("worker job failed: %s", type(exc).__name__, exc_info=exc)
                emit(self.job_done, job.job_id, False, exc)
            else:
                emit(self.job_done, job.job_id, True, result)

    def _progress_for(self, job: _Job) -> Progress:
        def progress(done: int, total: int, text: str = "") -> None:
            emit(self.job_progress, job.job_id, int(done), int(total), str(text))

        return progress

    def _execute(self, job: _Job) -> Any:
        args: list[Any] = []
        if job.kind == "lock":
            self._lock_session()
            return None
        if job.kind == "session":
            if self._session is None or self._session.locked:
                raise LockedError("The partnership is locked: unlock it to continue.")
            args.append(self._session)
        if job.wants_progress:
            args.append(self._progress_for(job))
        assert job.fn is not None
        if job.kind != "open":
            return job.fn(*args)
        # Opening: close whatever was open, then keep the new session here.
        self._lock_session()
        opened = job.fn(*args)
        extra: dict[str, Any] = {}
        if isinstance(opened, CreatedPartnership):
            extra = {"recovery_key": opened.recovery_key, "in_keyring": opened.in_keyring,
                     "keyring_note": opened.keyring_note}
            opened = opened.session
        if not isinstance(opened, PartnershipSession):
            raise TypeError("an open job must return a session")
        self._session = opened
        info = opened.info()
        info.update(extra)
        return info

    def _lock_session(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.lock()
            except Exception as exc:
                log.error("lock failed: %s", type(exc).__name__)


class SessionHost(QObject):
    """The GUI's handle on the worker. Create one per application; call ``shutdown``."""

    opened = Signal(dict)  # the session's info() after any successful open
    locked = Signal()  # emitted on the GUI thread as soon as a lock is requested

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._epoch = 0
        self._pending: dict[int, _Callbacks] = {}
        self._is_open = False
        self._thread = _WorkerThread()
        self._thread.job_done.connect(self._on_done)
        self._thread.job_progress.connect(self._on_progress)
        self._thread.start()

    # -- state seen from the GUI --------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._is_open

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    # -- submitting ---------------------------------------------------------------------
    def run(self, fn: Callable[..., Any], *, success: Success | None = None,
            failure: Failure | None = None, progress: ProgressSlot | None = None,
            parent: QObject | None = None) -> int:
        """Run ``fn(session)`` (or ``fn(session, progress)`` when ``progress`` is given)."""
        return self._submit("session", fn, success, failure, progress, parent)

    def call(self, fn: Callable[..., Any], *, success: Success | None = None,
             failure: Failure | None = None, progress: ProgressSlot | None = None,
             parent: QObject | None = None) -> int:
        """Run ``fn()`` (or ``fn(progress)``) on the worker without the session."""
        return self._submit("plain", fn, success, failure, progress, parent)

    def open(self, opener: Callable[..., Any], *, success: Success | None = None,
             failure: Failure | None = None, progress: ProgressSlot | None = None,
             parent: QObject | None = None) -> int:
        """Run ``opener()`` (or ``opener(progress)``), which returns a session or a
        ``CreatedPartnership``; the worker keeps the session and ``success`` gets
        ``session.info()`` plus ``recovery_key`` etc. for a new partnership."""

        self._epoch += 1  # whatever was open is closed first: drop its results
        self._pending = {k: v for k, v in self._pending.items() if v.epoch == self._epoch}
        self._is_open = False

        def opened(info: dict[str, Any]) -> None:
            self._is_open = True
            emit(self.opened, info)
            if success is not None:
                success(info)

        return self._submit("open", opener, opened, failure, progress, parent)

    def lock(self, done: Callable[[], None] | None = None) -> None:
        """Lock now: drop every pending result, then close the session on the worker."""
        self._epoch += 1
        self._pending = {k: v for k, v in self._pending.items() if v.epoch == self._epoch}
        self._is_open = False
        self._submit("lock", None, (lambda _r: done()) if done else None, None, None, None)
        emit(self.locked)

    @property
    def running(self) -> bool:
        """False once ``shutdown`` has stopped the worker (the app is closing)."""
        return self._thread.isRunning()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Lock the session and stop the thread (waits for the job in hand)."""
        if not self._thread.isRunning():
            return
        self._epoch += 1
        self._pending.clear()
        self._is_open = False
        self._thread.put(None)
        if not self._thread.wait(timeout_ms):
            log.error("database worker did not stop in time")

    def _submit(self, kind: str, fn: Callable[..., Any] | None, success: Success | None,
                failure: Failure | None, progress: ProgressSlot | None,
                parent: QObject | None) -> int:
        if not self._thread.isRunning():
            raise RuntimeError("the database worker has been shut down")
        job_id = next(self._ids)
        wants_progress = progress is not None and fn is not None
        self._pending[job_id] = _Callbacks(self._epoch, success, failure, progress, parent)
        self._thread.put(_Job(job_id, kind, fn, wants_progress))
        return job_id

    # -- results (GUI thread) -----------------------------------------------------------
    def _live(self, job_id: int, pop: bool) -> _Callbacks | None:
        cb = self._pending.pop(job_id, None) if pop else self._pending.get(job_id)
        if cb is None or cb.epoch != self._epoch:
            return None
        if cb.parent is not None and not shiboken6.isValid(cb.parent):
            return None
        return cb

    def _on_done(self, job_id: int, ok: bool, payload: object) -> None:
        cb = self._live(job_id, pop=True)
        if cb is None:
            return
        if ok:
            if cb.success is not None:
                cb.success(payload)
            return
        assert isinstance(payload, BaseException)
        if cb.failure is not None:
            cb.failure(payload)
        elif not isinstance(payload, LockedError):
            log.error("unhandled worker error: %s", type(payload).__name__)

    def _on_progress(self, job_id: int, done: int, total: int, text: str) -> None:
        cb = self._live(job_id, pop=False)
        if cb is not None and cb.progress is not None:
            cb.progress(done, total, text)

