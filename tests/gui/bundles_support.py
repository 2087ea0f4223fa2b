"""Helpers for the Bundles GUI tests: two installations of one partnership (real encrypted
databases, as tests/core/bundle_helpers.py makes them). Installation A (the panel
clerk's seat) is opened in the GUI; installation B (Riverside School) stays a core
session in the test, which makes and reads bundles through the facade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from panel_app.core.services import FixedClock
from tests.conftest import FIXED_NOW
from tests.core.bundle_helpers import Site, dump, introduce, make_site
from tests.core.util import case_values
from tests.gui.conftest import WAIT_MS, make_window


@dataclass
class Pair:
    a_path: Path  # opened in the GUI
    a: Site | None  # A's core session, until the GUI opens the file
    b: Site
    folder: Path

    def b_bundle(self, name: str, *, since_last: bool = True) -> Path:
        path = self.folder / f"{name}.panelbundle"
        self.b.b.export_bundle(["panel"], path, since_last=since_last)
        return path

    def b_case(self, first: str, last: str, serial: int, **extra: Any) -> Any:
        return self.b.session.create_case(
            case_values(first, last, school="RIV", serial=serial, **extra)).case

    def close_a(self) -> None:
        if self.a is not None:
            self.a.session.lock()
            self.a = None


def make_pair(template: Path, folder: Path, keyring: Any, clock: FixedClock, *,
              introduced: bool = True) -> Pair:
    a = make_site(template, folder, "a", keyring, clock, panel=True)
    b = make_site(template, folder, "b", keyring, FixedClock(FIXED_NOW), school="RIV")
    if introduced:
        introduce(a, b)
    return Pair(Path(a.session.path), a, b, folder)


def tick(pair: Pair, clock: FixedClock, minutes: int = 5) -> None:
    clock.at += timedelta(minutes=minutes)
    pair.b.session.clock.at += timedelta(minutes=minutes)  # type: ignore[attr-defined]


def open_bundles(qtbot: Any, host: Any, ctx: Any, pair: Pair) -> tuple[Any, Any]:
    """The main window over A, showing the Bundles section with its data loaded."""
    pair.close_a()
    window = make_window(qtbot, host, ctx, pair.a_path)
    view = window.pages["Bundles"]
    with qtbot.waitSignal(view.loaded, timeout=WAIT_MS):
        window.show_section("Bundles")
    return window, view


def on_worker(qtbot: Any, host: Any, fn: Any) -> Any:
    """Run ``fn(session)`` on the GUI's worker and return its result."""
    with qtbot.waitCallback(timeout=WAIT_MS) as callback:
        host.run(fn, success=callback, failure=callback)
    result = callback.args[0]
    if isinstance(result, BaseException):
        raise result
    return result


def a_dump(qtbot: Any, host: Any) -> dict[str, list[str]]:
    return on_worker(qtbot, host, dump)


def import_file(qtbot: Any, view: Any, path: Path) -> None:
    """Import ``path`` from the view's button; returns when a dialog or refusal shows."""
    view.choose_open = lambda *_a: str(path)
    view.import_button.click()
    qtbot.waitUntil(lambda: view.import_button.isEnabled()
                    and (view.dialog is not None or view.refusal != ""
                         or view.status.isVisible()), timeout=WAIT_MS)
