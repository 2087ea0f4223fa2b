"""A screenshot of the About window: docs/screenshots/about.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_about.py [--out DIR] [--scale 1.5]

``--scale`` sets QT_SCALE_FACTOR (150% display scaling is 1.5) and names the file
about-150.png; the script exits 1 if any label or button is cut short at that scale
(tests/gui/test_about.py runs it so).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def clipped(top: Any) -> list[str]:
    """Visible labels and buttons shown smaller than their text needs."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    found = []
    for widget in top.findChildren(QLabel) + top.findChildren(QAbstractButton):
        if not widget.isVisible() or (isinstance(widget, QLabel) and widget.pixmap()
                                      and not widget.pixmap().isNull()):
            continue
        hint = widget.sizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            short = widget.height() < widget.heightForWidth(widget.width())
        else:
            short = widget.width() < hint.width() or widget.height() < hint.height()
        if short:
            found.append(f"{type(widget).__name__} {widget.text()!r}: {widget.size().toTuple()}"
                         f" < {hint.toTuple()}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=None)
    args = parser.parse_args(argv)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
        # A 1920 x 1080 screen (offscreen's own is 800 x 600): 1280 x 720 at 150%.
        config = args.out / "offscreen-screen.json"
        args.out.mkdir(parents=True, exist_ok=True)
        config.write_text('{"screens": [{"name": "screen", "x": 0, "y": 0, "width": 1920, '
                          '"height": 1080, "logicalDpi": 96, "dpr": 1}]}', encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from panel_app.gui.app import make_application
    from panel_app.gui.dialogs.about import AboutDialog
    from panel_app.gui.theme import apply_theme

    app = make_application()
    apply_theme(app, dark=False)
    dialog = AboutDialog()
    dialog.show()
    dialog.adjustSize()
    for _ in range(5):
        app.processEvents()
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"about-{round(args.scale * 100)}.png" if args.scale else "about.png"
    target = args.out / name
    if not dialog.grab().save(str(target)):
        print(f"could not write {target}", file=sys.stderr)
        return 1
    print(f"wrote {target} ({dialog.width()}x{dialog.height()} at scale "
          f"{dialog.devicePixelRatioF():g})")
    problems = clipped(dialog)
    for problem in problems:
        print(f"cut short: {problem}", file=sys.stderr)
    dialog.close()
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
