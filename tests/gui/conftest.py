"""GUI fixtures: an AppContext with test doubles, the worker, demo data, windows."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import FixedClock, unlock
from panel_app.core.services.demo import DEMO_PASSPHRASE, build_demo
from panel_app.gui import qtcompat
from panel_app.gui.context import AppContext, GuiSettings
from panel_app.gui.worker import SessionHost
from tests.conftest import FAST_KDF, FIXED_NOW, PASSPHRASE

WAIT_MS = 10_000


@pytest.fixture(scope="session", autouse=True)
def _balanced_disconnects(qapp: Any) -> None:
    """pytest-qt disconnects signals after waitSignal/waitCallback and in the model
    tester; PySide6 6.12's disconnect() drops a reference to True each time (see
    panel_app/gui/qtcompat.py), which on Python 3.11 aborts the interpreter at exit.
    Route those calls through the compensating helper."""
    import pytestqt.modeltest
    import pytestqt.wait_signal

    def silent_disconnect(signal: Any, slot: Any) -> None:
        try:
            qtcompat.disconnect(signal, slot)
        except (TypeError, RuntimeError):
            pass

    original_cleanup = pytestqt.modeltest.ModelTester._cleanup

    def cleanup(self: Any) -> None:
        before = sys.getrefcount(True)
        original_cleanup(self)
        lost = before - sys.getrefcount(True)
        if qtcompat.DISCONNECT_RETURNS_BORROWED and lost > 0:
            qtcompat.give_back(True, lost)

    pytestqt.wait_signal._silent_disconnect = silent_disconnect
    pytestqt.modeltest.ModelTester._cleanup = cleanup  # type: ignore[method-assign]


class Opener:
    """Records the files the app asked the system to open."""

    def __init__(self) -> None:
        self.opened: list[tuple[Path, bytes]] = []

    def __call__(self, path: Path) -> bool:
        self.opened.append((path, Path(path).read_bytes()))
        return True


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def ctx(tmp_path: Path, no_keyring: KeyringStore, clock: FixedClock,
        opener: Opener, qapp: Any) -> AppContext:
    from panel_app.gui.theme import apply_theme

    apply_theme(qapp)
    return AppContext(settings=GuiSettings.at(tmp_path / "settings.ini"), keyring=no_keyring,
                      clock=clock, data_dir=tmp_path / "data", kdf=FAST_KDF, open_file=opener)


@pytest.fixture
def host(qapp: Any) -> Iterator[SessionHost]:
    h = SessionHost()
    yield h
    h.shutdown()


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.panel"
    created = build_demo(path, kdf=FAST_KDF, keyring=KeyringStore(fail.Keyring()),
                         clock=FixedClock(FIXED_NOW))
    created.session.lock()
    return path


@pytest.fixture
def demo_path(_demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo partnership (150 invented pupils, 7 schools)."""
    target = tmp_path / "demo.panel"
    shutil.copy2(_demo_template, target)
    shutil.copy2(str(_demo_template) + ".key", str(target) + ".key")
    return target


@pytest.fixture
def pair(_template_db: Path, tmp_path: Path, no_keyring: KeyringStore, clock: FixedClock) -> Any:
    """Two installations of one partnership that have swapped cards (bundles_support.Pair):
    A for the test to open in a window, B a plain session."""
    from tests.gui.bundles_support import make_pair  # (it imports this module)

    p = make_pair(_template_db, tmp_path, no_keyring, clock)
    yield p
    p.close_a()
    p.b.session.lock()


def open_in_host(qtbot: Any, host: SessionHost, path: Path, ctx: AppContext,
                 passphrase: str = PASSPHRASE) -> dict[str, Any]:
    """Open ``path`` on the worker (as the unlock dialog would) and return its info."""
    result: dict[str, Any] = {}
    with qtbot.waitSignal(host.opened, timeout=WAIT_MS):
        host.open(lambda: unlock(path, passphrase=passphrase, keyring=ctx.keyring,
                                 clock=ctx.clock),
                  success=result.update, failure=pytest.fail)
    return {"path": str(path), **result}


def make_window(qtbot: Any, host: SessionHost, ctx: AppContext, path: Path,
                passphrase: str = PASSPHRASE) -> Any:
    from panel_app.gui.views.main_window import MainWindow

    info = open_in_host(qtbot, host, path, ctx, passphrase)
    window = MainWindow(host, ctx, info)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.cases.loaded, timeout=WAIT_MS):
        window.show()
    return window


@pytest.fixture
def window(qtbot: Any, host: SessionHost, ctx: AppContext, db_path: Path) -> Any:
    """The main window over the small test partnership (two schools, no cases)."""
    return make_window(qtbot, host, ctx, db_path)


@pytest.fixture
def demo_window(qtbot: Any, host: SessionHost, ctx: AppContext, demo_path: Path) -> Any:
    return make_window(qtbot, host, ctx, demo_path, DEMO_PASSPHRASE)
