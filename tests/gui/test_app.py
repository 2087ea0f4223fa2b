"""The entry point end to end: ``panel-app-gui --demo`` opens the demo partnership."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from panel_app.gui import app as app_module
from panel_app.gui.views.main_window import MainWindow


def test_main_opens_the_demo_and_quits(qtbot: Any, tmp_path: Path, ctx: Any,
                                       monkeypatch: Any) -> None:
    made: list[Any] = []

    def build_context(args: Any) -> Any:
        ctx.data_dir = args.data_dir
        made.append(ctx)
        return ctx

    monkeypatch.setattr(app_module, "build_context", build_context)
    seen: list[MainWindow] = []

    def poll() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()
                   and w.cases.last_result is not None]
        if windows:
            seen.append(windows[0])
            windows[0].close()  # closing the main window quits the app
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    code = app_module.main(["--demo", "--data-dir", str(tmp_path / "data")])
    QApplication.instance().setQuitOnLastWindowClosed(True)
    assert code == 0
    assert seen and seen[0].info["demo"] is True
    assert (tmp_path / "data" / "demo.panel").exists()
    assert made[0].settings.last_file == (tmp_path / "data" / "demo.panel").resolve()
