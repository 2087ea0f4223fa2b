"""One running app per user and profile: a second launch hands over to the first.

The first launch takes a lock file and listens on a local socket (a Unix domain socket in a
folder only this user can enter; a named pipe on Windows), both named from a hash of the
user, the app id, the settings file and the data folder, so a temporary ``--settings`` or
``--data-dir`` (or another ``HOME``) is another, separate app. A later launch finds the lock
taken, connects and sends one line of JSON::

    {"v": 1, "bundle": "/abs/path/x.panelbundle" or null, "activate": true}

and the first answers ``{"ok": true}`` (or ``{"ok": false, "reason": ...}``) before the
second exits. The first brings its window (or its unlock dialog) to the front and previews
the bundle, after the unlock if it is locked.

Stale state after a crash: the lock file names a process that no longer runs, which
``QLockFile`` detects and takes over, and whoever holds the lock removes any socket file
left behind before listening. Two launches at once: only one gets the lock; the other
waits until it can connect (or until the lock comes free). Anything another local process
sends that is not exactly such a message, is longer than ``MAX_MESSAGE`` bytes or names
anything but an existing ``.panelbundle`` file is ignored.

Nothing here stops the app from starting: when no private folder, lock or socket is
available the app runs on its own and says why in the log.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QLockFile, QObject, Qt, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

from panel_app.core.bundles.format import SUFFIX as BUNDLE_SUFFIX
from panel_app.gui.qtcompat import emit

log = logging.getLogger(__name__)

APP_ID = "org.partnershippanel.PanelApp"
VERSION = 1
MAX_MESSAGE = 8 * 1024  # bytes, newline included; a longer message is dropped unread
MAX_CLIENTS = 8  # connections served at once; more are closed at once
CLIENT_TIMEOUT_MS = 5_000  # a connection that sends no whole message in this time is closed
CONNECT_WAIT_S = 30.0  # a second launch waits this long for a lock holder to listen
ANSWER_WAIT_MS = 10_000  # and this long for its answer
UNIX_PATH_MAX = 100  # sun_path is 104 bytes on macOS, 108 on Linux: stay below both


class Outcome(Enum):
    """What ``SingleInstance.claim`` found."""

    FIRST = "first"  # no other instance: this one holds the lock and should listen()
    HANDED_OVER = "handed over"  # the running instance accepted the message: exit 0
    REFUSED = "refused"  # it answered, but did not take the message (the reason is kept)
    NO_ANSWER = "no answer"  # it took the connection but did not answer in time
    ALONE = "alone"  # no lock or socket could be used: run without hand-over


@dataclass(frozen=True)
class HandOver:
    """A checked message from a second launch."""

    bundle: Path | None
    activate: bool = True


class Malformed(ValueError):
    """Not a hand-over message at all: dropped without an answer."""


class Refused(ValueError):
    """A well-formed message this instance will not act on: answered, then dropped."""


# -- names ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Location:
    """Where the lock file and the socket of one user's profile live."""

    name: str  # QLocalServer name: a socket path on Unix, a pipe name on Windows
    lock_file: Path

    @classmethod
    def for_profile(cls, settings: Path | None, data_dir: Path) -> Location | None:
        """The location for this user, the settings file (None: the user's own) and the
        data folder; None when there is no folder only this user can write to."""
        digest = profile_digest(settings, data_dir)
        stem = f"panel-app-{digest}"
        if sys.platform == "win32":
            # Named pipes have no folder; %TEMP% is the user's own. The server restricts
            # the pipe to this user (UserAccessOption).
            return cls(stem, Path(tempfile.gettempdir()) / f"{stem}.lock")
        for folder in private_dirs():
            socket_path = folder / f"{stem}.sock"
            if len(os.fsencode(socket_path)) < UNIX_PATH_MAX:
                return cls(str(socket_path), folder / f"{stem}.lock")
        return None


def _user() -> str:
    if sys.platform == "win32":
        return f"{os.environ.get('USERDOMAIN', '')}\\{getpass.getuser()}"
    return str(os.getuid())


def _norm(path: Path) -> str:
    return os.path.normcase(str(Path(path).expanduser().resolve()))


def profile_digest(settings: Path | None, data_dir: Path) -> str:
    parts = [APP_ID, _user(), _norm(settings) if settings else "", _norm(data_dir)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _is_private(path: Path, *, follow: bool = True) -> bool:
    """A folder owned by this user that nobody else may enter."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def private_dirs() -> Iterator[Path]:
    """Folders for the socket, best first (Unix): ``$XDG_RUNTIME_DIR``, the temporary
    folder when it is the user's own (macOS), else a ``panel-app-UID`` folder made in it
    (or in ``/tmp``, when ``$TMPDIR`` is too long for a socket path). Made only when
    reached."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and _is_private(Path(runtime)):
        yield Path(runtime)
    temp = Path(tempfile.gettempdir())
    if _is_private(temp):
        yield temp
    for parent in dict.fromkeys([temp, Path("/tmp")]):
        own = parent / f"panel-app-{os.getuid()}"
        try:
            own.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            log.warning("cannot make %s for the single-instance socket: %s", own, exc)
            continue
        if _is_private(own, follow=False):  # (not a link or folder someone else made)
            yield own


# -- the message ---------------------------------------------------------------------------
def encode(bundle: Path | None, activate: bool = True) -> bytes:
    path = str(Path(bundle).absolute()) if bundle is not None else None
    text = json.dumps({"v": VERSION, "bundle": path, "activate": activate}, ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def decode(line: bytes) -> HandOver:
    """``line`` without its newline. Raises ``Malformed`` or ``Refused``."""
    if len(line) >= MAX_MESSAGE:
        raise Malformed("too long")
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed("not JSON") from exc
    if not isinstance(data, dict) or type(data.get("v")) is not int:
        raise Malformed("not a hand-over message")
    if data["v"] != VERSION:
        raise Refused(f"message version {data['v']} is not understood")
    activate = data.get("activate", True)
    bundle = data.get("bundle")
    if not isinstance(activate, bool) or not (bundle is None or isinstance(bundle, str)):
        raise Malformed("wrong field types")
    if bundle is None:
        return HandOver(None, activate)
    if "\0" in bundle or not bundle:
        raise Malformed("not a file path")
    path = Path(bundle)
    try:
        is_bundle = (path.is_absolute() and path.suffix.lower() == BUNDLE_SUFFIX
                     and path.is_file())
    except (OSError, ValueError):
        is_bundle = False
    if not is_bundle:
        raise Refused(f"not an existing {BUNDLE_SUFFIX} file")
    return HandOver(path, activate)


def _answer(ok: bool, reason: str = "") -> bytes:
    data: dict[str, Any] = {"ok": ok}
    if reason:
        data["reason"] = reason
    return json.dumps(data).encode("ascii") + b"\n"


@dataclass(frozen=True)
class Reply:
    ok: bool
    reason: str = ""


def _parse_reply(data: bytes) -> Reply | None:
    try:
        value = json.loads(data.split(b"\n", 1)[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("ok"), bool):
        return None
    return Reply(value["ok"], str(value.get("reason", ""))[:200])


# -- the second launch ---------------------------------------------------------------------
def send(name: str, message: bytes, answer_ms: int = ANSWER_WAIT_MS) -> Reply | Outcome | None:
    """Send ``message`` to the server ``name``: None if nobody listens there, the reply, or
    ``Outcome.NO_ANSWER``. Blocking; needs no QApplication."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(1_000):
        return None
    try:
        sock.write(message)
        sock.flush()
        received = bytearray()
        deadline = time.monotonic() + answer_ms / 1000
        while b"\n" not in received and len(received) < 1024:
            left = int((deadline - time.monotonic()) * 1000)
            if sock.bytesAvailable() <= 0 and (left <= 0 or not sock.waitForReadyRead(left)):
                break
            received += bytes(sock.readAll().data())
        reply = _parse_reply(bytes(received)) if b"\n" in received else None
        return reply if reply is not None else Outcome.NO_ANSWER
    finally:
        sock.abort()


def _allow_foreground() -> None:
    """Windows lets only the foreground process (this new launch) bring a window to the
    front: allow the running instance to do it."""
    if sys.platform == "win32":
        try:
            import ctypes

            ctypes.windll.user32.AllowSetForegroundWindow(-1)  # ASFW_ANY
        except (AttributeError, OSError):
            pass


class SingleInstance:
    """The lock and, for the first instance, the server, of one user's profile."""

    def __init__(self, location: Location, connect_wait_s: float = CONNECT_WAIT_S) -> None:
        self.location = location
        self.connect_wait_s = connect_wait_s
        self.reply: Reply | None = None
        self.server: InstanceServer | None = None
        self._lock = QLockFile(str(location.lock_file))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age

    @property
    def is_first(self) -> bool:
        return self._lock.isLocked()

    def claim(self, bundle: Path | None = None, activate: bool = True) -> Outcome:
        """Take the lock (``FIRST``), or hand ``bundle`` over to whoever holds it."""
        message = encode(bundle, activate)
        deadline = time.monotonic() + self.connect_wait_s
        allowed = False
        while True:
            if self._lock.tryLock(0):
                return Outcome.FIRST
            if self._lock.error() != QLockFile.LockError.LockFailedError:
                log.warning("cannot use the lock file %s (%s): running on "
                            "its own", self.location.lock_file, self._lock.error().name)
                return Outcome.ALONE
            if not allowed:
                _allow_foreground()
                allowed = True
            result = send(self.location.name, message)
            if isinstance(result, Reply):
                self.reply = result
                return Outcome.HANDED_OVER if result.ok else Outcome.REFUSED
            if result is Outcome.NO_ANSWER:
                return Outcome.NO_ANSWER
            if time.monotonic() > deadline:
                log.warning("another copy holds %s but does not answer: "
                            "running on its own", self.location.lock_file)
                return Outcome.ALONE
            time.sleep(0.1)  # the holder is starting (not listening yet), or just quit

    def listen(self, parent: QObject | None = None) -> InstanceServer | None:
        """After ``claim()`` returned ``FIRST`` and the QApplication exists: listen. If that
        fails, the lock is given up too, so that later launches run on their own at once
        instead of waiting for a server that never comes."""
        if not self.is_first:
            return None
        server = InstanceServer(self.location.name, parent)
        if not server.listen():
            self._lock.unlock()
            return None
        self.server = server
        return server

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()
            self.server = None
        if self._lock.isLocked():
            self._lock.unlock()


# -- the first instance --------------------------------------------------------------------
class InstanceServer(QObject):
    """Listens for second launches; emits ``received(HandOver)`` for each good message."""

    received = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.setMaxPendingConnections(MAX_CLIENTS)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def listen(self) -> bool:
        # Only the lock holder calls this, so a socket file there is a crashed one's.
        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            log.info("listening for other launches")
            return True
        log.warning("cannot listen on %s (%s): running on its own",
                    self.name, self._server.errorString())
        return False

    def is_listening(self) -> bool:
        return self._server.isListening()

    def close(self) -> None:
        for sock in list(self._buffers):
            self._drop(sock)
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            if sock is None:
                break
            sock.disconnected.connect(sock.deleteLater)
            if len(self._buffers) >= MAX_CLIENTS:
                sock.abort()
                sock.deleteLater()
                continue
            sock.setReadBufferSize(MAX_MESSAGE)  # Qt buffers no more than this from the peer
            self._buffers[sock] = bytearray()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._buffers.pop(s, None))
            QTimer.singleShot(CLIENT_TIMEOUT_MS, sock, lambda s=sock: self._drop(s))
            if sock.bytesAvailable() > 0:
                self._read(sock)

    def _drop(self, sock: QLocalSocket) -> None:
        if self._buffers.pop(sock, None) is not None:
            sock.abort()
            sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        buffer = self._buffers.get(sock)
        if buffer is None:
            return
        room = MAX_MESSAGE - len(buffer)
        buffer += bytes(sock.read(max(room, 0)).data())
        end = buffer.find(b"\n")
        if end < 0:
            if len(buffer) >= MAX_MESSAGE:
                log.warning("ignored a message over %d bytes", MAX_MESSAGE)
                self._drop(sock)
            return
        line = bytes(buffer[:end])
        self._buffers.pop(sock, None)  # one message per connection
        try:
            message = decode(line)
        except Malformed as exc:
            log.warning("ignored a message that is not a hand-over (%s)", exc)
            sock.abort()
            sock.deleteLater()
            return
        except Refused as exc:
            log.warning("refused a hand-over: %s", exc)
            sock.write(_answer(False, str(exc)))
            sock.disconnectFromServer()
            return
        sock.write(_answer(True))
        sock.disconnectFromServer()
        log.info("hand-over from another launch (bundle: %s)",
                 message.bundle.name if message.bundle else "none")
        emit(self.received, message)


# -- acting on a hand-over -----------------------------------------------------------------
class _Startup(Protocol):
    window: Any
    dialog: QWidget | None

    def open_bundle(self, path: Path) -> None: ...


def raise_window(widget: QWidget) -> None:
    """Show ``widget`` (un-minimised), on top, and ask the system to give it the focus
    (Windows and Wayland may only flash its taskbar entry)."""
    if widget.isMinimized():
        widget.setWindowState((widget.windowState() & ~Qt.WindowState.WindowMinimized)
                              | Qt.WindowState.WindowActive)
    widget.show()
    widget.raise_()
    widget.activateWindow()


def deliver(startup: _Startup, message: HandOver) -> None:
    """Act on a hand-over in the first instance: the main window (or the dialog showing
    before it: first run, unlock) to the front; a locked window asks to unlock; a modal
    dialog stays on top; then the bundle, previewed now or after the unlock."""
    if message.activate:
        window = startup.window
        target = window if window is not None else startup.dialog
        if target is not None:
            raise_window(target)
        if window is not None and getattr(window, "locked", False):
            window.show_unlock()
            dialog = getattr(window, "unlock_dialog", None)
            if dialog is not None:
                raise_window(dialog)
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not target:
            raise_window(modal)
    if message.bundle is not None:
        startup.open_bundle(message.bundle)
