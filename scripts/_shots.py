"""What the screenshot scripts share: a simulated screen and scale, waiting for the GUI,
the invented demo partnership opened in a main window, saving a grab, and the check for
labels and buttons shown smaller than their text needs.

Call :func:`use_screen` before anything imports Qt (QT_SCALE_FACTOR and the offscreen
screen are read when the application starts).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The scripts' fixed "now" (a Sunday in the autumn term), so every run looks the same.
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def use_screen(scale: float | None = None, size: tuple[int, int] | None = None) -> None:
    """Simulate display scaling (QT_SCALE_FACTOR, 150% is 1.5) on a screen of ``size``
    device pixels (offscreen's own is 800 x 600); with a scale and no size, 1920 x 1080.
    The offscreen platform reads the screen from a small JSON file, kept in the temp folder."""
    if scale:
        os.environ["QT_SCALE_FACTOR"] = str(scale)
        size = size or (1920, 1080)
    if size:
        config = (Path(tempfile.gettempdir())
                  / f"panel-app-screen-{size[0]}x{size[1]}-{os.getpid()}.json")
        config.write_text('{"screens": [{"name": "screen", "x": 0, "y": 0, '
                          f'"width": {size[0]}, "height": {size[1]}, '
                          '"logicalDpi": 96, "dpr": 1}]}', encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Process events until ``done()`` (TimeoutError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app: Any, rounds: int = 5) -> None:
    """A few event-loop passes: wrapped labels take a second layout pass for their height."""
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.01)


def make_grab(app: Any, out: Path, suffix: str = "",
              saved: list[Path] | None = None) -> Callable[[Any, str], None]:
    """``grab(widget, name)`` saves ``out/name{suffix}.png`` (OSError if it cannot)."""
    out.mkdir(parents=True, exist_ok=True)

    def grab(widget: Any, name: str) -> None:
        settle(app)
        target = out / f"{name}{suffix}.png"
        if not widget.grab().save(str(target)):
            raise OSError(f"could not write {target}")
        if saved is not None:
            saved.append(target)

    return grab


def demo_context(folder: Path) -> Any:
    """An AppContext on ``folder``: no keyring, the fixed clock, cheap key derivation
    (the demo is thrown away), files "opened" without opening anything."""
    from keyring.backends import fail

    from panel_app.core.secrets.keyfile import KdfParams
    from panel_app.core.secrets.keyring_store import KeyringStore
    from panel_app.core.services import FixedClock
    from panel_app.gui.context import AppContext, GuiSettings

    return AppContext(settings=GuiSettings.at(folder / "settings.ini"),
                      keyring=KeyringStore(fail.Keyring()), clock=FixedClock(NOW),
                      data_dir=folder, kdf=KdfParams(time_cost=1, memory_cost=1024,
                                                     parallelism=1),
                      open_file=lambda _p: True)


@contextmanager
def demo_session(app: Any, folder: Path,
                 prepare: Callable[[Any], Any] | None = None) -> Iterator[tuple[Any, Any, dict]]:
    """Build the demo partnership in ``folder`` (emptied first) on a worker and yield
    ``(host, ctx, info)``; ``info`` is what a MainWindow is built with. ``prepare`` runs
    on the worker with the session before the window opens (its result: info["prepared"]).
    The worker is shut down and the folder removed afterwards."""
    import shutil

    from panel_app.core.services.demo import build_demo
    from panel_app.gui.worker import SessionHost

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    host = SessionHost()
    try:
        ctx = demo_context(folder)
        info: dict[str, Any] = {}
        path = folder / "demo.panel"
        host.open(lambda: build_demo(path, keyring=ctx.keyring, kdf=ctx.kdf, clock=ctx.clock),
                  success=info.update, failure=lambda e: info.update(error=e))
        wait(app, lambda: bool(info))
        if "error" in info:
            raise SystemExit(f"building the demo failed: {info['error']!r}")
        info.pop("recovery_key", None)
        info["path"] = str(path)
        if prepare is not None:
            got: dict[str, Any] = {}
            host.run(prepare, success=lambda r: got.update(result=r),
                     failure=lambda e: got.update(error=e))
            wait(app, lambda: bool(got))
            if "error" in got:
                raise SystemExit(f"preparing the demo failed: {got['error']!r}")
            info["prepared"] = got["result"]
        yield host, ctx, info
    finally:
        host.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def clipped(top: Any) -> list[str]:
    """Visible labels and buttons shown smaller than their text needs."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    found = []
    for widget in top.findChildren(QLabel) + top.findChildren(QAbstractButton):
        if not widget.isVisible() or (isinstance(widget, QLabel) and widget.pixmap()
                                      and not widget.pixmap().isNull()):
            continue
        hint = widget.sizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            short = widget.height() < widget.heightForWidth(widget.width())
        else:
            short = widget.width() < hint.width() or widget.height() < hint.height()
        if short:
            found.append(f"{type(widget).__name__} {widget.text()!r}: {widget.size().toTuple()}"
                         f" < {hint.toTuple()}")
    return found
