"""Work-arounds for bugs in the Qt binding, each detected at run time.

PySide6 6.12.0's ``SignalInstance.emit()`` and ``SignalInstance.disconnect()`` return
``True`` as a *borrowed* reference: every discarded return value takes one reference
away from ``True``. On Python 3.11 (where ``True`` is not immortal) enough calls end in
"Fatal Python error: bool_dealloc". ``emit`` and ``disconnect`` below give the missing
reference back when the bug is present, and do nothing extra once the binding is fixed.
Every signal the GUI emits goes through ``emit``.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _returns_borrowed_true(call: Callable[[], Any]) -> bool:
    before = sys.getrefcount(True)
    result = call()
    held = sys.getrefcount(True) - before  # 1 while ``result`` holds a new reference
    borrowed = result is True and held == 0
    if borrowed:
        _incref(result)  # the probe's own missing reference
    return borrowed


def _detect() -> tuple[bool, bool]:
    probe = _Probe()
    emit_bug = _returns_borrowed_true(probe.ping.emit)
    probe.ping.connect(probe.deleteLater)
    disconnect_bug = _returns_borrowed_true(lambda: probe.ping.disconnect(probe.deleteLater))
    return emit_bug, disconnect_bug


EMIT_RETURNS_BORROWED, DISCONNECT_RETURNS_BORROWED = _detect()


def give_back(obj: object, count: int = 1) -> None:
    """Return ``count`` references that the binding took from ``obj``."""
    for _ in range(count):
        _incref(obj)


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, keeping the interpreter's reference counts right."""
    result = signal.emit(*args)
    if EMIT_RETURNS_BORROWED and result is not None:
        _incref(result)


def disconnect(signal: Any, slot: Any) -> None:
    """``signal.disconnect(slot)``, keeping the interpreter's reference counts right."""
    result = signal.disconnect(slot)
    if DISCONNECT_RETURNS_BORROWED and result is not None:
        _incref(result)
