"""Lock after a spell without keyboard or mouse input, and when the system suspends.

An application-wide event filter notes input; a single-shot timer fires ``idle`` when
none came for the configured time. ``suspended`` fires when Qt reports the
application as suspended (system sleep or screen lock, where the platform says so).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from panel_app.gui.qtcompat import emit

_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
    QEvent.Type.ShortcutOverride,
})
_RESTART_EVERY = 0.5  # seconds: mouse moves come in bursts, restart the timer at most this often


class IdleWatcher(QObject):
    idle = Signal()
    suspended = Signal()

    def __init__(self, app: QGuiApplication, timeout_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, timeout_ms))
        self._timer.timeout.connect(self.idle)
        self._last_restart = 0.0
        self._active = False
        app.installEventFilter(self)
        app.applicationStateChanged.connect(self._state_changed)

    @property
    def active(self) -> bool:
        return self._active

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(max(1, ms))
        if self._active:
            self._restart(force=True)

    def start(self) -> None:
        self._active = True
        self._restart(force=True)

    def stop(self) -> None:
        self._active = False
        self._timer.stop()

    def detach(self) -> None:
        self.stop()
        self._app.removeEventFilter(self)

    def _restart(self, force: bool = False) -> None:
        now = time.monotonic()
        every = min(_RESTART_EVERY, self._timer.interval() / 4000)
        if force or now - self._last_restart >= every:
            self._last_restart = now
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._active and event.type() in _INPUT:
            self._restart()
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if self._active and state == Qt.ApplicationState.ApplicationSuspended:
            emit(self.suspended)
