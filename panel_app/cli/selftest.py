"""``panel-app --self-test``: the core checks (panel_app.core.services.selftest) and,
when PySide6 is installed, the Qt check (panel_app.gui.selftest_qt). Exit 0 only when
every check passes; otherwise 1, naming the failed checks on standard error."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from panel_app.cli.common import EXIT_FAIL, EXIT_OK
from panel_app.core.services.selftest import DEFAULT_CHECKS, Check, SelfTestError, run_self_test


def qt_checks() -> list[Check]:
    """The Qt check when PySide6 is installed (imported only now: the CLI stays Qt-free
    until this runs); a failing check if PySide6 is there but cannot be imported."""
    try:
        if importlib.util.find_spec("PySide6") is None:
            return []
    except ValueError:  # PySide6 in sys.modules without a spec: treat as installed
        pass
    try:
        from panel_app.gui.selftest_qt import QT_CHECK
    except Exception as exc:
        reason = f"PySide6 is installed but cannot be imported: {type(exc).__name__}: {exc}"

        def broken(_ctx: Any) -> str:
            raise SelfTestError(reason)

        return [Check("Qt", broken)]
    return [QT_CHECK]


def all_checks() -> list[Check]:
    return [*DEFAULT_CHECKS, *qt_checks()]


def run(
    out: TextIO,
    err: TextIO,
    *,
    checks: Sequence[Check] | None = None,
    keyring_backend: Callable[[], Any] | None = None,
) -> int:
    def write(line: str) -> None:
        out.write(line + "\n")
        out.flush()  # one line per check as it finishes (a frozen app may crash later)

    result = run_self_test(all_checks() if checks is None else checks, write=write,
                           keyring_backend=keyring_backend)
    if result.ok:
        return EXIT_OK
    err.write("panel-app: self-test failed: " + ", ".join(r.name for r in result.failed)
              + ". The lines above say why; include them when reporting the problem.\n")
    return EXIT_FAIL
