"""A screenshot of the About window: docs/screenshots/about.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_about.py [--out DIR] [--scale 1.5]

``--scale`` sets QT_SCALE_FACTOR (150% display scaling is 1.5) and names the file
about-150.png; the script exits 1 if any label or button is cut short at that scale
(tests/gui/test_about.py runs it so).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _shots import clipped, use_screen  # noqa: E402  (clipped: for tests/gui/test_about.py)

__all__ = ["clipped", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=None)
    args = parser.parse_args(argv)
    use_screen(args.scale)  # with a scale, a 1920 x 1080 screen: 1280 x 720 at 150%

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
