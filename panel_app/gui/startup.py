"""From launch to an unlocked main window: the demo, a given or remembered file, or
the first-run choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from panel_app.core.services.demo import build_demo
from panel_app.gui.context import AppContext
from panel_app.gui.dialogs.first_run import FirstRunDialog
from panel_app.gui.dialogs.new_partnership import NewPartnershipDialog
from panel_app.gui.dialogs.unlock import UnlockDialog
from panel_app.gui.qtcompat import emit
from panel_app.gui.views.main_window import MainWindow
from panel_app.gui.worker import SessionHost, error_text


class Startup(QObject):
    """Emits ``ready(window)`` once a partnership is open, ``quit`` if the user leaves."""

    ready = Signal(object)
    quit = Signal()

    def __init__(self, host: SessionHost, ctx: AppContext,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.ctx = ctx
        self.window: MainWindow | None = None
        self.dialog: QWidget | None = None  # whichever dialog is showing now
        self.path: Path | None = None
        self.bundle: Path | None = None  # a bundle to preview once a partnership is open

    def begin(self, path: Path | None = None, demo: bool = False,
              demo_if_new: bool = False, bundle: Path | None = None) -> None:
        """``bundle``: a ``.panelbundle`` file opened from the file manager or given on the
        command line; its import preview starts in the main window after the unlock."""
        if bundle is not None:  # (keep one that a file-open event may have brought already)
            self.bundle = Path(bundle)
        last = self.ctx.settings.last_file
        if demo:
            self.open_demo()
        elif path is not None:
            self.unlock(Path(path))
        elif last and last.exists():
            self.unlock(last)
        elif demo_if_new and not last:
            self.open_demo()  # first start on this computer: show the invented demo
        else:
            self.first_run()

    # -- choices ---------------------------------------------------------------------------
    def first_run(self, problem: str = "") -> None:
        dialog = FirstRunDialog(self.ctx)
        self.dialog = dialog
        if problem:
            dialog.show_problem(problem)
        dialog.chosen.connect(self._chosen)
        dialog.rejected.connect(self.quit)
        dialog.show()

    def _chosen(self, kind: str, path: Path | None) -> None:
        if kind == "demo":
            self.open_demo()
        elif kind == "new":
            self.new_partnership()
        elif path is not None:
            self.unlock(path)

    def open_demo(self) -> None:
        path = self.ctx.demo_path
        if path.exists():
            self.unlock(path)
        else:
            self.build_demo(path)

    def build_demo(self, path: Path) -> None:
        ctx = self.ctx
        progress = QProgressDialog("Building the demo partnership…", "", 0, 100)
        progress.setWindowTitle("Demo partnership")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.ApplicationModal)
        progress.setMinimumDuration(0)
        progress.setAccessibleName("Building the demo partnership")
        self.dialog = progress
        progress.show()

        def build(report: Any) -> Any:
            path.parent.mkdir(parents=True, exist_ok=True)
            return build_demo(path, keyring=ctx.keyring, kdf=ctx.kdf, clock=ctx.clock,
                              progress=report)

        def step(done: int, total: int, text: str) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)
            progress.setLabelText(f"Building the demo partnership… {text}")

        def failed(exc: BaseException) -> None:
            progress.close()
            self.first_run(error_text(exc))

        def built(info: dict[str, Any]) -> None:
            progress.close()
            info.pop("recovery_key", None)  # invented data: its recovery key is not needed
            self.opened(path, info)

        self.host.open(build, success=built, failure=failed, progress=step)

    def new_partnership(self) -> None:
        dialog = NewPartnershipDialog(self.host, self.ctx)
        self.dialog = dialog
        dialog.created.connect(lambda info: self.opened(Path(str(info["path"])), info))
        dialog.rejected.connect(lambda: self.first_run())
        dialog.show()

    def unlock(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            self.first_run(f"There is no partnership file at {path}.")
            return
        dialog = UnlockDialog(path, self.host, self.ctx, try_keyring=True)
        self.dialog = dialog
        dialog.unlocked.connect(lambda info: self.opened(path, info))
        dialog.rejected.connect(lambda: self.first_run())
        dialog.start()

    # -- done ------------------------------------------------------------------------------
    def opened(self, path: Path, info: dict[str, Any]) -> None:
        self.ctx.settings.last_file = path.resolve()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        window = MainWindow(self.host, self.ctx, {"path": str(path), **info})
        self.window = window
        window.closed.connect(self.quit)
        window.show()
        emit(self.ready, window)
        if self.bundle is not None:
            bundle, self.bundle = self.bundle, None
            window.import_bundle_file(bundle)

    def open_bundle(self, path: Path) -> None:
        """A bundle handed over while running (macOS sends a file-open event): preview it
        now if a partnership is open, else once one is."""
        if self.window is not None:
            self.window.import_bundle_file(Path(path))
        else:
            self.bundle = Path(path)
