"""``panel-app-gui --startup-probe``: how long the app takes to show its first window.

When the first top-level window (the unlock or first-run dialog) paints, this prints
``startup: N.NN s to <WindowClass>`` measured from the start of the process, and quits.
Used by benchmarks/frozen_start.py and tests/test_frozen_build.py on the frozen build.
Process start comes from the OS (Linux /proc, Windows GetProcessTimes); elsewhere it is
the moment the frozen entry or this module was first imported, which misses the
interpreter's own start, and the line says so.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

_EARLIEST = time.time()  # the fallback when the OS cannot say when the process started
TIMEOUT_MS = 120_000  # no window by then: say so and quit with an error


def mark_start(at: float | None = None) -> None:
    """Called first thing by a frozen entry point: a better fallback start time."""
    global _EARLIEST
    _EARLIEST = min(_EARLIEST, at if at is not None else time.time())


def _linux_start() -> float | None:
    import os

    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        started_after_boot = int(fields[19]) / ticks  # field 22 of stat: starttime
    except (OSError, ValueError, IndexError):
        return None
    return time.time() - (uptime - started_after_boot)


def _windows_start() -> float | None:
    import ctypes
    from ctypes import wintypes

    times = [wintypes.FILETIME() for _ in range(4)]
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    if not kernel32.GetProcessTimes(kernel32.GetCurrentProcess(),
                                    *[ctypes.byref(t) for t in times]):
        return None
    created = (times[0].dwHighDateTime << 32) | times[0].dwLowDateTime
    return created / 10_000_000 - 11_644_473_600  # 100 ns since 1601 -> Unix seconds


def process_start() -> tuple[float, str]:
    """(Unix time the process started, how that was found)."""
    found: float | None = None
    if sys.platform.startswith("linux"):
        found = _linux_start()
    elif sys.platform == "win32":
        found = _windows_start()
    if found is not None:
        return min(found, _EARLIEST), "process start"
    return _EARLIEST, "app start (process start unknown on this OS)"


class StartupProbe(QObject):
    """Watches for the first top-level window to paint; then reports and quits."""

    def __init__(self, app: QApplication, write: Callable[[str], None] = print,
                 finish: Callable[[int], None] | None = None) -> None:
        super().__init__(app)
        self.app = app
        self.write = write
        self.finish = finish or app.exit  # exit code: 0 shown, 2 timed out
        self.done = False
        self.started, self.basis = process_start()
        app.installEventFilter(self)
        QTimer.singleShot(TIMEOUT_MS, self._timeout)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (not self.done and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget) and watched.isWindow()):
            self.done = True
            seconds = time.time() - self.started
            self.write(f"startup: {seconds:.2f} s to {type(watched).__name__} "
                       f"(from {self.basis})")
            sys.stdout.flush()
            QTimer.singleShot(0, lambda: self.finish(0))
        return False

    def _timeout(self) -> None:
        if not self.done:
            self.done = True
            self.write(f"startup: no window within {TIMEOUT_MS // 1000} s")
            self.finish(2)
