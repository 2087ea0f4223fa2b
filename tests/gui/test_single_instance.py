"""One running app per user: the lock, the socket, the message, the hand-over, and two real
app processes (gui/single_instance.py, wired in gui/app.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QWidget

from panel_app.gui import single_instance as si
from panel_app.gui.app import claim_instance, parse_args
from panel_app.gui.single_instance import (
    MAX_MESSAGE,
    HandOver,
    Location,
    Malformed,
    Outcome,
    Refused,
    SingleInstance,
    decode,
    deliver,
    encode,
)
from tests.gui.conftest import WAIT_MS

ROOT = Path(__file__).resolve().parents[2]
PROCESS_WAIT_S = 120  # a loaded 2-core CI machine starts Python and Qt slowly


@pytest.fixture
def location(tmp_path: Path) -> Any:
    loc = Location.for_profile(tmp_path / "settings.ini", tmp_path / "data")
    assert loc is not None
    yield loc
    loc.lock_file.unlink(missing_ok=True)
    if sys.platform != "win32":
        Path(loc.name).unlink(missing_ok=True)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "from-oak.panelbundle"
    path.write_bytes(b"PANELBUNDLE")
    return path


@pytest.fixture
def first(qapp: Any, location: Any) -> Any:
    """The first instance: holds the lock and listens; ``first.got`` collects hand-overs."""
    instance = SingleInstance(location)
    assert instance.claim() is Outcome.FIRST
    server = instance.listen()
    assert server is not None and server.is_listening()
    got: list[HandOver] = []
    server.received.connect(got.append)
    instance.got = got  # type: ignore[attr-defined]
    yield instance
    instance.release()


SECOND = """
import json, sys
from pathlib import Path
from panel_app.gui.single_instance import Location, SingleInstance
name, lock, bundle = sys.argv[1:4]
instance = SingleInstance(Location(name, Path(lock)))
outcome = instance.claim(Path(bundle) if bundle else None)
reply = instance.reply
print(json.dumps([outcome.value, reply.ok if reply else None, reply.reason if reply else None]))
"""


class Second:
    """A second launch's claim, in its own process (as it is for real: a thread of this
    process would hold the interpreter lock while it waits, and the server here could not
    answer)."""

    def __init__(self, location: Any, bundle: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SECOND, location.name, str(location.lock_file),
             str(bundle or "")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})

    def result(self, qtbot: Any) -> tuple[Outcome, bool | None, str | None]:
        """Serve this process's events until the second launch has finished."""
        try:
            qtbot.waitUntil(lambda: self.proc.poll() is not None,
                            timeout=PROCESS_WAIT_S * 1000)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        out, err = self.proc.communicate(timeout=PROCESS_WAIT_S)
        assert self.proc.returncode == 0, err.decode(errors="replace")
        value, ok, reason = json.loads(out.decode().strip().splitlines()[-1])
        return Outcome(value), ok, reason


def second_launch(qtbot: Any, location: Any, bundle: Path | None = None) -> Any:
    return Second(location, bundle).result(qtbot)


class RawClient:
    """Another local process that speaks to the socket directly."""

    def __init__(self, qtbot: Any, name: str) -> None:
        self.qtbot = qtbot
        self.sock = QLocalSocket()
        self.sock.connectToServer(name)
        qtbot.waitUntil(lambda: self.sock.state() == QLocalSocket.LocalSocketState.ConnectedState,
                        timeout=WAIT_MS)
        self.data = bytearray()
        self.sock.readyRead.connect(lambda: self.data.extend(bytes(self.sock.readAll().data())))

    def send(self, data: bytes) -> None:
        self.sock.write(data)
        self.sock.flush()

    def closed(self) -> bytes:
        """Wait until the server closes the connection; what it answered."""
        self.qtbot.waitUntil(
            lambda: self.sock.state() == QLocalSocket.LocalSocketState.UnconnectedState,
            timeout=WAIT_MS)
        return bytes(self.data)


# -- the message ---------------------------------------------------------------------------
def test_message_round_trip(bundle: Path) -> None:
    line = encode(bundle)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {"v": 1, "bundle": str(bundle), "activate": True}
    assert decode(line[:-1]) == HandOver(bundle, True)
    assert decode(encode(None)[:-1]) == HandOver(None, True)


def test_a_relative_bundle_is_sent_as_an_absolute_path(bundle: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bundle.parent)
    assert json.loads(encode(Path(bundle.name)))["bundle"] == str(bundle)


@pytest.mark.parametrize("line", [
    b"", b"hello", b"\xff\xfe", b"[]", b"null", b"{}", b'{"v": "1"}', b'{"v": true}',
    b'{"v": 1, "bundle": 7}', b'{"v": 1, "activate": "yes"}', b'{"v": 1, "bundle": ""}',
    b'{"v": 1, "bundle": "/tmp/a\\u0000.panelbundle"}', b"x" * MAX_MESSAGE,
])
def test_malformed_messages_are_refused_unanswered(line: bytes) -> None:
    with pytest.raises(Malformed):
        decode(line)


def test_only_an_existing_bundle_file_is_accepted(tmp_path: Path, bundle: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("x")
    folder = tmp_path / "folder.panelbundle"
    folder.mkdir()
    for path in (str(tmp_path / "missing.panelbundle"), str(other), str(folder),
                 "relative.panelbundle", bundle.name):
        with pytest.raises(Refused):
            decode(json.dumps({"v": 1, "bundle": path}).encode())
    with pytest.raises(Refused):
        decode(b'{"v": 2}')  # a later version's message: answered, not acted on
    upper = tmp_path / "FROM-ELM.PANELBUNDLE"
    upper.write_bytes(b"x")
    assert decode(json.dumps({"v": 1, "bundle": str(upper), "extra": 1}).encode()).bundle == upper


# -- names ---------------------------------------------------------------------------------
def test_the_name_follows_the_profile(tmp_path: Path) -> None:
    a = Location.for_profile(tmp_path / "s.ini", tmp_path / "data")
    assert a == Location.for_profile(tmp_path / "x" / ".." / "s.ini", tmp_path / "data")
    assert a != Location.for_profile(tmp_path / "s.ini", tmp_path / "data2")
    assert a != Location.for_profile(None, tmp_path / "data")
    assert a is not None and "panel-app-" in a.name and str(tmp_path) not in a.name


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets and folder modes")
def test_the_socket_lives_in_a_folder_only_this_user_can_enter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))  # not private: not used
    loc = Location.for_profile(None, tmp_path / "data")
    assert loc is not None
    folder = Path(loc.name).parent
    assert folder != shared and folder == loc.lock_file.parent
    assert folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077 == 0
    assert len(os.fsencode(loc.name)) < si.UNIX_PATH_MAX
    private = Path(tempfile.mkdtemp(prefix="pa-", dir="/tmp"))  # 0700, and a short path
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(private))
        loc = Location.for_profile(None, tmp_path / "data")
        assert loc is not None and Path(loc.name).parent == private
    finally:
        private.rmdir()


# -- in one process ------------------------------------------------------------------------
def test_a_second_launch_hands_its_bundle_over(qtbot: Any, first: Any, location: Any,
                                               bundle: Path) -> None:
    assert second_launch(qtbot, location, bundle) == (Outcome.HANDED_OVER, True, "")
    qtbot.waitUntil(lambda: len(first.got) == 1, timeout=WAIT_MS)
    assert first.got == [HandOver(bundle, True)]
    assert second_launch(qtbot, location)[0] is Outcome.HANDED_OVER
    qtbot.waitUntil(lambda: len(first.got) == 2, timeout=WAIT_MS)
    assert first.got[1] == HandOver(None, True)


def test_a_missing_bundle_is_refused_with_a_reason(qtbot: Any, first: Any, location: Any,
                                                   tmp_path: Path) -> None:
    outcome, ok, reason = second_launch(qtbot, location, tmp_path / "gone.panelbundle")
    assert outcome is Outcome.REFUSED and ok is False and "panelbundle" in reason
    assert first.got == []


def test_garbage_from_another_process_is_ignored(qtbot: Any, first: Any, location: Any,
                                                 bundle: Path, tmp_path: Path) -> None:
    for data in (b"hello\n", b'{"v": true, "bundle": null}\n', b"\x00\xff\n",
                 b"x" * (MAX_MESSAGE * 4), b"y" * (MAX_MESSAGE - 1) + b"\n"):
        client = RawClient(qtbot, location.name)
        client.send(data)
        assert client.closed() == b""  # closed, unanswered
    for path in (tmp_path / "missing.panelbundle", tmp_path):
        client = RawClient(qtbot, location.name)
        client.send(json.dumps({"v": 1, "bundle": str(path)}).encode() + b"\n")
        assert json.loads(client.closed())["ok"] is False
    assert first.got == []
    client = RawClient(qtbot, location.name)  # still serving
    client.send(encode(bundle))
    assert json.loads(client.closed()) == {"ok": True}
    qtbot.waitUntil(lambda: first.got == [HandOver(bundle, True)], timeout=WAIT_MS)


def test_a_silent_connection_is_closed(qtbot: Any, first: Any, location: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(si, "CLIENT_TIMEOUT_MS", 200)
    client = RawClient(qtbot, location.name)
    client.send(b'{"v": 1')  # and nothing more
    assert client.closed() == b""
    assert first.got == []


def test_a_launch_waits_for_a_lock_holder_that_is_still_starting(
        qtbot: Any, qapp: Any, location: Any) -> None:
    starting = SingleInstance(location)
    assert starting.claim() is Outcome.FIRST  # holds the lock, not listening yet
    try:
        second = Second(location)
        qtbot.wait(300)  # (whether it has tried once yet or not does not matter)
        server = starting.listen()
        assert server is not None
        got: list[HandOver] = []
        server.received.connect(got.append)
        assert second.result(qtbot)[0] is Outcome.HANDED_OVER
        qtbot.waitUntil(lambda: got == [HandOver(None, True)], timeout=WAIT_MS)
    finally:
        starting.release()


def test_a_lock_held_by_a_silent_holder_is_given_up_on(qapp: Any, location: Any) -> None:
    holder = SingleInstance(location)
    assert holder.claim() is Outcome.FIRST
    try:
        started = time.monotonic()
        assert SingleInstance(location, connect_wait_s=0.3).claim() is Outcome.ALONE
        assert time.monotonic() - started < 30
    finally:
        holder.release()
    assert SingleInstance(location).claim() is Outcome.FIRST  # released: free again


def test_a_crashed_first_instance_is_replaced(qtbot: Any, qapp: Any, location: Any) -> None:
    """A first instance that died without cleaning up leaves its lock file (naming a process
    that no longer runs) and, on Unix, its socket file."""
    crash = ("import os, sys\n"
             "from PySide6.QtCore import QLockFile\n"
             "from PySide6.QtNetwork import QLocalServer\n"
             "lock = QLockFile(sys.argv[1]); assert lock.tryLock(0)\n"
             "server = QLocalServer(); assert server.listen(sys.argv[2])\n"
             "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", crash, str(location.lock_file), location.name],
                   check=True, timeout=PROCESS_WAIT_S)
    assert location.lock_file.exists()
    if sys.platform != "win32":
        assert Path(location.name).exists()
    instance = SingleInstance(location)
    try:
        assert instance.claim() is Outcome.FIRST
        server = instance.listen()
        assert server is not None and server.is_listening()
        got: list[HandOver] = []
        server.received.connect(got.append)
        assert second_launch(qtbot, location)[0] is Outcome.HANDED_OVER
        qtbot.waitUntil(lambda: len(got) == 1, timeout=WAIT_MS)
    finally:
        instance.release()
    assert not location.lock_file.exists()


def test_a_failed_listen_gives_the_lock_up(qapp: Any, tmp_path: Path) -> None:
    nowhere = tmp_path / "no" / "such" / "folder"
    loc = Location(str(nowhere / "x.sock") if sys.platform != "win32" else "bad\\name\\",
                   tmp_path / "x.lock")
    instance = SingleInstance(loc)
    assert instance.claim() is Outcome.FIRST
    if sys.platform != "win32":
        assert instance.listen() is None
        assert not instance.is_first
    instance.release()


def test_an_unusable_lock_folder_runs_alone(qapp: Any, tmp_path: Path) -> None:
    loc = Location("unused", tmp_path / "no" / "such" / "x.lock")
    assert SingleInstance(loc).claim() is Outcome.ALONE


# -- the app's side ------------------------------------------------------------------------
class FakeStartup:
    def __init__(self, window: Any = None, dialog: QWidget | None = None) -> None:
        self.window = window
        self.dialog = dialog
        self.bundles: list[Path] = []

    def open_bundle(self, path: Path) -> None:
        self.bundles.append(path)


def test_deliver_raises_the_dialog_and_passes_the_bundle_on(qtbot: Any, bundle: Path) -> None:
    dialog = QWidget()
    qtbot.addWidget(dialog)
    dialog.showMinimized()
    startup = FakeStartup(dialog=dialog)
    deliver(startup, HandOver(bundle, True))
    assert dialog.isVisible() and not dialog.isMinimized()
    assert startup.bundles == [bundle]
    deliver(startup, HandOver(None, True))
    assert startup.bundles == [bundle]


def test_deliver_to_a_locked_window_asks_to_unlock_and_keeps_the_bundle(
        qtbot: Any, window: Any, host: Any, ctx: Any, bundle: Path) -> None:
    from panel_app.gui.startup import Startup

    startup = Startup(host, ctx)
    startup.window = window
    window.lock()
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    window.unlock_dialog.reject()  # dismissed: a hand-over brings it back
    qtbot.waitUntil(lambda: window.unlock_dialog is None
                    or not window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    deliver(startup, HandOver(bundle, True))
    assert window.pending_bundle == bundle
    qtbot.waitUntil(lambda: window.unlock_dialog is not None
                    and window.unlock_dialog.isVisible(), timeout=WAIT_MS)
    window.unlock_dialog.reject()


def test_new_instance_neither_hands_over_nor_listens(qtbot: Any, first: Any, tmp_path: Path,
                                                     bundle: Path) -> None:
    args = parse_args(["--settings", str(tmp_path / "settings.ini"), "--data-dir",
                       str(tmp_path / "data"), "--new-instance", str(bundle)])
    assert args.new_instance
    assert claim_instance(args) == (None, None)
    probe = parse_args(["--settings", str(tmp_path / "settings.ini"), "--data-dir",
                        str(tmp_path / "data"), "--startup-probe"])
    assert claim_instance(probe) == (None, None)
    qtbot.wait(50)
    assert first.got == []


def test_cli_gui_passes_new_instance_on() -> None:
    from panel_app.cli import main as cli_main

    seen: list[list[str]] = []
    assert cli_main(["gui", "--new-instance"], gui_main=lambda a: seen.append(a) or 0) == 0
    assert seen == [["--new-instance"]]


# -- two real app processes ----------------------------------------------------------------
class App:
    """``python -m panel_app.gui.app`` offscreen with one profile, its stderr in a file."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.tmp = tmp
        self.log = tmp / f"app-{time.monotonic_ns()}.log"
        self.args = ["--settings", str(tmp / "settings.ini"), "--data-dir", str(tmp / "data"),
                     *args]
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        self.env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PANEL_LOG_LEVEL": "INFO",
                    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                    "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                    "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache")}
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "panel_app.gui.app", *self.args],
                                         cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, count: int = 1) -> None:
        deadline = time.monotonic() + PROCESS_WAIT_S
        while self.text().count(needle) < count:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {needle!r} in:\n{self.text()}"
            time.sleep(0.1)

    def finish(self) -> int:
        return self.proc.wait(timeout=PROCESS_WAIT_S)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=PROCESS_WAIT_S)


LISTENING = "listening for other launches"
HANDED = "hand-over from another launch"


@pytest.fixture
def apps(tmp_path: Path) -> Any:
    started: list[App] = []

    def start(*args: str) -> App:
        app = App(tmp_path, *args)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()
    loc = Location.for_profile(tmp_path / "settings.ini", tmp_path / "data")
    if loc is not None:  # a killed first instance leaves its lock and socket behind
        loc.lock_file.unlink(missing_ok=True)
        if sys.platform != "win32":
            Path(loc.name).unlink(missing_ok=True)


@pytest.mark.slow
def test_two_app_processes_hand_over_and_survive_a_crash(apps: Any, bundle: Path) -> None:
    first = apps()
    first.wait_for(LISTENING)
    second = apps(str(bundle))
    assert second.finish() == 0, second.text()
    first.wait_for(f"{HANDED} (bundle: {bundle.name})")
    refused = apps(str(bundle.with_name("gone.panelbundle")))
    assert refused.finish() == 1
    assert "did not take the bundle" in refused.text()
    demo = apps("--demo")
    assert demo.finish() == 0
    assert "already open" in demo.text() and "the demo was not opened" in demo.text()
    first.wait_for(HANDED, count=2)
    assert first.proc.poll() is None
    first.kill()  # a crash: the lock file and the socket stay behind
    third = apps()
    third.wait_for(LISTENING)  # took over the stale lock and socket
    fourth = apps(str(bundle))
    assert fourth.finish() == 0, fourth.text()
    third.wait_for(f"{HANDED} (bundle: {bundle.name})")


@pytest.mark.slow
def test_three_launches_at_once_leave_one_app(apps: Any, bundle: Path) -> None:
    launched = [apps(), apps(str(bundle)), apps()]
    deadline = time.monotonic() + PROCESS_WAIT_S * 2
    while sum(app.proc.poll() is not None for app in launched) < 2:
        assert time.monotonic() < deadline, "\n".join(app.text() for app in launched)
        time.sleep(0.1)
    running = [app for app in launched if app.proc.poll() is None]
    ended = [app for app in launched if app.proc.poll() is not None]
    assert len(running) == 1, "\n".join(app.text() for app in launched)
    assert [app.proc.returncode for app in ended] == [0, 0], "\n".join(a.text() for a in ended)
    running[0].wait_for(HANDED, count=2)
    assert running[0].text().count(LISTENING) == 1
