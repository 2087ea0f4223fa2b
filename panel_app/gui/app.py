"""Start the desktop app: ``panel-app-gui [FILE] [BUNDLE] [--demo | --demo-if-new]``.

FILE is a partnership (``.panel``); a ``.panelbundle`` file (what the file association
passes when a bundle is double-clicked) opens the last partnership, or the first-run
choices, and then previews importing the bundle. When the app is already running for this
user (and settings file and data folder), the launch hands the bundle over to it, brings
it to the front and exits (gui/single_instance.py); ``--new-instance`` starts a separate
copy instead. ``PANEL_LOG_LEVEL`` (e.g. ``INFO``) sets what is logged on stderr."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFileOpenEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from panel_app import __version__
from panel_app.core.bundles.format import SUFFIX as BUNDLE_SUFFIX
from panel_app.gui.context import APP_NAME, ORG_NAME, AppContext, GuiSettings, default_data_dir
from panel_app.gui.icons import app_icon
from panel_app.gui.single_instance import Location, Outcome, SingleInstance, deliver
from panel_app.gui.theme import follow_system_scheme

DESKTOP_ID = "org.partnershippanel.PanelApp"  # resources/desktop/DESKTOP_ID.desktop


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="panel-app-gui", description=f"{APP_NAME} desktop app")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help=f"the partnership file to open, and/or a bundle ({BUNDLE_SUFFIX}) "
                             "to import into it")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo partnership (created on first use)")
    parser.add_argument("--demo-if-new", action="store_true",
                        help="open the demo partnership when no partnership has been opened "
                             "on this computer yet (the quick start uses this)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder for the demo and new partnerships")
    parser.add_argument("--settings", type=Path, default=None,
                        help="settings file to use instead of this user's (an .ini file)")
    parser.add_argument("--new-instance", action="store_true",
                        help="start a separate copy even if the app is already running (for "
                             "IT and debugging; two copies must not open the same partnership)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # Hidden: print the time to the first window and quit (benchmarks/frozen_start.py).
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    args, _qt_args = parser.parse_known_args(list(argv) if argv is not None else None)
    bundles = [f for f in args.files if is_bundle(f)]
    paths = [f for f in args.files if not is_bundle(f)]
    if len(bundles) > 1 or len(paths) > 1:
        parser.error("give at most one partnership file and one bundle")
    args.path = paths[0] if paths else None
    args.bundle = bundles[0] if bundles else None
    return args


def is_bundle(path: Path) -> bool:
    return path.suffix.lower() == BUNDLE_SUFFIX


class FileOpenFilter(QObject):
    """macOS hands a double-clicked file to the running app as a file-open event, not as
    an argument: pass bundles on to ``opened``."""

    def __init__(self, opened: Callable[[Path], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._opened = opened

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = Path(event.file())
            if is_bundle(path):
                self._opened(path)
                return True
        return super().eventFilter(watched, event)


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
    app.setWindowIcon(app_icon())
    # Wayland compositors and Linux taskbars match windows to the installed .desktop entry.
    QGuiApplication.setDesktopFileName(DESKTOP_ID)
    follow_system_scheme(app)
    return app


def build_context(args: argparse.Namespace) -> AppContext:
    settings = GuiSettings.at(args.settings) if args.settings else GuiSettings()
    ctx = AppContext(settings=settings)
    if args.data_dir is not None:
        ctx.data_dir = args.data_dir
    return ctx


def claim_instance(args: argparse.Namespace) -> tuple[SingleInstance | None, int | None]:
    """(the instance to listen with, None) for the first copy; (None, exit code) when a
    running copy took the launch over. ``--new-instance`` and ``--startup-probe`` neither
    hand over nor listen."""
    if args.new_instance or args.startup_probe:
        return None, None
    location = Location.for_profile(args.settings, args.data_dir or default_data_dir())
    if location is None:
        logging.getLogger(__name__).warning(
            "single instance: no private folder for the socket: running on its own")
        return None, None
    instance = SingleInstance(location)
    outcome = instance.claim(args.bundle)
    if outcome is Outcome.FIRST:
        return instance, None
    if outcome is Outcome.ALONE:
        return None, None
    if outcome is Outcome.HANDED_OVER:
        if args.path is not None or args.demo:
            what = str(args.path) if args.path is not None else "the demo"
            print(f"panel-app-gui: {APP_NAME} is already open, so {what} was not opened; close "
                  "the app first to open another partnership", file=sys.stderr)
        return None, 0
    reason = instance.reply.reason if instance.reply else ""
    text = (f"it did not take the bundle: {reason}" if outcome is Outcome.REFUSED
            else "it did not answer; try again, or close it")
    print(f"panel-app-gui: {APP_NAME} is already open, but {text}", file=sys.stderr)
    return None, 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    level = os.environ.get("PANEL_LOG_LEVEL", "").strip().upper()
    logging.basicConfig(level=level if level in logging.getLevelNamesMapping() else "WARNING",
                        format="%(levelname)s %(name)s: %(message)s")
    instance, code = claim_instance(args)  # before the heavy imports: a second launch is quick
    if code is not None:
        return code
    try:
        return run(args, instance)
    finally:
        if instance is not None:
            instance.release()


def run(args: argparse.Namespace, instance: SingleInstance | None) -> int:
    app = make_application()
    server = instance.listen(app) if instance is not None else None  # soon: others wait
    app.setQuitOnLastWindowClosed(False)  # dialogs come and go between steps
    from panel_app.gui.startup import Startup  # the views: most of the start-up time
    from panel_app.gui.worker import SessionHost

    if args.startup_probe:
        from panel_app.gui.startup_probe import StartupProbe

        StartupProbe(app)
    ctx = build_context(args)
    host = SessionHost()
    startup = Startup(host, ctx)
    startup.quit.connect(app.quit)
    file_open = FileOpenFilter(startup.open_bundle, app)
    app.installEventFilter(file_open)
    if server is not None:
        server.received.connect(lambda message: deliver(startup, message))

    def shutdown() -> None:
        if startup.window is not None:
            startup.window.temp_docs.clear()
        host.shutdown()

    app.aboutToQuit.connect(shutdown)
    QTimer.singleShot(0, lambda: startup.begin(args.path, args.demo, args.demo_if_new,
                                               bundle=args.bundle))
    try:
        return int(app.exec())
    finally:
        shutdown()
        app.removeEventFilter(file_open)  # (main() run again in one process: tests)


if __name__ == "__main__":
    raise SystemExit(main())
