"""One direction: gui -> core.services -> (storage, secrets, ...) -> domain. Nothing under
panel_app/core, and not the CLI, may load Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import panel_app

PACKAGE = Path(panel_app.__file__).parent
CORE = PACKAGE / "core"
QT_NAMES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "QtCore", "QtGui",
            "QtWidgets", "qtpy")


def _qt_modules_after_importing(modules: list[str]) -> list[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        + repr(("PySide6", "shiboken6", "PyQt5", "PyQt6", "PySide2")) + ")))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_core_and_cli_import_without_qt():
    # The CLI package and each of its command modules: scripts and servers use it headless.
    modules = ["panel_app.core.services", "panel_app.cli"]
    modules += sorted(f"panel_app.cli.{p.stem}" for p in (PACKAGE / "cli").glob("*.py")
                      if p.stem not in ("__init__", "__main__"))
    # Import every core module too, not only what the facade happens to import today.
    modules += sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        for p in CORE.rglob("*.py") if p.name != "__init__.py"
    )
    assert _qt_modules_after_importing(modules) == []


def test_the_subprocess_check_can_see_qt():
    """The control: importing PySide6 in the same way is detected."""
    try:
        import PySide6  # noqa: F401
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        return
    assert "PySide6" in _qt_modules_after_importing(["PySide6.QtCore"])


def _qt_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [alias.name for alias in node.names]
        else:
            continue
        found += [n for n in names if any(q in n.split(".") for q in QT_NAMES)]
    return found


def test_no_qt_import_in_core_source():
    offenders = {}
    for path in sorted(CORE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        hits = _qt_imports(source)
        # Also catch importlib.import_module("PySide6...") and similar string imports.
        hits += [q for q in ("PySide6", "QtCore") if f'"{q}' in source or f"'{q}" in source]
        if hits:
            offenders[str(path.relative_to(PACKAGE))] = hits
    assert offenders == {}


def test_qt_import_detector_detects():
    """The control for the source scan."""
    assert _qt_imports("from PySide6.QtCore import QObject") == ["PySide6.QtCore"]
    assert _qt_imports("import PySide6.QtWidgets as w")
    assert _qt_imports("from PySide6 import QtCore")
    assert _qt_imports("import os, json") == []
