"""What the GUI is given from outside: settings, keyring, clock, paths.

Everything is injected through one ``AppContext`` so tests build windows with an
in-memory keyring, a fixed clock, cheap key derivation and a settings file in a temp
folder, without module singletons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices

from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore
from panel_app.core.services import Clock, SystemClock

APP_NAME = "Partnership Panel"
ORG_NAME = "panel-app"
DEMO_FILE_NAME = "demo.panel"
DEFAULT_IDLE_MINUTES = 10
MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 240


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("panel-app"))


def open_with_system(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class GuiSettings:
    """The few per-computer preferences (never pupil data), in a small QSettings file."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings if qsettings is not None else QSettings(ORG_NAME, "panel-app-gui")

    @classmethod
    def at(cls, path: Path) -> GuiSettings:
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def last_file(self) -> Path | None:
        value = self._q.value("last_file", "")
        return Path(str(value)) if value else None

    @last_file.setter
    def last_file(self, path: Path | None) -> None:
        self._q.setValue("last_file", str(path) if path else "")
        self._q.sync()

    @property
    def idle_minutes(self) -> int:
        try:
            value = int(str(self._q.value("idle_minutes", DEFAULT_IDLE_MINUTES)))
        except (TypeError, ValueError):
            value = DEFAULT_IDLE_MINUTES
        return max(MIN_IDLE_MINUTES, min(MAX_IDLE_MINUTES, value))

    @idle_minutes.setter
    def idle_minutes(self, minutes: int) -> None:
        self._q.setValue("idle_minutes", max(MIN_IDLE_MINUTES, min(MAX_IDLE_MINUTES, minutes)))
        self._q.sync()


@dataclass
class AppContext:
    settings: GuiSettings
    keyring: KeyringStore = field(default_factory=KeyringStore)
    clock: Clock = field(default_factory=SystemClock)
    data_dir: Path = field(default_factory=default_data_dir)
    kdf: KdfParams | None = None  # None: the core's default (Argon2id, 64 MiB)
    open_file: Callable[[Path], bool] = open_with_system
    # Idle lock in milliseconds instead of the settings' minutes (tests only).
    idle_ms_override: int | None = None

    @property
    def demo_path(self) -> Path:
        return self.data_dir / DEMO_FILE_NAME
