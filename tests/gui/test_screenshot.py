"""A screenshot of the main window on demo data, kept under test-artifacts/ for review
(the folder is git-ignored; CI can upload it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gui"


def test_main_window_screenshot_on_demo_data(qtbot: Any, demo_window: Any,
                                             tmp_path: Path) -> None:
    demo_window.resize(1280, 760)
    demo_window.cases.table.selectRow(0)
    qtbot.wait(10)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "main-window-demo.png"
    assert demo_window.grab().save(str(target))
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 760)
    # not blank: the table's rows give many distinct colours
    colours = {image.pixel(x, y) for x in range(0, 1280, 16) for y in range(0, 760, 16)}
    assert len(colours) > 20
