"""The self-test's Qt check (``panel-app --self-test`` adds it when PySide6 is installed).

In a frozen build the usual failure is a Qt platform plugin that is missing, or present
but unable to load because a system library is missing (Linux: ``libxcb-cursor0``). Qt
then aborts the whole process before any window appears, so this check looks at the
plugin files first and loads them with ``QPluginLoader`` (which reports an error instead
of aborting), and only then starts an offscreen ``QApplication`` (the widgets kind the
window uses, which is a ``QGuiApplication``) and draws text with the app's font. It never
shows a window.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from panel_app.core.resources import resource_path
from panel_app.core.services.selftest import Check, SelfTestError

# The platform plugin Qt picks by default on each OS (QT_QPA_PLATFORM overrides it).
NATIVE_PLATFORM = {"win32": "windows", "darwin": "cocoa"}

_app: Any = None  # the check's QApplication, kept alive until the process ends


def native_platform() -> str:
    return NATIVE_PLATFORM.get(sys.platform, "xcb")


def _plugin_dirs() -> list[Path]:
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    dirs = [Path(p) for p in QCoreApplication.libraryPaths()]
    dirs.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)))
    return list(dict.fromkeys(d for d in dirs if d.is_dir()))


def find_platform_plugin(name: str) -> Path | None:
    """The file of platform plugin ``name`` (libqxcb.so, qwindows.dll, libqcocoa.dylib)."""
    pattern = re.compile(rf"^(lib)?q{re.escape(name)}\.(so|dll|dylib)$")
    for folder in _plugin_dirs():
        platforms = folder / "platforms"
        if platforms.is_dir():
            for f in sorted(platforms.iterdir()):
                if pattern.match(f.name):
                    return f
    return None


def load_problem(plugin: Path) -> str | None:
    """None if the plugin library loads, else Qt's reason (a missing library, usually)."""
    from PySide6.QtCore import QPluginLoader

    loader = QPluginLoader(str(plugin))
    if loader.load():
        return None
    return " ".join(loader.errorString().split())


def check_qt(ctx: object) -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    offscreen = find_platform_plugin("offscreen")
    if offscreen is None:
        raise SelfTestError("Qt's offscreen platform plugin is missing from the installation "
                            f"(looked in: {', '.join(map(str, _plugin_dirs())) or 'nothing'})")
    problem = load_problem(offscreen)
    if problem:
        raise SelfTestError(f"Qt's offscreen platform plugin does not load: {problem}")

    wanted = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip() or native_platform()
    notes: list[str] = []
    for name in dict.fromkeys([native_platform(), wanted]):
        if name == "offscreen":
            continue
        plugin = find_platform_plugin(name)
        if plugin is None:
            raise SelfTestError(f"Qt's '{name}' platform plugin is missing from the "
                                "installation: the window could not open")
        problem = load_problem(plugin)
        if problem and name == wanted:
            raise SelfTestError(f"Qt's '{name}' platform plugin does not load: {problem}. "
                                "Install the system library it names, then run the self-test "
                                "again")
        notes.append(f"'{name}' cannot load here ({problem})" if problem else f"'{name}' loads")

    global _app
    if QGuiApplication.instance() is None:
        _app = QApplication(["panel-app-selftest", "-platform", "offscreen"])
    font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", "DejaVuSans.ttf")))
    if font_id < 0:
        raise SelfTestError("Qt could not load the app's font (resources/fonts/DejaVuSans.ttf)")
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    image = QImage(240, 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setFont(QFont(family, 14))
    painter.setPen(QColor("black"))
    painter.drawText(QRect(0, 0, 240, 60), Qt.AlignmentFlag.AlignCenter, "Partnership Panel")
    painter.end()
    inked = any(image.pixelColor(x, 30) != QColor("white") for x in range(0, 240, 2))
    if not inked:
        raise SelfTestError("Qt drew no text with the app's font (fonts or FreeType broken)")
    try:  # the local socket a second launch hands over through (gui/single_instance.py)
        from PySide6.QtNetwork import QLocalServer  # noqa: F401
    except ImportError as exc:
        raise SelfTestError(f"Qt's QtNetwork module is missing ({exc}): a second launch "
                            "could not hand over to the running app") from exc
    return (f"PySide6 {pyside_version}; application on '{QGuiApplication.platformName()}', "
            f"plugins from {offscreen.parent.parent}; " + "; ".join(
                ["'offscreen' loads", *notes]) + f"; text drawn in {family}; QtNetwork loads")


QT_CHECK = Check("Qt", check_qt)
