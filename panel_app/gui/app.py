"""Start the desktop app: ``panel-app-gui [FILE] [--demo | --demo-if-new]``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from panel_app import __version__
from panel_app.gui.context import APP_NAME, ORG_NAME, AppContext, GuiSettings
from panel_app.gui.startup import Startup
from panel_app.gui.theme import follow_system_scheme
from panel_app.gui.worker import SessionHost


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="panel-app-gui", description=f"{APP_NAME} desktop app")
    parser.add_argument("path", nargs="?", type=Path, help="the partnership file to open")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo partnership (created on first use)")
    parser.add_argument("--demo-if-new", action="store_true",
                        help="open the demo partnership when no partnership has been opened "
                             "on this computer yet (the quick start uses this)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder for the demo and new partnerships")
    parser.add_argument("--settings", type=Path, default=None,
                        help="settings file to use instead of this user's (an .ini file)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args, _qt_args = parser.parse_known_args(list(argv) if argv is not None else None)
    return args


def make_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication with our style: Fusion, system light/dark, the system font."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Keep fractional scaling (125%, 150%) instead of rounding it to 100% or 200%.
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0] if sys.argv else "panel-app-gui", *argv])
    app.setApplicationName(ORG_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(ORG_NAME)
    follow_system_scheme(app)
    return app


def build_context(args: argparse.Namespace) -> AppContext:
    settings = GuiSettings.at(args.settings) if args.settings else GuiSettings()
    ctx = AppContext(settings=settings)
    if args.data_dir is not None:
        ctx.data_dir = args.data_dir
    return ctx


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # dialogs come and go between steps
    ctx = build_context(args)
    host = SessionHost()
    startup = Startup(host, ctx)
    startup.quit.connect(app.quit)

    def shutdown() -> None:
        if startup.window is not None:
            startup.window.temp_docs.clear()
        host.shutdown()

    app.aboutToQuit.connect(shutdown)
    QTimer.singleShot(0, lambda: startup.begin(args.path, args.demo, args.demo_if_new))
    try:
        return int(app.exec())
    finally:
        shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
