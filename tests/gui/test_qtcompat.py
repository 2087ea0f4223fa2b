"""The emit work-around keeps reference counts right (PySide6 6.12's emit() returns a
borrowed True; on Python 3.11 the interpreter then aborts at exit)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

from panel_app.gui.qtcompat import emit


class _Sender(QObject):
    fired = Signal(object)


def test_emit_keeps_the_refcount_of_true(qapp: Any) -> None:
    sender = _Sender()
    got: list[Any] = []
    sender.fired.connect(got.append)
    before = sys.getrefcount(True)
    for i in range(500):
        emit(sender.fired, i)
    assert got == list(range(500))
    assert abs(sys.getrefcount(True) - before) <= 2


def test_app_signals_keep_the_refcount_of_true(qtbot: Any, window: Any) -> None:
    """Fifty case-list queries: each emits worker and view signals."""
    view = window.cases
    loads: list[int] = []
    view.loaded.connect(lambda: loads.append(1))
    before = sys.getrefcount(True)
    for n in range(1, 51):
        view.refresh()
        qtbot.waitUntil(lambda n=n: len(loads) == n, timeout=5000)
    assert sys.getrefcount(True) - before > -10
